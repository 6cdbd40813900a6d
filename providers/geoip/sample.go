package geoip

import (
	"net/netip"
	"sync"

	"github.com/gonotebooklets/notebooklets/providers/provenance"

	"github.com/gonotebooklets/notebooklets/internal/sample"
)

var (
	sampleOnce sync.Once
	sampleDB   *DB
	sampleErr  error
)

// Sample returns a Locator over the embedded synthetic GeoLite2-City sample
// database (internal/sample), which covers the public addresses of the
// sample flows. It is shared; closing it does nothing.
func Sample() Locator {
	sampleOnce.Do(func() {
		sampleDB, sampleErr = OpenBytes(sample.CityDB)
		if sampleDB != nil {
			sampleDB.name = "embedded sample City database"
			sampleDB.shared = true
		}
	})
	if sampleErr != nil {
		return errLocator{sampleErr}
	}
	return sampleDB
}

// errLocator reports the error opening the sample on every lookup (the sample
// is checked by tests; this keeps Sample free of panics).
type errLocator struct{ err error }

func (e errLocator) Locate(ip netip.Addr) (Location, error) { return Location{IP: ip.String()}, e.err }

func (e errLocator) Provenance() provenance.Info {
	return provenance.Info{Kind: "geolite2-city", Name: "GeoLite2 City", Location: "embedded sample (failed to open)", Sample: true}
}

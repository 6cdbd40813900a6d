package samplegen

import (
	"bytes"
	"fmt"

	"github.com/gonotebooklets/notebooklets/internal/mmdbgen"
)

// MMDBs returns the sample GeoLite2-City and GeoLite2-ASN databases, written
// by internal/mmdbgen in the record layout of MaxMind's GeoLite2 databases:
// every ASN prefix of Orgs with its organisation and its city. The build
// time is fixed so the bytes are reproducible.
func MMDBs() (city, asn []byte, err error) {
	var cities []mmdbgen.CityRecord
	var asns []mmdbgen.ASNRecord
	for _, o := range Orgs {
		p := o.Place
		cities = append(cities, mmdbgen.CityRecord{Network: o.Prefix, CountryISO: p.CountryISO, Country: p.Country,
			City: p.City, Lat: p.Lat, Lon: p.Lon})
		asns = append(asns, mmdbgen.ASNRecord{Network: o.Prefix, ASN: o.ASN, Org: o.Name})
	}
	opts := mmdbgen.Options{BuildEpoch: Start.Unix()}
	var cb, ab bytes.Buffer
	opts.Description = "Synthetic GeoLite2-City sample for notebooklets (not MaxMind data)"
	if err := opts.WriteCity(&cb, cities); err != nil {
		return nil, nil, fmt.Errorf("samplegen: city database: %w", err)
	}
	opts.Description = "Synthetic GeoLite2-ASN sample for notebooklets (not MaxMind data)"
	if err := opts.WriteASN(&ab, asns); err != nil {
		return nil, nil, fmt.Errorf("samplegen: ASN database: %w", err)
	}
	return cb.Bytes(), ab.Bytes(), nil
}

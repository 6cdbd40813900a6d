package samplegen

import (
	"bytes"
	"fmt"
	"net"

	"github.com/maxmind/mmdbwriter"
	"github.com/maxmind/mmdbwriter/mmdbtype"
)

// MMDBs returns the sample GeoLite2-City and GeoLite2-ASN databases: every
// ASN prefix of Orgs with its organisation and its city, in the record
// layout of MaxMind's GeoLite2 databases. The build time is fixed so the
// bytes are reproducible.
func MMDBs() (city, asn []byte, err error) {
	opts := func(typ, desc string) mmdbwriter.Options {
		return mmdbwriter.Options{
			BuildEpoch:   Start.Unix(),
			DatabaseType: typ,
			Description:  map[string]string{"en": desc},
			Languages:    []string{"en"},
			RecordSize:   28,
		}
	}
	ct, err := mmdbwriter.New(opts("GeoLite2-City", "Synthetic GeoLite2-City sample for notebooklets (not MaxMind data)"))
	if err != nil {
		return nil, nil, fmt.Errorf("samplegen: %w", err)
	}
	at, err := mmdbwriter.New(opts("GeoLite2-ASN", "Synthetic GeoLite2-ASN sample for notebooklets (not MaxMind data)"))
	if err != nil {
		return nil, nil, fmt.Errorf("samplegen: %w", err)
	}
	for i, o := range Orgs {
		_, nw, err := net.ParseCIDR(o.Prefix.String())
		if err != nil {
			return nil, nil, fmt.Errorf("samplegen: %w", err)
		}
		p := o.Place
		names := func(s string) mmdbtype.Map { return mmdbtype.Map{"en": mmdbtype.String(s)} }
		country := mmdbtype.Map{
			"geoname_id": mmdbtype.Uint32(6000000 + uint32(i)),
			"iso_code":   mmdbtype.String(p.CountryISO),
			"names":      names(p.Country),
		}
		rec := mmdbtype.Map{
			"city":               mmdbtype.Map{"geoname_id": mmdbtype.Uint32(5000000 + uint32(i)), "names": names(p.City)},
			"country":            country,
			"registered_country": country,
			"location": mmdbtype.Map{
				"latitude":        mmdbtype.Float64(p.Lat),
				"longitude":       mmdbtype.Float64(p.Lon),
				"accuracy_radius": mmdbtype.Uint16(20),
			},
		}
		if err := ct.Insert(nw, rec); err != nil {
			return nil, nil, fmt.Errorf("samplegen: city %s: %w", o.Prefix, err)
		}
		if err := at.Insert(nw, mmdbtype.Map{
			"autonomous_system_number":       mmdbtype.Uint32(o.ASN),
			"autonomous_system_organization": mmdbtype.String(o.Name),
		}); err != nil {
			return nil, nil, fmt.Errorf("samplegen: asn %s: %w", o.Prefix, err)
		}
	}
	var cb, ab bytes.Buffer
	if _, err := ct.WriteTo(&cb); err != nil {
		return nil, nil, fmt.Errorf("samplegen: %w", err)
	}
	if _, err := at.WriteTo(&ab); err != nil {
		return nil, nil, fmt.Errorf("samplegen: %w", err)
	}
	return cb.Bytes(), ab.Bytes(), nil
}

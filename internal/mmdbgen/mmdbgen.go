// Package mmdbgen writes MaxMind DB files in the record layout of MaxMind's
// GeoLite2-City and GeoLite2-ASN databases from a Go table, with
// github.com/maxmind/mmdbwriter. It is for test fixtures, benchmarks and the
// embedded sample: the files read back with geoip2-golang exactly as the real
// databases do.
//
// Databases are IPv6 trees (they answer IPv4 and IPv6 lookups). IPv4
// networks are inserted in the IPv4 subtree (::/96) and aliased from
// ::ffff:0:0/96 and 2002::/16, as MaxMind builds its own databases, so
// lookups of plain IPv4 and of IPv4-mapped IPv6 addresses both find them.
package mmdbgen

import (
	"fmt"
	"io"
	"net"
	"net/netip"

	"github.com/maxmind/mmdbwriter"
	"github.com/maxmind/mmdbwriter/mmdbtype"
)

// Database types written in the metadata; geoip2-golang checks them.
const (
	CityType = "GeoLite2-City"
	ASNType  = "GeoLite2-ASN"
)

// DefaultBuildEpoch is the build time written when Options.BuildEpoch is 0,
// so that the same table always gives the same bytes (2019-02-12T00:00:00Z).
const DefaultBuildEpoch int64 = 1549929600

// CityRecord is one network of a City database.
type CityRecord struct {
	Network    netip.Prefix
	CountryISO string // "US"
	Country    string // English name, "United States"
	City       string // English name; empty = no city record
	Lat, Lon   float64
	// NoLocation leaves out the location record (some real networks have a
	// country but no coordinates).
	NoLocation bool
}

// ASNRecord is one network of an ASN database.
type ASNRecord struct {
	Network netip.Prefix
	ASN     uint32
	Org     string
}

// Options tune the written database. The zero value is what the sample and
// the tests use.
type Options struct {
	// BuildEpoch is the build time in the metadata (Unix seconds);
	// 0 means DefaultBuildEpoch.
	BuildEpoch int64
	// Description overrides the English description in the metadata.
	Description string
	// IncludeReservedNetworks allows private and reserved networks (10/8,
	// fc00::/7, ...) in the table; without it inserting one is an error.
	IncludeReservedNetworks bool
}

func (o Options) tree(dbType, desc string) (*mmdbwriter.Tree, error) {
	if o.BuildEpoch == 0 {
		o.BuildEpoch = DefaultBuildEpoch
	}
	if o.Description != "" {
		desc = o.Description
	}
	t, err := mmdbwriter.New(mmdbwriter.Options{
		BuildEpoch:              o.BuildEpoch,
		DatabaseType:            dbType,
		Description:             map[string]string{"en": desc},
		Languages:               []string{"en"},
		RecordSize:              28,
		IPVersion:               6,
		IncludeReservedNetworks: o.IncludeReservedNetworks,
	})
	if err != nil {
		return nil, fmt.Errorf("mmdbgen: %s: %w", dbType, err)
	}
	return t, nil
}

// ipNet converts a prefix to the net.IPNet mmdbwriter wants: 4-byte for IPv4
// (so it lands in the aliased IPv4 subtree), 16-byte for IPv6. An
// IPv4-mapped IPv6 prefix (::ffff:1.2.3.0/120) is treated as its IPv4 prefix.
func ipNet(p netip.Prefix) (*net.IPNet, error) {
	if !p.IsValid() {
		return nil, fmt.Errorf("invalid network %q", p.String())
	}
	a, bits := p.Addr(), p.Bits()
	if a.Is4In6() {
		if bits < 96 {
			return nil, fmt.Errorf("network %s: IPv4-mapped prefix shorter than /96", p)
		}
		a, bits = a.Unmap(), bits-96
	}
	p = netip.PrefixFrom(a, bits).Masked()
	return &net.IPNet{IP: net.IP(p.Addr().AsSlice()), Mask: net.CIDRMask(bits, p.Addr().BitLen())}, nil
}

func names(s string) mmdbtype.Map { return mmdbtype.Map{"en": mmdbtype.String(s)} }

// CityValue is the GeoLite2-City record for r (country, registered_country,
// city and location maps, as MaxMind lays them out).
func CityValue(r CityRecord) mmdbtype.Map {
	rec := mmdbtype.Map{}
	if r.CountryISO != "" || r.Country != "" {
		c := mmdbtype.Map{}
		if r.CountryISO != "" {
			c["iso_code"] = mmdbtype.String(r.CountryISO)
		}
		if r.Country != "" {
			c["names"] = names(r.Country)
		}
		rec["country"] = c
		rec["registered_country"] = c
	}
	if r.City != "" {
		rec["city"] = mmdbtype.Map{"names": names(r.City)}
	}
	if !r.NoLocation {
		rec["location"] = mmdbtype.Map{
			"latitude":        mmdbtype.Float64(r.Lat),
			"longitude":       mmdbtype.Float64(r.Lon),
			"accuracy_radius": mmdbtype.Uint16(50),
		}
	}
	return rec
}

// ASNValue is the GeoLite2-ASN record for r.
func ASNValue(r ASNRecord) mmdbtype.Map {
	rec := mmdbtype.Map{"autonomous_system_number": mmdbtype.Uint32(r.ASN)}
	if r.Org != "" {
		rec["autonomous_system_organization"] = mmdbtype.String(r.Org)
	}
	return rec
}

// WriteCity writes a GeoLite2-City database holding recs to w. Later records
// replace earlier ones where networks overlap. Errors name the record.
func WriteCity(w io.Writer, recs []CityRecord) error { return Options{}.WriteCity(w, recs) }

// WriteASN writes a GeoLite2-ASN database holding recs to w.
func WriteASN(w io.Writer, recs []ASNRecord) error { return Options{}.WriteASN(w, recs) }

// WriteCity is WriteCity with these options.
func (o Options) WriteCity(w io.Writer, recs []CityRecord) error {
	t, err := o.tree(CityType, "GeoLite2-City layout test database written by mmdbgen (not MaxMind data)")
	if err != nil {
		return err
	}
	for i, r := range recs {
		n, err := ipNet(r.Network)
		if err == nil {
			err = t.Insert(n, CityValue(r))
		}
		if err != nil {
			return fmt.Errorf("mmdbgen: city record %d (%s): %w", i, r.Network, err)
		}
	}
	if _, err := t.WriteTo(w); err != nil {
		return fmt.Errorf("mmdbgen: writing city database: %w", err)
	}
	return nil
}

// WriteASN is WriteASN with these options.
func (o Options) WriteASN(w io.Writer, recs []ASNRecord) error {
	t, err := o.tree(ASNType, "GeoLite2-ASN layout test database written by mmdbgen (not MaxMind data)")
	if err != nil {
		return err
	}
	for i, r := range recs {
		n, err := ipNet(r.Network)
		if err == nil {
			err = t.Insert(n, ASNValue(r))
		}
		if err != nil {
			return fmt.Errorf("mmdbgen: ASN record %d (%s): %w", i, r.Network, err)
		}
	}
	if _, err := t.WriteTo(w); err != nil {
		return fmt.Errorf("mmdbgen: writing ASN database: %w", err)
	}
	return nil
}

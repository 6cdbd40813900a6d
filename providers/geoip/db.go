package geoip

import (
	"errors"
	"fmt"
	"net/netip"
	"strings"
	"sync"

	"github.com/gonotebooklets/notebooklets/providers/provenance"

	"github.com/gonotebooklets/notebooklets/providers/ipaddr"
	"github.com/oschwald/geoip2-golang/v2"
)

// ErrClosed is returned by Locate after Close.
var ErrClosed = errors.New("geoip: database is closed")

// DB is a MaxMind City database (GeoLite2-City, GeoIP2-City or
// GeoIP2-Enterprise). It is safe for concurrent use.
type DB struct {
	name   string // path or "embedded sample"
	mu     sync.RWMutex
	r      *geoip2.Reader
	shared bool // Close is a no-op (the embedded sample)
}

// Open opens the City database at path. A file that is missing, is not a
// MaxMind DB, or holds another kind of database (such as GeoLite2-ASN) is an
// error naming the file.
func Open(path string) (*DB, error) {
	r, err := geoip2.Open(path)
	if err != nil {
		return nil, fmt.Errorf("geoip: opening %s: %w", path, err)
	}
	return newDB(path, r)
}

// OpenBytes opens a City database held in memory (for instance an embedded
// one). b must not be changed while the DB is in use.
func OpenBytes(b []byte) (*DB, error) {
	r, err := geoip2.OpenBytes(b)
	if err != nil {
		return nil, fmt.Errorf("geoip: reading database from memory: %w", err)
	}
	return newDB("database in memory", r)
}

func newDB(name string, r *geoip2.Reader) (*DB, error) {
	typ := r.Metadata().DatabaseType
	if !strings.Contains(typ, "City") && !strings.Contains(typ, "Enterprise") {
		r.Close()
		return nil, fmt.Errorf("geoip: %s is a %q database, not a City database (GeoLite2-City.mmdb)", name, typ)
	}
	return &DB{name: name, r: r}, nil
}

// DatabaseType is the type in the database's metadata, e.g. "GeoLite2-City".
func (d *DB) DatabaseType() string {
	d.mu.RLock()
	defer d.mu.RUnlock()
	if d.r == nil {
		return ""
	}
	return d.r.Metadata().DatabaseType
}

// Locate returns where the database places ip. Addresses that are not public
// (private, loopback, link local, reserved, multicast, ...; see
// ipaddr.Classify) are not looked up and have Known false. An address the
// database does not know, or knows only without coordinates, has Known false
// and whatever country/city the database has; never 0,0 as a position.
func (d *DB) Locate(ip netip.Addr) (Location, error) {
	loc := Location{IP: ip.String()}
	if !ip.IsValid() {
		return loc, errors.New("geoip: invalid IP address")
	}
	if !ipaddr.IsPublicAddr(ip) {
		return loc, nil
	}
	d.mu.RLock()
	defer d.mu.RUnlock()
	if d.r == nil {
		return loc, ErrClosed
	}
	rec, err := d.r.City(ip.WithZone(""))
	if err != nil {
		return loc, fmt.Errorf("geoip: looking up %s in %s: %w", ip, d.name, err)
	}
	loc.CountryISO = rec.Country.ISOCode
	loc.Country = rec.Country.Names.English
	if loc.CountryISO == "" {
		loc.CountryISO = rec.RegisteredCountry.ISOCode
		loc.Country = rec.RegisteredCountry.Names.English
	}
	loc.City = rec.City.Names.English
	if rec.Location.Latitude != nil && rec.Location.Longitude != nil {
		loc.Latitude, loc.Longitude = *rec.Location.Latitude, *rec.Location.Longitude
		loc.Known = true
	}
	return loc, nil
}

// LocateString parses s and locates it; a string that is not an IP address
// is an error naming it.
func (d *DB) LocateString(s string) (Location, error) {
	a, ok := ipaddr.Parse(s)
	if !ok {
		return Location{IP: s}, fmt.Errorf("geoip: %q is not an IP address", s)
	}
	return d.Locate(a)
}

// Close releases the database. Locate after Close returns ErrClosed. Closing
// the shared embedded sample does nothing.
func (d *DB) Close() error {
	if d == nil || d.shared {
		return nil
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.r == nil {
		return nil
	}
	err := d.r.Close()
	d.r = nil
	return err
}

// Provenance implements provenance.Describer: the database's path, or the
// embedded sample.
func (db *DB) Provenance() provenance.Info {
	return provenance.Info{Kind: "geolite2-city", Name: "GeoLite2 City", Location: db.name, Sample: db.shared}
}

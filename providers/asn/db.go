package asn

import (
	"context"
	"errors"
	"fmt"
	"net/netip"
	"strings"
	"sync"

	"github.com/gonotebooklets/notebooklets/providers/provenance"

	"github.com/gonotebooklets/notebooklets/internal/sample"
	"github.com/gonotebooklets/notebooklets/providers/geoip"
	"github.com/gonotebooklets/notebooklets/providers/ipaddr"
	"github.com/oschwald/geoip2-golang/v2"
)

// Reasons for missing results (matched with errors.Is).
var (
	ErrNotFound  = errors.New("not found")
	ErrInvalidIP = errors.New("not an IP address")
	ErrClosed    = errors.New("asn: database is closed")
)

// DB resolves ASNs from a MaxMind GeoLite2-ASN (or GeoIP2-ASN/ISP) database,
// offline and in microseconds. It is safe for concurrent use.
type DB struct {
	name   string
	mu     sync.RWMutex
	r      *geoip2.Reader
	shared bool
}

// OpenDB opens the ASN database at path; a missing, broken or non-ASN file
// is an error naming it.
func OpenDB(path string) (*DB, error) {
	r, err := geoip2.Open(path)
	if err != nil {
		return nil, fmt.Errorf("asn: opening %s: %w", path, err)
	}
	return newDB(path, r)
}

// OpenDBBytes opens an ASN database held in memory.
func OpenDBBytes(b []byte) (*DB, error) {
	r, err := geoip2.OpenBytes(b)
	if err != nil {
		return nil, fmt.Errorf("asn: reading database from memory: %w", err)
	}
	return newDB("database in memory", r)
}

func newDB(name string, r *geoip2.Reader) (*DB, error) {
	typ := r.Metadata().DatabaseType
	if !strings.Contains(typ, "ASN") && !strings.Contains(typ, "ISP") {
		r.Close()
		return nil, fmt.Errorf("asn: %s is a %q database, not an ASN database (GeoLite2-ASN.mmdb)", name, typ)
	}
	return &DB{name: name, r: r}, nil
}

var (
	sampleOnce sync.Once
	sampleDB   *DB
	sampleErr  error
)

// Sample returns a Resolver over the embedded synthetic GeoLite2-ASN sample
// database (internal/sample), which covers the sample flows' public peers.
// It is shared; closing it does nothing.
func Sample() Resolver {
	sampleOnce.Do(func() {
		sampleDB, sampleErr = OpenDBBytes(sample.ASNDB)
		if sampleDB != nil {
			sampleDB.name = "embedded sample ASN database"
			sampleDB.shared = true
		}
	})
	if sampleErr != nil {
		return errResolver{sampleErr}
	}
	return sampleDB
}

type errResolver struct{ err error }

func (e errResolver) Resolve(context.Context, []string) (Results, error) { return Results{}, e.err }

// Lookup returns the ASN record for a public address. ok is false when the
// database has no record for it.
func (d *DB) Lookup(ip netip.Addr) (info Info, ok bool, err error) {
	info = Info{IP: ip.String(), Source: SourceGeoLite2}
	d.mu.RLock()
	defer d.mu.RUnlock()
	if d.r == nil {
		return info, false, ErrClosed
	}
	rec, err := d.r.ASN(ip.WithZone(""))
	if err != nil {
		return info, false, fmt.Errorf("asn: looking up %s in %s: %w", ip, d.name, err)
	}
	if !rec.HasData() {
		return info, false, nil
	}
	info.ASN = Number(rec.AutonomousSystemNumber)
	info.Name = rec.AutonomousSystemOrganization
	if rec.Network.IsValid() {
		info.CIDR = rec.Network.String()
	}
	return info, true, nil
}

// Resolve looks up every address. Private and other non-public addresses are
// found with Source "private" and Name PrivateName; addresses the database
// does not know are Missing with ErrNotFound; strings that are not IP
// addresses are Missing with ErrInvalidIP.
func (d *DB) Resolve(ctx context.Context, ips []string) (Results, error) {
	res := newResults(len(ips))
	for i, s := range ips {
		if i%1024 == 0 && ctx.Err() != nil {
			return res, ctx.Err()
		}
		a, ok := ipaddr.Parse(s)
		switch {
		case !ok:
			res.Missing[s] = fmt.Errorf("%q: %w", s, ErrInvalidIP)
			continue
		case !ipaddr.IsPublicAddr(a):
			res.Found[s] = privateInfo(s)
			continue
		}
		info, found, err := d.Lookup(a)
		switch {
		case err != nil:
			res.Missing[s] = err
		case !found:
			res.Missing[s] = fmt.Errorf("geolite2-asn: %s %w in %s", s, ErrNotFound, d.name)
		default:
			info.IP = s
			res.Found[s] = info
		}
	}
	return res, nil
}

// Close releases the database; Close on the shared sample does nothing.
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

func newResults(n int) Results {
	return Results{Found: make(map[string]Info, n), Missing: make(map[string]error)}
}

func privateInfo(ip string) Info { return Info{IP: ip, Name: PrivateName, Source: SourcePrivate} }

// publicToQuery settles what needs no query — invalid strings are Missing,
// non-public addresses are found as private — and returns the public
// addresses left to look up, in input order.
func publicToQuery(ips []string, res Results) []string {
	var query []string
	for _, s := range ips {
		a, ok := ipaddr.Parse(s)
		switch {
		case !ok:
			res.Missing[s] = fmt.Errorf("%q: %w", s, ErrInvalidIP)
		case !ipaddr.IsPublicAddr(a):
			res.Found[s] = privateInfo(s)
		default:
			query = append(query, s)
		}
	}
	return query
}

// OpenDefault finds the ASN database as geoip.Lookup does for
// GeoLite2-ASN (explicit path, $NOTEBOOKLETS_GEOIP_ASN, dbFolder — the
// msticpyconfig GeoIPLite DBFolder —, ~/.msticpy/GeoLite2, ~/.msticpy) and
// opens it. Not finding one is a *geoip.NotFoundError saying where it
// looked and how to get GeoLite2-ASN.
func OpenDefault(explicit, dbFolder string) (*DB, error) {
	p, err := geoip.Lookup{Edition: geoip.EditionASN, Explicit: explicit, DBFolder: dbFolder}.Find()
	if err != nil {
		return nil, err
	}
	return OpenDB(p)
}

// Provenance implements provenance.Describer: the database's path, or the
// embedded sample.
func (db *DB) Provenance() provenance.Info {
	return provenance.Info{Kind: SourceGeoLite2, Name: "GeoLite2 ASN", Location: db.name, Sample: db.shared}
}

func (e errResolver) Provenance() provenance.Info {
	return provenance.Info{Kind: SourceGeoLite2, Name: "GeoLite2 ASN", Location: "embedded sample (failed to open)", Sample: true}
}

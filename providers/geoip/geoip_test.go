package geoip

import (
	"bytes"
	"errors"
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/gonotebooklets/notebooklets/internal/mmdbgen"
	"github.com/gonotebooklets/notebooklets/internal/sample/samplegen"
	"github.com/google/go-cmp/cmp"
)

func cityBytes(t testing.TB) []byte {
	t.Helper()
	var buf bytes.Buffer
	err := mmdbgen.Options{IncludeReservedNetworks: true}.WriteCity(&buf, []mmdbgen.CityRecord{
		{Network: netip.MustParsePrefix("13.107.0.0/16"), CountryISO: "US", Country: "United States", City: "Redmond", Lat: 47.674, Lon: -122.1215},
		{Network: netip.MustParsePrefix("81.2.69.0/24"), CountryISO: "GB", Country: "United Kingdom", NoLocation: true},
		{Network: netip.MustParsePrefix("2a01:111::/32"), CountryISO: "IE", Country: "Ireland", City: "Dublin", Lat: 53.3498, Lon: -6.2603},
		{Network: netip.MustParsePrefix("154.0.0.0/16"), CountryISO: "GH", Country: "Ghana", Lat: 0, Lon: 0}, // a real 0,0 record is kept
		// private and documentation ranges carry data here, but must never be located
		{Network: netip.MustParsePrefix("10.0.0.0/8"), CountryISO: "US", Country: "United States", City: "Nowhere", Lat: 1, Lon: 1},
		{Network: netip.MustParsePrefix("2001:db8::/32"), CountryISO: "US", Country: "United States", City: "Nowhere", Lat: 1, Lon: 1},
	})
	if err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func writeFile(t testing.TB, dir, name string, b []byte) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, b, 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestLocate(t *testing.T) {
	db, err := Open(writeFile(t, t.TempDir(), "GeoLite2-City.mmdb", cityBytes(t)))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if db.DatabaseType() != "GeoLite2-City" {
		t.Errorf("type %q", db.DatabaseType())
	}
	tests := []struct {
		ip   string
		want Location
	}{
		{"13.107.4.50", Location{IP: "13.107.4.50", CountryISO: "US", Country: "United States", City: "Redmond", Latitude: 47.674, Longitude: -122.1215, Known: true}},
		{"::ffff:13.107.4.50", Location{IP: "::ffff:13.107.4.50", CountryISO: "US", Country: "United States", City: "Redmond", Latitude: 47.674, Longitude: -122.1215, Known: true}},
		{"2a01:111:f400::1", Location{IP: "2a01:111:f400::1", CountryISO: "IE", Country: "Ireland", City: "Dublin", Latitude: 53.3498, Longitude: -6.2603, Known: true}},
		{"81.2.69.142", Location{IP: "81.2.69.142", CountryISO: "GB", Country: "United Kingdom"}}, // country, no coordinates
		{"154.0.1.1", Location{IP: "154.0.1.1", CountryISO: "GH", Country: "Ghana", Known: true}},
		{"8.8.8.8", Location{IP: "8.8.8.8"}},                 // not in the database
		{"2001:4860::8888", Location{IP: "2001:4860::8888"}}, // not in the database
		{"10.0.3.5", Location{IP: "10.0.3.5"}},               // private: never looked up
		{"::ffff:10.0.3.5", Location{IP: "::ffff:10.0.3.5"}},
		{"2001:db8::1", Location{IP: "2001:db8::1"}},
		{"127.0.0.1", Location{IP: "127.0.0.1"}},
		{"224.0.0.1", Location{IP: "224.0.0.1"}},
		{"100.64.1.1", Location{IP: "100.64.1.1"}},
		{"fe80::1", Location{IP: "fe80::1"}},
	}
	for _, tt := range tests {
		got, err := db.LocateString(tt.ip)
		if err != nil {
			t.Errorf("%s: %v", tt.ip, err)
			continue
		}
		if d := cmp.Diff(tt.want, got); d != "" {
			t.Errorf("%s (-want +got):\n%s", tt.ip, d)
		}
	}
	if _, err := db.LocateString("not-an-ip"); err == nil || !strings.Contains(err.Error(), "not-an-ip") {
		t.Errorf("invalid IP: err = %v", err)
	}
	if _, err := db.Locate(netip.Addr{}); err == nil {
		t.Error("zero Addr: want an error")
	}
}

func TestOpenErrors(t *testing.T) {
	dir := t.TempDir()
	var asn bytes.Buffer
	if err := mmdbgen.WriteASN(&asn, []mmdbgen.ASNRecord{{Network: netip.MustParsePrefix("13.107.0.0/16"), ASN: 8075}}); err != nil {
		t.Fatal(err)
	}
	city := cityBytes(t)
	tests := []struct {
		name, path, want string
	}{
		{"missing", filepath.Join(dir, "nope.mmdb"), "nope.mmdb"},
		{"not an mmdb", "testdata/not-an-mmdb.mmdb", "not-an-mmdb.mmdb"},
		{"empty", writeFile(t, dir, "empty.mmdb", nil), "empty.mmdb"},
		{"truncated", writeFile(t, dir, "trunc.mmdb", city[:len(city)/2]), "trunc.mmdb"},
		{"ASN database", writeFile(t, dir, "GeoLite2-ASN.mmdb", asn.Bytes()), `"GeoLite2-ASN" database, not a City database`},
	}
	for _, tt := range tests {
		db, err := Open(tt.path)
		if err == nil {
			db.Close()
			t.Errorf("%s: no error", tt.name)
			continue
		}
		if !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: error %q does not contain %q", tt.name, err, tt.want)
		}
	}
	if _, err := OpenBytes([]byte("garbage")); err == nil {
		t.Error("OpenBytes(garbage): no error")
	}
	// A database whose data section is corrupted must give errors, not panics.
	bad := append([]byte(nil), city...)
	for i := 64; i < len(bad)/2; i += 7 {
		bad[i] ^= 0x5a
	}
	if db, err := OpenBytes(bad); err == nil {
		for _, ip := range []string{"13.107.4.50", "2a01:111::1", "81.2.69.1", "8.8.8.8"} {
			_, _ = db.LocateString(ip) // error or not: no panic
		}
		db.Close()
	}
}

func TestClose(t *testing.T) {
	db, err := OpenBytes(cityBytes(t))
	if err != nil {
		t.Fatal(err)
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	if err := db.Close(); err != nil {
		t.Errorf("second Close: %v", err)
	}
	if _, err := db.LocateString("13.107.4.50"); !errors.Is(err, ErrClosed) {
		t.Errorf("Locate after Close: %v", err)
	}
	// private addresses need no database
	if loc, err := db.LocateString("10.0.0.1"); err != nil || loc.Known {
		t.Errorf("private after Close: %+v %v", loc, err)
	}
}

func TestConcurrentLocateAndClose(t *testing.T) {
	db, err := Open(writeFile(t, t.TempDir(), "c.mmdb", cityBytes(t)))
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	for g := 0; g < 8; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < 200; i++ {
				loc, err := db.LocateString("13.107.4.50")
				if err == nil && loc.City != "Redmond" {
					t.Errorf("got %+v", loc)
					return
				}
			}
		}()
	}
	db.Close()
	wg.Wait()
}

func TestSample(t *testing.T) {
	s := Sample()
	if Sample() != s {
		t.Error("Sample is not shared")
	}
	for _, o := range samplegen.Orgs {
		a := o.Prefix.Addr().Next()
		loc, err := s.Locate(a)
		if err != nil {
			t.Fatalf("%s: %v", a, err)
		}
		want := Location{IP: a.String(), CountryISO: o.Place.CountryISO, Country: o.Place.Country, City: o.Place.City,
			Latitude: o.Place.Lat, Longitude: o.Place.Lon, Known: true}
		if d := cmp.Diff(want, loc); d != "" {
			t.Errorf("AS%d %s (-want +got):\n%s", o.ASN, a, d)
		}
	}
	loc, err := s.Locate(netip.MustParseAddr(samplegen.Host.PrivateIP))
	if err != nil || loc.Known {
		t.Errorf("host private IP: %+v %v", loc, err)
	}
	if c, ok := s.(interface{ Close() error }); ok {
		c.Close()
		if _, err := Sample().Locate(netip.MustParseAddr("13.107.4.50")); err != nil {
			t.Errorf("Sample after Close: %v", err)
		}
	}
}

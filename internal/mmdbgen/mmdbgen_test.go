package mmdbgen

import (
	"bytes"
	"net/netip"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/oschwald/geoip2-golang/v2"
)

var cityRecs = []CityRecord{
	{Network: netip.MustParsePrefix("13.107.0.0/16"), CountryISO: "US", Country: "United States", City: "Redmond", Lat: 47.6740, Lon: -122.1215},
	{Network: netip.MustParsePrefix("5.188.0.0/16"), CountryISO: "RO", Country: "Romania", City: "Bucharest", Lat: 44.4268, Lon: 26.1025},
	{Network: netip.MustParsePrefix("81.2.69.0/24"), CountryISO: "GB", Country: "United Kingdom", NoLocation: true},
	{Network: netip.MustParsePrefix("2a01:111::/32"), CountryISO: "IE", Country: "Ireland", City: "Dublin", Lat: 53.3498, Lon: -6.2603},
	{Network: netip.MustParsePrefix("::ffff:41.203.0.0/112"), CountryISO: "NG", Country: "Nigeria", City: "Lagos", Lat: 6.5244, Lon: 3.3792},
}

var asnRecs = []ASNRecord{
	{Network: netip.MustParsePrefix("13.107.0.0/16"), ASN: 8075, Org: "MICROSOFT-CORP-MSN-AS-BLOCK"},
	{Network: netip.MustParsePrefix("5.188.0.0/16"), ASN: 65537, Org: "BULLETPROOF-EXAMPLE-HOSTING"},
	{Network: netip.MustParsePrefix("2a01:111::/32"), ASN: 8075, Org: "MICROSOFT-CORP-MSN-AS-BLOCK"},
	{Network: netip.MustParsePrefix("198.51.100.0/24"), ASN: 64500}, // documentation range: needs IncludeReservedNetworks
}

type cityGot struct {
	ISO, Country, City string
	Lat, Lon           *float64
	Network            string
}

func f(v float64) *float64 { return &v }

func TestWriteCityReadBack(t *testing.T) {
	var buf bytes.Buffer
	if err := WriteCity(&buf, cityRecs); err != nil {
		t.Fatal(err)
	}
	db, err := geoip2.OpenBytes(buf.Bytes())
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if got := db.Metadata().DatabaseType; got != CityType {
		t.Errorf("database type %q, want %q", got, CityType)
	}
	if db.Metadata().BuildEpoch != uint(DefaultBuildEpoch) {
		t.Errorf("build epoch %d", db.Metadata().BuildEpoch)
	}
	tests := []struct {
		ip   string
		want *cityGot // nil: not found
	}{
		{"13.107.4.50", &cityGot{"US", "United States", "Redmond", f(47.6740), f(-122.1215), "13.107.0.0/16"}},
		{"::ffff:13.107.4.50", &cityGot{"US", "United States", "Redmond", f(47.6740), f(-122.1215), "::ffff:13.107.0.0/112"}},
		{"5.188.13.66", &cityGot{"RO", "Romania", "Bucharest", f(44.4268), f(26.1025), "5.188.0.0/16"}},
		{"81.2.69.142", &cityGot{ISO: "GB", Country: "United Kingdom", Network: "81.2.69.0/24"}},
		{"2a01:111:f400::1", &cityGot{"IE", "Ireland", "Dublin", f(53.3498), f(-6.2603), "2a01:111::/32"}},
		{"41.203.7.1", &cityGot{"NG", "Nigeria", "Lagos", f(6.5244), f(3.3792), "41.203.0.0/16"}},
		{"8.8.8.8", nil},
		{"2001:4860::8888", nil},
		{"10.0.3.5", nil},
	}
	for _, tt := range tests {
		rec, err := db.City(netip.MustParseAddr(tt.ip))
		if err != nil {
			t.Fatalf("%s: %v", tt.ip, err)
		}
		if tt.want == nil {
			if rec.HasData() {
				t.Errorf("%s: found %+v, want nothing", tt.ip, rec)
			}
			continue
		}
		got := &cityGot{rec.Country.ISOCode, rec.Country.Names.English, rec.City.Names.English, rec.Location.Latitude, rec.Location.Longitude, rec.Traits.Network.String()}
		if d := cmp.Diff(tt.want, got); d != "" {
			t.Errorf("%s (-want +got):\n%s", tt.ip, d)
		}
		if rec.RegisteredCountry.ISOCode != tt.want.ISO {
			t.Errorf("%s: registered country %q", tt.ip, rec.RegisteredCountry.ISOCode)
		}
	}
}

func TestWriteASNReadBack(t *testing.T) {
	var buf bytes.Buffer
	if err := WriteASN(&buf, asnRecs); err == nil || !strings.Contains(err.Error(), "198.51.100.0/24") {
		t.Fatalf("reserved network without IncludeReservedNetworks: err = %v, want one naming the network", err)
	}
	buf.Reset()
	if err := (Options{IncludeReservedNetworks: true, BuildEpoch: 1700000000}).WriteASN(&buf, asnRecs); err != nil {
		t.Fatal(err)
	}
	db, err := geoip2.OpenBytes(buf.Bytes())
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if got := db.Metadata().DatabaseType; got != ASNType {
		t.Errorf("database type %q", got)
	}
	tests := []struct {
		ip   string
		asn  uint
		org  string
		none bool
	}{
		{ip: "13.107.4.50", asn: 8075, org: "MICROSOFT-CORP-MSN-AS-BLOCK"},
		{ip: "::ffff:5.188.42.7", asn: 65537, org: "BULLETPROOF-EXAMPLE-HOSTING"},
		{ip: "2a01:111::5", asn: 8075, org: "MICROSOFT-CORP-MSN-AS-BLOCK"},
		{ip: "198.51.100.7", asn: 64500},
		{ip: "1.1.1.1", none: true},
	}
	for _, tt := range tests {
		rec, err := db.ASN(netip.MustParseAddr(tt.ip))
		if err != nil {
			t.Fatalf("%s: %v", tt.ip, err)
		}
		if tt.none {
			if rec.HasData() {
				t.Errorf("%s: found %+v", tt.ip, rec)
			}
			continue
		}
		if rec.AutonomousSystemNumber != tt.asn || rec.AutonomousSystemOrganization != tt.org {
			t.Errorf("%s: got AS%d %q, want AS%d %q", tt.ip, rec.AutonomousSystemNumber, rec.AutonomousSystemOrganization, tt.asn, tt.org)
		}
	}
	// A City reader must refuse an ASN database, as with real GeoLite2 files.
	if _, err := db.City(netip.MustParseAddr("13.107.4.50")); err == nil {
		t.Error("City() on an ASN database: want an error")
	}
}

func TestDeterministic(t *testing.T) {
	var a, b bytes.Buffer
	if err := WriteCity(&a, cityRecs); err != nil {
		t.Fatal(err)
	}
	if err := WriteCity(&b, cityRecs); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(a.Bytes(), b.Bytes()) {
		t.Error("same table gave different bytes")
	}
}

func TestBadRecords(t *testing.T) {
	var buf bytes.Buffer
	err := WriteCity(&buf, []CityRecord{{CountryISO: "US"}})
	if err == nil || !strings.Contains(err.Error(), "record 0") {
		t.Errorf("zero network: err = %v", err)
	}
	err = WriteASN(&buf, []ASNRecord{{Network: netip.MustParsePrefix("::ffff:0:0/80"), ASN: 1}})
	if err == nil {
		t.Error("short IPv4-mapped prefix: want an error")
	}
}

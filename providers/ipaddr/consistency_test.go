package ipaddr_test

import (
	"bytes"
	"context"
	"net/netip"
	"testing"

	"github.com/gonotebooklets/notebooklets/flowsummary"
	"github.com/gonotebooklets/notebooklets/internal/mmdbgen"
	"github.com/gonotebooklets/notebooklets/providers/asn"
	"github.com/gonotebooklets/notebooklets/providers/geoip"
	"github.com/gonotebooklets/notebooklets/providers/hosts"
	"github.com/gonotebooklets/notebooklets/providers/ipaddr"
)

// worldCity is a City database that places every address, private or not:
// so a Locate that reports a place is one that looked the address up.
func worldCity(tb testing.TB) *geoip.DB {
	tb.Helper()
	var b bytes.Buffer
	err := mmdbgen.Options{IncludeReservedNetworks: true}.WriteCity(&b, []mmdbgen.CityRecord{
		{Network: netip.MustParsePrefix("::/0"), CountryISO: "XX", Country: "Everywhere", City: "Anywhere", Lat: 1, Lon: 2},
	})
	if err != nil {
		tb.Fatal(err)
	}
	db, err := geoip.OpenBytes(b.Bytes())
	if err != nil {
		tb.Fatal(err)
	}
	return db
}

// FuzzPackagesAgreeOnPublic: every package that decides whether an address
// is public (worth an ASN, geo or TI lookup) decides as ipaddr.IsPublic
// does: the ASN resolvers (private marker), the geo-IP locator (looked up
// or not), the host records (PublicIPs or PrivateIPs) and the flow summary
// (public addresses, private ASN).
func FuzzPackagesAgreeOnPublic(f *testing.F) {
	for _, s := range []string{"8.8.8.8", "10.0.3.5", "2002::1", "3fff::1", "192.0.0.9", "fec0::1", "100.64.0.1",
		"::ffff:10.0.3.5", "::ffff:8.8.8.8", "fe80::1%eth0", "224.0.0.1", "5f00::1", "2001:1::3", "0.0.0.0", "::"} {
		f.Add(s)
	}
	city := worldCity(f)
	asnDB := asn.Sample()
	ctx := context.Background()
	f.Fuzz(func(t *testing.T, s string) {
		a, ok := ipaddr.Parse(s)
		if !ok {
			return
		}
		s = a.String()
		want := ipaddr.IsPublic(s)

		res, err := asnDB.Resolve(ctx, []string{s})
		if err != nil {
			t.Fatal(err)
		}
		inf, found := res.Found[s]
		if private := found && inf.Source == "private"; private == want {
			t.Errorf("asn: %s private=%v, ipaddr.IsPublic=%v", s, private, want)
		}

		loc, err := city.Locate(a)
		if err != nil {
			t.Fatal(err)
		}
		if loc.Known != want {
			t.Errorf("geoip: %s placed=%v, ipaddr.IsPublic=%v", s, loc.Known, want)
		}

		tbl, err := hosts.FromRecords("fuzz", []hosts.Record{{"Computer": "h1", "ComputerIP": s, "TimeGenerated": "2019-02-14T00:00:00Z"}})
		if err != nil {
			t.Fatal(err)
		}
		h, err := tbl.Resolve(ctx, "h1")
		if err != nil {
			t.Fatal(err)
		}
		c, _ := ipaddr.Canonical(s)
		if public := len(h.PublicIPs) == 1 && h.PublicIPs[0] == c; public != want {
			t.Errorf("hosts: %s in PublicIPs=%v (%+v), ipaddr.IsPublic=%v", s, public, h, want)
		}

		row := []flowsummary.FlowIndexRow{{Source: "10.0.3.5", Dest: s, FlowDirection: "O"}}
		if public := len(flowsummary.PublicIPs(row)) == 1; public != want {
			t.Errorf("flowsummary.PublicIPs: %s public=%v, ipaddr.IsPublic=%v", s, public, want)
		}
		if private := flowsummary.ASNInfoOf(s, nil).Number() == asn.Private; private == want {
			t.Errorf("flowsummary.ASNInfoOf: %s private=%v, ipaddr.IsPublic=%v", s, private, want)
		}
	})
}

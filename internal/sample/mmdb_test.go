package sample

import (
	"net/netip"
	"testing"

	"github.com/gonotebooklets/notebooklets/internal/sample/samplegen"
	"github.com/oschwald/geoip2-golang/v2"
)

// TestDatabasesCoverPeers reads the embedded databases with geoip2-golang
// (as the geo and ASN providers do) and checks every public peer resolves to
// its ASN and city, and private addresses to nothing.
func TestDatabasesCoverPeers(t *testing.T) {
	city, err := geoip2.OpenBytes(CityDB)
	if err != nil {
		t.Fatal(err)
	}
	defer city.Close()
	asn, err := geoip2.OpenBytes(ASNDB)
	if err != nil {
		t.Fatal(err)
	}
	defer asn.Close()
	peers := append(samplegen.Peers(), samplegen.Peer{IP: samplegen.Host.PublicIP, Org: 0})
	for _, p := range peers {
		ip := netip.MustParseAddr(p.IP)
		o := samplegen.Orgs[p.Org]
		a, err := asn.ASN(ip)
		if err != nil || a.AutonomousSystemNumber != uint(o.ASN) || a.AutonomousSystemOrganization != o.Name {
			t.Errorf("ASN(%s) = %+v, %v; want %d %s", ip, a, err, o.ASN, o.Name)
		}
		c, err := city.City(ip)
		if err != nil || c.City.Names.English != o.Place.City || c.Country.ISOCode != o.Place.CountryISO ||
			c.Location.Latitude == nil || *c.Location.Latitude != o.Place.Lat {
			t.Errorf("City(%s) = %+v, %v; want %+v", ip, c, err, o.Place)
		}
	}
	a, err := asn.ASN(netip.MustParseAddr(samplegen.Host.PrivateIP))
	if err != nil || a.HasData() {
		t.Errorf("private address has ASN data: %+v %v", a, err)
	}
}

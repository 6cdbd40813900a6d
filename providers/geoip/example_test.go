package geoip_test

import (
	"fmt"
	"net/netip"

	"github.com/gonotebooklets/notebooklets/providers/geoip"
)

func ExampleSample() {
	geo := geoip.Sample() // the embedded synthetic City database; geoip.Open(path) for a real one
	for _, ip := range []string{"5.188.13.66", "10.0.3.5"} {
		loc, err := geo.Locate(netip.MustParseAddr(ip))
		if err != nil {
			fmt.Println(err)
			continue
		}
		if !loc.Known {
			fmt.Println(ip, "no location")
			continue
		}
		fmt.Printf("%s %s %s %.2f,%.2f\n", ip, loc.CountryISO, loc.City, loc.Latitude, loc.Longitude)
	}
	// Output:
	// 5.188.13.66 RO Bucharest 44.43,26.10
	// 10.0.3.5 no location
}

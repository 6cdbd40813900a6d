package asn_test

import (
	"context"
	"fmt"
	"sort"

	"github.com/gonotebooklets/notebooklets/providers/asn"
)

func Example() {
	// The embedded sample database first; in real use:
	//   db, _ := asn.OpenDB("GeoLite2-ASN.mmdb")
	//   r := asn.Chain(db, asn.NewCymru(""), asn.NewRDAP()).Cache(asn.NewCache(dir, asn.DefaultCacheTTL))
	r := asn.Chain(asn.Sample())
	res, err := r.Resolve(context.Background(), []string{"5.188.13.66", "10.0.3.5", "not-an-ip"})
	if err != nil {
		fmt.Println(err)
		return
	}
	var ips []string
	for ip := range res.Found {
		ips = append(ips, ip)
	}
	sort.Strings(ips)
	for _, ip := range ips {
		fmt.Println(ip, res.Found[ip].Label())
	}
	fmt.Println("missing:", res.Missing["not-an-ip"])
	// Output:
	// 10.0.3.5 private address
	// 5.188.13.66 AS65537 BULLETPROOF-EXAMPLE-HOSTING
	// missing: "not-an-ip": not an IP address
}

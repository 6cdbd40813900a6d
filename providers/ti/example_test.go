package ti_test

import (
	"context"
	"fmt"

	"github.com/gonotebooklets/notebooklets/providers/ti"
)

func Example() {
	feed, err := ti.LocalBytes("feed.csv", []byte(
		"ioc,ioc_type,severity,details\n"+
			"203.0.113.66,ipv4,high,Known C2 server\n"+
			"198.51.100.7,ipv4,low,Scanner\n"))
	if err != nil {
		fmt.Println(err)
		return
	}
	// Remote providers are added the same way, e.g. ti.NewOTX(key).
	res, err := ti.Lookup(context.Background(), []ti.Provider{feed},
		[]string{"203.0.113.66", "192.0.2.10", "198.51.100.7", "203.0.113.66"}, nil)
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, r := range res.Positive() {
		fmt.Printf("%s %s %s: %s\n", r.Provider, r.Ioc, r.Severity, r.Details)
	}
	fmt.Println(ti.Summarize(res.Results))
	// Output:
	// feed.csv 203.0.113.66 high: Known C2 server
	// feed.csv 198.51.100.7 low: Scanner
	// 3 results: 2 positive (1 high, 1 low)
}

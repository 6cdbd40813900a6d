package ti_test

import (
	"context"
	"fmt"
	"time"

	"github.com/gonotebooklets/notebooklets/providers/ti"
)

func Example() {
	feed, err := ti.LocalBytes("feed.csv", []byte(
		"ioc,ioc_type,severity,details\n"+
			"203.0.113.66,ipv4,high,Known C2 server\n"+
			"198.51.100.9,ipv4,medium,Scanner\n"+
			"198.51.100.7,ipv4,low,Seen once in a honeypot\n"))
	if err != nil {
		fmt.Println(err)
		return
	}
	// Remote providers are added the same way, e.g. ti.NewOTX(key).
	res, err := ti.Lookup(context.Background(), []ti.Provider{feed},
		[]string{"203.0.113.66", "192.0.2.10", "198.51.100.7", "198.51.100.9", "203.0.113.66"}, nil)
	if err != nil {
		fmt.Println(err)
		return
	}
	// Positive is msticnb's rule (ti.IsPositive): medium or high. The low
	// result is kept in res.Results but is not a threat.
	for _, r := range res.Positive() {
		fmt.Printf("%s %s %s: %s\n", r.Provider, r.Ioc, r.Severity, r.Details)
	}
	fmt.Println(ti.Summarize(res.Results))
	// Output:
	// feed.csv 203.0.113.66 high: Known C2 server
	// feed.csv 198.51.100.9 medium: Scanner
	// 4 results: 2 positive (1 high, 1 medium), 1 low
}

func ExampleLookupWith() {
	feed, _ := ti.LocalBytes("feed.csv", []byte("ioc,severity\n203.0.113.66,high\n"))
	var last ti.Progress
	res, err := ti.LookupWith(context.Background(), ti.LookupOptions{
		Deadline: 30 * time.Second, // the whole step; providers still running then are given up
		Progress: func(p ti.Progress) { last = p },
	}, []ti.Provider{feed}, []string{"203.0.113.66", "192.0.2.10"}, nil)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(len(res.Positive()), "positive;", last.Done, "of", last.Total, "lookups done;", len(res.Failures), "failures")
	// Output:
	// 1 positive; 2 of 2 lookups done; 0 failures
}

package flowtables_test

import (
	"context"
	"fmt"
	"time"

	"github.com/gonotebooklets/notebooklets/providers/flows"
	"github.com/gonotebooklets/notebooklets/providers/flowtables"
)

// Open recognises each export's table from its header.
func ExampleOpen() {
	for _, f := range []string{"azurenetworkanalytics.csv", "ntanetanalytics.csv", "asim.ndjson", "devicenetworkevents.json"} {
		path := "testdata/sametraffic/" + f
		table, _ := flowtables.Detect(path)
		src, err := flowtables.Open(path)
		if err != nil {
			fmt.Println(err)
			return
		}
		start := time.Date(2024, 5, 1, 0, 0, 0, 0, time.UTC)
		q := flows.Query{Host: "msticalertswin1", Start: start, End: start.Add(24 * time.Hour)}
		var n int64
		st, _ := src.Stream(context.Background(), q, func(f *flows.Flow) error {
			n += f.TotalAllowedFlows()
			return nil
		})
		fmt.Printf("%-24s %2d flow records, %d allowed flows, bytes: %v\n", table, st.RowsKept, n, st.HasBytes)
	}
	// Output:
	// AzureNetworkAnalytics_CL  8 flow records, 20 allowed flows, bytes: false
	// NTANetAnalytics           7 flow records, 20 allowed flows, bytes: true
	// ASIM                      7 flow records, 20 allowed flows, bytes: true
	// DeviceNetworkEvents      20 flow records, 20 allowed flows, bytes: false
}

// The flow_table setting and the --flow-table flag.
func ExampleParseTable() {
	for _, s := range []string{"", "ntanetanalytics", "_Im_NetworkSession", "Syslog"} {
		t, err := flowtables.ParseTable(s)
		fmt.Printf("%q → %q %v\n", s, t, err != nil)
	}
	// Output:
	// "" → "auto" false
	// "ntanetanalytics" → "NTANetAnalytics" false
	// "_Im_NetworkSession" → "ASIM" false
	// "Syslog" → "" true
}

package flowsummary_test

import (
	"context"
	"fmt"
	"os"

	"github.com/gonotebooklets/notebooklets/flowsummary"
	"github.com/gonotebooklets/notebooklets/nb"
	"github.com/gonotebooklets/notebooklets/providers/config"
	"github.com/gonotebooklets/notebooklets/providers/flows"
)

// Run on a flow file, then choose ASNs and look them up in a later cell (a
// new NetworkFlowSummary reading the saved result).
func ExampleNetworkFlowSummary_Run() {
	ctx := context.Background()
	src, err := flows.OpenFile("testdata/parity/flows.csv")
	if err != nil {
		fmt.Println(err)
		return
	}
	state := exampleStateDir()
	res, err := flowsummary.New(flowsummary.WithFlows(src), flowsummary.WithSink(nb.Discard), flowsummary.WithStateDir(state)).
		Run(ctx, "msticalertswin1", nb.TimeSpan{}, "-plot_flows")
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(res.Description)
	fmt.Println(res.FlowsTotal, "flows,", len(res.FlowIndexData), "flow index rows,", res.UniqueIPs, "unique IPs")

	// next cell
	next := flowsummary.New(flowsummary.WithSink(nb.Discard), flowsummary.WithStateDir(state))
	sel, err := next.SelectASNs(ctx)
	fmt.Println(err, len(sel.IDs) == len(res.DefaultASNSelection.Default()))
	// Output:
	// Network flow summary for msticalertswin1
	// 2000 flows, 1100 flow index rows, 201 unique IPs
	// <nil> true
}

func exampleStateDir() string {
	dir, err := os.MkdirTemp("", "flowsummary-example-")
	if err != nil {
		panic(err)
	}
	return dir
}

// Settings from a msticpyconfig.yaml: here its Notebooklets section names a
// flow file and the state directory; providers/config.Load("") would find the
// user's file ($MSTICPYCONFIG, ./msticpyconfig.yaml, ~/.msticpyconfig.yaml).
func ExampleFromConfig() {
	state := exampleStateDir()
	cfg, err := config.Parse("msticpyconfig.yaml", []byte("Notebooklets:\n  flow_files: testdata/parity/flows.csv\n  state_dir: "+state+"\n"))
	if err != nil {
		fmt.Println(err)
		return
	}
	c, err := flowsummary.FromConfig(cfg, flowsummary.Sources{})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer c.Close()
	res, err := flowsummary.New(append(c.Settings, flowsummary.WithSink(nb.Discard))...).
		Run(context.Background(), "msticalertswin1", nb.TimeSpan{}, "flow_summary")
	if err != nil {
		fmt.Println(err)
		return
	}
	// c.Warnings (also in res.Warnings) say what fell back to the sample,
	// such as a missing GeoLite2 database.
	fmt.Println(res.FlowsTotal, "flows,", len(res.FlowSummary.Rows) > 0)
	// Output:
	// 2000 flows, true
}

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

// One handle per notebook: declare it once in the setup cell (here with no
// provider settings: the embedded sample), then one line per step in each
// later cell.
func ExampleNew() {
	ctx := context.Background()
	nbk := flowsummary.New(flowsummary.WithSink(nb.Discard), flowsummary.WithStateDir(exampleStateDir()))

	res, _ := nbk.Run(ctx, "msticalertswin1", nb.TimeSpan{}, "+geo_map")
	fmt.Println(res.FlowsTotal, "flows, sample data for", res.Provenance.SampleParts())
	sel, _ := nbk.SelectASNs(ctx) // in a notebook: tick ASNs, press Apply
	fmt.Println(sel)
	tiRes, _ := nbk.LookupTIForASNIPs(ctx)
	fmt.Println(len(tiRes.IPs), "addresses looked up,", len(tiRes.Positives), "positive")
	nbk.ShowSelectedASNMap(ctx)
	nbk.Show(ctx, flowsummary.SectionFlowSummary)
	// Output:
	// 3060 flows, sample data for [flows host details geo-IP ASN threat intel]
	// [AS65539 AS65538 AS65540 AS65537 AS64507 AS64505 AS64509 AS65536]
	// 14 addresses looked up, 3 positive
}

// Run on a flow file, then choose ASNs in a later cell: a new program whose
// handle, declared the same way, carries on from the saved result.
func ExampleNetworkFlowSummary_Run() {
	ctx := context.Background()
	src, err := flows.OpenFile("testdata/parity/flows.csv")
	if err != nil {
		fmt.Println(err)
		return
	}
	state := exampleStateDir()
	declare := func() *flowsummary.NetworkFlowSummary {
		return flowsummary.New(flowsummary.WithFlows(src), flowsummary.WithSink(nb.Discard), flowsummary.WithStateDir(state))
	}
	res, err := declare().Run(ctx, "msticalertswin1", nb.TimeSpan{}, "-plot_flows")
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(res.Description)
	fmt.Println(res.FlowsTotal, "flows,", len(res.FlowIndex), "flow index rows,", res.UniqueIPs, "unique IPs")

	// next cell
	sel, err := declare().SelectASNs(ctx)
	fmt.Println(err, len(sel) == len(res.DefaultASNSelection.Default()))
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
	cfg, err := config.Parse("msticpyconfig.yaml", []byte("Notebooklets:\n  flow_files: testdata/parity/flows.csv\n  offline: true\n  state_dir: "+state+"\n"))
	if err != nil {
		fmt.Println(err)
		return
	}
	nbk := flowsummary.New(flowsummary.FromConfig(cfg, flowsummary.Sources{}), flowsummary.WithSink(nb.Discard))
	defer nbk.Close()
	res, err := nbk.Run(context.Background(), "msticalertswin1", nb.TimeSpan{}, "flow_summary")
	if err != nil {
		fmt.Println(err)
		return
	}
	// Nothing that is not configured falls back to the sample: the warnings
	// say what is missing, here a GeoLite2-ASN database (offline, so the
	// ASNs stay unknown).
	fmt.Println(res.FlowsTotal, "flows,", len(res.FlowSummary.Rows), "ASN summary rows")
	fmt.Println(res.Provenance.Flows.Sample, res.Provenance.Geo == nil, res.Provenance.ASN.Sample)
	// Output:
	// 2000 flows, 3 ASN summary rows
	// false true false
}

package flowtables_test

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/gonotebooklets/notebooklets/flowsummary"
	"github.com/gonotebooklets/notebooklets/providers/flows"
	"github.com/gonotebooklets/notebooklets/providers/flowtables"
)

var (
	dayStart = time.Date(2024, 5, 1, 0, 0, 0, 0, time.UTC)
	dayEnd   = dayStart.Add(24 * time.Hour)
	hostQ    = flows.Query{Host: "msticalertswin1", Start: dayStart, End: dayEnd}
)

// sameTraffic are the four exports of testdata/sametraffic (see its
// README).
var sameTraffic = map[flowtables.Table]string{
	flowtables.AzureNetworkAnalytics: "azurenetworkanalytics.csv",
	flowtables.NTANetAnalytics:       "ntanetanalytics.csv",
	flowtables.ASIM:                  "asim.ndjson",
	flowtables.DeviceNetworkEvents:   "devicenetworkevents.json",
}

func sameTrafficPath(t flowtables.Table) string {
	return filepath.Join("testdata", "sametraffic", sameTraffic[t])
}

// wantIndex is the host's flow index in every schema (the denied-only ssh
// flow is not a flow of the new tables; see TestSameTrafficSameFlowIndex).
var wantIndex = []flowsummary.FlowIndexRow{
	{Source: "10.0.3.5", Dest: "10.0.3.9", L7Protocol: "smb", FlowDirection: flows.Outbound, TotalAllowedFlows: 4},
	{Source: "10.0.3.5", Dest: "13.107.4.50", L7Protocol: "https", FlowDirection: flows.Outbound, TotalAllowedFlows: 3},
	{Source: "10.0.3.5", Dest: "168.63.129.16", L7Protocol: "dns", FlowDirection: flows.Outbound, TotalAllowedFlows: 6},
	{Source: "10.0.3.5", Dest: "52.96.10.1", L7Protocol: "https", FlowDirection: flows.Outbound, TotalAllowedFlows: 2},
	{Source: "10.0.3.5", Dest: "52.96.10.2", L7Protocol: "https", FlowDirection: flows.Outbound, TotalAllowedFlows: 2},
	{Source: "5.188.42.7", Dest: "10.0.3.5", L7Protocol: "rdp", FlowDirection: flows.Inbound, TotalAllowedFlows: 2},
	{Source: "fd00:0:0:3::5", Dest: "2603:1030:20e:3::23c", L7Protocol: "https", FlowDirection: flows.Outbound, TotalAllowedFlows: 1},
}

func collectIndex(t *testing.T, src flows.Source, q flows.Query) ([]flowsummary.FlowIndexRow, flows.Stats) {
	t.Helper()
	c := flowsummary.NewCollector(q.Start, q.End, 1000)
	// Streamed: Collect would take a Log Analytics source's own grouping
	// (flows.Aggregator), which the tests compare this with.
	st, err := c.Collect(context.Background(), struct{ flows.Source }{src}, q)
	if err != nil {
		t.Fatalf("Collect: %v", err)
	}
	return c.Index.Rows(), st
}

// TestSameTrafficSameFlowIndex reads one host's traffic written in the four
// schemas and checks that they give the same flow index, through Open (the
// table recognised from each file's header) and the flow summary's
// Collector.
func TestSameTrafficSameFlowIndex(t *testing.T) {
	for _, table := range flowtables.Tables {
		t.Run(string(table), func(t *testing.T) {
			path := sameTrafficPath(table)
			detected, err := flowtables.Detect(path)
			if err != nil {
				t.Fatal(err)
			}
			if detected != table {
				t.Errorf("Detect(%s) = %s, want %s", path, detected, table)
			}
			src, err := flowtables.Open(path)
			if err != nil {
				t.Fatal(err)
			}
			got, st := collectIndex(t, src, hostQ)
			if table == flowtables.AzureNetworkAnalytics {
				// flows.OpenFile keeps the denied-only record (an index row
				// with 0 allowed flows); msticpy's query, and the readers of
				// the other tables, leave such records out.
				got = withoutZero(got)
			}
			// The same traffic, whichever table holds it (bytes only where the
			// table records them).
			if d := cmp.Diff(wantIndex, got, ignoreBytes); d != "" {
				t.Errorf("flow index (-want +got):\n%s", d)
			}
			if st.RowsSkipped != 0 {
				t.Errorf("skipped rows: %q", st.Skipped)
			}
		})
	}
}

func withoutZero(rows []flowsummary.FlowIndexRow) []flowsummary.FlowIndexRow {
	var out []flowsummary.FlowIndexRow
	for _, r := range rows {
		if r.TotalAllowedFlows != 0 {
			out = append(out, r)
		}
	}
	return out
}

package flowtables_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/gonotebooklets/notebooklets/flowsummary"
	"github.com/gonotebooklets/notebooklets/providers/flows"
	"github.com/gonotebooklets/notebooklets/providers/flowtables"
	"github.com/gonotebooklets/notebooklets/providers/flowtables/flowtablestest"
	"github.com/gonotebooklets/notebooklets/providers/provenance"
)

// workspace is a fake workspace holding the same-traffic exports of tables.
func workspace(t *testing.T, q flows.Query, tables ...flowtables.Table) *flowtablestest.Workspace {
	files := map[flowtables.Table]string{}
	for _, tb := range tables {
		files[tb] = sameTrafficPath(tb)
	}
	return flowtablestest.New(t, q, files)
}

func laSource(t *testing.T, w *flowtablestest.Workspace, table flowtables.Table) flowtables.Source {
	t.Helper()
	src, err := flowtables.LogAnalytics(flowtablestest.WorkspaceID, flowtablestest.Credential, table, w.Options())
	if err != nil {
		t.Fatal(err)
	}
	return src
}

// ignoreBytes compares flow indexes of tables with and without bytes.
var ignoreBytes = cmpopts.IgnoreFields(flowsummary.FlowIndexRow{}, "TotalBytes")

// indexRows turns grouped rows into flow index rows, as the Collector does
// with an Aggregator.
func indexRows(groups []flows.FlowGroup) []flowsummary.FlowIndexRow {
	x := flowsummary.NewFlowIndex()
	for _, g := range groups {
		x.AddGroup(flowsummary.FlowKey{Source: g.Source, Dest: g.Dest, L7Protocol: g.L7Protocol, FlowDirection: g.FlowDirection}, g.TotalAllowedFlows, g.TotalBytes)
	}
	return x.Rows()
}

func TestAutoChoosesTheTableWithData(t *testing.T) {
	tests := []struct {
		name      string
		tables    []flowtables.Table
		want      flowtables.Table
		reason    []string
		queries   int  // of the choice
		asimCount bool // the second query counts ASIM
	}{
		{name: "all tables: VNet flow logs preferred", tables: flowtables.Tables, want: flowtables.NTANetAnalytics, queries: 1,
			reason: []string{"chose NTANetAnalytics, which has 7 flow records for msticalertswin1 from 2024-05-01T00:10:00Z to 2024-05-01T05:05:00Z",
				"AzureNetworkAnalytics_CL 8", "DeviceNetworkEvents 20", "ASIM not asked"}},
		{name: "NSG and Defender", tables: []flowtables.Table{flowtables.AzureNetworkAnalytics, flowtables.DeviceNetworkEvents},
			want: flowtables.AzureNetworkAnalytics, queries: 1, reason: []string{"NTANetAnalytics not in the workspace"}},
		{name: "Defender only", tables: []flowtables.Table{flowtables.DeviceNetworkEvents}, want: flowtables.DeviceNetworkEvents, queries: 1},
		{name: "ASIM only", tables: []flowtables.Table{flowtables.ASIM}, want: flowtables.ASIM, queries: 2, asimCount: true,
			reason: []string{"chose ASIM, which has 7 flow records", "no other table has records"}},
		{name: "nothing", tables: nil, want: "", queries: 2, asimCount: true,
			reason: []string{"no table has flow records for msticalertswin1", "ASIM not available"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			w := workspace(t, hostQ, tc.tables...)
			src := laSource(t, w, flowtables.Auto)
			if _, ok := flowtables.SelectionOf(src); ok {
				t.Error("a selection before any query")
			}
			groups, st, err := src.FlowIndex(context.Background(), hostQ)
			if err != nil {
				t.Fatal(err)
			}
			sel, ok := flowtables.SelectionOf(src)
			if !ok || sel.Table != tc.want {
				t.Fatalf("selection %+v, want table %q", sel, tc.want)
			}
			for _, r := range tc.reason {
				if !strings.Contains(sel.Reason, r) {
					t.Errorf("reason %q lacks %q", sel.Reason, r)
				}
			}
			qs := w.Queries()
			if !strings.HasPrefix(qs[0], "union isfuzzy=true\n") {
				t.Errorf("first query is not the union of counts:\n%s", qs[0])
			}
			for _, leg := range []string{`| extend Table = "NTANetAnalytics"`, `| extend Table = "AzureNetworkAnalytics_CL"`, `| extend Table = "DeviceNetworkEvents"`,
				"| summarize Records = count(), First = min(FlowStartTime), Last = max(FlowEndTime)", "| project Table, Records, First, Last"} {
				if !strings.Contains(qs[0], leg) {
					t.Errorf("union lacks %q:\n%s", leg, qs[0])
				}
			}
			if tc.asimCount && !strings.HasPrefix(qs[1], "_Im_NetworkSession(") {
				t.Errorf("second query does not count ASIM:\n%s", qs[1])
			}
			if tc.want == "" {
				if len(groups) != 0 || len(st.Warnings) != 1 || st.Warnings[0] != sel.Reason {
					t.Errorf("no table: groups %v, stats %+v", groups, st)
				}
				if len(qs) != tc.queries {
					t.Errorf("%d queries, want %d", len(qs), tc.queries)
				}
				return
			}
			if len(qs) != tc.queries+1 {
				t.Fatalf("%d queries, want %d choosing and one flow index", len(qs), tc.queries+1)
			}
			if !strings.Contains(qs[tc.queries], "by source, dest, L7Protocol, FlowDirection") {
				t.Errorf("flow index query:\n%s", qs[tc.queries])
			}
			got := indexRows(groups)
			if tc.want == flowtables.AzureNetworkAnalytics {
				got = withoutZero(got)
			}
			if d := cmp.Diff(wantIndex, got, ignoreBytes); d != "" {
				t.Errorf("flow index (-want +got):\n%s", d)
			}
			// The choice is kept: streaming asks no count again.
			n := 0
			if _, err := src.Stream(context.Background(), hostQ, func(*flows.Flow) error { n++; return nil }); err != nil {
				t.Fatal(err)
			}
			if len(w.Queries()) != tc.queries+2 || n == 0 {
				t.Errorf("stream after the choice: %d queries, %d flows", len(w.Queries()), n)
			}
			if p := provenance.Of(src); p.Kind != "log-analytics" || !strings.Contains(p.Location, flowtablestest.WorkspaceID) || strings.Contains(p.Name, string(tc.want)+" (") {
				t.Errorf("provenance %+v", p)
			}
		})
	}
}

// TestLogAnalyticsEachTable reads the same traffic from each table of the
// fake workspace three ways — streamed, grouped (flow index) and bucketed —
// and checks that they agree with each other and with the local export.
func TestLogAnalyticsEachTable(t *testing.T) {
	for _, table := range flowtables.Tables {
		t.Run(string(table), func(t *testing.T) {
			w := workspace(t, hostQ, table)
			src := laSource(t, w, table)
			streamed, st := collectIndex(t, src, hostQ)
			groups, gst, err := src.FlowIndex(context.Background(), hostQ)
			if err != nil {
				t.Fatal(err)
			}
			grouped := indexRows(groups)
			if table == flowtables.AzureNetworkAnalytics {
				streamed, grouped = withoutZero(streamed), withoutZero(grouped)
			}
			if d := cmp.Diff(wantIndex, streamed, ignoreBytes); d != "" {
				t.Errorf("streamed flow index (-want +got):\n%s", d)
			}
			if d := cmp.Diff(wantIndex, grouped, ignoreBytes); d != "" {
				t.Errorf("grouped flow index (-want +got):\n%s", d)
			}
			// Where the table records bytes, streaming and grouping sum the
			// same bytes.
			if d := cmp.Diff(grouped, streamed); d != "" {
				t.Errorf("bytes streamed and grouped differ (-grouped +streamed):\n%s", d)
			}
			wantBytes := table == flowtables.NTANetAnalytics || table == flowtables.ASIM
			if st.HasBytes != wantBytes || gst.HasBytes != wantBytes {
				t.Errorf("HasBytes streamed %v, grouped %v; want %v", st.HasBytes, gst.HasBytes, wantBytes)
			}
			var total int64
			for _, g := range groups {
				total += g.TotalBytes
			}
			if wantBytes && total != 3000+9000+100+200+300+400+5000+7000+80000+1200+420+900+1500+2500 {
				t.Errorf("total bytes %d", total)
			}
			bs, _, err := src.TimeBuckets(context.Background(), hostQ, time.Hour)
			if err != nil {
				t.Fatal(err)
			}
			var bucketFlows int64
			for _, b := range bs {
				bucketFlows += b.TotalAllowedFlows
			}
			if bucketFlows != 20 {
				t.Errorf("time buckets count %d allowed flows, want 20: %+v", bucketFlows, bs)
			}
			qs := w.Queries()
			if len(qs) != 3 {
				t.Fatalf("%d queries", len(qs))
			}
			if !strings.Contains(qs[2], "bin(FlowStartTime, 3600s)") {
				t.Errorf("bucket query:\n%s", qs[2])
			}
			for _, span := range w.Timespans() {
				if span != "2024-05-01T00:00:00Z/2024-05-02T00:00:00Z" {
					t.Errorf("timespan %q", span)
				}
			}
		})
	}
}

func TestLogAnalyticsRejectsQueriesThatCouldChangeTheKQL(t *testing.T) {
	for _, table := range append([]flowtables.Table{flowtables.Auto}, flowtables.Tables...) {
		w := workspace(t, hostQ, flowtables.Tables...)
		src := laSource(t, w, table)
		for _, q := range []flows.Query{
			{Host: `x" or 1==1 //`, Start: dayStart, End: dayEnd},
			{Host: "web01\n| take 1", Start: dayStart, End: dayEnd},
			{IP: `10.0.3.5") or true`, Start: dayStart, End: dayEnd},
			{Host: "msticalertswin1"},
			{Start: dayStart, End: dayEnd},
		} {
			_, _, err := src.FlowIndex(context.Background(), q)
			if err == nil {
				t.Errorf("%s: query %+v accepted", table, q)
			}
			if q.Start.IsZero() && !errors.Is(err, flows.ErrNeedTimeRange) {
				t.Errorf("%s: no time range: %v", table, err)
			}
		}
		if n := len(w.Queries()); n != 0 {
			t.Errorf("%s: %d queries reached the workspace: %q", table, n, w.Queries())
		}
	}
}

func TestParseTable(t *testing.T) {
	for in, want := range map[string]flowtables.Table{
		"": flowtables.Auto, "AUTO": flowtables.Auto, "ntanetanalytics": flowtables.NTANetAnalytics, "asim": flowtables.ASIM,
		"_Im_NetworkSession": flowtables.ASIM, "AzureNetworkAnalytics_CL": flowtables.AzureNetworkAnalytics,
		" DeviceNetworkEvents ": flowtables.DeviceNetworkEvents,
	} {
		got, err := flowtables.ParseTable(in)
		if err != nil || got != want {
			t.Errorf("ParseTable(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	if _, err := flowtables.ParseTable("CommonSecurityLog"); err == nil || !strings.Contains(err.Error(), "want auto, AzureNetworkAnalytics_CL") {
		t.Errorf("unknown table: %v", err)
	}
}

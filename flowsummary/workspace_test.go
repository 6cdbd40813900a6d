package flowsummary

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/gonotebooklets/notebooklets/nb"
	"github.com/gonotebooklets/notebooklets/providers/flows"
	"github.com/gonotebooklets/notebooklets/providers/flowtables"
	"github.com/gonotebooklets/notebooklets/providers/flowtables/flowtablestest"
)

// A run on a workspace with flow table auto says in its run section which
// table answered and why, and records it in the result.
func TestRunOnWorkspaceSaysWhichTable(t *testing.T) {
	span := nb.TimeSpan{Start: time.Date(2024, 5, 1, 0, 0, 0, 0, time.UTC), End: time.Date(2024, 5, 1, 6, 0, 0, 0, time.UTC)}
	q := flows.Query{Host: "msticalertswin1", Start: span.Start, End: span.End}
	dir := "../providers/flowtables/testdata/sametraffic/"
	w := flowtablestest.New(t, q, map[flowtables.Table]string{
		flowtables.NTANetAnalytics:     dir + "ntanetanalytics.csv",
		flowtables.DeviceNetworkEvents: dir + "devicenetworkevents.json",
	})
	src, err := flowtables.LogAnalytics(flowtablestest.WorkspaceID, flowtablestest.Credential, flowtables.Auto, w.Options())
	if err != nil {
		t.Fatal(err)
	}
	rec := &recSink{}
	res, err := New(WithFlows(src), WithASN(mapResolver{}), WithSink(rec), WithStateDir("")).Run(context.Background(), "msticalertswin1", span)
	if err != nil {
		t.Fatal(err)
	}
	if res.FlowTable != string(flowtables.NTANetAnalytics) || !strings.Contains(res.FlowTableReason, "chose NTANetAnalytics") {
		t.Errorf("table %q, reason %q", res.FlowTable, res.FlowTableReason)
	}
	if !strings.Contains(rec.all.String(), res.FlowTableReason) {
		t.Errorf("the run section does not say which table answered:\n%s", rec.all.String())
	}
	if !strings.Contains(strings.Join(res.Warnings, "\n"), "grouped where they are") || len(res.NetworkFlows) != 0 {
		t.Errorf("a pushed-down run does not say it holds no raw flows: %q", res.Warnings)
	}
	if res.FlowsTotal == 0 || len(res.FlowIndex) == 0 {
		t.Errorf("no flows from the workspace: %d flows, %d index rows", res.FlowsTotal, len(res.FlowIndex))
	}
	if res.Provenance.Flows.Kind != "log-analytics" && !strings.Contains(res.Provenance.Flows.String(), flowtablestest.WorkspaceID) {
		t.Errorf("provenance %+v does not name the workspace", res.Provenance.Flows)
	}
}

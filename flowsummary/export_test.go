package flowsummary

import (
	"context"
	"encoding/csv"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/parquet-go/parquet-go"

	"github.com/gonotebooklets/notebooklets/nb"
	"github.com/gonotebooklets/notebooklets/providers/flows"
)

// changingSource serves flows that a test can change between reads.
type changingSource struct{ fl *[]flows.Flow }

func (c changingSource) Stream(ctx context.Context, q flows.Query, fn func(*flows.Flow) error) (flows.Stats, error) {
	return flows.Slice(*c.fl).Stream(ctx, q, fn)
}

func TestExport(t *testing.T) {
	ctx := context.Background()
	src, err := flows.OpenFile("testdata/parity/flows.csv")
	if err != nil {
		t.Fatal(err)
	}
	var all []flows.Flow
	if _, err := src.Stream(ctx, flows.Query{}, func(f *flows.Flow) error { all = append(all, cloneFlow(f)); return nil }); err != nil {
		t.Fatal(err)
	}
	c := loadCase(t, "mixed")
	n := New(WithFlows(changingSource{&all}), WithASN(mapResolver(c.ASN)), WithGeo(fakeGeo{}), WithTI(fakeTI{}),
		WithSink(nb.Discard), WithStateDir(t.TempDir()), WithMaxFlowsKept(100))
	res, err := n.Run(ctx, "msticalertswin1", nb.TimeSpan{}, "+geo_map")
	if err != nil {
		t.Fatal(err)
	}
	if res.FlowsTotal != 2000 || len(res.NetworkFlows) != 100 {
		t.Fatalf("flows %d, kept %d", res.FlowsTotal, len(res.NetworkFlows))
	}
	if err := n.SetSelectedASNs(ctx, res.DefaultASNSelection.All()...); err != nil {
		t.Fatal(err)
	}
	if _, err := n.LookupTIForASNIPs(ctx); err != nil {
		t.Fatal(err)
	}

	// The handle's export has every flow, read again from the source.
	dir := t.TempDir()
	files, err := n.Export(ctx, dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"flow_index", "flow_index_data", "flow_summary", "asn_selection", "ti_results", "ti_matches", "geo_map"} {
		for _, ext := range []string{".csv", ".parquet"} {
			if !slices.Contains(files, filepath.Join(dir, name+ext)) {
				t.Errorf("no %s%s among %v", name, ext, files)
			}
		}
	}
	perFlow, err := parquet.ReadFile[flowRow](filepath.Join(dir, "flow_index_data.parquet"))
	if err != nil {
		t.Fatal(err)
	}
	var sum int64
	for _, r := range perFlow {
		sum += r.TotalAllowedFlows
		if r.Source == "" || r.Dest == "" || r.FlowStartTime.IsZero() {
			t.Fatalf("per-flow row lacks its source, dest or time: %+v", r)
		}
	}
	var want int64
	for _, r := range res.FlowIndex {
		want += r.TotalAllowedFlows
	}
	if len(perFlow) != 2000 || sum != want {
		t.Errorf("flow_index_data: %d rows, %d allowed flows; want 2000 and %d", len(perFlow), sum, want)
	}
	idx, err := parquet.ReadFile[flowIndexRow](filepath.Join(dir, "flow_index.parquet"))
	if err != nil || len(idx) != len(res.FlowIndex) {
		t.Errorf("flow_index.parquet: %d rows (%v), want %d", len(idx), err, len(res.FlowIndex))
	}
	f, _ := os.Open(filepath.Join(dir, "flow_summary.csv"))
	recs, err := csv.NewReader(f).ReadAll()
	f.Close()
	if err != nil || len(recs) != len(res.FlowSummary.Rows)+1 || recs[0][0] != "DestASN" {
		t.Errorf("flow_summary.csv: %d records (%v), header %v", len(recs), err, recs[0])
	}

	// The result's own export holds the flows it keeps.
	dir2 := t.TempDir()
	if _, err := res.Export(dir2); err != nil {
		t.Fatal(err)
	}
	if kept, _ := parquet.ReadFile[flowRow](filepath.Join(dir2, "flow_index_data.parquet")); len(kept) != 100 {
		t.Errorf("Result.Export: %d flows, want the 100 kept", len(kept))
	}

	// A source that changed since the run is refused, not exported as if
	// it were the run's.
	all = all[:1500]
	if _, err := New(WithFlows(changingSource{&all}), WithSink(nb.Discard), WithStateDir(n.store.Dir)).Export(ctx, t.TempDir()); !errors.Is(err, ErrSourceChanged) {
		t.Errorf("export after the source changed: %v, want ErrSourceChanged", err)
	}
}

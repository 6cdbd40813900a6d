package flowsummary

import (
	"encoding/json"
	"flag"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/gonotebooklets/notebooklets/providers/asn"
	"github.com/gonotebooklets/notebooklets/providers/flows"
	"github.com/gonotebooklets/notebooklets/providers/ti"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/golden")

type goldenCase struct {
	Start    time.Time           `json:"start"`
	End      time.Time           `json:"end"`
	Flows    []flows.Flow        `json:"flows"`
	ASN      map[string]asn.Info `json:"asn"`
	HostASNs []asn.Number        `json:"host_asns"`
}

type goldenOut struct {
	Dropped    int64          `json:"dropped"`
	FlowIndex  []FlowIndexRow `json:"flow_index"`
	UniqueIPs  []string       `json:"unique_ips"`
	PublicIPs  []string       `json:"public_ips"`
	Summary    ASNSummary     `json:"flow_summary"`
	Selection  ASNSelection   `json:"selection"`
	DefaultSel []asn.Number   `json:"default_selected"`
}

func compute(c goldenCase) goldenOut {
	col := NewCollector(c.Start, c.End, 100)
	for i := range c.Flows {
		_ = col.Add(&c.Flows[i])
	}
	idx := col.Index.Rows()
	sum := SummarizeASNs(idx, c.ASN)
	sel := DefaultASNSelection(sum, c.HostASNs)
	return goldenOut{
		Dropped: col.Dropped, FlowIndex: idx, UniqueIPs: uniqueIPs(idx), PublicIPs: PublicIPs(idx),
		Summary: sum, Selection: sel, DefaultSel: sel.Default(),
	}
}

func TestGolden(t *testing.T) {
	files, err := filepath.Glob("testdata/cases/*.json")
	if err != nil || len(files) == 0 {
		t.Fatalf("no cases: %v", err)
	}
	for _, f := range files {
		name := strings.TrimSuffix(filepath.Base(f), ".json")
		t.Run(name, func(t *testing.T) {
			b, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			var c goldenCase
			if err := json.Unmarshal(b, &c); err != nil {
				t.Fatalf("%s: %v", f, err)
			}
			got := compute(c)
			gp := filepath.Join("testdata", "golden", name+".json")
			if *update {
				out, _ := json.MarshalIndent(got, "", " ")
				if err := os.MkdirAll(filepath.Dir(gp), 0o755); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(gp, append(out, '\n'), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			gb, err := os.ReadFile(gp)
			if err != nil {
				t.Fatalf("golden file: %v (run go test -update)", err)
			}
			var want goldenOut
			if err := json.Unmarshal(gb, &want); err != nil {
				t.Fatal(err)
			}
			// round-trip got through JSON so both sides have the same shape
			gj, _ := json.Marshal(got)
			var gotRT goldenOut
			_ = json.Unmarshal(gj, &gotRT)
			if d := cmp.Diff(want, gotRT); d != "" {
				t.Errorf("%s mismatch (-golden +got):\n%s", name, d)
			}
		})
	}
}

// Facts the golden files must show, checked independently of them.
func TestGoldenFacts(t *testing.T) {
	load := func(name string) goldenOut {
		b, err := os.ReadFile("testdata/cases/" + name + ".json")
		if err != nil {
			t.Fatal(err)
		}
		var c goldenCase
		if err := json.Unmarshal(b, &c); err != nil {
			t.Fatal(err)
		}
		return compute(c)
	}
	t.Run("empty", func(t *testing.T) {
		g := load("empty")
		if len(g.FlowIndex) != 0 || len(g.Summary.Rows) != 0 || len(g.Selection.Choices) != 0 || g.Summary.HasDest || g.Summary.HasSource {
			t.Errorf("empty input gave %+v", g)
		}
	})
	t.Run("all_private", func(t *testing.T) {
		g := load("all_private")
		if len(g.FlowIndex) != 3 || g.Summary.HasDest || g.Summary.HasSource || len(g.Summary.Rows) != 0 {
			t.Errorf("all private: index %d rows, summary %+v", len(g.FlowIndex), g.Summary)
		}
	})
	t.Run("single_asn", func(t *testing.T) {
		g := load("single_asn")
		if len(g.Summary.Rows) != 1 || g.Summary.Rows[0].TotalAllowedFlows != 11 || g.Summary.HasSource {
			t.Fatalf("single ASN summary %+v", g.Summary)
		}
		if d := cmp.Diff([]asn.Number{8075}, g.DefaultSel); d != "" {
			t.Error(d)
		}
	})
	t.Run("ties", func(t *testing.T) {
		g := load("ties")
		// totals per dest ASN: private 7, AS13335 5, AS16509 5, AS54113 20, AS64999 5, AS8075 13
		// sorted 5 5 5 7 13 20 → q25 = 5 → the three 5s, not private.
		if g.Selection.Percentile25 != 5 {
			t.Errorf("q25 = %v", g.Selection.Percentile25)
		}
		want := []asn.Number{13335, 16509, 64999}
		if d := cmp.Diff(want, g.DefaultSel); d != "" {
			t.Error(d)
		}
		var labels []string
		for _, c := range g.Selection.Choices {
			if c.Default {
				labels = append(labels, c.Label)
			}
		}
		if d := cmp.Diff([]string{"AS13335 CLOUDFLARENET, US", "AS16509 AMAZON-02, US", "AS64999 <script>alert(1)</script>"}, labels); d != "" {
			t.Errorf("labels of the default choices (-want +got):\n%s", d)
		}
	})
	t.Run("outside_timespan", func(t *testing.T) {
		g := load("outside_timespan")
		if g.Dropped != 2 || len(g.FlowIndex) != 2 {
			t.Errorf("dropped %d, index %+v", g.Dropped, g.FlowIndex)
		}
	})
	t.Run("mixed", func(t *testing.T) {
		g := load("mixed")
		if !g.Summary.HasDest || !g.Summary.HasSource {
			t.Fatalf("mixed should have both columns: %+v", g.Summary)
		}
		for _, id := range g.DefaultSel {
			if id == asn.Private || id == 8075 {
				t.Errorf("default selection holds %q", id)
			}
		}
	})
	t.Run("ipv6", func(t *testing.T) {
		g := load("ipv6")
		if d := cmp.Diff([]string{"2001:4860:4860::8888", "::ffff:13.107.4.50", "2a03:2880::1"}, g.PublicIPs, cmp.Transformer("sort", sortedCopy)); d != "" {
			t.Error(d)
		}
	})
}

func sortedCopy(in []string) []string {
	out := append([]string(nil), in...)
	for i := range out {
		for j := i + 1; j < len(out); j++ {
			if out[j] < out[i] {
				out[i], out[j] = out[j], out[i]
			}
		}
	}
	return out
}

// Numbers from pandas: pd.Series(values).quantile(q=[q]).iat[0].
func TestQuantileMatchesPandas(t *testing.T) {
	tests := []struct {
		vals []float64
		q    float64
		want float64
	}{
		{[]float64{1}, 0.25, 1.0},
		{[]float64{1, 2}, 0.25, 1.25},
		{[]float64{1, 2, 3, 4}, 0.25, 1.75},
		{[]float64{5, 1, 3}, 0.25, 2.0},
		{[]float64{10, 10, 10, 10}, 0.25, 10.0},
		{[]float64{1, 2, 3, 4, 5, 6, 7}, 0.25, 2.5},
		{[]float64{927, 1707, 2030, 3, 3, 100}, 0.25, 27.25},
		{[]float64{1, 1, 2, 2, 3, 3, 1000000}, 0.25, 1.5},
		{[]float64{7, 3}, 0.25, 4.0},
		{[]float64{2, 4, 4, 4, 5, 5, 7, 9}, 0.25, 4.0},
		{[]float64{123456789, 987654321, 5}, 0.25, 61728397.0},
		{[]float64{1, 2, 3, 4, 5, 6, 7, 8, 9, 10}, 0.33, 3.97},
		{[]float64{0.1, 0.7, 0.2}, 0.9, 0.6},
		{[]float64{3, 1, 4, 1, 5, 9, 2, 6}, 0.1, 1.0},
		{[]float64{1e15, 3, 7}, 0.75, 500000000000003.5},
	}
	for _, tc := range tests {
		if got := Quantile(tc.vals, tc.q); got != tc.want {
			t.Errorf("Quantile(%v, %v) = %v, pandas %v", tc.vals, tc.q, got, tc.want)
		}
	}
	if got := Quantile(nil, 0.25); !math.IsNaN(got) {
		t.Errorf("Quantile(nil) = %v, want NaN (as pandas)", got)
	}
}

func TestJoinTI(t *testing.T) {
	idx := []FlowIndexRow{
		{Source: "10.0.3.5", Dest: "185.1.1.1", L7Protocol: "http", FlowDirection: flows.Outbound, TotalAllowedFlows: 5},
		{Source: "185.1.1.1", Dest: "10.0.3.5", L7Protocol: "ssh", FlowDirection: flows.Inbound, TotalAllowedFlows: 2},
		{Source: "10.0.3.5", Dest: "52.1.1.1", L7Protocol: "https", FlowDirection: flows.Outbound, TotalAllowedFlows: 9},
	}
	res := []ti.Result{
		{Ioc: "185.1.1.1", Provider: "local", Severity: ti.High, Positive: true, Details: "<b>c2</b>"},
		{Ioc: "52.1.1.1", Provider: "local", Severity: ti.Information},
		{Ioc: "52.1.1.1", Provider: "otx", Severity: ti.High, Err: "timeout"},
		{Ioc: "10.0.3.5", Provider: "otx", Severity: ti.Medium, Positive: true},
		{Ioc: "52.1.1.1", Provider: "greynoise", Severity: ti.Low, Positive: true}, // Low is kept but is not a threat (msticpy)
	}
	got := JoinTI(idx, res)
	want := []TIMatch{
		{FlowIndexRow: idx[0], On: "source", Result: res[3]},
		{FlowIndexRow: idx[1], On: "source", Result: res[0]},
		{FlowIndexRow: idx[2], On: "source", Result: res[3]},
		{FlowIndexRow: idx[0], On: "dest", Result: res[0]},
		{FlowIndexRow: idx[1], On: "dest", Result: res[3]},
	}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("JoinTI (-want +got):\n%s", d)
	}
	if n := len(ti.Positive(res)); n != 2 {
		t.Errorf("positives = %d, want 2", n)
	}
	if JoinTI(idx, res[1:3]) != nil {
		t.Error("no positives should join nothing")
	}
}

func TestIPsOfASNs(t *testing.T) {
	s := ASNSummary{HasDest: true, HasSource: true, Rows: []ASNSummaryRow{
		{DestASNumber: 1, SourceASNumber: asn.Private, SourceIPs: []string{"10.0.3.5"}, DestIPs: []string{"1.1.1.1", "1.1.1.2"}},
		{DestASNumber: asn.Private, SourceASNumber: 2, SourceIPs: []string{"2.2.2.2"}, DestIPs: []string{"10.0.3.5"}},
		{DestASNumber: 3, SourceASNumber: asn.Private, SourceIPs: []string{"10.0.3.5"}, DestIPs: []string{"3.3.3.3"}},
	}}
	if d := cmp.Diff([]string{"1.1.1.1", "1.1.1.2", "2.2.2.2"}, s.IPsOfASNs([]asn.Number{1, 2})); d != "" {
		t.Error(d)
	}
	if d := cmp.Diff([]asn.Number{1, asn.Private, 2, 3}, s.ASNs()); d != "" {
		t.Error(d)
	}
	// A summary with only the dest column: the empty source column is not an
	// ASN (its zero value is not the unknown ASN).
	d := ASNSummary{HasDest: true, Rows: []ASNSummaryRow{{DestASNumber: asn.Unknown, DestASN: "unknown", DestIPs: []string{"9.9.9.9"}}}}
	if got := d.IPsOfASNs([]asn.Number{asn.Unknown}); len(got) != 1 {
		t.Errorf("IPsOfASNs(unknown) = %v", got)
	}
	if sel := DefaultASNSelection(d, nil); len(sel.Choices) != 1 || sel.Choices[0].Label != "unknown" {
		t.Errorf("selection of a dest-only summary: %+v", sel)
	}
}

func TestSeriesSetBounded(t *testing.T) {
	s := newSeriesSet(10)
	t0 := time.Date(2019, 2, 14, 0, 0, 0, 0, time.UTC)
	var total int64
	for i := 0; i < 5000; i++ {
		s.Add([]string{"https", "dns"}[i%2], t0.Add(time.Duration(i)*37*time.Second), int64(i%7), "1.2.3.4")
		total += int64(i % 7)
	}
	var recs, flowsSum int64
	for _, ser := range s.Series() {
		if len(ser.Buckets) > 10 {
			t.Errorf("%s has %d buckets", ser.Name, len(ser.Buckets))
		}
		for i, b := range ser.Buckets {
			recs += b.Records
			flowsSum += b.Flows
			if i > 0 && !b.Start.After(ser.Buckets[i-1].Start) {
				t.Errorf("buckets out of order")
			}
		}
	}
	if recs != 5000 || flowsSum != total {
		t.Errorf("records %d flows %d, want 5000 and %d", recs, flowsSum, total)
	}
}

func TestFlowIndexInterns(t *testing.T) {
	x := NewFlowIndex()
	f := flows.Flow{VMIPAddress: "10.0.3.5", AllExtIPs: "1.2.3.4", L7Protocol: "https", FlowDirection: "O", AllowedOutFlows: 2}
	x.Add(&f)
	allocs := testing.AllocsPerRun(1000, func() { x.Add(&f) })
	if allocs != 0 {
		t.Errorf("Add of a seen key allocates %v times", allocs)
	}
	if r := x.Rows(); len(r) != 1 || r[0].TotalAllowedFlows != 2*1002 {
		t.Errorf("rows %+v", r)
	}
}

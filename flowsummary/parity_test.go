package flowsummary

import (
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/gonotebooklets/notebooklets/providers/asn"
	"github.com/gonotebooklets/notebooklets/providers/flows"
)

// readParityCSV reads the columns of gen_flows.py's CSV that the flow index
// and the plots use.
func readParityCSV(t testing.TB, path string) []flows.Flow {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	r := csv.NewReader(f)
	head, err := r.Read()
	if err != nil {
		t.Fatal(err)
	}
	col := map[string]int{}
	for i, h := range head {
		col[h] = i
	}
	var out []flows.Flow
	for line := 2; ; line++ {
		rec, err := r.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		get := func(k string) string { return rec[col[k]] }
		num := func(k string) int64 {
			n, err := strconv.ParseInt(get(k), 10, 64)
			if err != nil {
				t.Fatalf("%s:%d: %s: %v", path, line, k, err)
			}
			return n
		}
		tm := func(k string) time.Time {
			v, err := time.Parse(time.RFC3339, get(k))
			if err != nil {
				t.Fatalf("%s:%d: %s: %v", path, line, k, err)
			}
			return v
		}
		out = append(out, flows.Flow{
			FlowStartTime: tm("FlowStartTime"), FlowEndTime: tm("FlowEndTime"),
			VMName: get("VMName"), VMIPAddress: get("VMIPAddress"), SrcIP: get("SrcIP"), DestIP: get("DestIP"),
			L7Protocol: get("L7Protocol"), FlowDirection: flows.Direction(get("FlowDirection")), AllExtIPs: get("AllExtIPs"),
			AllowedOutFlows: num("AllowedOutFlows"), AllowedInFlows: num("AllowedInFlows"),
		})
	}
	return out
}

// baselineASNs is pandas_baseline.py's asn_of as a resolver table: public
// addresses are AS(64512 + first octet).
func baselineASNs(ips []string) map[string]asn.Info {
	m := map[string]asn.Info{}
	for _, ip := range ips {
		first, _, _ := strings.Cut(ip, ".")
		n, err := strconv.Atoi(first)
		if err != nil {
			continue
		}
		m[ip] = asn.Info{IP: ip, ASN: asn.Number(64512 + n), Source: "baseline"}
	}
	return m
}

type pandasOut struct {
	FlowIndex   []FlowIndexRow `json:"flow_index"`
	FlowSummary []struct {
		DestASN           string   `json:"DestASN"`
		SourceASN         string   `json:"SourceASN"`
		TotalAllowedFlows int64    `json:"TotalAllowedFlows"`
		L7Protocols       []string `json:"L7Protocols"`
		SourceIPs         []string `json:"source_ips"`
		DestIPs           []string `json:"dest_ips"`
	} `json:"flow_summary"`
}

// TestParityWithPandas compares the flow index and the ASN summary with what
// ../shared/bench/pandas_baseline.py computed on the same file
// (testdata/parity; see the README there for how it was made).
func TestParityWithPandas(t *testing.T) {
	b, err := os.ReadFile("testdata/parity/pandas.json")
	if err != nil {
		t.Fatal(err)
	}
	var want pandasOut
	if err := json.Unmarshal(b, &want); err != nil {
		t.Fatal(err)
	}
	fl := readParityCSV(t, "testdata/parity/flows.csv")
	x := NewFlowIndex()
	for i := range fl {
		x.Add(&fl[i])
	}
	idx := x.Rows()
	if d := cmp.Diff(want.FlowIndex, idx); d != "" {
		t.Fatalf("flow index differs from pandas (-pandas +go):\n%s", d)
	}
	sum := SummarizeASNs(idx, baselineASNs(PublicIPs(idx)))
	if !sum.HasDest || !sum.HasSource {
		t.Fatalf("columns: dest %v source %v", sum.HasDest, sum.HasSource)
	}
	if len(sum.Rows) != len(want.FlowSummary) {
		t.Fatalf("%d ASN groups, pandas %d", len(sum.Rows), len(want.FlowSummary))
	}
	for i, w := range want.FlowSummary {
		g := sum.Rows[i]
		got := fmt.Sprint(g.DestASN, g.SourceASN, g.TotalAllowedFlows, g.L7Protocols, g.SourceIPs, g.DestIPs)
		exp := fmt.Sprint(w.DestASN, w.SourceASN, w.TotalAllowedFlows, w.L7Protocols, w.SourceIPs, w.DestIPs)
		if d := cmp.Diff(exp, got); d != "" {
			t.Errorf("ASN row %d (-pandas +go):\n%s", i, d)
		}
	}
	// the baseline prints q25=927.0 for this file
	sel := DefaultASNSelection(sum, nil)
	if sel.Percentile25 != 927 {
		t.Errorf("q25 = %v, pandas 927.0", sel.Percentile25)
	}
}

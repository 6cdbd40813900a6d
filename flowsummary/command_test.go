package flowsummary

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestCommandJSONMatchesPandas(t *testing.T) {
	dir := t.TempDir()
	out := filepath.Join(dir, "out.json")
	html := filepath.Join(dir, "report.html")
	var stdout, stderr bytes.Buffer
	err := runCommand(context.Background(), []string{
		"--value", "msticalertswin1", "--flows", "testdata/parity/flows.csv",
		"--options", "+geo_map", "--json", out, "--html", html, "--state-dir", filepath.Join(dir, "state"),
		"--select-asns", "default", "--lookup-ti",
	}, &stdout, &stderr)
	if err != nil {
		t.Fatalf("run: %v\nstderr:\n%s", err, stderr.String())
	}
	if stdout.Len() != 0 {
		t.Errorf("with --json the report goes to stderr, stdout has %q", stdout.String())
	}
	b, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	var doc map[string]json.RawMessage
	if err := json.Unmarshal(b, &doc); err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"description", "host_entity", "flow_index", "flow_summary", "selected_asns", "ti_results", "warnings"} {
		if _, ok := doc[k]; !ok {
			t.Errorf("JSON lacks %q", k)
		}
	}
	var rows []map[string]any
	if err := json.Unmarshal(doc["flow_index"], &rows); err != nil {
		t.Fatal(err)
	}
	for _, r := range rows[:1] {
		var keys []string
		for k := range r {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		if d := cmp.Diff([]string{"FlowDirection", "L7Protocol", "TotalAllowedFlows", "dest", "source"}, keys); d != "" {
			t.Errorf("flow_index keys (-want +got):\n%s", d)
		}
	}
	var idx []FlowIndexRow
	_ = json.Unmarshal(doc["flow_index"], &idx)
	var want pandasOut
	pb, _ := os.ReadFile("testdata/parity/pandas.json")
	_ = json.Unmarshal(pb, &want)
	if d := cmp.Diff(want.FlowIndex, idx); d != "" {
		t.Errorf("CLI flow index differs from pandas:\n%s", d)
	}
	var sum []map[string]any
	_ = json.Unmarshal(doc["flow_summary"], &sum)
	if len(sum) == 0 {
		t.Fatal("empty flow_summary")
	}
	for _, k := range []string{"DestASN", "SourceASN", "TotalAllowedFlows", "L7Protocols", "source_ips", "dest_ips"} {
		if _, ok := sum[0][k]; !ok {
			t.Errorf("flow_summary row lacks %q", k)
		}
	}
	h, err := os.ReadFile(html)
	if err != nil || !bytes.Contains(h, []byte("Flow Summary with ASN details.")) {
		t.Errorf("report: %v", err)
	}
	if !strings.Contains(stderr.String(), "Host Network Summary") {
		t.Errorf("stderr lacks the text report")
	}
}

func TestCommandUsageErrors(t *testing.T) {
	for _, args := range [][]string{
		{},
		{"--value", "h", "--bogus"},
		{"--value", "h", "--start", "2019-02-14", "--end", "2019-02-15", "--last", "1d"},
		{"--value", "h", "extra"},
	} {
		err := runCommand(context.Background(), args, &bytes.Buffer{}, &bytes.Buffer{})
		if !errors.Is(err, ErrUsage) {
			t.Errorf("%q: error %v, want a usage error", args, err)
		}
	}
}

func TestChooseASNs(t *testing.T) {
	sel := ASNSelection{Choices: []ASNChoice{
		{ASN: "AS8075 MICROSOFT-CORP-MSN-AS-BLOCK, US", Default: true},
		{ASN: "AS15169 GOOGLE, US"},
		{ASN: "unknown", Default: true},
	}}
	tests := []struct {
		spec    string
		want    []string
		wantErr bool
	}{
		{"default", []string{"AS8075 MICROSOFT-CORP-MSN-AS-BLOCK, US", "unknown"}, false},
		{"all", sel.All(), false},
		{"AS15169", []string{"AS15169 GOOGLE, US"}, false},
		{"AS8075 MICROSOFT-CORP-MSN-AS-BLOCK, US,AS15169", []string{"AS8075 MICROSOFT-CORP-MSN-AS-BLOCK, US", "AS15169 GOOGLE, US"}, false},
		{"as15169, unknown", []string{"AS15169 GOOGLE, US", "unknown"}, false},
		{"AS1", nil, true},
	}
	for _, tc := range tests {
		got, err := chooseASNs(sel, tc.spec)
		if (err != nil) != tc.wantErr {
			t.Errorf("%q: err %v", tc.spec, err)
			continue
		}
		if d := cmp.Diff(tc.want, got); d != "" {
			t.Errorf("%q (-want +got):\n%s", tc.spec, d)
		}
	}
}

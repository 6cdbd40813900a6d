//go:build e2e

package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// writeFlows writes n flows of the host 10.0.3.5 in the projected schema.
func writeFlows(t *testing.T, path string, n int) {
	t.Helper()
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	w := bufio.NewWriterSize(f, 1<<20)
	rnd := rand.New(rand.NewPCG(1, 2))
	peers := make([]string, 5000)
	for i := range peers {
		peers[i] = fmt.Sprintf("%d.%d.%d.%d", []int{13, 20, 52, 104, 151, 185}[i%6], rnd.IntN(256), rnd.IntN(256), 1+rnd.IntN(254))
	}
	protos := []string{"https", "http", "dns", "ssh", "ntp"}
	t0 := time.Date(2019, 2, 14, 0, 0, 0, 0, time.UTC)
	fmt.Fprintln(w, "FlowStartTime,FlowEndTime,FlowType,VMName,VMIPAddress,PublicIPs,SrcIP,DestIP,L4Protocol,L7Protocol,DestPort,FlowDirection,AllowedOutFlows,AllowedInFlows,DeniedInFlows,DeniedOutFlows,RemoteRegion,VMRegion,AllExtIPs")
	for i := range n {
		start := t0.Add(time.Duration(i%172800) * time.Second)
		peer := peers[rnd.IntN(len(peers))]
		dir, out, in := "O", 1+rnd.IntN(20), 0
		if rnd.IntN(4) == 0 {
			dir, out, in = "I", 0, 1+rnd.IntN(20)
		}
		fmt.Fprintf(w, "%s,%s,AzurePublic,host1,10.0.3.5,\"[\"\"%s\"\"]\",,,T,%s,443,%s,%d,%d,0,0,westeurope,eastus,%s\n",
			start.Format(time.RFC3339), start.Add(time.Minute).Format(time.RFC3339), peer, protos[rnd.IntN(len(protos))], dir, out, in, peer)
	}
	if err := w.Flush(); err != nil {
		t.Fatal(err)
	}
	f.Close()
}

// readParquet is read by pyarrow (the test venv's) to count rows and sum a
// column of Parquet files.
const readParquet = `
import json, sys
import pyarrow.compute as pc
import pyarrow.parquet as pq
out = {}
for path, col in zip(sys.argv[1::2], sys.argv[2::2]):
    t = pq.read_table(path)
    out[path.rsplit("/", 1)[-1]] = {"rows": t.num_rows, "sum": int(pc.sum(t.column(col)).as_py() or 0),
        "types": {f.name: str(f.type) for f in t.schema}}
print(json.dumps(out))
`

// The Parquet export of a million flows reads back in pyarrow with the
// same row count and sums, typed.
func TestExportMillionFlowsReadsBackInPyarrow(t *testing.T) {
	python := filepath.Join(cmpOrEnv("NOTEBOOKLETS_VENVS", filepath.Join(os.Getenv("HOME"), ".cache", "notebooklets-test-deps", "venvs")), "jupyter", "bin", "python3")
	if _, err := os.Stat(python); err != nil {
		t.Fatalf("the test venv's python (%s) is missing: run scripts/install-test-deps.sh: %v", python, err)
	}
	dir := t.TempDir()
	flowsPath := filepath.Join(dir, "flows.csv")
	const n = 1_000_000
	writeFlows(t, flowsPath, n)
	exportDir, jsonPath := filepath.Join(dir, "export"), filepath.Join(dir, "out.json")
	var stderr bytes.Buffer
	start := time.Now()
	code := run(context.Background(), []string{"run", "NetworkFlowSummary", "--value", "10.0.3.5", "--flows", flowsPath, "--offline",
		"--options", "flow_summary", "--json", jsonPath, "--export", exportDir}, &bytes.Buffer{}, &stderr)
	if code != 0 {
		t.Fatalf("exit %d\n%s", code, stderr.String())
	}
	t.Logf("run + export of %d flows: %v", n, time.Since(start).Round(time.Millisecond))
	b, _ := os.ReadFile(jsonPath)
	var doc struct {
		FlowsTotal int64 `json:"flows_total"`
		FlowIndex  []struct {
			TotalAllowedFlows int64 `json:"TotalAllowedFlows"`
		} `json:"flow_index"`
	}
	if err := json.Unmarshal(b, &doc); err != nil {
		t.Fatal(err)
	}
	var total int64
	for _, r := range doc.FlowIndex {
		total += r.TotalAllowedFlows
	}
	out, err := exec.Command(python, "-c", readParquet,
		filepath.Join(exportDir, "flow_index_data.parquet"), "TotalAllowedFlows",
		filepath.Join(exportDir, "flow_index.parquet"), "TotalAllowedFlows").CombinedOutput()
	if err != nil {
		t.Fatalf("pyarrow: %v\n%s", err, out)
	}
	var got map[string]struct {
		Rows  int64             `json:"rows"`
		Sum   int64             `json:"sum"`
		Types map[string]string `json:"types"`
	}
	if err := json.Unmarshal(out, &got); err != nil {
		t.Fatalf("%v: %s", err, out)
	}
	perFlow, index := got["flow_index_data.parquet"], got["flow_index.parquet"]
	if doc.FlowsTotal != n || perFlow.Rows != n || perFlow.Sum != total {
		t.Errorf("flow_index_data.parquet: %d rows, sum %d; the run read %d flows with %d allowed", perFlow.Rows, perFlow.Sum, doc.FlowsTotal, total)
	}
	if index.Rows != int64(len(doc.FlowIndex)) || index.Sum != total {
		t.Errorf("flow_index.parquet: %d rows, sum %d; want %d and %d", index.Rows, index.Sum, len(doc.FlowIndex), total)
	}
	for col, typ := range map[string]string{"FlowStartTime": "timestamp[us", "TotalAllowedFlows": "int64", "PublicIPs": "list<", "source": "string"} {
		if !strings.HasPrefix(perFlow.Types[col], typ) {
			t.Errorf("column %s is %s, want %s…", col, perFlow.Types[col], typ)
		}
	}
}

func cmpOrEnv(name, def string) string {
	if v := os.Getenv(name); v != "" {
		return v
	}
	return def
}

package flowsummary

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"math/rand/v2"
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/gonotebooklets/notebooklets/providers/asn"
	"github.com/gonotebooklets/notebooklets/providers/flows"
)

var updateCollect = flag.Bool("update-collect", false, "rewrite the golden files in testdata/collect")

// collectCase is one input of TestCollectGolden: a flow file (or generated
// CSV), the query, the collector's time span and caps.
type collectCase struct {
	name       string
	path       string        // a file, or
	gen        func() []byte // generated CSV
	q          flows.Query   //
	start, end time.Time     // the collector's span
	maxKept    int           //
	chunk      int           // CSV chunk size (0: default)
	series     bool          // plot series enabled
}

// collectOut is every output the flow engine feeds the notebooklet with.
type collectOut struct {
	Stats       flows.Stats    `json:"stats"`
	Seen        int64          `json:"seen"`
	Dropped     int64          `json:"dropped"`
	Truncated   int64          `json:"truncated"`
	First       time.Time      `json:"first"`
	Last        time.Time      `json:"last"`
	Host        hostFacts      `json:"host"`
	IndexFlows  int64          `json:"index_flows"`
	Index       []FlowIndexRow `json:"flow_index"`
	FirstSeen   []FlowIndexRow `json:"flow_index_first_seen"`
	Summary     ASNSummary     `json:"flow_summary"`
	ByProtocol  []TimeSeries   `json:"by_protocol"`
	ByDirection []TimeSeries   `json:"by_direction"`
	Kept        []flows.Flow   `json:"kept"`
}

func ts0(s string) time.Time {
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		panic(err)
	}
	return t
}

func collectCases() []collectCase {
	sample := filepath.Join("..", "internal", "sample", "data", "flows.csv")
	fixtures := filepath.Join("..", "testdata", "flows")
	cs := []collectCase{
		{name: "sample_all", path: sample, maxKept: 500, series: true},
		{name: "sample_host", path: sample, q: flows.Query{Host: "MSTICAlertsWin1"}, maxKept: 50, series: true},
		{name: "sample_ip_span", path: sample, q: flows.Query{IP: "10.0.3.5", Start: ts0("2019-02-13T00:00:00Z"), End: ts0("2019-02-15T12:00:00Z")},
			start: ts0("2019-02-13T06:00:00Z"), end: ts0("2019-02-15T00:00:00Z"), maxKept: 100, series: true},
		{name: "sample_remote_ip", path: sample, q: flows.Query{IP: "13.107.4.50"}, maxKept: 100, series: true},
		{name: "parity", path: filepath.Join("testdata", "parity", "flows.csv"), q: flows.Query{Host: "msticalertswin1"}, maxKept: 20, series: true},
		{name: "generated_projected", gen: func() []byte { return genCollectCSV(40000, 3, false) }, maxKept: 300, chunk: 48 << 10, series: true},
		{name: "generated_projected_host", gen: func() []byte { return genCollectCSV(40000, 3, false) }, q: flows.Query{Host: "msticalertswin1"},
			start: ts0("2019-02-14T06:00:00Z"), end: ts0("2019-02-15T18:00:00Z"), maxKept: 300, chunk: 100 << 10, series: true},
		{name: "generated_raw", gen: func() []byte { return genCollectCSV(30000, 5, true) }, q: flows.Query{Host: "msticalertswin1"}, maxKept: 200, chunk: 40 << 10, series: true},
		{name: "generated_noseries", gen: func() []byte { return genCollectCSV(20000, 9, false) }, q: flows.Query{IP: "10.0.3.5"}, maxKept: 0},
	}
	for _, f := range []string{"projected.csv", "projected.json", "projected.ndjson", "raw_cl.csv", "portal_export.csv", "bad_rows.csv"} {
		cs = append(cs, collectCase{name: "fixture_" + strings.ReplaceAll(f, ".", "_"), path: filepath.Join(fixtures, f), maxKept: 100, series: true})
	}
	return cs
}

// fakeASN gives public IPv4 addresses an ASN by their first octet and IPv6
// ones by their second 16-bit group, as ../shared/bench does.
func fakeASN(ip string) (asn.Info, bool) {
	a, err := netip.ParseAddr(ip)
	if err != nil {
		return asn.Info{}, false
	}
	var n asn.Number
	if a.Is4() {
		n = 64512 + asn.Number(a.As4()[0])
	} else {
		b := a.As16()
		n = 65000 + asn.Number(b[3])
	}
	if n%7 == 0 {
		return asn.Info{}, false // some not found
	}
	return asn.Info{IP: ip, ASN: n, Name: fmt.Sprintf("NET-%d", n), Country: "US"}, true
}

func runCollectCase(t *testing.T, c collectCase) collectOut {
	t.Helper()
	var src flows.Source
	var err error
	if c.gen != nil {
		src, err = flows.OpenBytes(c.name+".csv", c.gen(), flows.FormatAuto)
	} else {
		src, err = flows.OpenFile(c.path)
	}
	if err != nil {
		t.Fatal(err)
	}
	if f, ok := src.(*flows.File); ok && c.chunk > 0 {
		f.ChunkSize = c.chunk
	}
	col := NewCollector(c.start, c.end, c.maxKept)
	if !c.series {
		col.ByProtocol, col.ByDirection = nil, nil
	}
	st, err := col.Collect(context.Background(), src, c.q)
	if err != nil {
		t.Fatalf("Collect: %v", err)
	}
	rows := col.Index.Rows()
	found := map[string]asn.Info{}
	for _, ip := range PublicIPs(rows) {
		if inf, ok := fakeASN(ip); ok {
			found[ip] = inf
		}
	}
	out := collectOut{
		Stats: st, Seen: col.Seen, Dropped: col.Dropped, Truncated: col.Truncated, First: col.First, Last: col.Last,
		Host: col.Host, IndexFlows: col.Index.Flows(), Index: rows, FirstSeen: col.Index.FirstSeen(),
		Summary: SummarizeASNs(rows, found), Kept: col.Kept,
	}
	if col.ByProtocol != nil {
		out.ByProtocol = col.ByProtocol.Series()
	}
	if col.ByDirection != nil {
		out.ByDirection = col.ByDirection.Series()
	}
	return out
}

// TestCollectGolden runs Collector.Collect over the fixtures, the embedded
// sample and generated CSVs cut into many chunks, and compares every output
// (stats, flow index in both orders, the ASN summary, both plot series, the
// kept flows, the host facts) with golden files written by the engine as it
// was before the parallel aggregation (go test -run TestCollectGolden
// -update-collect rewrites them; a difference must be deliberate).
func TestCollectGolden(t *testing.T) {
	for _, c := range collectCases() {
		t.Run(c.name, func(t *testing.T) {
			got := runCollectCase(t, c)
			gj, err := json.MarshalIndent(got, "", " ")
			if err != nil {
				t.Fatal(err)
			}
			gp := filepath.Join("testdata", "collect", c.name+".json.gz")
			if *updateCollect {
				var buf bytes.Buffer
				zw, _ := gzip.NewWriterLevel(&buf, gzip.BestCompression)
				zw.Write(append(gj, '\n'))
				zw.Close()
				if err := os.MkdirAll(filepath.Dir(gp), 0o755); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(gp, buf.Bytes(), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			f, err := os.Open(gp)
			if err != nil {
				t.Fatalf("golden file: %v (run go test -run TestCollectGolden -update-collect)", err)
			}
			defer f.Close()
			zr, err := gzip.NewReader(f)
			if err != nil {
				t.Fatal(err)
			}
			wb, err := io.ReadAll(zr)
			if err != nil {
				t.Fatal(err)
			}
			var want, gotRT collectOut
			if err := json.Unmarshal(wb, &want); err != nil {
				t.Fatal(err)
			}
			if err := json.Unmarshal(gj, &gotRT); err != nil {
				t.Fatal(err)
			}
			if d := cmp.Diff(want, gotRT); d != "" {
				t.Errorf("%s differs from %s (-golden +got):\n%s", c.name, gp, d)
			}
		})
	}
}

// genCollectCSV writes a synthetic export shaped like gen_flows.py's, with
// what the engine must get right in the same file: IPv4 and IPv6 peers,
// private peers, two directions, PublicIPs arrays of one or two addresses,
// a quoted free-text column holding commas, quotes and newlines, a second
// host, and a few damaged rows. raw selects the raw AzureNetworkAnalytics_CL
// column names (no AllExtIPs column: the reader expands PublicIPs_s).
func genCollectCSV(rows int, seed uint64, raw bool) []byte {
	rnd := rand.New(rand.NewPCG(seed, 11))
	remote := make([]string, 120)
	for i := range remote {
		switch {
		case i%10 == 0:
			remote[i] = fmt.Sprintf("10.%d.%d.%d", rnd.IntN(256), rnd.IntN(256), 1+rnd.IntN(254))
		case i%13 == 0:
			remote[i] = fmt.Sprintf("2603:10%02x:%x::%x", rnd.IntN(256), rnd.IntN(65536), 1+rnd.IntN(65535))
		default:
			remote[i] = fmt.Sprintf("%d.%d.%d.%d", []int{13, 20, 23, 40, 52, 104, 151, 173, 185, 195, 203, 212}[rnd.IntN(12)], rnd.IntN(256), rnd.IntN(256), 1+rnd.IntN(254))
		}
	}
	protos := []struct {
		l4, l7 string
		port   int
	}{{"T", "https", 443}, {"T", "http", 80}, {"U", "dns", 53}, {"T", "ssh", 22}, {"T", "rdp", 3389}, {"U", "ntp", 123}, {"T", "smtp", 25}, {"T", "", 8443}}
	t0 := time.Date(2019, 2, 14, 0, 0, 0, 0, time.UTC)
	var b bytes.Buffer
	if raw {
		b.WriteString("TenantId,TimeGenerated,FlowStartTime_t,FlowEndTime_t,FlowType_s,VM_s,VMIP_s,PublicIPs_s,SrcIP_s,DestIP_s,L4Protocol_s,L7Protocol_s,DestPort_d,FlowDirection_s,AllowedOutFlows_d,AllowedInFlows_d,DeniedInFlows_d,DeniedOutFlows_d,AzureRegion_s,Region_s,Note\n")
	} else {
		b.WriteString("TenantId,TimeGenerated,FlowStartTime,FlowEndTime,FlowType,VMName,VMIPAddress,PublicIPs,SrcIP,DestIP,L4Protocol,L7Protocol,DestPort,FlowDirection,AllowedOutFlows,AllowedInFlows,DeniedInFlows,DeniedOutFlows,RemoteRegion,VMRegion,AllExtIPs,Note\n")
	}
	for i := range rows {
		start := t0.Add(time.Duration(rnd.IntN(86400*2+1)) * time.Second)
		end := start.Add(time.Duration(rnd.IntN(3001)) * time.Second)
		p := protos[rnd.IntN(len(protos))]
		ext := remote[rnd.IntN(len(remote))]
		ext2 := ""
		if rnd.IntN(8) == 0 {
			ext2 = remote[rnd.IntN(len(remote))]
		}
		dir := "O"
		if rnd.IntN(10) >= 7 {
			dir = "I"
		}
		host, hostIP := "msticalertswin1", "10.0.3.5"
		if rnd.IntN(20) == 0 {
			host, hostIP = "OtherHost", "10.0.3.6"
		}
		private := strings.HasPrefix(ext, "10.")
		n := 1 + rnd.IntN(40)
		out, in := n, 0
		if dir == "I" {
			out, in = 0, n
		}
		ftype, region, src, dst := "AzurePublic", "eastus", "", ""
		pub := `"[""` + ext + `""]"`
		if ext2 != "" {
			pub = `"[""` + ext + `"",""` + ext2 + `""]"`
		}
		if raw {
			pub = ext + "|1|0|0|0|0"
			if ext2 != "" {
				pub += " " + ext2 + "|2|0|0|0|0"
			}
		}
		if private {
			ftype, region, pub = "IntraVNet", "", "[]"
			if raw {
				pub = ""
			}
			if dir == "I" {
				src = ext
			} else {
				dst = ext
			}
		}
		note := "plain"
		switch rnd.IntN(12) {
		case 0:
			note = `"with, a comma"`
		case 1:
			note = "\"two\nlines, \"\"quoted\"\"\""
		case 2:
			note = ""
		}
		startS, endS := start.Format("2006-01-02T15:04:05Z"), end.Format("2006-01-02T15:04:05Z")
		outS := fmt.Sprint(out)
		switch i % 997 {
		case 13:
			startS = "yesterday"
		case 101:
			dir = "X"
		case 555:
			outS = "many"
		}
		if raw {
			fmt.Fprintf(&b, "t1,%s,%s,%s,%s,rg/%s,%s,%s,%s,%s,%s,%s,%d.0,%s,%s,%d,0,0,%s,eastus,%s\n",
				end.Add(30*time.Minute).Format("2006-01-02T15:04:05.000000Z"), startS, endS, ftype, host, hostIP, pub, src, dst,
				p.l4, p.l7, p.port, dir, outS, in, region, note)
		} else {
			fmt.Fprintf(&b, "t1,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%d,%s,%s,%d,0,0,%s,eastus,%s,%s\n",
				end.Add(30*time.Minute).Format("2006-01-02T15:04:05.000000Z"), startS, endS, ftype, host, hostIP, pub, src, dst,
				p.l4, p.l7, p.port, dir, outS, in, region, ext, note)
		}
		if i%1499 == 7 {
			b.WriteString("t1,short,row\n")
		}
	}
	return b.Bytes()
}

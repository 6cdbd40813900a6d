package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/gonotebooklets/notebooklets/flowsummary"
	"github.com/gonotebooklets/notebooklets/providers/asn"
	"github.com/gonotebooklets/notebooklets/providers/asn/asntest"
)

// Paths of the sample's databases and indicator file, and the parity
// fixture, relative to this package.
const (
	sampleCityDB = "../../internal/sample/data/GeoLite2-City-sample.mmdb"
	sampleASNDB  = "../../internal/sample/data/GeoLite2-ASN-sample.mmdb"
	sampleTI     = "../../internal/sample/data/ti-indicators.csv"
	parityFlows  = "../../flowsummary/testdata/parity/flows.csv"
)

// jsonDoc is the part of the --json document the tests read.
type jsonDoc struct {
	RunID       string                  `json:"run_id"`
	Description string                  `json:"description"`
	HostEntity  flowsummary.HostEntity  `json:"host_entity"`
	FlowsTotal  int64                   `json:"flows_total"`
	UniqueIPs   int                     `json:"unique_ips"`
	FlowIndex   []map[string]any        `json:"flow_index"`
	FlowSummary []map[string]any        `json:"flow_summary"`
	Selected    []asn.Number            `json:"selected_asns"`
	TI          *flowsummary.TIResults  `json:"ti_results"`
	GeoMap      *flowsummary.GeoMapData `json:"geo_map"`
	GeoMapSel   *flowsummary.GeoMapData `json:"geo_map_selected"`
	Provenance  flowsummary.Provenance  `json:"provenance"`
	Warnings    []string                `json:"warnings"`
	Flows       []map[string]any        `json:"network_flows"`
}

func readDoc(t *testing.T, path string) jsonDoc {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var d jsonDoc
	if err := json.Unmarshal(b, &d); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return d
}

func TestRunNetworkFlowSummaryFiles(t *testing.T) {
	wd, _ := os.Getwd()
	enrichEnv(t)
	abs := func(p string) string { return filepath.Join(wd, p) }
	dir := t.TempDir()
	out, html := filepath.Join(dir, "out.json"), filepath.Join(dir, "report.html")
	var stdout, stderr bytes.Buffer
	code := run(context.Background(), []string{"run", "NetworkFlowSummary",
		"--value", "msticalertswin1", "--offline", "--flows", abs(parityFlows), "--asn-db", abs(sampleASNDB), "--geoip-city", abs(sampleCityDB), "--ti-file", abs(sampleTI),
		"--options", "+geo_map", "--json", out, "--json-flows", "--html", html, "--select-asns", "default", "--lookup-ti",
	}, &stdout, &stderr)
	if code != 0 {
		t.Fatalf("exit %d\n%s", code, stderr.String())
	}
	if stdout.Len() != 0 {
		t.Errorf("with --json the report goes to stderr, stdout has %q", stdout.String())
	}
	d := readDoc(t, out)
	if d.FlowsTotal != 2000 || d.UniqueIPs != 201 || len(d.FlowIndex) != 1100 || len(d.Flows) != 2000 {
		t.Errorf("flows %d, unique IPs %d, index rows %d, raw flows %d", d.FlowsTotal, d.UniqueIPs, len(d.FlowIndex), len(d.Flows))
	}
	var keys []string
	for k := range d.FlowIndex[0] {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	if diff := cmp.Diff([]string{"FlowDirection", "L7Protocol", "TotalAllowedFlows", "dest", "source"}, keys); diff != "" {
		t.Errorf("flow_index keys (-want +got):\n%s", diff)
	}
	for _, k := range []string{"DestASN", "SourceASN", "TotalAllowedFlows", "L7Protocols", "source_ips", "dest_ips"} {
		if _, ok := d.FlowSummary[0][k]; !ok {
			t.Errorf("flow_summary row lacks %q", k)
		}
	}
	if d.TI == nil || len(d.TI.Providers) != 1 || d.GeoMap == nil || d.GeoMapSel == nil || len(d.Selected) == 0 {
		t.Errorf("ti %+v, maps %v %v, selected %v", d.TI, d.GeoMap != nil, d.GeoMapSel != nil, d.Selected)
	}
	if parts := (flowsummary.Provenance(d.Provenance)).SampleParts(); len(parts) != 0 {
		t.Errorf("an explicitly configured run is marked as sample data: %v", parts)
	}
	h, err := os.ReadFile(html)
	if err != nil || !bytes.Contains(h, []byte("Flow Summary with ASN details.")) || !bytes.Contains(h, []byte("TI Lookup for IP Addresses")) {
		t.Errorf("report: %v", err)
	}
	if !strings.Contains(stderr.String(), "Host Network Summary") {
		t.Errorf("stderr lacks the text report")
	}
}

func TestRunNetworkFlowSummaryUsageErrors(t *testing.T) {
	enrichEnv(t)
	for _, tt := range []struct {
		args []string
		want string
	}{
		{nil, "missing parameter --value"},
		{[]string{"--value", "h", "--bogus"}, "flag provided but not defined"},
		{[]string{"--value", "h", "--start", "2019-02-14", "--end", "2019-02-15", "--last", "1d"}, "invalid time span"},
		{[]string{"--value", "h", "extra"}, "unexpected arguments"},
		{[]string{"--value", "h", "--options", "bogus"}, "no valid option in bogus"},
		{[]string{"--value", "h", "--options", "geo_map,+plot_flows"}, "cannot be mixed"},
		{[]string{"--value", "msticalertswin1", "--select-asns", "AS1"}, "AS1 (not in the flow summary)"},
		{[]string{"--value", "h", "--ti-deadline", "soon"}, "--ti-deadline"},
	} {
		var stderr bytes.Buffer
		code := run(context.Background(), append([]string{"run", "NetworkFlowSummary"}, tt.args...), &bytes.Buffer{}, &stderr)
		if code != 2 || !strings.Contains(stderr.String(), tt.want) {
			t.Errorf("%q: exit %d, stderr %q; want 2 and %q", tt.args, code, stderr.String(), tt.want)
		}
	}
	var stdout bytes.Buffer
	if code := run(context.Background(), []string{"run", "NetworkFlowSummary", "--help"}, &stdout, &bytes.Buffer{}); code != 0 || !strings.Contains(stdout.String(), "--select-asns") {
		t.Errorf("--help: exit %d\n%s", code, stdout.String())
	}
}

func TestRunNetworkFlowSummaryConfig(t *testing.T) {
	wd, _ := os.Getwd()
	home := enrichEnv(t)
	cfgPath := filepath.Join(home, "msticpyconfig.yaml")
	if err := os.WriteFile(cfgPath, []byte("Notebooklets:\n  flow_files: "+filepath.Join(wd, parityFlows)+"\n  cache_dir: "+filepath.Join(home, "cache")+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(home, "out.json")
	var stderr bytes.Buffer
	if code := run(context.Background(), []string{"run", "NetworkFlowSummary", "--value", "msticalertswin1", "--config", cfgPath, "--offline", "--options", "flow_summary", "--json", out}, &bytes.Buffer{}, &stderr); code != 0 {
		t.Fatalf("exit %d\n%s", code, stderr.String())
	}
	if d := readDoc(t, out); d.FlowsTotal != 2000 || !strings.Contains(strings.Join(d.Warnings, "\n"), "offline and no GeoLite2-ASN database found") {
		t.Errorf("flows_total %d, warnings %q: the config's flow file was not read, or the missing ASN database is not said", d.FlowsTotal, d.Warnings)
	}
	var e bytes.Buffer
	if code := run(context.Background(), []string{"run", "NetworkFlowSummary", "--value", "x", "--config", filepath.Join(home, "missing.yaml")}, &bytes.Buffer{}, &e); code != 1 || !strings.Contains(e.String(), "missing.yaml") {
		t.Errorf("missing config: exit %d, %q; want 1 naming the file", code, e.String())
	}
	ws := filepath.Join(home, "ws.yaml")
	if err := os.WriteFile(ws, []byte("AzureSentinel:\n  Workspaces:\n    Default:\n      WorkspaceId: 11111111-2222-3333-4444-555555555555\n      TenantId: 66666666-7777-8888-9999-000000000000\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	e.Reset()
	if code := run(context.Background(), []string{"run", "NetworkFlowSummary", "--value", "x", "--config", ws}, &bytes.Buffer{}, &e); code != 2 || !strings.Contains(e.String(), "--last") {
		t.Errorf("workspace without a time span: exit %d, %q; want a usage error asking for --last", code, e.String())
	}
}

func TestChooseASNs(t *testing.T) {
	sel := flowsummary.ASNSelection{Choices: []flowsummary.ASNChoice{
		{ASN: 8075, Label: "AS8075 MICROSOFT-CORP-MSN-AS-BLOCK, US", Default: true},
		{ASN: 15169, Label: "AS15169 GOOGLE, US"},
		{ASN: asn.Unknown, Label: "unknown", Default: true},
	}}
	tests := []struct {
		spec    string
		want    []asn.Number
		wantErr string
	}{
		{"default", []asn.Number{8075, asn.Unknown}, ""},
		{"", []asn.Number{8075, asn.Unknown}, ""},
		{"all", []asn.Number{8075, 15169, asn.Unknown}, ""},
		{"AS15169", []asn.Number{15169}, ""},
		{"15169, as8075", []asn.Number{15169, 8075}, ""},
		{"AS8075 MICROSOFT-CORP-MSN-AS-BLOCK,AS15169", []asn.Number{8075, 15169}, ""},
		{"unknown", []asn.Number{asn.Unknown}, ""},
		{"AS1", nil, "AS1 (not in the flow summary)"},
		{"AS8075 MICROSOFT-CORP-MSN-AS-BLOCK, US", nil, `"US"`},
		{"GOOGLE", nil, `"GOOGLE"`},
	}
	for _, tc := range tests {
		got, err := chooseASNs(sel, tc.spec)
		if tc.wantErr != "" {
			if err == nil || !strings.Contains(err.Error(), tc.wantErr) || !strings.Contains(err.Error(), "AS15169") {
				t.Errorf("%q: err %v, want one containing %q and listing the ASNs", tc.spec, err, tc.wantErr)
			}
			continue
		}
		if err != nil {
			t.Errorf("%q: %v", tc.spec, err)
			continue
		}
		if d := cmp.Diff(tc.want, got); d != "" {
			t.Errorf("%q (-want +got):\n%s", tc.spec, d)
		}
	}
}

// twoHostFlows writes a flow export with two hosts, each talking to its own
// public peers.
func twoHostFlows(t *testing.T, path string) {
	t.Helper()
	var b strings.Builder
	b.WriteString("FlowStartTime,FlowEndTime,FlowType,VMName,VMIPAddress,PublicIPs,SrcIP,DestIP,L4Protocol,L7Protocol,DestPort,FlowDirection,AllowedOutFlows,AllowedInFlows,DeniedInFlows,DeniedOutFlows,RemoteRegion,VMRegion,AllExtIPs\n")
	for i := 0; i < 40; i++ {
		for _, h := range []struct{ name, ip, peer string }{{"hosta", "10.0.0.1", "13.107.4.%d"}, {"hostb", "10.0.0.2", "52.114.140.%d"}} {
			peer := fmt.Sprintf(h.peer, i%8+1)
			fmt.Fprintf(&b, "2019-02-14T10:%02d:00Z,2019-02-14T10:%02d:30Z,ExternalPublic,%s,%s,,,,T,https,443,O,%d,0,0,0,,eastus,%s\n", i, i, h.name, h.ip, i%5+1, peer)
		}
	}
	if err := os.WriteFile(path, []byte(b.String()), 0o600); err != nil {
		t.Fatal(err)
	}
}

// Two runs started together with one state directory each describe their
// own host (they used to swap results through the shared state file).
func TestConcurrentRunsShareStateDir(t *testing.T) {
	wd, _ := os.Getwd()
	enrichEnv(t)
	dir := t.TempDir()
	flowsPath := filepath.Join(dir, "flows.csv")
	twoHostFlows(t, flowsPath)
	state := filepath.Join(dir, "state")
	for try := 0; try < 5; try++ {
		var wg sync.WaitGroup
		outs := map[string]string{"hosta": filepath.Join(dir, fmt.Sprintf("a%d.json", try)), "hostb": filepath.Join(dir, fmt.Sprintf("b%d.json", try))}
		errs := make(chan string, 2)
		for host, out := range outs {
			wg.Add(1)
			go func() {
				defer wg.Done()
				var stderr bytes.Buffer
				code := run(context.Background(), []string{"run", "NetworkFlowSummary", "--value", host, "--offline", "--flows", flowsPath,
					"--asn-db", filepath.Join(wd, sampleASNDB), "--ti-file", filepath.Join(wd, sampleTI),
					"--select-asns", "all", "--lookup-ti", "--json", out, "--state-dir", state}, &bytes.Buffer{}, &stderr)
				if code != 0 {
					errs <- fmt.Sprintf("%s: exit %d: %s", host, code, stderr.String())
				}
			}()
		}
		wg.Wait()
		close(errs)
		for e := range errs {
			t.Fatal(e)
		}
		for host, out := range outs {
			d := readDoc(t, out)
			if d.HostEntity.HostName != host || !strings.HasSuffix(d.Description, host) {
				t.Fatalf("try %d: %s's JSON describes %q (%s)", try, host, d.HostEntity.HostName, d.Description)
			}
			want := map[string]string{"hosta": "13.107.4.", "hostb": "52.114.140."}[host]
			for _, ip := range d.TI.IPs {
				if !strings.HasPrefix(ip, want) {
					t.Fatalf("try %d: %s's TI lookup has %s, another host's peer", try, host, ip)
				}
			}
		}
	}
}

// An interrupted run (Ctrl-C, SIGTERM: the context ends) still writes its
// outputs, with the interruption in the warnings, and exits 130.
func TestInterruptedRunWritesPartialResults(t *testing.T) {
	wd, _ := os.Getwd()
	enrichEnv(t)
	for _, at := range []string{"Getting data from sample", "Getting data from Threat Intelligence"} {
		t.Run(at, func(t *testing.T) {
			dir := t.TempDir()
			out, html := filepath.Join(dir, "out.json"), filepath.Join(dir, "r.html")
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			stderr := &cancelAt{at: at, cancel: cancel}
			args := []string{"run", "NetworkFlowSummary", "--value", "msticalertswin1", "--json", out, "--html", html, "--select-asns", "all", "--lookup-ti"}
			if strings.Contains(at, "Threat") {
				args = append(args, "--offline", "--flows", filepath.Join(wd, parityFlows), "--ti-file", filepath.Join(wd, sampleTI))
			}
			code := run(ctx, args, &bytes.Buffer{}, stderr)
			if code != 130 {
				t.Fatalf("exit %d, want 130\n%s", code, stderr.String())
			}
			d := readDoc(t, out)
			if !slices.ContainsFunc(d.Warnings, func(w string) bool { return strings.Contains(w, "interrupted") }) {
				t.Errorf("warnings %q do not record the interruption", d.Warnings)
			}
			if strings.Contains(at, "Threat") && (d.FlowsTotal != 2000 || d.TI == nil) {
				t.Errorf("interrupted in the TI lookup: flows %d, TI %v: the work done before is lost", d.FlowsTotal, d.TI)
			}
			if _, err := os.Stat(html); err != nil {
				t.Errorf("no HTML report: %v", err)
			}
		})
	}
}

// cancelAt is a writer that ends a context when the output shows a text.
type cancelAt struct {
	mu     sync.Mutex
	buf    bytes.Buffer
	at     string
	cancel context.CancelFunc
}

func (c *cancelAt) Write(p []byte) (int, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.buf.Write(p)
	if strings.Contains(c.buf.String(), c.at) {
		c.cancel()
	}
	return len(p), nil
}

func (c *cancelAt) String() string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.buf.String()
}

// Errors that quote data reach the terminal with their control characters
// escaped.
func TestErrorsEscapedOnTerminal(t *testing.T) {
	enrichEnv(t)
	var stderr bytes.Buffer
	run(context.Background(), []string{"run", "NetworkFlowSummary", "--value", "h", "--flows", "/nonexistent/\x1b]0;owned\x07.csv"}, &bytes.Buffer{}, &stderr)
	if strings.ContainsAny(stderr.String(), "\x1b\x07") || !strings.Contains(stderr.String(), `\x1b]0;owned\x07`) {
		t.Errorf("stderr %q", stderr.String())
	}
}

// With no ASN database the command resolves ASNs through Team Cymru and
// fills the registration details through RDAP (here loopback fakes, named
// as mirrors in the configuration), and says which source answered; with
// --offline it makes no connection at all.
func TestRunNetworkFlowSummaryASNOnline(t *testing.T) {
	home := enrichEnv(t)
	cymru := asntest.NewCymru(t, map[string]string{
		"13.107.4.1": "8075 | 13.107.4.1 | 13.107.0.0/16 | US | arin | 2015-03-26 | MICROSOFT-CORP-MSN-AS-BLOCK, US",
	})
	rdap := asntest.NewRDAP(t, map[string][]string{"arin": {"13.0.0.0/8", "52.0.0.0/8"}},
		map[string]string{"arin": `{"objectClassName":"ip network","handle":"NET-13-64-0-0-1","startAddress":"13.64.0.0","endAddress":"13.107.255.255","name":"MSFT","country":"US",
			"entities":[{"objectClassName":"entity","roles":["registrant"],"vcardArray":["vcard",[["fn",{},"text","Microsoft Corporation"]]]}]}`})
	flowsPath := filepath.Join(home, "flows.csv")
	twoHostFlows(t, flowsPath)
	cfgPath := filepath.Join(home, "msticpyconfig.yaml")
	cfg := fmt.Sprintf("Notebooklets:\n  cymru_addr: %s\n  rdap_bootstrap_v4: %s\n  rdap_bootstrap_v6: %s\n  cache_dir: %s\n",
		cymru.Addr(), rdap.BootstrapV4(), rdap.BootstrapV6(), filepath.Join(home, "cache"))
	if err := os.WriteFile(cfgPath, []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(home, "out.json")
	var stderr bytes.Buffer
	code := run(context.Background(), []string{"run", "NetworkFlowSummary", "--value", "hosta", "--flows", flowsPath, "--config", cfgPath,
		"--options", "flow_summary", "--json", out}, &bytes.Buffer{}, &stderr)
	if code != 0 {
		t.Fatalf("exit %d\n%s", code, stderr.String())
	}
	d := readDoc(t, out)
	row := d.FlowSummary[0]
	if row["DestASN"] != "AS8075 MICROSOFT-CORP-MSN-AS-BLOCK, US" {
		t.Fatalf("flow summary %v", d.FlowSummary)
	}
	details, _ := row["DestASNDetails"].(map[string]any)
	if details["registry"] != "arin" || details["cidr"] != "13.107.0.0/16" || details["org"] != "Microsoft Corporation" || details["source"] != "cymru+rdap" {
		t.Errorf("registration details %v, want arin, 13.107.0.0/16, the RDAP org and the sources that answered", details)
	}
	if cymru.Connections() == 0 || rdap.Requests() == 0 {
		t.Errorf("cymru %d connections, rdap %d requests", cymru.Connections(), rdap.Requests())
	}
	// The selector's choices carry the same details.
	b, _ := os.ReadFile(out)
	var sel struct {
		Sel flowsummary.ASNSelection `json:"default_asn_selection"`
	}
	json.Unmarshal(b, &sel)
	if c, ok := sel.Sel.Choice(8075); !ok || c.Details == nil || c.Details.Registry != "arin" || c.Details.Source != "cymru+rdap" {
		t.Errorf("the AS8075 choice lacks its registration details: %+v", c)
	}

	// --offline: no connection, the ASNs stay unknown and the run says so.
	c0, r0 := cymru.Connections(), rdap.Requests()
	os.RemoveAll(filepath.Join(home, "cache"))
	stderr.Reset()
	code = run(context.Background(), []string{"run", "NetworkFlowSummary", "--value", "hosta", "--flows", flowsPath, "--config", cfgPath,
		"--offline", "--options", "flow_summary", "--json", out}, &bytes.Buffer{}, &stderr)
	if code != 0 {
		t.Fatalf("offline: exit %d\n%s", code, stderr.String())
	}
	if cymru.Connections() != c0 || rdap.Requests() != r0 {
		t.Errorf("--offline connected: cymru %d→%d, rdap %d→%d", c0, cymru.Connections(), r0, rdap.Requests())
	}
	if d := readDoc(t, out); d.FlowSummary[0]["DestASN"] != "unknown" || !strings.Contains(strings.Join(d.Warnings, "\n"), "offline") {
		t.Errorf("offline: summary %v, warnings %q", d.FlowSummary, d.Warnings)
	}
}

// run --flows works on a local export of each of the four flow tables, and
// the same traffic written in each gives the same flow index.
func TestRunOnEachFlowTableExport(t *testing.T) {
	wd, _ := os.Getwd()
	home := enrichEnv(t)
	dir := filepath.Join(wd, "../../providers/flowtables/testdata/sametraffic")
	var first []map[string]any
	for _, name := range []string{"azurenetworkanalytics.csv", "ntanetanalytics.csv", "asim.ndjson", "devicenetworkevents.json"} {
		out := filepath.Join(home, name+".json")
		var stderr bytes.Buffer
		code := run(context.Background(), []string{"run", "NetworkFlowSummary", "--value", "msticalertswin1", "--offline",
			"--flows", filepath.Join(dir, name), "--options", "flow_summary", "--json", out}, &bytes.Buffer{}, &stderr)
		if code != 0 {
			t.Fatalf("%s: exit %d\n%s", name, code, stderr.String())
		}
		d := readDoc(t, out)
		var idx []map[string]any
		for _, r := range d.FlowIndex {
			if r["TotalAllowedFlows"].(float64) == 0 {
				continue // NSG's denied-only record (see flowtables' same-traffic test)
			}
			delete(r, "TotalBytes") // only some tables record bytes
			idx = append(idx, r)
		}
		if len(idx) == 0 {
			t.Fatalf("%s: no flows read", name)
		}
		if first == nil {
			first = idx
		} else if diff := cmp.Diff(first, idx); diff != "" {
			t.Errorf("%s gives another flow index than azurenetworkanalytics.csv (-nsg +this):\n%s", name, diff)
		}
	}
}

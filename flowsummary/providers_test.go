package flowsummary

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/gonotebooklets/notebooklets/internal/sample/samplegen"
	"github.com/gonotebooklets/notebooklets/nb"
	"github.com/gonotebooklets/notebooklets/providers/config"
	"github.com/gonotebooklets/notebooklets/providers/flows"
	"github.com/gonotebooklets/notebooklets/providers/hosts"
	"github.com/gonotebooklets/notebooklets/providers/provenance"
	"github.com/gonotebooklets/notebooklets/providers/ti"
)

// TestSampleEndToEnd runs the notebook's cells with zero provider settings
// (the embedded sample) and checks the sample's facts (.coord/sample.md):
// the host is resolved with its public IP, whose ASN is never selected by
// default; the default selection's TI lookup finds every malicious IP.
func TestSampleEndToEnd(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	rec := &recSink{}
	res, err := New(WithSink(rec), WithStateDir(dir)).Run(ctx, samplegen.Host.Name, nb.TimeSpan{}, "+geo_map")
	if err != nil {
		t.Fatal(err)
	}
	h := res.HostEntity
	if h.IPAddress != samplegen.Host.PrivateIP || !slices.Contains(h.PublicIPs, samplegen.Host.PublicIP) {
		t.Errorf("host entity %+v, want IP %s and public IP %s", h, samplegen.Host.PrivateIP, samplegen.Host.PublicIP)
	}
	if h.Details["OSName"] != samplegen.Host.OSName || h.Details["ResourceGroup"] != samplegen.Host.ResourceGroup {
		t.Errorf("host details %v, want OS %q and resource group %q", h.Details, samplegen.Host.OSName, samplegen.Host.ResourceGroup)
	}
	if !strings.Contains(rec.all.String(), "public IP "+samplegen.Host.PublicIP) {
		t.Errorf("the run output does not describe the host's public IP")
	}
	if len(h.ASNs) != 1 || h.ASNs[0] != 64496 {
		t.Errorf("host ASNs %v, want the host's own AS64496", h.ASNs)
	}
	for _, c := range res.DefaultASNSelection.Choices {
		if slices.Contains(h.ASNs, c.ASN) && c.Default {
			t.Errorf("the host's own ASN %s is selected by default", c.ASN)
		}
	}
	var hostPoints int
	for _, p := range res.GeoMap.Points {
		if p.Role == RoleHost && p.IP == samplegen.Host.PublicIP {
			hostPoints++
		}
	}
	if hostPoints != 1 {
		t.Errorf("the host's public IP is on the map %d times, want once", hostPoints)
	}

	sel, err := New(WithSink(nb.Discard), WithStateDir(dir)).SelectASNs(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(res.DefaultASNSelection.Default(), sel) {
		t.Errorf("outside GoNB SelectASNs keeps the defaults: got %v, want %v", sel, res.DefaultASNSelection.Default())
	}
	tr, err := New(WithSink(nb.Discard), WithStateDir(dir)).LookupTIForASNIPs(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var positives []string
	for _, p := range tr.Positives {
		positives = append(positives, p.Ioc)
	}
	for _, ip := range samplegen.MaliciousIPs() {
		if !slices.Contains(positives, ip) {
			t.Errorf("malicious %s not among the positives %v of the default selection", ip, positives)
		}
	}
	if slices.Contains(positives, samplegen.InfoIP()) {
		t.Errorf("the information-only indicator %s is counted as positive", samplegen.InfoIP())
	}
	matched := map[string]bool{}
	for _, m := range tr.Matches {
		matched[m.Ioc] = true
	}
	for _, ip := range samplegen.MaliciousIPs() {
		if !matched[ip] {
			t.Errorf("malicious %s is not joined to its flows (matches %+v)", ip, tr.Matches)
		}
	}
}

// warnSource is a source that reports skipped rows and a partial result.
type warnSource struct{ flows.Source }

func (w warnSource) Stream(ctx context.Context, q flows.Query, fn func(*flows.Flow) error) (flows.Stats, error) {
	st, err := w.Source.Stream(ctx, q, fn)
	st.RowsSkipped = 2
	st.Skipped = []string{"f.csv:7: bad FlowStartTime \"x\"", "f.csv:9: bad AllowedOutFlows \"-\""}
	st.Warnings = append(st.Warnings, "partial result: the query hit the row limit")
	return st, err
}

type noHosts struct{}

func (noHosts) Resolve(context.Context, string) (hosts.Host, error) {
	return hosts.Host{}, fmt.Errorf("table x: %w", hosts.ErrNotFound)
}

func TestSourceWarningsShown(t *testing.T) {
	c := loadCase(t, "mixed")
	rec := &recSink{}
	n := New(WithFlows(warnSource{flows.Slice(c.Flows)}), WithASN(mapResolver(c.ASN)), WithGeo(fakeGeo{}),
		WithHosts(noHosts{}), WithSink(rec), WithStateDir(t.TempDir()), FromConfig(&config.Config{Warnings: []string{"config: something skipped"}}, Sources{}))
	res, err := n.Run(context.Background(), "msticalertswin1", nb.TimeSpan{})
	if err != nil {
		t.Fatal(err)
	}
	if res.RowsSkipped != 2 {
		t.Errorf("RowsSkipped = %d, want 2", res.RowsSkipped)
	}
	for _, want := range []string{"config: something skipped", "2 unreadable rows were skipped (first: f.csv:7", "flows: partial result: the query hit the row limit", `host details: "msticalertswin1" was not found`} {
		found := false
		for _, w := range res.Warnings {
			found = found || strings.Contains(w, want)
		}
		if !found {
			t.Errorf("no warning containing %q in %q", want, res.Warnings)
		}
	}
	// The flows' warnings are shown in the run section, before the next one.
	out := rec.all.String()
	run, _ := metadata.Section("run")
	next, _ := metadata.Section("plot_flows_by_protocol")
	i, j, k := strings.Index(out, run.Title), strings.Index(out, "Warning: flows: partial result"), strings.Index(out, next.Title)
	if i < 0 || j < i || k < j {
		t.Errorf("the partial-result warning is not in the run section (run %d, warning %d, next %d)", i, j, k)
	}
}

func TestFromConfig(t *testing.T) {
	t.Setenv("NOTEBOOKLETS_GEOIP_CITY", "")
	t.Setenv("NOTEBOOKLETS_GEOIP_ASN", "")
	t.Setenv("HOME", t.TempDir())
	dir := t.TempDir()
	tiPath := filepath.Join(dir, "iocs.csv")
	if err := os.WriteFile(tiPath, []byte("ioc,ioc_type,severity,details,reference,provider\n185.1.1.1,ipv4,high,test hit,,\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	cfgYAML := fmt.Sprintf("Notebooklets:\n  flow_files: %s\n  ti_file: %s\n  state_dir: %s\n  offline: true\n  cache_dir: %s\n", "testdata/parity/flows.csv", tiPath, filepath.Join(dir, "state"), t.TempDir())
	cfg, err := config.Parse("test.yaml", []byte(cfgYAML))
	if err != nil {
		t.Fatal(err)
	}
	n := New(FromConfig(cfg, Sources{}), WithSink(nb.Discard))
	defer n.Close()
	// Real flows with no databases: nothing falls back to the sample; the
	// ASNs come from the chain, here offline with no file.
	if n.err != nil || n.sample || n.geo != nil || n.asn == nil || n.hosts != nil || provenance.Of(n.asn).Sample {
		t.Errorf("configured handle: err %v, sample %v, geo %v, asn %v, hosts %v", n.err, n.sample, n.geo, n.asn, n.hosts)
	}
	if n.store == nil || n.store.Dir != filepath.Join(dir, "state") || len(n.ti) != 1 || n.ti[0].Name() == ti.SampleName {
		t.Errorf("settings: state %+v, ti %v", n.store, n.ti)
	}
	res, err := n.Run(context.Background(), "msticalertswin1", nb.TimeSpan{}, "flow_summary,geo_map")
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Provenance.SampleParts()) != 0 {
		t.Errorf("a configured run uses the sample for %v", res.Provenance.SampleParts())
	}
	warned := strings.Join(res.Warnings, "\n")
	if !strings.Contains(warned, "offline and no GeoLite2-ASN database found") || !strings.Contains(warned, "ASN lookup failed for 180 of 180") {
		t.Errorf("warnings %q do not say that the ASNs stay unknown offline without a database", res.Warnings)
	}
	if res.GeoMap == nil || res.GeoMap.Locator != "" || len(res.GeoMap.Points) != 0 || !strings.Contains(mapNote(res.GeoMap), "no geo-IP database is configured") {
		t.Errorf("map without a geo-IP database: %+v", res.GeoMap)
	}

	// A named file that is missing is an error naming it, returned by the
	// steps.
	for _, src := range []Sources{{Flows: []string{filepath.Join(dir, "nope.csv")}}, {ASNDB: filepath.Join(dir, "nope.mmdb")}, {TIFile: filepath.Join(dir, "nope-ti.csv")}, {HostsFile: filepath.Join(dir, "nope.json")}} {
		n := New(FromConfig(nil, src), WithSink(nb.Discard), WithStateDir(""))
		if _, err := n.Run(context.Background(), "h", nb.TimeSpan{}); err == nil || !strings.Contains(err.Error(), "nope") {
			t.Errorf("FromConfig(%+v): Run error = %v, want one naming the file", src, err)
		}
		if n.sample {
			t.Errorf("FromConfig(%+v) with an error falls back to the sample", src)
		}
	}
	// A workspace that is not in the config.
	if _, err := New(FromConfig(nil, Sources{Workspace: "Missing"}), WithSink(nb.Discard)).SelectASNs(context.Background()); err == nil || !strings.Contains(err.Error(), "Missing") {
		t.Errorf("FromConfig with an unknown workspace: %v", err)
	}
	// A configuration that names no provider: the sample.
	if n := New(FromConfig(&config.Config{}, Sources{})); !n.sample {
		t.Error("an empty configuration does not give the sample")
	}
}

type failingTI struct{}

func (failingTI) Name() string { return "down" }
func (failingTI) Lookup(context.Context, []string) ([]ti.Result, error) {
	return nil, errors.New("503 service unavailable")
}

// TestTIFailuresReported: a provider that fails leaves the others' results
// and is reported (TIResults.Failed, Warnings, the section text).
func TestTIFailuresReported(t *testing.T) {
	ctx := context.Background()
	c := loadCase(t, "mixed")
	dir := t.TempDir()
	mk := func(s nb.Sink) *NetworkFlowSummary {
		return New(WithFlows(flows.Slice(c.Flows)), WithASN(mapResolver(c.ASN)), WithGeo(fakeGeo{}), WithSink(s), WithStateDir(dir),
			WithTI(failingTI{}, fakeTI{hits: map[string]ti.Result{"185.1.1.1": {Severity: ti.High, Positive: true}}}))
	}
	res, err := mk(nb.Discard).Run(ctx, "msticalertswin1", nb.TimeSpan{})
	if err != nil {
		t.Fatal(err)
	}
	if err := mk(nb.Discard).SetSelectedASNs(ctx, res.DefaultASNSelection.All()...); err != nil {
		t.Fatal(err)
	}
	rec := &recSink{}
	tr, err := mk(rec).LookupTIForASNIPs(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(tr.Failed) != 1 || !strings.HasPrefix(tr.Failed[0], "down: ") || !strings.Contains(tr.Failed[0], "503 service unavailable") {
		t.Errorf("Failed = %q, want one entry for provider down with its reason", tr.Failed)
	}
	var fake int
	for _, r := range tr.Results {
		if r.Provider == "fake" {
			fake++
		}
	}
	if fake != len(tr.IPs) {
		t.Errorf("%d results from the working provider, want one per IP (%d)", fake, len(tr.IPs))
	}
	if len(tr.Positives) != 1 || tr.Positives[0].Ioc != "185.1.1.1" {
		t.Errorf("positives %+v, want 185.1.1.1 only", tr.Positives)
	}
	if !strings.Contains(rec.all.String(), "Warning: TI lookup failed: down: ") {
		t.Errorf("the section does not show the failure:\n%s", rec.all.String())
	}
	last, err := mk(nb.Discard).Result(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(strings.Join(last.Warnings, "\n"), "TI lookup failed: down: ") {
		t.Errorf("saved warnings %q lack the TI failure", last.Warnings)
	}
}

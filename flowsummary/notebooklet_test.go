package flowsummary

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"html/template"
	"net/netip"
	"os"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/gonotebooklets/notebooklets/nb"
	"github.com/gonotebooklets/notebooklets/providers/asn"
	"github.com/gonotebooklets/notebooklets/providers/flows"
	"github.com/gonotebooklets/notebooklets/providers/geoip"
	"github.com/gonotebooklets/notebooklets/providers/ipaddr"
	"github.com/gonotebooklets/notebooklets/providers/ti"
)

// recSink records what a notebooklet shows: headings, texts, and the HTML
// and text of what is shown.
type recSink struct {
	headings []string
	texts    []string
	shown    []template.HTML
	all      strings.Builder
}

func (r *recSink) Heading(_ int, t string) {
	r.headings = append(r.headings, t)
	r.all.WriteString(t + "\n")
}
func (r *recSink) Text(b string, _ bool) { r.texts = append(r.texts, b); r.all.WriteString(b + "\n") }
func (r *recSink) Show(h template.HTML, text string) {
	r.shown = append(r.shown, h)
	r.all.WriteString(string(h) + "\n" + text + "\n")
}
func (r *recSink) Update(string, template.HTML, string) {}
func (r *recSink) Close() error                         { return nil }

type mapResolver map[string]asn.Info

func (m mapResolver) Resolve(_ context.Context, ips []string) (asn.Results, error) {
	r := asn.Results{Found: map[string]asn.Info{}, Missing: map[string]error{}}
	for _, ip := range ips {
		if inf, ok := m[ip]; ok {
			r.Found[ip] = inf
		} else {
			r.Missing[ip] = errors.New("not in the test table")
		}
	}
	return r, nil
}

type fakeGeo struct{}

func (fakeGeo) Locate(a netip.Addr) (geoip.Location, error) {
	if !ipaddr.IsPublicAddr(a) {
		return geoip.Location{IP: a.String()}, nil
	}
	return geoip.Location{IP: a.String(), Known: true, Latitude: 10, Longitude: 20, Country: "Evil<script>alert('country')</script>", City: "Town"}, nil
}

type fakeTI struct{ hits map[string]ti.Result }

func (fakeTI) Name() string { return "fake" }
func (f fakeTI) Lookup(_ context.Context, iocs []string) ([]ti.Result, error) {
	var out []ti.Result
	for _, ip := range iocs {
		if r, ok := f.hits[ip]; ok {
			r.Ioc, r.Provider = ip, "fake"
			out = append(out, r)
		} else {
			out = append(out, ti.Result{Ioc: ip, Provider: "fake", Severity: ti.Information})
		}
	}
	return out, nil
}

const hostile = "<script>alert(1)</script>"

func loadCase(t *testing.T, name string) goldenCase {
	t.Helper()
	b, err := os.ReadFile("testdata/cases/" + name + ".json")
	if err != nil {
		t.Fatal(err)
	}
	var c goldenCase
	if err := json.Unmarshal(b, &c); err != nil {
		t.Fatal(err)
	}
	for i := range c.Flows {
		c.Flows[i].VMName = "msticalertswin1"
	}
	return c
}

func testNotebooklet(t *testing.T, dir string, sink nb.Sink, c goldenCase, more ...Setting) *NetworkFlowSummary {
	return New(append([]Setting{WithFlows(flows.Slice(c.Flows)), WithASN(mapResolver(c.ASN)), WithGeo(fakeGeo{}),
		WithTI(fakeTI{hits: map[string]ti.Result{"185.1.1.1": {Severity: ti.High, Positive: true, Details: "<img src=x onerror=alert(2)>"}}}),
		WithSink(sink), WithStateDir(dir)}, more...)...)
}

func TestRunMissingValue(t *testing.T) {
	n := New(WithFlows(flows.Slice(nil)), WithSink(nb.Discard), WithStateDir(t.TempDir()))
	for _, v := range []string{"", "   "} {
		_, err := n.Run(context.Background(), v, nb.TimeSpan{})
		if !errors.Is(err, nb.ErrMissingParameter) {
			t.Errorf("Run(%q) error = %v, want a missing parameter error", v, err)
		}
	}
}

func TestRunShowsEverySectionInOrder(t *testing.T) {
	rec := &recSink{}
	c := loadCase(t, "mixed")
	n := testNotebooklet(t, t.TempDir(), rec, c)
	res, err := n.Run(context.Background(), "msticalertswin1", nb.TimeSpan{}, "+geo_map")
	if err != nil {
		t.Fatal(err)
	}
	var want []string
	for _, k := range []string{"run", "plot_flows_by_protocol", "plot_flows_by_direction", "plot_flow_values", "get_flow_index", "get_flow_summary", "display_geo_map_all", "next_steps"} {
		st, _ := metadata.Section(k)
		want = append(want, st.Title)
	}
	if d := cmp.Diff(want, rec.headings); d != "" {
		t.Errorf("sections (-want +got):\n%s", d)
	}
	if !strings.Contains(rec.all.String(), "Found 9 unique IP Addresses.") {
		t.Errorf("no unique IP note in:\n%s", strings.Join(rec.texts, "\n"))
	}
	if res.HostEntity.IPAddress != "10.0.3.5" || res.HostEntity.HostName != "msticalertswin1" {
		t.Errorf("host entity %+v", res.HostEntity)
	}
	if len(res.ProtocolSeries) == 0 || len(res.DirectionSeries) == 0 || len(res.FlowIndex) == 0 || res.GeoMap == nil || len(res.GeoMap.Points) == 0 {
		t.Errorf("result lacks the data of a section: %d protocol series, %d direction series, %d index rows, map %v",
			len(res.ProtocolSeries), len(res.DirectionSeries), len(res.FlowIndex), res.GeoMap)
	}
	// Each plot, table and map was drawn: 3 charts, 2 tables, 1 map.
	var charts, tables, maps int
	for _, h := range rec.shown {
		switch {
		case strings.Contains(string(h), "echarts"):
			charts++
		case strings.Contains(string(h), "leaflet") || strings.Contains(string(h), "Leaflet"):
			maps++
		case strings.Contains(string(h), "<table"):
			tables++
		}
	}
	if charts != 3 || tables != 2 || maps != 1 {
		t.Errorf("drawn: %d charts, %d tables, %d maps; want 3, 2, 1", charts, tables, maps)
	}
	if res.FlowSummary == nil || len(res.FlowSummary.Rows) == 0 || len(res.DefaultASNSelection.Choices) == 0 {
		t.Fatalf("no summary/selection: %+v", res.FlowSummary)
	}
	// 99.99.99.99 is not in the resolver table: a warning names it.
	if !strings.Contains(strings.Join(res.Warnings, "\n"), "99.99.99.99") {
		t.Errorf("warnings do not name the failed ASN lookup: %q", res.Warnings)
	}
	if res.Selected || res.SelectedASNs != nil {
		t.Errorf("nothing is selected before SelectASNs: %v", res.SelectedASNs)
	}
}

func TestRunOptions(t *testing.T) {
	rec := &recSink{}
	n := testNotebooklet(t, t.TempDir(), rec, loadCase(t, "mixed"))
	res, err := n.Run(context.Background(), "10.0.3.5", nb.TimeSpan{}, "-plot_flows", "-plot_flow_values")
	if err != nil {
		t.Fatal(err)
	}
	if res.ProtocolSeries != nil || res.DirectionSeries != nil || res.GeoMap != nil {
		t.Error("plots or map made without their options")
	}
	if res.FlowSummary == nil {
		t.Error("no flow summary")
	}
	if _, err := n.Run(context.Background(), "x", nb.TimeSpan{}, "geo_map", "+plot_flows"); err == nil {
		t.Error("mixing plain and +/- options should fail")
	}
	res, err = n.Run(context.Background(), "x", nb.TimeSpan{}, "+nonsense")
	if err != nil || !strings.Contains(strings.Join(res.Warnings, " "), "nonsense") {
		t.Errorf("unknown option: err %v warnings %q", err, res.Warnings)
	}
}

func TestOutOfOrderCalls(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	rec := &recSink{}
	n := testNotebooklet(t, dir, rec, loadCase(t, "mixed"))
	_, err := n.SelectASNs(ctx)
	if !errors.Is(err, ErrNotReady) || err.Error() != msgSelectFirst {
		t.Errorf("SelectASNs before Run: %v", err)
	}
	if _, err := n.LookupTIForASNIPs(ctx); !errors.Is(err, ErrNotReady) || err.Error() != msgTIFirst {
		t.Errorf("LookupTIForASNIPs before Run: %v", err)
	}
	if err := n.ShowSelectedASNMap(ctx); !errors.Is(err, ErrNotReady) || err.Error() != msgMapFirst {
		t.Errorf("ShowSelectedASNMap before Run: %v", err)
	}
	if err := n.Show(ctx, SectionFlowIndex); !errors.Is(err, ErrNotReady) {
		t.Errorf("Show before Run: %v", err)
	}
	if !strings.Contains(rec.all.String(), "Then call 'SelectASNs()' to select the ASNs to lookup.") {
		t.Errorf("the message is not shown to the analyst:\n%s", rec.all.String())
	}
	// Run without flow_summary: the methods still say to run with it.
	if _, err := n.Run(ctx, "msticalertswin1", nb.TimeSpan{}, "plot_flows"); err != nil {
		t.Fatal(err)
	}
	if _, err := n.SelectASNs(ctx); !errors.Is(err, ErrNotReady) {
		t.Errorf("SelectASNs after Run without flow_summary: %v", err)
	}
	if _, err := n.Run(ctx, "msticalertswin1", nb.TimeSpan{}); err != nil {
		t.Fatal(err)
	}
	if _, err := n.LookupTIForASNIPs(ctx); !errors.Is(err, ErrNotReady) {
		t.Errorf("LookupTIForASNIPs before SelectASNs: %v", err)
	}
	if err := n.Show(ctx, SectionGeoMapAll); !errors.Is(err, ErrNotReady) || !strings.Contains(err.Error(), "geo_map") {
		t.Errorf("Show of a section not run: %v", err)
	}
	if err := n.Show(ctx, "nope"); !errors.Is(err, nb.ErrUnknownSection) || !strings.Contains(err.Error(), "get_flow_summary") {
		t.Errorf("Show of an unknown key: %v", err)
	}
}

// Each GoNB cell is a new process: simulate with new instances sharing the
// state directory.
func TestCrossCellRestore(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	c := loadCase(t, "mixed")
	cell1 := testNotebooklet(t, dir, &recSink{}, c)
	res1, err := cell1.Run(ctx, "msticalertswin1", nb.TimeSpan{}, "+geo_map")
	if err != nil {
		t.Fatal(err)
	}
	cell2 := testNotebooklet(t, dir, &recSink{}, c)
	sel, err := cell2.SelectASNs(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if d := cmp.Diff(res1.DefaultASNSelection.Default(), sel); d != "" {
		t.Errorf("selection outside GoNB should be the defaults (-want +got):\n%s", d)
	}
	rec3 := &recSink{}
	cell3 := testNotebooklet(t, dir, rec3, c)
	tir, err := cell3.LookupTIForASNIPs(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(tir.Positives) != 1 || len(tir.Matches) != 1 || tir.Matches[0].On != "source" {
		t.Errorf("TI: %+v", tir)
	}
	if !strings.Contains(rec3.all.String(), "Positive Threat Intel Results found") {
		t.Error("no TI warning shown")
	}
	cell4 := testNotebooklet(t, dir, &recSink{}, c)
	if err := cell4.ShowSelectedASNMap(ctx); err != nil {
		t.Fatal(err)
	}
	rec5 := &recSink{}
	cell5 := testNotebooklet(t, dir, rec5, c)
	last, err := cell5.Result(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if last.TIResults == nil || last.GeoMapSelected == nil || last.GeoMap == nil || last.RunID != res1.RunID {
		t.Fatalf("restored result lacks parts: ti %v map %v run %q, want run %q", last.TIResults != nil, last.GeoMapSelected != nil, last.RunID, res1.RunID)
	}
	var threats int
	for _, p := range last.GeoMapSelected.Points {
		if p.Role == RoleThreat {
			threats++
			if p.Color != "red" {
				t.Errorf("threat marker colour %q", p.Color)
			}
		}
	}
	if threats != 1 {
		t.Errorf("threat markers = %d, want 1", threats)
	}
	if d := cmp.Diff(res1.FlowIndex, last.FlowIndex); d != "" {
		t.Errorf("flow index changed across cells:\n%s", d)
	}
	before, _ := json.Marshal(last)
	for _, sec := range Sections() {
		if err := cell5.Show(ctx, sec); err != nil {
			t.Errorf("Show(%s): %v", sec, err)
		}
	}
	after, _ := json.Marshal(last)
	if !bytes.Equal(before, after) {
		t.Error("showing the sections changed the result")
	}
	// SetSelectedASNs validates.
	if err := cell5.SetSelectedASNs(ctx, 1); !errors.Is(err, ErrNotInSummary) || !strings.Contains(err.Error(), "AS1 ") {
		t.Errorf("SetSelectedASNs with an ASN not in the summary: %v", err)
	}
}

func TestHostileStringsEscaped(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	c := loadCase(t, "mixed")
	for i := range c.Flows {
		c.Flows[i].VMName = hostile
		c.Flows[i].L7Protocol = "<b>proto</b>"
	}
	report := nb.NewHTMLReport("test")
	n := testNotebooklet(t, dir, report, c)
	if _, err := n.Run(ctx, hostile, nb.TimeSpan{}, "+geo_map"); err != nil {
		t.Fatal(err)
	}
	if _, err := n.SelectASNs(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := n.LookupTIForASNIPs(ctx); err != nil {
		t.Fatal(err)
	}
	if err := n.ShowSelectedASNMap(ctx); err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if _, err := report.WriteTo(&buf); err != nil {
		t.Fatal(err)
	}
	out := buf.String()
	for _, bad := range []string{"<script>alert(1)</script>", "<img src=x", "<script>alert('country')", "<b>proto</b>"} {
		if strings.Contains(out, bad) {
			i := strings.Index(out, bad)
			t.Errorf("unescaped %q in the report: ...%s...", bad, out[max(0, i-200):min(len(out), i+100)])
		}
	}
	if !strings.Contains(out, "alert(1)") {
		t.Error("the hostile ASN name should appear (escaped)")
	}
}

// The selector and the map popups show the ASN's registration details and
// the source that answered.
func TestRegistrationShown(t *testing.T) {
	inf := &asn.Info{ASN: 8075, Name: "MSFT", Country: "US", CIDR: "13.107.0.0/16", Registry: "arin", Org: "Microsoft <Corp>", Abuse: "abuse@example.com", Source: "cymru+rdap", Cached: true}
	if got, want := asnRegistration(inf), "US, 13.107.0.0/16, arin, Microsoft <Corp>, abuse abuse@example.com, from cymru+rdap, cached"; got != want {
		t.Errorf("asnRegistration = %q, want %q", got, want)
	}
	if asnRegistration(&asn.Info{Source: "private", Name: asn.PrivateName}) != "" || asnRegistration(nil) != "" || asnRegistration(&asn.Info{Source: "cymru"}) != "" {
		t.Error("private, missing or empty details are shown")
	}
	c := loadCase(t, "mixed")
	for ip, i := range c.ASN {
		i.Country, i.Registry, i.CIDR = "NL", "ripencc", "185.0.0.0/8"
		c.ASN[ip] = i
	}
	rec := &recSink{}
	n := testNotebooklet(t, t.TempDir(), rec, c)
	ctx := context.Background()
	res, err := n.Run(ctx, "msticalertswin1", nb.TimeSpan{})
	if err != nil {
		t.Fatal(err)
	}
	if err := n.SetSelectedASNs(ctx, res.DefaultASNSelection.All()...); err != nil {
		t.Fatal(err)
	}
	rec.all.Reset()
	if err := n.Show(ctx, SectionSelectASNs); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(rec.all.String(), "NL, 185.0.0.0/8, ripencc, from test") {
		t.Errorf("the selector does not show the registration details:\n%s", rec.all.String())
	}
	if err := n.ShowSelectedASNMap(ctx); err != nil {
		t.Fatal(err)
	}
	res, _ = n.Result(ctx)
	var withDetails int
	for _, p := range res.GeoMapSelected.Points {
		if strings.Contains(p.ASNDetails, "ripencc") {
			withDetails++
		}
	}
	if withDetails == 0 {
		t.Errorf("no map point carries its ASN details: %+v", res.GeoMapSelected.Points)
	}
}

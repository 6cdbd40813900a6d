package flowsummary

import (
	"bytes"
	"context"
	"errors"
	"net/netip"
	"os"
	"os/exec"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/gonotebooklets/notebooklets/nb"
	"github.com/gonotebooklets/notebooklets/providers/asn"
	"github.com/gonotebooklets/notebooklets/providers/flows"
	"github.com/gonotebooklets/notebooklets/providers/geoip"
	"github.com/gonotebooklets/notebooklets/providers/hosts"
	"github.com/gonotebooklets/notebooklets/providers/provenance"
	"github.com/gonotebooklets/notebooklets/providers/ti"
)

// namedTI is a fake TI provider with a provenance of its own.
type namedTI struct {
	fakeTI
	name string
}

func (p namedTI) Name() string { return p.name }
func (p namedTI) Provenance() provenance.Info {
	return provenance.Info{Kind: "test-ti", Name: p.name}
}
func (p namedTI) Lookup(ctx context.Context, iocs []string) ([]ti.Result, error) {
	res, err := p.fakeTI.Lookup(ctx, iocs)
	for i := range res {
		res[i].Provider = p.name
	}
	return res, err
}

// cellProcess runs this test binary again as a second program, the way GoNB
// runs each cell: it runs TestCellProcess with the environment given.
func cellProcess(t *testing.T, env ...string) string {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^TestCellProcess$", "-test.count=1", "-test.v")
	cmd.Env = append(os.Environ(), env...)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("cell process: %v\n%s", err, out)
	}
	return string(out)
}

// TestCellProcess is the second cell of TestLaterStepWarnsWhenProvidersDiffer
// (it does nothing when run on its own): a new program whose handle was
// declared with other threat-intel providers than the run's.
func TestCellProcess(t *testing.T) {
	dir := os.Getenv("FLOWSUMMARY_TEST_CELL_STATE")
	if dir == "" {
		return
	}
	c := loadCase(t, "mixed")
	var buf bytes.Buffer
	sink := nb.NewTextSink(&buf)
	n := New(WithFlows(flows.Slice(c.Flows)), WithASN(mapResolver(c.ASN)), WithGeo(fakeGeo{}),
		WithTI(namedTI{name: "OtherTI"}), WithSink(sink), WithStateDir(dir))
	ctx := context.Background()
	if err := n.SetSelectedASNs(ctx, 8075); err != nil {
		t.Fatal(err)
	}
	if _, err := n.LookupTIForASNIPs(ctx); err != nil {
		t.Fatal(err)
	}
	sink.Close()
	os.Stdout.WriteString("CELL OUTPUT:\n" + buf.String())
}

// A later step whose providers differ from the run's says so in the cell and
// in the result: here the run used the threat-intel provider RunTI and the
// next cell's program (another process) was declared with OtherTI.
func TestLaterStepWarnsWhenProvidersDiffer(t *testing.T) {
	dir := t.TempDir()
	c := loadCase(t, "mixed")
	run := New(WithFlows(flows.Slice(c.Flows)), WithASN(mapResolver(c.ASN)), WithGeo(fakeGeo{}),
		WithTI(namedTI{name: "RunTI"}), WithSink(nb.Discard), WithStateDir(dir))
	if _, err := run.Run(context.Background(), "msticalertswin1", nb.TimeSpan{}); err != nil {
		t.Fatal(err)
	}
	out := cellProcess(t, "FLOWSUMMARY_TEST_CELL_STATE="+dir)
	const want = "this step's threat-intel providers (OtherTI) differ from the run's (RunTI)"
	if !strings.Contains(out, "Warning: "+want) {
		t.Errorf("the cell does not show the warning %q:\n%s", want, out)
	}
	res, err := New(WithSink(nb.Discard), WithStateDir(dir), WithFlows(flows.Slice(nil))).Result(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if !slices.ContainsFunc(res.Warnings, func(w string) bool { return strings.Contains(w, want) }) {
		t.Errorf("the saved result's warnings lack %q: %q", want, res.Warnings)
	}
	if res.TIResults == nil || len(res.TIResults.Providers) != 1 || res.TIResults.Providers[0] != "OtherTI" {
		t.Errorf("the TI section does not name the provider that answered: %+v", res.TIResults)
	}
	// The same providers: no warning.
	again := New(WithFlows(flows.Slice(c.Flows)), WithASN(mapResolver(c.ASN)), WithGeo(fakeGeo{}),
		WithTI(namedTI{name: "OtherTI"}), WithSink(nb.Discard), WithStateDir(dir))
	before := len(res.Warnings)
	if _, err := again.LookupTIForASNIPs(context.Background()); err != nil {
		t.Fatal(err)
	}
	res, _ = again.Result(context.Background())
	if w := strings.Join(res.Warnings[before:], "\n"); strings.Contains(w, "differ") {
		t.Errorf("the same providers still warn: %q", w)
	}
}

// sampleTrap replaces the sample providers with ones that fail the test
// when used.
type sampleTrap struct{ t *testing.T }

func (s sampleTrap) Stream(context.Context, flows.Query, func(*flows.Flow) error) (flows.Stats, error) {
	s.t.Error("the sample flows were read")
	return flows.Stats{}, nil
}
func (s sampleTrap) Resolve(context.Context, string) (hosts.Host, error) {
	s.t.Error("the sample host table was asked")
	return hosts.Host{}, hosts.ErrNotFound
}
func (s sampleTrap) Locate(netip.Addr) (geoip.Location, error) {
	s.t.Error("the sample geo-IP database was asked")
	return geoip.Location{}, nil
}
func (s sampleTrap) Name() string { return "trap" }
func (s sampleTrap) Lookup(context.Context, []string) ([]ti.Result, error) {
	s.t.Error("the sample indicator file was asked")
	return nil, nil
}

type trapASN struct{ t *testing.T }

func (s trapASN) Resolve(context.Context, []string) (asn.Results, error) {
	s.t.Error("the sample ASN database was asked")
	return asn.Results{}, nil
}

// A run on flows that are not the sample never reaches a sample provider,
// in any step, whatever else is configured or not.
func TestConfiguredRunNeverReachesTheSample(t *testing.T) {
	old := sampleProviders
	sampleProviders = func() (flows.Source, hosts.Resolver, geoip.Locator, asn.Resolver, []ti.Provider) {
		trap := sampleTrap{t}
		return trap, trap, trap, trapASN{t}, []ti.Provider{trap}
	}
	defer func() { sampleProviders = old }()
	c := loadCase(t, "mixed")
	ctx := context.Background()
	for _, settings := range [][]Setting{
		{WithFlows(flows.Slice(c.Flows))},
		{WithFlows(flows.Slice(c.Flows)), WithASN(mapResolver(c.ASN))},
		{WithFlows(flows.Slice(c.Flows)), WithGeo(fakeGeo{}), WithTI(fakeTI{})},
	} {
		dir := t.TempDir()
		mk := func() *NetworkFlowSummary {
			return New(append(settings, WithSink(nb.Discard), WithStateDir(dir))...)
		}
		res, err := mk().Run(ctx, "msticalertswin1", nb.TimeSpan{}, "+geo_map")
		if err != nil {
			t.Fatal(err)
		}
		if parts := res.Provenance.SampleParts(); len(parts) != 0 {
			t.Errorf("provenance names the sample for %v", parts)
		}
		if _, err := mk().SelectASNs(ctx); err != nil {
			t.Fatal(err)
		}
		tr, err := mk().LookupTIForASNIPs(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if err := mk().ShowSelectedASNMap(ctx); err != nil {
			t.Fatal(err)
		}
		for _, sec := range Sections() {
			mk().Show(ctx, sec)
		}
		if len(mk().ti) == 0 && (len(tr.Failed) == 0 || !strings.Contains(tr.Failed[0], "no threat-intel providers are configured")) {
			t.Errorf("with no TI provider the lookup does not say so: %q", tr.Failed)
		}
	}
	// With nothing configured, the sample is used (through the trap).
	if n := New(WithSink(nb.Discard)); !n.sample {
		t.Error("no settings: not the sample")
	}
}

// msticnb's silent: nothing is shown by any step (titles, texts, tables,
// plots, maps, progress, errors), and the result is still filled and saved.
func TestSilentShowsNothingAndFillsTheResult(t *testing.T) {
	ctx := context.Background()
	c := loadCase(t, "mixed")
	for name, mk := range map[string]func(rec *recSink, dir string) *NetworkFlowSummary{
		"WithSilent": func(rec *recSink, dir string) *NetworkFlowSummary {
			return testNotebooklet(t, dir, rec, c, WithSilent(true))
		},
		"Silent()": func(rec *recSink, dir string) *NetworkFlowSummary {
			return testNotebooklet(t, dir, rec, c).Silent()
		},
	} {
		t.Run(name, func(t *testing.T) {
			rec, dir := &recSink{}, t.TempDir()
			res, err := mk(rec, dir).Run(ctx, "msticalertswin1", nb.TimeSpan{}, "+geo_map")
			if err != nil {
				t.Fatal(err)
			}
			if _, err := mk(rec, dir).SelectASNs(ctx); err != nil {
				t.Fatal(err)
			}
			if _, err := mk(rec, dir).LookupTIForASNIPs(ctx); err != nil {
				t.Fatal(err)
			}
			if err := mk(rec, dir).ShowSelectedASNMap(ctx); err != nil {
				t.Fatal(err)
			}
			mk(rec, dir).SetSelectedASNs(ctx, 1) // an error, shown by nobody
			if out := rec.all.String(); out != "" {
				t.Errorf("silent steps showed:\n%s", out)
			}
			saved, err := New(WithSink(nb.Discard), WithStateDir(dir), WithFlows(flows.Slice(nil))).Result(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if saved.RunID != res.RunID || saved.FlowSummary == nil || saved.GeoMap == nil || saved.TIResults == nil || saved.GeoMapSelected == nil || len(saved.ProtocolSeries) == 0 {
				t.Errorf("the silent run's result is not filled")
			}
			// Show shows what a silent run computed.
			rec2 := &recSink{}
			if err := testNotebooklet(t, dir, rec2, c).Show(ctx, SectionFlowSummary); err != nil || len(rec2.shown) == 0 {
				t.Errorf("Show after a silent run: %v, %d shown", err, len(rec2.shown))
			}
		})
	}
}

// A later step never saves over another run's state: when another run
// replaced it while the step worked, the step keeps its own result and says
// so.
func TestStepDoesNotOverwriteAnotherRun(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	c := loadCase(t, "mixed")
	recA := &recSink{}
	a := testNotebooklet(t, dir, recA, c)
	resA, err := a.Run(ctx, "msticalertswin1", nb.TimeSpan{})
	if err != nil {
		t.Fatal(err)
	}
	b := testNotebooklet(t, dir, &recSink{}, c)
	resB, err := b.Run(ctx, "10.0.3.5", nb.TimeSpan{})
	if err != nil {
		t.Fatal(err)
	}
	sel, err := a.SelectASNs(ctx)
	if err != nil || len(sel) == 0 {
		t.Fatalf("A's selection on its own run: %v %v", sel, err)
	}
	if !strings.Contains(recA.all.String(), "another run ("+resB.RunID) || !slices.ContainsFunc(resA.Warnings, func(w string) bool { return strings.Contains(w, resA.RunID) }) {
		t.Errorf("A does not say its state was taken by B:\n%s\nwarnings %q", recA.all.String(), resA.Warnings)
	}
	saved, err := New(WithSink(nb.Discard), WithStateDir(dir), WithFlows(flows.Slice(nil))).Result(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if saved.RunID != resB.RunID || saved.Selected {
		t.Errorf("the saved state is run %s (selected %v), want B's run %s untouched", saved.RunID, saved.Selected, resB.RunID)
	}
}

// blockingTI answers only when its context ends.
type blockingTI struct{ started chan struct{} }

func (blockingTI) Name() string { return "slow" }
func (p blockingTI) Lookup(ctx context.Context, iocs []string) ([]ti.Result, error) {
	select {
	case p.started <- struct{}{}:
	default:
	}
	<-ctx.Done()
	return nil, ctx.Err()
}

// The TI step ends at its deadline with what it has, and an interrupted step
// (ctx ended) keeps and saves what it did.
func TestTIStepBounded(t *testing.T) {
	c := loadCase(t, "mixed")
	for _, interrupt := range []bool{false, true} {
		dir := t.TempDir()
		p := blockingTI{started: make(chan struct{}, 1)}
		mk := func() *NetworkFlowSummary {
			return New(WithFlows(flows.Slice(c.Flows)), WithASN(mapResolver(c.ASN)), WithTI(p, fakeTI{}),
				WithSink(nb.Discard), WithStateDir(dir), WithLookupDeadline(300*time.Millisecond))
		}
		ctx := context.Background()
		res, err := mk().Run(ctx, "msticalertswin1", nb.TimeSpan{})
		if err != nil {
			t.Fatal(err)
		}
		if err := mk().SetSelectedASNs(ctx, res.DefaultASNSelection.All()...); err != nil {
			t.Fatal(err)
		}
		stepCtx, cancel := context.WithCancel(ctx)
		if interrupt {
			go func() { <-p.started; cancel() }()
		}
		start := time.Now()
		tr, err := mk().LookupTIForASNIPs(stepCtx)
		cancel()
		if interrupt != errors.Is(err, context.Canceled) {
			t.Errorf("interrupt=%v: err %v", interrupt, err)
		}
		if tr == nil || len(tr.Failed) == 0 {
			t.Fatalf("interrupt=%v: no partial result: %+v", interrupt, tr)
		}
		if d := time.Since(start); d > 10*time.Second {
			t.Errorf("the step took %v", d)
		}
		saved, err := mk().Result(ctx)
		if err != nil || saved.TIResults == nil {
			t.Fatalf("interrupt=%v: the partial TI results were not saved: %v", interrupt, err)
		}
		if !interrupt && !strings.Contains(strings.Join(saved.TIResults.Failed, "\n"), "deadline") {
			t.Errorf("the deadline is not said: %q", saved.TIResults.Failed)
		}
		if interrupt && !slices.ContainsFunc(saved.Warnings, func(w string) bool { return strings.Contains(w, "interrupted") }) {
			t.Errorf("the interruption is not in the warnings: %q", saved.Warnings)
		}
	}
}

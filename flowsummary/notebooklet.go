package flowsummary

import (
	"errors"
	"io"
	"time"

	"github.com/gonotebooklets/notebooklets/nb"
	"github.com/gonotebooklets/notebooklets/providers/asn"
	"github.com/gonotebooklets/notebooklets/providers/flows"
	"github.com/gonotebooklets/notebooklets/providers/geoip"
	"github.com/gonotebooklets/notebooklets/providers/hosts"
	"github.com/gonotebooklets/notebooklets/providers/provenance"
	"github.com/gonotebooklets/notebooklets/providers/ti"
	"github.com/gonotebooklets/notebooklets/widgets"
)

// NetworkFlowSummary is the notebooklet: one handle per notebook. Declare it
// once in the setup cell, with its providers, and call one step per cell:
//
//	var nbk = flowsummary.New(flowsummary.FromConfigFile(""))
//	nbk.Run(ctx, "myhost", span, "+geo_map")
//	nbk.SelectASNs(ctx)
//	nbk.LookupTIForASNIPs(ctx)
//	nbk.ShowSelectedASNMap(ctx)
//	nbk.Show(ctx, flowsummary.SectionFlowIndex)
//
// GoNB runs each cell as a new program and evaluates the declaration again
// in each, so every step uses the same providers. Run saves its result in
// the state directory, keyed by the notebook; the later steps load it, act
// on that run only, and say so when their providers differ from the run's.
// Every step returns its error and also shows it in the cell.
//
// Options of Run: plot_flows, plot_flow_values, flow_summary, resolve_host
// (the defaults) and geo_map. Sections (Show): SectionRun,
// SectionFlowsByProtocol, SectionFlowsByDirection, SectionFlowValues,
// SectionFlowIndex, SectionFlowSummary, SectionGeoMapAll, SectionSelectASNs,
// SectionTILookup, SectionGeoMapSelected, and Run's closing
// SectionNextSteps. nb.Help("NetworkFlowSummary") shows all of it in a cell.
type NetworkFlowSummary struct {
	flows  flows.Source
	hosts  hosts.Resolver
	geo    geoip.Locator
	asn    asn.Resolver
	ti     []ti.Provider
	sample bool // nothing was configured: the embedded sample

	sink           nb.Sink
	assets         widgets.Assets
	store          *nb.StateStore // nil: memory only
	notebook       nb.Notebook
	silent         bool
	maxKept        int
	lookupDeadline time.Duration

	warnings []string
	err      error
	closers  []io.Closer

	// last is the result of the last step of this handle (the command line
	// chains steps in one program).
	last *Result
	now  func() time.Time
}

// sampleProviders gives the embedded sample's providers; tests replace it
// to prove that a configured notebooklet never reaches the sample.
var sampleProviders = func() (flows.Source, hosts.Resolver, geoip.Locator, asn.Resolver, []ti.Provider) {
	return flows.Sample(), hosts.Sample(), geoip.Sample(), asn.Sample(), []ti.Provider{ti.Sample()}
}

// New returns the notebooklet with the given settings. With no provider
// set (no WithFlows, WithGeo, WithASN, WithTI, WithHosts, and a
// configuration that names none), it reads the embedded sample (flows of
// the host msticalertswin1, host details, geo-IP, ASN and TI) and every
// section says "sample data". Otherwise the sample is never used: what is
// not configured stays unset, and the steps that need it say so.
//
// New does no I/O beyond what its settings do (FromConfigFile reads the
// configuration and opens the databases it names) and never fails: a
// configuration error is returned, and shown, by every step.
//
// Options of Run (the defaults are run when none is given; "+name" adds,
// "-name" removes, a plain list replaces):
//
//   - plot_flows (default): timelines of the flows by L7 protocol and by
//     direction;
//   - plot_flow_values (default): flow counts by L7 protocol over time;
//   - flow_summary (default): the flow index and the flow summary by ASN
//     with whois details;
//   - resolve_host (default): the host's details from the host provider;
//   - geo_map: a map of every address the host talked to.
//
// Display sections, each shown again with Show: SectionRun,
// SectionFlowsByProtocol, SectionFlowsByDirection, SectionFlowValues,
// SectionFlowIndex, SectionFlowSummary, SectionSelectASNs,
// SectionTILookup, SectionGeoMapAll, SectionGeoMapSelected; and
// SectionNextSteps, the hints Run ends with.
func New(options ...Setting) *NetworkFlowSummary {
	var s settings
	for _, set := range options {
		set(&s)
	}
	n := &NetworkFlowSummary{
		flows: s.flows, hosts: s.hosts, geo: s.geo, asn: s.asn, ti: s.ti,
		sink: s.sink, silent: s.silent, maxKept: s.maxKept, lookupDeadline: s.lookupDeadline,
		warnings: s.warnings, err: s.err, closers: s.closers,
		notebook: nb.CurrentNotebook(), now: time.Now,
	}
	if !s.providersSet() && s.err == nil {
		n.flows, n.hosts, n.geo, n.asn, n.ti = sampleProviders()
		n.sample = true
	}
	if n.sink == nil {
		n.sink = nb.DefaultSink()
	}
	n.assets = widgets.DefaultAssets()
	if s.assets != nil {
		n.assets = *s.assets
	}
	switch {
	case s.state == nil:
		n.store = &nb.StateStore{Dir: nb.StateDir()}
	case *s.state != "":
		n.store = &nb.StateStore{Dir: *s.state}
	}
	if n.maxKept <= 0 {
		n.maxKept = DefaultMaxFlowsKept
	}
	if n.lookupDeadline <= 0 {
		n.lookupDeadline = DefaultLookupDeadline
	}
	return n
}

// Metadata returns the notebooklet's metadata (options, sections, texts):
// nb.Help("NetworkFlowSummary") shows it.
func (n *NetworkFlowSummary) Metadata() *nb.Metadata { return metadata }

// Silent returns a copy of the handle that displays nothing (msticnb's
// silent=True) for the steps called on it: nbk.Silent().Run(...) computes
// and saves the result without showing it; nbk.Show can show it later.
func (n *NetworkFlowSummary) Silent() *NetworkFlowSummary {
	c := *n
	c.silent = true
	return &c
}

// Close closes the databases the settings opened (FromConfig). A GoNB
// cell's program may skip it: its end closes them.
func (n *NetworkFlowSummary) Close() error {
	var errs []error
	for _, c := range n.closers {
		errs = append(errs, c.Close())
	}
	n.closers = nil
	return errors.Join(errs...)
}

// display is where this handle shows things: nothing when silent.
func (n *NetworkFlowSummary) display() nb.Sink {
	if n.silent {
		return nb.Discard
	}
	return n.sink
}

// fail shows err in the cell (unless silent) and returns it, so a notebook
// cell needs no error check of its own.
func (n *NetworkFlowSummary) fail(err error) error {
	nb.ShowError(n.display(), err)
	return err
}

// provenance names this handle's providers.
func (n *NetworkFlowSummary) provenance() Provenance {
	p := Provenance{Flows: provenance.Of(n.flows)}
	if n.flows == nil {
		p.Flows = provenance.Info{Kind: "none"}
	}
	if n.hosts != nil {
		i := provenance.Of(n.hosts)
		p.Hosts = &i
	}
	if n.geo != nil {
		i := provenance.Of(n.geo)
		p.Geo = &i
	}
	if n.asn != nil {
		i := provenance.Of(n.asn)
		p.ASN = &i
	}
	for _, t := range n.ti {
		p.TI = append(p.TI, provenance.Of(t))
	}
	return p
}

// ErrNotReady is matched (errors.Is) by the errors of steps called before
// the steps they need (for example SelectASNs before Run); the message says
// what to call first.
var ErrNotReady = errors.New("call the earlier step first")

type notReadyError struct{ msg string }

func (e *notReadyError) Error() string        { return e.msg }
func (e *notReadyError) Is(target error) bool { return target == ErrNotReady }

// ErrNotConfigured is matched (errors.Is) when a step needs a provider that
// the handle does not have (no flow source, for example).
var ErrNotConfigured = errors.New("not configured")

// ErrOtherRun is matched (errors.Is) when the saved state was replaced by
// another run while a step worked on its own run: the step's result is not
// saved over the other run's.
var ErrOtherRun = errors.New("the saved result belongs to another run")

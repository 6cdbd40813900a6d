package flowsummary

import (
	"io"
	"time"

	"github.com/gonotebooklets/notebooklets/nb"
	"github.com/gonotebooklets/notebooklets/providers/asn"
	"github.com/gonotebooklets/notebooklets/providers/flows"
	"github.com/gonotebooklets/notebooklets/providers/geoip"
	"github.com/gonotebooklets/notebooklets/providers/hosts"
	"github.com/gonotebooklets/notebooklets/providers/ti"
	"github.com/gonotebooklets/notebooklets/widgets"
)

// Setting configures a NetworkFlowSummary; pass settings to New.
type Setting func(*settings)

// settings is what the Settings given to New set.
type settings struct {
	flows   flows.Source
	hosts   hosts.Resolver
	geo     geoip.Locator
	asn     asn.Resolver
	ti      []ti.Provider
	tiSet   bool
	sink    nb.Sink
	assets  *widgets.Assets
	state   *string // nil: nb.StateDir(); "": memory only
	silent  bool
	maxKept int
	// lookupDeadline bounds the threat-intel step (0: DefaultLookupDeadline).
	lookupDeadline time.Duration
	// warnings are about the configuration; err is a configuration error,
	// returned (and shown) by every step.
	warnings []string
	err      error
	closers  []io.Closer
}

// providersSet reports whether any data provider was set: when none was,
// New uses the embedded sample for all of them.
func (s *settings) providersSet() bool {
	return s.flows != nil || s.hosts != nil || s.geo != nil || s.asn != nil || s.tiSet
}

// WithFlows sets where the flows come from: flows.Files(paths...),
// flows.Sample(), a Log Analytics source, or any flows.Source.
func WithFlows(s flows.Source) Setting { return func(o *settings) { o.flows = s } }

// WithGeo sets the geo-IP locator (a GeoLite2-City database: geoip.Open).
// Without one, maps place no address and say so.
func WithGeo(l geoip.Locator) Setting { return func(o *settings) { o.geo = l } }

// WithASN sets the ASN resolver (asn.OpenDB, asn.Chain, ...). Without one,
// every public address is in the "unknown" ASN and a warning says so.
func WithASN(r asn.Resolver) Setting { return func(o *settings) { o.asn = r } }

// WithTI sets the threat-intel providers. Without them, LookupTIForASNIPs
// looks nothing up and says that no provider is configured.
func WithTI(p ...ti.Provider) Setting {
	return func(o *settings) { o.ti, o.tiSet = p, true }
}

// WithHosts sets where host details come from (option resolve_host):
// hosts.OpenFile(path), hosts.LogAnalytics(...), hosts.Sample(). Without
// one, the host is described from its flows.
func WithHosts(h hosts.Resolver) Setting { return func(o *settings) { o.hosts = h } }

// WithAssets sets where charts and maps load their JavaScript and map tiles
// from (default widgets.DefaultAssets()).
func WithAssets(a widgets.Assets) Setting { return func(o *settings) { o.assets = &a } }

// WithSink sets where sections are displayed (default nb.DefaultSink(): the
// GoNB cell, or the terminal).
func WithSink(s nb.Sink) Setting { return func(o *settings) { o.sink = s } }

// WithStateDir sets the directory results are saved in between cells
// (default nb.StateDir(): .notebooklets beside the notebook). "" keeps them
// in memory only: the steps then work on one handle in one program (the
// command line), and a later program finds nothing saved.
func WithStateDir(dir string) Setting { return func(o *settings) { o.state = &dir } }

// WithSilent hides every display (titles, texts, tables, plots, maps,
// progress) while the results are still computed and saved: msticnb's
// silent. Silent gives a silent copy of a handle for one step.
func WithSilent(silent bool) Setting { return func(o *settings) { o.silent = silent } }

// WithMaxFlowsKept sets how many raw flows the result keeps in
// NetworkFlows (default DefaultMaxFlowsKept); the rest are counted.
func WithMaxFlowsKept(n int) Setting { return func(o *settings) { o.maxKept = n } }

// WithLookupDeadline bounds the threat-intel lookup step (default
// DefaultLookupDeadline): when it passes, the step ends with what it has,
// and says which addresses were not looked up.
func WithLookupDeadline(d time.Duration) Setting {
	return func(o *settings) { o.lookupDeadline = d }
}

// DefaultLookupDeadline bounds the threat-intel lookup step.
const DefaultLookupDeadline = time.Minute

package flowsummary

import (
	"github.com/gonotebooklets/notebooklets/nb"
	"github.com/gonotebooklets/notebooklets/providers/asn"
	"github.com/gonotebooklets/notebooklets/providers/flows"
	"github.com/gonotebooklets/notebooklets/providers/geoip"
	"github.com/gonotebooklets/notebooklets/providers/hosts"
	"github.com/gonotebooklets/notebooklets/providers/ti"
	"github.com/gonotebooklets/notebooklets/widgets"
)

// Setting configures a NetworkFlowSummary; pass settings to New.
type Setting func(*NetworkFlowSummary)

// WithFlows sets where the flows come from (default: the embedded sample).
func WithFlows(s flows.Source) Setting { return func(n *NetworkFlowSummary) { n.flows = s } }

// WithGeo sets the geo-IP locator (default: the embedded sample database).
func WithGeo(l geoip.Locator) Setting { return func(n *NetworkFlowSummary) { n.geo = l } }

// WithASN sets the ASN resolver (default: the embedded sample database).
func WithASN(r asn.Resolver) Setting { return func(n *NetworkFlowSummary) { n.asn = r } }

// WithTI sets the threat-intel providers (default: the embedded sample
// indicator file).
func WithTI(p ...ti.Provider) Setting { return func(n *NetworkFlowSummary) { n.ti = p } }

// WithHosts sets where host details come from (resolve_host option):
// hosts.Sample(), hosts.OpenFile(path), hosts.LogAnalytics(...). Default: the
// sample's host table when the flows are the sample, else none (the host is
// described from its flows).
func WithHosts(h hosts.Resolver) Setting { return func(n *NetworkFlowSummary) { n.hosts = h } }

// WithAssets sets where charts and maps load their JavaScript and map tiles
// from (default widgets.DefaultAssets(): the CDN, or $NOTEBOOKLETS_ASSETS_URL
// and $NOTEBOOKLETS_TILE_URL).
func WithAssets(a widgets.Assets) Setting { return func(n *NetworkFlowSummary) { n.assets = a } }

// WithWarnings adds warnings (for example about the configuration) to the
// Run result's Warnings.
func WithWarnings(w ...string) Setting {
	return func(n *NetworkFlowSummary) { n.warnings = append(n.warnings, w...) }
}

// WithSink sets where sections are displayed (default nb.DefaultSink()).
func WithSink(s nb.Sink) Setting { return func(n *NetworkFlowSummary) { n.sink = s } }

// WithStateDir sets the directory the result is saved in between cells
// (default nb.StateDir()).
func WithStateDir(dir string) Setting { return func(n *NetworkFlowSummary) { n.stateDir = dir } }

// WithSilent hides the section titles and texts (msticnb's silent).
func WithSilent(silent bool) Setting { return func(n *NetworkFlowSummary) { n.silent = silent } }

// WithMaxFlowsKept sets how many raw flows the result keeps (default
// DefaultMaxFlowsKept); the rest are counted.
func WithMaxFlowsKept(max int) Setting { return func(n *NetworkFlowSummary) { n.maxKept = max } }

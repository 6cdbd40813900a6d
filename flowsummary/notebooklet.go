package flowsummary

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"net/netip"
	"strings"
	"time"

	"github.com/gonotebooklets/notebooklets/nb"
	"github.com/gonotebooklets/notebooklets/providers/asn"
	"github.com/gonotebooklets/notebooklets/providers/flows"
	"github.com/gonotebooklets/notebooklets/providers/geoip"
	"github.com/gonotebooklets/notebooklets/providers/hosts"
	"github.com/gonotebooklets/notebooklets/providers/ti"
	"github.com/gonotebooklets/notebooklets/widgets"
)

// NetworkFlowSummary is the notebooklet. Make one with New; it holds its
// providers and display, and reads the last result from the state
// directory, so each GoNB cell can make a new one.
type NetworkFlowSummary struct {
	flows    flows.Source
	geo      geoip.Locator
	asn      asn.Resolver
	ti       []ti.Provider
	hosts    hosts.Resolver
	sink     nb.Sink
	assets   widgets.Assets
	warnings []string
	// noSave: Run does not save its result (the command line without later
	// steps, whose state directory would be thrown away).
	noSave   bool
	stateDir string
	silent   bool
	maxKept  int

	now func() time.Time
}

// New returns the notebooklet with the given settings. With none, it reads
// the embedded sample (flows, host details, geo-IP, ASN and TI) and shows
// its sections on nb.DefaultSink(). Host details (resolve_host) default to
// the sample's host table only when the flows are the sample too; with
// other flows and no WithHosts the host is described from its flows.
func New(settings ...Setting) *NetworkFlowSummary {
	n := &NetworkFlowSummary{maxKept: DefaultMaxFlowsKept, now: time.Now, assets: widgets.DefaultAssets()}
	for _, s := range settings {
		s(n)
	}
	if n.flows == nil {
		n.flows = flows.Sample()
		if n.hosts == nil {
			n.hosts = hosts.Sample()
		}
	}
	if n.geo == nil {
		n.geo = geoip.Sample()
	}
	if n.asn == nil {
		n.asn = asn.Sample()
	}
	if n.ti == nil {
		n.ti = []ti.Provider{ti.Sample()}
	}
	if n.sink == nil {
		n.sink = nb.DefaultSink()
	}
	if n.stateDir == "" {
		n.stateDir = nb.StateDir()
	}
	return n
}

// Metadata implements nb.Notebooklet.
func (n *NetworkFlowSummary) Metadata() *nb.Metadata { return metadata }

// ErrNotReady is matched (errors.Is) by the errors of methods called before
// the methods they need (for example SelectASNs before Run); the message
// says what to call first.
var ErrNotReady = errors.New("call the earlier step first")

type notReadyError struct{ msg string }

func (e *notReadyError) Error() string        { return e.msg }
func (e *notReadyError) Is(target error) bool { return target == ErrNotReady }

func sprintf(format string, args ...any) string { return fmt.Sprintf(format, args...) }

// splitValue tells an IP address from a host name.
func splitValue(v string) (ip, host string) {
	v = strings.TrimSpace(v)
	if a, err := netip.ParseAddr(v); err == nil {
		return a.String(), ""
	}
	return "", v
}

// Run queries the flows of the host or address value in ts (a zero ts: all
// the data of local sources) and shows the sections of the chosen options
// (none: the defaults; "+name"/"-name" change the defaults). It saves the
// result in the state directory for SelectASNs, LookupTIForASNIPs,
// ShowSelectedASNMap, Show and Last in later cells, and returns it.
func (n *NetworkFlowSummary) Run(ctx context.Context, value string, ts nb.TimeSpan, options ...string) (*Result, error) {
	ip, host := splitValue(value)
	if ip == "" && host == "" {
		return nil, &nb.MissingParameterError{Name: "value"}
	}
	opts, optWarn, err := metadata.ResolveOptions(options...)
	if err != nil {
		return nil, err
	}
	res := &Result{
		Description: "Network flow summary for " + firstNonEmpty(host, ip),
		TimeSpan:    ts,
		Value:       strings.TrimSpace(value),
		HostEntity:  HostEntity{HostName: host, IPAddress: ip},
		Created:     n.now().UTC(),
		assets:      n.assets,
	}
	for name, on := range opts {
		if on {
			res.Options = append(res.Options, name)
		}
	}
	sortStrings(res.Options)
	res.Warnings = append(res.Warnings, n.warnings...)
	res.Warnings = append(res.Warnings, optWarn...)

	err = nb.ShowSection(ctx, n.sink, metadata, nb.Section{Key: "run", Render: func(ctx context.Context, s nb.Sink) error {
		return n.collect(ctx, res, opts, s)
	}}, n.silent)
	if err != nil {
		return nil, err
	}
	if opts.Has("resolve_host") {
		n.resolveHost(ctx, res)
	}
	if opts.Has("plot_flows") {
		n.show(ctx, "plot_flows_by_protocol", res)
		n.show(ctx, "plot_flows_by_direction", res)
	}
	if opts.Has("plot_flow_values") {
		n.show(ctx, "plot_flow_values", res)
	}
	if opts.Has("flow_summary") {
		n.show(ctx, "get_flow_index", res)
		if err := n.summarize(ctx, res); err != nil {
			return nil, err
		}
	}
	if opts.Has("geo_map") {
		res.GeoMapData = n.geoAll(res)
		n.show(ctx, "display_geo_map_all", res)
	}
	n.show(ctx, "next_steps", res)
	if len(res.Warnings) > 0 {
		n.showWarnings(res.Warnings)
	}
	if n.noSave {
		return res, nil
	}
	if err := n.save(res); err != nil {
		res.warn("the result could not be saved for the next cells: %v", err)
		n.showWarnings(res.Warnings[len(res.Warnings)-1:])
	}
	return res, nil
}

func firstNonEmpty(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

// collect streams the flows once into the index, the plot series and the
// kept rows.
func (n *NetworkFlowSummary) collect(ctx context.Context, res *Result, opts nb.OptionSet, s nb.Sink) error {
	s.Text("Getting data from AzureNetworkAnalytics...", false)
	ts := res.TimeSpan
	col := NewCollector(ts.Start, ts.End, n.maxKept)
	if !opts.Has("plot_flows") && !opts.Has("plot_flow_values") {
		col.ByProtocol, col.ByDirection = nil, nil
	} else if !opts.Has("plot_flows") {
		col.ByDirection = nil
	}
	q := flows.Query{Host: res.HostEntity.HostName, IP: res.HostEntity.IPAddress, Start: ts.Start, End: ts.End}
	stats, err := col.Collect(ctx, n.flows, q)
	if err != nil {
		return &nb.ProviderError{Provider: "flows", Err: err}
	}
	nWarn := len(res.Warnings)
	res.FlowsTotal = col.Seen
	res.RowsDropped = col.Dropped
	res.RowsSkipped = stats.RowsSkipped
	res.NetworkFlows = col.Kept
	if res.NetworkFlows == nil {
		res.NetworkFlows = []flows.Flow{}
	}
	if col.Truncated > 0 {
		res.warn("the result keeps the first %d of %d flows (NetworkFlows); the flow index, summary and plots use all of them", len(col.Kept), col.Seen)
	}
	if col.Dropped > 0 {
		res.warn("%d flows outside the time span were dropped", col.Dropped)
	}
	if stats.RowsSkipped > 0 {
		res.warn("%d unreadable rows were skipped (first: %s)", stats.RowsSkipped, strings.Join(stats.Skipped, "; "))
	}
	for _, w := range stats.Warnings {
		res.warn("flows: %s", w)
	}
	if res.TimeSpan.IsZero() && !col.First.IsZero() {
		res.TimeSpan = nb.TimeSpan{Start: col.First, End: col.Last}
	}
	res.HostEntity.HostName = cmp.Or(res.HostEntity.HostName, col.Host.Name)
	res.HostEntity.IPAddress = cmp.Or(res.HostEntity.IPAddress, col.Host.IP)
	res.HostEntity.Region = cmp.Or(res.HostEntity.Region, col.Host.Region)
	if col.ByProtocol != nil {
		res.ProtocolSeries = col.ByProtocol.Series()
	}
	if col.ByDirection != nil {
		res.DirectionSeries = col.ByDirection.Series()
	}
	res.FlowIndexData = col.Index.Rows()
	if res.FlowIndexData == nil {
		res.FlowIndexData = []FlowIndexRow{}
	}
	res.UniqueIPs = len(UniqueIPs(res.FlowIndexData))
	if col.Seen == 0 {
		s.Text("No network flow data available.", false)
	} else {
		s.Text(fmt.Sprintf("%d flow records, %d flow index rows.", col.Seen, len(res.FlowIndexData)), false)
	}
	for _, w := range res.Warnings[nWarn:] {
		s.Text("Warning: "+w, false)
	}
	return nil
}

// resolveHost asks the host resolver for details (resolve_host) and shows
// what it found; a failure is a warning, the flows still describe the host.
func (n *NetworkFlowSummary) resolveHost(ctx context.Context, res *Result) {
	if n.hosts == nil {
		return
	}
	value := firstNonEmpty(res.HostEntity.HostName, res.HostEntity.IPAddress)
	if res.Value != "" {
		value = res.Value
	}
	h, err := n.hosts.Resolve(ctx, value)
	if err != nil {
		if errors.Is(err, hosts.ErrNotFound) {
			res.warn("host details: %q was not found by the host resolver; the host is described from its flows only", value)
		} else {
			res.warn("host details could not be looked up: %v", err)
		}
		n.sink.Text("Warning: "+res.Warnings[len(res.Warnings)-1], false)
		return
	}
	mergeHost(&res.HostEntity, h)
	n.sink.Text(hostText(res.HostEntity), false)
}

// mergeHost adds what the resolver knows to the entity (what the value and
// the flows said is kept).
func mergeHost(e *HostEntity, h hosts.Host) {
	if e.HostName == "" {
		e.HostName = h.Name
	}
	if e.IPAddress == "" && len(h.PrivateIPs) > 0 {
		e.IPAddress = h.PrivateIPs[0]
	}
	if e.Region == "" {
		e.Region = h.Region
	}
	for _, p := range h.PublicIPs {
		if !contains(e.PublicIPs, p) && p != e.IPAddress {
			e.PublicIPs = append(e.PublicIPs, p)
		}
	}
	var others []string
	for _, p := range h.PrivateIPs {
		if p != e.IPAddress {
			others = append(others, p)
		}
	}
	details := map[string]string{
		"FQDN": h.FQDN, "OSType": h.OSType, "OSName": h.OSName, "OSVersion": h.OSVersion,
		"Environment": h.Environment, "ResourceId": h.ResourceID, "SubscriptionId": h.SubscriptionID,
		"ResourceGroup": h.ResourceGroup, "VMId": h.VMID, "VMSize": h.VMSize, "MACAddress": h.MACAddress,
		"OtherPrivateIPs": strings.Join(others, ", "), "Sources": strings.Join(h.Sources, ", "),
	}
	if !h.LastSeen.IsZero() {
		details["LastSeen"] = h.LastSeen.UTC().Format(time.RFC3339)
	}
	for k, v := range details {
		if v == "" {
			continue
		}
		if e.Details == nil {
			e.Details = map[string]string{}
		}
		e.Details[k] = v
	}
}

// hostText is one line about the host for the run section.
func hostText(e HostEntity) string {
	var b strings.Builder
	b.WriteString("Host: " + firstNonEmpty(e.HostName, "(unknown name)"))
	if e.IPAddress != "" {
		b.WriteString(", IP " + e.IPAddress)
	}
	if len(e.PublicIPs) > 0 {
		b.WriteString(", public IP " + strings.Join(e.PublicIPs, ", "))
	}
	for _, k := range []string{"OSName", "OSVersion"} {
		if v := e.Details[k]; v != "" {
			b.WriteString(", " + v)
		}
	}
	if e.Region != "" {
		b.WriteString(", region " + e.Region)
	}
	if v := e.Details["ResourceGroup"]; v != "" {
		b.WriteString(", resource group " + v)
	}
	return b.String() + "."
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

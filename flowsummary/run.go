package flowsummary

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/gonotebooklets/notebooklets/nb"
	"github.com/gonotebooklets/notebooklets/providers/flows"
	"github.com/gonotebooklets/notebooklets/providers/flowtables"
	"github.com/gonotebooklets/notebooklets/providers/hosts"
	"github.com/gonotebooklets/notebooklets/providers/ipaddr"
)

// splitValue tells an IP address from a host name; addresses are taken in
// their canonical form (::ffff:10.0.3.5 is 10.0.3.5).
func splitValue(v string) (ip, host string) {
	v = strings.TrimSpace(v)
	if c, ok := ipaddr.Canonical(v); ok {
		return c, ""
	}
	return "", v
}

// Run queries the flows of the host or address value in span (a zero span:
// all the data of local sources) and shows the sections of the chosen
// options (none: the defaults; "+name"/"-name" change the defaults, a plain
// list replaces them). It saves the result for the later steps (SelectASNs,
// LookupTIForASNIPs, ShowSelectedASNMap, Show) in later cells, and returns
// it. An error is also shown in the cell. When ctx ends during the run, Run
// returns what it has with the interruption in its warnings, and ctx's
// error.
func (n *NetworkFlowSummary) Run(ctx context.Context, value string, span nb.TimeSpan, options ...string) (*Result, error) {
	res, err := n.run(ctx, value, span, options)
	if err != nil {
		return res, n.fail(err)
	}
	return res, nil
}

func (n *NetworkFlowSummary) run(ctx context.Context, value string, span nb.TimeSpan, options []string) (*Result, error) {
	if n.err != nil {
		return nil, n.err
	}
	if n.flows == nil {
		return nil, fmt.Errorf("flowsummary: %w: no flow source: give flow files (WithFlows(flows.Files(...)), Notebooklets.flow_files) or a workspace (AzureSentinel in msticpyconfig.yaml), or use New() with no settings for the embedded sample", ErrNotConfigured)
	}
	ip, host := splitValue(value)
	if ip == "" && host == "" {
		return nil, &nb.MissingParameterError{Name: "value", Hint: "a host name or IP address"}
	}
	opts, optWarn, err := metadata.ResolveOptions(options...)
	if err != nil {
		return nil, err
	}
	res := &Result{
		RunID:       newRunID(),
		Notebook:    n.notebook.Path,
		Description: "Network flow summary for " + cmp.Or(host, ip),
		TimeSpan:    span,
		Options:     opts.Names(),
		Value:       strings.TrimSpace(value),
		HostEntity:  HostEntity{HostName: host, IPAddress: ip},
		Provenance:  n.provenance(),
		Created:     n.now().UTC(),
	}
	res.Warnings = append(res.Warnings, n.warnings...)
	res.Warnings = append(res.Warnings, optWarn...)
	s, v := n.display(), view{assets: n.assets}

	err = n.collect(ctx, s, res, opts)
	if err == nil && opts.Has("resolve_host") {
		err = n.resolveHost(ctx, s, res)
	}
	for _, step := range []struct {
		option string
		secs   []Section
	}{
		{"plot_flows", []Section{SectionFlowsByProtocol, SectionFlowsByDirection}},
		{"plot_flow_values", []Section{SectionFlowValues}},
	} {
		if err != nil || !opts.Has(step.option) {
			continue
		}
		for _, sec := range step.secs {
			n.show(ctx, s, sec, res, v)
		}
	}
	if err == nil && opts.Has("flow_summary") {
		n.show(ctx, s, SectionFlowIndex, res, v)
		err = n.summarize(ctx, s, res, v)
	}
	if err == nil && opts.Has("geo_map") {
		res.GeoMap = n.geoAll(res)
		n.show(ctx, s, SectionGeoMapAll, res, v)
	}
	if err != nil {
		if ctx.Err() == nil {
			return nil, err
		}
		res.warn("interrupted (%v): the result holds what was done before", ctx.Err())
	} else {
		n.show(ctx, s, SectionNextSteps, res, v)
	}
	if serr := n.saveRun(res); serr != nil {
		res.warn("the result could not be saved for the next cells: %v", serr)
		s.Text("Warning: "+res.Warnings[len(res.Warnings)-1], false)
	}
	if err != nil {
		return res, err
	}
	return res, nil
}

// show shows one section of res; a drawing failure becomes a warning.
func (n *NetworkFlowSummary) show(ctx context.Context, s nb.Sink, sec Section, res *Result, v view) {
	if err := showSection(ctx, s, sec, res, v, nil); err != nil {
		res.warn("section %s could not be shown: %v", sec, err)
	}
}

// collect shows the run section while it streams the flows once into the
// index, the plot series and the kept rows.
func (n *NetworkFlowSummary) collect(ctx context.Context, s nb.Sink, res *Result, opts nb.OptionSet) error {
	var err error
	serr := showSection(ctx, s, SectionRun, res, view{assets: n.assets}, func(s nb.Sink) error {
		if err := renderRun(s, res, view{}); err != nil {
			return err
		}
		s.Text("Getting data from "+res.Provenance.Flows.String()+"...", false)
		nWarn := len(res.Warnings)
		err = n.readFlows(ctx, res, opts)
		if err != nil && ctx.Err() == nil {
			return nil
		}
		if res.FlowTableReason != "" {
			s.Text(res.FlowTableReason, false)
		}
		if res.FlowsTotal == 0 {
			s.Text("No network flow data available.", false)
		} else {
			s.Text(fmt.Sprintf("%d flow records, %d flow index rows: %s.", res.FlowsTotal, len(res.FlowIndex), spanText(res)), false)
		}
		for _, w := range res.Warnings[nWarn:] {
			s.Text("Warning: "+w, false)
		}
		return nil
	})
	if serr != nil && err == nil {
		return serr
	}
	return err
}

// readFlows reads the flows into res.
func (n *NetworkFlowSummary) readFlows(ctx context.Context, res *Result, opts nb.OptionSet) error {
	span := res.TimeSpan
	col := NewCollector(span.Start, span.End, n.maxKept)
	if !opts.Has("plot_flows") && !opts.Has("plot_flow_values") {
		col.ByProtocol, col.ByDirection = nil, nil
	} else if !opts.Has("plot_flows") {
		col.ByDirection = nil
	}
	q := flows.Query{Host: res.HostEntity.HostName, IP: res.HostEntity.IPAddress, Start: span.Start, End: span.End}
	res.Query = q
	stats, err := col.Collect(ctx, n.flows, q)
	if err != nil && ctx.Err() == nil {
		if errors.Is(err, flows.ErrNeedTimeRange) {
			return fmt.Errorf("flowsummary: %s needs a time span: pass one to Run (nb.Last(\"1d\"), nb.ParseTimeSpan(start, end, \"\")): %w", res.Provenance.Flows, err)
		}
		return &nb.ProviderError{Provider: "flows", Err: err}
	}
	if sel, ok := flowtables.SelectionOf(n.flows); ok {
		res.FlowTable, res.FlowTableReason = string(sel.Table), sel.Reason
	}
	res.FlowsTotal = col.Seen
	res.RowsDropped = col.Dropped
	res.RowsSkipped = stats.RowsSkipped
	res.HasBytes = stats.HasBytes
	res.NetworkFlows = col.Kept
	if res.NetworkFlows == nil {
		res.NetworkFlows = []flows.Flow{}
	}
	_, grouped := n.flows.(flows.Aggregator)
	switch {
	case grouped && col.Seen > 0:
		res.warn("the %d flow records were grouped where they are (the flow index and the plots' time buckets came from the workspace): the result holds no raw flows; NetworkFlowSummary.Flows and Export read them", col.Seen)
	case col.Truncated > 0:
		res.warn("the result keeps the first %d of %d flows (NetworkFlows); the flow index, summary and plots use all of them, and NetworkFlowSummary.Flows and Export give every one", len(col.Kept), col.Seen)
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
	if err != nil {
		res.warn("the flows were read only in part: interrupted after %d flows", col.Seen)
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
	res.FlowIndex = col.Index.Rows()
	if res.FlowIndex == nil {
		res.FlowIndex = []FlowIndexRow{}
	}
	res.UniqueIPs = len(uniqueIPs(res.FlowIndex))
	return err
}

// resolveHost asks the host resolver for details (resolve_host) and shows
// what it found; a failure is a warning, the flows still describe the host.
func (n *NetworkFlowSummary) resolveHost(ctx context.Context, s nb.Sink, res *Result) error {
	if n.hosts == nil {
		return nil
	}
	h, err := n.hosts.Resolve(ctx, res.Value)
	if err != nil {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		if errors.Is(err, hosts.ErrNotFound) {
			res.warn("host details: %q was not found by %s; the host is described from its flows only", res.Value, res.Provenance.Hosts)
		} else {
			res.warn("host details could not be looked up: %v", err)
		}
		s.Text("Warning: "+res.Warnings[len(res.Warnings)-1], false)
		return nil
	}
	mergeHost(&res.HostEntity, h)
	s.Text(hostText(res.HostEntity), false)
	return nil
}

// mergeHost adds what the resolver knows to the entity (what the value and
// the flows said is kept).
func mergeHost(e *HostEntity, h hosts.Host) {
	e.HostName = cmp.Or(e.HostName, h.Name)
	if e.IPAddress == "" && len(h.PrivateIPs) > 0 {
		e.IPAddress = h.PrivateIPs[0]
	}
	e.Region = cmp.Or(e.Region, h.Region)
	for _, p := range h.PublicIPs {
		if !slices.Contains(e.PublicIPs, p) && p != e.IPAddress {
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
	b.WriteString("Host: " + cmp.Or(e.HostName, "(unknown name)"))
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

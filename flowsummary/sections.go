package flowsummary

import (
	"context"
	"fmt"
	"html/template"
	"sort"
	"strconv"
	"strings"

	"github.com/gonotebooklets/notebooklets/nb"
	"github.com/gonotebooklets/notebooklets/providers/asn"
	"github.com/gonotebooklets/notebooklets/providers/ti"
	"github.com/gonotebooklets/notebooklets/widgets"
)

// MaxTableRows is how many rows the flow index and ASN tables show; the full
// data stays in the result (FlowIndexData, FlowSummary) and the JSON output.
const MaxTableRows = 500

// sectionRenderers draw each display section from the data in a Result, so
// that Show can draw a section again in a later cell without re-querying.
// The keys are those of network_flow_summary.yaml's output mapping.
var sectionRenderers = map[string]func(ctx context.Context, s nb.Sink, r *Result) error{
	"plot_flows_by_protocol":  renderPlotByProtocol,
	"plot_flows_by_direction": renderPlotByDirection,
	"plot_flow_values":        renderPlotValues,
	"get_flow_index":          renderFlowIndex,
	"get_flow_summary":        renderFlowSummary,
	"display_geo_map_all":     renderGeoMapAll,
	"display_geo_map":         renderGeoMapSelected,
	"lookup_ip_ti":            renderTI,
	"select_asn_subset":       renderSelection,
	"next_steps":              func(context.Context, nb.Sink, *Result) error { return nil },
	"run":                     renderRunHeader,
}

// show shows one section of res (title and text from the YAML unless
// silent, then its content); a rendering failure becomes a warning.
func (n *NetworkFlowSummary) show(ctx context.Context, key string, res *Result) {
	n.showWith(ctx, key, res, nil)
}

func (n *NetworkFlowSummary) showWith(ctx context.Context, key string, res *Result, before func(context.Context, nb.Sink) error) {
	render := sectionRenderers[key]
	err := nb.ShowSection(ctx, n.sink, metadata, nb.Section{Key: key, Render: func(ctx context.Context, s nb.Sink) error {
		if before != nil {
			if err := before(ctx, s); err != nil {
				return err
			}
		}
		return render(ctx, s, res)
	}}, n.silent)
	if err != nil {
		res.warn("section %s could not be shown: %v", key, err)
	}
}

func (n *NetworkFlowSummary) showWarnings(ws []string) {
	for _, w := range ws {
		n.sink.Text("Warning: "+w, false)
	}
}

func renderRunHeader(_ context.Context, s nb.Sink, r *Result) error {
	s.Text(r.Description+" — "+spanText(r), false)
	return nil
}

func spanText(r *Result) string {
	if r.TimeSpan.IsZero() {
		return "no flows"
	}
	return r.TimeSpan.Start.UTC().Format("2006-01-02 15:04:05") + " to " + r.TimeSpan.End.UTC().Format("2006-01-02 15:04:05") + " UTC"
}

func toWidgetSeries(ss []TimeSeries, values bool) []widgets.Series {
	out := make([]widgets.Series, 0, len(ss))
	for _, s := range ss {
		ws := widgets.Series{Name: s.Name, Points: make([]widgets.Point, len(s.Buckets))}
		for i, b := range s.Buckets {
			v := float64(b.Records)
			if values {
				v = float64(b.Flows)
			}
			tip := [][2]string{
				{"group", s.Name},
				{"from", b.Start.Format("2006-01-02 15:04:05")},
				{"width", s.Width.String()},
				{"flow records", strconv.FormatInt(b.Records, 10)},
				{"TotalAllowedFlows", strconv.FormatInt(b.Flows, 10)},
			}
			if b.Example != "" {
				tip = append(tip, [2]string{"AllExtIPs (first)", b.Example})
			}
			ws.Points[i] = widgets.Point{Time: b.Start, Value: v, Tooltip: tip}
		}
		out = append(out, ws)
	}
	return out
}

func noData(s nb.Sink, what string) error {
	s.Text("No network flow data available for "+what+".", false)
	return nil
}

func renderPlotByProtocol(_ context.Context, s nb.Sink, r *Result) error {
	if len(r.ProtocolSeries) == 0 {
		return noData(s, "the protocol timeline")
	}
	if r.PlotFlowsByProtocol == "" {
		h, err := widgets.NewTimeline("Network Flows by Protocol").Series(toWidgetSeries(r.ProtocolSeries, false)...).Height(timelineHeight(len(r.ProtocolSeries))).Assets(r.assets).HTML()
		if err != nil {
			return err
		}
		r.PlotFlowsByProtocol = h
	}
	s.Show(r.PlotFlowsByProtocol, seriesText(r.ProtocolSeries, false))
	return nil
}

// timelineHeight gives each series of a timeline a readable row.
func timelineHeight(series int) int { return max(300, 120+24*series) }

func renderPlotByDirection(_ context.Context, s nb.Sink, r *Result) error {
	if len(r.DirectionSeries) == 0 {
		return noData(s, "the direction timeline")
	}
	if r.PlotFlowsByDirection == "" {
		h, err := widgets.NewTimeline("Network Flows by Direction").Series(toWidgetSeries(r.DirectionSeries, false)...).Height(300).Assets(r.assets).HTML()
		if err != nil {
			return err
		}
		r.PlotFlowsByDirection = h
	}
	s.Show(r.PlotFlowsByDirection, seriesText(r.DirectionSeries, false))
	return nil
}

func renderPlotValues(_ context.Context, s nb.Sink, r *Result) error {
	if len(r.ProtocolSeries) == 0 {
		return noData(s, "the flow values plot")
	}
	if r.PlotFlowValues == "" {
		h, err := widgets.NewValuesPlot("Network flows by Layer 7 Protocol").Series(toWidgetSeries(r.ProtocolSeries, true)...).Height(500).Assets(r.assets).HTML()
		if err != nil {
			return err
		}
		r.PlotFlowValues = h
	}
	s.Show(r.PlotFlowValues, seriesText(r.ProtocolSeries, true))
	return nil
}

// seriesText is the terminal form of a plot: per series, records and flows.
func seriesText(ss []TimeSeries, values bool) string {
	var b strings.Builder
	for _, s := range ss {
		var recs, fl int64
		for _, x := range s.Buckets {
			recs += x.Records
			fl += x.Flows
		}
		if values {
			fmt.Fprintf(&b, "%-12s %d TotalAllowedFlows in %d time slots\n", s.Name, fl, len(s.Buckets))
		} else {
			fmt.Fprintf(&b, "%-12s %d flow records in %d time slots\n", s.Name, recs, len(s.Buckets))
		}
	}
	return b.String()
}

func renderFlowIndex(_ context.Context, s nb.Sink, r *Result) error {
	if len(r.FlowIndexData) == 0 {
		return noData(s, "the flow index")
	}
	t := widgets.NewTable("flowsummary-flow-index",
		widgets.Column{Title: "source"},
		widgets.Column{Title: "dest"},
		widgets.Column{Title: "L7Protocol"},
		widgets.Column{Title: "FlowDirection"},
		widgets.Column{Title: "TotalAllowedFlows", Bar: true, Numeric: true},
	).MaxRows(MaxTableRows)
	for _, row := range r.FlowIndexData {
		t.Row(row.Source, row.Dest, row.L7Protocol, row.FlowDirection, row.TotalAllowedFlows)
	}
	if len(r.FlowIndexData) > MaxTableRows {
		t.Caption(fmt.Sprintf("%d rows; the first %d are shown (all are in Result.FlowIndexData and the JSON output).", len(r.FlowIndexData), MaxTableRows))
	}
	h, err := t.HTML()
	if err != nil {
		return err
	}
	r.FlowIndex = h
	s.Show(h, t.Text())
	return nil
}

func renderFlowSummary(_ context.Context, s nb.Sink, r *Result) error {
	sum := r.FlowSummary
	if sum == nil || len(sum.Rows) == 0 {
		s.Text("No public addresses: there is no ASN summary.", false)
		return nil
	}
	var cols []widgets.Column
	if sum.HasDest {
		cols = append(cols, widgets.Column{Title: "DestASN"})
	}
	if sum.HasSource {
		cols = append(cols, widgets.Column{Title: "SourceASN"})
	}
	cols = append(cols,
		widgets.Column{Title: "TotalAllowedFlows", Bar: true, Numeric: true},
		widgets.Column{Title: "L7Protocols"},
		widgets.Column{Title: "source_ips"},
		widgets.Column{Title: "dest_ips"},
		widgets.Column{Title: "ASN details"},
	)
	t := widgets.NewTable("flowsummary-flow-summary", cols...).MaxRows(MaxTableRows)
	for _, row := range sum.Rows {
		var vals []any
		if sum.HasDest {
			vals = append(vals, row.DestASN)
		}
		if sum.HasSource {
			vals = append(vals, row.SourceASN)
		}
		vals = append(vals, row.TotalAllowedFlows, row.L7Protocols, row.SourceIPs, row.DestIPs, asnDetails(row))
		t.Row(vals...)
	}
	if len(sum.Rows) > MaxTableRows {
		t.Caption(fmt.Sprintf("%d rows; the first %d are shown.", len(sum.Rows), MaxTableRows))
	}
	h, err := t.HTML()
	if err != nil {
		return err
	}
	s.Show(h, t.Text())
	return nil
}

// asnDetails lists the registration details of a summary row's ASNs.
func asnDetails(row ASNSummaryRow) []string {
	var out []string
	add := func(side string, inf *asn.Info) {
		if inf == nil || inf.Source == "private" {
			return
		}
		var parts []string
		for _, p := range []string{inf.Country, inf.CIDR, inf.Registry, inf.Handle, inf.Org, inf.Source} {
			if p != "" {
				parts = append(parts, p)
			}
		}
		if len(parts) > 0 {
			out = append(out, side+": "+strings.Join(parts, ", "))
		}
	}
	add("dest", row.DestASNDetails)
	add("source", row.SourceASNDetails)
	return out
}

func renderSelection(_ context.Context, s nb.Sink, r *Result) error {
	sel := r.DefaultASNSelection
	var b strings.Builder
	fmt.Fprintf(&b, "25th percentile of TotalAllowedFlows: %s\n", formatFloat(sel.Percentile25))
	chosen := map[string]bool{}
	for _, a := range r.SelectedASNs {
		chosen[a] = true
	}
	for _, c := range sel.Choices {
		mark := "[ ]"
		if chosen[c.ASN] {
			mark = "[x]"
		}
		fmt.Fprintf(&b, "%s %s (%d flows): %s\n", mark, c.ASN, c.TotalAllowedFlows, c.Reason)
	}
	if r.SelectionNote != "" {
		b.WriteString(r.SelectionNote + "\n")
	}
	items := checklistItems(r)
	for i := range items {
		items[i].Default = chosen[items[i].ID]
	}
	cl := widgets.NewChecklist("flowsummary-asn-select", items...).Columns("ASN", "flows", "why").Title("Select the ASNs to process").Preset(r.SelectedASNs)
	h, err := cl.HTML()
	if err != nil {
		return err
	}
	s.Show(h, b.String())
	return nil
}

func checklistItems(r *Result) []widgets.Item {
	items := make([]widgets.Item, 0, len(r.DefaultASNSelection.Choices))
	for _, c := range r.DefaultASNSelection.Choices {
		items = append(items, widgets.Item{
			ID: c.ASN, Label: c.ASN,
			// The reason is in its own column for every ASN (Item.Reason
			// would repeat it next to the label of the default ones).
			Details: []string{strconv.FormatInt(c.TotalAllowedFlows, 10), c.Reason},
			Default: c.Default,
		})
	}
	return items
}

func renderTI(_ context.Context, s nb.Sink, r *Result) error {
	t := r.TIResults
	if t == nil {
		s.Text("No threat-intel lookup yet: call LookupTIForASNIPs.", false)
		return nil
	}
	s.Text(fmt.Sprintf("%d unique IPs in selected ASNs", len(t.IPs)), false)
	s.Text(fmt.Sprintf("%d TI results received.", len(t.Results)), false)
	for _, f := range t.Failed {
		s.Text("Warning: TI lookup failed: "+f, false)
	}
	s.Text(fmt.Sprintf("%d positive results found.", len(t.Positives)), false)
	if len(t.Matches) == 0 {
		return nil
	}
	s.Text("Warning: Positive Threat Intel Results found for the following flows", false)
	tb := widgets.NewTable("flowsummary-ti-matches",
		widgets.Column{Title: "Ioc"},
		widgets.Column{Title: "matched on"},
		widgets.Column{Title: "source"},
		widgets.Column{Title: "dest"},
		widgets.Column{Title: "L7Protocol"},
		widgets.Column{Title: "FlowDirection"},
		widgets.Column{Title: "TotalAllowedFlows", Numeric: true},
		widgets.Column{Title: "Provider"},
		widgets.Column{Title: "Severity"},
		widgets.Column{Title: "Details"},
	).MaxRows(MaxTableRows)
	for _, m := range t.Matches {
		tb.Row(m.Ioc, m.On, m.Source, m.Dest, m.L7Protocol, m.FlowDirection, m.TotalAllowedFlows, m.Provider, severityName(m.Severity), m.Details)
	}
	h, err := tb.HTML()
	if err != nil {
		return err
	}
	s.Show(h, tb.Text())
	s.Text("**Please examine these IP flows using the IP Explorer notebook.**", true)
	return nil
}

func renderGeoMapAll(_ context.Context, s nb.Sink, r *Result) error {
	if r.GeoMapData == nil {
		s.Text("No network flow data available.", false)
		return nil
	}
	h, err := drawMap("flowsummary-geo-all", r.GeoMapData, r.assets)
	if err != nil {
		return err
	}
	r.GeoMap = h
	s.Show(h, mapText(r.GeoMapData))
	return nil
}

func renderGeoMapSelected(_ context.Context, s nb.Sink, r *Result) error {
	if r.GeoMapSelData == nil {
		s.Text("No map of the selected ASNs yet: call ShowSelectedASNMap.", false)
		return nil
	}
	h, err := drawMap("flowsummary-geo-selected", r.GeoMapSelData, r.assets)
	if err != nil {
		return err
	}
	r.GeoMapSelected = h
	s.Show(h, mapText(r.GeoMapSelData))
	return nil
}

var roleLayers = []struct{ role, name, color string }{
	{"host", "Host", "green"},
	{"outbound", "Outbound", "blue"},
	{"inbound", "Inbound", "purple"},
	{"threat", "Threats", "red"},
}

func drawMap(id string, d *GeoMapData, a widgets.Assets) (template.HTML, error) {
	m := widgets.NewMap(id).Assets(a)
	for _, l := range roleLayers {
		m.Layer(widgets.Layer{Name: l.name, Color: l.color})
	}
	layerOf := map[string]string{}
	for _, l := range roleLayers {
		layerOf[l.role] = l.name
	}
	for _, p := range d.Points {
		if !p.Known {
			continue
		}
		popup := [][2]string{{"IP", p.IP}, {"role", p.Role}}
		for _, kv := range [][2]string{{"country", p.Country}, {"city", p.City}, {"ASN", p.ASN}, {"protocols", p.Protocols}, {"threat", p.Threat}} {
			if kv[1] != "" {
				popup = append(popup, kv)
			}
		}
		if p.Flows > 0 {
			popup = append(popup, [2]string{"TotalAllowedFlows", strconv.FormatInt(p.Flows, 10)})
		}
		m.Marker(widgets.Marker{Lat: p.Latitude, Lon: p.Longitude, Layer: layerOf[p.Role], Tooltip: p.IP + " " + p.Country, Popup: popup})
	}
	if note := mapNote(d); note != "" {
		m.Note(note)
	}
	return m.HTML()
}

func mapNote(d *GeoMapData) string {
	var parts []string
	if d.Private > 0 {
		parts = append(parts, fmt.Sprintf("%d private addresses are not placed on the map", d.Private))
	}
	if d.Unknown > 0 {
		parts = append(parts, fmt.Sprintf("%d public addresses have no known location", d.Unknown))
	}
	if d.Omitted > 0 {
		parts = append(parts, fmt.Sprintf("%d addresses over the marker limit are left out", d.Omitted))
	}
	if len(d.Failed) > 0 {
		parts = append(parts, "lookups failed: "+strings.Join(d.Failed, "; "))
	}
	return strings.Join(parts, "; ")
}

func mapText(d *GeoMapData) string {
	counts := map[string]int{}
	for _, p := range d.Points {
		if p.Known {
			counts[p.Role]++
		}
	}
	var roles []string
	for r := range counts {
		roles = append(roles, r)
	}
	sort.Strings(roles)
	var b strings.Builder
	b.WriteString("Map:")
	for _, r := range roles {
		fmt.Fprintf(&b, " %d %s", counts[r], r)
	}
	if n := mapNote(d); n != "" {
		b.WriteString("; " + n)
	}
	return b.String()
}

func severityName(s ti.Severity) string {
	switch s {
	case ti.Information:
		return "information"
	case ti.Low:
		return "low"
	case ti.Medium:
		return "medium"
	case ti.High:
		return "high"
	}
	return strconv.Itoa(int(s))
}

func sortStrings(s []string) { sort.Strings(s) }

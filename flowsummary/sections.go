package flowsummary

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/gonotebooklets/notebooklets/nb"
	"github.com/gonotebooklets/notebooklets/providers/asn"
	"github.com/gonotebooklets/notebooklets/widgets"
)

// Section names a display section of the notebooklet: a key of the YAML
// file's output mapping, whose title and text it shows.
type Section string

// The display sections, in the order Run and the later steps show them.
const (
	SectionRun              Section = "run"
	SectionFlowsByProtocol  Section = "plot_flows_by_protocol"
	SectionFlowsByDirection Section = "plot_flows_by_direction"
	SectionFlowValues       Section = "plot_flow_values"
	SectionFlowIndex        Section = "get_flow_index"
	SectionFlowSummary      Section = "get_flow_summary"
	SectionGeoMapAll        Section = "display_geo_map_all"
	SectionSelectASNs       Section = "select_asn_subset"
	SectionTILookup         Section = "lookup_ip_ti"
	SectionGeoMapSelected   Section = "display_geo_map"
	SectionNextSteps        Section = "next_steps"
)

// Sections lists the sections Show can show again, in display order.
func Sections() []Section {
	return []Section{SectionRun, SectionFlowsByProtocol, SectionFlowsByDirection, SectionFlowValues,
		SectionFlowIndex, SectionFlowSummary, SectionGeoMapAll, SectionSelectASNs, SectionTILookup, SectionGeoMapSelected}
}

// MaxTableRows is how many rows a section's interactive table holds at most
// (widgets.DefaultMaxRows: sorted, filtered and paged in the browser); the
// full data stays in the result (FlowIndex, FlowSummary, TIResults), the
// JSON output and the exported tables.
const MaxTableRows = widgets.DefaultMaxRows

// view is what a section is drawn with besides the result: where charts and
// maps load their assets from.
type view struct {
	assets widgets.Assets
}

// render draws one section's content from the result. It is a pure
// function of its arguments: it shows things and never changes r.
type render func(s nb.Sink, r *Result, v view) error

// renders maps each section to its drawing function.
var renders = map[Section]render{
	SectionRun:              renderRun,
	SectionFlowsByProtocol:  renderFlowsByProtocol,
	SectionFlowsByDirection: renderFlowsByDirection,
	SectionFlowValues:       renderFlowValues,
	SectionFlowIndex:        renderFlowIndex,
	SectionFlowSummary:      renderFlowSummary,
	SectionGeoMapAll:        renderGeoMapAll,
	SectionSelectASNs:       renderSelection,
	SectionTILookup:         renderTI,
	SectionGeoMapSelected:   renderGeoMapSelected,
	SectionNextSteps:        func(nb.Sink, *Result, view) error { return nil },
}

// hasData says whether r holds what section sec draws, and if not what to
// call first.
func hasData(r *Result, sec Section) (bool, string) {
	switch sec {
	case SectionFlowsByProtocol, SectionFlowsByDirection:
		return r.hasOption("plot_flows"), "run 'Run()' with the 'plot_flows' option first"
	case SectionFlowValues:
		return r.hasOption("plot_flow_values"), "run 'Run()' with the 'plot_flow_values' option first"
	case SectionFlowIndex, SectionFlowSummary, SectionSelectASNs:
		return r.FlowSummary != nil, "run 'Run()' with the 'flow_summary' option first"
	case SectionGeoMapAll:
		return r.GeoMap != nil, "run 'Run()' with the 'geo_map' option first"
	case SectionTILookup:
		return r.TIResults != nil, "call 'SelectASNs()' and then 'LookupTIForASNIPs()' first"
	case SectionGeoMapSelected:
		return r.GeoMapSelected != nil, "call 'SelectASNs()' and then 'ShowSelectedASNMap()' first"
	}
	return true, ""
}

// showSection shows section sec of r on s: its title and text from the
// YAML, a note when the result is made of sample data, then its content
// (content, else the section's own drawing).
func showSection(ctx context.Context, s nb.Sink, sec Section, r *Result, v view, content func(s nb.Sink) error) error {
	return nb.ShowSection(ctx, s, metadata, nb.Section{Key: string(sec), Render: func(ctx context.Context, s nb.Sink) error {
		if parts := r.Provenance.SampleParts(); len(parts) > 0 && sec != SectionNextSteps {
			s.Text("Sample data: "+strings.Join(parts, ", ")+" from the embedded synthetic sample, not from your environment.", false)
		}
		if content != nil {
			return content(s)
		}
		return renders[sec](s, r, v)
	}}, false)
}

func renderRun(s nb.Sink, r *Result, _ view) error {
	s.Text(r.Description+" — "+spanText(r), false)
	s.Text("Providers: "+providersText(r.Provenance), false)
	return nil
}

func spanText(r *Result) string {
	if r.TimeSpan.IsZero() {
		return "the whole time range of the data"
	}
	return r.TimeSpan.Start.UTC().Format("2006-01-02 15:04:05") + " to " + r.TimeSpan.End.UTC().Format("2006-01-02 15:04:05") + " UTC"
}

func providersText(p Provenance) string {
	parts := []string{"flows " + p.Flows.String()}
	if p.Hosts != nil {
		parts = append(parts, "host details "+p.Hosts.String())
	}
	parts = append(parts, "geo-IP "+infoString(p.Geo), "ASN "+infoString(p.ASN), "threat intel "+infosString(p.TI))
	return strings.Join(parts, "; ") + "."
}

// timelineHeight gives each series of a timeline a readable row.
func timelineHeight(series int) int { return max(300, 120+24*series) }

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

func renderFlowsByProtocol(s nb.Sink, r *Result, v view) error {
	if len(r.ProtocolSeries) == 0 {
		return noData(s, "the protocol timeline")
	}
	return widgets.NewTimeline("Network Flows by Protocol").Series(toWidgetSeries(r.ProtocolSeries, false)...).
		Height(timelineHeight(len(r.ProtocolSeries))).Assets(v.assets).On(s).Done()
}

func renderFlowsByDirection(s nb.Sink, r *Result, v view) error {
	if len(r.DirectionSeries) == 0 {
		return noData(s, "the direction timeline")
	}
	return widgets.NewTimeline("Network Flows by Direction").Series(toWidgetSeries(r.DirectionSeries, false)...).
		Height(300).Assets(v.assets).On(s).Done()
}

func renderFlowValues(s nb.Sink, r *Result, v view) error {
	if len(r.ProtocolSeries) == 0 {
		return noData(s, "the flow values plot")
	}
	return widgets.NewValuesPlot("Network flows by Layer 7 Protocol").Series(toWidgetSeries(r.ProtocolSeries, true)...).
		Height(500).Assets(v.assets).On(s).Done()
}

func renderFlowIndex(s nb.Sink, r *Result, _ view) error {
	if len(r.FlowIndex) == 0 {
		return noData(s, "the flow index")
	}
	cols := []widgets.Column{
		{Title: "source"}, {Title: "dest"}, {Title: "L7Protocol"}, {Title: "FlowDirection"},
		{Title: "TotalAllowedFlows", Bar: true, Numeric: true},
	}
	if r.HasBytes {
		cols = append(cols, widgets.Column{Title: "TotalBytes", Bar: true, Numeric: true})
	}
	t := widgets.NewTable("flowsummary-flow-index", cols...).MaxRows(MaxTableRows)
	for _, row := range r.FlowIndex {
		vals := []any{row.Source, row.Dest, row.L7Protocol, string(row.FlowDirection), row.TotalAllowedFlows}
		if r.HasBytes {
			vals = append(vals, row.TotalBytes)
		}
		t.Row(vals...)
	}
	if len(r.FlowIndex) > MaxTableRows {
		t.Caption(fmt.Sprintf("%d rows; the first %d are shown (all are in Result.FlowIndex and the JSON output).", len(r.FlowIndex), MaxTableRows))
	}
	return t.On(s).Done()
}

func renderFlowSummary(s nb.Sink, r *Result, _ view) error {
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
	cols = append(cols, widgets.Column{Title: "TotalAllowedFlows", Bar: true, Numeric: true})
	if r.HasBytes {
		cols = append(cols, widgets.Column{Title: "TotalBytes", Bar: true, Numeric: true})
	}
	cols = append(cols, widgets.Column{Title: "L7Protocols"}, widgets.Column{Title: "source_ips"},
		widgets.Column{Title: "dest_ips"}, widgets.Column{Title: "ASN details"})
	t := widgets.NewTable("flowsummary-flow-summary", cols...).MaxRows(MaxTableRows)
	for _, row := range sum.Rows {
		var vals []any
		if sum.HasDest {
			vals = append(vals, row.DestASN)
		}
		if sum.HasSource {
			vals = append(vals, row.SourceASN)
		}
		vals = append(vals, row.TotalAllowedFlows)
		if r.HasBytes {
			vals = append(vals, row.TotalBytes)
		}
		vals = append(vals, row.L7Protocols, row.SourceIPs, row.DestIPs, asnDetails(row))
		t.Row(vals...)
	}
	if len(sum.Rows) > MaxTableRows {
		t.Caption(fmt.Sprintf("%d rows; the first %d are shown.", len(sum.Rows), MaxTableRows))
	}
	return t.On(s).Done()
}

// asnDetails lists the registration details of a summary row's ASNs.
func asnDetails(row ASNSummaryRow) []string {
	var out []string
	for _, side := range []struct {
		name string
		inf  *asn.Info
	}{{"dest", row.DestASNDetails}, {"source", row.SourceASNDetails}} {
		if r := asnRegistration(side.inf); r != "" {
			out = append(out, side.name+": "+r)
		}
	}
	return out
}

// asnRegistration is what is known of an ASN's registration, with the source
// that answered: "US, 13.107.0.0/16, arin, NET-13-64-0-0-1, Microsoft
// Corporation, abuse abuse@…, from cymru+rdap" ("" for private addresses and
// when nothing is known).
func asnRegistration(inf *asn.Info) string {
	if inf == nil || inf.Number() == asn.Private {
		return ""
	}
	var parts []string
	for _, p := range []string{inf.Country, inf.CIDR, inf.Registry, inf.Handle, inf.Org} {
		if p != "" {
			parts = append(parts, p)
		}
	}
	if inf.Abuse != "" {
		parts = append(parts, "abuse "+inf.Abuse)
	}
	if len(parts) == 0 {
		return ""
	}
	if inf.Source != "" {
		src := inf.Source
		if inf.Cached {
			src += ", cached"
		}
		parts = append(parts, "from "+src)
	}
	return strings.Join(parts, ", ")
}

// checklistItems are the ASN selector's rows: every selectable ASN, the
// selected ones (or the defaults) checked.
func checklistItems(r *Result, checked []asn.Number) []widgets.Item {
	items := make([]widgets.Item, 0, len(r.DefaultASNSelection.Choices))
	for _, c := range r.DefaultASNSelection.Choices {
		items = append(items, widgets.Item{
			ID: c.ASN.String(), Label: c.Label,
			// The reason is in its own column for every ASN (Item.Reason
			// would repeat it next to the label of the default ones).
			Details: []string{strconv.FormatInt(c.TotalAllowedFlows, 10), c.Reason, asnRegistration(c.Details)},
			Default: slices.Contains(checked, c.ASN),
		})
	}
	return items
}

func newASNChecklist(r *Result, checked []asn.Number) *widgets.ChecklistBuilder {
	return widgets.NewChecklist("flowsummary-asn-select", checklistItems(r, checked)...).
		Columns("ASN", "flows", "why", "registration").Title("Select the ASNs to process")
}

// renderSelection shows the selection as it stands: the checklist with the
// chosen ASNs (or the defaults) checked, not waiting for Apply.
func renderSelection(s nb.Sink, r *Result, _ view) error {
	sel := r.DefaultASNSelection
	chosen := sel.Default()
	if r.Selected {
		chosen = r.SelectedASNs
	}
	var b strings.Builder
	fmt.Fprintf(&b, "25th percentile of TotalAllowedFlows: %s\n", strconv.FormatFloat(sel.Percentile25, 'f', -1, 64))
	for _, c := range sel.Choices {
		mark := "[ ]"
		if slices.Contains(chosen, c.ASN) {
			mark = "[x]"
		}
		fmt.Fprintf(&b, "%s %s (%d flows): %s\n", mark, c.Label, c.TotalAllowedFlows, c.Reason)
	}
	if r.SelectionNote != "" {
		b.WriteString(r.SelectionNote + "\n")
	}
	ids := make([]string, len(chosen))
	for i, a := range chosen {
		ids[i] = a.String()
	}
	cl := newASNChecklist(r, chosen).Preset(ids)
	h, err := cl.HTML()
	if err != nil {
		return err
	}
	// The text form lists the reasons and the note too.
	s.Show(h, b.String())
	return nil
}

func renderTI(s nb.Sink, r *Result, _ view) error {
	t := r.TIResults
	if t == nil {
		s.Text("No threat-intel lookup yet: call LookupTIForASNIPs.", false)
		return nil
	}
	s.Text(fmt.Sprintf("%d unique IPs in selected ASNs", len(t.IPs)), false)
	if len(t.Providers) > 0 {
		s.Text("Threat-intel providers asked: "+strings.Join(t.Providers, ", ")+".", false)
	}
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
		widgets.Column{Title: "Ioc"}, widgets.Column{Title: "matched on"}, widgets.Column{Title: "source"},
		widgets.Column{Title: "dest"}, widgets.Column{Title: "L7Protocol"}, widgets.Column{Title: "FlowDirection"},
		widgets.Column{Title: "TotalAllowedFlows", Numeric: true}, widgets.Column{Title: "Provider"},
		widgets.Column{Title: "Severity"}, widgets.Column{Title: "Details"},
	).MaxRows(MaxTableRows)
	for _, m := range t.Matches {
		tb.Row(m.Ioc, m.On, m.Source, m.Dest, m.L7Protocol, string(m.FlowDirection), m.TotalAllowedFlows, m.Provider, m.Severity.String(), m.Details)
	}
	if err := tb.On(s).Done(); err != nil {
		return err
	}
	s.Text("**Please examine these IP flows using the IP Explorer notebook.**", true)
	return nil
}

func renderGeoMapAll(s nb.Sink, r *Result, v view) error {
	if r.GeoMap == nil {
		s.Text("No network flow data available.", false)
		return nil
	}
	return showMap(s, "flowsummary-geo-all", r.GeoMap, v.assets)
}

func renderGeoMapSelected(s nb.Sink, r *Result, v view) error {
	if r.GeoMapSelected == nil {
		s.Text("No map of the selected ASNs yet: call ShowSelectedASNMap.", false)
		return nil
	}
	return showMap(s, "flowsummary-geo-selected", r.GeoMapSelected, v.assets)
}

// mapLayers are the map's layers, one per role, in legend order.
var mapLayers = []struct {
	role PeerRole
	name string
}{
	{RoleHost, "Host"},
	{RoleOutbound, "Outbound"},
	{RoleInbound, "Inbound"},
	{RoleThreat, "Threats"},
}

func showMap(s nb.Sink, id string, d *GeoMapData, a widgets.Assets) error {
	m := widgets.NewMap(id).Assets(a)
	layerOf := map[PeerRole]string{}
	for _, l := range mapLayers {
		m.Layer(widgets.Layer{Name: l.name, Color: l.role.Color()})
		layerOf[l.role] = l.name
	}
	for _, p := range d.Points {
		popup := [][2]string{{"IP", p.IP}, {"role", string(p.Role)}}
		for _, kv := range [][2]string{{"country", p.Country}, {"city", p.City}, {"ASN", p.ASNLabel}, {"ASN details", p.ASNDetails},
			{"protocols", strings.Join(p.Protocols, ", ")}, {"threat", strings.Join(p.Threats, "; ")}} {
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
	return m.On(s).Done()
}

func mapNote(d *GeoMapData) string {
	var parts []string
	if d.Locator == "" {
		parts = append(parts, "no geo-IP database is configured, so no address could be placed (give a GeoLite2-City database)")
	} else {
		parts = append(parts, "located with "+d.Locator)
	}
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

// waitChecklist shows the checklist in the cell and waits for Apply (or the
// fallback to its defaults).
func waitChecklist(ctx context.Context, s nb.Sink, cl *widgets.ChecklistBuilder) (widgets.Selection, error) {
	if err := cl.On(s).Done(); err != nil {
		return widgets.Selection{}, err
	}
	return cl.Wait(ctx)
}

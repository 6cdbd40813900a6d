//go:build msticnb

package msticnbparity

import (
	"fmt"
	"math"
	"regexp"
	"slices"
	"sort"
	"strings"

	"github.com/google/go-cmp/cmp"

	"github.com/gonotebooklets/notebooklets/flowsummary"
	"github.com/gonotebooklets/notebooklets/providers/ipaddr"
)

// outcome is one side's answer for a case, in one shape for both.
type outcome struct {
	Ran          bool
	Options      []string
	FlowsTotal   int
	FlowIndex    []indexRow
	FlowPairs    []indexRow // msticnb: the source/dest of every flow record
	UniqueIPs    *int
	HostIP       string
	ASNColumns   []string
	Summary      []summaryRow
	Selected     bool
	AllASNs      []string
	DefaultASNs  []string
	HostASNs     []string
	SelectedASNs []string
	TILookedUp   bool
	SelectedIPs  int
	TI           []tiRow
	MapAll       []mapPoint // placed markers, in order
	MapSelected  []mapPoint
}

type indexRow struct {
	Source, Dest, L7Protocol, FlowDirection string
	TotalAllowedFlows                       int64
}

type summaryRow struct {
	DestASN, SourceASN string
	TotalAllowedFlows  int64
	L7Protocols        []string
	SourceIPs, DestIPs []string
}

type tiRow struct {
	indexRow
	Ioc, Severity string
}

type mapPoint struct {
	IP, Color string
	Lat, Lon  float64
}

// difference is one field where the two differ; ID names its row in the
// difference table ("" = unexplained).
type difference struct{ ID, Field, Detail string }

var asPrefix = regexp.MustCompile(`^AS\d+ `)

// asnName is the name part of our ASN label ("AS8075 MICROSOFT" →
// "MICROSOFT"), what msticnb shows (Cymru's AS Name).
func asnName(label string) string { return asPrefix.ReplaceAllString(label, "") }

func asnNames(labels []string) []string {
	out := []string{}
	for _, l := range labels {
		out = append(out, asnName(l))
	}
	return out
}

// canonicalize rewrites every address of o in ipaddr.Canonical's form and
// returns the addresses that changed.
func canonicalize(o *outcome) []string {
	var changed []string
	c := func(s string) string {
		x, ok := ipaddr.Canonical(s)
		if ok && x != s && !slices.Contains(changed, s) {
			changed = append(changed, s)
		}
		if ok {
			return x
		}
		return s
	}
	list := func(ss []string) {
		for i := range ss {
			ss[i] = c(ss[i])
		}
	}
	rows := func(rs []indexRow) {
		for i := range rs {
			rs[i].Source, rs[i].Dest = c(rs[i].Source), c(rs[i].Dest)
		}
	}
	rows(o.FlowIndex)
	rows(o.FlowPairs)
	o.HostIP = c(o.HostIP)
	for i := range o.Summary {
		list(o.Summary[i].SourceIPs)
		list(o.Summary[i].DestIPs)
	}
	for i := range o.TI {
		o.TI[i].Source, o.TI[i].Dest, o.TI[i].Ioc = c(o.TI[i].Source), c(o.TI[i].Dest), c(o.TI[i].Ioc)
	}
	for _, pts := range [][]mapPoint{o.MapAll, o.MapSelected} {
		for i := range pts {
			pts[i].IP = c(pts[i].IP)
		}
	}
	return changed
}

// crashRules name msticnb's crashes by the function and code line they
// happen on.
var crashRules = []struct{ id, function, code, message string }{
	{"empty-flow-index-crash", "_get_flow_summary", `.unique() != ["Private"]`, "empty array"},
	{"mixed-ip-types-crash", "_get_flow_summary", `.unique() != ["Private"]`, "more than one element"},
	{"host-ip-unknown-crash", "_get_source_host_asns", "ip_entity.Address", ""},
	{"ti-empty-selection-crash", "_lookup_ip_ti", "ti_lookup.lookup_iocs(data=selected_ip_dict)", "No objects to concatenate"},
	{"selected-map-without-ti-crash", "_display_geo_map", `isin(ti_results["Ioc"])`, "not subscriptable"},
}

func compareCase(c parityCase, ours outcome, h harnessCase) []difference {
	var diffs []difference
	add := func(id, field, format string, args ...any) {
		diffs = append(diffs, difference{id, field, fmt.Sprintf(format, args...)})
	}
	theirs := h.outcome()

	steps := h.crashes()
	names := make([]string, 0, len(steps))
	for n := range steps {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, step := range names {
		cr := steps[step]
		id := ""
		for _, r := range crashRules {
			if id == "" && cr.Function == r.function && strings.Contains(cr.Code, r.code) && strings.Contains(cr.Message, r.message) {
				id = r.id
			}
		}
		add(id, "crash: "+step, "msticnb raised %s %q at %s:%d (%s: `%s`); ours: %s",
			cr.Type, cr.Message, cr.File, cr.Line, cr.Function, cr.Code, ourAnswer(ours))
	}
	if !theirs.Ran {
		return diffs
	}

	// Addresses: ours are read in one canonical form (::ffff:13.107.4.50 is
	// 13.107.4.50); msticnb keeps what the file has. Compare msticnb's in
	// ours' form, and name the difference once.
	if changed := canonicalize(&theirs); len(changed) > 0 {
		add("ipv4-mapped-unmapped", "flow_index", "msticnb keeps %s as written, ours reads them as IPv4", strings.Join(changed, ", "))
	}

	// Options.
	if o, t := sorted(ours.Options), sorted(theirs.Options); !slices.Equal(o, t) {
		id := ""
		if hasPrefixed(c.Options, "+") && hasPrefixed(c.Options, "-") {
			id = "lost-minus-option"
		}
		add(id, "options", "%q: msticnb runs %v, ours %v", c.Options, t, o)
	}

	// Flow count and flow index.
	if ours.FlowsTotal != theirs.FlowsTotal {
		add("", "flows_total", "msticnb %d, ours %d", theirs.FlowsTotal, ours.FlowsTotal)
	}
	indexDiffers := !cmp.Equal(ours.FlowIndex, theirs.FlowIndex)
	if indexDiffers {
		id := "empty-column-nan"
		var missing []string
		for _, r := range ours.FlowIndex {
			if !slices.Contains(theirs.FlowIndex, r) {
				missing = append(missing, fmt.Sprint(r))
			}
		}
		for _, r := range theirs.FlowIndex {
			if !slices.Contains(ours.FlowIndex, r) {
				id = "" // msticnb has a row ours has not
			}
		}
		// The rows msticnb lost must each have an empty cell in the file
		// behind them (checked by the flows' sums: the lost rows' flows are
		// exactly what pandas' groupby dropped with the NaN keys).
		add(id, "flow_index", "msticnb has %d rows, ours %d; rows only ours has: %s", len(theirs.FlowIndex), len(ours.FlowIndex), strings.Join(missing, "; "))
	}

	// Unique IP count.
	switch {
	case ours.UniqueIPs == nil:
		add("", "unique_ips", "ours has no unique_ips")
	case theirs.UniqueIPs != nil && *ours.UniqueIPs != *theirs.UniqueIPs:
		union := distinctUnion(theirs.FlowIndex)
		double := distinctCount(theirs.FlowIndex, true) + distinctCount(theirs.FlowIndex, false)
		id := ""
		switch {
		case *theirs.UniqueIPs == double && double != union:
			id = "unique-ip-double-count"
		case *theirs.UniqueIPs == union && indexDiffers:
			id = "downstream-of-flow-index"
		}
		add(id, "unique_ips", "msticnb %d, ours %d (ours: distinct addresses of the flow index; msticnb's own index has %d)", *theirs.UniqueIPs, *ours.UniqueIPs, union)
		if id == "unique-ip-double-count" && indexDiffers && union != *ours.UniqueIPs {
			add("downstream-of-flow-index", "unique_ips", "msticnb's flow index has %d distinct addresses, ours %d", union, *ours.UniqueIPs)
		}
	}

	// Flow summary by ASN.
	summaryDiffers := compareSummary(c, ours, theirs, indexDiffers, add)

	// Default ASN selection: msticnb's rule on its own summary must give its
	// selection, and the same rule (with the host exclusion that works) on
	// our summary must give ours; then any difference comes from the
	// summaries.
	if theirs.Selected {
		if want := msticnbDefault(theirs.Summary, asnNames(ours.HostASNs)); !sameSet(want, theirs.DefaultASNs) {
			add("", "default_asn_selection", "msticnb's selection %v is not its rule on its summary (%v)", theirs.DefaultASNs, want)
		}
		ourNamed := normalizedSummary(ours.Summary)
		if want := msticnbDefault(ourNamed, asnNames(ours.HostASNs)); !sameSet(want, asnNames(ours.DefaultASNs)) {
			add("", "default_asn_selection", "our selection %v is not msticnb's rule on our summary (%v)", asnNames(ours.DefaultASNs), want)
		}
		if !sameSet(asnNames(ours.DefaultASNs), theirs.DefaultASNs) {
			id := ""
			if summaryDiffers {
				id = "downstream-of-summary"
			}
			add(id, "default_asn_selection", "msticnb %v, ours %v", theirs.DefaultASNs, asnNames(ours.DefaultASNs))
		}
		if !sameSet(withoutPrivate(asnNames(ours.AllASNs)), theirs.AllASNs) {
			id := ""
			if summaryDiffers {
				id = "downstream-of-summary"
			}
			add(id, "asn_choices", "msticnb offers %v, ours %v", theirs.AllASNs, withoutPrivate(asnNames(ours.AllASNs)))
		}
	}

	compareTI(ours, theirs, summaryDiffers, add)
	compareMaps(c, ours, theirs, h, summaryDiffers, indexDiffers, add)
	return diffs
}

// ourAnswer says in a few words what we answered where msticnb crashed.
func ourAnswer(o outcome) string {
	return fmt.Sprintf("%d flow index rows, %d flow summary rows (%v), default ASNs %v, %d TI matches",
		len(o.FlowIndex), len(o.Summary), o.ASNColumns, o.DefaultASNs, len(o.TI))
}

func compareSummary(c parityCase, ours, theirs outcome, indexDiffers bool, add func(id, field, format string, args ...any)) bool {
	named := normalizedSummary(ours.Summary)
	labelsDiffer := false
	for _, r := range ours.Summary {
		if asnName(r.DestASN) != r.DestASN || asnName(r.SourceASN) != r.SourceASN {
			labelsDiffer = true
		}
	}
	if labelsDiffer {
		add("asn-label-name-only", "flow_summary", "labels: msticnb shows the AS name (%q), ours the AS number and name (%q)",
			firstLabel(theirs.Summary), firstLabel(ours.Summary))
	}
	if slices.Equal(ours.ASNColumns, theirs.ASNColumns) && cmp.Equal(named, theirs.Summary) {
		return false
	}
	// msticnb's summary, predicted from its own flow index and our ASN
	// lookups with its three faults: rows grouped by AS name, the SourceASN
	// column a copy of DestASN's when both columns exist, rows whose ASN is
	// not found (private, unknown: NaN) dropped by groupby.
	names := ipNames(ours.Summary)
	model, active := msticnbSummary(theirs.FlowIndex, theirs.ASNColumns, names)
	if !cmp.Equal(model, theirs.Summary) {
		add("", "flow_summary", "msticnb's summary is not the model of its faults; columns msticnb %v ours %v; model vs msticnb (-model +msticnb):\n%s\nours (names) vs msticnb:\n%s",
			theirs.ASNColumns, ours.ASNColumns, cmp.Diff(model, theirs.Summary), cmp.Diff(named, theirs.Summary))
		return true
	}
	for _, id := range active {
		add(id, "flow_summary", "%s: msticnb %d rows %v, ours %d rows %v", id, len(theirs.Summary), theirs.ASNColumns, len(ours.Summary), ours.ASNColumns)
	}
	if indexDiffers {
		add("downstream-of-flow-index", "flow_summary", "msticnb summarises its own flow index (%d rows; ours %d)", len(theirs.FlowIndex), len(ours.FlowIndex))
	} else if len(active) == 0 {
		add("", "flow_summary", "differs with no fault active (-ours +msticnb):\n%s", cmp.Diff(named, theirs.Summary))
	}
	return true
}

func firstLabel(rows []summaryRow) string {
	for _, r := range rows {
		if r.DestASN != "" {
			return r.DestASN
		}
		if r.SourceASN != "" {
			return r.SourceASN
		}
	}
	return ""
}

func normalizedSummary(rows []summaryRow) []summaryRow {
	var out []summaryRow
	for _, r := range rows {
		r.DestASN, r.SourceASN = asnName(r.DestASN), asnName(r.SourceASN)
		out = append(out, r)
	}
	sortSummary(out)
	return out
}

func sortSummary(rows []summaryRow) {
	sort.SliceStable(rows, func(i, j int) bool {
		if rows[i].DestASN != rows[j].DestASN {
			return rows[i].DestASN < rows[j].DestASN
		}
		return rows[i].SourceASN < rows[j].SourceASN
	})
}

// asnID is what our summary knows of an address: its AS name and number
// (the label), or "" when it is private or its ASN is unknown.
type asnID struct{ name, label string }

func ipNames(rows []summaryRow) map[string]asnID {
	m := map[string]asnID{}
	set := func(ip, label string) {
		if label == "" || label == "private address" || label == "unknown" {
			return
		}
		m[ip] = asnID{asnName(label), label}
	}
	for _, r := range rows {
		for _, ip := range r.DestIPs {
			set(ip, r.DestASN)
		}
		for _, ip := range r.SourceIPs {
			set(ip, r.SourceASN)
		}
	}
	return m
}

// msticnbSummary is msticnb's _get_flow_summary as it behaves on msticpy
// 3.0.2, from a flow index: it returns the rows and the faults that changed
// something.
func msticnbSummary(index []indexRow, cols []string, names map[string]asnID) ([]summaryRow, []string) {
	if len(cols) == 0 {
		return nil, nil
	}
	hasDest, hasSource := slices.Contains(cols, "DestASN"), slices.Contains(cols, "SourceASN")
	type key struct{ d, s string }
	groups := map[key]*summaryRow{}
	var order []key
	dropped, copied := false, false
	labelsOf := map[string]map[string]bool{}
	for _, r := range index {
		var k key
		ok := true
		if hasDest {
			id, found := names[r.Dest]
			k.d, ok = id.name, found
			if found {
				if labelsOf[id.name] == nil {
					labelsOf[id.name] = map[string]bool{}
				}
				labelsOf[id.name][id.label] = true
			}
		}
		if hasSource {
			if hasDest {
				// get_whois_df's second merge suffixes the source's columns
				// "_whois"; asn_description is still the dest's.
				k.s = k.d
				if sid, found := names[r.Source]; found && sid.name != k.d {
					copied = true
				} else if !found && ok {
					copied = true
				}
			} else {
				id, found := names[r.Source]
				k.s, ok = id.name, found
				if found {
					if labelsOf[id.name] == nil {
						labelsOf[id.name] = map[string]bool{}
					}
					labelsOf[id.name][id.label] = true
				}
			}
		}
		if !ok {
			dropped = true
			continue
		}
		g := groups[k]
		if g == nil {
			g = &summaryRow{DestASN: k.d, SourceASN: k.s}
			groups[k] = g
			order = append(order, k)
		}
		g.TotalAllowedFlows += r.TotalAllowedFlows
		g.L7Protocols = appendNew(g.L7Protocols, r.L7Protocol)
		g.SourceIPs = appendNew(g.SourceIPs, r.Source)
		g.DestIPs = appendNew(g.DestIPs, r.Dest)
	}
	var rows []summaryRow
	for _, k := range order {
		rows = append(rows, *groups[k])
	}
	sortSummary(rows)
	var active []string
	if copied {
		active = append(active, "source-asn-copies-dest-asn")
	}
	if dropped {
		active = append(active, "unresolved-asn-rows-dropped")
	}
	for _, labels := range labelsOf {
		if len(labels) > 1 {
			active = append(active, "same-name-asns-merged")
			break
		}
	}
	return rows, active
}

func appendNew(list []string, v string) []string {
	if slices.Contains(list, v) {
		return list
	}
	return append(list, v)
}

// msticnbDefault is _select_asn_subset: the ASNs of rows at or below the
// 25th percentile of TotalAllowedFlows (pandas' linear interpolation), minus
// the host's ASNs, among all ASNs but "private address".
func msticnbDefault(rows []summaryRow, host []string) []string {
	if len(rows) == 0 {
		return nil
	}
	vals := make([]float64, len(rows))
	for i, r := range rows {
		vals[i] = float64(r.TotalAllowedFlows)
	}
	q := flowsummary.Quantile(vals, 0.25)
	var out []string
	for _, r := range rows {
		if float64(r.TotalAllowedFlows) > q {
			continue
		}
		for _, a := range []string{r.DestASN, r.SourceASN} {
			if a != "" && a != "private address" && !slices.Contains(host, a) && !slices.Contains(out, a) {
				out = append(out, a)
			}
		}
	}
	return out
}

func compareTI(ours, theirs outcome, summaryDiffers bool, add func(id, field, format string, args ...any)) {
	if !theirs.TILookedUp || !ours.TILookedUp {
		// (a crash of lookup_ti_for_asn_ips is reported with the crashes)
		return
	}
	if ours.SelectedIPs != theirs.SelectedIPs {
		id := ""
		if summaryDiffers {
			id = "downstream-of-summary"
		}
		add(id, "ti_ips", "addresses of the selected ASNs: msticnb %d, ours %d", theirs.SelectedIPs, ours.SelectedIPs)
	}
	type key struct {
		row      indexRow
		ioc, sev string
	}
	// msticnb joins to the raw flow records; ours to the flow index rows.
	group := func(rows []tiRow, mapSev bool) map[key]int64 {
		m := map[key]int64{}
		for _, r := range rows {
			k := key{r.indexRow, r.Ioc, r.Severity}
			k.row.TotalAllowedFlows = 0
			if mapSev {
				k.sev = msticpySeverity(r.Severity)
			}
			m[k] += r.TotalAllowedFlows
		}
		return m
	}
	t, o := group(theirs.TI, false), group(ours.TI, true)
	if len(theirs.TI) > len(t) {
		add("ti-join-per-flow-record", "ti_results", "msticnb %d rows (one per flow record), ours %d (one per flow index row)", len(theirs.TI), len(ours.TI))
	}
	for _, r := range ours.TI {
		if msticpySeverity(r.Severity) != r.Severity {
			add("ti-severity-scale", "ti_results", "%s: ours %q, msticpy %q", r.Ioc, r.Severity, msticpySeverity(r.Severity))
			break
		}
	}
	if cmp.Equal(t, o) {
		return
	}
	for k, v := range o {
		if t[k] == v {
			continue
		}
		id := ""
		switch {
		case strings.Contains(k.ioc, ":") && t[k] == 0:
			id = "ti-ipv6-looked-up-as-ipv4"
		case summaryDiffers:
			id = "downstream-of-summary"
		}
		add(id, "ti_results", "%s on %v: ours %d flows, msticnb %d", k.ioc, k.row, v, t[k])
	}
	for k, v := range t {
		if _, ok := o[k]; !ok {
			id := ""
			if summaryDiffers {
				id = "downstream-of-summary"
			}
			add(id, "ti_results", "%s on %v: msticnb %d flows, ours none", k.ioc, k.row, v)
		}
	}
}

// msticpySeverity maps our severities to msticpy's scale (information,
// warning, high).
func msticpySeverity(s string) string {
	switch s {
	case "low", "medium":
		return "warning"
	}
	return s
}

func compareMaps(c parityCase, ours, theirs outcome, h harnessCase, summaryDiffers, indexDiffers bool, add func(id, field, format string, args ...any)) {
	if !slices.Contains(theirs.Options, "geo_map") {
		return
	}
	if ours.MapAll == nil {
		add("", "geo_map", "ours has no map points")
		return
	}
	coords := map[string][2]float64{}
	for _, p := range ours.MapAll {
		coords[p.IP] = [2]float64{p.Lat, p.Lon}
	}
	for _, p := range append(slices.Clone(ours.MapSelected), ours.MapAll...) {
		coords[p.IP] = [2]float64{p.Lat, p.Lon}
	}
	checkCoords := func(field string, ps []mapPoint) {
		for _, p := range ps {
			if o, ok := coords[p.IP]; ok && (math.Abs(o[0]-p.Lat) > 1e-6 || math.Abs(o[1]-p.Lon) > 1e-6) {
				add("", field, "%s: msticnb at %.4f,%.4f, ours at %.4f,%.4f", p.IP, p.Lat, p.Lon, o[0], o[1])
			}
		}
	}
	checkCoords("geo_map", theirs.MapAll)
	checkCoords("geo_map_selected", theirs.MapSelected)

	// The map of all flows: msticnb puts every dest blue and every source
	// purple (the host too), one marker per flow record.
	o, t := pointSet(ours.MapAll), pointSet(theirs.MapAll)
	if len(theirs.MapAll) > len(t) {
		add("map-marker-per-flow-record", "geo_map", "msticnb %d markers for %d distinct (address, colour) pairs", len(theirs.MapAll), len(t))
	}
	if !cmp.Equal(o, t) {
		// msticnb's rule (every dest blue, every source purple, the host
		// green, over the flow records) must give its map; the same rule on our
		// index tells whether the colours or the index make the difference.
		model := func(index []indexRow, host string) map[string]bool {
			m := map[string]bool{}
			for _, r := range index {
				if _, ok := coords[r.Dest]; ok {
					m[r.Dest+" blue"] = true
				}
				if _, ok := coords[r.Source]; ok {
					m[r.Source+" purple"] = true
				}
			}
			if _, ok := coords[host]; ok {
				m[host+" green"] = true
			}
			return m
		}
		mt, mo := model(theirs.FlowPairs, theirs.HostIP), model(ours.FlowIndex, ours.HostIP)
		switch {
		case !cmp.Equal(mt, t):
			add("", "geo_map", "msticnb's map is not its colour rule on its flow index (-rule +msticnb):\n%s", cmp.Diff(mt, t))
		default:
			if !cmp.Equal(mo, o) {
				add("map-colour-by-column", "geo_map", "msticnb's colours on our flows (-ours +msticnb's rule):\n%s", cmp.Diff(o, mo))
			}
			if !cmp.Equal(mo, mt) {
				if indexDiffers {
					add("downstream-of-flow-index", "geo_map", "msticnb's rule on the two flow indexes (-ours +msticnb):\n%s", cmp.Diff(mo, mt))
				} else {
					add("", "geo_map", "same index, different maps (-ours +msticnb):\n%s", cmp.Diff(mo, mt))
				}
			}
		}
	}

	if !theirs.Selected || theirs.MapSelected == nil && ours.MapSelected == nil {
		return
	}
	if s, ok := h.Steps["show_selected_asn_map"]; ok && s.OK && !slices.Contains(s.Displayed, "FoliumMap") {
		add("selected-map-not-displayed", "geo_map_selected", "show_selected_asn_map() (not silent) displayed %v", s.Displayed)
	}
	os, ts := pointSet(ours.MapSelected), pointSet(theirs.MapSelected)
	if len(theirs.MapSelected) > len(ts) {
		add("map-marker-per-flow-record", "geo_map_selected", "msticnb %d markers for %d distinct (address, colour) pairs", len(theirs.MapSelected), len(ts))
	}
	if !cmp.Equal(os, ts) {
		id := ""
		if summaryDiffers {
			id = "downstream-of-summary"
		}
		add(id, "geo_map_selected", "(address, colour) pairs (-ours +msticnb):\n%s", cmp.Diff(os, ts))
	}
}

func pointSet(ps []mapPoint) map[string]bool {
	m := map[string]bool{}
	for _, p := range ps {
		m[p.IP+" "+p.Color] = true
	}
	return m
}

func distinctUnion(rows []indexRow) int {
	m := map[string]bool{}
	for _, r := range rows {
		m[r.Source], m[r.Dest] = true, true
	}
	return len(m)
}

func distinctCount(rows []indexRow, source bool) int {
	m := map[string]bool{}
	for _, r := range rows {
		if source {
			m[r.Source] = true
		} else {
			m[r.Dest] = true
		}
	}
	return len(m)
}

func sorted(s []string) []string {
	out := slices.Clone(s)
	sort.Strings(out)
	return out
}

func sameSet(a, b []string) bool { return slices.Equal(sorted(dedup(a)), sorted(dedup(b))) }

func dedup(s []string) []string {
	var out []string
	for _, x := range s {
		if !slices.Contains(out, x) {
			out = append(out, x)
		}
	}
	return out
}

func withoutPrivate(s []string) []string {
	var out []string
	for _, x := range s {
		if x != "private address" {
			out = append(out, x)
		}
	}
	return out
}

func hasPrefixed(opts []string, p string) bool {
	for _, o := range opts {
		if strings.HasPrefix(o, p) {
			return true
		}
	}
	return false
}

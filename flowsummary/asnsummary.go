package flowsummary

import (
	"cmp"
	"slices"
	"strings"

	"github.com/gonotebooklets/notebooklets/providers/asn"
	"github.com/gonotebooklets/notebooklets/providers/ipaddr"
)

// ASNSummaryRow is one row of the flow summary by ASN. Rows are grouped by
// AS number (DestASNumber, SourceASNumber: asn.Private for private
// addresses, asn.Unknown when no ASN was found); DestASN and SourceASN are
// their labels as msticnb shows them (asn.Info.Label: "AS8075
// MICROSOFT-CORP-MSN-AS-BLOCK, US", "private address", "unknown"). A column
// absent from the summary is empty and its label left out of JSON. The
// details are those of the group's first address.
type ASNSummaryRow struct {
	DestASN           string     `json:"DestASN,omitempty"`
	SourceASN         string     `json:"SourceASN,omitempty"`
	DestASNumber      asn.Number `json:"DestASNumber"`
	SourceASNumber    asn.Number `json:"SourceASNumber"`
	TotalAllowedFlows int64      `json:"TotalAllowedFlows"`
	TotalBytes        int64      `json:"TotalBytes,omitempty"`
	L7Protocols       []string   `json:"L7Protocols"`
	SourceIPs         []string   `json:"source_ips"`
	DestIPs           []string   `json:"dest_ips"`
	DestASNDetails    *asn.Info  `json:"DestASNDetails,omitempty"`
	SourceASNDetails  *asn.Info  `json:"SourceASNDetails,omitempty"`
}

// ASNSummary is the flow summary by ASN: which ASN columns it has (a column is
// present when any address on that side is public) and its rows, sorted by
// the ASN columns as pandas' groupby sorts them.
type ASNSummary struct {
	HasDest   bool            `json:"has_dest_asn"`
	HasSource bool            `json:"has_source_asn"`
	Rows      []ASNSummaryRow `json:"rows"`
}

// PublicIPs returns the distinct public addresses among rows' sources and
// dests, in first-seen order: the addresses whose ASN needs looking up.
func PublicIPs(rows []FlowIndexRow) []string {
	var out []string
	for _, ip := range uniqueIPs(rows) {
		if ipaddr.IsPublic(ip) {
			out = append(out, ip)
		}
	}
	return out
}

// ASNInfoOf returns what to use as the ASN of ip: the private marker for
// addresses that are not public, found[ip] when the lookup found it, and an
// unknown Info otherwise.
func ASNInfoOf(ip string, found map[string]asn.Info) asn.Info {
	if !ipaddr.IsPublic(ip) {
		return asn.Info{IP: ip, Name: asn.PrivateName, Source: "private"}
	}
	if inf, ok := found[ip]; ok {
		return inf
	}
	return asn.Info{IP: ip}
}

type asnGroup struct {
	row                    ASNSummaryRow
	protos, srcIPs, dstIPs map[string]struct{}
}

// SummarizeASNs groups the flow index rows (in the order given; pass the
// sorted index for msticnb's order of the lists) by the dest and source ASN,
// with the ASN of each address from ASNInfoOf(ip, found). The DestASN column
// is present when any dest is public, SourceASN when any source is public;
// when neither is, the summary has no rows.
func SummarizeASNs(index []FlowIndexRow, found map[string]asn.Info) ASNSummary {
	var s ASNSummary
	for _, r := range index {
		if !s.HasDest && ipaddr.IsPublic(r.Dest) {
			s.HasDest = true
		}
		if !s.HasSource && ipaddr.IsPublic(r.Source) {
			s.HasSource = true
		}
	}
	if !s.HasDest && !s.HasSource {
		return s
	}
	type gkey struct{ d, s asn.Number }
	groups := make(map[gkey]*asnGroup)
	var order []*asnGroup
	labels := make(map[string]asn.Info)
	info := func(ip string) asn.Info {
		if inf, ok := labels[ip]; ok {
			return inf
		}
		inf := ASNInfoOf(ip, found)
		labels[ip] = inf
		return inf
	}
	for _, r := range index {
		var k gkey
		var dInf, sInf asn.Info
		if s.HasDest {
			dInf = info(r.Dest)
			k.d = dInf.Number()
		}
		if s.HasSource {
			sInf = info(r.Source)
			k.s = sInf.Number()
		}
		g, ok := groups[k]
		if !ok {
			g = &asnGroup{
				row:    ASNSummaryRow{DestASNumber: k.d, SourceASNumber: k.s},
				protos: map[string]struct{}{}, srcIPs: map[string]struct{}{}, dstIPs: map[string]struct{}{},
			}
			if s.HasDest {
				d := dInf
				g.row.DestASN, g.row.DestASNDetails = d.Label(), &d
			}
			if s.HasSource {
				si := sInf
				g.row.SourceASN, g.row.SourceASNDetails = si.Label(), &si
			}
			groups[k] = g
			order = append(order, g)
		}
		g.row.TotalAllowedFlows = addSat(g.row.TotalAllowedFlows, r.TotalAllowedFlows)
		g.row.TotalBytes = addSat(g.row.TotalBytes, r.TotalBytes)
		g.row.L7Protocols = appendUnique(g.row.L7Protocols, g.protos, r.L7Protocol)
		g.row.SourceIPs = appendUnique(g.row.SourceIPs, g.srcIPs, r.Source)
		g.row.DestIPs = appendUnique(g.row.DestIPs, g.dstIPs, r.Dest)
	}
	s.Rows = make([]ASNSummaryRow, len(order))
	for i, g := range order {
		s.Rows[i] = g.row
	}
	// pandas' groupby sorts by the label columns; the numbers break ties
	// between ASNs of one name.
	slices.SortStableFunc(s.Rows, func(a, b ASNSummaryRow) int {
		return cmp.Or(strings.Compare(a.DestASN, b.DestASN), strings.Compare(a.SourceASN, b.SourceASN),
			cmp.Compare(a.DestASNumber, b.DestASNumber), cmp.Compare(a.SourceASNumber, b.SourceASNumber))
	})
	return s
}

func appendUnique(list []string, seen map[string]struct{}, v string) []string {
	if _, ok := seen[v]; ok {
		return list
	}
	seen[v] = struct{}{}
	return append(list, v)
}

// ASNs returns the distinct ASNs of the summary (dest and source columns),
// in row order.
func (s ASNSummary) ASNs() []asn.Number {
	seen := map[asn.Number]bool{}
	var out []asn.Number
	for _, r := range s.Rows {
		for _, a := range s.rowASNs(r) {
			if !seen[a] {
				seen[a] = true
				out = append(out, a)
			}
		}
	}
	return out
}

// rowASNs returns the ASNs of the columns the summary has.
func (s ASNSummary) rowASNs(r ASNSummaryRow) []asn.Number {
	var out []asn.Number
	if s.HasDest {
		out = append(out, r.DestASNumber)
	}
	if s.HasSource {
		out = append(out, r.SourceASNumber)
	}
	return out
}

// label returns the label of ASN a in row r.
func (s ASNSummary) label(r ASNSummaryRow, a asn.Number) string {
	if s.HasDest && r.DestASNumber == a {
		return r.DestASN
	}
	return r.SourceASN
}

// details returns the registration details of ASN a in row r.
func (s ASNSummary) details(r ASNSummaryRow, a asn.Number) *asn.Info {
	if s.HasDest && r.DestASNumber == a {
		return r.DestASNDetails
	}
	return r.SourceASNDetails
}

// IPsOfASNs returns the addresses of the chosen ASNs: the dest_ips of rows
// whose DestASN is chosen and the source_ips of rows whose SourceASN is
// chosen, distinct, in first-seen order.
func (s ASNSummary) IPsOfASNs(chosen []asn.Number) []string {
	seen := map[string]struct{}{}
	var out []string
	for _, r := range s.Rows {
		if s.HasDest && slices.Contains(chosen, r.DestASNumber) {
			for _, ip := range r.DestIPs {
				out = appendUnique(out, seen, ip)
			}
		}
		if s.HasSource && slices.Contains(chosen, r.SourceASNumber) {
			for _, ip := range r.SourceIPs {
				out = appendUnique(out, seen, ip)
			}
		}
	}
	return out
}

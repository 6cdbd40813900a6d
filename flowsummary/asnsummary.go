package flowsummary

import (
	"cmp"
	"net/netip"
	"slices"
	"strings"

	"github.com/gonotebooklets/notebooklets/providers/asn"
)

// ASNSummaryRow is one row of the flow summary by ASN. DestASN and SourceASN
// are the ASN labels (asn.Info.Label: "AS8075 MICROSOFT-CORP-MSN-AS-BLOCK, US",
// "private address", "unknown"); a column absent from the summary is empty
// and left out of JSON. The details are those of the group's first address.
type ASNSummaryRow struct {
	DestASN           string    `json:"DestASN,omitempty"`
	SourceASN         string    `json:"SourceASN,omitempty"`
	TotalAllowedFlows int64     `json:"TotalAllowedFlows"`
	L7Protocols       []string  `json:"L7Protocols"`
	SourceIPs         []string  `json:"source_ips"`
	DestIPs           []string  `json:"dest_ips"`
	DestASNDetails    *asn.Info `json:"DestASNDetails,omitempty"`
	SourceASNDetails  *asn.Info `json:"SourceASNDetails,omitempty"`
}

// ASNSummary is the flow summary by ASN: which ASN columns it has (a column is
// present when any address on that side is public) and its rows, sorted by
// the ASN columns as pandas' groupby sorts them.
type ASNSummary struct {
	HasDest   bool            `json:"has_dest_asn"`
	HasSource bool            `json:"has_source_asn"`
	Rows      []ASNSummaryRow `json:"rows"`
}

// IsPublic reports whether s is a public IP address (a globally routable
// unicast address); other valid addresses are "private address" for ASN
// purposes.
func IsPublic(s string) bool {
	a, err := netip.ParseAddr(s)
	if err != nil {
		return false
	}
	a = a.Unmap()
	if !a.IsGlobalUnicast() || a.IsPrivate() {
		return false
	}
	return !nonPublic(a)
}

var reserved = func() []netip.Prefix {
	var out []netip.Prefix
	for _, s := range []string{
		"0.0.0.0/8", "100.64.0.0/10", "192.0.0.0/24", "192.0.2.0/24", "198.18.0.0/15",
		"198.51.100.0/24", "203.0.113.0/24", "240.0.0.0/4", "255.255.255.255/32",
		"2001:db8::/32", "100::/64", "2001::/23", "fec0::/10", "::/8",
	} {
		out = append(out, netip.MustParsePrefix(s))
	}
	return out
}()

func nonPublic(a netip.Addr) bool {
	for _, p := range reserved {
		if p.Contains(a) {
			return true
		}
	}
	return false
}

// PublicIPs returns the distinct public addresses among rows' sources and
// dests, in first-seen order: the addresses whose ASN needs looking up.
func PublicIPs(rows []FlowIndexRow) []string {
	var out []string
	for _, ip := range UniqueIPs(rows) {
		if IsPublic(ip) {
			out = append(out, ip)
		}
	}
	return out
}

// ASNInfoOf returns what to use as the ASN of ip: the private marker for
// addresses that are not public, found[ip] when the lookup found it, and an
// unknown Info otherwise.
func ASNInfoOf(ip string, found map[string]asn.Info) asn.Info {
	if !IsPublic(ip) {
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
		if !s.HasDest && IsPublic(r.Dest) {
			s.HasDest = true
		}
		if !s.HasSource && IsPublic(r.Source) {
			s.HasSource = true
		}
	}
	if !s.HasDest && !s.HasSource {
		return s
	}
	type gkey struct{ d, s string }
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
			k.d = dInf.Label()
		}
		if s.HasSource {
			sInf = info(r.Source)
			k.s = sInf.Label()
		}
		g, ok := groups[k]
		if !ok {
			g = &asnGroup{
				row:    ASNSummaryRow{DestASN: k.d, SourceASN: k.s},
				protos: map[string]struct{}{}, srcIPs: map[string]struct{}{}, dstIPs: map[string]struct{}{},
			}
			if s.HasDest {
				d := dInf
				g.row.DestASNDetails = &d
			}
			if s.HasSource {
				si := sInf
				g.row.SourceASNDetails = &si
			}
			groups[k] = g
			order = append(order, g)
		}
		g.row.TotalAllowedFlows += r.TotalAllowedFlows
		g.row.L7Protocols = appendUnique(g.row.L7Protocols, g.protos, r.L7Protocol)
		g.row.SourceIPs = appendUnique(g.row.SourceIPs, g.srcIPs, r.Source)
		g.row.DestIPs = appendUnique(g.row.DestIPs, g.dstIPs, r.Dest)
	}
	s.Rows = make([]ASNSummaryRow, len(order))
	for i, g := range order {
		s.Rows[i] = g.row
	}
	slices.SortStableFunc(s.Rows, func(a, b ASNSummaryRow) int {
		return cmp.Or(strings.Compare(a.DestASN, b.DestASN), strings.Compare(a.SourceASN, b.SourceASN))
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

// ASNs returns the distinct ASN labels of the summary (dest and source
// columns), in row order.
func (s ASNSummary) ASNs() []string {
	seen := map[string]struct{}{}
	var out []string
	for _, r := range s.Rows {
		for _, a := range [2]string{r.DestASN, r.SourceASN} {
			if a != "" {
				out = appendUnique(out, seen, a)
			}
		}
	}
	return out
}

// IPsOfASNs returns the addresses of the chosen ASNs: the dest_ips of rows
// whose DestASN is chosen and the source_ips of rows whose SourceASN is
// chosen, distinct, in first-seen order.
func (s ASNSummary) IPsOfASNs(chosen []string) []string {
	want := make(map[string]bool, len(chosen))
	for _, c := range chosen {
		want[c] = true
	}
	seen := map[string]struct{}{}
	var out []string
	for _, r := range s.Rows {
		if r.DestASN != "" && want[r.DestASN] {
			for _, ip := range r.DestIPs {
				out = appendUnique(out, seen, ip)
			}
		}
		if r.SourceASN != "" && want[r.SourceASN] {
			for _, ip := range r.SourceIPs {
				out = appendUnique(out, seen, ip)
			}
		}
	}
	return out
}

package flowsummary

import (
	"cmp"
	"net/netip"
	"slices"

	"github.com/gonotebooklets/notebooklets/providers/asn"
	"github.com/gonotebooklets/notebooklets/providers/flows"
	"github.com/gonotebooklets/notebooklets/providers/ipaddr"
	"github.com/gonotebooklets/notebooklets/providers/provenance"
)

// MaxMapMarkers bounds the markers of a map; the rest are counted in its note.
const MaxMapMarkers = 5000

// peer is an address to place, in one role.
type peer struct {
	ip     string
	role   PeerRole
	protos []string
	flows  int64
}

// peers collects addresses by role and address, in first-seen order.
type peers struct {
	byKey map[peerKey]*peer
	order []*peer
}

type peerKey struct {
	role PeerRole
	ip   string
}

func (ps *peers) add(ip string, role PeerRole, protos []string, fl int64) {
	if ps.byKey == nil {
		ps.byKey = map[peerKey]*peer{}
	}
	k := peerKey{role, ip}
	p := ps.byKey[k]
	if p == nil {
		p = &peer{ip: ip, role: role}
		ps.byKey[k] = p
		ps.order = append(ps.order, p)
	}
	for _, pr := range protos {
		if pr != "" && !slices.Contains(p.protos, pr) {
			p.protos = append(p.protos, pr)
		}
	}
	p.flows = addSat(p.flows, fl)
}

// asnOfIP maps each address of the summary to its ASN and label.
func asnOfIP(sum *ASNSummary) map[string]asnLabel {
	m := map[string]asnLabel{}
	if sum == nil {
		return m
	}
	for _, r := range sum.Rows {
		if sum.HasDest {
			for _, ip := range r.DestIPs {
				m[ip] = asnLabel{r.DestASNumber, r.DestASN, r.DestASNDetails}
			}
		}
		if sum.HasSource {
			for _, ip := range r.SourceIPs {
				m[ip] = asnLabel{r.SourceASNumber, r.SourceASN, r.SourceASNDetails}
			}
		}
	}
	return m
}

type asnLabel struct {
	n     asn.Number
	label string
	info  *asn.Info
}

// geoAll places the remote addresses of all flows (outbound blue, inbound
// purple) and the host's addresses (green).
func (n *NetworkFlowSummary) geoAll(res *Result) *GeoMapData {
	var ps peers
	host := res.HostEntity.IPs()
	for _, h := range host {
		ps.add(h, RoleHost, nil, 0)
	}
	for _, r := range res.FlowIndex {
		if r.FlowDirection == flows.Outbound {
			if !slices.Contains(host, r.Dest) {
				ps.add(r.Dest, RoleOutbound, []string{r.L7Protocol}, r.TotalAllowedFlows)
			}
		} else if !slices.Contains(host, r.Source) {
			ps.add(r.Source, RoleInbound, []string{r.L7Protocol}, r.TotalAllowedFlows)
		}
	}
	return n.place(res, ps, nil)
}

// geoSelected places the addresses of the selected ASNs: dest addresses of
// rows with a selected DestASN (outbound), source addresses of rows with a
// selected SourceASN (inbound), positive TI hits in red, and the host.
func (n *NetworkFlowSummary) geoSelected(res *Result) *GeoMapData {
	threats := map[string][]string{}
	if res.TIResults != nil {
		for _, p := range res.TIResults.Positives {
			t := p.Provider + " (" + p.Severity.String() + ")"
			if p.Details != "" {
				t += ": " + p.Details
			}
			threats[p.Ioc] = append(threats[p.Ioc], t)
		}
	}
	var ps peers
	for _, h := range res.HostEntity.IPs() {
		ps.add(h, RoleHost, nil, 0)
	}
	if sum := res.FlowSummary; sum != nil {
		for _, r := range sum.Rows {
			if sum.HasDest && slices.Contains(res.SelectedASNs, r.DestASNumber) {
				for _, ip := range r.DestIPs {
					ps.add(ip, RoleOutbound, r.L7Protocols, 0)
				}
			}
			if sum.HasSource && slices.Contains(res.SelectedASNs, r.SourceASNumber) {
				for _, ip := range r.SourceIPs {
					ps.add(ip, RoleInbound, r.L7Protocols, 0)
				}
			}
		}
	}
	return n.place(res, ps, threats)
}

// place locates the peers in order and builds the map data; failures are
// counted in it and warned about in res.
func (n *NetworkFlowSummary) place(res *Result, ps peers, threats map[string][]string) *GeoMapData {
	d := &GeoMapData{Points: []GeoPoint{}}
	if n.geo != nil {
		d.Locator = provenance.Of(n.geo).String()
	}
	asns := asnOfIP(res.FlowSummary)
	failed := map[string]error{}
	for _, p := range ps.order {
		if !ipaddr.IsPublic(p.ip) {
			d.Private++
			continue
		}
		if n.geo == nil {
			d.Unknown++
			continue
		}
		if len(d.Points) >= MaxMapMarkers {
			d.Omitted++
			continue
		}
		a, err := netip.ParseAddr(p.ip)
		if err != nil {
			failed[p.ip] = err
			continue
		}
		loc, err := n.geo.Locate(a)
		if err != nil {
			failed[p.ip] = err
			continue
		}
		if !loc.Known {
			d.Unknown++
			continue
		}
		gp := GeoPoint{IP: p.ip, Role: p.role, Latitude: loc.Latitude, Longitude: loc.Longitude,
			Country: cmp.Or(loc.Country, loc.CountryISO), City: loc.City, ASN: asns[p.ip].n, ASNLabel: asns[p.ip].label, ASNDetails: asnRegistration(asns[p.ip].info),
			Protocols: p.protos, Flows: p.flows}
		if t, ok := threats[p.ip]; ok {
			gp.Role, gp.Threats = RoleThreat, t
		}
		gp.Color = gp.Role.Color()
		d.Points = append(d.Points, gp)
	}
	if len(failed) > 0 {
		d.Failed = []string{listErrors(failed)}
		res.warn("geo-IP lookup failed for %d addresses: %s", len(failed), listErrors(failed))
	}
	return d
}

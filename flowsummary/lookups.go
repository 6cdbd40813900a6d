package flowsummary

import (
	"context"
	"errors"
	"fmt"
	"net/netip"
	"sort"
	"strings"
	"sync"

	"github.com/gonotebooklets/notebooklets/nb"
	"github.com/gonotebooklets/notebooklets/providers/asn"
	"github.com/gonotebooklets/notebooklets/providers/ti"
	"github.com/gonotebooklets/notebooklets/widgets"
)

// lookupBatch is how many addresses go to a resolver or TI provider at once
// (the progress bar moves per batch).
const lookupBatch = 256

// maxListed is how many failed addresses a warning names.
const maxListed = 5

// MaxMapMarkers bounds the markers of a map; the rest are counted in its note.
const MaxMapMarkers = 5000

// summarize looks up the ASNs of the public addresses (with progress) and
// builds the flow summary and the default ASN selection; shown as the
// get_flow_summary section.
func (n *NetworkFlowSummary) summarize(ctx context.Context, res *Result) error {
	var runErr error
	n.showWith(ctx, "get_flow_summary", res, func(ctx context.Context, s nb.Sink) error {
		s.Text(fmt.Sprintf("Found %d unique IP Addresses.", res.UniqueIPs), false)
		ips := PublicIPs(res.FlowIndexData)
		for _, h := range res.HostEntity.IPs() {
			if IsPublic(h) && !contains(ips, h) {
				ips = append(ips, h)
			}
		}
		found, err := n.resolveASNs(ctx, s, res, ips)
		if err != nil {
			runErr = err
			return err
		}
		sum := SummarizeASNs(res.FlowIndexData, found)
		res.FlowSummary = &sum
		var own []string
		for _, h := range res.HostEntity.IPs() {
			if IsPublic(h) {
				own = append(own, ASNInfoOf(h, found).Label())
			}
		}
		res.HostEntity.ASNs = own
		res.DefaultASNSelection = DefaultASNSelection(sum, own)
		return nil
	})
	return runErr
}

// resolveASNs resolves ips in batches with a progress bar; failures become
// warnings naming the addresses. Only a cancelled context is an error.
func (n *NetworkFlowSummary) resolveASNs(ctx context.Context, s nb.Sink, res *Result, ips []string) (map[string]asn.Info, error) {
	found := make(map[string]asn.Info, len(ips))
	if len(ips) == 0 {
		return found, nil
	}
	s.Text("Getting data from Whois...", false)
	p := widgets.NewProgress(s, "flowsummary-whois", "ASN lookup", len(ips))
	missing := map[string]error{}
	for i := 0; i < len(ips); i += lookupBatch {
		batch := ips[i:min(i+lookupBatch, len(ips))]
		r, err := n.asn.Resolve(ctx, batch)
		if ctx.Err() != nil {
			p.Done()
			return nil, ctx.Err()
		}
		for ip, inf := range r.Found {
			found[ip] = inf
		}
		for ip, e := range r.Missing {
			missing[ip] = e
		}
		if err != nil {
			for _, ip := range batch {
				if _, ok := found[ip]; !ok {
					if _, ok := missing[ip]; !ok {
						missing[ip] = err
					}
				}
			}
		}
		for _, ip := range batch {
			if _, ok := found[ip]; !ok {
				if _, ok := missing[ip]; !ok {
					missing[ip] = errors.New("no answer")
				}
			}
		}
		p.Add(len(batch))
	}
	p.Done()
	if len(missing) > 0 {
		res.warn("ASN lookup failed for %d of %d public addresses (shown as \"unknown\"): %s", len(missing), len(ips), listErrors(missing))
	}
	return found, nil
}

func listErrors(m map[string]error) string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var parts []string
	for i, k := range keys {
		if i == maxListed {
			parts = append(parts, fmt.Sprintf("and %d more", len(keys)-maxListed))
			break
		}
		parts = append(parts, k+": "+errText(m[k]))
	}
	return strings.Join(parts, "; ")
}

func errText(err error) string {
	if err == nil {
		return "not found"
	}
	return err.Error()
}

// asnOfIP maps each address of the summary to its ASN label.
func asnOfIP(sum *ASNSummary) map[string]string {
	m := map[string]string{}
	if sum == nil {
		return m
	}
	for _, r := range sum.Rows {
		if r.DestASN != "" {
			for _, ip := range r.DestIPs {
				m[ip] = r.DestASN
			}
		}
		if r.SourceASN != "" {
			for _, ip := range r.SourceIPs {
				m[ip] = r.SourceASN
			}
		}
	}
	return m
}

type peer struct {
	role   string
	protos []string
	flows  int64
}

// geoAll places the remote addresses of all flows (outbound blue, inbound
// purple) and the host's addresses (green).
func (n *NetworkFlowSummary) geoAll(res *Result) *GeoMapData {
	peers := map[string]*peer{}
	var order []string
	host := map[string]bool{}
	for _, h := range res.HostEntity.IPs() {
		host[h] = true
	}
	add := func(ip, role, proto string, fl int64) {
		key := role + "\x00" + ip
		p := peers[key]
		if p == nil {
			p = &peer{role: role}
			peers[key] = p
			order = append(order, key)
		}
		if !contains(p.protos, proto) {
			p.protos = append(p.protos, proto)
		}
		p.flows += fl
	}
	for _, h := range res.HostEntity.IPs() {
		add(h, "host", "", 0)
	}
	for _, r := range res.FlowIndexData {
		if r.FlowDirection == "O" {
			if !host[r.Dest] {
				add(r.Dest, "outbound", r.L7Protocol, r.TotalAllowedFlows)
			}
		} else if !host[r.Source] {
			add(r.Source, "inbound", r.L7Protocol, r.TotalAllowedFlows)
		}
	}
	return n.place(res, order, peers, nil)
}

// place locates the peers in order and builds the map data.
func (n *NetworkFlowSummary) place(res *Result, order []string, peers map[string]*peer, threats map[string]string) *GeoMapData {
	d := &GeoMapData{Points: []GeoPoint{}}
	asns := asnOfIP(res.FlowSummary)
	failed := map[string]error{}
	for _, key := range order {
		p := peers[key]
		_, ip, _ := strings.Cut(key, "\x00")
		if !IsPublic(ip) {
			d.Private++
			continue
		}
		if len(d.Points) >= MaxMapMarkers {
			d.Omitted++
			continue
		}
		a, err := netip.ParseAddr(ip)
		if err != nil {
			failed[ip] = err
			continue
		}
		loc, err := n.geo.Locate(a)
		if err != nil {
			failed[ip] = err
			continue
		}
		if !loc.Known {
			d.Unknown++
			continue
		}
		protos := strings.Join(nonEmpty(p.protos), ", ")
		gp := GeoPoint{IP: ip, Role: p.role, Known: true, Latitude: loc.Latitude, Longitude: loc.Longitude,
			Country: firstNonEmpty(loc.Country, loc.CountryISO), City: loc.City, ASN: asns[ip], Protocols: protos, Flows: p.flows}
		if t, ok := threats[ip]; ok {
			gp.Role, gp.Threat = "threat", t
		}
		d.Points = append(d.Points, gp)
	}
	if len(failed) > 0 {
		d.Failed = []string{listErrors(failed)}
		res.warn("geo-IP lookup failed for %d addresses: %s", len(failed), listErrors(failed))
	}
	return d
}

func nonEmpty(in []string) []string {
	var out []string
	for _, s := range in {
		if s != "" {
			out = append(out, s)
		}
	}
	return out
}

// geoSelected places the addresses of the selected ASNs: dest addresses of
// rows with a selected DestASN (outbound), source addresses of rows with a
// selected SourceASN (inbound), positive TI hits in red, and the host.
func (n *NetworkFlowSummary) geoSelected(res *Result) *GeoMapData {
	want := map[string]bool{}
	for _, a := range res.SelectedASNs {
		want[a] = true
	}
	threats := map[string]string{}
	if res.TIResults != nil {
		for _, p := range res.TIResults.Positives {
			t := p.Provider + " (" + severityName(p.Severity) + ")"
			if p.Details != "" {
				t += ": " + p.Details
			}
			if old, ok := threats[p.Ioc]; ok {
				t = old + "; " + t
			}
			threats[p.Ioc] = t
		}
	}
	peers := map[string]*peer{}
	var order []string
	add := func(ip, role string, protos []string, fl int64) {
		key := role + "\x00" + ip
		p := peers[key]
		if p == nil {
			p = &peer{role: role}
			peers[key] = p
			order = append(order, key)
		}
		for _, pr := range protos {
			if !contains(p.protos, pr) {
				p.protos = append(p.protos, pr)
			}
		}
		p.flows += fl
	}
	for _, h := range res.HostEntity.IPs() {
		add(h, "host", nil, 0)
	}
	if res.FlowSummary != nil {
		for _, r := range res.FlowSummary.Rows {
			if r.DestASN != "" && want[r.DestASN] {
				for _, ip := range r.DestIPs {
					add(ip, "outbound", r.L7Protocols, 0)
				}
			}
			if r.SourceASN != "" && want[r.SourceASN] {
				for _, ip := range r.SourceIPs {
					add(ip, "inbound", r.L7Protocols, 0)
				}
			}
		}
	}
	return n.place(res, order, peers, threats)
}

// lookupTI looks up ips at every provider (ti.Lookup: concurrent,
// deduplicated, partial results on failure) with a progress bar.
func (n *NetworkFlowSummary) lookupTI(ctx context.Context, s nb.Sink, ips []string) (*TIResults, error) {
	out := &TIResults{IPs: ips, Results: []ti.Result{}}
	if len(ips) == 0 || len(n.ti) == 0 {
		if len(n.ti) == 0 {
			out.Failed = append(out.Failed, "no threat-intel providers are configured")
		}
		return out, nil
	}
	s.Text("Getting data from Threat Intelligence...", false)
	p := widgets.NewProgress(s, "flowsummary-ti", "TI lookup", len(ips)*len(n.ti))
	var mu sync.Mutex
	last := 0
	res, err := ti.Lookup(ctx, n.ti, ips, func(done, _ int) {
		mu.Lock()
		defer mu.Unlock()
		if done > last {
			p.Add(done - last)
			last = done
		}
	})
	p.Done()
	if ctx.Err() != nil {
		return nil, ctx.Err()
	}
	if err != nil {
		return nil, err
	}
	out.Results = append(out.Results, res.Results...)
	for _, f := range res.Failures {
		listed, more := f.Iocs, ""
		if len(listed) > maxListed {
			more = fmt.Sprintf(" and %d more", len(listed)-maxListed)
			listed = listed[:maxListed]
		}
		out.Failed = append(out.Failed, fmt.Sprintf("%s: %d addresses not looked up (%s%s): %s", f.Provider, len(f.Iocs), strings.Join(listed, ", "), more, f.Reason))
	}
	out.Positives = Positives(out.Results)
	return out, nil
}

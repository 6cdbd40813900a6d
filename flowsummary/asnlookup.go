package flowsummary

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/gonotebooklets/notebooklets/nb"
	"github.com/gonotebooklets/notebooklets/providers/asn"
	"github.com/gonotebooklets/notebooklets/providers/ipaddr"
	"github.com/gonotebooklets/notebooklets/widgets"
)

// lookupBatch is how many addresses go to a resolver at once (the progress
// bar moves per batch).
const lookupBatch = 256

// maxListed is how many failed addresses a warning names.
const maxListed = 5

// summarize looks up the ASNs of the public addresses (with progress) and
// builds the flow summary and the default ASN selection; shown as the
// get_flow_summary section.
func (n *NetworkFlowSummary) summarize(ctx context.Context, s nb.Sink, res *Result, v view) error {
	var runErr error
	err := showSection(ctx, s, SectionFlowSummary, res, v, func(s nb.Sink) error {
		s.Text(fmt.Sprintf("Found %d unique IP Addresses.", res.UniqueIPs), false)
		ips := PublicIPs(res.FlowIndex)
		for _, h := range res.HostEntity.IPs() {
			if ipaddr.IsPublic(h) && !slices.Contains(ips, h) {
				ips = append(ips, h)
			}
		}
		found, err := n.resolveASNs(ctx, s, res, ips)
		sum := SummarizeASNs(res.FlowIndex, found)
		res.FlowSummary = &sum
		var own []asn.Number
		for _, h := range res.HostEntity.IPs() {
			if ipaddr.IsPublic(h) {
				own = append(own, ASNInfoOf(h, found).Number())
			}
		}
		res.HostEntity.ASNs = own
		res.DefaultASNSelection = DefaultASNSelection(sum, own)
		if err != nil {
			runErr = err
			return nil
		}
		return renderFlowSummary(s, res, v)
	})
	if runErr != nil {
		return runErr
	}
	if err != nil {
		res.warn("section %s could not be shown: %v", SectionFlowSummary, err)
	}
	return nil
}

// resolveASNs resolves ips in batches with a progress bar; failures become
// warnings naming the addresses. Only an ended ctx is an error (with what
// was found so far).
func (n *NetworkFlowSummary) resolveASNs(ctx context.Context, s nb.Sink, res *Result, ips []string) (map[string]asn.Info, error) {
	found := make(map[string]asn.Info, len(ips))
	if len(ips) == 0 {
		return found, nil
	}
	if n.asn == nil {
		res.warn("no ASN source is configured: the %d public addresses are in the \"unknown\" ASN (give a GeoLite2-ASN database)", len(ips))
		return found, nil
	}
	s.Text("Getting data from "+res.Provenance.ASN.String()+"...", false)
	p := widgets.NewProgress(s, "flowsummary-whois", "ASN lookup", len(ips))
	defer p.Done()
	missing := map[string]error{}
	for i := 0; i < len(ips); i += lookupBatch {
		batch := ips[i:min(i+lookupBatch, len(ips))]
		r, err := n.asn.Resolve(ctx, batch)
		for ip, inf := range r.Found {
			found[ip] = inf
		}
		for ip, e := range r.Missing {
			missing[ip] = e
		}
		for _, ip := range batch {
			if _, ok := found[ip]; ok {
				continue
			}
			if _, ok := missing[ip]; !ok {
				missing[ip] = cmp.Or(err, errors.New("no answer"))
			}
		}
		p.Add(len(batch))
		if ctx.Err() != nil {
			res.warn("ASN lookup interrupted after %d of %d public addresses", min(i+lookupBatch, len(ips)), len(ips))
			return found, ctx.Err()
		}
	}
	if len(missing) > 0 {
		res.warn("ASN lookup failed for %d of %d public addresses (shown as \"unknown\"): %s", len(missing), len(ips), listErrors(missing))
	}
	return found, nil
}

// listErrors lists the first maxListed "address: reason", sorted, and how
// many more there are.
func listErrors(m map[string]error) string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	var parts []string
	for i, k := range keys {
		if i == maxListed {
			parts = append(parts, fmt.Sprintf("and %d more", len(keys)-maxListed))
			break
		}
		reason := "not found"
		if m[k] != nil {
			reason = m[k].Error()
		}
		parts = append(parts, k+": "+reason)
	}
	return strings.Join(parts, "; ")
}

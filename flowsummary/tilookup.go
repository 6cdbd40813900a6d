package flowsummary

import (
	"context"
	"fmt"
	"strings"
	"sync"

	"github.com/gonotebooklets/notebooklets/nb"
	"github.com/gonotebooklets/notebooklets/providers/provenance"
	"github.com/gonotebooklets/notebooklets/providers/ti"
	"github.com/gonotebooklets/notebooklets/widgets"
)

// lookupTI looks up ips at every provider (ti.LookupWith: concurrent,
// deduplicated, a circuit breaker per provider, partial results on failure)
// with a progress bar, within the handle's lookup deadline: what is not
// looked up by then is said in Failed. When ctx ends, it returns what it has
// and ctx's error.
func (n *NetworkFlowSummary) lookupTI(ctx context.Context, s nb.Sink, ips []string) (*TIResults, error) {
	out := &TIResults{IPs: ips, Results: []ti.Result{}}
	for _, p := range n.ti {
		out.Providers = append(out.Providers, provenance.Of(p).String())
	}
	if len(n.ti) == 0 {
		out.Failed = append(out.Failed, "no threat-intel providers are configured: nothing was looked up (configure TIProviders in msticpyconfig.yaml, or give an indicator file)")
		return out, nil
	}
	if len(ips) == 0 {
		return out, nil
	}
	s.Text("Getting data from Threat Intelligence ("+strings.Join(out.Providers, ", ")+")...", false)
	p := widgets.NewProgress(s, "flowsummary-ti", "TI lookup", len(ips)*len(n.ti))
	var mu sync.Mutex
	last := 0
	res, err := ti.LookupWith(ctx, ti.LookupOptions{Deadline: n.lookupDeadline, Progress: func(pr ti.Progress) {
		mu.Lock()
		defer mu.Unlock()
		if !pr.Deadline.IsZero() {
			p.Deadline(pr.Deadline)
		}
		if pr.Done > last {
			p.Add(pr.Done - last)
			last = pr.Done
		}
	}}, n.ti, ips, nil)
	p.Done()
	out.Results = append(out.Results, res.Results...)
	for _, f := range res.Failures {
		listed, more := f.Iocs, ""
		if len(listed) > maxListed {
			more = fmt.Sprintf(" and %d more", len(listed)-maxListed)
			listed = listed[:maxListed]
		}
		out.Failed = append(out.Failed, fmt.Sprintf("%s: %d addresses not looked up (%s%s): %s", f.Provider, len(f.Iocs), strings.Join(listed, ", "), more, f.Reason))
	}
	out.Failed = append(out.Failed, res.Warnings...)
	out.Positives = ti.Positive(out.Results)
	return out, err
}

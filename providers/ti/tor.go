package ti

import (
	"bufio"
	"bytes"
	"context"
	"net/http"
	"net/netip"
	"strings"
	"sync"
	"time"

	"github.com/gonotebooklets/notebooklets/providers/provenance"
)

// Tor checks IP addresses against the Tor Project's bulk exit list
// (https://check.torproject.org/exit-addresses), fetched once and cached
// for a day.
//
// Severity, as msticpy's Tor provider: an exit node → Medium (msticpy's
// "warning"); otherwise a negative Information result. The list may be
// in the exit-addresses format (ExitNode/Published/LastStatus/ExitAddress
// records) or a plain list of addresses, one a line.
type Tor struct {
	r   *remote
	ttl time.Duration

	mu      sync.Mutex
	nodes   map[string]torNode
	fetched time.Time
}

type torNode struct{ id, lastStatus string }

// TorExitListURL is the default list address.
const TorExitListURL = "https://check.torproject.org/exit-addresses"

// NewTor returns the Tor exit list provider. WithBaseURL sets the full
// URL of the list.
func NewTor(opts ...Option) *Tor {
	return &Tor{r: newRemote("Tor", "", TorExitListURL, 0, opts), ttl: 24 * time.Hour}
}

// Name implements Provider.
func (p *Tor) Name() string { return p.r.name }

// Lookup implements Provider. If the list cannot be fetched and none is
// cached, every indicator gets Err and the error says why.
func (p *Tor) Lookup(ctx context.Context, iocs []string) ([]Result, error) {
	nodes, err := p.list(ctx)
	if err != nil {
		out := make([]Result, len(iocs))
		for i, ioc := range iocs {
			n := Normalize(ioc)
			out[i] = p.r.errResult(n, IocType(n), err)
		}
		return out, err
	}
	out := make([]Result, len(iocs))
	for i, raw := range iocs {
		ioc := Normalize(raw)
		typ, ok := ipType(ioc)
		if !ok {
			out[i] = p.r.errResult(ioc, typ, p.r.fail(ErrUnsupported, "%q is %s; the Tor exit list holds IP addresses", ioc, typ))
			continue
		}
		r := Result{Ioc: ioc, IocType: typ, Provider: p.r.name, Details: "Not found.", Reference: TorExitListURL}
		if n, ok := nodes[ioc]; ok {
			r.Severity, r.Positive = Medium, true
			r.Details = "Tor exit node"
			if n.id != "" {
				r.Details += "; NodeID: " + n.id
			}
			if n.lastStatus != "" {
				r.Details += "; LastStatus: " + n.lastStatus
			}
		}
		out[i] = r
	}
	return out, nil
}

// list returns the cached exit list, fetching it when missing or older
// than a day. A failed refresh keeps a stale list.
func (p *Tor) list(ctx context.Context) (map[string]torNode, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.nodes != nil && time.Since(p.fetched) < p.ttl {
		return p.nodes, nil
	}
	resp, err := p.r.get(ctx, "", nil, http.Header{"Accept": {"text/plain"}})
	if err == nil && resp.status != http.StatusOK {
		err = p.r.fail(ErrUnavailable, "GET exit list: HTTP %d%s", resp.status, p.r.snippet(resp.body))
	}
	var nodes map[string]torNode
	if err == nil {
		nodes = parseTorList(resp.body)
		if len(nodes) == 0 {
			err = p.r.fail(ErrBadResponse, "GET exit list: no exit addresses in the answer%s", p.r.snippet(resp.body))
		}
	}
	if err != nil {
		if p.nodes != nil {
			return p.nodes, nil
		}
		return nil, err
	}
	p.nodes, p.fetched = nodes, time.Now()
	return nodes, nil
}

func parseTorList(b []byte) map[string]torNode {
	nodes := map[string]torNode{}
	var cur torNode
	sc := bufio.NewScanner(bytes.NewReader(b))
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		f := strings.SplitN(line, " ", 3)
		switch f[0] {
		case "ExitNode":
			cur = torNode{}
			if len(f) > 1 {
				cur.id = f[1]
			}
		case "LastStatus":
			cur.lastStatus = strings.TrimSpace(strings.TrimPrefix(line, "LastStatus"))
		case "ExitAddress":
			if len(f) > 1 {
				if a, err := netip.ParseAddr(f[1]); err == nil {
					nodes[a.Unmap().String()] = cur
				}
			}
		case "Published":
		default:
			if a, err := netip.ParseAddr(f[0]); err == nil && len(f) == 1 {
				nodes[a.Unmap().String()] = torNode{}
			}
		}
	}
	return nodes
}

// Provenance implements provenance.Describer.
func (p *Tor) Provenance() provenance.Info { return p.r.provenance() }

package ti

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/gonotebooklets/notebooklets/providers/provenance"
)

// GreyNoise looks up IPv4 addresses with the GreyNoise Community API
// (GET /v3/community/{ip}; the key header is optional there).
//
// Severity, as msticpy's GreyNoise provider: classification "malicious" →
// High; everything else Information ("benign", "unknown", RIOT: known
// business services), except "suspicious" (newer API answers), which is our
// extra Low level (not positive). Not observed (404) → a negative
// Information result.
type GreyNoise struct{ r *remote }

// GreyNoiseBaseURL is the default service address.
const GreyNoiseBaseURL = "https://api.greynoise.io"

// NewGreyNoise returns the GreyNoise provider; key may be empty (the
// community API then allows fewer lookups a day). Default rate limit: one
// request a second.
func NewGreyNoise(key string, opts ...Option) *GreyNoise {
	return &GreyNoise{r: newRemote("GreyNoise", key, GreyNoiseBaseURL, time.Second, opts)}
}

// Name implements Provider.
func (p *GreyNoise) Name() string { return p.r.name }

// Lookup implements Provider.
func (p *GreyNoise) Lookup(ctx context.Context, iocs []string) ([]Result, error) {
	return p.r.lookupAll(ctx, iocs, p.one)
}

type gnCommunity struct {
	IP             string `json:"ip"`
	Noise          *bool  `json:"noise"`
	RIOT           *bool  `json:"riot"`
	Classification string `json:"classification"`
	Name           string `json:"name"`
	Link           string `json:"link"`
	LastSeen       string `json:"last_seen"`
	Message        string `json:"message"`
}

func (p *GreyNoise) one(ctx context.Context, ioc string) (Result, error) {
	typ, err := p.r.requireIP(ioc)
	if err != nil {
		return Result{}, err
	}
	if typ != TypeIPv4 {
		return Result{}, p.r.fail(ErrUnsupported, "%q: the community API looks up IPv4 addresses only", ioc)
	}
	h := http.Header{"Accept": {"application/json"}}
	if p.r.key != "" {
		h.Set("Key", p.r.key)
	}
	path := "/v3/community/" + url.PathEscape(ioc)
	resp, err := p.r.get(ctx, path, nil, h)
	if err != nil {
		return Result{}, err
	}
	ref := "https://viz.greynoise.io/ip/" + url.PathEscape(ioc)
	if resp.status == http.StatusNotFound {
		var g gnCommunity
		msg := "Not found."
		if p.r.decode("GET "+path, resp.body, &g) == nil && g.Message != "" {
			msg = "Not found: " + g.Message
		}
		return Result{IocType: typ, Details: msg, Reference: ref}, nil
	}
	if resp.status != http.StatusOK {
		return Result{}, p.r.fail(ErrBadResponse, "GET %s: HTTP %d%s", path, resp.status, p.r.snippet(resp.body))
	}
	var g gnCommunity
	if err := p.r.decode("GET "+path, resp.body, &g); err != nil {
		return Result{}, err
	}
	if g.Noise == nil && g.RIOT == nil && g.Classification == "" {
		return Result{}, p.r.fail(ErrBadResponse, "GET %s: no noise, riot or classification in the answer", path)
	}
	sev := Information
	switch strings.ToLower(g.Classification) {
	case "malicious":
		sev = High
	case "suspicious":
		sev = Low
	}
	parts := []string{"classification: " + orDash(g.Classification)}
	if g.Name != "" {
		parts = append(parts, "name: "+g.Name)
	}
	parts = append(parts, fmt.Sprintf("noise: %t, riot: %t", g.Noise != nil && *g.Noise, g.RIOT != nil && *g.RIOT))
	if g.LastSeen != "" {
		parts = append(parts, "last_seen: "+g.LastSeen)
	}
	if g.Link != "" {
		ref = g.Link
	}
	return Result{IocType: typ, Severity: sev, Details: strings.Join(parts, "; "), Reference: ref}, nil
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

// Limits returns the request rate and concurrency in force.
func (p *GreyNoise) Limits() Limits { return p.r.limits() }

// BatchSize implements BatchSizer: as many indicators as workers, so that
// Lookup reports progress every few indicators.
func (p *GreyNoise) BatchSize() int { return p.r.cfg.workers }

// Provenance implements provenance.Describer.
func (p *GreyNoise) Provenance() provenance.Info { return p.r.provenance() }

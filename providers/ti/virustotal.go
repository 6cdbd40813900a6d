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

// VirusTotal looks up IP addresses with the VirusTotal v3 API
// (GET /api/v3/ip_addresses/{ip}, key in the x-apikey header).
//
// Severity, from data.attributes.last_analysis_stats, following msticpy's
// "positives" rule (more than one → high, one → warning): more than one
// engine says malicious → High; one says malicious → Medium; none malicious
// but some suspicious → Low (our extra level, not positive); otherwise
// Information. Unknown to VirusTotal (404 NotFoundError) → a negative
// Information result.
type VirusTotal struct{ r *remote }

// VirusTotalBaseURL is the default service address.
const VirusTotalBaseURL = "https://www.virustotal.com"

// NewVirusTotal returns the VirusTotal provider for the API key. The
// public API allows 4 requests a minute: the default rate limit is one
// request per 15 s (use WithMinInterval for premium keys).
func NewVirusTotal(key string, opts ...Option) *VirusTotal {
	return &VirusTotal{r: newRemote("VirusTotal", key, VirusTotalBaseURL, 15*time.Second, opts)}
}

// Name implements Provider.
func (p *VirusTotal) Name() string { return p.r.name }

// Lookup implements Provider.
func (p *VirusTotal) Lookup(ctx context.Context, iocs []string) ([]Result, error) {
	return p.r.lookupAll(ctx, iocs, p.one)
}

type vtIP struct {
	Data *struct {
		ID         string `json:"id"`
		Type       string `json:"type"`
		Attributes struct {
			Stats *struct {
				Harmless   int `json:"harmless"`
				Malicious  int `json:"malicious"`
				Suspicious int `json:"suspicious"`
				Undetected int `json:"undetected"`
				Timeout    int `json:"timeout"`
			} `json:"last_analysis_stats"`
			Reputation int    `json:"reputation"`
			ASOwner    string `json:"as_owner"`
			Country    string `json:"country"`
		} `json:"attributes"`
	} `json:"data"`
}

func (p *VirusTotal) one(ctx context.Context, ioc string) (Result, error) {
	typ, err := p.r.requireIP(ioc)
	if err != nil {
		return Result{}, err
	}
	path := "/api/v3/ip_addresses/" + url.PathEscape(ioc)
	resp, err := p.r.get(ctx, path, nil, http.Header{"X-Apikey": {p.r.key}, "Accept": {"application/json"}})
	if err != nil {
		return Result{}, err
	}
	ref := "https://www.virustotal.com/gui/ip-address/" + url.PathEscape(ioc)
	if resp.status == http.StatusNotFound {
		return Result{IocType: typ, Details: "Not found.", Reference: ref}, nil
	}
	if resp.status != http.StatusOK {
		return Result{}, p.r.fail(ErrBadResponse, "GET %s: HTTP %d%s", path, resp.status, p.r.snippet(resp.body))
	}
	var v vtIP
	if err := p.r.decode("GET "+path, resp.body, &v); err != nil {
		return Result{}, err
	}
	if v.Data == nil || v.Data.Attributes.Stats == nil {
		return Result{}, p.r.fail(ErrBadResponse, "GET %s: no data.attributes.last_analysis_stats in the answer", path)
	}
	s := v.Data.Attributes.Stats
	sev := Information
	switch {
	case s.Malicious > 1:
		sev = High
	case s.Malicious == 1:
		sev = Medium
	case s.Suspicious > 0:
		sev = Low
	}
	parts := []string{fmt.Sprintf("malicious: %d, suspicious: %d, harmless: %d, undetected: %d",
		s.Malicious, s.Suspicious, s.Harmless, s.Undetected),
		fmt.Sprintf("reputation: %d", v.Data.Attributes.Reputation)}
	if o := v.Data.Attributes.ASOwner; o != "" {
		parts = append(parts, "as_owner: "+o)
	}
	if c := v.Data.Attributes.Country; c != "" {
		parts = append(parts, "country: "+c)
	}
	return Result{IocType: typ, Severity: sev, Details: strings.Join(parts, "; "), Reference: ref}, nil
}

// Limits returns the request rate and concurrency in force.
func (p *VirusTotal) Limits() Limits { return p.r.limits() }

// BatchSize implements BatchSizer: as many indicators as workers, so that
// Lookup reports progress every few indicators.
func (p *VirusTotal) BatchSize() int { return p.r.cfg.workers }

// Provenance implements provenance.Describer.
func (p *VirusTotal) Provenance() provenance.Info { return p.r.provenance() }

package ti

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/gonotebooklets/notebooklets/providers/provenance"
)

// OTX looks up IP addresses in AlienVault OTX (the indicator "general"
// section, plus "reputation" when OTX has it).
//
// Severity, as msticpy's OTX provider (by the pulses listed in pulse_info):
// none → Information; one → Medium (msticpy's "warning"); two or more →
// High. Our extra Low level (not positive): a pulse count with no pulses
// listed, or an OTX reputation record with activities. Not known to OTX (404
// or 400 "invalid indicator") → a negative Information result.
type OTX struct{ r *remote }

// OTXBaseURL is the default service address.
const OTXBaseURL = "https://otx.alienvault.com"

// NewOTX returns the OTX provider for the API key. OTX allows about 10,000
// requests an hour: the default rate limit is one request per 400 ms.
func NewOTX(key string, opts ...Option) *OTX {
	return &OTX{r: newRemote("OTX", key, OTXBaseURL, 400*time.Millisecond, opts)}
}

// Name implements Provider.
func (p *OTX) Name() string { return p.r.name }

// Lookup implements Provider.
func (p *OTX) Lookup(ctx context.Context, iocs []string) ([]Result, error) {
	return p.r.lookupAll(ctx, iocs, p.one)
}

type otxGeneral struct {
	Indicator  string   `json:"indicator"`
	Reputation *int     `json:"reputation"`
	Sections   []string `json:"sections"`
	ASN        string   `json:"asn"`
	Country    string   `json:"country_name"`
	PulseInfo  *struct {
		Count  int `json:"count"`
		Pulses []struct {
			Name       string   `json:"name"`
			Tags       []string `json:"tags"`
			References []string `json:"references"`
		} `json:"pulses"`
	} `json:"pulse_info"`
}

type otxReputation struct {
	Reputation *struct {
		ThreatScore int `json:"threat_score"`
		Activities  []struct {
			Name string `json:"name"`
		} `json:"activities"`
	} `json:"reputation"`
}

func (p *OTX) one(ctx context.Context, ioc string) (Result, error) {
	typ, err := p.r.requireIP(ioc)
	if err != nil {
		return Result{}, err
	}
	kind := "IPv4"
	if typ == TypeIPv6 {
		kind = "IPv6"
	}
	h := http.Header{"X-Otx-Api-Key": {p.r.key}, "Accept": {"application/json"}}
	path := "/api/v1/indicators/" + kind + "/" + url.PathEscape(ioc) + "/general"
	resp, err := p.r.get(ctx, path, nil, h)
	if err != nil {
		return Result{}, err
	}
	ref := "https://otx.alienvault.com/indicator/ip/" + url.PathEscape(ioc)
	if resp.status == http.StatusNotFound || resp.status == http.StatusBadRequest {
		return Result{IocType: typ, Details: "Not found.", Reference: ref}, nil
	}
	if resp.status != http.StatusOK {
		return Result{}, p.r.fail(ErrBadResponse, "GET %s: HTTP %d%s", path, resp.status, p.r.snippet(resp.body))
	}
	var g otxGeneral
	if err := p.r.decode("GET "+path, resp.body, &g); err != nil {
		return Result{}, err
	}
	if g.PulseInfo == nil {
		return Result{}, p.r.fail(ErrBadResponse, "GET %s: no pulse_info in the answer", path)
	}
	// msticpy counts the pulses listed; a count with no pulses listed is
	// our extra Low level.
	listed := len(g.PulseInfo.Pulses)
	n := max(listed, g.PulseInfo.Count)
	sev := Information
	switch {
	case listed == 1:
		sev = Medium
	case listed > 1:
		sev = High
	case n > 0:
		sev = Low
	}
	var parts []string
	parts = append(parts, fmt.Sprintf("pulse_count: %d", n))
	var names, tags []string
	for _, pl := range g.PulseInfo.Pulses {
		if pl.Name != "" && len(names) < 10 {
			names = append(names, pl.Name)
		}
		for _, t := range pl.Tags {
			if len(tags) < 15 && !slices.Contains(tags, t) {
				tags = append(tags, t)
			}
		}
	}
	if len(names) > 0 {
		parts = append(parts, "pulses: "+strings.Join(names, ", "))
	}
	if len(tags) > 0 {
		parts = append(parts, "tags: "+strings.Join(tags, ", "))
	}
	// Reputation is optional: a failure there does not fail the lookup.
	rpath := "/api/v1/indicators/" + kind + "/" + url.PathEscape(ioc) + "/reputation"
	if rr, err := p.r.get(ctx, rpath, nil, h); err == nil && rr.status == http.StatusOK {
		var rep otxReputation
		if p.r.decode("GET "+rpath, rr.body, &rep) == nil && rep.Reputation != nil {
			var acts []string
			for _, a := range rep.Reputation.Activities {
				if a.Name != "" && !slices.Contains(acts, a.Name) {
					acts = append(acts, a.Name)
				}
			}
			parts = append(parts, fmt.Sprintf("threat_score: %d", rep.Reputation.ThreatScore))
			if len(acts) > 0 {
				parts = append(parts, "activities: "+strings.Join(acts, ", "))
				if sev == Information {
					sev = Low
				}
			}
		}
	} else if err != nil && ctx.Err() != nil {
		return Result{}, err
	}
	return Result{IocType: typ, Severity: sev, Details: strings.Join(parts, "; "), Reference: ref}, nil
}

// Limits returns the request rate and concurrency in force.
func (p *OTX) Limits() Limits { return p.r.limits() }

// BatchSize implements BatchSizer: as many indicators as workers, so that
// Lookup reports progress every few indicators.
func (p *OTX) BatchSize() int { return p.r.cfg.workers }

// Provenance implements provenance.Describer.
func (p *OTX) Provenance() provenance.Info { return p.r.provenance() }

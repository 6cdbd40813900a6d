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

// AbuseIPDB looks up IP addresses with the AbuseIPDB v2 check endpoint
// (GET /api/v2/check?ipAddress=…&maxAgeInDays=90, key in the Key header).
//
// Severity from abuseConfidenceScore, as msticpy's AbuseIPDB provider:
// 0 → Information; 1..50 → Medium (msticpy's "warning"); above 50 → High.
// Invalid or reserved addresses (422) → a negative Information result.
type AbuseIPDB struct{ r *remote }

// AbuseIPDBBaseURL is the default service address.
const AbuseIPDBBaseURL = "https://api.abuseipdb.com"

// NewAbuseIPDB returns the AbuseIPDB provider for the API key. The free
// plan allows 1,000 checks a day: the default rate limit is one request a
// second; 429 answers are honoured through Retry-After.
func NewAbuseIPDB(key string, opts ...Option) *AbuseIPDB {
	return &AbuseIPDB{r: newRemote("AbuseIPDB", key, AbuseIPDBBaseURL, time.Second, opts)}
}

// Name implements Provider.
func (p *AbuseIPDB) Name() string { return p.r.name }

// Lookup implements Provider.
func (p *AbuseIPDB) Lookup(ctx context.Context, iocs []string) ([]Result, error) {
	return p.r.lookupAll(ctx, iocs, p.one)
}

type abuseCheck struct {
	Data *struct {
		IPAddress     string   `json:"ipAddress"`
		IsPublic      bool     `json:"isPublic"`
		IsWhitelisted *bool    `json:"isWhitelisted"`
		Score         *int     `json:"abuseConfidenceScore"`
		CountryCode   string   `json:"countryCode"`
		UsageType     string   `json:"usageType"`
		ISP           string   `json:"isp"`
		Domain        string   `json:"domain"`
		Hostnames     []string `json:"hostnames"`
		IsTor         bool     `json:"isTor"`
		TotalReports  int      `json:"totalReports"`
		LastReported  string   `json:"lastReportedAt"`
	} `json:"data"`
	Errors []struct {
		Detail string `json:"detail"`
		Status int    `json:"status"`
	} `json:"errors"`
}

func (p *AbuseIPDB) one(ctx context.Context, ioc string) (Result, error) {
	typ, err := p.r.requireIP(ioc)
	if err != nil {
		return Result{}, err
	}
	const path = "/api/v2/check"
	q := url.Values{"ipAddress": {ioc}, "maxAgeInDays": {"90"}}
	resp, err := p.r.get(ctx, path, q, http.Header{"Key": {p.r.key}, "Accept": {"application/json"}})
	if err != nil {
		return Result{}, err
	}
	ref := "https://www.abuseipdb.com/check/" + url.PathEscape(ioc)
	if resp.status == http.StatusUnprocessableEntity || resp.status == http.StatusNotFound {
		var a abuseCheck
		msg := "Not found."
		if p.r.decode("GET "+path, resp.body, &a) == nil && len(a.Errors) > 0 && a.Errors[0].Detail != "" {
			msg = "Not found: " + a.Errors[0].Detail
		}
		return Result{IocType: typ, Details: msg, Reference: ref}, nil
	}
	if resp.status != http.StatusOK {
		return Result{}, p.r.fail(ErrBadResponse, "GET %s: HTTP %d%s", path, resp.status, p.r.snippet(resp.body))
	}
	var a abuseCheck
	if err := p.r.decode("GET "+path, resp.body, &a); err != nil {
		return Result{}, err
	}
	if a.Data == nil || a.Data.Score == nil {
		return Result{}, p.r.fail(ErrBadResponse, "GET %s: no data.abuseConfidenceScore in the answer", path)
	}
	score := *a.Data.Score
	sev := Information
	switch {
	case score > 50:
		sev = High
	case score > 0:
		sev = Medium
	}
	d := a.Data
	parts := []string{fmt.Sprintf("abuseConfidenceScore: %d, totalReports: %d", score, d.TotalReports)}
	for _, kv := range [][2]string{{"countryCode", d.CountryCode}, {"usage", d.UsageType}, {"isp", d.ISP}, {"domain", d.Domain}, {"lastReportedAt", d.LastReported}} {
		if kv[1] != "" {
			parts = append(parts, kv[0]+": "+kv[1])
		}
	}
	if len(d.Hostnames) > 0 {
		parts = append(parts, "hostnames: "+strings.Join(d.Hostnames, ", "))
	}
	if d.IsTor {
		parts = append(parts, "isTor: true")
	}
	return Result{IocType: typ, Severity: sev, Details: strings.Join(parts, "; "), Reference: ref}, nil
}

// Limits returns the request rate and concurrency in force.
func (p *AbuseIPDB) Limits() Limits { return p.r.limits() }

// BatchSize implements BatchSizer: as many indicators as workers, so that
// Lookup reports progress every few indicators.
func (p *AbuseIPDB) BatchSize() int { return p.r.cfg.workers }

// Provenance implements provenance.Describer.
func (p *AbuseIPDB) Provenance() provenance.Info { return p.r.provenance() }

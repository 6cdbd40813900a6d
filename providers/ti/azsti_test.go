package ti

import (
	"context"
	"errors"
	"flag"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/gonotebooklets/notebooklets/internal/loganalytics/loganalyticstest"
	"github.com/gonotebooklets/notebooklets/providers/provenance"
)

var updateGolden = flag.Bool("update", false, "rewrite the golden files in testdata")

// azstiNow is the clock of the AzSTI tests: the fixture's indicators
// expire around it.
var azstiNow = time.Date(2025, 6, 1, 12, 0, 0, 0, time.UTC)

func newTestAzSTI(t *testing.T, responses ...loganalyticstest.Response) (*AzSTI, *loganalyticstest.Server) {
	t.Helper()
	srv := loganalyticstest.NewServer(t, responses...)
	p, err := NewAzSTI("ws-1234", loganalyticstest.Credential{}, &AzSTIOptions{
		Endpoint: srv.URL(), ClientOptions: srv.ClientOptions(), Now: func() time.Time { return azstiNow },
	})
	if err != nil {
		t.Fatal(err)
	}
	return p, srv
}

func readTestdata(t *testing.T, name string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestAzSTIBatch(t *testing.T) {
	p, srv := newTestAzSTI(t, loganalyticstest.Response{Body: readTestdata(t, "azsti_answer.json")})
	iocs := []string{"203.0.113.5", "198.51.100.7", "198.51.100.8", "198.51.100.9", "198.51.100.10",
		"192.0.2.44", "192.0.2.45", "2001:DB8::66", "192.0.2.1", "evil.example.com", "203.0.113.5"}
	res, err := p.Lookup(context.Background(), iocs)
	if err != nil {
		t.Fatal(err)
	}

	// One query for the batch, over both tables, in the lookback window.
	reqs := srv.Requests()
	if len(reqs) != 1 {
		t.Fatalf("%d queries, want 1", len(reqs))
	}
	if reqs[0].Path != "/v1/workspaces/ws-1234/query" || reqs[0].Timespan != "2025-05-18T12:00:00Z/2025-06-01T12:00:00Z" {
		t.Errorf("request %+v", reqs[0])
	}
	golden := filepath.Join("testdata", "azsti_query.kql")
	if *updateGolden {
		os.WriteFile(golden, []byte(reqs[0].Query+"\n"), 0o644)
	}
	if d := cmp.Diff(readTestdata(t, "azsti_query.kql"), reqs[0].Query+"\n"); d != "" {
		t.Errorf("KQL (-want +got):\n%s", d)
	}

	type short struct {
		Ioc      string
		Severity Severity
		Positive bool
		Details  string
		Err      string
	}
	var got []short
	for _, r := range res {
		if r.Provider != AzSTIName {
			t.Errorf("provider %q", r.Provider)
		}
		got = append(got, short{r.Ioc, r.Severity, r.Positive, r.Details, r.Err})
	}
	want := []short{
		{"203.0.113.5", High, true, "ThreatIntelIndicators indicator (confidence 90, types malicious-activity, labels c2, apt-sample, tags Sample, source Microsoft Defender Threat Intelligence, valid until 2025-12-31): Known command-and-control server", ""},
		{"198.51.100.7", Medium, true, "ThreatIntelIndicators indicator (confidence 50, types anomalous-activity, source TAXII: partner): Scanner seen by a partner feed", ""},
		{"198.51.100.8", Information, false, "No active indicator; not counted: 1 expired 2025-05-01", ""},
		{"198.51.100.9", Information, false, "No active indicator; not counted: 1 inactive", ""},
		{"198.51.100.10", Information, false, "No active indicator; not counted: 1 revoked", ""},
		{"192.0.2.44", High, true, "ThreatIntelligenceIndicator indicator (confidence 40, action alert, types MaliciousUrl, source SecurityGraph, valid until 2026-01-01): Legacy indicator: phishing host", ""},
		{"192.0.2.45", Medium, true, "ThreatIntelligenceIndicator indicator (confidence 30, action allow, types WatchList, source SecurityGraph, valid until 2026-01-01): Legacy indicator: watch list", ""},
		{"2001:db8::66", High, true, "ThreatIntelligenceIndicator indicator (confidence 85, action alert, types Botnet, source SecurityGraph, valid until 2026-01-01): IPv6 botnet node; not counted: 1 expired 2025-04-01", ""},
		{"192.0.2.1", Information, false, "Not found.", ""},
		{"evil.example.com", Information, false, "", `AzSTI: "evil.example.com" is dns; this provider looks up IP addresses: indicator type not supported`},
		{"203.0.113.5", High, true, "ThreatIntelIndicators indicator (confidence 90, types malicious-activity, labels c2, apt-sample, tags Sample, source Microsoft Defender Threat Intelligence, valid until 2025-12-31): Known command-and-control server", ""},
	}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("results (-want +got):\n%s", d)
	}
	if res[0].Reference != "Microsoft Sentinel workspace ws-1234: ThreatIntelIndicators Id indicator--6c8a1f2e-0b0e-4a55-9f3e-2d1b7c1a0001" {
		t.Errorf("reference %q", res[0].Reference)
	}
}

func TestAzSTIThroughLookup(t *testing.T) {
	// Through Lookup: the batch is AzSTI's own size (one query for all).
	p, srv := newTestAzSTI(t, loganalyticstest.Response{Body: readTestdata(t, "azsti_answer.json")})
	var ips []string
	for i := 0; i < 60; i++ {
		ips = append(ips, "192.0.2."+strconv.Itoa(i))
	}
	res, err := Lookup(context.Background(), []Provider{p}, append(ips, "203.0.113.5"), nil)
	if err != nil {
		t.Fatal(err)
	}
	if n := len(srv.Requests()); n != 1 {
		t.Errorf("%d queries for 61 IPs, want 1", n)
	}
	if pos := res.Positive(); len(pos) != 3 || pos[0].Ioc != "192.0.2.44" || pos[1].Ioc != "192.0.2.45" || pos[2].Ioc != "203.0.113.5" {
		t.Errorf("positives %+v", pos)
	}
}

func TestAzSTIFailures(t *testing.T) {
	tests := []struct {
		name   string
		resp   loganalyticstest.Response
		errHas string
	}{
		{"not authorized", loganalyticstest.Response{Status: 403, Body: `{"error":{"code":"InsufficientAccessError","message":"no access"}}`}, "not authorized: HTTP 403 for workspace ws-1234"},
		{"no TI tables", loganalyticstest.Response{Status: 400, Body: `{"error":{"code":"BadArgumentError","message":"The request had some invalid properties","innererror":{"code":"SemanticError","message":"'ThreatIntelIndicators' could not be resolved"}}}`}, "HTTP 400"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, srv := newTestAzSTI(t, tt.resp)
			res, err := Lookup(context.Background(), []Provider{p}, []string{"192.0.2.1", "192.0.2.2"}, nil)
			if err != nil {
				t.Fatal(err)
			}
			for _, r := range res.Results {
				if !strings.HasPrefix(r.Err, NotLookedUp+"provider unavailable (workspace ws-1234: ") || !strings.Contains(r.Err, tt.errHas) {
					t.Errorf("%s: %q, want provider unavailable with %q", r.Ioc, r.Err, tt.errHas)
				}
			}
			if len(srv.Requests()) != 1 {
				t.Errorf("%d queries", len(srv.Requests()))
			}
		})
	}
}

func TestAzSTIPartialResultWarning(t *testing.T) {
	cols := []loganalyticstest.Column{{Name: "Ioc", Type: "string"}, {Name: "SourceTable", Type: "string"}, {Name: "IsActive", Type: "bool"}, {Name: "Confidence", Type: "int"}}
	rows := [][]any{{"192.0.2.9", TableThreatIntelIndicators, true, 10}}
	partial := func(msg string) loganalyticstest.Response {
		return loganalyticstest.Response{Body: loganalyticstest.Table(cols, rows,
			`"error":{"code":"PartialError","message":"There were some errors when processing your query.","details":[{"message":"`+msg+`"}]}`)}
	}
	// No legacy table: the fuzzy union says so; that is not a problem.
	p, _ := newTestAzSTI(t, partial("Failed to resolve table expression named 'ThreatIntelligenceIndicator'"),
		partial("Query result set has exceeded the internal data size limit"))
	res, err := p.Lookup(context.Background(), []string{"192.0.2.9"})
	if err != nil || res[0].Severity != Medium || !res[0].Positive {
		t.Fatalf("%+v %v", res, err)
	}
	if w := p.Warnings(); len(w) != 0 {
		t.Errorf("warnings %q, want none for a workspace without the legacy table", w)
	}
	// Any other partial result is a warning.
	p.Lookup(context.Background(), []string{"192.0.2.9"})
	if w := p.Warnings(); len(w) != 1 || !strings.Contains(w[0], "exceeded the internal data size limit") {
		t.Errorf("warnings %q", w)
	}
}

func TestAzSTIProvenanceAndConfig(t *testing.T) {
	p, _ := newTestAzSTI(t)
	want := provenance.Info{Kind: "azsti", Name: "Microsoft Sentinel threat intelligence", Location: "workspace ws-1234 (ThreatIntelIndicators, ThreatIntelligenceIndicator)"}
	if d := cmp.Diff(want, provenance.Of(p)); d != "" {
		t.Errorf("provenance (-want +got):\n%s", d)
	}
	if _, err := NewAzSTI(" ", loganalyticstest.Credential{}, nil); err == nil || errors.Is(err, ErrUnsupported) {
		t.Errorf("empty workspace: %v", err)
	}
}

package flows

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"

	"github.com/gonotebooklets/notebooklets/internal/loganalytics/loganalyticstest"
	"github.com/google/go-cmp/cmp"
)

type fakeCred = loganalyticstest.Credential

// fakeLA is an httptest fake of the Log Analytics query API
// (POST /v1/workspaces/{id}/query). Each request pops the next response.
type fakeLA struct {
	t         *testing.T
	mu        sync.Mutex
	responses []fakeResp
	queries   []string
	timespans []string
	auth      []string
	paths     []string
}

type fakeResp struct {
	status int
	body   string
	header map[string]string
}

func (f *fakeLA) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	defer f.mu.Unlock()
	var body struct {
		Query    string `json:"query"`
		Timespan string `json:"timespan"`
	}
	b, _ := io.ReadAll(r.Body)
	if err := json.Unmarshal(b, &body); err != nil {
		f.t.Errorf("request body %q: %v", b, err)
	}
	f.queries = append(f.queries, body.Query)
	f.timespans = append(f.timespans, body.Timespan)
	f.auth = append(f.auth, r.Header.Get("Authorization"))
	f.paths = append(f.paths, r.Method+" "+r.URL.Path)
	if len(f.responses) == 0 {
		http.Error(w, `{"error":{"code":"NoMoreResponses"}}`, http.StatusInternalServerError)
		return
	}
	resp := f.responses[0]
	f.responses = f.responses[1:]
	for k, v := range resp.header {
		w.Header().Set(k, v)
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(resp.status)
	io.WriteString(w, resp.body)
}

func newFakeLA(t *testing.T, responses ...fakeResp) (*fakeLA, *LogAnalyticsSource) {
	t.Helper()
	f := &fakeLA{t: t, responses: responses}
	srv := httptest.NewTLSServer(f)
	t.Cleanup(srv.Close)
	src, err := LogAnalytics("ws-1234", fakeCred{}, &LogAnalyticsOptions{
		Endpoint: srv.URL,
		ClientOptions: azcore.ClientOptions{
			Transport: srv.Client(),
			Retry:     policy.RetryOptions{MaxRetries: 2, RetryDelay: time.Millisecond, MaxRetryDelay: 5 * time.Millisecond},
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	return f, src
}

// laTable renders rows as a Log Analytics response table.
func laTable(cols []string, types []string, rows [][]any, extra string) string {
	type col struct {
		Name string `json:"name"`
		Type string `json:"type"`
	}
	var cs []col
	for i, c := range cols {
		cs = append(cs, col{c, types[i]})
	}
	t := map[string]any{"name": "PrimaryResult", "columns": cs, "rows": rows}
	b, _ := json.Marshal(map[string]any{"tables": []any{t}})
	if extra != "" {
		return strings.TrimSuffix(string(b), "}") + "," + extra + "}"
	}
	return string(b)
}

var laFlowCols = []string{"TenantId", "TimeGenerated", "FlowStartTime", "FlowEndTime", "FlowIntervalEndTime", "FlowType",
	"ResourceGroup", "VMName", "VMIPAddress", "PublicIPs", "SrcIP", "DestIP", "L4Protocol", "L7Protocol", "DestPort",
	"FlowDirection", "AllowedOutFlows", "AllowedInFlows", "DeniedInFlows", "DeniedOutFlows", "RemoteRegion", "VMRegion", "AllExtIPs"}
var laFlowTypes = []string{"string", "datetime", "datetime", "datetime", "datetime", "string", "dynamic", "dynamic", "string",
	"dynamic", "string", "string", "string", "string", "real", "string", "real", "real", "real", "real", "string", "string", "string"}

func laFlowRows() [][]any {
	return [][]any{
		{"t", "2019-02-14T01:30:00Z", "2019-02-14T00:10:00Z", "2019-02-14T00:50:00Z", "2019-02-14T01:00:00Z", "AzurePublic",
			"asihuntomsworkspacerg", "msticalertswin1", "10.0.3.5", `["13.107.4.50"]`, "", "", "T", "https", 443.0, "O", 12.0, 0.0, 0.0, 0.0, "eastus", "eastus", "13.107.4.50"},
		{"t", "2019-02-14T02:30:00Z", "2019-02-14T01:10:00Z", "2019-02-14T01:20:00Z", "2019-02-14T02:00:00Z", "IntraVNet",
			"asihuntomsworkspacerg", "MSTICAlertsWin1", "10.0.3.5", "[]", "10.0.3.9", "", "U", "dns", 53.0, "I", 0.0, 3.0, 0.0, 0.0, nil, "eastus", "10.0.3.9"},
	}
}

var laQuery = Query{Host: "msticalertswin1", Start: ts("2019-02-14T00:00:00Z"), End: ts("2019-02-15T00:00:00Z")}

func TestLogAnalyticsStream(t *testing.T) {
	f, src := newFakeLA(t, fakeResp{status: 200, body: laTable(laFlowCols, laFlowTypes, laFlowRows(), "")})
	got, st := collect(t, src, laQuery)
	want := projectedWant[:2]
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("flows (-want +got):\n%s", d)
	}
	if st.RowsKept != 2 || len(st.Warnings) != 0 || !st.First.Equal(ts("2019-02-14T00:10:00Z")) {
		t.Errorf("stats %+v", st)
	}
	if len(f.auth) != 1 || f.auth[0] != "Bearer fake-token" {
		t.Errorf("auth headers %q", f.auth)
	}
	if f.paths[0] != "POST /v1/workspaces/ws-1234/query" {
		t.Errorf("path %q", f.paths[0])
	}
	q := f.queries[0]
	for _, s := range []string{"AzureNetworkAnalytics_CL", `VM_s has "msticalertswin1"`, "FlowStartTime_t >= datetime(2019-02-14T00:00:00Z)",
		"FlowEndTime_t <= datetime(2019-02-15T00:00:00Z)", `SubType_s == "FlowLog"`, "mv-expand AllExtIPs", "VMName = split(VM_s"} {
		if !strings.Contains(q, s) {
			t.Errorf("query lacks %q:\n%s", s, q)
		}
	}
	if f.timespans[0] != "2019-02-14T00:00:00Z/2019-02-15T00:00:00Z" {
		t.Errorf("timespan %q", f.timespans[0])
	}
}

func TestLogAnalyticsByIP(t *testing.T) {
	f, src := newFakeLA(t, fakeResp{status: 200, body: laTable(laFlowCols, laFlowTypes, laFlowRows(), "")})
	q := laQuery
	q.Host, q.IP = "", "10.0.3.9"
	got, _ := collect(t, src, q)
	if len(got) != 1 || got[0].SrcIP != "10.0.3.9" {
		t.Errorf("got %+v", got)
	}
	if !strings.Contains(f.queries[0], `VMIP_s in ("10.0.3.9") or SrcIP_s in ("10.0.3.9") or DestIP_s in ("10.0.3.9")`) {
		t.Errorf("query:\n%s", f.queries[0])
	}
}

func TestLogAnalyticsErrors(t *testing.T) {
	partial := laTable(laFlowCols, laFlowTypes, laFlowRows()[:1],
		`"error":{"code":"PartialError","message":"There were some errors when processing your query.","details":[{"code":"EngineError","message":"Query result set has exceeded the internal record count limit 500000"}]}`)
	tests := []struct {
		name      string
		responses []fakeResp
		q         Query
		wantErr   string
		errIs     error
		wantRows  int
		warning   string
		requests  int
	}{
		{name: "401", responses: []fakeResp{{status: 401, body: `{"error":{"code":"InvalidTokenError","message":"bad token"}}`}},
			q: laQuery, errIs: ErrAuth, wantErr: "HTTP 401", requests: 1},
		{name: "403", responses: []fakeResp{{status: 403, body: `{"error":{"code":"InsufficientAccessError"}}`}},
			q: laQuery, errIs: ErrAuth, requests: 1},
		{name: "429 then ok", responses: []fakeResp{
			{status: 429, body: `{"error":{"code":"Throttled"}}`, header: map[string]string{"Retry-After": "0"}},
			{status: 200, body: laTable(laFlowCols, laFlowTypes, laFlowRows(), "")}},
			q: laQuery, wantRows: 2, requests: 2},
		{name: "429 always", responses: []fakeResp{{status: 429, body: "{}"}, {status: 429, body: "{}"}, {status: 429, body: "{}"}},
			q: laQuery, wantErr: "throttled (HTTP 429)", requests: 3},
		{name: "503 then ok", responses: []fakeResp{{status: 503, body: "{}"}, {status: 200, body: laTable(laFlowCols, laFlowTypes, laFlowRows(), "")}},
			q: laQuery, wantRows: 2, requests: 2},
		{name: "500 always", responses: []fakeResp{{status: 500, body: "{}"}, {status: 500, body: "{}"}, {status: 500, body: "{}"}},
			q: laQuery, wantErr: "service error (HTTP 500)", requests: 3},
		{name: "partial", responses: []fakeResp{{status: 200, body: partial}}, q: laQuery, wantRows: 1,
			warning: "partial result (PartialError): There were some errors when processing your query.; Query result set has exceeded the internal record count limit 500000", requests: 1},
		{name: "no time range", q: Query{Host: "h"}, errIs: ErrNeedTimeRange},
		{name: "bad host", q: Query{Host: `x" or 1==1`, Start: laQuery.Start, End: laQuery.End}, wantErr: "not a host name"},
		{name: "bad ip", q: Query{IP: "1.2.3", Start: laQuery.Start, End: laQuery.End}, wantErr: "not an IP address"},
		{name: "changed schema", responses: []fakeResp{{status: 200, body: laTable([]string{"FlowStartTime"}, []string{"datetime"}, nil, "")}},
			q: laQuery, errIs: ErrMissingColumn, requests: 1},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			f, src := newFakeLA(t, tc.responses...)
			n := 0
			st, err := src.Stream(context.Background(), tc.q, func(*Flow) error { n++; return nil })
			if tc.errIs != nil && !errors.Is(err, tc.errIs) {
				t.Errorf("err = %v, want %v", err, tc.errIs)
			}
			if tc.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tc.wantErr)) {
				t.Errorf("err = %v, want %q", err, tc.wantErr)
			}
			if tc.errIs == nil && tc.wantErr == "" && err != nil {
				t.Errorf("err = %v", err)
			}
			if n != tc.wantRows {
				t.Errorf("rows %d, want %d", n, tc.wantRows)
			}
			if tc.warning != "" && (len(st.Warnings) != 1 || !strings.Contains(st.Warnings[0], tc.warning)) {
				t.Errorf("warnings %q", st.Warnings)
			}
			if len(f.queries) != tc.requests {
				t.Errorf("%d requests, want %d", len(f.queries), tc.requests)
			}
			if err != nil && strings.Contains(err.Error(), "fake-token") {
				t.Errorf("token in error: %v", err)
			}
		})
	}
}

func TestLogAnalyticsGrouped(t *testing.T) {
	idx := laTable([]string{"source", "dest", "L7Protocol", "FlowDirection", "TotalAllowedFlows", "Records", "FirstSeen", "LastSeen"},
		[]string{"string", "string", "string", "string", "long", "long", "datetime", "datetime"},
		[][]any{
			{"10.0.3.5", "13.107.4.50", "https", "O", 1200.0, 40.0, "2019-02-14T00:10:00Z", "2019-02-14T22:00:00Z"},
			{"5.188.42.7", "10.0.3.5", "rdp", "I", 3.0, 2.0, "2019-02-14T03:00:00Z", "2019-02-14T03:20:00Z"},
			{"x", "y", "z", "O", "lots", 1.0, nil, nil},
		}, "")
	buckets := laTable([]string{"Bucket", "L7Protocol", "FlowDirection", "Records", "TotalAllowedFlows", "RemoteIPs"},
		[]string{"datetime", "string", "string", "long", "long", "long"},
		[][]any{
			{"2019-02-14T00:00:00Z", "https", "O", 10.0, 300.0, 4.0},
			{"2019-02-14T01:00:00Z", "https", "O", 12.0, 320.0, 5.0},
		}, "")
	f, src := newFakeLA(t, fakeResp{status: 200, body: idx}, fakeResp{status: 200, body: buckets})
	groups, st, err := src.FlowIndex(context.Background(), laQuery)
	if err != nil {
		t.Fatal(err)
	}
	wantG := []FlowGroup{
		{Source: "10.0.3.5", Dest: "13.107.4.50", L7Protocol: "https", FlowDirection: "O", TotalAllowedFlows: 1200, Records: 40,
			FirstSeen: ts("2019-02-14T00:10:00Z"), LastSeen: ts("2019-02-14T22:00:00Z")},
		{Source: "5.188.42.7", Dest: "10.0.3.5", L7Protocol: "rdp", FlowDirection: "I", TotalAllowedFlows: 3, Records: 2,
			FirstSeen: ts("2019-02-14T03:00:00Z"), LastSeen: ts("2019-02-14T03:20:00Z")},
	}
	if d := cmp.Diff(wantG, groups); d != "" {
		t.Errorf("groups (-want +got):\n%s", d)
	}
	if st.RowsRead != 3 || st.RowsSkipped != 1 || len(st.Skipped) != 1 || !strings.Contains(st.Skipped[0], `value "lots"`) {
		t.Errorf("stats %+v", st)
	}
	if !strings.Contains(f.queries[0], "summarize TotalAllowedFlows = sum(TotalAllowedFlows)") ||
		!strings.Contains(f.queries[0], "by source, dest, L7Protocol, FlowDirection") {
		t.Errorf("index query:\n%s", f.queries[0])
	}
	bs, _, err := src.TimeBuckets(context.Background(), laQuery, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	wantB := []TimeBucket{
		{Start: ts("2019-02-14T00:00:00Z"), L7Protocol: "https", FlowDirection: "O", Records: 10, TotalAllowedFlows: 300, RemoteIPs: 4},
		{Start: ts("2019-02-14T01:00:00Z"), L7Protocol: "https", FlowDirection: "O", Records: 12, TotalAllowedFlows: 320, RemoteIPs: 5},
	}
	if d := cmp.Diff(wantB, bs); d != "" {
		t.Errorf("buckets (-want +got):\n%s", d)
	}
	if !strings.Contains(f.queries[1], "bin(FlowStartTime, 3600s)") {
		t.Errorf("bucket query:\n%s", f.queries[1])
	}
}

func TestKQLString(t *testing.T) {
	if got := kqlString(`a"b\c`); got != `"a\"b\\c"` {
		t.Errorf("kqlString = %s", got)
	}
}

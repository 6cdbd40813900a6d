// Package flowtablestest is a fake Log Analytics workspace for tests of the
// flow sources: an httptest TLS server on loopback that answers the queries
// of providers/flows and providers/flowtables for one host from local
// exports of the tables.
//
// The fake does not run KQL. It recognises which query it got — the auto
// choice's union of counts, a single count, a flow index, time buckets, or
// the flows themselves — and which table the query reads, and computes the
// answer from the exports with this module's own readers (the flows of the
// host, grouped as the KQL groups them). Tests therefore check the query
// text they send and the decoding of the answers; what the KQL computes in
// a real workspace is checked by reading its text.
package flowtablestest

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"

	"github.com/gonotebooklets/notebooklets/internal/loganalytics/loganalyticstest"
	"github.com/gonotebooklets/notebooklets/providers/flows"
	"github.com/gonotebooklets/notebooklets/providers/flowtables"
)

// WorkspaceID is the fake workspace's ID.
const WorkspaceID = "ws-fake"

// Credential is the credential to use with the fake (it checks the token).
var Credential = loganalyticstest.Credential{}

// Workspace is the fake.
type Workspace struct {
	t     testing.TB
	srv   *httptest.Server
	q     flows.Query
	files map[flowtables.Table]string

	mu      sync.Mutex
	queries []string
	spans   []string
}

// New starts a fake workspace whose tables hold the exports in files (a
// table without a file does not exist in the workspace: queries naming it
// fail as the service fails them) and answers for the host and time range
// of q. It stops when the test ends.
func New(t testing.TB, q flows.Query, files map[flowtables.Table]string) *Workspace {
	w := &Workspace{t: t, q: q, files: files}
	w.srv = httptest.NewTLSServer(http.HandlerFunc(w.serve))
	t.Cleanup(w.srv.Close)
	return w
}

// Options connect a Log Analytics source to the fake (with fast retries).
func (w *Workspace) Options() *flows.LogAnalyticsOptions {
	return &flows.LogAnalyticsOptions{
		Endpoint: w.srv.URL,
		ClientOptions: azcore.ClientOptions{
			Transport: w.srv.Client(),
			Retry:     policy.RetryOptions{MaxRetries: 1, RetryDelay: time.Millisecond, MaxRetryDelay: 2 * time.Millisecond},
		},
	}
}

// Queries returns the KQL of the requests received so far.
func (w *Workspace) Queries() []string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return append([]string(nil), w.queries...)
}

// Timespans returns the timespan of each request ("start/end").
func (w *Workspace) Timespans() []string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return append([]string(nil), w.spans...)
}

func (w *Workspace) serve(rw http.ResponseWriter, r *http.Request) {
	var body struct {
		Query    string `json:"query"`
		Timespan string `json:"timespan"`
	}
	b, _ := io.ReadAll(r.Body)
	if err := json.Unmarshal(b, &body); err != nil {
		http.Error(rw, `{"error":{"code":"BadArgumentError","message":"body is not JSON"}}`, http.StatusBadRequest)
		return
	}
	w.mu.Lock()
	w.queries = append(w.queries, body.Query)
	w.spans = append(w.spans, body.Timespan)
	w.mu.Unlock()
	if r.Header.Get("Authorization") != "Bearer "+loganalyticstest.Token {
		writeJSON(rw, http.StatusUnauthorized, map[string]any{"error": map[string]any{"code": "InvalidTokenError"}})
		return
	}
	if r.Method != http.MethodPost || r.URL.Path != "/v1/workspaces/"+WorkspaceID+"/query" {
		writeJSON(rw, http.StatusNotFound, map[string]any{"error": map[string]any{"code": "PathNotFoundError"}})
		return
	}
	t, err := w.answer(body.Query)
	if err != nil {
		var ue unresolved
		if errors.As(err, &ue) {
			writeJSON(rw, http.StatusBadRequest, map[string]any{"error": map[string]any{
				"code": "BadArgumentError", "message": "The request had some invalid properties",
				"innererror": map[string]any{"code": "SemanticError", "message": "'" + string(ue) + "' could not be resolved"},
			}})
			return
		}
		w.t.Errorf("flowtablestest: %v", err)
		writeJSON(rw, http.StatusInternalServerError, map[string]any{"error": map[string]any{"code": "FakeError", "message": err.Error()}})
		return
	}
	writeJSON(rw, http.StatusOK, map[string]any{"tables": []any{t}})
}

func writeJSON(rw http.ResponseWriter, status int, v any) {
	rw.Header().Set("Content-Type", "application/json")
	rw.WriteHeader(status)
	json.NewEncoder(rw).Encode(v)
}

// unresolved is a table or function the workspace does not have.
type unresolved string

func (u unresolved) Error() string { return string(u) + " could not be resolved" }

type column struct {
	Name string `json:"name"`
	Type string `json:"type"`
}

type table struct {
	Name    string   `json:"name"`
	Columns []column `json:"columns"`
	Rows    [][]any  `json:"rows"`
}

func newTable(cols ...string) *table {
	t := &table{Name: "PrimaryResult", Rows: [][]any{}}
	for _, c := range cols {
		t.Columns = append(t.Columns, column{Name: c, Type: "string"})
	}
	return t
}

// tableOf names the table a query reads: its first word.
func tableOf(kql string) flowtables.Table {
	name := strings.TrimSpace(kql)
	if i := strings.IndexAny(name, " \n(|"); i >= 0 {
		name = name[:i]
	}
	switch name {
	case "_Im_NetworkSession":
		return flowtables.ASIM
	}
	return flowtables.Table(name)
}

var bucketRE = regexp.MustCompile(`bin\(FlowStartTime, (\d+)s\)`)

func (w *Workspace) answer(kql string) (*table, error) {
	if strings.HasPrefix(kql, "union isfuzzy=true") {
		t := newTable("Table", "Records", "First", "Last")
		for _, tb := range []flowtables.Table{flowtables.AzureNetworkAnalytics, flowtables.NTANetAnalytics, flowtables.DeviceNetworkEvents} {
			if !strings.Contains(kql, `| extend Table = "`+string(tb)+`"`) {
				continue
			}
			if _, ok := w.files[tb]; !ok {
				continue // union isfuzzy=true drops a table the workspace lacks
			}
			fl, _, err := w.flows(tb)
			if err != nil {
				return nil, err
			}
			t.Rows = append(t.Rows, append([]any{string(tb)}, countRow(fl)...))
		}
		return t, nil
	}
	tb := tableOf(kql)
	if _, ok := w.files[tb]; !ok {
		name := string(tb)
		if tb == flowtables.ASIM {
			name = "_Im_NetworkSession"
		}
		return nil, unresolved(name)
	}
	switch {
	case strings.Contains(kql, "by source, dest, L7Protocol, FlowDirection"):
		fl, hasBytes, err := w.flows(tb)
		if err != nil {
			return nil, err
		}
		return groups(fl, hasBytes), nil
	case bucketRE.MatchString(kql):
		secs, _ := strconv.Atoi(bucketRE.FindStringSubmatch(kql)[1])
		fl, hasBytes, err := w.flows(tb)
		if err != nil {
			return nil, err
		}
		return buckets(fl, hasBytes, time.Duration(secs)*time.Second), nil
	case strings.Contains(kql, "summarize Records = count(), First = min(FlowStartTime), Last = max(FlowEndTime)"):
		fl, _, err := w.flows(tb)
		if err != nil {
			return nil, err
		}
		t := newTable("Records", "First", "Last")
		t.Rows = append(t.Rows, countRow(fl))
		return t, nil
	}
	return rawTable(w.files[tb])
}

// flows reads the host's flows from a table's export.
func (w *Workspace) flows(tb flowtables.Table) ([]flows.Flow, bool, error) {
	src, err := flowtables.OpenFile(w.files[tb], tb)
	if err != nil {
		return nil, false, err
	}
	var out []flows.Flow
	st, err := src.Stream(context.Background(), w.q, func(f *flows.Flow) error {
		out = append(out, *f)
		return nil
	})
	return out, st.HasBytes, err
}

func rfc3339(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return t.UTC().Format(time.RFC3339Nano)
}

func countRow(fl []flows.Flow) []any {
	var first, last time.Time
	for _, f := range fl {
		if first.IsZero() || f.FlowStartTime.Before(first) {
			first = f.FlowStartTime
		}
		if f.FlowEndTime.After(last) {
			last = f.FlowEndTime
		}
	}
	return []any{float64(len(fl)), rfc3339(first), rfc3339(last)}
}

// groups is flows.FlowIndexKQL computed in Go.
func groups(fl []flows.Flow, hasBytes bool) *table {
	t := newTable("source", "dest", "L7Protocol", "FlowDirection", "TotalAllowedFlows", "TotalBytes", "ByteRecords", "Records", "FirstSeen", "LastSeen")
	type acc struct {
		allowed, bytes, byteRecs, recs int64
		first, last                    time.Time
	}
	type key struct{ s, d, p, dir string }
	var order []key
	m := map[key]*acc{}
	for _, f := range fl {
		k := key{f.Source(), f.Dest(), f.L7Protocol, string(f.FlowDirection)}
		a, ok := m[k]
		if !ok {
			a = &acc{}
			m[k] = a
			order = append(order, k)
		}
		a.allowed += f.TotalAllowedFlows()
		a.bytes += f.TotalBytes()
		if hasBytes {
			a.byteRecs++
		}
		a.recs++
		if a.first.IsZero() || f.FlowStartTime.Before(a.first) {
			a.first = f.FlowStartTime
		}
		if f.FlowEndTime.After(a.last) {
			a.last = f.FlowEndTime
		}
	}
	for _, k := range order {
		a := m[k]
		t.Rows = append(t.Rows, []any{k.s, k.d, k.p, k.dir, float64(a.allowed), float64(a.bytes), float64(a.byteRecs), float64(a.recs), rfc3339(a.first), rfc3339(a.last)})
	}
	return t
}

// buckets is flows.TimeBucketsKQL computed in Go.
func buckets(fl []flows.Flow, hasBytes bool, width time.Duration) *table {
	t := newTable("Bucket", "L7Protocol", "FlowDirection", "Records", "TotalAllowedFlows", "TotalBytes", "ByteRecords", "RemoteIPs")
	type key struct {
		start  int64
		p, dir string
	}
	type acc struct {
		recs, allowed, bytes, byteRecs int64
		remote                         map[string]bool
	}
	var order []key
	m := map[key]*acc{}
	w := int64(width / time.Second)
	for _, f := range fl {
		s := f.FlowStartTime.Unix()
		s -= ((s % w) + w) % w
		k := key{s, f.L7Protocol, string(f.FlowDirection)}
		a, ok := m[k]
		if !ok {
			a = &acc{remote: map[string]bool{}}
			m[k] = a
			order = append(order, k)
		}
		a.recs++
		a.allowed += f.TotalAllowedFlows()
		a.bytes += f.TotalBytes()
		if hasBytes {
			a.byteRecs++
		}
		a.remote[f.AllExtIPs] = true
	}
	for _, k := range order {
		a := m[k]
		t.Rows = append(t.Rows, []any{rfc3339(time.Unix(k.start, 0)), k.p, k.dir, float64(a.recs), float64(a.allowed), float64(a.bytes), float64(a.byteRecs), float64(len(a.remote))})
	}
	return t
}

// rawTable returns an export's records as a Log Analytics table: column
// names without the portal's " [UTC]" suffix, CSV cells as strings (empty
// as null), JSON values as they are.
func rawTable(path string) (*table, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	data = bytes.TrimPrefix(data, []byte("\ufeff"))
	trimmed := bytes.TrimSpace(data)
	strip := func(c string) string {
		if i := strings.LastIndexByte(c, '['); i > 0 && strings.HasSuffix(c, "]") {
			return strings.TrimSpace(c[:i])
		}
		return c
	}
	var objs []map[string]any
	var keys []string
	switch {
	case len(trimmed) > 0 && trimmed[0] == '[':
		if err := json.Unmarshal(trimmed, &objs); err != nil {
			return nil, fmt.Errorf("%s: %w", path, err)
		}
	case len(trimmed) > 0 && trimmed[0] == '{':
		for i, line := range bytes.Split(trimmed, []byte("\n")) {
			if len(bytes.TrimSpace(line)) == 0 {
				continue
			}
			var o map[string]any
			if err := json.Unmarshal(line, &o); err != nil {
				return nil, fmt.Errorf("%s:%d: %w", path, i+1, err)
			}
			objs = append(objs, o)
		}
	default:
		cr := csv.NewReader(bytes.NewReader(trimmed))
		cr.FieldsPerRecord = -1
		recs, err := cr.ReadAll()
		if err != nil {
			return nil, fmt.Errorf("%s: %w", path, err)
		}
		t := &table{Name: "PrimaryResult", Rows: [][]any{}}
		for _, h := range recs[0] {
			t.Columns = append(t.Columns, column{Name: strip(h), Type: "string"})
		}
		for _, rec := range recs[1:] {
			row := make([]any, len(t.Columns))
			for i := range row {
				if i < len(rec) && rec[i] != "" {
					row[i] = rec[i]
				}
			}
			t.Rows = append(t.Rows, row)
		}
		return t, nil
	}
	seen := map[string]bool{}
	for _, o := range objs {
		for k := range o {
			if !seen[k] {
				seen[k] = true
				keys = append(keys, k)
			}
		}
	}
	slices.Sort(keys)
	t := &table{Name: "PrimaryResult", Rows: [][]any{}}
	for _, k := range keys {
		t.Columns = append(t.Columns, column{Name: strip(k), Type: "dynamic"})
	}
	for _, o := range objs {
		row := make([]any, len(keys))
		for i, k := range keys {
			row[i] = o[k]
		}
		t.Rows = append(t.Rows, row)
	}
	return t, nil
}

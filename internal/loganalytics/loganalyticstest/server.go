package loganalyticstest

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"
)

// Response is one canned answer of Server.
type Response struct {
	Status int               // default 200
	Body   string            // JSON body (see Table)
	Header map[string]string // extra headers
}

// Request is what Server received.
type Request struct {
	Method, Path string // "POST", "/v1/workspaces/{id}/query"
	Query        string // the KQL
	Timespan     string // the body's timespan ("" when none)
	Auth         string // the Authorization header
}

// Server is an httptest (TLS, loopback) fake of the Log Analytics query API.
// Each request takes the next Response; when none is left it answers 500
// NoMoreResponses, so a test sees an unexpected extra query.
type Server struct {
	t   testing.TB
	srv *httptest.Server

	mu        sync.Mutex
	responses []Response
	requests  []Request
}

// NewServer starts a fake answering responses in order; it is closed when
// the test ends.
func NewServer(t testing.TB, responses ...Response) *Server {
	t.Helper()
	s := &Server{t: t, responses: responses}
	s.srv = httptest.NewTLSServer(http.HandlerFunc(s.serve))
	t.Cleanup(s.srv.Close)
	return s
}

// URL is the endpoint to give the client (loganalytics.ClientConfig.Endpoint).
func (s *Server) URL() string { return s.srv.URL }

// ClientOptions trust the fake's certificate and retry fast (2 retries,
// milliseconds apart).
func (s *Server) ClientOptions() azcore.ClientOptions {
	return azcore.ClientOptions{
		Transport: s.srv.Client(),
		Retry:     policy.RetryOptions{MaxRetries: 2, RetryDelay: time.Millisecond, MaxRetryDelay: 5 * time.Millisecond},
	}
}

// Requests returns the requests received so far.
func (s *Server) Requests() []Request {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Request(nil), s.requests...)
}

// Queries returns the KQL of the requests received so far.
func (s *Server) Queries() []string {
	var out []string
	for _, r := range s.Requests() {
		out = append(out, r.Query)
	}
	return out
}

func (s *Server) serve(w http.ResponseWriter, r *http.Request) {
	var body struct {
		Query    string `json:"query"`
		Timespan string `json:"timespan"`
	}
	b, _ := io.ReadAll(r.Body)
	if err := json.Unmarshal(b, &body); err != nil {
		s.t.Errorf("loganalyticstest: request body %q: %v", b, err)
	}
	s.mu.Lock()
	s.requests = append(s.requests, Request{Method: r.Method, Path: r.URL.Path, Query: body.Query, Timespan: body.Timespan, Auth: r.Header.Get("Authorization")})
	var resp Response
	ok := len(s.responses) > 0
	if ok {
		resp = s.responses[0]
		s.responses = s.responses[1:]
	}
	s.mu.Unlock()
	w.Header().Set("Content-Type", "application/json")
	if !ok {
		w.WriteHeader(http.StatusInternalServerError)
		io.WriteString(w, `{"error":{"code":"NoMoreResponses","message":"the fake has no more responses"}}`)
		return
	}
	for k, v := range resp.Header {
		w.Header().Set(k, v)
	}
	if resp.Status == 0 {
		resp.Status = http.StatusOK
	}
	w.WriteHeader(resp.Status)
	io.WriteString(w, resp.Body)
}

// Column is a result column: its name and Log Analytics type ("string",
// "datetime", "int", "real", "bool", "dynamic").
type Column struct {
	Name string `json:"name"`
	Type string `json:"type"`
}

// Table renders a query answer holding one table (PrimaryResult) with the
// columns and rows; extra, if not empty, is more top-level JSON members
// (such as an "error" object for partial results).
func Table(cols []Column, rows [][]any, extra string) string {
	t := map[string]any{"name": "PrimaryResult", "columns": cols, "rows": rows}
	if rows == nil {
		t["rows"] = [][]any{}
	}
	b, err := json.Marshal(map[string]any{"tables": []any{t}})
	if err != nil {
		panic("loganalyticstest: " + err.Error())
	}
	if extra != "" {
		return strings.TrimSuffix(string(b), "}") + "," + extra + "}"
	}
	return string(b)
}

package loganalytics

import (
	"context"
	"errors"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"
	"github.com/google/go-cmp/cmp"

	"github.com/gonotebooklets/notebooklets/internal/loganalytics/loganalyticstest"
)

func fakeClient(t *testing.T, responses ...loganalyticstest.Response) (*loganalyticstest.Server, func(context.Context, Request) (Answer, error)) {
	t.Helper()
	srv := loganalyticstest.NewServer(t, responses...)
	c, err := NewClient(loganalyticstest.Credential{}, ClientConfig{Endpoint: srv.URL(), ClientOptions: srv.ClientOptions()})
	if err != nil {
		t.Fatal(err)
	}
	return srv, func(ctx context.Context, r Request) (Answer, error) { return Query(ctx, c, r) }
}

func TestQuery(t *testing.T) {
	cols := []loganalyticstest.Column{{Name: "Ioc", Type: "string"}, {Name: "Confidence", Type: "int"}, {Name: "Data", Type: "dynamic"}}
	table := loganalyticstest.Table(cols, [][]any{{"203.0.113.5", 90, map[string]any{"description": "c2"}}}, "")
	partial := loganalyticstest.Table(cols, nil, `"error":{"code":"PartialError","message":"There were some errors when processing your query.","details":[{"message":"Query result set has exceeded the internal record count limit"}]}`)
	tests := []struct {
		name     string
		resp     loganalyticstest.Response
		want     []map[string]any
		warnings []string
		errIs    error
		errHas   string
	}{
		{name: "rows", resp: loganalyticstest.Response{Body: table},
			want: []map[string]any{{"Ioc": "203.0.113.5", "Confidence": float64(90), "Data": map[string]any{"description": "c2"}}}},
		{name: "partial", resp: loganalyticstest.Response{Body: partial}, want: []map[string]any{},
			warnings: []string{"log analytics: partial result (PartialError): There were some errors when processing your query.; Query result set has exceeded the internal record count limit"}},
		{name: "401", resp: loganalyticstest.Response{Status: 401, Body: `{"error":{"code":"InvalidTokenError"}}`}, errIs: ErrAuth, errHas: "HTTP 401 for workspace ws-1"},
		{name: "no table", resp: loganalyticstest.Response{Body: `{"tables":[]}`}, errIs: ErrNoTable},
		{name: "400", resp: loganalyticstest.Response{Status: 400, Body: `{"error":{"code":"BadArgumentError","message":"syntax"}}`}, errHas: "HTTP 400"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv, query := fakeClient(t, tt.resp)
			start := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
			a, err := query(context.Background(), Request{Workspace: "ws-1", KQL: "print 1", Start: start, End: start.Add(time.Hour)})
			if tt.errIs != nil && !errors.Is(err, tt.errIs) || tt.errHas != "" && (err == nil || !strings.Contains(err.Error(), tt.errHas)) {
				t.Fatalf("err = %v, want %v / %q", err, tt.errIs, tt.errHas)
			}
			if tt.errIs == nil && tt.errHas == "" {
				if err != nil {
					t.Fatal(err)
				}
				if d := cmp.Diff(tt.want, Records(a.Table)); d != "" {
					t.Errorf("records (-want +got):\n%s", d)
				}
				if d := cmp.Diff(tt.warnings, a.Warnings); d != "" {
					t.Errorf("warnings (-want +got):\n%s", d)
				}
			}
			reqs := srv.Requests()
			if len(reqs) != 1 || reqs[0].Path != "/v1/workspaces/ws-1/query" || reqs[0].Query != "print 1" ||
				reqs[0].Timespan != "2025-01-01T00:00:00Z/2025-01-01T01:00:00Z" || reqs[0].Auth != "Bearer "+loganalyticstest.Token {
				t.Errorf("requests %+v", reqs)
			}
		})
	}
}

func TestQueryUnreachable(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close() // nothing listens there now: connection refused
	c, err := NewClient(loganalyticstest.Credential{}, ClientConfig{Endpoint: "https://" + addr,
		ClientOptions: azcore.ClientOptions{Retry: policy.RetryOptions{MaxRetries: 1, RetryDelay: time.Millisecond}}})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	_, err = Query(ctx, c, Request{Workspace: "ws-1", KQL: "print 1"})
	if !errors.Is(err, ErrUnreachable) {
		t.Errorf("err = %v, want ErrUnreachable", err)
	}
}

func TestQuoteListAndDatetime(t *testing.T) {
	if got := QuoteList([]string{"1.2.3.4", `a"b`}); got != `dynamic(["1.2.3.4", "a\"b"])` {
		t.Errorf("QuoteList = %s", got)
	}
	if got := QuoteList(nil); got != `dynamic([])` {
		t.Errorf("QuoteList(nil) = %s", got)
	}
	at := time.Date(2025, 3, 4, 5, 6, 7, 0, time.FixedZone("x", 3600))
	if got := Datetime(at); got != "datetime(2025-03-04T04:06:07Z)" {
		t.Errorf("Datetime = %s", got)
	}
}

package loganalytics

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"strings"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/monitor/query/azlogs"
)

// Errors of Query besides ErrAuth; match with errors.Is.
var (
	// ErrThrottled: the service answered 429 after the SDK's retries.
	ErrThrottled = errors.New("log analytics: throttled")
	// ErrUnreachable: no connection could be made (connection refused,
	// no such host, network unreachable).
	ErrUnreachable = errors.New("log analytics: service unreachable")
	// ErrNoTable: the answer held no result table.
	ErrNoTable = errors.New("log analytics: query returned no table")
	// ErrBadQuery: the service rejected the query as invalid (HTTP 400: a
	// syntax or semantic error, such as a function the workspace does not
	// have).
	ErrBadQuery = errors.New("log analytics: query rejected")
)

// Request is one query of a workspace.
type Request struct {
	Workspace string
	KQL       string
	// Start and End bound the query (the API's timespan); both zero means
	// no bound beyond what the KQL says.
	Start, End time.Time
	// ServerTimeout asks the service to run the query for up to this long
	// (max 10 minutes; zero: the service's 3 minutes).
	ServerTimeout time.Duration
}

// Answer is a query's first table and the warnings of a partial result.
type Answer struct {
	Table    *azlogs.Table
	Warnings []string
}

// Query runs req with client. Failures are classified: ErrAuth (HTTP 401 or
// 403), ErrBadQuery (400), ErrThrottled (429 after retries), ErrUnreachable
// (no connection), ErrNoTable; others are wrapped with the service's error. A partial result
// (the service's "PartialError") is returned with a warning.
func Query(ctx context.Context, client *azlogs.Client, req Request) (Answer, error) {
	body := azlogs.QueryBody{Query: &req.KQL}
	if !req.Start.IsZero() || !req.End.IsZero() {
		ti := azlogs.NewTimeInterval(req.Start.UTC(), req.End.UTC())
		body.Timespan = &ti
	}
	var opts *azlogs.QueryWorkspaceOptions
	if req.ServerTimeout > 0 {
		w := int(req.ServerTimeout / time.Second)
		opts = &azlogs.QueryWorkspaceOptions{Options: &azlogs.QueryOptions{Wait: &w}}
	}
	resp, err := client.QueryWorkspace(ctx, req.Workspace, body, opts)
	if err != nil {
		return Answer{}, classify(err, req.Workspace)
	}
	var a Answer
	if resp.Error != nil {
		a.Warnings = append(a.Warnings, "log analytics: partial result ("+resp.Error.Code+"): "+ErrorMessage(resp.Error))
	}
	if len(resp.Tables) == 0 {
		if resp.Error != nil {
			return a, fmt.Errorf("%w: %s", ErrNoTable, ErrorMessage(resp.Error))
		}
		return a, ErrNoTable
	}
	a.Table = &resp.Tables[0]
	return a, nil
}

func classify(err error, workspace string) error {
	var re *azcore.ResponseError
	if errors.As(err, &re) {
		switch {
		case re.StatusCode == http.StatusUnauthorized || re.StatusCode == http.StatusForbidden:
			return fmt.Errorf("%w: HTTP %d for workspace %s (check the credential and its Log Analytics Reader role): %s",
				ErrAuth, re.StatusCode, workspace, firstLine(re.ErrorCode))
		case re.StatusCode == http.StatusBadRequest:
			return fmt.Errorf("%w (HTTP 400): %w", ErrBadQuery, err)
		case re.StatusCode == http.StatusTooManyRequests:
			return fmt.Errorf("%w (HTTP 429) after retries; try again later: %s", ErrThrottled, firstLine(re.ErrorCode))
		case re.StatusCode >= 500:
			return fmt.Errorf("log analytics: service error (HTTP %d) after retries: %s", re.StatusCode, firstLine(re.ErrorCode))
		}
		return fmt.Errorf("log analytics: query failed (HTTP %d): %s", re.StatusCode, firstLine(re.ErrorCode))
	}
	if IsUnreachable(err) {
		return fmt.Errorf("%w: %s", ErrUnreachable, firstLine(err.Error()))
	}
	return fmt.Errorf("log analytics: query failed: %w", err)
}

// IsUnreachable reports whether err says no connection could be made: a
// failed dial (connection refused, network unreachable) or a failed name
// lookup. Timeouts are not unreachable: the host may just be slow.
func IsUnreachable(err error) bool {
	var dns *net.DNSError
	if errors.As(err, &dns) && !dns.IsTimeout {
		return true
	}
	var op *net.OpError
	return errors.As(err, &op) && op.Op == "dial" && !op.Timeout()
}

func firstLine(s string) string {
	s, _, _ = strings.Cut(s, "\n")
	return s
}

// ErrorMessage extracts the message of a Log Analytics error object.
func ErrorMessage(e *azlogs.ErrorInfo) string {
	var m struct {
		Message string
		Details []struct{ Message string }
	}
	if json.Unmarshal([]byte(e.Error()), &m) != nil || m.Message == "" {
		return firstLine(e.Error())
	}
	msg := m.Message
	for _, d := range m.Details {
		if d.Message != "" {
			msg += "; " + d.Message
		}
	}
	return msg
}

// Records turns a result table into rows keyed by column name. Values are
// as the service sent them: strings, float64, bool, nil, or decoded JSON
// for dynamic columns sent as objects.
func Records(t *azlogs.Table) []map[string]any {
	names := make([]string, len(t.Columns))
	for i, c := range t.Columns {
		if c.Name != nil {
			names[i] = *c.Name
		}
	}
	out := make([]map[string]any, 0, len(t.Rows))
	for _, row := range t.Rows {
		m := make(map[string]any, len(names))
		for i, v := range row {
			if i < len(names) {
				m[names[i]] = v
			}
		}
		out = append(out, m)
	}
	return out
}

// QuoteList renders strings as a KQL dynamic array literal:
// dynamic(["a", "b"]).
func QuoteList(ss []string) string {
	var b strings.Builder
	b.WriteString("dynamic([")
	for i, s := range ss {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(QuoteString(s))
	}
	b.WriteString("])")
	return b.String()
}

// Datetime renders t as a KQL datetime literal in UTC.
func Datetime(t time.Time) string {
	return "datetime(" + t.UTC().Format(time.RFC3339Nano) + ")"
}

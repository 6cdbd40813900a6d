// Package laquery runs KQL queries against a Log Analytics workspace for the
// flow sources (providers/flows and providers/flowtables): one client per
// workspace, queries run through internal/loganalytics.Query (which
// classifies the service's failures for every Log Analytics provider),
// partial results reported as warnings, and result cells rendered as the
// text the row decoders read.
package laquery

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/monitor/query/azlogs"

	"github.com/gonotebooklets/notebooklets/internal/loganalytics"
)

// Config says where and how a Client connects.
type Config struct {
	// Endpoint replaces https://api.loganalytics.io (sovereign clouds,
	// tests). Audience defaults to Endpoint.
	Endpoint, Audience string
	// ClientOptions are passed to azlogs (Transport, Retry, Logging, ...).
	ClientOptions azcore.ClientOptions
	// ServerTimeout asks the service to run a query for up to this long
	// (max 10 minutes; default: the service's 3 minutes).
	ServerTimeout time.Duration
}

// Client queries one workspace.
type Client struct {
	workspace string
	client    *azlogs.Client
	timeout   time.Duration
}

// ErrBadQuery is matched (errors.Is) when the service rejects a query as
// invalid (HTTP 400); it is loganalytics.ErrBadQuery.
var ErrBadQuery = loganalytics.ErrBadQuery

// ErrNeedTimeRange is returned when a query has no time range.
var ErrNeedTimeRange = errors.New("log analytics: a query needs a start and an end time")

// New returns a client for workspaceID. cred nil means azidentity's
// DefaultAzureCredential.
func New(workspaceID string, cred azcore.TokenCredential, cfg Config) (*Client, error) {
	if strings.TrimSpace(workspaceID) == "" {
		return nil, errors.New("log analytics: empty workspace ID (set it in msticpyconfig.yaml under AzureSentinel.Workspaces)")
	}
	client, err := loganalytics.NewClient(cred, loganalytics.ClientConfig{Endpoint: cfg.Endpoint, Audience: cfg.Audience, ClientOptions: cfg.ClientOptions})
	if err != nil {
		return nil, fmt.Errorf("log analytics: %w", err)
	}
	return &Client{workspace: workspaceID, client: client, timeout: cfg.ServerTimeout}, nil
}

// Workspace is the workspace ID.
func (c *Client) Workspace() string { return c.workspace }

// Result is the first table of a query's answer.
type Result struct {
	Columns []string
	Rows    [][]any
	// Warnings says what may be missing (a partial result).
	Warnings []string
}

// Index returns the position of each column by name.
func (r *Result) Index() map[string]int {
	m := make(map[string]int, len(r.Columns))
	for i, c := range r.Columns {
		if _, ok := m[c]; !ok {
			m[c] = i
		}
	}
	return m
}

// Query runs kql over [start, end] (both required; the service also
// restricts the tables to that timespan) and returns its first table. A
// partial result is returned with a warning.
func (c *Client) Query(ctx context.Context, kql string, start, end time.Time) (*Result, error) {
	if start.IsZero() || end.IsZero() {
		return nil, ErrNeedTimeRange
	}
	ans, err := loganalytics.Query(ctx, c.client, loganalytics.Request{Workspace: c.workspace, KQL: kql, Start: start, End: end, ServerTimeout: c.timeout})
	if err != nil {
		return nil, err
	}
	warnings := ans.Warnings
	if len(warnings) > 0 {
		warnings[0] += "; rows may be missing — narrow the time range or use the grouped queries"
	}
	t := ans.Table
	r := &Result{Columns: make([]string, len(t.Columns)), Rows: make([][]any, len(t.Rows)), Warnings: warnings}
	for i, col := range t.Columns {
		if col.Name != nil {
			r.Columns[i] = *col.Name
		}
	}
	for i, row := range t.Rows {
		r.Rows[i] = row
	}
	return r, nil
}

// Text renders a result cell as text: strings as they are, numbers in
// plain decimal ("443", "1.5"), booleans as "true"/"false", null as "",
// arrays and objects (dynamic columns) as JSON.
func Text(v any) (string, error) {
	switch x := v.(type) {
	case nil:
		return "", nil
	case string:
		return x, nil
	case float64:
		return strconv.FormatFloat(x, 'f', -1, 64), nil
	case bool:
		return strconv.FormatBool(x), nil
	case json.Number:
		return string(x), nil
	}
	b, err := json.Marshal(v)
	return string(b), err
}

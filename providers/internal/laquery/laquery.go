// Package laquery runs KQL queries against a Log Analytics workspace for the
// flow sources (providers/flows and providers/flowtables): one client, one
// mapping of service errors to messages (credential rejected, throttled,
// service error), partial results reported as warnings, and result cells
// rendered as the text the row decoders read.
package laquery

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
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
	wait      *int
}

// ErrBadQuery is matched (errors.Is) when the service rejects a query as
// invalid (HTTP 400: a syntax or semantic error, such as a function the
// workspace does not have).
var ErrBadQuery = errors.New("log analytics: query rejected")

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
	c := &Client{workspace: workspaceID, client: client}
	if cfg.ServerTimeout > 0 {
		w := int(cfg.ServerTimeout / time.Second)
		c.wait = &w
	}
	return c, nil
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
	ti := azlogs.NewTimeInterval(start.UTC(), end.UTC())
	body := azlogs.QueryBody{Query: &kql, Timespan: &ti}
	var opts *azlogs.QueryWorkspaceOptions
	if c.wait != nil {
		opts = &azlogs.QueryWorkspaceOptions{Options: &azlogs.QueryOptions{Wait: c.wait}}
	}
	resp, err := c.client.QueryWorkspace(ctx, c.workspace, body, opts)
	if err != nil {
		var re *azcore.ResponseError
		if errors.As(err, &re) {
			switch re.StatusCode {
			case http.StatusUnauthorized, http.StatusForbidden:
				return nil, fmt.Errorf("%w: HTTP %d for workspace %s (check the credential and its Log Analytics Reader role): %s",
					loganalytics.ErrAuth, re.StatusCode, c.workspace, firstLine(re.ErrorCode))
			case http.StatusBadRequest:
				return nil, fmt.Errorf("%w (HTTP 400): %w", ErrBadQuery, err)
			case http.StatusTooManyRequests:
				return nil, fmt.Errorf("log analytics: throttled (HTTP 429) after retries; try again later or narrow the time range: %w", err)
			}
			if re.StatusCode >= 500 {
				return nil, fmt.Errorf("log analytics: service error (HTTP %d) after retries: %w", re.StatusCode, err)
			}
		}
		return nil, fmt.Errorf("log analytics: query failed: %w", err)
	}
	var warnings []string
	if resp.Error != nil {
		warnings = append(warnings, "log analytics: partial result ("+resp.Error.Code+"): "+partialMessage(resp.Error)+
			"; rows may be missing — narrow the time range or use the grouped queries")
	}
	if len(resp.Tables) == 0 {
		if resp.Error != nil {
			return nil, fmt.Errorf("log analytics: query returned no table: %s", partialMessage(resp.Error))
		}
		return nil, errors.New("log analytics: query returned no table")
	}
	t := resp.Tables[0]
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

func firstLine(s string) string {
	s, _, _ = strings.Cut(s, "\n")
	return s
}

// partialMessage extracts the message of a Log Analytics error object.
func partialMessage(e *azlogs.ErrorInfo) string {
	var m struct {
		Message string
		Details []struct{ Message string }
	}
	if json.Unmarshal([]byte(e.Error()), &m) != nil {
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

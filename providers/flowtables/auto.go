package flowtables

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"

	"github.com/gonotebooklets/notebooklets/internal/loganalytics"
	"github.com/gonotebooklets/notebooklets/providers/flows"
	"github.com/gonotebooklets/notebooklets/providers/flowtables/internal/tablerows"
	"github.com/gonotebooklets/notebooklets/providers/internal/laquery"
	"github.com/gonotebooklets/notebooklets/providers/provenance"
)

// AutoSource is the source LogAnalytics returns for Auto. It chooses, for
// each query (host or address and time range), the table
// that has its flows, with one query that counts the host's flow records in
// AzureNetworkAnalytics_CL, NTANetAnalytics and DeviceNetworkEvents
// (union isfuzzy=true: a table the workspace lacks is no error):
//
//   - among the tables with records, the first in the order NTANetAnalytics,
//     AzureNetworkAnalytics_CL, DeviceNetworkEvents whose records span at
//     least half as long as the longest span of any of them (so a table
//     switched on at the end of the range does not hide one that covers it);
//   - when none has records, ASIM's _Im_NetworkSession is counted in a second
//     query (it is the broadest and the costliest: it runs every parser) and
//     chosen when it has records;
//   - when nothing has, the source returns no flows and a warning saying so.
//
// Selection says which table answered and why (for the run header); the
// choice is kept per query.
type AutoSource struct {
	la      *laquery.Client
	sources map[Table]counter

	mu      sync.Mutex
	choices map[queryKey]Selection
	last    *Selection
}

// queryKey identifies a query for the cache of choices.
type queryKey struct {
	host, ip   string
	start, end int64
}

// TableCount is what the auto query found in one table.
type TableCount struct {
	Table Table
	// Present is false when the workspace has no such table (or parser).
	Present bool
	// Records is the number of the host's flow records in the time range;
	// First and Last their earliest start and latest end.
	Records     int64
	First, Last time.Time
	// Checked is false for ASIM when a direct table had records.
	Checked bool
}

// Selection is the auto choice for one query.
type Selection struct {
	// Table is the chosen table; "" when no table has the host's flows.
	Table Table
	// Reason says why, in a sentence for the run header.
	Reason string
	// Counts are the counts the choice was made from.
	Counts []TableCount
}

func newAuto(workspaceID string, cred azcore.TokenCredential, opts *flows.LogAnalyticsOptions) (*AutoSource, error) {
	la, err := tablerows.NewClient(workspaceID, cred, opts)
	if err != nil {
		return nil, err
	}
	a := &AutoSource{la: la, sources: map[Table]counter{}, choices: map[queryKey]Selection{}}
	for _, t := range Tables {
		s, err := newSource(workspaceID, cred, t, opts)
		if err != nil {
			return nil, err
		}
		a.sources[t] = s
	}
	return a, nil
}

// direct are the tables the first auto query counts, in preference order.
var direct = []Table{NTANetAnalytics, AzureNetworkAnalytics, DeviceNetworkEvents}

// CountKQL is the auto query for q: one union counting q's flow records in
// each direct table.
func (a *AutoSource) CountKQL(q flows.Query) (string, error) {
	legs := make([]string, 0, len(direct))
	for _, t := range direct {
		k, err := a.sources[t].CountKQL(q)
		if err != nil {
			return "", err
		}
		legs = append(legs, "(\n"+k+"\n| extend Table = "+tablerows.Quote(string(t))+")")
	}
	return "union isfuzzy=true\n" + strings.Join(legs, ",\n") + "\n| project Table, Records, First, Last", nil
}

// counts runs a count query and reads its rows.
func (a *AutoSource) counts(ctx context.Context, kql string, q flows.Query, table Table) (map[Table]TableCount, error) {
	res, err := a.la.Query(ctx, kql, q.Start, q.End)
	if err != nil {
		return nil, err
	}
	idx := res.Index()
	cell := func(row []any, col string) string {
		i, ok := idx[col]
		if !ok || i >= len(row) {
			return ""
		}
		s, _ := laquery.Text(row[i])
		return s
	}
	out := map[Table]TableCount{}
	for _, row := range res.Rows {
		t := table
		if t == "" {
			t = Table(cell(row, "Table"))
		}
		n, ok := tablerows.ParseInt(cell(row, "Records"))
		if !ok {
			return nil, fmt.Errorf("flowtables: auto: %s: Records %q is not a count", t, cell(row, "Records"))
		}
		c := out[t]
		c.Table, c.Present, c.Checked = t, true, true
		c.Records += n
		if f, ok := tablerows.ParseTime(cell(row, "First")); ok && (c.First.IsZero() || f.Before(c.First)) {
			c.First = f
		}
		if l, ok := tablerows.ParseTime(cell(row, "Last")); ok && l.After(c.Last) {
			c.Last = l
		}
		out[t] = c
	}
	return out, nil
}

// Choose returns the table for q, asking the workspace the first time.
func (a *AutoSource) Choose(ctx context.Context, q flows.Query) (Selection, error) {
	key := queryKey{q.Host, q.IP, q.Start.UnixNano(), q.End.UnixNano()}
	a.mu.Lock()
	defer a.mu.Unlock()
	if s, ok := a.choices[key]; ok {
		a.last = &s
		return s, nil
	}
	kql, err := a.CountKQL(q)
	if err != nil {
		return Selection{}, err
	}
	found, err := a.counts(ctx, kql, q, "")
	if err != nil {
		return Selection{}, fmt.Errorf("flowtables: auto: counting the host's flows: %w", err)
	}
	counts := make([]TableCount, 0, len(Tables))
	for _, t := range direct {
		c := found[t]
		c.Table, c.Checked = t, true
		counts = append(counts, c)
	}
	sel := choose(counts)
	asim := TableCount{Table: ASIM}
	var asimErr error
	if sel == "" {
		k, err := a.sources[ASIM].CountKQL(q)
		if err != nil {
			return Selection{}, err
		}
		got, err := a.counts(ctx, k, q, ASIM)
		switch {
		case err == nil:
			asim = got[ASIM]
			asim.Table, asim.Checked = ASIM, true
			if asim.Records > 0 {
				sel = ASIM
			}
		case errors.Is(err, laquery.ErrBadQuery):
			asim.Checked, asimErr = true, err // no _Im_NetworkSession in the workspace
		default:
			return Selection{}, fmt.Errorf("flowtables: auto: counting the host's ASIM sessions: %w", err)
		}
	}
	counts = append(counts, asim)
	s := Selection{Table: sel, Counts: counts, Reason: reason(sel, counts, q, asimErr)}
	a.choices[key] = s
	a.last = &s
	return s, nil
}

// choose applies Auto's rule to the direct tables' counts.
func choose(counts []TableCount) Table {
	var longest time.Duration
	for _, c := range counts {
		if c.Records > 0 {
			longest = max(longest, c.Last.Sub(c.First))
		}
	}
	for _, c := range counts {
		if c.Records > 0 && 2*c.Last.Sub(c.First) >= longest {
			return c.Table
		}
	}
	return ""
}

// who names q's host for messages.
func who(q flows.Query) string {
	switch {
	case q.Host != "" && q.IP != "":
		return q.Host + " (" + q.IP + ")"
	case q.Host != "":
		return q.Host
	}
	return q.IP
}

func describe(c TableCount) string {
	switch {
	case !c.Checked:
		return string(c.Table) + " not asked"
	case !c.Present:
		return string(c.Table) + " not in the workspace"
	}
	return string(c.Table) + " " + strconv.FormatInt(c.Records, 10)
}

// reason writes the choice as a sentence.
func reason(sel Table, counts []TableCount, q flows.Query, asimErr error) string {
	var others []string
	var chosen TableCount
	for _, c := range counts {
		if c.Table == sel {
			chosen = c
			continue
		}
		d := describe(c)
		if c.Table == ASIM && asimErr != nil {
			d = string(ASIM) + " not available (the workspace has no " + "_Im_NetworkSession parser)"
		}
		others = append(others, d)
	}
	if sel == "" {
		return "flow table auto: no table has flow records for " + who(q) + " in the time range (" + strings.Join(others, ", ") + ")"
	}
	why := "the first table with records in the order " + joinTables(direct) + " whose records span at least half as long as the longest"
	if sel == ASIM {
		why = "no other table has records; ASIM normalises the workspace's other network sources"
	}
	return fmt.Sprintf("flow table auto: chose %s, which has %d flow records for %s from %s to %s (%s): %s",
		sel, chosen.Records, who(q), chosen.First.UTC().Format(time.RFC3339), chosen.Last.UTC().Format(time.RFC3339),
		strings.Join(others, ", "), why)
}

func joinTables(ts []Table) string {
	s := make([]string, len(ts))
	for i, t := range ts {
		s[i] = string(t)
	}
	return strings.Join(s, ", ")
}

// Selection returns the last choice made, and false before the first query.
func (a *AutoSource) Selection() (Selection, bool) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.last == nil {
		return Selection{}, false
	}
	return *a.last, true
}

// noFlows is the answer when no table has the host's flows.
func noFlows(s Selection) flows.Stats { return flows.Stats{Warnings: []string{s.Reason}} }

// Stream chooses q's table and streams its flows.
func (a *AutoSource) Stream(ctx context.Context, q flows.Query, fn func(*flows.Flow) error) (flows.Stats, error) {
	s, err := a.Choose(ctx, q)
	if err != nil || s.Table == "" {
		return noFlows(s), err
	}
	return a.sources[s.Table].Stream(ctx, q, fn)
}

// FlowIndex chooses q's table and asks it for the flow index.
func (a *AutoSource) FlowIndex(ctx context.Context, q flows.Query) ([]flows.FlowGroup, flows.Stats, error) {
	s, err := a.Choose(ctx, q)
	if err != nil || s.Table == "" {
		return nil, noFlows(s), err
	}
	return a.sources[s.Table].FlowIndex(ctx, q)
}

// TimeBuckets chooses q's table and asks it for the time buckets.
func (a *AutoSource) TimeBuckets(ctx context.Context, q flows.Query, width time.Duration) ([]flows.TimeBucket, flows.Stats, error) {
	s, err := a.Choose(ctx, q)
	if err != nil || s.Table == "" {
		return nil, noFlows(s), err
	}
	return a.sources[s.Table].TimeBuckets(ctx, q, width)
}

// Provenance implements provenance.Describer. It does not change with the
// choice, so that a later notebook cell (a new process that has not chosen
// yet) describes the same source; Selection says which table answered.
func (a *AutoSource) Provenance() provenance.Info {
	return provenance.Info{Kind: "log-analytics", Name: "flow table auto (" + joinTables(Tables) + ")", Location: "workspace " + a.la.Workspace()}
}

// SelectionOf returns how src chose its table: the last choice of an auto
// source, or for a Log Analytics source of one table that table, set
// explicitly. ok is false for other sources and for an auto source that has
// not been queried.
func SelectionOf(src flows.Source) (s Selection, ok bool) {
	switch x := src.(type) {
	case *AutoSource:
		return x.Selection()
	case interface{ Table() string }:
		if _, la := src.(counter); la {
			return Selection{Table: Table(x.Table()), Reason: "flow table " + x.Table() + " (set by flow_table or --flow-table)"}, true
		}
	}
	return Selection{}, false
}

// ErrAuth is matched (errors.Is) when Log Analytics rejects the credential.
var ErrAuth = loganalytics.ErrAuth

var _ Source = (*AutoSource)(nil)

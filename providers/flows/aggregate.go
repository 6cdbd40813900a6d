package flows

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/gonotebooklets/notebooklets/providers/ipaddr"
)

// Aggregator is implemented by sources that can compute the flow index and
// the time series themselves (every Log Analytics source: the grouping runs
// in KQL, so a host with millions of flows returns thousands of rows). A
// consumer that finds it uses the groups and buckets instead of streaming
// the flows.
type Aggregator interface {
	// FlowIndex returns the flows of q grouped by source, dest,
	// L7Protocol and FlowDirection (see Flow.Source and Flow.Dest).
	FlowIndex(ctx context.Context, q Query) ([]FlowGroup, Stats, error)
	// TimeBuckets returns the flows of q counted per time bucket of the
	// given width (by FlowStartTime), L7Protocol and FlowDirection.
	TimeBuckets(ctx context.Context, q Query, width time.Duration) ([]TimeBucket, Stats, error)
}

// FlowGroup is one row of a flow index computed by the source.
type FlowGroup struct {
	Source, Dest, L7Protocol string
	FlowDirection            Direction
	// TotalAllowedFlows sums AllowedOutFlows + AllowedInFlows.
	TotalAllowedFlows int64
	// TotalBytes sums BytesSrcToDest + BytesDestToSrc (0 when the source
	// has no bytes; Stats.HasBytes says).
	TotalBytes int64
	// Records is the number of flow records grouped.
	Records             int64
	FirstSeen, LastSeen time.Time
}

// TimeBucket is one row of Aggregator.TimeBuckets.
type TimeBucket struct {
	Start             time.Time
	L7Protocol        string
	FlowDirection     Direction
	Records           int64
	TotalAllowedFlows int64
	TotalBytes        int64
	// RemoteIPs is the number of distinct remote addresses (AllExtIPs).
	RemoteIPs int64
}

// MergeGroups puts the addresses of groups in their canonical form
// (ipaddr.Canonical) and merges the groups that then share a key, summing
// their measures and widening their time range; the first occurrence keeps
// its place. Sources whose service groups by the raw text of an address
// (where ::ffff:10.0.0.1 and 10.0.0.1 differ) use it on their result.
func MergeGroups(groups []FlowGroup) []FlowGroup {
	type key struct {
		src, dst, proto string
		dir             Direction
	}
	pos := make(map[key]int, len(groups))
	out := groups[:0:0]
	for _, g := range groups {
		if c, ok := ipaddr.Canonical(g.Source); ok {
			g.Source = c
		}
		if c, ok := ipaddr.Canonical(g.Dest); ok {
			g.Dest = c
		}
		k := key{g.Source, g.Dest, g.L7Protocol, g.FlowDirection}
		i, ok := pos[k]
		if !ok {
			pos[k] = len(out)
			out = append(out, g)
			continue
		}
		m := &out[i]
		m.TotalAllowedFlows += g.TotalAllowedFlows
		m.TotalBytes += g.TotalBytes
		m.Records += g.Records
		if !g.FirstSeen.IsZero() && (m.FirstSeen.IsZero() || g.FirstSeen.Before(m.FirstSeen)) {
			m.FirstSeen = g.FirstSeen
		}
		if g.LastSeen.After(m.LastSeen) {
			m.LastSeen = g.LastSeen
		}
	}
	return out
}

// The KQL that pushes the flow index and the time buckets into Log
// Analytics. Each Log Analytics source writes a query whose rows carry the
// flow columns FlowStartTime, FlowEndTime, FlowDirection ("O" or "I"),
// L7Protocol, VMIPAddress, SrcIP, DestIP, AllExtIPs (one remote address per
// row), AllowedOutFlows, AllowedInFlows, BytesSrcToDest and BytesDestToSrc
// (null where the source has no bytes), and appends FlowIndexKQL or
// TimeBucketsKQL; FlowGroupsFromTable and TimeBucketsFromTable read the
// answers. One definition serves every table.

// SourceDestKQL adds the measures and the source and dest columns of the
// flow index: Flow.Source and Flow.Dest written in KQL.
const SourceDestKQL = `
| extend TotalAllowedFlows = tolong(AllowedOutFlows) + tolong(AllowedInFlows),
    TotalBytes = coalesce(tolong(BytesSrcToDest), 0) + coalesce(tolong(BytesDestToSrc), 0),
    HasBytes = isnotnull(BytesSrcToDest) or isnotnull(BytesDestToSrc)
| extend source = iif(FlowDirection == "O", iif(isempty(VMIPAddress), SrcIP, VMIPAddress), iif(isempty(AllExtIPs), DestIP, AllExtIPs)),
    dest = iif(FlowDirection == "O", iif(isempty(AllExtIPs), DestIP, AllExtIPs), iif(isempty(VMIPAddress), SrcIP, VMIPAddress))`

// FlowIndexKQL groups the flow rows by source, dest, L7Protocol and
// FlowDirection.
const FlowIndexKQL = SourceDestKQL + `
| summarize TotalAllowedFlows = sum(TotalAllowedFlows), TotalBytes = sum(TotalBytes), ByteRecords = countif(HasBytes),
    Records = count(), FirstSeen = min(FlowStartTime), LastSeen = max(FlowEndTime)
    by source, dest, L7Protocol, FlowDirection`

// TimeBucketsKQL counts the flow rows per time bucket of width (whole
// seconds, at least one), L7Protocol and FlowDirection.
func TimeBucketsKQL(width time.Duration) (string, error) {
	if width < time.Second {
		return "", fmt.Errorf("log analytics: time bucket %s is shorter than a second", width)
	}
	return SourceDestKQL + fmt.Sprintf(`
| summarize Records = count(), TotalAllowedFlows = sum(TotalAllowedFlows), TotalBytes = sum(TotalBytes), ByteRecords = countif(HasBytes),
    RemoteIPs = dcount(AllExtIPs)
    by Bucket = bin(FlowStartTime, %ds), L7Protocol, FlowDirection
| order by Bucket asc`, int64(width/time.Second)), nil
}

// maxSkipped is how many skipped rows the decoders report in Stats.Skipped.
const maxSkipped = 5

// groupTable indexes the columns of an aggregate answer.
type groupTable struct {
	name string
	cols map[string]int
	row  []any
}

func newGroupTable(name string, columns []string, want ...string) (*groupTable, error) {
	g := &groupTable{name: name, cols: make(map[string]int, len(columns))}
	for i, c := range columns {
		if _, ok := g.cols[c]; !ok {
			g.cols[c] = i
		}
	}
	for _, w := range want {
		if _, ok := g.cols[w]; !ok {
			return nil, &MissingColumnError{File: name, Column: w}
		}
	}
	return g, nil
}

// text returns a cell as text ("" for null or an absent column).
func (g *groupTable) text(col string) string {
	i, ok := g.cols[col]
	if !ok || i >= len(g.row) {
		return ""
	}
	switch v := g.row[i].(type) {
	case nil:
		return ""
	case string:
		return v
	case float64:
		return strconv.FormatFloat(v, 'f', -1, 64)
	case json.Number:
		return string(v)
	case bool:
		return strconv.FormatBool(v)
	}
	b, _ := json.Marshal(g.row[i])
	return string(b)
}

// int reads an integer cell ("12", "12.0"; null or absent is 0).
func (g *groupTable) int(col string) (int64, error) {
	s := strings.TrimSpace(g.text(col))
	if s == "" {
		return 0, nil
	}
	if n, err := strconv.ParseInt(s, 10, 64); err == nil {
		return n, nil
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil || f != math.Trunc(f) || math.Abs(f) > 1<<53 {
		return 0, g.bad(col, s, "not an integer")
	}
	return int64(f), nil
}

// time reads an RFC 3339 cell (null or absent is the zero time).
func (g *groupTable) time(col string, required bool) (time.Time, error) {
	s := strings.TrimSpace(g.text(col))
	if s == "" {
		if required {
			return time.Time{}, g.bad(col, s, "empty time")
		}
		return time.Time{}, nil
	}
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return time.Time{}, g.bad(col, s, "not an RFC 3339 time")
	}
	return t.UTC(), nil
}

func (g *groupTable) direction() (Direction, error) {
	s := g.text("FlowDirection")
	switch Direction(s) {
	case Outbound, Inbound:
		return Direction(s), nil
	}
	return "", g.bad("FlowDirection", s, `want "O" or "I"`)
}

func (g *groupTable) bad(col, value, reason string) error {
	return &cellError{column: col, value: value, reason: reason}
}

// cellError is why one aggregate row was skipped.
type cellError struct{ column, value, reason string }

func (e *cellError) Error() string {
	v := e.value
	if len(v) > 60 {
		v = v[:60] + "…"
	}
	return fmt.Sprintf("column %s: value %q: %s", e.column, v, e.reason)
}

func (g *groupTable) skip(st *Stats, i int, err error) {
	st.RowsSkipped++
	if len(st.Skipped) >= maxSkipped {
		return
	}
	var ce *cellError
	if errors.As(err, &ce) {
		err = ce
	}
	st.Skipped = append(st.Skipped, fmt.Sprintf("%s:%d: %v", g.name, i+1, err))
}

// FlowGroupsFromTable reads the answer of a FlowIndexKQL query (columns and
// rows as Log Analytics returns them; name is used in messages). Addresses
// come back canonical and merged (MergeGroups); rows that do not parse are
// skipped and reported in Stats; Stats.HasBytes is set when any group
// counted a record with bytes.
func FlowGroupsFromTable(name string, columns []string, rows [][]any) ([]FlowGroup, Stats, error) {
	var st Stats
	g, err := newGroupTable(name, columns, "source", "dest", "L7Protocol", "FlowDirection", "TotalAllowedFlows")
	if err != nil {
		return nil, st, err
	}
	out := make([]FlowGroup, 0, len(rows))
	for i, row := range rows {
		st.RowsRead++
		g.row = row
		fg := FlowGroup{Source: g.text("source"), Dest: g.text("dest"), L7Protocol: g.text("L7Protocol")}
		var byteRecords int64
		err := errors.Join(
			keep(&fg.FlowDirection, g.direction),
			keep(&fg.TotalAllowedFlows, func() (int64, error) { return g.int("TotalAllowedFlows") }),
			keep(&fg.TotalBytes, func() (int64, error) { return g.int("TotalBytes") }),
			keep(&byteRecords, func() (int64, error) { return g.int("ByteRecords") }),
			keep(&fg.Records, func() (int64, error) { return g.int("Records") }),
			keep(&fg.FirstSeen, func() (time.Time, error) { return g.time("FirstSeen", false) }),
			keep(&fg.LastSeen, func() (time.Time, error) { return g.time("LastSeen", false) }),
		)
		if err != nil {
			g.skip(&st, i, err)
			continue
		}
		st.RowsKept++
		st.HasBytes = st.HasBytes || byteRecords > 0
		widen(&st, fg.FirstSeen, fg.LastSeen)
		out = append(out, fg)
	}
	return MergeGroups(out), st, nil
}

// TimeBucketsFromTable reads the answer of a TimeBucketsKQL(width) query.
func TimeBucketsFromTable(name string, columns []string, rows [][]any, width time.Duration) ([]TimeBucket, Stats, error) {
	var st Stats
	g, err := newGroupTable(name, columns, "Bucket", "L7Protocol", "FlowDirection", "Records", "TotalAllowedFlows")
	if err != nil {
		return nil, st, err
	}
	out := make([]TimeBucket, 0, len(rows))
	for i, row := range rows {
		st.RowsRead++
		g.row = row
		b := TimeBucket{L7Protocol: g.text("L7Protocol")}
		var byteRecords int64
		err := errors.Join(
			keep(&b.Start, func() (time.Time, error) { return g.time("Bucket", true) }),
			keep(&b.FlowDirection, g.direction),
			keep(&b.Records, func() (int64, error) { return g.int("Records") }),
			keep(&b.TotalAllowedFlows, func() (int64, error) { return g.int("TotalAllowedFlows") }),
			keep(&b.TotalBytes, func() (int64, error) { return g.int("TotalBytes") }),
			keep(&byteRecords, func() (int64, error) { return g.int("ByteRecords") }),
			keep(&b.RemoteIPs, func() (int64, error) { return g.int("RemoteIPs") }),
		)
		if err != nil {
			g.skip(&st, i, err)
			continue
		}
		st.RowsKept++
		st.HasBytes = st.HasBytes || byteRecords > 0
		widen(&st, b.Start, b.Start.Add(width))
		out = append(out, b)
	}
	return out, st, nil
}

// keep stores the value f returns in *dst and returns f's error.
func keep[T any](dst *T, f func() (T, error)) error {
	v, err := f()
	*dst = v
	return err
}

func widen(st *Stats, first, last time.Time) {
	if !first.IsZero() && (st.First.IsZero() || first.Before(st.First)) {
		st.First = first
	}
	if last.After(st.Last) {
		st.Last = last
	}
}

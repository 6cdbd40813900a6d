package tablerows

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"

	"github.com/gonotebooklets/notebooklets/providers/flows"
	"github.com/gonotebooklets/notebooklets/providers/internal/laquery"
	"github.com/gonotebooklets/notebooklets/providers/provenance"
)

// Mapper turns the records of one table into flows.
type Mapper interface {
	// Table is the table's name ("NTANetAnalytics").
	Table() string
	// Schema is the columns the mapper reads.
	Schema() *Schema
	// Required lists the columns a file must carry; each entry is
	// satisfied by any one of its IDs.
	Required() [][]int
	// ByteColumns are the columns holding bytes (Stats.HasBytes is set
	// when a kept record has one).
	ByteColumns() []int
	// Map appends the flows of one record to dst, as seen from the host q
	// names (q may be empty). It returns dst unchanged and a reason when
	// the record is deliberately not a flow (a status row, a listening
	// socket, no allowed flows), and a *RowError when it cannot be read.
	Map(r *Row, q flows.Query, dst []flows.Flow) (out []flows.Flow, notFlow string, err error)
}

// maxSkipped is how many skipped records Stats.Skipped holds.
const maxSkipped = 5

// Match reports whether a mapped flow is one of q's: VMName naming q.Host
// (HostMatches), q.IP (canonical) among VMIPAddress, AllExtIPs, SrcIP and
// DestIP, FlowStartTime ≥ Start and FlowEndTime ≤ End.
func Match(q flows.Query, f *flows.Flow) bool {
	if q.Host != "" && !HostMatches(f.VMName, q.Host) {
		return false
	}
	if q.IP != "" {
		ip := Addr(q.IP)
		if f.VMIPAddress != ip && f.AllExtIPs != ip && f.SrcIP != ip && f.DestIP != ip {
			return false
		}
	}
	return q.InSpan(f)
}

// streamer maps records and passes the flows of q to fn.
type streamer struct {
	m       Mapper
	q       flows.Query
	fn      func(*flows.Flow) error
	st      flows.Stats
	buf     []flows.Flow
	notFlow map[string]int64
}

func newStreamer(m Mapper, q flows.Query, fn func(*flows.Flow) error) *streamer {
	return &streamer{m: m, q: q, fn: fn, notFlow: map[string]int64{}}
}

func (s *streamer) skip(where string, err error) {
	s.st.RowsSkipped++
	if len(s.st.Skipped) < maxSkipped {
		s.st.Skipped = append(s.st.Skipped, where+": "+err.Error())
	}
}

func (s *streamer) row(r *Row) error {
	s.st.RowsRead++
	out, why, err := s.m.Map(r, s.q, s.buf[:0])
	s.buf = out[:0]
	if err != nil {
		var re *RowError
		if errors.As(err, &re) {
			s.skip(r.Where, re)
			return nil
		}
		return err
	}
	if why != "" {
		s.notFlow[why]++
		return nil
	}
	kept := false
	for i := range out {
		f := &out[i]
		if !Match(s.q, f) {
			continue
		}
		kept = true
		s.st.RowsKept++
		if !f.FlowStartTime.IsZero() && (s.st.First.IsZero() || f.FlowStartTime.Before(s.st.First)) {
			s.st.First = f.FlowStartTime
		}
		if f.FlowEndTime.After(s.st.Last) {
			s.st.Last = f.FlowEndTime
		}
		if err := s.fn(f); err != nil {
			return err
		}
	}
	if kept && !s.st.HasBytes {
		for _, id := range s.m.ByteColumns() {
			if r.Get(id) != "" {
				s.st.HasBytes = true
				break
			}
		}
	}
	return nil
}

// finish adds a warning counting the records that were not flows.
func (s *streamer) finish(name string) flows.Stats {
	if len(s.notFlow) > 0 {
		var total int64
		reasons := make([]string, 0, len(s.notFlow))
		for why, n := range s.notFlow {
			total += n
			reasons = append(reasons, fmt.Sprintf("%d %s", n, why))
		}
		sort.Strings(reasons)
		s.st.Warnings = append(s.st.Warnings, fmt.Sprintf("%s: %d records are not flows of the index: %s", name, total, strings.Join(reasons, ", ")))
	}
	return s.st
}

// File is a flows.Source over one local export of a table.
type File struct {
	path   string
	format Format
	m      Mapper
}

// OpenFile checks a local export's header against the mapper's required
// columns and returns a source over it.
func OpenFile(path string, m Mapper) (*File, error) {
	format, hdr, err := Sniff(path)
	if err != nil {
		return nil, err
	}
	present := Present(m.Schema(), hdr)
	for _, alts := range m.Required() {
		if !slices.ContainsFunc(alts, func(id int) bool { return present[id] }) {
			names := make([]string, len(alts))
			for i, id := range alts {
				names[i] = m.Schema().Name(id)
			}
			return nil, &flows.MissingColumnError{File: path, Column: strings.Join(names, "|") + " (a " + m.Table() + " column)"}
		}
	}
	return &File{path: path, format: format, m: m}, nil
}

// Path is the file's path.
func (f *File) Path() string { return f.path }

// Format is the file's layout.
func (f *File) Format() Format { return f.format }

// Stream reads the file and calls fn for each flow of q.
func (f *File) Stream(ctx context.Context, q flows.Query, fn func(*flows.Flow) error) (flows.Stats, error) {
	s := newStreamer(f.m, q, fn)
	err := ReadFile(ctx, f.path, f.m.Schema(), s.row, s.skip)
	return s.finish(f.path), err
}

// Provenance implements provenance.Describer: the table and the file.
func (f *File) Provenance() provenance.Info {
	return provenance.Info{Kind: "files", Name: f.m.Table() + " export", Location: f.path}
}

// Queries writes a table's KQL.
type Queries interface {
	// FlowsKQL selects q's records with the table's own columns (the
	// mapper reads them).
	FlowsKQL(q flows.Query) (string, error)
	// MappedKQL selects q's records as flow rows (the columns
	// flows.FlowIndexKQL reads), one remote address per row.
	MappedKQL(q flows.Query) (string, error)
}

// LogAnalytics is a table's flows.Source and flows.Aggregator over a
// workspace.
type LogAnalytics struct {
	Client  *laquery.Client
	Mapper  Mapper
	Queries Queries
}

func (l *LogAnalytics) name(what string) string {
	n := "log analytics workspace " + l.Client.Workspace() + " (" + l.Mapper.Table()
	if what != "" {
		n += " " + what
	}
	return n + ")"
}

// Stream runs FlowsKQL and maps its rows.
func (l *LogAnalytics) Stream(ctx context.Context, q flows.Query, fn func(*flows.Flow) error) (flows.Stats, error) {
	kql, err := l.Queries.FlowsKQL(q)
	if err != nil {
		return flows.Stats{}, err
	}
	res, err := l.Client.Query(ctx, kql, q.Start, q.End)
	if err != nil {
		return flows.Stats{}, err
	}
	name := l.name("")
	if err := l.checkColumns(name, res); err != nil {
		return flows.Stats{}, err
	}
	s := newStreamer(l.Mapper, q, fn)
	err = ReadResult(ctx, name, res, l.Mapper.Schema(), s.row)
	st := s.finish(name)
	st.Warnings = append(st.Warnings, res.Warnings...)
	return st, err
}

// checkColumns reports an answer lacking a required column (a changed
// schema).
func (l *LogAnalytics) checkColumns(name string, res *laquery.Result) error {
	present := Present(l.Mapper.Schema(), res.Columns)
	for _, alts := range l.Mapper.Required() {
		if !slices.ContainsFunc(alts, func(id int) bool { return present[id] }) {
			return &flows.MissingColumnError{File: name, Column: l.Mapper.Schema().Name(alts[0])}
		}
	}
	return nil
}

// FlowIndexKQL is MappedKQL grouped by flows.FlowIndexKQL.
func (l *LogAnalytics) FlowIndexKQL(q flows.Query) (string, error) {
	base, err := l.Queries.MappedKQL(q)
	if err != nil {
		return "", err
	}
	return base + flows.FlowIndexKQL, nil
}

// TimeBucketsKQL is MappedKQL counted by flows.TimeBucketsKQL.
func (l *LogAnalytics) TimeBucketsKQL(q flows.Query, width time.Duration) (string, error) {
	tail, err := flows.TimeBucketsKQL(width)
	if err != nil {
		return "", err
	}
	base, err := l.Queries.MappedKQL(q)
	if err != nil {
		return "", err
	}
	return base + tail, nil
}

// CountTail reduces flow rows to one row: Records, First, Last.
const CountTail = `
| summarize Records = count(), First = min(FlowStartTime), Last = max(FlowEndTime)`

// CountKQL is MappedKQL reduced by CountTail.
func (l *LogAnalytics) CountKQL(q flows.Query) (string, error) {
	base, err := l.Queries.MappedKQL(q)
	if err != nil {
		return "", err
	}
	return base + CountTail, nil
}

// FlowIndex asks the workspace for q's flow index.
func (l *LogAnalytics) FlowIndex(ctx context.Context, q flows.Query) ([]flows.FlowGroup, flows.Stats, error) {
	kql, err := l.FlowIndexKQL(q)
	if err != nil {
		return nil, flows.Stats{}, err
	}
	res, err := l.Client.Query(ctx, kql, q.Start, q.End)
	if err != nil {
		return nil, flows.Stats{}, err
	}
	groups, st, err := flows.FlowGroupsFromTable(l.name("flow index"), res.Columns, res.Rows)
	st.Warnings = append(st.Warnings, res.Warnings...)
	return groups, st, err
}

// TimeBuckets asks the workspace for q's flows per time bucket.
func (l *LogAnalytics) TimeBuckets(ctx context.Context, q flows.Query, width time.Duration) ([]flows.TimeBucket, flows.Stats, error) {
	kql, err := l.TimeBucketsKQL(q, width)
	if err != nil {
		return nil, flows.Stats{}, err
	}
	res, err := l.Client.Query(ctx, kql, q.Start, q.End)
	if err != nil {
		return nil, flows.Stats{}, err
	}
	buckets, st, err := flows.TimeBucketsFromTable(l.name("time buckets"), res.Columns, res.Rows, width)
	st.Warnings = append(st.Warnings, res.Warnings...)
	return buckets, st, err
}

// Provenance implements provenance.Describer: the table and the workspace.
func (l *LogAnalytics) Provenance() provenance.Info {
	return provenance.Info{Kind: "log-analytics", Name: l.Mapper.Table(), Location: "workspace " + l.Client.Workspace()}
}

// NewClient returns the query client for a table's Log Analytics source
// (opts.Table is not used).
func NewClient(workspaceID string, cred azcore.TokenCredential, opts *flows.LogAnalyticsOptions) (*laquery.Client, error) {
	if opts == nil {
		opts = &flows.LogAnalyticsOptions{}
	}
	return laquery.New(workspaceID, cred, laquery.Config{
		Endpoint: opts.Endpoint, Audience: opts.Audience, ClientOptions: opts.ClientOptions, ServerTimeout: opts.ServerTimeout,
	})
}

package flowsummary

import (
	"cmp"
	"slices"
	"strings"

	"github.com/gonotebooklets/notebooklets/providers/flows"
)

// FlowKey is the grouping key of the flow index: source, dest, L7 protocol and
// direction, as msticnb groups them.
type FlowKey struct {
	Source        string
	Dest          string
	L7Protocol    string
	FlowDirection string
}

// FlowIndexRow is one row of the flow index: the flows of one key with their
// summed TotalAllowedFlows. The JSON names are msticnb's column names.
type FlowIndexRow struct {
	Source            string `json:"source"`
	Dest              string `json:"dest"`
	L7Protocol        string `json:"L7Protocol"`
	FlowDirection     string `json:"FlowDirection"`
	TotalAllowedFlows int64  `json:"TotalAllowedFlows"`
}

// Key returns the row's grouping key.
func (r FlowIndexRow) Key() FlowKey {
	return FlowKey{r.Source, r.Dest, r.L7Protocol, r.FlowDirection}
}

// FlowIndex accumulates flows into the flow index while they stream by. It
// keeps one row per key (not the flows), interns the key strings, and does
// not allocate for rows whose key it has seen. The zero value is not usable;
// call NewFlowIndex.
type FlowIndex struct {
	strs  map[string]string
	pos   map[FlowKey]int
	rows  []FlowIndexRow
	flows int64
}

// NewFlowIndex returns an empty flow index.
func NewFlowIndex() *FlowIndex {
	return &FlowIndex{strs: make(map[string]string), pos: make(map[FlowKey]int)}
}

// intern returns the stored copy of s, storing a copy on first sight (the
// flow's strings may point into a reused buffer).
func (x *FlowIndex) intern(s string) string {
	if v, ok := x.strs[s]; ok {
		return v
	}
	c := strings.Clone(s)
	x.strs[c] = c
	return c
}

// Add adds one flow: its source and dest (Flow.Source, Flow.Dest), L7
// protocol, direction and TotalAllowedFlows.
func (x *FlowIndex) Add(f *flows.Flow) {
	x.AddKey(FlowKey{f.Source(), f.Dest(), f.L7Protocol, f.FlowDirection}, f.TotalAllowedFlows())
}

// AddKey adds n allowed flows to key k (for sources that pre-aggregate, such
// as a KQL summarize).
func (x *FlowIndex) AddKey(k FlowKey, n int64) {
	x.flows++
	if i, ok := x.pos[k]; ok {
		x.rows[i].TotalAllowedFlows += n
		return
	}
	k = FlowKey{x.intern(k.Source), x.intern(k.Dest), x.intern(k.L7Protocol), x.intern(k.FlowDirection)}
	x.pos[k] = len(x.rows)
	x.rows = append(x.rows, FlowIndexRow{k.Source, k.Dest, k.L7Protocol, k.FlowDirection, n})
}

// Flows returns the number of flow records added.
func (x *FlowIndex) Flows() int64 { return x.flows }

// Len returns the number of distinct keys.
func (x *FlowIndex) Len() int { return len(x.rows) }

// FirstSeen returns the rows in the order their keys were first seen.
func (x *FlowIndex) FirstSeen() []FlowIndexRow { return slices.Clone(x.rows) }

// Rows returns the flow index sorted by source, dest, L7Protocol and
// FlowDirection, the order pandas' groupby gives msticnb.
func (x *FlowIndex) Rows() []FlowIndexRow {
	rows := slices.Clone(x.rows)
	SortFlowIndex(rows)
	return rows
}

// SortFlowIndex sorts rows by source, dest, L7Protocol, FlowDirection (byte
// order, which is Python's code-point order for UTF-8 strings).
func SortFlowIndex(rows []FlowIndexRow) {
	slices.SortFunc(rows, func(a, b FlowIndexRow) int {
		return cmp.Or(
			strings.Compare(a.Source, b.Source),
			strings.Compare(a.Dest, b.Dest),
			strings.Compare(a.L7Protocol, b.L7Protocol),
			strings.Compare(a.FlowDirection, b.FlowDirection),
		)
	})
}

// UniqueIPs returns the distinct source and dest addresses of rows, in
// first-seen order (msticnb counted source and dest separately, counting
// addresses seen on both sides twice).
func UniqueIPs(rows []FlowIndexRow) []string {
	seen := make(map[string]struct{})
	var out []string
	for _, r := range rows {
		for _, ip := range [2]string{r.Source, r.Dest} {
			if _, ok := seen[ip]; !ok {
				seen[ip] = struct{}{}
				out = append(out, ip)
			}
		}
	}
	return out
}

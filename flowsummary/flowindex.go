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
	FlowDirection flows.Direction
}

// FlowIndexRow is one row of the flow index: the flows of one key with their
// summed TotalAllowedFlows and, for sources that record bytes, TotalBytes
// (Flow.TotalBytes summed). Sums saturate at the int64 limit. The JSON names
// are msticnb's column names.
type FlowIndexRow struct {
	Source            string          `json:"source"`
	Dest              string          `json:"dest"`
	L7Protocol        string          `json:"L7Protocol"`
	FlowDirection     flows.Direction `json:"FlowDirection"`
	TotalAllowedFlows int64           `json:"TotalAllowedFlows"`
	TotalBytes        int64           `json:"TotalBytes,omitempty"`
}

// Key returns the row's grouping key.
func (r FlowIndexRow) Key() FlowKey {
	return FlowKey{r.Source, r.Dest, r.L7Protocol, r.FlowDirection}
}

// FlowIndex accumulates flows into the flow index while they stream by. It
// keeps one row per key (not the flows), interns the key strings as small
// integer IDs, and looks rows up by a packed 64-bit key of those IDs, so a
// row whose key it has seen costs four string-map probes and one integer-map
// probe, with no allocation. The zero value is not usable; call
// NewFlowIndex.
type FlowIndex struct {
	ips, protos, dirs idTable
	pos               map[uint64]int32 // packed IDs → row
	wide              map[FlowKey]int  // keys whose IDs do not fit the packing
	rows              []FlowIndexRow   // TotalAllowedFlows and TotalBytes kept in totals and bytes
	totals            []int64          // per row; dense, so the hot path stays in cache
	bytes             []int64          // per row
	flows             int64
}

// idTable interns strings as dense IDs. It remembers the last string it
// was asked for: the host's address repeats on one side of almost every flow.
type idTable struct {
	ids    map[string]uint32
	strs   []string
	last   string
	lastID uint32
}

// id returns s's ID, storing a copy of s on first sight (the flow's strings
// may point into a reused buffer).
func (t *idTable) id(s string) uint32 {
	if len(t.strs) > 0 && s == t.last {
		return t.lastID
	}
	v, ok := t.ids[s]
	if !ok {
		v = t.add(s)
	}
	t.last, t.lastID = t.strs[v], v
	return v
}

func (t *idTable) add(s string) uint32 {
	c := strings.Clone(s)
	v := uint32(len(t.strs))
	t.strs = append(t.strs, c)
	t.ids[c] = v
	return v
}

// Bit widths of the packed key: source and dest address IDs, protocol ID,
// direction ID (24+24+12+4 = 64).
const (
	ipBits    = 24
	protoBits = 12
	dirBits   = 4
)

// NewFlowIndex returns an empty flow index.
func NewFlowIndex() *FlowIndex {
	return &FlowIndex{
		ips:    idTable{ids: make(map[string]uint32)},
		protos: idTable{ids: make(map[string]uint32)},
		dirs:   idTable{ids: make(map[string]uint32)},
		pos:    make(map[uint64]int32),
	}
}

// Add adds one flow: its source and dest (Flow.Source, Flow.Dest), L7
// protocol, direction, TotalAllowedFlows and TotalBytes.
func (x *FlowIndex) Add(f *flows.Flow) {
	x.add(f.Source(), f.Dest(), f.L7Protocol, string(f.FlowDirection), f.TotalAllowedFlows(), f.TotalBytes())
}

// AddKey adds n allowed flows to key k (for sources that pre-aggregate, such
// as a KQL summarize).
func (x *FlowIndex) AddKey(k FlowKey, n int64) {
	x.add(k.Source, k.Dest, k.L7Protocol, string(k.FlowDirection), n, 0)
}

// AddGroup adds a pre-aggregated group: n allowed flows and the given bytes
// for key k.
func (x *FlowIndex) AddGroup(k FlowKey, n, bytes int64) {
	x.add(k.Source, k.Dest, k.L7Protocol, string(k.FlowDirection), n, bytes)
}

func (x *FlowIndex) add(src, dst, proto, dir string, n, bytes int64) {
	x.flows++
	s, d, p, r := x.ips.id(src), x.ips.id(dst), x.protos.id(proto), x.dirs.id(dir)
	if s < 1<<ipBits && d < 1<<ipBits && p < 1<<protoBits && r < 1<<dirBits {
		key := uint64(s)<<(ipBits+protoBits+dirBits) | uint64(d)<<(protoBits+dirBits) | uint64(p)<<dirBits | uint64(r)
		if i, ok := x.pos[key]; ok {
			x.totals[i] = addSat(x.totals[i], n)
			x.bytes[i] = addSat(x.bytes[i], bytes)
			return
		}
		x.pos[key] = int32(len(x.rows))
	} else {
		k := FlowKey{x.ips.strs[s], x.ips.strs[d], x.protos.strs[p], flows.Direction(x.dirs.strs[r])}
		if x.wide == nil {
			x.wide = make(map[FlowKey]int)
		}
		if i, ok := x.wide[k]; ok {
			x.totals[i] = addSat(x.totals[i], n)
			x.bytes[i] = addSat(x.bytes[i], bytes)
			return
		}
		x.wide[k] = len(x.rows)
	}
	x.rows = append(x.rows, FlowIndexRow{Source: x.ips.strs[s], Dest: x.ips.strs[d], L7Protocol: x.protos.strs[p], FlowDirection: flows.Direction(x.dirs.strs[r])})
	x.totals = append(x.totals, n)
	x.bytes = append(x.bytes, bytes)
}

// snapshot returns the rows with their totals, in first-seen order.
func (x *FlowIndex) snapshot() []FlowIndexRow {
	rows := slices.Clone(x.rows)
	for i := range rows {
		rows[i].TotalAllowedFlows = x.totals[i]
		rows[i].TotalBytes = x.bytes[i]
	}
	return rows
}

// Flows returns the number of flow records added.
func (x *FlowIndex) Flows() int64 { return x.flows }

// Len returns the number of distinct keys.
func (x *FlowIndex) Len() int { return len(x.rows) }

// FirstSeen returns the rows in the order their keys were first seen.
func (x *FlowIndex) FirstSeen() []FlowIndexRow { return x.snapshot() }

// Rows returns the flow index sorted by source, dest, L7Protocol and
// FlowDirection, the order pandas' groupby gives msticnb.
func (x *FlowIndex) Rows() []FlowIndexRow {
	rows := x.snapshot()
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
			strings.Compare(string(a.FlowDirection), string(b.FlowDirection)),
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

// addSat is flows.AddCounts: a sum that saturates at the int64 limits
// instead of wrapping (a wrapped total would turn negative and drive the
// rare-ASN selection).
func addSat(a, b int64) int64 { return flows.AddCounts(a, b) }

package flowsummary

import (
	"cmp"
	"math/bits"
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
// row whose key it has seen costs at most three string-map probes (each
// side's last address and the last protocol are remembered) and one
// integer-map probe, with no allocation. Each row remembers the input
// position of its first flow, so indexes built from parts of one input on
// several goroutines merge (Merge) into the index one pass builds. The zero
// value is not usable; call NewFlowIndex.
type FlowIndex struct {
	ips, protos, dirs idTable
	// in, for a part fed by a parse goroutine, gives the address and
	// protocol IDs (its Keys) instead of ips and protos.
	in               *flows.Interner
	srcLast, dstLast lastID
	pos              keyTable        // packed IDs → the row's sums
	wide             map[FlowKey]int // keys whose IDs do not fit the packing → keys/accs
	keys             []rowKey        // per wide row: its key's IDs
	accs             []rowAcc        // per wide row: what is summed
	flows            int64
	next             uint64 // position of the next Add
	sink             uint64 // what touchKeys loaded (kept, so the loads are not dropped)
	// merging is set while Merge adds rows whose positions may come
	// before those already seen (otherwise positions only grow, and a
	// row's first flow is the one that created it).
	merging bool
}

// rowAcc is what a row sums, with the input position of its first flow.
type rowAcc struct {
	total, bytes int64
	first        uint64
}

// rowKey is a row's key as interned IDs: source, dest, protocol, direction.
type rowKey struct{ s, d, p, r uint32 }

// idTable interns strings as dense IDs.
type idTable struct {
	ids  map[string]uint32
	strs []string
	last lastID
}

// lastID remembers one string's ID: the host's address repeats on its side
// of almost every flow.
type lastID struct {
	s  string
	id uint32
	ok bool
}

// id returns s's ID, storing a copy of s on first sight (the flow's strings
// may point into a reused buffer); c is the cache to try first.
func (t *idTable) id(s string, c *lastID) uint32 {
	if c.ok && s == c.s {
		return c.id
	}
	v, ok := t.ids[s]
	if !ok {
		v = t.add(s)
	}
	*c = lastID{t.strs[v], v, true}
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
// direction ID (24+24+11+4 = 63; the top bit marks a used table slot).
const (
	ipBits    = 24
	protoBits = 11
	dirBits   = 4
	usedBit   = 1 << 63
)

// packKey returns the packed key of IDs that fit the widths.
func packKey(s, d, p, r uint32) uint64 {
	return usedBit | uint64(s)<<(ipBits+protoBits+dirBits) | uint64(d)<<(protoBits+dirBits) | uint64(p)<<dirBits | uint64(r)
}

// unpack returns the IDs of a packed key.
func unpack(key uint64) rowKey {
	return rowKey{
		s: uint32(key>>(ipBits+protoBits+dirBits)) & (1<<ipBits - 1),
		d: uint32(key>>(protoBits+dirBits)) & (1<<ipBits - 1),
		p: uint32(key>>dirBits) & (1<<protoBits - 1),
		r: uint32(key) & (1<<dirBits - 1),
	}
}

// NewFlowIndex returns an empty flow index.
func NewFlowIndex() *FlowIndex {
	x := &FlowIndex{
		ips:    idTable{ids: make(map[string]uint32)},
		protos: idTable{ids: make(map[string]uint32)},
		dirs:   idTable{ids: make(map[string]uint32)},
	}
	// The two directions have fixed IDs (dirID); others follow.
	x.dirs.add(string(flows.Outbound))
	x.dirs.add(string(flows.Inbound))
	return x
}

// dirID returns the ID of a direction, without a lookup for the two
// directions of flow records.
func (x *FlowIndex) dirID(d flows.Direction) uint32 {
	switch d {
	case flows.Outbound:
		return 0
	case flows.Inbound:
		return 1
	}
	return x.dirs.id(string(d), &x.dirs.last)
}

// Add adds one flow: its source and dest (Flow.Source, Flow.Dest), L7
// protocol, direction, TotalAllowedFlows and TotalBytes.
func (x *FlowIndex) Add(f *flows.Flow) {
	x.addAt(f, x.next)
	x.next++
}

// addAt adds f, the flow at input position at.
func (x *FlowIndex) addAt(f *flows.Flow, at uint64) {
	x.addFlow(f, f.TotalAllowedFlows(), f.TotalBytes(), at)
}

// newKeyedFlowIndex returns an empty index fed with Keys of in.
func newKeyedFlowIndex(in *flows.Interner) *FlowIndex {
	x := NewFlowIndex()
	x.in = in
	return x
}

func (x *FlowIndex) ipStr(id uint32) string {
	if x.in != nil {
		return x.in.Addr(id)
	}
	return x.ips.strs[id]
}

func (x *FlowIndex) protoStr(id uint32) string {
	if x.in != nil {
		return x.in.Proto(id)
	}
	return x.protos.strs[id]
}

// addKeys adds f (of a keyed index) by its Keys, with its totals n and
// bytes, at input position at, and returns the IDs of its protocol and
// direction (for the series).
func (x *FlowIndex) addKeys(f *flows.Flow, k *flows.Keys, n, bytes int64, at uint64) (proto, dir uint32) {
	x.flows++
	proto, dir = k.L7Protocol, x.dirID(f.FlowDirection)
	x.addIDs(k.Source(f), k.Dest(f), proto, dir, n, bytes, at)
	return proto, dir
}

// touchKeys loads the table slots of the keyed flows fs (ks their Keys),
// so that the cache misses of a batch overlap and addKeys then finds them
// in the cache. It changes nothing but the cache.
func (x *FlowIndex) touchKeys(fs []flows.Flow, ks []flows.Keys) {
	if x.pos.slots == nil || len(fs) > len(ks) {
		return
	}
	var sink uint64
	for i := range fs {
		f, k := &fs[i], &ks[i]
		s, d, p, r := k.Source(f), k.Dest(f), k.L7Protocol, x.dirID(f.FlowDirection)
		if s < 1<<ipBits && d < 1<<ipBits && p < 1<<protoBits && r < 1<<dirBits {
			sink += x.pos.slots[x.pos.home(packKey(s, d, p, r))].key
		}
	}
	x.sink = sink
}

// addFlow adds f with its totals n and bytes, at input position at, and
// returns the IDs of its protocol and direction (for the series).
func (x *FlowIndex) addFlow(f *flows.Flow, n, bytes int64, at uint64) (proto, dir uint32) {
	x.flows++
	s, d := x.ips.id(f.Source(), &x.srcLast), x.ips.id(f.Dest(), &x.dstLast)
	proto, dir = x.protos.id(f.L7Protocol, &x.protos.last), x.dirID(f.FlowDirection)
	x.addIDs(s, d, proto, dir, n, bytes, at)
	return proto, dir
}

// AddKey adds n allowed flows to key k (for sources that pre-aggregate, such
// as a KQL summarize).
func (x *FlowIndex) AddKey(k FlowKey, n int64) {
	x.AddGroup(k, n, 0)
}

// AddGroup adds a pre-aggregated group: n allowed flows and the given bytes
// for key k.
func (x *FlowIndex) AddGroup(k FlowKey, n, bytes int64) {
	x.addGroup(k, n, bytes, 1)
}

// addGroup is AddGroup for a group of records flow records (Flows counts
// them).
func (x *FlowIndex) addGroup(k FlowKey, n, bytes, records int64) {
	x.add(k.Source, k.Dest, k.L7Protocol, string(k.FlowDirection), n, bytes, x.next)
	x.flows += records - 1
	x.next++
}

func (x *FlowIndex) add(src, dst, proto, dir string, n, bytes int64, at uint64) {
	x.flows++
	s, d := x.ips.id(src, &x.srcLast), x.ips.id(dst, &x.dstLast)
	p, r := x.protos.id(proto, &x.protos.last), x.dirs.id(dir, &x.dirs.last)
	x.addIDs(s, d, p, r, n, bytes, at)
}

// addIDs adds to the row of the interned key (s, d, p, r).
func (x *FlowIndex) addIDs(s, d, p, r uint32, n, bytes int64, at uint64) {
	if s < 1<<ipBits && d < 1<<ipBits && p < 1<<protoBits && r < 1<<dirBits {
		key := packKey(s, d, p, r)
		slot := x.pos.find(key)
		if sl := &x.pos.slots[slot]; sl.key == key {
			// The hot half of the row; the cold half only when needed
			// (positions only grow, except when merging).
			sl.total = addSat(sl.total, n)
			if bytes != 0 || x.merging {
				c := &x.pos.cold[slot]
				c.bytes = addSat(c.bytes, bytes)
				c.first = min(c.first, at)
			}
			return
		}
		x.pos.set(slot, key, rowAcc{n, bytes, at})
		return
	}
	k := FlowKey{x.ipStr(s), x.ipStr(d), x.protoStr(p), flows.Direction(x.dirs.strs[r])}
	if x.wide == nil {
		x.wide = make(map[FlowKey]int)
	}
	if i, ok := x.wide[k]; ok {
		x.accs[i].add(n, bytes, at)
		return
	}
	x.wide[k] = len(x.keys)
	x.keys = append(x.keys, rowKey{s, d, p, r})
	x.accs = append(x.accs, rowAcc{n, bytes, at})
}

func (a *rowAcc) add(n, bytes int64, at uint64) {
	a.total = addSat(a.total, n)
	if bytes != 0 {
		a.bytes = addSat(a.bytes, bytes)
	}
	if at < a.first {
		a.first = at
	}
}

// each calls fn for every row: its key's IDs and sums.
func (x *FlowIndex) each(fn func(k rowKey, a rowAcc)) {
	for i, sl := range x.pos.slots {
		if sl.key != 0 {
			c := x.pos.cold[i]
			fn(unpack(sl.key), rowAcc{sl.total, c.bytes, c.first})
		}
	}
	for i, k := range x.keys {
		fn(k, x.accs[i])
	}
}

// keyTable holds the rows of packed keys with their sums, with open
// addressing: one cache line per flow, cheaper than a Go map probe and a
// row array. A slot holds the key and TotalAllowedFlows (16 bytes, what
// every flow touches); bytes and the first position sit apart in cold.
type keyTable struct {
	slots []keySlot
	cold  []coldSums
	shift uint8
	n     int
}

type keySlot struct {
	key   uint64 // usedBit | packed IDs; 0: empty
	total int64
}

type coldSums struct {
	bytes int64
	first uint64
}

// find returns the slot of key: where it is, or the empty slot to put it.
func (t *keyTable) find(key uint64) int {
	if t.slots == nil {
		t.grow()
	}
	mask := len(t.slots) - 1
	i := t.home(key)
	for {
		if k := t.slots[i].key; k == 0 || k == key {
			return i
		}
		i = (i + 1) & mask
	}
}

// home is key's first slot.
func (t *keyTable) home(key uint64) int { return int((key * 0x9e3779b97f4a7c15) >> t.shift) }

// set puts key and its sums at its (empty) slot, growing the table past
// half full.
func (t *keyTable) set(slot int, key uint64, acc rowAcc) {
	t.slots[slot] = keySlot{key, acc.total}
	t.cold[slot] = coldSums{acc.bytes, acc.first}
	if t.n++; 2*t.n > len(t.slots) {
		t.grow()
	}
}

// reserve grows the table to hold n keys without growing again.
func (t *keyTable) reserve(n int) {
	for t.slots == nil || 2*n > len(t.slots) {
		t.grow()
	}
}

func (t *keyTable) grow() {
	old, oldCold := t.slots, t.cold
	size := max(2*len(old), 1024)
	t.slots, t.cold = make([]keySlot, size), make([]coldSums, size)
	t.shift = uint8(64 - bits.TrailingZeros(uint(size)))
	t.n = 0
	for i, s := range old {
		if s.key != 0 {
			j := t.find(s.key)
			t.slots[j], t.cold[j] = s, oldCold[i]
			t.n++
		}
	}
}

// Merge adds the rows of o to x, as if x had seen o's flows too. For the
// first-seen order to be the one a single pass gives, the positions of the
// two indexes' flows must interleave as in the input (see Collector).
func (x *FlowIndex) Merge(o *FlowIndex) {
	x.pos.reserve(x.pos.n + o.pos.n)
	x.merging = true
	defer func() { x.merging = false }()
	x.flows += o.flows
	var c lastID
	o.each(func(k rowKey, a rowAcc) {
		s, d := x.ips.id(o.ipStr(k.s), &x.srcLast), x.ips.id(o.ipStr(k.d), &x.dstLast)
		p, dr := x.protos.id(o.protoStr(k.p), &c), x.dirs.id(o.dirs.strs[k.r], &x.dirs.last)
		x.addIDs(s, d, p, dr, a.total, a.bytes, a.first)
	})
	x.next = max(x.next, o.next)
}

// snapshot returns the rows with their totals, in first-seen order.
func (x *FlowIndex) snapshot() []FlowIndexRow {
	type row struct {
		k rowKey
		a rowAcc
	}
	all := make([]row, 0, x.Len())
	x.each(func(k rowKey, a rowAcc) { all = append(all, row{k, a}) })
	if len(all) == 0 {
		return nil
	}
	slices.SortFunc(all, func(a, b row) int { return cmp.Compare(a.a.first, b.a.first) })
	rows := make([]FlowIndexRow, len(all))
	for i, r := range all {
		rows[i] = FlowIndexRow{Source: x.ipStr(r.k.s), Dest: x.ipStr(r.k.d), L7Protocol: x.protoStr(r.k.p),
			FlowDirection: flows.Direction(x.dirs.strs[r.k.r]), TotalAllowedFlows: r.a.total, TotalBytes: r.a.bytes}
	}
	return rows
}

// Flows returns the number of flow records added.
func (x *FlowIndex) Flows() int64 { return x.flows }

// Len returns the number of distinct keys.
func (x *FlowIndex) Len() int { return x.pos.n + len(x.keys) }

// FirstSeen returns the rows in the order their keys were first seen.
func (x *FlowIndex) FirstSeen() []FlowIndexRow { return x.snapshot() }

// Rows returns the flow index sorted by source, dest, L7Protocol and
// FlowDirection, the order pandas' groupby gives msticnb.
func (x *FlowIndex) Rows() []FlowIndexRow {
	rows := x.snapshot()
	sortFlowIndex(rows)
	return rows
}

// sortFlowIndex sorts rows by source, dest, L7Protocol, FlowDirection (byte
// order, which is Python's code-point order for UTF-8 strings).
func sortFlowIndex(rows []FlowIndexRow) {
	slices.SortFunc(rows, func(a, b FlowIndexRow) int {
		return cmp.Or(
			strings.Compare(a.Source, b.Source),
			strings.Compare(a.Dest, b.Dest),
			strings.Compare(a.L7Protocol, b.L7Protocol),
			strings.Compare(string(a.FlowDirection), string(b.FlowDirection)),
		)
	})
}

// uniqueIPs returns the distinct source and dest addresses of rows, in
// first-seen order (msticnb counted source and dest separately, counting
// addresses seen on both sides twice).
func uniqueIPs(rows []FlowIndexRow) []string {
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

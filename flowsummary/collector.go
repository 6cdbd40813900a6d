package flowsummary

import (
	"context"
	"math"
	"slices"
	"strings"
	"sync/atomic"
	"time"

	"github.com/gonotebooklets/notebooklets/providers/flows"
)

// DefaultMaxFlowsKept is how many raw flow records a Collector keeps for the
// result when no other cap is given.
const DefaultMaxFlowsKept = 10000

// Collector consumes a stream of flows once and builds everything the
// notebooklet shows from it: the flow index, the bucketed series for the
// plots, and the first MaxKept raw flows. Flows outside [Start, End]
// (FlowStartTime before Start or FlowEndTime after End, as msticpy's query
// selects them; a zero bound is open) are counted in Dropped and otherwise
// ignored.
type Collector struct {
	Start, End time.Time
	MaxKept    int

	Index       *FlowIndex // nil: no flow index
	ByProtocol  *seriesSet // records and flows by L7Protocol; nil: none
	ByDirection *seriesSet // records by FlowDirection; nil: none

	Kept      []flows.Flow
	Truncated int64 // flows not kept because of MaxKept
	Dropped   int64 // flows outside the time span
	Seen      int64 // flows accepted
	// First and Last are the earliest FlowStartTime and latest FlowEndTime
	// of the accepted flows.
	First, Last time.Time

	// Host is what the flows say of the queried host (Collect fills it).
	Host hostFacts

	next    uint64   // position of the next Add
	keptAt  []uint64 // input position of each kept flow
	hostAt  [3]uint64
	hostSet [3]bool
	// keepBound, shared by the parts of one Collect, is the lowest position
	// at which some part holds MaxKept flows: a flow after it cannot be
	// among the first MaxKept, so no part copies it.
	keepBound *atomic.Uint64
	keptStrs  map[string]string // the kept flows' other strings (cloneKeyed)
}

// hostFacts is what the flows tell about the queried host: its VM name,
// address and region, from the first flows that name them.
type hostFacts struct {
	Name, IP, Region string
}

// Collect streams the flows of q from src once into the collector (as Add
// would, in input order) and learns the host's facts from them: flows of
// the host named by q.Host (case-insensitive) or q.IP give its VMName,
// VMIPAddress and VMRegion. It returns the source's statistics.
//
// A source that parses in parallel (flows.ParallelSource: flow files) feeds
// one partial collector per parse goroutine; the parts are merged at the
// end into exactly what one pass in input order gives (rows and series in
// first-seen order, the first MaxKept flows, the first-seen host facts, the
// first record's example of each bucket).
func (c *Collector) Collect(ctx context.Context, src flows.Source, q flows.Query) (flows.Stats, error) {
	q = q.Normalized()
	if agg, ok := src.(flows.Aggregator); ok {
		return c.collectGroups(ctx, agg, q)
	}
	var parts []*collectPart
	base := c.next // after what earlier calls added
	bound := new(atomic.Uint64)
	bound.Store(math.MaxUint64)
	st, err := flows.StreamParallel(ctx, src, q, func(in *flows.Interner) flows.Consumer {
		p := &collectPart{c: c.newPart(in), q: q, base: base}
		p.c.keepBound = bound
		parts = append(parts, p)
		return p
	})
	cs := make([]*Collector, len(parts))
	for i, p := range parts {
		cs[i] = p.c
	}
	c.mergeAll(cs)
	return st, err
}

// collectGroups fills the collector from a source that aggregates itself
// (flows.Aggregator: Log Analytics, where the grouping runs in KQL): the
// flow index from its groups, the series from its time buckets, asked at a
// width that fits the groups' time range in the bucket limit. No flow
// records are read, so none are kept (Truncated counts them all) and the
// host's facts are left to the host resolver; the source's query applies
// the time span.
func (c *Collector) collectGroups(ctx context.Context, agg flows.Aggregator, q flows.Query) (flows.Stats, error) {
	groups, st, err := agg.FlowIndex(ctx, q)
	if err != nil {
		return st, err
	}
	for _, g := range groups {
		c.Seen = addSat(c.Seen, g.Records)
		if !g.FirstSeen.IsZero() && (c.First.IsZero() || g.FirstSeen.Before(c.First)) {
			c.First = g.FirstSeen
		}
		if g.LastSeen.After(c.Last) {
			c.Last = g.LastSeen
		}
		if c.Index != nil {
			c.Index.addGroup(FlowKey{g.Source, g.Dest, g.L7Protocol, g.FlowDirection}, g.TotalAllowedFlows, g.TotalBytes, g.Records)
		}
	}
	c.Truncated = c.Seen - int64(len(c.Kept))
	if c.ByProtocol == nil && c.ByDirection == nil {
		return st, nil
	}
	first, last := q.Start, q.End
	if first.IsZero() {
		first = c.First
	}
	if last.IsZero() {
		last = c.Last
	}
	maxBuckets := defaultMaxBuckets
	for _, s := range []*seriesSet{c.ByProtocol, c.ByDirection} {
		if s != nil {
			maxBuckets = s.maxBuckets
		}
	}
	width := bucketWidth(first, last, maxBuckets)
	buckets, bst, err := agg.TimeBuckets(ctx, q, width)
	st.Warnings = append(st.Warnings, bst.Warnings...)
	st.RowsSkipped += bst.RowsSkipped
	st.Skipped = append(st.Skipped, bst.Skipped...)
	if err != nil {
		return st, err
	}
	for _, b := range buckets {
		if c.ByProtocol != nil {
			c.ByProtocol.AddCounts(b.L7Protocol, b.Start, b.Records, b.TotalAllowedFlows, b.TotalBytes, "")
		}
		if c.ByDirection != nil {
			c.ByDirection.AddCounts(string(b.FlowDirection), b.Start, b.Records, b.TotalAllowedFlows, b.TotalBytes, "")
		}
	}
	return st, nil
}

// bucketWidth is the narrowest series width (a minute doubled) at which
// [first, last] takes at most maxBuckets buckets.
func bucketWidth(first, last time.Time, maxBuckets int) time.Duration {
	w := time.Duration(baseWidth) * time.Second
	if first.IsZero() || last.IsZero() || !last.After(first) {
		return w
	}
	for last.Sub(first)/w >= time.Duration(maxBuckets) {
		w *= 2
	}
	return w
}

// collectPart feeds one partial collector.
type collectPart struct {
	c    *Collector
	q    flows.Query
	base uint64
}

// KeepsFirst tells the reader how many flows, in input order, may be kept
// whole: MaxKept when every flow of the query passes the collector's own
// span (as in Run), so the reader may project the other rows; else any.
func (p *collectPart) KeepsFirst() int {
	c, q := p.c, p.q
	if (c.Start.IsZero() || (!q.Start.IsZero() && !q.Start.Before(c.Start))) &&
		(c.End.IsZero() || (!q.End.IsZero() && !q.End.After(c.End))) {
		return c.MaxKept
	}
	return -1
}

func (p *collectPart) Add(f *flows.Flow, k *flows.Keys, at flows.Position) {
	pos := p.base + uint64(at)
	p.c.learnHost(f, p.q, pos)
	p.c.addKeyed(f, k, pos)
	p.c.next = pos + 1
}

// AddBatch implements flows.BatchConsumer: the flow index's rows of the
// batch are looked up first (FlowIndex.touchKeys), then each flow is added
// as Add adds it.
func (p *collectPart) AddBatch(fs []flows.Flow, ks []flows.Keys, at flows.Position) {
	if x := p.c.Index; x != nil {
		x.touchKeys(fs, ks)
	}
	for i := range fs {
		p.Add(&fs[i], &ks[i], at+flows.Position(i))
	}
}

// newPart returns an empty collector with c's settings and parts, whose
// flow index is keyed by in's IDs.
func (c *Collector) newPart(in *flows.Interner) *Collector {
	p := &Collector{Start: c.Start, End: c.End, MaxKept: c.MaxKept}
	if c.Index != nil {
		p.Index = newKeyedFlowIndex(in)
	}
	if c.ByProtocol != nil {
		p.ByProtocol = newSeriesSet(c.ByProtocol.maxBuckets)
	}
	if c.ByDirection != nil {
		p.ByDirection = newSeriesSet(c.ByDirection.maxBuckets)
	}
	return p
}

// mergeAll adds parts (made by newPart, fed with flows whose positions
// interleave with c's as in the input) to c.
func (c *Collector) mergeAll(parts []*Collector) {
	for _, p := range parts {
		c.Dropped += p.Dropped
		c.Seen += p.Seen
		if !p.First.IsZero() && (c.First.IsZero() || p.First.Before(c.First)) {
			c.First = p.First
		}
		if p.Last.After(c.Last) {
			c.Last = p.Last
		}
		if c.Index != nil {
			c.Index.Merge(p.Index)
		}
		if c.ByProtocol != nil {
			c.ByProtocol.Merge(p.ByProtocol)
		}
		if c.ByDirection != nil {
			c.ByDirection.Merge(p.ByDirection)
		}
		for i := range c.hostAt {
			if p.hostSet[i] && (!c.hostSet[i] || p.hostAt[i] < c.hostAt[i]) {
				c.hostSet[i], c.hostAt[i] = true, p.hostAt[i]
				*c.hostField(i) = *p.hostField(i)
			}
		}
		c.next = max(c.next, p.next)
	}
	c.mergeKept(parts)
	c.Truncated = c.Seen - int64(len(c.Kept))
}

// mergeKept keeps the first MaxKept flows of c and parts, by position:
// each list is in position order, so this is a k-way merge.
func (c *Collector) mergeKept(parts []*Collector) {
	lists := make([]*Collector, 0, len(parts)+1)
	total := 0
	for _, p := range append([]*Collector{c}, parts...) {
		if len(p.Kept) > 0 {
			lists = append(lists, p)
			total += len(p.Kept)
		}
	}
	if len(lists) <= 1 && (len(lists) == 0 || lists[0] == c) {
		return
	}
	n := min(total, c.MaxKept)
	kept, at := make([]flows.Flow, 0, n), make([]uint64, 0, n)
	next := make([]int, len(lists))
	for len(kept) < n {
		best := -1
		for i, l := range lists {
			if next[i] < len(l.Kept) && (best < 0 || l.keptAt[next[i]] < lists[best].keptAt[next[best]]) {
				best = i
			}
		}
		l := lists[best]
		kept, at = append(kept, l.Kept[next[best]]), append(at, l.keptAt[next[best]])
		next[best]++
	}
	c.Kept, c.keptAt = kept, at
}

func (c *Collector) hostField(i int) *string {
	switch i {
	case 0:
		return &c.Host.Name
	case 1:
		return &c.Host.IP
	}
	return &c.Host.Region
}

// learnHost takes the host's facts from f, at input position at, when f is
// a flow of the queried host and they are not known from an earlier flow.
func (c *Collector) learnHost(f *flows.Flow, q flows.Query, at uint64) {
	if c.hostSet[0] && c.hostSet[1] && c.hostSet[2] {
		return
	}
	if q.Host != "" && !strings.EqualFold(f.VMName, q.Host) {
		return
	}
	if q.IP != "" && f.VMIPAddress != q.IP {
		return
	}
	for i, v := range [3]string{f.VMName, f.VMIPAddress, f.VMRegion} {
		if v != "" && (!c.hostSet[i] || at < c.hostAt[i]) {
			c.hostSet[i], c.hostAt[i] = true, at
			*c.hostField(i) = strings.Clone(v)
		}
	}
}

// NewCollector returns a collector for [start, end] with all parts enabled.
func NewCollector(start, end time.Time, maxKept int) *Collector {
	return &Collector{
		Start: start, End: end, MaxKept: maxKept,
		Index: NewFlowIndex(), ByProtocol: newSeriesSet(0), ByDirection: newSeriesSet(0),
	}
}

// Add consumes one flow, the next in input order. It never keeps f itself
// (f may be reused).
func (c *Collector) Add(f *flows.Flow) error {
	c.addAt(f, c.next)
	c.next++
	return nil
}

// addAt consumes f, the flow at input position at.
func (c *Collector) addAt(f *flows.Flow, at uint64) {
	c.add(f, nil, at)
}

// addKeyed consumes f, with its Keys from the part's Interner.
func (c *Collector) addKeyed(f *flows.Flow, k *flows.Keys, at uint64) {
	c.add(f, k, at)
}

func (c *Collector) add(f *flows.Flow, k *flows.Keys, at uint64) {
	if (!c.Start.IsZero() && f.FlowStartTime.Before(c.Start)) || (!c.End.IsZero() && f.FlowEndTime.After(c.End)) {
		c.Dropped++
		return
	}
	c.Seen++
	if c.First.IsZero() || f.FlowStartTime.Before(c.First) {
		c.First = f.FlowStartTime
	}
	if f.FlowEndTime.After(c.Last) {
		c.Last = f.FlowEndTime
	}
	n, b := f.TotalAllowedFlows(), f.TotalBytes()
	proto, dir := noID, noID
	if c.Index != nil {
		if k != nil {
			proto, dir = c.Index.addKeys(f, k, n, b, at)
		} else {
			proto, dir = c.Index.addFlow(f, n, b, at)
		}
	}
	if c.ByProtocol != nil || c.ByDirection != nil {
		sec := f.FlowStartTime.Unix()
		if c.ByProtocol != nil {
			c.ByProtocol.addByID(proto, f.L7Protocol, sec, 1, n, b, f.AllExtIPs, at)
		}
		if c.ByDirection != nil {
			c.ByDirection.addByID(dir, string(f.FlowDirection), sec, 1, n, b, f.AllExtIPs, at)
		}
	}
	if len(c.Kept) < c.MaxKept && (c.keepBound == nil || at < c.keepBound.Load()) {
		if k != nil {
			c.Kept = append(c.Kept, c.cloneKeyed(f))
		} else {
			c.Kept = append(c.Kept, cloneFlow(f))
		}
		c.keptAt = append(c.keptAt, at)
		if len(c.Kept) == c.MaxKept && c.keepBound != nil {
			for b := c.keepBound.Load(); at < b && !c.keepBound.CompareAndSwap(b, at); b = c.keepBound.Load() {
			}
		}
	} else {
		c.Truncated++
	}
}

// cloneKeyed copies a flow of a keyed part: its address and protocol
// strings are the Interner's (stable), the others are interned in the part
// (they repeat), so a kept flow costs one allocation, for PublicIPs.
func (c *Collector) cloneKeyed(f *flows.Flow) flows.Flow {
	g := *f
	if c.keptStrs == nil {
		c.keptStrs = make(map[string]string)
	}
	for _, p := range [...]*string{&g.FlowType, &g.VMName, &g.L4Protocol, &g.RemoteRegion, &g.VMRegion} {
		if *p == "" {
			continue
		}
		s, ok := c.keptStrs[*p]
		if !ok {
			s = strings.Clone(*p)
			c.keptStrs[s] = s
		}
		*p = s
	}
	g.PublicIPs = slices.Clone(f.PublicIPs)
	return g
}

func cloneFlow(f *flows.Flow) flows.Flow {
	g := *f
	g.FlowType = strings.Clone(f.FlowType)
	g.VMName = strings.Clone(f.VMName)
	g.VMIPAddress = strings.Clone(f.VMIPAddress)
	g.SrcIP = strings.Clone(f.SrcIP)
	g.DestIP = strings.Clone(f.DestIP)
	g.L4Protocol = strings.Clone(f.L4Protocol)
	g.L7Protocol = strings.Clone(f.L7Protocol)
	g.FlowDirection = flows.Direction(strings.Clone(string(f.FlowDirection)))
	g.RemoteRegion = strings.Clone(f.RemoteRegion)
	g.VMRegion = strings.Clone(f.VMRegion)
	g.AllExtIPs = strings.Clone(f.AllExtIPs)
	g.PublicIPs = slices.Clone(f.PublicIPs)
	for i, s := range g.PublicIPs {
		g.PublicIPs[i] = strings.Clone(s)
	}
	return g
}

package flowsummary

import (
	"cmp"
	"slices"
	"strings"
	"time"
)

// TimeBucket is one time slot of a series: the flow records that started in
// [Start, Start+width), their summed TotalAllowedFlows and bytes, and the
// remote address (AllExtIPs) of the first of them in input order (for the
// tooltip; empty when that record has none).
type TimeBucket struct {
	Start   time.Time `json:"start"`
	Records int64     `json:"records"`
	Flows   int64     `json:"TotalAllowedFlows"`
	Bytes   int64     `json:"bytes,omitempty"`
	Example string    `json:"example_ip,omitempty"`
}

// TimeSeries is the bucketed series of one group (an L7 protocol or a
// direction), buckets in time order.
type TimeSeries struct {
	Name    string        `json:"name"`
	Width   time.Duration `json:"width"`
	Buckets []TimeBucket  `json:"buckets"`
}

// bucketAcc accumulates one bucket. first is the input position of its
// first record, which decides the example whatever order buckets merge in.
type bucketAcc struct {
	records, flows, bytes int64
	first                 uint64
	example               string
}

// cacheSlots is the size of each series' direct-mapped bucket cache (more
// than defaultMaxBuckets, so neighbouring buckets do not collide).
const cacheSlots = 1024

type seriesAcc struct {
	name  string
	first uint64 // input position of the group's first record
	pos   map[int64]int32
	accs  []bucketAcc
	keys  []int64
	// cache maps key&(cacheSlots-1) to a bucket index +1 (0: empty), so a
	// bucket seen recently costs no map probe.
	cache [cacheSlots]int32
}

func newSeriesAcc(name string, first uint64) *seriesAcc {
	return &seriesAcc{name: name, first: first, pos: make(map[int64]int32)}
}

// bucket returns the accumulator of key, creating it (with the example and
// position of the record that creates it) if need be; created reports a
// new bucket.
func (sa *seriesAcc) bucket(key int64, at uint64, example string) (b *bucketAcc, created bool) {
	slot := &sa.cache[uint64(key)&(cacheSlots-1)]
	if i := *slot - 1; i >= 0 && sa.keys[i] == key {
		return &sa.accs[i], false
	}
	i, ok := sa.pos[key]
	if !ok {
		i = int32(len(sa.accs))
		sa.pos[key] = i
		sa.accs = append(sa.accs, bucketAcc{first: at, example: strings.Clone(example)})
		sa.keys = append(sa.keys, key)
		created = true
	}
	*slot = i + 1
	return &sa.accs[i], created
}

// rebuild re-indexes the buckets after their keys changed.
func (sa *seriesAcc) rebuild() {
	clear(sa.pos)
	sa.cache = [cacheSlots]int32{}
	for i, k := range sa.keys {
		sa.pos[k] = int32(i)
	}
}

// seriesSet accumulates flow records by group and time into buckets of a
// common width, doubling the width (merging neighbours) whenever any series
// would exceed its bucket limit, so its size is bounded whatever the input.
// The result depends only on the records and their input order, not on when
// the width changed: a bucket's example is that of its first record, and the
// final width is the smallest that fits every series. So sets filled from
// parts of one input on several goroutines can be merged (Merge) into
// exactly the set one pass would have built.
type seriesSet struct {
	maxBuckets int
	width      int64 // seconds: baseWidth << shift
	shift      uint
	idx        map[string]int
	series     []*seriesAcc
	next       uint64 // position given to the next Add
	lastGroup  string
	last       *seriesAcc
	// byID maps the flow index's IDs of the group names (addByID) to
	// series.
	byID []*seriesAcc
}

// noID is the group ID of a series add without one.
const noID = ^uint32(0)

// defaultMaxBuckets is the bucket limit per series of newSeriesSet(0).
const defaultMaxBuckets = 400

// baseWidth is the first bucket width, in seconds.
const baseWidth = 60

// newSeriesSet returns a set with at most maxBuckets buckets per series
// (defaultMaxBuckets when maxBuckets ≤ 0), starting at one-minute buckets.
func newSeriesSet(maxBuckets int) *seriesSet {
	if maxBuckets <= 0 {
		maxBuckets = defaultMaxBuckets
	}
	return &seriesSet{maxBuckets: max(maxBuckets, 2), width: baseWidth, idx: map[string]int{}}
}

// key returns the bucket of unix second sec: the width is baseWidth
// doubled shift times, so this is a division by a constant and a shift
// rather than a division by a variable.
func (s *seriesSet) key(sec int64) int64 {
	q := sec / baseWidth
	if sec%baseWidth != 0 && sec < 0 {
		q--
	}
	return q >> s.shift
}

func floorDiv(a, b int64) int64 {
	q := a / b
	if (a%b != 0) && ((a < 0) != (b < 0)) {
		q--
	}
	return q
}

// Add counts one record of group at time t with n allowed flows; example is
// kept as the bucket's example address if it is the bucket's first record.
func (s *seriesSet) Add(group string, t time.Time, n int64, example string) {
	s.add(group, t.Unix(), 1, n, 0, example, s.next)
	s.next++
}

// AddCounts counts records records of group at time t with n allowed flows
// and the given bytes, as a source that pre-aggregates reports them (a KQL
// summarize by time bin); example is kept as for Add.
func (s *seriesSet) AddCounts(group string, t time.Time, records, n, bytes int64, example string) {
	s.add(group, t.Unix(), records, n, bytes, example, s.next)
	s.next++
}

// add counts records at unix second sec; at is the input position.
func (s *seriesSet) add(group string, sec, records, n, bytes int64, example string, at uint64) {
	s.addTo(s.group(group, at), sec, records, n, bytes, example, at)
}

// addByID is add for a group the flow index has given the ID id (noID:
// none), which saves looking the name up.
func (s *seriesSet) addByID(id uint32, group string, sec, records, n, bytes int64, example string, at uint64) {
	if id == noID {
		s.add(group, sec, records, n, bytes, example, at)
		return
	}
	if int(id) < len(s.byID) {
		if sa := s.byID[id]; sa != nil {
			s.addTo(sa, sec, records, n, bytes, example, at)
			return
		}
	}
	sa := s.group(group, at)
	for int(id) >= len(s.byID) {
		s.byID = append(s.byID, nil)
	}
	s.byID[id] = sa
	s.addTo(sa, sec, records, n, bytes, example, at)
}

// group returns the series of group, creating it.
func (s *seriesSet) group(group string, at uint64) *seriesAcc {
	sa := s.last
	if sa == nil || group != s.lastGroup {
		i, ok := s.idx[group]
		if !ok {
			i = len(s.series)
			g := strings.Clone(group)
			s.idx[g] = i
			s.series = append(s.series, newSeriesAcc(g, at))
		}
		sa = s.series[i]
		s.last, s.lastGroup = sa, sa.name
	}
	return sa
}

func (s *seriesSet) addTo(sa *seriesAcc, sec, records, n, bytes int64, example string, at uint64) {
	if at < sa.first {
		sa.first = at
	}
	b, created := sa.bucket(s.key(sec), at, example)
	b.records = addSat(b.records, records)
	b.flows = addSat(b.flows, n)
	if bytes != 0 {
		b.bytes = addSat(b.bytes, bytes)
	}
	if !created {
		if at < b.first {
			b.first, b.example = at, strings.Clone(example)
		}
		return
	}
	if len(sa.accs) > s.maxBuckets {
		s.coarsen()
	}
}

// coarsen doubles the width until every series fits, merging buckets.
func (s *seriesSet) coarsen() {
	for !s.fits() {
		s.double()
	}
}

func (s *seriesSet) fits() bool {
	for _, sa := range s.series {
		if len(sa.accs) > s.maxBuckets {
			return false
		}
	}
	return true
}

// double doubles the width once, merging each pair of neighbours (sums
// saturate; the earlier first record keeps its example).
func (s *seriesSet) double() {
	s.width *= 2
	s.shift++
	for _, sa := range s.series {
		merged := make(map[int64]int32, len(sa.accs)/2+1)
		accs, keys := sa.accs[:0:0], sa.keys[:0:0]
		for i, k := range sa.keys {
			nk := floorDiv(k, 2)
			b := sa.accs[i]
			if j, ok := merged[nk]; ok {
				mergeBucket(&accs[j], &b)
				continue
			}
			merged[nk] = int32(len(accs))
			accs = append(accs, b)
			keys = append(keys, nk)
		}
		sa.accs, sa.keys = accs, keys
		sa.rebuild()
	}
}

func mergeBucket(dst, src *bucketAcc) {
	dst.records = addSat(dst.records, src.records)
	dst.flows = addSat(dst.flows, src.flows)
	dst.bytes = addSat(dst.bytes, src.bytes)
	if src.first < dst.first {
		dst.first, dst.example = src.first, src.example
	}
}

// Merge adds the records of o to s, as if s had seen them too. For the
// result to be the one a single pass would give, the positions of the two
// sets' records must interleave as in the input (see Collector); o is left
// unusable.
func (s *seriesSet) Merge(o *seriesSet) {
	for s.width < o.width {
		s.double()
	}
	for o.width < s.width {
		o.double()
	}
	for _, osa := range o.series {
		i, ok := s.idx[osa.name]
		if !ok {
			i = len(s.series)
			s.idx[osa.name] = i
			s.series = append(s.series, newSeriesAcc(osa.name, osa.first))
		}
		sa := s.series[i]
		sa.first = min(sa.first, osa.first)
		for j, k := range osa.keys {
			if at, ok := sa.pos[k]; ok {
				mergeBucket(&sa.accs[at], &osa.accs[j])
				continue
			}
			sa.pos[k] = int32(len(sa.accs))
			sa.accs = append(sa.accs, osa.accs[j])
			sa.keys = append(sa.keys, k)
		}
		sa.cache = [cacheSlots]int32{}
	}
	s.last = nil
	s.next = max(s.next, o.next)
	s.coarsen()
}

// Width returns the current bucket width.
func (s *seriesSet) Width() time.Duration { return time.Duration(s.width) * time.Second }

// Series returns the series in the order their groups were first seen,
// buckets in time order.
func (s *seriesSet) Series() []TimeSeries {
	order := slices.Clone(s.series)
	slices.SortStableFunc(order, func(a, b *seriesAcc) int { return cmp.Compare(a.first, b.first) })
	out := make([]TimeSeries, 0, len(order))
	for _, sa := range order {
		idx := make([]int, len(sa.keys))
		for i := range idx {
			idx[i] = i
		}
		slices.SortFunc(idx, func(a, b int) int { return cmp.Compare(sa.keys[a], sa.keys[b]) })
		ts := TimeSeries{Name: sa.name, Width: s.Width(), Buckets: make([]TimeBucket, len(idx))}
		for i, j := range idx {
			b := &sa.accs[j]
			ts.Buckets[i] = TimeBucket{Start: time.Unix(sa.keys[j]*s.width, 0).UTC(), Records: b.records, Flows: b.flows, Bytes: b.bytes, Example: b.example}
		}
		out = append(out, ts)
	}
	return out
}

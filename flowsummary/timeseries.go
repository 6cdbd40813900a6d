package flowsummary

import (
	"slices"
	"strings"
	"time"
)

// TimeBucket is one time slot of a series: the flow records that started in
// [Start, Start+width), their summed TotalAllowedFlows, and the first remote
// address seen (for the tooltip).
type TimeBucket struct {
	Start   time.Time `json:"start"`
	Records int64     `json:"records"`
	Flows   int64     `json:"TotalAllowedFlows"`
	Example string    `json:"example_ip,omitempty"`
}

// TimeSeries is the bucketed series of one group (an L7 protocol or a
// direction), buckets in time order.
type TimeSeries struct {
	Name    string        `json:"name"`
	Width   time.Duration `json:"width"`
	Buckets []TimeBucket  `json:"buckets"`
}

type bucketAcc struct {
	records, flows int64
	example        string
}

type seriesAcc struct {
	name    string
	buckets map[int64]*bucketAcc
	lastKey int64
	last    *bucketAcc
}

// SeriesSet accumulates flow records by group and time into buckets of a
// common width, doubling the width (merging neighbours) whenever any series
// would exceed its bucket limit, so its size is bounded whatever the input.
type SeriesSet struct {
	maxBuckets int
	width      int64 // seconds
	idx        map[string]int
	series     []*seriesAcc
}

// DefaultMaxBuckets is the bucket limit per series of NewSeriesSet(0).
const DefaultMaxBuckets = 400

// NewSeriesSet returns a set with at most maxBuckets buckets per series
// (DefaultMaxBuckets when maxBuckets ≤ 0), starting at one-minute buckets.
func NewSeriesSet(maxBuckets int) *SeriesSet {
	if maxBuckets <= 0 {
		maxBuckets = DefaultMaxBuckets
	}
	return &SeriesSet{maxBuckets: max(maxBuckets, 2), width: 60, idx: map[string]int{}}
}

func floorDiv(a, b int64) int64 {
	q := a / b
	if (a%b != 0) && ((a < 0) != (b < 0)) {
		q--
	}
	return q
}

// Add counts one record of group at time t with n allowed flows; example is
// kept as the bucket's example address if it is the bucket's first.
func (s *SeriesSet) Add(group string, t time.Time, n int64, example string) {
	i, ok := s.idx[group]
	if !ok {
		i = len(s.series)
		g := strings.Clone(group)
		s.idx[g] = i
		s.series = append(s.series, &seriesAcc{name: g, buckets: map[int64]*bucketAcc{}})
	}
	sa := s.series[i]
	key := floorDiv(t.Unix(), s.width)
	b := sa.last
	if b == nil || sa.lastKey != key {
		b = sa.buckets[key]
		if b == nil {
			b = &bucketAcc{example: strings.Clone(example)}
			sa.buckets[key] = b
			if len(sa.buckets) > s.maxBuckets {
				s.coarsen()
				// the new (still empty) bucket was merged; count the record
				// in its coarser bucket
				s.Add(group, t, n, example)
				return
			}
		}
		sa.last, sa.lastKey = b, key
	}
	b.records++
	b.flows += n
}

// coarsen doubles the width until every series fits, merging buckets.
func (s *SeriesSet) coarsen() {
	for {
		s.width *= 2
		fits := true
		for _, sa := range s.series {
			nb := make(map[int64]*bucketAcc, len(sa.buckets)/2+1)
			for k, b := range sa.buckets {
				nk := floorDiv(k, 2)
				if m := nb[nk]; m != nil {
					m.records += b.records
					m.flows += b.flows
					// the earlier bucket's example wins, whatever the map order
					if b.example != "" && (m.example == "" || k == 2*nk) {
						m.example = b.example
					}
				} else {
					nb[nk] = b
				}
			}
			sa.buckets, sa.last = nb, nil
			if len(nb) > s.maxBuckets {
				fits = false
			}
		}
		if fits {
			return
		}
	}
}

// Width returns the current bucket width.
func (s *SeriesSet) Width() time.Duration { return time.Duration(s.width) * time.Second }

// Series returns the series in first-seen group order, buckets in time
// order; empty buckets (records with no flows counted as 0) are left out.
func (s *SeriesSet) Series() []TimeSeries {
	out := make([]TimeSeries, 0, len(s.series))
	for _, sa := range s.series {
		keys := make([]int64, 0, len(sa.buckets))
		for k, b := range sa.buckets {
			if b.records > 0 {
				keys = append(keys, k)
			}
		}
		slices.Sort(keys)
		ts := TimeSeries{Name: sa.name, Width: s.Width(), Buckets: make([]TimeBucket, len(keys))}
		for i, k := range keys {
			b := sa.buckets[k]
			ts.Buckets[i] = TimeBucket{Start: time.Unix(k*s.width, 0).UTC(), Records: b.records, Flows: b.flows, Example: b.example}
		}
		out = append(out, ts)
	}
	return out
}

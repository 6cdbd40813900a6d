package flowsummary

import (
	"math"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// TestSeriesSetExampleIsFirstRecord: a bucket's example is its first
// record's address, also after the width doubled (the old set kept the
// earlier half's example, whichever record came first).
func TestSeriesSetExampleIsFirstRecord(t *testing.T) {
	t0 := time.Date(2019, 2, 14, 0, 0, 0, 0, time.UTC)
	s := newSeriesSet(2)
	s.Add("https", t0.Add(time.Minute), 1, "second-minute-first") // odd minute, first record
	s.Add("https", t0, 1, "first-minute-later")                   // even minute
	s.Add("https", t0.Add(5*time.Minute), 1, "forces-doubling")
	got := s.Series()
	want := []TimeSeries{{Name: "https", Width: 2 * time.Minute, Buckets: []TimeBucket{
		{Start: t0, Records: 2, Flows: 2, Example: "second-minute-first"},
		{Start: t0.Add(4 * time.Minute), Records: 1, Flows: 1, Example: "forces-doubling"},
	}}}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("(-want +got):\n%s", d)
	}
}

// TestSeriesSetMerge: sets filled from interleaved parts of one input and
// merged equal the set one pass builds (width, counts, examples, order).
func TestSeriesSetMerge(t *testing.T) {
	rnd := rand.New(rand.NewPCG(1, 2))
	t0 := time.Date(2019, 2, 14, 0, 0, 0, 0, time.UTC).Unix()
	type rec struct {
		group string
		sec   int64
		n     int64
		ex    string
	}
	recs := make([]rec, 20000)
	for i := range recs {
		recs[i] = rec{[]string{"https", "dns", "ssh", "ntp"}[rnd.IntN(4)], t0 + rnd.Int64N(3*86400), rnd.Int64N(50), []string{"", "1.2.3.4", "5.6.7.8", "9.9.9.9"}[rnd.IntN(4)]}
	}
	one := newSeriesSet(50)
	parts := []*seriesSet{newSeriesSet(50), newSeriesSet(50), newSeriesSet(50)}
	for i, r := range recs {
		one.add(r.group, r.sec, 1, r.n, 0, r.ex, uint64(i))
		// contiguous runs go to one part, as chunks go to one worker
		parts[(i/700)%len(parts)].add(r.group, r.sec, 1, r.n, 0, r.ex, uint64(i))
	}
	merged := newSeriesSet(50)
	for _, p := range parts {
		merged.Merge(p)
	}
	if d := cmp.Diff(one.Series(), merged.Series()); d != "" {
		t.Errorf("merged differs from one pass (-one +merged):\n%s", d)
	}
}

// TestSeriesSetSaturates: counts stop at the int64 limit instead of
// wrapping to a negative total.
func TestSeriesSetSaturates(t *testing.T) {
	s := newSeriesSet(0)
	t0 := time.Date(2019, 2, 14, 0, 0, 0, 0, time.UTC)
	for range 3 {
		s.AddCounts("https", t0, 1, math.MaxInt64, math.MaxInt64, "")
	}
	b := s.Series()[0].Buckets[0]
	if b.Flows != math.MaxInt64 || b.Bytes != math.MaxInt64 || b.Records != 3 {
		t.Errorf("bucket %+v, want saturated flows and bytes", b)
	}
}

package flowsummary

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/gonotebooklets/notebooklets/providers/flows"
)

// fakeAggregator is a source that groups itself (as Log Analytics does)
// and must not be streamed.
type fakeAggregator struct {
	groups  []flows.FlowGroup
	buckets []flows.TimeBucket
	width   time.Duration // the width TimeBuckets was asked for
}

func (a *fakeAggregator) Stream(context.Context, flows.Query, func(*flows.Flow) error) (flows.Stats, error) {
	return flows.Stats{}, errors.New("streamed: the push-down was not used")
}

func (a *fakeAggregator) FlowIndex(_ context.Context, q flows.Query) ([]flows.FlowGroup, flows.Stats, error) {
	return a.groups, flows.Stats{RowsRead: int64(len(a.groups)), RowsKept: int64(len(a.groups)), Warnings: []string{"partial result"}}, nil
}

func (a *fakeAggregator) TimeBuckets(_ context.Context, q flows.Query, width time.Duration) ([]flows.TimeBucket, flows.Stats, error) {
	a.width = width
	return a.buckets, flows.Stats{}, nil
}

// TestCollectPushDown: with a source that aggregates (flows.Aggregator)
// Collect takes the flow index (with TotalBytes) and the series (with
// bytes) from its groups and buckets and reads no flow.
func TestCollectPushDown(t *testing.T) {
	t0 := time.Date(2019, 2, 14, 0, 0, 0, 0, time.UTC)
	src := &fakeAggregator{
		groups: []flows.FlowGroup{
			{Source: "10.0.3.5", Dest: "13.107.4.50", L7Protocol: "https", FlowDirection: flows.Outbound, TotalAllowedFlows: 30, TotalBytes: 9000, Records: 3, FirstSeen: t0, LastSeen: t0.Add(time.Hour)},
			{Source: "20.1.2.3", Dest: "10.0.3.5", L7Protocol: "ssh", FlowDirection: flows.Inbound, TotalAllowedFlows: 5, Records: 1, FirstSeen: t0.Add(30 * time.Hour), LastSeen: t0.Add(48 * time.Hour)},
		},
		buckets: []flows.TimeBucket{
			{Start: t0, L7Protocol: "https", FlowDirection: flows.Outbound, Records: 3, TotalAllowedFlows: 30, TotalBytes: 9000},
			{Start: t0.Add(30 * time.Hour), L7Protocol: "ssh", FlowDirection: flows.Inbound, Records: 1, TotalAllowedFlows: 5},
		},
	}
	c := NewCollector(time.Time{}, time.Time{}, 10)
	st, err := c.Collect(context.Background(), src, flows.Query{IP: "10.0.3.5"})
	if err != nil {
		t.Fatal(err)
	}
	want := []FlowIndexRow{
		{Source: "10.0.3.5", Dest: "13.107.4.50", L7Protocol: "https", FlowDirection: flows.Outbound, TotalAllowedFlows: 30, TotalBytes: 9000},
		{Source: "20.1.2.3", Dest: "10.0.3.5", L7Protocol: "ssh", FlowDirection: flows.Inbound, TotalAllowedFlows: 5},
	}
	if d := cmp.Diff(want, c.Index.Rows()); d != "" {
		t.Errorf("index (-want +got):\n%s", d)
	}
	if c.Seen != 4 || c.Index.Flows() != 4 || len(c.Kept) != 0 || c.Truncated != 4 || !c.First.Equal(t0) || !c.Last.Equal(t0.Add(48*time.Hour)) {
		t.Errorf("seen %d flows %d kept %d truncated %d range %v..%v", c.Seen, c.Index.Flows(), len(c.Kept), c.Truncated, c.First, c.Last)
	}
	if src.width != 8*time.Minute { // 48 h in at most 400 buckets
		t.Errorf("buckets asked at %v", src.width)
	}
	byProto := c.ByProtocol.Series()
	if len(byProto) != 2 || byProto[0].Name != "https" || byProto[0].Buckets[0].Records != 3 || byProto[0].Buckets[0].Bytes != 9000 {
		t.Errorf("series %+v", byProto)
	}
	if len(st.Warnings) != 1 {
		t.Errorf("stats %+v", st)
	}
}

func TestBucketWidth(t *testing.T) {
	t0 := time.Date(2019, 2, 14, 0, 0, 0, 0, time.UTC)
	for _, c := range []struct {
		span time.Duration
		want time.Duration
	}{{0, time.Minute}, {time.Hour, time.Minute}, {399 * time.Minute, time.Minute}, {400 * time.Minute, 2 * time.Minute}, {48 * time.Hour, 8 * time.Minute}} {
		if got := bucketWidth(t0, t0.Add(c.span), 400); got != c.want {
			t.Errorf("span %v: width %v, want %v", c.span, got, c.want)
		}
	}
}

// TestCollectProjection: Collect reads the columns no aggregate uses
// (TimeGenerated, DestPort, PublicIPs with an AllExtIPs column, ...) only
// in the flows it keeps whole, as documented: a malformed value there skips
// a kept row but not a later one, which the flow index counts.
func TestCollectProjection(t *testing.T) {
	var sb strings.Builder
	sb.WriteString("TimeGenerated,FlowStartTime,FlowEndTime,FlowDirection,AllowedOutFlows,AllowedInFlows,DestPort,VMIPAddress,PublicIPs,AllExtIPs\n")
	for i := range 10 {
		tg, port, pub := "2019-02-14T01:00:00Z", "443", `"[""13.107.4.50""]"`
		switch i {
		case 1, 7:
			tg = "yesterday"
		case 2, 8:
			pub = `"[""13.107.4.50"""`
		case 3, 9:
			port = "99999"
		}
		fmt.Fprintf(&sb, "%s,2019-02-14T00:10:00Z,2019-02-14T00:50:00Z,O,1,0,%s,10.0.3.5,%s,13.107.4.50\n", tg, port, pub)
	}
	src, err := flows.OpenBytes("proj.csv", []byte(sb.String()), flows.FormatCSV)
	if err != nil {
		t.Fatal(err)
	}
	c := NewCollector(time.Time{}, time.Time{}, 4)
	st, err := c.Collect(context.Background(), src, flows.Query{})
	if err != nil {
		t.Fatal(err)
	}
	// Rows 1, 2 and 3 (read whole, to be kept) are skipped; rows 7, 8 and
	// 9 are counted.
	if st.RowsSkipped != 3 || c.Seen != 7 || len(c.Kept) != 4 || c.Index.Rows()[0].TotalAllowedFlows != 7 {
		t.Errorf("skipped %d (%q), seen %d, kept %d", st.RowsSkipped, st.Skipped, c.Seen, len(c.Kept))
	}
	for _, f := range c.Kept {
		if f.TimeGenerated.IsZero() || len(f.PublicIPs) != 1 || f.DestPort != 443 {
			t.Errorf("kept flow not read whole: %+v", f)
		}
	}
}

// TestCollectProjectionDeterministic: which rows are read whole depends on
// the input only, not on how the parse goroutines meet: any chunking and
// any run give the same skips and counts.
func TestCollectProjectionDeterministic(t *testing.T) {
	var sb strings.Builder
	sb.WriteString("TimeGenerated,FlowStartTime,FlowEndTime,FlowDirection,AllowedOutFlows,AllowedInFlows,DestPort,VMIPAddress,AllExtIPs\n")
	for i := range 3000 {
		port := "443"
		if i%37 == 5 {
			port = "99999" // bad in an unused column: skipped only if read whole
		}
		fmt.Fprintf(&sb, "2019-02-14T01:00:00Z,2019-02-14T00:10:00Z,2019-02-14T00:50:00Z,O,1,0,%s,10.0.3.5,13.107.4.%d\n", port, i%200)
	}
	type result struct{ skipped, seen, kept int64 }
	var want result
	for run, chunk := range []int{0, 97, 200, 1000, 4096, 97, 333} {
		src, err := flows.OpenBytes("det.csv", []byte(sb.String()), flows.FormatCSV)
		if err != nil {
			t.Fatal(err)
		}
		src.(*flows.File).ChunkSize = chunk
		c := NewCollector(time.Time{}, time.Time{}, 500)
		st, err := c.Collect(context.Background(), src, flows.Query{})
		if err != nil {
			t.Fatal(err)
		}
		got := result{st.RowsSkipped, c.Seen, int64(len(c.Kept))}
		if run == 0 {
			want = got
			if got.kept != 500 || got.skipped == 0 || got.skipped+got.seen != 3000 {
				t.Fatalf("first run %+v", got)
			}
		} else if got != want {
			t.Errorf("chunk %d: %+v, first run %+v", chunk, got, want)
		}
	}
}

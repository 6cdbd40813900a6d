package flowsummary

import (
	"context"
	"os"
	"strconv"
	"testing"
	"time"

	"github.com/gonotebooklets/notebooklets/providers/flows"
)

// BenchmarkCollect measures Run's flow pass (Collector.Collect: parse,
// flow index, both series, kept flows) over $FLOWS_BENCH_FILE (for example
// `python3 ../shared/bench/gen_flows.py 1000000 /tmp/flows1m.csv`), else
// over a generated 200,000-row CSV. MB/s is input bytes per second.
func BenchmarkCollect(b *testing.B) {
	var src flows.Source
	var size int64
	if p := os.Getenv("FLOWS_BENCH_FILE"); p != "" {
		fi, err := os.Stat(p)
		if err != nil {
			b.Fatal(err)
		}
		size = fi.Size()
		if src, err = flows.OpenFile(p); err != nil {
			b.Fatal(err)
		}
	} else {
		data := genCollectCSV(200_000, 1, false)
		size = int64(len(data))
		var err error
		if src, err = flows.OpenBytes("bench.csv", data, flows.FormatCSV); err != nil {
			b.Fatal(err)
		}
	}
	b.SetBytes(size)
	b.ReportAllocs()
	var rows int64
	for b.Loop() {
		c := NewCollector(time.Time{}, time.Time{}, keptForBench())
		st, err := c.Collect(context.Background(), src, flows.Query{IP: "10.0.3.5"})
		if err != nil {
			b.Fatal(err)
		}
		rows = st.RowsRead
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(int64(b.N)*rows), "ns/row")
}

func keptForBench() int {
	if v := os.Getenv("KEPT"); v != "" {
		n, _ := strconv.Atoi(v)
		return n
	}
	return DefaultMaxFlowsKept
}

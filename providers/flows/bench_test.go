package flows

import (
	"context"
	"os"
	"path/filepath"
	"sync"
	"testing"
)

var (
	benchOnce sync.Once
	benchPath string
	benchErr  error
)

// benchFile is $FLOWS_BENCH_FILE (for example the output of
// `python3 ../shared/bench/gen_flows.py 1000000 /tmp/flows1m.csv`), else a
// 1,000,000-row file in the same format written by genCSV.
func benchFile(b *testing.B) string {
	b.Helper()
	if p := os.Getenv("FLOWS_BENCH_FILE"); p != "" {
		return p
	}
	benchOnce.Do(func() {
		dir, err := os.MkdirTemp("", "flowsbench")
		if err != nil {
			benchErr = err
			return
		}
		benchPath = filepath.Join(dir, "flows1m.csv")
		benchErr = os.WriteFile(benchPath, genCSV(1_000_000, 1), 0o600)
	})
	if benchErr != nil {
		b.Fatal(benchErr)
	}
	return benchPath
}

// BenchmarkCSV1M streams the 1M-row CSV with a host query; MB/s is input
// bytes per second, allocs/op the allocations of one whole pass.
func BenchmarkCSV1M(b *testing.B) {
	path := benchFile(b)
	fi, err := os.Stat(path)
	if err != nil {
		b.Fatal(err)
	}
	s, err := OpenFile(path)
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(fi.Size())
	b.ReportAllocs()
	var kept int64
	for b.Loop() {
		var sum int64
		st, err := s.Stream(context.Background(), Query{Host: "msticalertswin1"}, func(f *Flow) error {
			sum += f.TotalAllowedFlows()
			return nil
		})
		if err != nil {
			b.Fatal(err)
		}
		kept = st.RowsKept
	}
	b.ReportMetric(float64(kept), "rows")
}

// BenchmarkCSVParallel1M streams the 1M-row CSV through StreamParallel into
// consumers that only sum (the parse cost of Collector.Collect's path).
func BenchmarkCSVParallel1M(b *testing.B) {
	path := benchFile(b)
	fi, err := os.Stat(path)
	if err != nil {
		b.Fatal(err)
	}
	s, err := OpenFile(path)
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(fi.Size())
	b.ReportAllocs()
	var kept int64
	for b.Loop() {
		st, err := s.(ParallelSource).StreamParallel(context.Background(), Query{IP: "10.0.3.5"}, func(*Interner) Consumer {
			return consumerFunc(func(f *Flow, k *Keys, at Position) {})
		})
		if err != nil {
			b.Fatal(err)
		}
		kept = st.RowsKept
	}
	b.ReportMetric(float64(kept), "rows")
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(int64(b.N)*kept), "ns/row")
}

// compressedBenchFile writes benchFile compressed (once per format).
func compressedBenchFile(b *testing.B, ext string) (path string, rawSize int64) {
	b.Helper()
	src := benchFile(b)
	data, err := os.ReadFile(src)
	if err != nil {
		b.Fatal(err)
	}
	path = filepath.Join(b.TempDir(), "flows.csv"+ext)
	var out []byte
	switch ext {
	case ".gz":
		out = gzipBytes(b, data)
	case ".zst":
		out = zstdBytes(b, data)
	}
	if err := os.WriteFile(path, out, 0o600); err != nil {
		b.Fatal(err)
	}
	return path, int64(len(data))
}

// BenchmarkCompressed1M streams the 1M-row CSV compressed with gzip and
// with Zstandard through StreamParallel; MB/s is of the decompressed CSV.
func BenchmarkCompressed1M(b *testing.B) {
	for _, ext := range []string{".gz", ".zst"} {
		b.Run(ext[1:], func(b *testing.B) {
			path, raw := compressedBenchFile(b, ext)
			s, err := OpenFile(path)
			if err != nil {
				b.Fatal(err)
			}
			b.SetBytes(raw)
			for b.Loop() {
				if _, err := s.(ParallelSource).StreamParallel(context.Background(), Query{IP: "10.0.3.5"}, func(*Interner) Consumer {
					return consumerFunc(func(f *Flow, k *Keys, at Position) {})
				}); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

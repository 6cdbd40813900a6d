package flows

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// damageRows writes n rows of the projected schema (row i has
// AllowedOutFlows i), the given lines replaced.
func damageRows(n int, quoted bool, replace map[int]string) string {
	var sb strings.Builder
	sb.WriteString("FlowStartTime,FlowEndTime,VMName,VMIPAddress,PublicIPs,L7Protocol,DestPort,FlowDirection,AllowedOutFlows,AllowedInFlows\n")
	pub := "[]"
	if quoted {
		pub = `"[""13.107.4.50""]"`
	}
	for i := range n {
		if r, ok := replace[i]; ok {
			sb.WriteString(r + "\n")
			continue
		}
		fmt.Fprintf(&sb, "2019-02-14T00:10:00Z,2019-02-14T00:50:00Z,h1,10.0.3.5,%s,https,443,O,%d,0\n", pub, i)
	}
	return sb.String()
}

// TestUnterminatedQuoteRecovers: an unterminated quote loses only its own
// line, whether later lines hold quotes or not, and the report says which
// line (issue 10 item 3: with no later quote, 2 of 500 rows were kept and 1
// unreadable row reported).
func TestUnterminatedQuoteRecovers(t *testing.T) {
	bad := `2019-02-14T00:10:00Z,2019-02-14T00:50:00Z,h1,10.0.3.5,"[,https,443,O,7,0`
	for _, tc := range []struct {
		name   string
		quoted bool
		chunk  int
		reason string
	}{
		{"no later quote", false, 0, "unterminated quoted field"},
		{"no later quote, small chunks", false, 300, "unterminated quoted field"},
		{"later quotes", true, 0, "unexpected character after a closing quote"},
		{"later quotes, small chunks", true, 333, "unexpected character after a closing quote"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s, err := OpenBytes("damaged.csv", []byte(damageRows(500, tc.quoted, map[int]string{7: bad})), FormatCSV)
			if err != nil {
				t.Fatal(err)
			}
			s.(*File).ChunkSize = tc.chunk
			got, st := collect(t, s, Query{})
			if len(got) != 499 || st.RowsRead != 500 || st.RowsSkipped != 1 {
				t.Fatalf("%d flows kept, stats %+v; want 499 of 500, 1 skipped", len(got), st)
			}
			for i, f := range got {
				want := int64(i)
				if i >= 7 {
					want++
				}
				if f.AllowedOutFlows != want {
					t.Fatalf("flow %d has AllowedOutFlows %d, want %d", i, f.AllowedOutFlows, want)
				}
			}
			if d := cmp.Diff([]string{"damaged.csv:9: " + tc.reason}, st.Skipped); d != "" {
				t.Errorf("skipped (-want +got):\n%s", d)
			}
			// The parallel path reads the same.
			par, pst, err := streamParallelAll(s.(*File), Query{})
			if err != nil || len(par) != 499 || pst.RowsSkipped != 1 || !cmp.Equal(st.Skipped, pst.Skipped) {
				t.Errorf("parallel: %d flows, stats %+v, %v", len(par), pst, err)
			}
		})
	}
	// Several damaged lines: each is reported, the first few by line.
	rows := map[int]string{3: bad, 10: bad, 11: `x,"y`, 300: bad}
	s, err := OpenBytes("damaged.csv", []byte(damageRows(500, true, rows)), FormatCSV)
	if err != nil {
		t.Fatal(err)
	}
	got, st := collect(t, s, Query{})
	if len(got) != 496 || st.RowsSkipped != 4 || len(st.Skipped) != 4 || !strings.HasPrefix(st.Skipped[3], "damaged.csv:302: ") {
		t.Errorf("%d flows, stats %+v", len(got), st)
	}
}

// TestCROnlyLineEnds: a file whose lines end with a lone CR (old Excel
// exports) reads as its LF twin, with a warning (issue 10 item 3: 0 flows
// and exit 0).
func TestCROnlyLineEnds(t *testing.T) {
	lf := damageRows(50, true, nil)
	cr := strings.ReplaceAll(lf, "\n", "\r")
	want, _ := collect(t, mustOpen(t, "lf.csv", lf), Query{})
	for _, chunk := range []int{0, 100} {
		s := mustOpen(t, "cr.csv", cr)
		s.(*File).ChunkSize = chunk
		got, st := collect(t, s, Query{})
		if d := cmp.Diff(want, got); d != "" || len(got) != 50 {
			t.Errorf("chunk %d: %d flows (-lf +cr):\n%s", chunk, len(got), d)
		}
		if len(st.Warnings) != 1 || !strings.Contains(st.Warnings[0], "lone CR") {
			t.Errorf("warnings %q", st.Warnings)
		}
	}
}

func mustOpen(t *testing.T, name, data string) Source {
	t.Helper()
	s, err := OpenBytes(name, []byte(data), FormatCSV)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// batchRecorder records what a BatchConsumer is given, flow by flow.
type batchRecorder struct {
	mu      *sync.Mutex
	got     map[Position]string
	batches *int
}

func (r batchRecorder) Add(f *Flow, k *Keys, at Position) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.got[at] = fmt.Sprintf("%s %s %s %d %v", f.Source(), f.Dest(), f.L7Protocol, f.TotalAllowedFlows(), f.FlowStartTime)
}

func (r batchRecorder) AddBatch(fs []Flow, ks []Keys, at Position) {
	if len(fs) != len(ks) {
		panic("flows and keys differ in length")
	}
	r.mu.Lock()
	*r.batches++
	r.mu.Unlock()
	for i := range fs {
		r.Add(&fs[i], &ks[i], at+Position(i))
	}
}

// TestBatchConsumerGetsWhatAddGets: a consumer with AddBatch is given the
// same flows at the same positions as one with Add only, over many chunks
// and with the kept-whole rows and projected rows mixed.
func TestBatchConsumerGetsWhatAddGets(t *testing.T) {
	data := genCSV(5000, 3)
	stream := func(batch bool) (map[Position]string, int) {
		s, err := OpenBytes("gen.csv", data, FormatCSV)
		if err != nil {
			t.Fatal(err)
		}
		s.(*File).ChunkSize = 64 << 10 // about 250 rows: several batches a chunk
		var mu sync.Mutex
		got, batches := map[Position]string{}, 0
		rec := batchRecorder{&mu, got, &batches}
		_, err = s.(ParallelSource).StreamParallel(context.Background(), Query{Host: "msticalertswin1"}, func(*Interner) Consumer {
			if batch {
				return rec
			}
			return consumerFunc(rec.Add)
		})
		if err != nil {
			t.Fatal(err)
		}
		return got, batches
	}
	plain, _ := stream(false)
	batched, n := stream(true)
	if len(plain) < 4000 {
		t.Fatalf("%d flows; want the host's, most of 5000", len(plain))
	}
	if n == 0 || n >= len(batched) {
		t.Errorf("%d batches for %d flows", n, len(batched))
	}
	if d := cmp.Diff(plain, batched); d != "" {
		t.Errorf("batched (-Add +AddBatch):\n%s", d)
	}
}

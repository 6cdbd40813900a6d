package flows

import (
	"fmt"
	"strings"
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

package ti

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// indicatorRows returns a header and n rows 10.0.x.y,high,row N; the rows
// are lines 2..n+1.
func indicatorRows(n int) []string {
	lines := []string{"ioc,severity,details"}
	for i := 0; i < n; i++ {
		lines = append(lines, fmt.Sprintf("10.0.%d.%d,high,row %d", i/250, i%250+1, i+1))
	}
	return lines
}

func TestLocalCSVDamageCostsOnlyTheDamagedLines(t *testing.T) {
	type want struct {
		kept      int
		lost      int
		lostFirst []int
	}
	tests := []struct {
		name   string
		lines  func() []string
		sep    string
		want   want
		lookup map[string]string // ioc → wanted Details
	}{
		{
			name: "unterminated quote, no later quote",
			lines: func() []string {
				l := indicatorRows(500)
				l[5] = `10.0.0.5,high,"never closed` // line 6
				return l
			},
			want: want{kept: 499, lost: 1, lostFirst: []int{6}},
		},
		{
			name: "unterminated quote, a quoted field later",
			lines: func() []string {
				l := indicatorRows(500)
				l[5] = `10.0.0.5,high,"never closed`
				l[300] = `10.0.1.50,high,"a, quoted field"`
				return l
			},
			want:   want{kept: 499, lost: 1, lostFirst: []int{6}},
			lookup: map[string]string{"10.0.1.50": "a, quoted field", "10.0.0.6": "row 6"},
		},
		{
			name: "several damaged lines",
			lines: func() []string {
				l := indicatorRows(50)
				for _, i := range []int{3, 9, 10, 40} {
					l[i] = fmt.Sprintf(`10.0.0.%d,"high,oops`, i)
				}
				l[20] = `10.0.0.20,hi"gh,bare quote`
				return l
			},
			want: want{kept: 45, lost: 5, lostFirst: []int{4, 10, 11, 21, 41}},
		},
		{
			name: "quoted field over three lines is one record",
			lines: func() []string {
				l := indicatorRows(10)
				l[4] = "10.0.0.4,high,\"first line"
				l[5] = "second line"
				l[6] = "third line\""
				return l
			},
			want:   want{kept: 8},
			lookup: map[string]string{"10.0.0.4": "first line\nsecond line\nthird line", "10.0.0.8": "row 8"},
		},
		{
			name:   "CR-only line endings",
			lines:  func() []string { return indicatorRows(20) },
			sep:    "\r",
			want:   want{kept: 20},
			lookup: map[string]string{"10.0.0.20": "row 20"},
		},
		{
			name:  "CRLF line endings",
			lines: func() []string { return indicatorRows(20) },
			sep:   "\r\n",
			want:  want{kept: 20},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sep := tt.sep
			if sep == "" {
				sep = "\n"
			}
			l, err := LocalBytes("feed.csv", []byte(strings.Join(tt.lines(), sep)+sep))
			if err != nil {
				t.Fatal(err)
			}
			lost, first := l.LostLines()
			got := want{kept: l.Len(), lost: lost, lostFirst: first}
			if d := cmp.Diff(tt.want, got, cmp.AllowUnexported(want{})); d != "" {
				t.Errorf("(-want +got):\n%s\nwarnings: %v", d, l.Warnings())
			}
			if l.Skipped() != lost {
				t.Errorf("Skipped = %d, want the %d lost lines", l.Skipped(), lost)
			}
			for ioc, details := range tt.lookup {
				res, _ := l.Lookup(context.Background(), []string{ioc})
				if res[0].Details != details {
					t.Errorf("%s: details %q, want %q", ioc, res[0].Details, details)
				}
			}
		})
	}
}

func TestLocalCSVHeaderDamage(t *testing.T) {
	if _, err := LocalBytes("feed.csv", []byte("ioc,\"severity\n1.2.3.4,high\n")); err == nil || !strings.Contains(err.Error(), "header") {
		t.Errorf("err = %v, want a header error", err)
	}
}

func TestLocalMergeKeepsDistinctDetailsBounded(t *testing.T) {
	var b strings.Builder
	b.WriteString("ioc,severity,details\n")
	for i := 0; i < 1000; i++ {
		fmt.Fprintf(&b, "203.0.113.66,%s,sighting %d\n", []string{"low", "high"}[i%2], i%30)
	}
	l, err := LocalBytes("feed.csv", []byte(b.String()))
	if err != nil {
		t.Fatal(err)
	}
	res, _ := l.Lookup(context.Background(), []string{"203.0.113.66"})
	r := res[0]
	if r.Severity != High || !r.Positive {
		t.Errorf("severity %v positive %v, want the highest (high)", r.Severity, r.Positive)
	}
	parts := strings.Split(r.Details, "; ")
	if len(parts) != maxDetails+1 || parts[0] != "sighting 0" || parts[maxDetails] != "and 10 more" {
		t.Errorf("details %q: want the first %d distinct and a count of the other 10", r.Details, maxDetails)
	}
}

// BenchmarkLocalDuplicateIndicator200k: 200,000 rows of one indicator with
// distinct details (issue 10 item 12: the merge scanned the details list
// per row, 79 s; it is linear now).
func BenchmarkLocalDuplicateIndicator200k(b *testing.B) {
	var sb strings.Builder
	sb.WriteString("ioc,severity,details\n")
	for i := 0; i < 200000; i++ {
		fmt.Fprintf(&sb, "203.0.113.66,high,sighting %d\n", i)
	}
	data := []byte(sb.String())
	b.SetBytes(int64(len(data)))
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		l, err := LocalBytes("dup.csv", data)
		if err != nil || l.Len() != 1 {
			b.Fatal(err)
		}
	}
}

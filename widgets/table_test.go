package widgets

import (
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/google/go-cmp/cmp"
)

type asnName string

func (a asnName) String() string { return "AS " + string(a) }

// tableCfg returns the data a table's script is given.
func tableCfg(t *testing.T, b *TableBuilder) (map[string]any, string) {
	t.Helper()
	h, err := b.HTML()
	if err != nil {
		t.Fatal(err)
	}
	d, ok := widgetData(t, "table", string(h)).(map[string]any)
	if !ok {
		t.Fatal("table data is not an object")
	}
	return d, string(h)
}

func TestTableCells(t *testing.T) {
	t0 := time.Date(2019, 2, 12, 1, 2, 3, 0, time.UTC)
	b := NewTable("t", Column{Title: "n", Numeric: true}, Column{Title: "bar", Bar: true}, Column{Title: "text"}).
		Row(12, int64(1)<<60, asnName("8075")).
		Row(2.5, t0, []string{"a", "b"}).
		Row(nil, "n/a", 7).
		Row(uint8(3))
	d, _ := tableCfg(t, b)
	want := []any{
		[]any{12.0, []any{float64(int64(1) << 60), "1152921504606846976"}, "AS 8075"},
		[]any{[]any{2.5, "2.5"}, []any{float64(t0.UnixMilli()), "2019-02-12 01:02:03"}, "a, b"},
		[]any{nil, []any{nil, "n/a"}, "7"},
		[]any{3.0, nil, ""},
	}
	if diff := cmp.Diff(want, d["rows"]); diff != "" {
		t.Errorf("rows (-want +got):\n%s", diff)
	}
	wantCols := []any{
		map[string]any{"title": "n", "num": true, "right": true},
		map[string]any{"title": "bar", "num": true, "bar": true},
		map[string]any{"title": "text"},
	}
	if diff := cmp.Diff(wantCols, d["cols"]); diff != "" {
		t.Errorf("cols (-want +got):\n%s", diff)
	}
	if d["file"] != "t.csv" || d["total"] != 4.0 {
		t.Errorf("file %v, total %v", d["file"], d["total"])
	}
}

func TestTableBounds(t *testing.T) {
	long := strings.Repeat("x", 5000)
	cell := len(clip(long)) // bytes of a clipped cell
	tests := []struct {
		name             string
		b                *TableBuilder
		rows, static     int
		wantMore, wantBd bool
	}{
		{"small", NewTable("t", Column{Title: "a"}).Row("1").Row("2"), 2, 2, false, false},
		{"more than the static rows", rowsOf(NewTable("t", Column{Title: "a"}).StaticRows(3), 10, "v"), 10, 3, true, false},
		{"more than MaxRows", rowsOf(NewTable("t", Column{Title: "a"}).MaxRows(5).StaticRows(2), 30, "v"), 5, 2, true, true},
		// The byte bounds (MaxTableBytes, MaxStaticBytes) stop the table first.
		{"more than MaxTableBytes", rowsOf(NewTable("t", Column{Title: "a"}, Column{Title: "b"}, Column{Title: "c"}, Column{Title: "d"}, Column{Title: "e"}), 1000, long, long, long, long, long),
			MaxTableBytes/(5*(cell+3)) + 1, MaxStaticBytes / (5 * cell), true, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			d, h := tableCfg(t, tc.b)
			rows := d["rows"].([]any)
			if len(rows) != tc.rows {
				t.Errorf("rows held = %d, want %d", len(rows), tc.rows)
			}
			if n := strings.Count(h, "<tr>") - 1; n != tc.static { // one <tr> is the header
				t.Errorf("static rows = %d, want %d", n, tc.static)
			}
			if got := strings.Contains(h, `class="nbl-more"`); got != tc.wantMore {
				t.Errorf("note for scripts that did not run: %v, want %v", got, tc.wantMore)
			}
			if got := strings.Contains(h, "The table holds the first"); got != tc.wantBd {
				t.Errorf("bound note: %v, want %v", got, tc.wantBd)
			}
		})
	}
}

func rowsOf(b *TableBuilder, n int, values ...any) *TableBuilder {
	for range n {
		b.Row(values...)
	}
	return b
}

func TestClipAndNames(t *testing.T) {
	s := clip(strings.Repeat("é", MaxCellChars+10))
	if n := utf8.RuneCountInString(s); n != MaxCellChars || !strings.HasSuffix(s, "…") {
		t.Errorf("clipped to %d runes ending %q", n, s[len(s)-3:])
	}
	if s := clip("short"); s != "short" {
		t.Errorf("clip(short) = %q", s)
	}
	for in, want := range map[string]string{"flowsummary-flow-index": "flowsummary-flow-index.csv", "a/b<c>": "a-b-c-.csv", "": "table.csv", "..": "table.csv"} {
		if got := csvName(in); got != want {
			t.Errorf("csvName(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestDone(t *testing.T) {
	t0 := time.Date(2019, 2, 12, 0, 0, 0, 0, time.UTC)
	var r recorder
	tests := []struct {
		name string
		done func() error
	}{
		{"table", func() error { return NewTable("t", Column{Title: "a"}).Row("x").On(&r).Done() }},
		{"timeline", func() error {
			return NewTimeline("tl").Series(Series{Name: "s", Points: []Point{{Time: t0, Value: 1}}}).On(&r).Done()
		}},
		{"values", func() error {
			return NewValuesPlot("vp").Series(Series{Name: "s", Points: []Point{{Time: t0, Value: 1}}}).On(&r).Done()
		}},
		{"map", func() error { return NewMap("m").Marker(Marker{Lat: 1, Lon: 1, Layer: "x"}).On(&r).Done() }},
	}
	for _, tc := range tests {
		r.shown = nil
		if err := tc.done(); err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		if len(r.shown) != 1 || r.shown[0].html == "" || r.shown[0].text == "" {
			t.Errorf("%s: Done showed %d outputs, want one with HTML and text", tc.name, len(r.shown))
		}
	}
	// Nowhere to show (On(nil), or the default outside GoNB): nothing, no error.
	if err := NewTable("t").On(nil).Done(); err != nil {
		t.Error(err)
	}
	if err := NewMap("m").Done(); err != nil {
		t.Error(err)
	}
	// A chart with no points shows nothing and says so.
	r.shown = nil
	if err := NewTimeline("empty").On(&r).Done(); err == nil || len(r.shown) != 0 {
		t.Errorf("empty chart: err %v, %d shown", err, len(r.shown))
	}
	// A checklist outside GoNB shows the static list; Wait returns the defaults.
	r.updates = nil
	cl := NewChecklist("c", Item{ID: "AS1", Default: true}, Item{ID: "AS2"}).On(&r)
	if err := cl.Done(); err != nil {
		t.Fatal(err)
	}
	sel, err := cl.Wait(t.Context())
	if err != nil || len(r.updates) != 1 || strings.Contains(string(r.updates[0].html), "<script>") {
		t.Errorf("checklist: %v, %d updates", err, len(r.updates))
	}
	if diff := cmp.Diff(Selection{IDs: []string{"AS1"}}, sel); diff != "" {
		t.Errorf("selection (-want +got):\n%s", diff)
	}
	if want := "[x] AS1  (default)\n[ ] AS2\n"; r.updates[0].text != want {
		t.Errorf("checklist text %q, want %q", r.updates[0].text, want)
	}
}

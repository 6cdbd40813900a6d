package widgets

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/base64"
	"encoding/json"
	"html/template"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"golang.org/x/net/html"
)

var payloads = []string{
	`<script>alert(1)</script>`,
	`"><img src=x onerror=alert(1)>`,
	`</script><script>alert(2)</script>`,
	`'";`,
}

// allowedAttrs are the attributes the widgets themselves write.
var allowedAttrs = map[string]bool{"class": true, "id": true, "style": true, "type": true, "value": true, "checked": true,
	"disabled": true, "for": true, "title": true, "tabindex": true, "data-col": true, "data-v": true, "data-action": true,
	"data-live": true, "placeholder": true, "aria-label": true, "aria-live": true, "role": true, "aria-valuemin": true,
	"aria-valuemax": true, "aria-valuenow": true}

var allowedTags = map[string]bool{"html": true, "head": true, "body": true, "div": true, "span": true, "script": true, "style": true,
	"table": true, "caption": true, "thead": true, "tbody": true, "tr": true, "th": true, "td": true, "p": true, "i": true,
	"input": true, "button": true, "label": true, "b": true, "pre": true}

// checkNoInjection parses h and fails on unexpected elements or attributes,
// on more than wantScripts script elements, and on scripts not ending where
// the widget ends them.
func checkNoInjection(t *testing.T, name string, h string, wantScripts int) {
	t.Helper()
	doc, err := html.Parse(strings.NewReader(h))
	if err != nil {
		t.Fatalf("%s: parse: %v", name, err)
	}
	scripts := 0
	var walk func(n *html.Node)
	walk = func(n *html.Node) {
		if n.Type == html.ElementNode {
			if !allowedTags[n.Data] {
				t.Errorf("%s: injected element <%s>", name, n.Data)
			}
			if n.Data == "script" {
				scripts++
				if n.FirstChild != nil && strings.Contains(n.FirstChild.Data, "alert(2)") && !strings.Contains(n.FirstChild.Data, `\u003c/script\u003e`) {
					t.Errorf("%s: payload in script not escaped", name)
				}
			}
			for _, a := range n.Attr {
				if !allowedAttrs[a.Key] {
					t.Errorf("%s: injected attribute %s=%q on <%s>", name, a.Key, a.Val, n.Data)
				}
			}
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c)
		}
	}
	walk(doc)
	if scripts != wantScripts {
		t.Errorf("%s: %d script elements, want %d", name, scripts, wantScripts)
	}
}

// widgetData returns the data a widget's script is called with: the JSON
// after the last "})(" of its last script element.
func widgetData(t *testing.T, name, h string) any {
	t.Helper()
	i := strings.LastIndex(h, "<script>")
	j := strings.LastIndex(h, "</script>")
	if i < 0 || j < i {
		t.Fatalf("%s: no script", name)
	}
	js := h[i+len("<script>") : j]
	k := strings.LastIndex(js, "})(")
	if k < 0 || !strings.HasSuffix(js, ");") {
		t.Fatalf("%s: script does not end with a call of the widget: %q", name, js[max(0, len(js)-80):])
	}
	var v any
	if err := json.Unmarshal([]byte(js[k+3:len(js)-2]), &v); err != nil {
		t.Fatalf("%s: widget data is not JSON: %v", name, err)
	}
	return v
}

// hasString reports whether v (decoded JSON) holds the string s somewhere.
func hasString(v any, s string) bool {
	switch x := v.(type) {
	case string:
		return strings.Contains(x, s)
	case []any:
		for _, e := range x {
			if hasString(e, s) {
				return true
			}
		}
	case map[string]any:
		for k, e := range x {
			if strings.Contains(k, s) || hasString(e, s) {
				return true
			}
		}
	}
	return false
}

func TestEscaping(t *testing.T) {
	for _, p := range payloads {
		t0 := time.Date(2019, 2, 12, 0, 0, 0, 0, time.UTC)
		ss := []Series{{Name: p, Points: []Point{{Time: t0, Value: 1, Tooltip: [][2]string{{p, p}}}}}}
		tl, err := NewTimeline(p).Series(ss...).Assets(Assets{BaseURL: p, TileURL: p}).HTML()
		if err != nil {
			t.Fatal(err)
		}
		checkNoInjection(t, "timeline "+p, string(tl), 1)
		vp, err := NewValuesPlot(p).Series(ss...).HTML()
		if err != nil {
			t.Fatal(err)
		}
		checkNoInjection(t, "values "+p, string(vp), 1)
		// Embedded copies of the assets are carried in their own script elements.
		embedded, err := NewTimeline(p).Series(ss...).Assets(Assets{BaseURL: EmbeddedBaseURL}).HTML()
		if err != nil {
			t.Fatal(err)
		}
		checkNoInjection(t, "timeline with embedded assets "+p, string(embedded), 2)

		tbl := NewTable(p, Column{Title: p, Bar: true}, Column{Title: p, Numeric: true}, Column{Title: p}).Caption(p).
			Row(p, p, []string{p, p}).Row(3, 2.5, p).Row(1, 1, p).StaticRows(1)
		tb, err := tbl.HTML()
		if err != nil {
			t.Fatal(err)
		}
		checkNoInjection(t, "table "+p, string(tb), 1)
		if text := tbl.Text(); !strings.Contains(text, p) {
			t.Errorf("table text lost the value %q:\n%s", p, text)
		}

		mp, err := NewMap(p).Layer(Layer{Name: p, Color: p}).Marker(Marker{Lat: 1, Lon: 2, Layer: p, Tooltip: p, Popup: [][2]string{{p, p}}}).
			Marker(Marker{Lat: 3, Lon: 4, Layer: "other " + p}).Note(p).Assets(Assets{BaseURL: p, TileURL: p}).HTML()
		if err != nil {
			t.Fatal(err)
		}
		checkNoInjection(t, "map "+p, string(mp), 1)
		// In the scripts, every data string is JSON data, intact.
		for name, h := range map[string]template.HTML{"timeline": tl, "values": vp, "table": tb, "map": mp} {
			if d := widgetData(t, name, string(h)); !hasString(d, p) {
				t.Errorf("%s: the data given to the script lost %q", name, p)
			}
		}

		items := []Item{{ID: p, Label: p, Details: []string{p, p}, Default: true, Reason: p}, {ID: "x" + p, Label: p}}
		cl := NewChecklist(p, items...).Columns(p, p, p).Title(p)
		h, err := cl.HTML()
		if err != nil {
			t.Fatal(err)
		}
		checkNoInjection(t, "checklist "+p, string(h), 0)
		h, err = cl.render(true, p, p)
		if err != nil {
			t.Fatal(err)
		}
		checkNoInjection(t, "live checklist "+p, string(h), 1)

		var d recorder
		pr := NewProgress(&d, p, p, 2)
		pr.Add(1)
		pr.Done()
		checkNoInjection(t, "progress "+p, string(d.last().html), 0)
	}
}

type update struct {
	id   string
	html template.HTML
	text string
}

// recorder is a Display that records what it is given.
type recorder struct {
	shown   []update
	updates []update
}

func (r *recorder) Show(h template.HTML, text string) { r.shown = append(r.shown, update{"", h, text}) }

func (r *recorder) Update(id string, h template.HTML, text string) {
	r.updates = append(r.updates, update{id, h, text})
}
func (r *recorder) last() update { return r.updates[len(r.updates)-1] }

func TestTableText(t *testing.T) {
	tests := []struct {
		name string
		b    *TableBuilder
		want string
	}{
		{"types", NewTable("t", Column{Title: "a"}, Column{Title: "n", Numeric: true}, Column{Title: "l"}, Column{Title: "f"}, Column{Title: "time"}).
			Row("x", int64(12), []string{"a", "b"}, 1.5, time.Date(2019, 2, 12, 1, 2, 3, 0, time.UTC)).Row("y"),
			"a  n   l     f    time\nx  12  a, b  1.5  2019-02-12 01:02:03\ny                 \n"},
		{"static rows", NewTable("t", Column{Title: "a"}).Row("1").Row("2").Row("3").StaticRows(2).Caption("cap"),
			"cap\na\n1\n2\n1 more rows not shown.\n"},
		{"max rows", NewTable("t", Column{Title: "a"}).Row("1").Row("2").Row("3").MaxRows(1),
			"a\n1\n2 more rows not shown.\n"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := tc.b.Text()
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}

func TestTableBars(t *testing.T) {
	h, err := NewTable("t", Column{Title: "n", Bar: true, Numeric: true}).Row(10).Row(5).Row(0).HTML()
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"0.55) 100.0%", "0.55) 50.0%", "0.55) 0.0%", `<td class="num" style=`} {
		if !strings.Contains(string(h), want) {
			t.Errorf("table HTML lacks %q", want)
		}
	}
}

func TestBucket(t *testing.T) {
	t0 := time.Date(2019, 2, 12, 0, 0, 0, 0, time.UTC)
	var pts []Point
	for i := 0; i < 1000; i++ {
		pts = append(pts, Point{Time: t0.Add(time.Duration(i) * time.Minute), Value: 1})
	}
	tests := []struct {
		name      string
		max       int
		wantLen   int
		wantTotal float64
	}{
		{"under bound", 2000, 1000, 1000},
		{"bucketed", 100, 100, 1000},
		{"one bucket", 1, 1, 1000},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := bucket([]Series{{Name: "s", Points: pts}}, tc.max)
			sum := 0.0
			for _, p := range got[0].Points {
				sum += p.Value
			}
			if diff := cmp.Diff([]float64{float64(tc.wantLen), tc.wantTotal}, []float64{float64(len(got[0].Points)), sum}); diff != "" {
				t.Errorf("points, total (-want +got):\n%s", diff)
			}
		})
	}
}

func TestBucketTooltips(t *testing.T) {
	t0 := time.Date(2019, 2, 12, 0, 0, 0, 0, time.UTC)
	var pts []Point
	for i, ip := range []string{"1.1.1.1", "2.2.2.2", "1.1.1.1", "3.3.3.3", "4.4.4.4", "5.5.5.5"} {
		pts = append(pts, Point{Time: t0.Add(time.Duration(i) * time.Minute), Value: 2, Tooltip: [][2]string{{"L7Protocol", "https"}, {"AllExtIPs", ip}}})
	}
	pts = append(pts, Point{Time: t0.Add(time.Hour), Value: 1, Tooltip: [][2]string{{"AllExtIPs", "9.9.9.9"}, {"FlowDirection", "I"}}})
	got := bucket([]Series{{Name: "https", Points: pts}}, 2)
	want := []Point{
		{Time: t0, Value: 12, Tooltip: [][2]string{{"L7Protocol", "https"}, {"AllExtIPs", "1.1.1.1, 2.2.2.2, 3.3.3.3, …"}, {"events in bucket", "6"}, {"bucket", "30m0s"}}},
		{Time: t0.Add(30 * time.Minute), Value: 1, Tooltip: [][2]string{{"AllExtIPs", "9.9.9.9"}, {"FlowDirection", "I"}, {"events in bucket", "1"}, {"bucket", "30m0s"}}},
	}
	if diff := cmp.Diff(want, got[0].Points); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
}

func BenchmarkTimeline100k(b *testing.B) {
	t0 := time.Date(2019, 2, 12, 0, 0, 0, 0, time.UTC)
	var ss []Series
	for s := 0; s < 10; s++ {
		pts := make([]Point, 10_000)
		for i := range pts {
			pts[i] = Point{Time: t0.Add(time.Duration(i*10+s) * time.Second), Value: 1, Tooltip: [][2]string{{"L7Protocol", "https"}, {"AllExtIPs", "13.67.143." + strconv.Itoa(i%250)}}}
		}
		ss = append(ss, Series{Name: "p" + strconv.Itoa(s), Points: pts})
	}
	b.ReportAllocs()
	var size int
	for b.Loop() {
		h, err := NewTimeline("flows").Series(ss...).HTML()
		if err != nil {
			b.Fatal(err)
		}
		size = len(h)
	}
	b.ReportMetric(float64(size), "html-bytes")
}

func TestChartSizeBounded(t *testing.T) {
	t0 := time.Date(2019, 2, 12, 0, 0, 0, 0, time.UTC)
	mk := func(n int) []Point {
		pts := make([]Point, n)
		for i := range pts {
			pts[i] = Point{Time: t0.Add(time.Duration(i) * time.Second), Value: 1, Tooltip: [][2]string{{"L7Protocol", "https"}}}
		}
		return pts
	}
	small, _ := NewTimeline("t").MaxPoints(500).Series(Series{Name: "a", Points: mk(10000)}).HTML()
	big, _ := NewTimeline("t").MaxPoints(500).Series(Series{Name: "a", Points: mk(100000)}).HTML()
	if r := float64(len(big)) / float64(len(small)); r > 1.2 {
		t.Errorf("10x the points gave %.1fx the HTML (%d vs %d bytes)", r, len(big), len(small))
	}
	if _, err := NewTimeline("empty").HTML(); err == nil {
		t.Error("empty chart: no error")
	}
}

func TestChecklistDefaultsAndMessages(t *testing.T) {
	items := []Item{{ID: "AS1", Default: true}, {ID: "AS2"}, {ID: "AS3", Default: true}}
	tests := []struct {
		name string
		b    *ChecklistBuilder
		want Selection
	}{
		{"defaults", NewChecklist("c", items...), Selection{IDs: []string{"AS1", "AS3"}}},
		{"preset", NewChecklist("c", items...).Preset([]string{"AS2"}), Selection{IDs: []string{"AS2"}}},
		{"none", NewChecklist("c"), Selection{IDs: []string{}}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := tc.b.Wait(context.Background()) // not in GoNB in tests
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
	cl := NewChecklist("c", items...)
	msgs := []struct {
		in      string
		ids     []string
		isApply bool
		wantErr bool
	}{
		{`{"event":"ready"}`, nil, false, false},
		{`{"event":"apply","ids":["AS3","AS2","bogus","AS3"]}`, []string{"AS2", "AS3"}, true, false},
		{`{"event":"apply","ids":[]}`, []string{}, true, false},
		{`["AS1"]`, nil, false, true},
		{`{"event":"other"}`, nil, false, true},
	}
	for _, m := range msgs {
		ids, isApply, err := cl.parseMessage(m.in)
		if (err != nil) != m.wantErr || isApply != m.isApply {
			t.Errorf("%s: apply=%v err=%v", m.in, isApply, err)
		}
		if diff := cmp.Diff(m.ids, ids); diff != "" {
			t.Errorf("%s: ids (-want +got):\n%s", m.in, diff)
		}
	}
}

func TestChecklistWait(t *testing.T) {
	items := []Item{{ID: "AS1", Default: true}, {ID: "AS2"}}
	tests := []struct {
		name     string
		msgs     []string
		ready    time.Duration
		apply    time.Duration
		want     []string
		fellBack bool
		acks     []string
	}{
		{"apply", []string{`{"event":"ready"}`, `{"event":"apply","ids":["AS2"]}`}, time.Second, time.Second, []string{"AS2"}, false, []string{"ready", "apply"}},
		{"repeated ready, each acknowledged", []string{`{"event":"ready"}`, `{"event":"ready"}`, `{"event":"apply","ids":["AS2"]}`}, time.Second, time.Second, []string{"AS2"}, false, []string{"ready", "ready", "apply"}},
		{"no front end", nil, 30 * time.Millisecond, time.Second, []string{"AS1"}, true, nil},
		{"ready but no apply", []string{`{"event":"ready"}`}, 20 * time.Millisecond, 60 * time.Millisecond, []string{"AS1"}, true, []string{"ready"}},
		{"garbage ignored", []string{`nope`, `{"event":"ready"}`, `{"event":"apply","ids":[]}`}, time.Second, time.Second, []string{}, false, []string{"ready", "apply"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			ch := make(chan string, len(tc.msgs))
			for _, m := range tc.msgs {
				ch <- m
			}
			cl := NewChecklist("c", items...).ReadyTimeout(tc.ready).Timeout(tc.apply)
			var acks []string
			nudges := 0
			got, err := cl.wait(context.Background(), ch, func(ev string) { acks = append(acks, ev) }, func() { nudges++ })
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tc.acks, acks); diff != "" {
				t.Errorf("acknowledgements (-want +got):\n%s", diff)
			}
			// Without a "ready" by a third of the ready bound, the connection is nudged once.
			if wantNudges := map[bool]int{true: 1, false: 0}[len(tc.msgs) == 0]; nudges != wantNudges {
				t.Errorf("nudges = %d, want %d", nudges, wantNudges)
			}
			if diff := cmp.Diff(tc.want, got.IDs); diff != "" || got.FellBack != tc.fellBack {
				t.Errorf("ids (-want +got):\n%s fellBack=%v reason=%q", diff, got.FellBack, got.Reason)
			}
			if got.FellBack && got.Reason == "" {
				t.Error("fell back without a reason")
			}
		})
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if sel, err := NewChecklist("c", items...).wait(ctx, make(chan string), func(string) {}, func() {}); err == nil || !sel.FellBack {
		t.Errorf("cancelled: %+v, %v", sel, err)
	}
}

func TestChecklistHTMLHooks(t *testing.T) {
	hh, err := NewChecklist("c", Item{ID: "AS1", Default: true, Reason: "rare"}, Item{ID: "AS2"}).Preset([]string{"AS2"}).render(true, "/a", "")
	if err != nil {
		t.Fatal(err)
	}
	h := string(hh)
	for _, want := range []string{`input type="checkbox" value="AS1"`, `value="AS2" id=`, `data-action="apply"`, `data-action="none"`, `data-action="all"`, `data-action="invert"`, "(default: rare)", "1 of 2 selected"} {
		if !strings.Contains(h, want) {
			t.Errorf("checklist HTML lacks %q", want)
		}
	}
}

func TestProgress(t *testing.T) {
	var d recorder
	now := time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC)
	p := NewProgress(&d, "id", "lookup", 10)
	p.now = func() time.Time { return now }
	p.start, p.last = now, now
	now = now.Add(time.Second)
	p.Add(2) // shown: a second after the first display
	p.Add(1) // throttled
	now = now.Add(time.Second)
	p.Done()
	p.Done() // no-op
	p.Add(5) // after Done: ignored
	var texts []string
	for _, u := range d.updates {
		texts = append(texts, u.text)
	}
	want := []string{
		"lookup [------------------------------] 0/10",
		"lookup [######------------------------] 2/10, 2.0/s, about 4s left",
		"lookup [#########---------------------] 3/10, 1.5/s, took 2s, done",
	}
	if diff := cmp.Diff(want, texts); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
	NewProgress(nil, "x", "nil display", 1).Done() // must not panic
}

// With a deadline, the time left shown is never past it.
func TestProgressDeadline(t *testing.T) {
	var d recorder
	now := time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC)
	p := NewProgress(&d, "id", "TI lookup", 100)
	p.now = func() time.Time { return now }
	p.start, p.last = now, now
	p.Deadline(now.Add(10 * time.Second))
	now = now.Add(time.Second)
	p.Add(1) // 1/s: 99 s left by the rate, 9 s by the deadline
	now = now.Add(time.Second)
	p.Add(49) // 25/s: 2 s left, before the deadline
	var texts []string
	for _, u := range d.updates {
		texts = append(texts, u.text)
	}
	want := []string{
		"TI lookup [------------------------------] 0/100",
		"TI lookup [------------------------------] 1/100, 1.0/s, at most 9s left (deadline)",
		"TI lookup [###############---------------] 50/100, 25.0/s, about 2s left",
	}
	if diff := cmp.Diff(want, texts); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
}

func TestAssets(t *testing.T) {
	t.Setenv("NOTEBOOKLETS_ASSETS_URL", "http://127.0.0.1:1/npm")
	t.Setenv("NOTEBOOKLETS_TILE_URL", "none")
	if diff := cmp.Diff(Assets{BaseURL: "http://127.0.0.1:1/npm", TileURL: "none"}, DefaultAssets()); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
	h, err := NewMap("m").Marker(Marker{Lat: 1, Lon: 1}).HTML()
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(h), `"url":"http://127.0.0.1:1/npm/leaflet@1.9.4/dist/leaflet.js"`) || !strings.Contains(string(h), `"tiles":""`) {
		t.Errorf("map does not use the configured assets/tiles")
	}

	dir := t.TempDir()
	if err := os.MkdirAll(filepath.Join(dir, "echarts", "dist"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "echarts", "dist", "echarts.min.js"), []byte("var echarts={};"), 0o644); err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(AssetServer(dir))
	defer srv.Close()
	for path, want := range map[string]int{
		"/echarts@5.5.1/dist/echarts.min.js": 200,
		"/echarts@9/dist/missing.js":         404,
		"/echarts/dist/echarts.min.js":       404,
		"/echarts@5.5.1/../../etc/passwd":    404,
		"/":                                  404,
	} {
		resp, err := http.Get(srv.URL + path)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != want {
			t.Errorf("GET %s: %d, want %d", path, resp.StatusCode, want)
		}
	}
}

// TestInjectionCheckerCatches proves the checker used by TestEscaping fails on raw payloads.
func TestInjectionCheckerCatches(t *testing.T) {
	for _, p := range payloads[:3] {
		ft := &testing.T{}
		done := make(chan struct{})
		go func() { defer close(done); checkNoInjection(ft, "raw", "<div>"+p+"</div>", 0) }()
		<-done
		if !ft.Failed() {
			t.Errorf("checker accepted raw %q", p)
		}
	}
}

func gunzipBase64(s string) ([]byte, error) {
	b, err := base64.StdEncoding.DecodeString(s)
	if err != nil {
		return nil, err
	}
	zr, err := gzip.NewReader(bytes.NewReader(b))
	if err != nil {
		return nil, err
	}
	return io.ReadAll(zr)
}

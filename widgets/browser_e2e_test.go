//go:build e2e

package widgets

import (
	"context"
	"encoding/json"
	"fmt"
	"html/template"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/google/go-cmp/cmp"
)

func nodeModules(t *testing.T) string {
	if d := os.Getenv("NOTEBOOKLETS_NODE_MODULES"); d != "" {
		return d
	}
	_, file, _, _ := runtime.Caller(0)
	d := filepath.Join(filepath.Dir(file), "..", "e2e", "node_modules")
	if _, err := os.Stat(filepath.Join(d, "echarts")); err != nil {
		t.Fatalf("node_modules with echarts/leaflet not found at %s (run scripts/install-test-deps.sh or set NOTEBOOKLETS_NODE_MODULES): %v", d, err)
	}
	return d
}

func artifactsDir(t *testing.T) string {
	d := os.Getenv("ARTIFACTS_DIR")
	if d == "" {
		_, file, _, _ := runtime.Caller(0)
		d = filepath.Join(filepath.Dir(file), "testdata", "artifacts")
	}
	if err := os.MkdirAll(d, 0o755); err != nil {
		t.Fatal(err)
	}
	return d
}

const unreachableTiles = "http://tiles.invalid/{z}/{x}/{y}.png"

// widgetPage renders one of each widget (two charts and two maps, so assets
// are shared); the checklist is live and talks to a fake gonb_comm that
// records what is sent. head goes first in <head>.
func widgetPage(t *testing.T, a Assets, head string) string {
	t.Helper()
	return `<!doctype html><html><head><meta charset="utf-8"><title>widgets</title>` + head + `
<script>globalThis.gonb_comm={websocket_is_opened:true,sent:[],dropped:0,subs:{},
subscribe:function(a,cb){this.subs[a]=cb;},
send:function(a,v){if(this.dropped===0){this.dropped++;return;}this.sent.push([a,v]);var ack=this.subs[a+"/ack"];if(ack){ack(a+"/ack",JSON.parse(v).event);}}};</script></head><body>
` + widgetsMarkup(t, a) + `</body></html>`
}

// widgetsMarkup is the widgets of widgetPage.
func widgetsMarkup(t *testing.T, a Assets) string {
	t.Helper()
	t0 := time.Date(2019, 2, 12, 0, 0, 0, 0, time.UTC)
	var https, dns []Point
	for i := 0; i < 300; i++ {
		tm := t0.Add(time.Duration(i) * 17 * time.Minute)
		https = append(https, Point{Time: tm, Value: float64(i%7 + 1), Tooltip: [][2]string{{"L7Protocol", "https"}, {"AllExtIPs", "<b>13.67.143.117</b>"}}})
		if i%3 == 0 {
			dns = append(dns, Point{Time: tm, Value: 2, Tooltip: [][2]string{{"L7Protocol", "dns"}}})
		}
	}
	ss := []Series{{Name: "https", Points: https}, {Name: "dns", Points: dns}}
	tl, err := NewTimeline("Flows by protocol").Series(ss...).Assets(a).HTML()
	if err != nil {
		t.Fatal(err)
	}
	vp, err := NewValuesPlot("Flows per protocol").Series(ss...).MaxPoints(100).Assets(a).HTML()
	if err != nil {
		t.Fatal(err)
	}
	tb, err := NewTable("tbl", Column{Title: "ASN"}, Column{Title: "flows", Bar: true, Numeric: true}, Column{Title: "protocols"}).
		Row("AS8075", int64(120), []string{"https", "dns"}).Row("AS15169", int64(30), []string{"https"}).Row("AS13335", int64(5), nil).MaxRows(2).HTML()
	if err != nil {
		t.Fatal(err)
	}
	m := NewMap("map").Assets(a).Layer(Layer{"Host", "green"}).Layer(Layer{"Outbound", "blue"}).Layer(Layer{"Threats", "red"})
	m.Marker(Marker{Lat: 47.6, Lon: -122.3, Layer: "Host", Tooltip: "10.0.3.5 US", Popup: [][2]string{{"IP", "10.0.3.5"}}})
	for i := 0; i < 20; i++ {
		m.Marker(Marker{Lat: 51.5 + float64(i)*0.01, Lon: -0.1, Layer: "Outbound", Tooltip: fmt.Sprintf("81.2.69.%d GB", i), Popup: [][2]string{{"ASN", "AS2856"}}})
	}
	m.Marker(Marker{Lat: 35.7, Lon: 139.7, Layer: "Threats", Tooltip: "1.2.3.4 <i>JP</i>", Popup: [][2]string{{"severity", "high"}, {"details", "<img src=x onerror=alert(1)>"}}})
	mp, err := m.HTML()
	if err != nil {
		t.Fatal(err)
	}
	// A second map drawn with no tile layer at all (TileURL "none"): markercluster needs the
	// map's maxZoom, which then comes from the map, not from a tile layer.
	bare := Assets{BaseURL: a.BaseURL, TileURL: "none"}
	mp2, err := NewMap("bare").Assets(bare).Layer(Layer{"Host", "green"}).
		Marker(Marker{Lat: 47.6, Lon: -122.3, Layer: "Host", Tooltip: "host"}).
		Marker(Marker{Lat: 48.6, Lon: 2.3, Layer: "Host", Tooltip: "peer"}).HTML()
	if err != nil {
		t.Fatal(err)
	}
	cl, err := NewChecklist("asn", testItems()...).Columns("ASN", "flows", "why").Title("Select the ASNs").render(true, "/test/checklist", "")
	if err != nil {
		t.Fatal(err)
	}
	var pr progressCapture
	p := NewProgress(&pr, "prog", "TI lookup", 10)
	p.Add(4)
	p.Done()
	return string(tl) + string(vp) + string(tb) + string(mp) + string(mp2) + string(cl) + string(pr.html)
}

// startChromium starts headless Chromium (loopback only: no other name
// resolves) for the test; it is stopped when the test ends, or after a minute.
func startChromium(t *testing.T) context.Context {
	t.Helper()
	actx, cancelA := chromedp.NewExecAllocator(context.Background(),
		chromedp.ExecPath("/usr/bin/chromium"),
		chromedp.Flag("headless", true), chromedp.Flag("no-sandbox", true), chromedp.Flag("disable-gpu", true),
		chromedp.Flag("disable-background-networking", true), chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true), chromedp.Flag("no-first-run", true), chromedp.Flag("disable-dev-shm-usage", true),
		chromedp.Flag("host-resolver-rules", "MAP * ~NOTFOUND , EXCLUDE 127.0.0.1"),
		chromedp.UserDataDir(t.TempDir()), chromedp.WindowSize(1200, 2600))
	ctx, cancelC := chromedp.NewContext(actx)
	ctx, cancelT := context.WithTimeout(ctx, 60*time.Second)
	t.Cleanup(func() { cancelT(); cancelC(); cancelA() })
	return ctx
}

type progressCapture struct {
	mu   sync.Mutex
	html template.HTML
	text string
	n    int
}

func (p *progressCapture) Show(h template.HTML, text string) { p.Update("", h, text) }

func (p *progressCapture) Update(id string, h template.HTML, text string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.html, p.text = h, text
	p.n++
}

func testItems() []Item {
	return []Item{
		{ID: "AS1", Label: "AS1", Details: []string{"100", "rare"}, Default: true, Reason: "rare"},
		{ID: "AS2", Label: "AS2", Details: []string{"5000", ""}},
		{ID: "AS3", Label: "AS3", Details: []string{"7", "threat"}, Default: true, Reason: "threat intel hit"},
		{ID: "AS10", Label: "AS10", Details: []string{"9000", ""}},
	}
}

// requireJS is Debian's RequireJS (libjs-requirejs, a dependency of
// jupyter-notebook): classic Notebook pages have it, JupyterLab and the HTML
// report do not.
const requireJS = "/usr/share/javascript/requirejs/require.js"

// TestBrowserWidgets opens the page without RequireJS (JupyterLab, HTML
// report) and with it (classic Notebook, where UMD modules register with AMD
// instead of setting globals), with the assets from a URL and with the
// outputs carrying their embedded copies (a notebook whose asset URL does
// not answer).
func TestBrowserWidgets(t *testing.T) {
	const withRequireJS = `<script src="/requirejs/require.js"></script>`
	for _, v := range []struct {
		name, head, shot string
		embedded         bool
	}{
		{"plain", "", "widgets", false},
		{"requirejs", withRequireJS, "widgets-requirejs", false},
		{"plain embedded", "", "widgets-embedded", true},
		{"requirejs embedded", withRequireJS, "widgets-requirejs-embedded", true},
	} {
		t.Run(v.name, func(t *testing.T) { browserWidgets(t, v.head, v.shot, v.embedded) })
	}
}

func browserWidgets(t *testing.T, head, shot string, embedded bool) {
	mux := http.NewServeMux()
	srv := httptest.NewServer(mux)
	defer srv.Close()
	a := Assets{BaseURL: srv.URL + "/npm", TileURL: unreachableTiles}
	if embedded {
		a.BaseURL = EmbeddedBaseURL
	}
	page := widgetPage(t, a, head)
	mux.Handle("/npm/", http.StripPrefix("/npm", AssetServer("")))
	if head != "" {
		if _, err := os.Stat(requireJS); err != nil {
			t.Fatalf("RequireJS not found (apt-get install libjs-requirejs, or run scripts/install-test-deps.sh): %v", err)
		}
		mux.HandleFunc("/requirejs/require.js", func(w http.ResponseWriter, r *http.Request) { http.ServeFile(w, r, requireJS) })
	}
	mux.HandleFunc("/favicon.ico", func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusNoContent) })
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		_, _ = w.Write([]byte(page))
	})

	ctx := startChromium(t)

	var mu sync.Mutex
	var errs []string
	if err := chromedp.Do(ctx); err != nil {
		t.Fatalf("start chromium: %v", err)
	}
	messages := chromedp.Console(ctx)
	go func() {
		for m, err := range messages {
			if err != nil {
				return
			}
			if m.Type != chromedp.ConsoleError && m.Type != chromedp.ConsoleException && m.Type != "warning" {
				continue
			}
			if strings.Contains(m.URL, "tiles.invalid") || strings.Contains(m.Text, "tiles.invalid") {
				continue // unreachable tiles are expected: markers must show without them
			}
			mu.Lock()
			errs = append(errs, fmt.Sprintf("%s: %s (%s:%d)", m.Type, m.String(), m.URL, m.Line))
			mu.Unlock()
		}
	}()

	eval := func(js string, out any) {
		t.Helper()
		v, err := chromedp.Run(ctx, chromedp.Evaluate[json.RawMessage](js))
		if err != nil {
			t.Fatalf("evaluate %s: %v", js, err)
		}
		if err := json.Unmarshal(v, out); err != nil {
			t.Fatalf("evaluate %s: result %s: %v", js, v, err)
		}
	}
	if err := chromedp.Do(ctx, chromedp.Navigate(srv.URL+"/"),
		chromedp.WaitVisible(chromedp.CSS(".nbl-chart canvas")),
		chromedp.WaitVisible(chromedp.CSS(".nbl-map .leaflet-interactive")),
		chromedp.WaitVisible(chromedp.CSS(".nbl-map .marker-cluster")),
	); err != nil {
		t.Fatalf("page did not draw: %v (errors %v)", err, errs)
	}
	var n int
	eval(`document.querySelectorAll(".nbl-chart canvas").length`, &n)
	if n < 2 {
		t.Errorf("chart canvases = %d, want ≥ 2", n)
	}
	eval(`document.querySelectorAll(".nbl-map .leaflet-interactive").length + document.querySelectorAll(".nbl-map .marker-cluster").length`, &n)
	if n < 3 {
		t.Errorf("map markers+clusters = %d, want ≥ 3 (host, threat, outbound cluster)", n)
	}
	eval(`Array.from(document.querySelectorAll(".nbl-map")).filter(function(m){return m.querySelector(".leaflet-interactive");}).length`, &n)
	if n != 2 {
		t.Errorf("maps with markers = %d, want 2 (with unreachable tiles and with TileURL none)", n)
	}
	var clusterColor string
	eval(`getComputedStyle(document.querySelector(".nbl-map .nbl-cluster div")).backgroundColor`, &clusterColor)
	// The layer's blue, darkened to 75% behind the white count (WCAG 4.5:1).
	if clusterColor != "color(srgb 0 0 0.75)" {
		t.Errorf("outbound cluster colour %q, want the layer's blue at 75%%", clusterColor)
	}
	// The chart tooltip lists the point's rows, as text.
	var chartTip string
	eval(`(function(){var el=document.querySelector(".nbl-chart");var c=echarts.getInstanceByDom(el);c.dispatchAction({type:"showTip",seriesIndex:0,dataIndex:3});
var tips=Array.from(el.querySelectorAll("div")).filter(function(d){return d.textContent.indexOf("AllExtIPs")>=0&&d.children.length>0&&d.style.position==="absolute";});
var d=tips[tips.length-1];return d?d.innerText:"";})()`, &chartTip)
	for _, want := range []string{"https", "2019-02-12 00:51:00", "L7Protocol: https", "AllExtIPs: <b>13.67.143.117</b>"} {
		if !strings.Contains(chartTip, want) { // "<b>" inside: the data was not parsed as HTML
			t.Errorf("chart tooltip %q lacks %q", chartTip, want)
		}
	}
	// Hover shows the tooltip, click opens the popup; data shows as text.
	threat := `Array.from(document.querySelector(".nbl-map").querySelectorAll("path.leaflet-interactive")).filter(function(p){return p.getAttribute("stroke")==="red";})[0]`
	var tip string
	eval(`(function(){var p=`+threat+`;p.dispatchEvent(new MouseEvent("mouseover",{bubbles:true}));var t=document.querySelector(".nbl-map .leaflet-tooltip");return t?t.textContent:"";})()`, &tip)
	if tip != "1.2.3.4 <i>JP</i>" {
		t.Errorf("tooltip %q, want the marker's text as text", tip)
	}
	var popup []string
	eval(`(function(){var p=`+threat+`;p.dispatchEvent(new MouseEvent("click",{bubbles:true,clientX:1,clientY:1}));return Array.from(document.querySelectorAll(".nbl-map .leaflet-popup-content td")).map(function(td){return td.textContent;});})()`, &popup)
	if diff := cmp.Diff([]string{"severity", "high", "details", "<img src=x onerror=alert(1)>"}, popup); diff != "" {
		t.Errorf("popup cells (-want +got):\n%s", diff)
	}
	eval(`document.querySelectorAll(".nbl-map .leaflet-popup-content img").length`, &n)
	if n != 0 {
		t.Errorf("popup has %d img elements: data was parsed as HTML", n)
	}
	// A numbered cluster expands on click: the map zooms in and shows the markers.
	var before, after int
	eval(`document.querySelector(".nbl-map").querySelectorAll(".leaflet-interactive").length`, &before)
	if err := chromedp.Do(ctx, chromedp.Click(chromedp.CSS(".nbl-map .nbl-cluster"))); err != nil {
		t.Fatalf("click cluster: %v", err)
	}
	for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); time.Sleep(100 * time.Millisecond) {
		eval(`document.querySelector(".nbl-map").querySelectorAll(".leaflet-interactive").length`, &after)
		if after > before {
			break
		}
	}
	if after <= before {
		t.Errorf("clicking the cluster did not expand it: %d markers before, %d after", before, after)
	}
	eval(`document.querySelectorAll(".nbl-checklist input[type=checkbox]").length`, &n)
	if n != 4 {
		t.Errorf("checkboxes = %d, want 4", n)
	}
	// Each asset is fetched (or unpacked) once per page although two charts and two maps ask for it.
	var loads map[string]int
	eval(`(function(){var c={};["echarts.min.js","leaflet.js","leaflet.markercluster.js"].forEach(function(f){c[f]=document.querySelectorAll('script[src$="/'+f+'"]').length;
c[f+" embedded"]=document.querySelectorAll('script[data-nbl-asset$="/'+f+'"]').length;});
["leaflet.css","MarkerCluster.css","MarkerCluster.Default.css"].forEach(function(f){c[f]=document.querySelectorAll('link[href$="/'+f+'"]').length;
c[f+" embedded"]=document.querySelectorAll('style[data-nbl-asset$="/'+f+'"]').length;});return c;})()`, &loads)
	wantLoads := map[string]int{}
	for _, f := range []string{"echarts.min.js", "leaflet.js", "leaflet.markercluster.js", "leaflet.css", "MarkerCluster.css", "MarkerCluster.Default.css"} {
		wantLoads[f], wantLoads[f+" embedded"] = 1, 0
		if embedded {
			wantLoads[f], wantLoads[f+" embedded"] = 0, 1
		}
	}
	if diff := cmp.Diff(wantLoads, loads); diff != "" {
		t.Errorf("asset elements on the page (-want +got):\n%s", diff)
	}
	if !embedded {
		var amd bool
		eval(`typeof define==="function"&&!!define.amd&&typeof require.defined==="function"&&require.defined(document.querySelector('script[src$="/echarts.min.js"]').src)`, &amd)
		if amd != (head != "") {
			t.Errorf("echarts loaded as an AMD module = %v, want %v", amd, head != "")
		}
	}
	var sortOrder []string
	eval(`(function(){var th=document.querySelectorAll(".nbl-table th")[1];th.click();th.click();return Array.from(document.querySelectorAll(".nbl-table tbody tr td:first-child")).map(function(td){return td.textContent;});})()`, &sortOrder)
	if diff := cmp.Diff([]string{"AS8075", "AS15169"}, sortOrder); diff != "" {
		t.Errorf("table sorted descending by flows (-want +got):\n%s", diff)
	}

	checked := func() []string {
		var ids []string
		eval(`Array.from(document.querySelectorAll(".nbl-checklist input[type=checkbox]:checked")).map(function(b){return b.value;})`, &ids)
		return ids
	}
	count := func() string {
		var s string
		eval(`document.querySelector(".nbl-checklist .nbl-count").textContent`, &s)
		return s
	}
	click := func(sel string) {
		t.Helper()
		if err := chromedp.Do(ctx, chromedp.Click(chromedp.CSS(sel))); err != nil {
			t.Fatalf("click %s: %v", sel, err)
		}
	}
	setFilter := func(q string) {
		eval(`(function(){var f=document.querySelector(".nbl-checklist .nbl-filter");f.value=`+jsValue(q)+`;f.dispatchEvent(new Event("input"));return true;})()`, new(bool))
	}
	steps := []struct {
		name      string
		do        func()
		want      []string
		wantCount string
	}{
		{"defaults", func() {}, []string{"AS1", "AS3"}, "2 of 4 selected"},
		{"none", func() { click(`.nbl-checklist button[data-action="none"]`) }, []string{}, "0 of 4 selected"},
		{"tick AS2", func() { click(`.nbl-checklist input[type=checkbox][value="AS2"]`) }, []string{"AS2"}, "1 of 4 selected"},
		{"filter AS1 + all", func() { setFilter("as1"); click(`.nbl-checklist button[data-action="all"]`) }, []string{"AS1", "AS2", "AS10"}, "3 of 4 selected"},
		{"clear filter + invert", func() { setFilter(""); click(`.nbl-checklist button[data-action="invert"]`) }, []string{"AS3"}, "1 of 4 selected"},
		{"tick AS10", func() { click(`.nbl-checklist input[type=checkbox][value="AS10"]`) }, []string{"AS3", "AS10"}, "2 of 4 selected"},
	}
	for _, s := range steps {
		s.do()
		if diff := cmp.Diff(s.want, checked()); diff != "" {
			t.Errorf("%s: ticked (-want +got):\n%s", s.name, diff)
		}
		if got := count(); got != s.wantCount {
			t.Errorf("%s: count %q, want %q", s.name, got, s.wantCount)
		}
	}
	var hidden int
	setFilter("AS1")
	eval(`document.querySelectorAll(".nbl-checklist tbody tr[hidden]").length`, &hidden)
	setFilter("")
	if hidden != 2 {
		t.Errorf("filter AS1 hid %d rows, want 2", hidden)
	}
	// The fake drops the page's first message, as GoNB drops a value that
	// arrives before the cell's subscription; the page must repeat "ready"
	// until the fake acknowledges it.
	var delivered int
	for deadline := time.Now().Add(3 * time.Second); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		if eval(`globalThis.gonb_comm.sent.length`, &delivered); delivered > 0 {
			break
		}
	}
	var dropped int
	eval(`globalThis.gonb_comm.dropped`, &dropped)
	if delivered != 1 || dropped != 1 {
		t.Fatalf("after a dropped first message: %d delivered, %d dropped; want the page to repeat ready once", delivered, dropped)
	}
	click(`.nbl-checklist button[data-action="apply"]`)
	var sent [][2]string
	eval(`globalThis.gonb_comm.sent`, &sent)
	if len(sent) != 2 {
		t.Fatalf("messages sent = %v, want ready + apply", sent)
	}
	cl := NewChecklist("asn", testItems()...)
	for i, wantEvent := range []string{"ready", "apply"} {
		if sent[i][0] != "/test/checklist" {
			t.Errorf("message %d went to %q", i, sent[i][0])
		}
		var m checklistMsg
		if err := json.Unmarshal([]byte(sent[i][1]), &m); err != nil || m.Event != wantEvent {
			t.Errorf("message %d = %q, want event %q", i, sent[i][1], wantEvent)
		}
	}
	ids, isApply, err := cl.parseMessage(sent[1][1])
	if err != nil || !isApply {
		t.Fatalf("apply message %q: %v", sent[1][1], err)
	}
	if diff := cmp.Diff([]string{"AS3", "AS10"}, ids); diff != "" {
		t.Errorf("applied IDs (-want +got):\n%s", diff)
	}

	png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(artifactsDir(t), shot+".png")
	if err := os.WriteFile(path, png, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(artifactsDir(t), shot+".html"), []byte(page), 0o644); err != nil {
		t.Fatal(err)
	}
	t.Logf("screenshot %s (%d bytes)", path, len(png))
	mu.Lock()
	defer mu.Unlock()
	if len(errs) > 0 {
		t.Errorf("console errors (other than unreachable tiles):\n%s", strings.Join(errs, "\n"))
	}
}

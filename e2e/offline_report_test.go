//go:build e2e

package e2e

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"

	"github.com/gonotebooklets/notebooklets/nb"
	"github.com/gonotebooklets/notebooklets/widgets"
)

// The tests here open HTML reports in Chromium with the network off (issue
// 15): no asset server, no tiles, no name resolution, and the DevTools
// network emulation offline. Every chart must have canvases, every map its
// country outlines and markers, every table must sort and filter.

// offlineBrowser is a headless Chromium tab with no network at all; it
// records console errors and every network request the page makes.
type offlineBrowser struct {
	ctx      context.Context
	mu       sync.Mutex
	errors   []string
	requests []string
}

func newOfflineBrowser(t *testing.T) *offlineBrowser {
	t.Helper()
	actx, cancelA := chromedp.NewExecAllocator(context.Background(),
		chromedp.ExecPath(chromiumPath()),
		chromedp.Flag("headless", true), chromedp.Flag("no-sandbox", true), chromedp.Flag("disable-gpu", true),
		chromedp.Flag("disable-background-networking", true), chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true), chromedp.Flag("no-first-run", true), chromedp.Flag("no-default-browser-check", true),
		chromedp.Flag("disable-dev-shm-usage", true), chromedp.Flag("hide-scrollbars", true), chromedp.Flag("mute-audio", true),
		// No name resolves, not even loopback's.
		chromedp.Flag("host-resolver-rules", "MAP * ~NOTFOUND"),
		chromedp.UserDataDir(t.TempDir()), chromedp.WindowSize(1300, 1000))
	ctx, cancelC := chromedp.NewContext(actx)
	t.Cleanup(func() { cancelC(); cancelA() })
	b := &offlineBrowser{ctx: ctx}
	if err := chromedp.Do(ctx); err != nil {
		t.Fatalf("start chromium %s: %v", chromiumPath(), err)
	}
	if _, err := chromedp.Call(ctx, network.Enable, network.EnableParams{}); err != nil {
		t.Fatal(err)
	}
	if _, err := chromedp.Call(ctx, network.EmulateNetworkConditionsByRule, network.EmulateNetworkConditionsByRuleParams{
		MatchedNetworkConditions: []*network.Conditions{{Offline: true, DownloadThroughput: -1, UploadThroughput: -1}},
	}); err != nil {
		t.Fatal(err)
	}
	if _, err := chromedp.Call(ctx, network.OverrideNetworkState, network.OverrideNetworkStateParams{Offline: true, DownloadThroughput: -1, UploadThroughput: -1}); err != nil {
		t.Fatal(err)
	}
	console := chromedp.Console(ctx)
	go func() {
		for m, err := range console {
			if err != nil {
				return
			}
			if m.Type == chromedp.ConsoleError || m.Type == chromedp.ConsoleException {
				b.mu.Lock()
				b.errors = append(b.errors, fmt.Sprintf("%s (%s)", m.String(), m.URL))
				b.mu.Unlock()
			}
		}
	}()
	requests := chromedp.Events(ctx, network.RequestWillBeSent)
	go func() {
		for ev, err := range requests {
			if err != nil {
				return
			}
			b.mu.Lock()
			b.requests = append(b.requests, ev.Request.URL)
			b.mu.Unlock()
		}
	}()
	return b
}

func (b *offlineBrowser) eval(t *testing.T, js string, out any) {
	t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, 30*time.Second)
	defer cancel()
	v, err := chromedp.Run(ctx, chromedp.Evaluate[json.RawMessage](js, chromedp.EvalAwaitPromise))
	if err != nil {
		t.Fatalf("evaluate %.200s: %v", js, err)
	}
	if out != nil {
		if err := json.Unmarshal(v, out); err != nil {
			t.Fatalf("evaluate %.200s: result %s: %v", js, v, err)
		}
	}
}

func (b *offlineBrowser) poll(t *testing.T, js string, timeout time.Duration) {
	t.Helper()
	var ok bool
	for deadline := time.Now().Add(timeout); ; time.Sleep(200 * time.Millisecond) {
		b.eval(t, "Boolean("+js+")", &ok)
		if ok {
			return
		}
		if time.Now().After(deadline) {
			var state string
			b.eval(t, pageState, &state)
			t.Fatalf("timed out after %v waiting for %s; page: %s", timeout, js, state)
		}
	}
}

// pageState describes what the widgets drew, for failure messages.
const pageState = `JSON.stringify({
charts: Array.from(document.querySelectorAll(".nbl-chart-wrap")).map(c => ({canvas: c.querySelectorAll("canvas").length, note: (c.querySelector(".nbl-placeholder")||{}).textContent})),
maps: Array.from(document.querySelectorAll(".nbl-map-wrap")).map(m => ({outlines: m.getAttribute("data-outlines"), drawn: m.getAttribute("data-outlines-drawn"), err: m.getAttribute("data-outlines-error"), paths: m.querySelectorAll("path.nbl-outline").length, markers: m.querySelectorAll(".leaflet-interactive,.marker-cluster").length, note: (m.querySelector(".nbl-placeholder")||{}).textContent})),
tables: Array.from(document.querySelectorAll(".nbl-table")).map(t => t.getAttribute("data-wired"))})`

// offlineWant is the least a report must draw.
type offlineWant struct{ charts, maps, tables int }

// allowedRequest reports whether a request the page made offline is
// expected: the page itself and map tiles (which fail, and the map then
// draws the outlines). An asset requested from a URL means the report is
// not self-contained.
func allowedRequest(u string) bool {
	return strings.HasPrefix(u, "file://") || strings.HasPrefix(u, "data:") || strings.HasPrefix(u, "blob:") ||
		strings.Contains(u, "tile.openstreetmap.org") || strings.Contains(u, "tiles.invalid")
}

// checkOfflineReport opens the report at path with the network off and
// checks that every widget drew and every table sorts and filters.
func checkOfflineReport(t *testing.T, path, shot string, want offlineWant) {
	b := newOfflineBrowser(t)
	ctx, cancel := context.WithTimeout(b.ctx, 60*time.Second)
	defer cancel()
	if err := chromedp.Do(ctx, chromedp.Navigate("file://"+path)); err != nil {
		t.Fatalf("open %s: %v", path, err)
	}
	var counts struct{ Charts, Maps, Tables int }
	b.eval(t, `({charts: document.querySelectorAll(".nbl-chart-wrap").length, maps: document.querySelectorAll(".nbl-map-wrap").length, tables: document.querySelectorAll(".nbl-table").length})`, &counts)
	if counts.Charts < want.charts || counts.Maps < want.maps || counts.Tables < want.tables {
		t.Fatalf("report has %d charts, %d maps, %d tables; want at least %d, %d, %d", counts.Charts, counts.Maps, counts.Tables, want.charts, want.maps, want.tables)
	}
	// Every chart has canvases; every map its outlines (Natural Earth) and markers.
	b.poll(t, `Array.from(document.querySelectorAll(".nbl-chart-wrap")).every(c => c.querySelector(".nbl-chart canvas"))`, 30*time.Second)
	b.poll(t, `Array.from(document.querySelectorAll(".nbl-map-wrap")).every(m => m.querySelectorAll("path.nbl-outline").length > 100 && m.querySelector(".leaflet-interactive,.marker-cluster"))`, 30*time.Second)
	b.poll(t, `Array.from(document.querySelectorAll(".nbl-table")).every(t => t.nblTable)`, 10*time.Second)

	// Every table sorts (descending on its last numeric column, else its first) and filters.
	for i := 0; i < counts.Tables; i++ {
		root := fmt.Sprintf(`document.querySelectorAll(".nbl-table")[%d]`, i)
		var col int
		var numeric bool
		b.eval(t, `(function(){var ths=Array.from(`+root+`.querySelectorAll("thead th"));var c=-1;ths.forEach(function(th,i){if(th.classList.contains("num"))c=i;});return c;})()`, &col)
		if numeric = col >= 0; !numeric {
			col = 0
		}
		var view [][]string
		b.eval(t, fmt.Sprintf(`(function(){var s=%s.querySelectorAll("thead th")[%d].querySelector("button.nbl-sort");s.click();s.click();return true;})()`, root, col), nil)
		var got []string
		b.eval(t, fmt.Sprintf(`[%s.querySelectorAll("thead th")[%d].getAttribute("aria-sort")].concat(%s.nblTable.view().map(function(r){return r[%d];}))`, root, col, root, col), &got)
		if len(got) < 2 || got[0] != "descending" {
			t.Errorf("table %d: after two clicks the column is %q, want descending", i, got[:min(1, len(got))])
			continue
		}
		var sorted bool
		b.eval(t, fmt.Sprintf(`(function(v,num){var c=new Intl.Collator(undefined,{numeric:true,sensitivity:"base"});for(var i=1;i<v.length;i++){
var a=v[i-1],b=v[i];if(num){if(a===""||b==="")continue;if(parseFloat(a)<parseFloat(b))return false;}else if(c.compare(a,b)<0)return false;}return true;})(%s,%v)`, mustJSON(got[1:]), numeric), &sorted)
		if !sorted {
			t.Errorf("table %d: column %d not sorted descending: %v", i, col, got[1:min(len(got), 12)])
		}
		b.eval(t, root+`.nblTable.view()`, &view)
		if len(view) == 0 {
			t.Errorf("table %d: no rows", i)
			continue
		}
		q := view[len(view)-1][0]
		if len(q) > 12 {
			q = q[:12]
		}
		var filtered struct {
			Rows   [][]string
			Status string
			CSV    string
		}
		b.eval(t, fmt.Sprintf(`(function(){var r=%s;r.nblTable.filter(%s);return {rows:r.nblTable.view(),status:r.querySelector(".nbl-status").textContent,csv:r.nblTable.csv()};})()`, root, mustJSON(q)), &filtered)
		if len(filtered.Rows) == 0 {
			t.Errorf("table %d: filter %q kept no rows (status %q)", i, q, filtered.Status)
		}
		for _, r := range filtered.Rows {
			if !strings.Contains(strings.ToLower(strings.Join(r, "\x00")), strings.ToLower(q)) {
				t.Errorf("table %d: filter %q kept row %q", i, q, r)
				break
			}
		}
		lines := strings.Split(strings.TrimRight(filtered.CSV, "\r\n"), "\r\n")
		if !strings.HasPrefix(filtered.Status, "rows 1–") || len(lines) < len(filtered.Rows)+1 {
			t.Errorf("table %d: status %q, %d CSV lines for %d rows shown", i, filtered.Status, len(lines), len(filtered.Rows))
		}
		b.eval(t, root+`.nblTable.filter(""), true`, nil)
	}

	png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(artifactsDir(t), shot+".png"), png, 0o644); err != nil {
		t.Fatal(err)
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	for _, u := range b.requests {
		if !allowedRequest(u) {
			t.Errorf("the report asked the network for %s", u)
		}
	}
	for _, e := range b.errors {
		if !strings.Contains(e, "tile.openstreetmap.org") && !strings.Contains(e, "tiles.invalid") && !gonbBootstrapError(e) &&
			!gonbOfflineClose(e) {
			t.Errorf("console: %s", e)
		}
	}
}

// gonbOfflineClose: GoNB's websocket bootstrap (internal/websocket/websocket.js) rejects its
// pending subscriptions with Error("connection closed") when a page with no kernel, here an
// exported notebook opened offline, closes its socket; the message carries no stack to match
// (gonbBootstrapError matches the online variant). None of our scripts throws it.
func gonbOfflineClose(e string) bool {
	return strings.Contains(e, "Uncaught (in promise) Error: connection closed")
}

// TestNotebookExportOffline runs the notebook headless as an analyst on a
// network with no internet would (the asset URL does not answer, so each
// cell's first chart or map carries the embedded assets), exports it to
// HTML, and opens the export with the network off: every chart has its
// canvases, every map its outlines and markers, every table sorts and
// filters.
func TestNotebookExportOffline(t *testing.T) {
	requireTools(t)
	root := repoRoot(t)
	dir := t.TempDir()
	executed := filepath.Join(dir, "NetworkFlowSummary.offline.ipynb")
	ctx, cancel := context.WithTimeout(context.Background(), 8*time.Minute)
	defer cancel()
	nbk, log, err := executeNotebook(ctx, t, filepath.Join(root, filepath.FromSlash(flowNotebook)), executed,
		[]string{"NOTEBOOKLETS_STATE_DIR=" + filepath.Join(dir, "state"), "NOTEBOOKLETS_ASSETS_URL=http://127.0.0.1:1/npm"})
	if err != nil {
		t.Fatal(err)
	}
	for i, c := range nbk.Cells {
		for _, e := range c.Errors() {
			t.Errorf("cell %d: error output: %s\n%s", i, tail(visibleText(e), 1000), tail(log, 1000))
		}
	}
	out := filepath.Join(artifactsDir(t), "NetworkFlowSummary.offline.html")
	if err := exportHTML(ctx, t, executed, out, "--HTMLExporter.require_js_url=data:text/javascript,", "--HTMLExporter.mathjax_url=data:text/javascript,"); err != nil {
		t.Fatal(err)
	}
	if st, err := os.Stat(out); err == nil {
		t.Logf("export %s: %d bytes", out, st.Size())
	}
	checkOfflineReport(t, out, "offline-notebook", offlineWant{charts: 3, maps: 2, tables: 3})
}

func mustJSON(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	return string(b)
}

// widgetReport writes an HTML report built from nb.HTMLReport and the
// widgets, with the default (unreachable) asset and tile URLs: three charts,
// a table of 200,000 rows (the widget holds its bound) and two smaller
// ones, a map whose tiles fail and one with no tiles, the checklist and a
// progress bar.
func widgetReport(t *testing.T, path string) {
	t.Helper()
	t.Setenv("NOTEBOOKLETS_ASSETS_URL", "")
	t.Setenv("NOTEBOOKLETS_TILE_URL", "")
	r := nb.NewHTMLReport("offline report")
	r.AddHead(widgets.InlineAssets())
	r.Heading(1, "Widgets offline")
	t0 := time.Date(2019, 2, 12, 0, 0, 0, 0, time.UTC)
	var https, dns []widgets.Point
	for i := range 5000 {
		tm := t0.Add(time.Duration(i) * time.Minute)
		https = append(https, widgets.Point{Time: tm, Value: float64(i%9 + 1), Tooltip: [][2]string{{"L7Protocol", "https"}}})
		if i%4 == 0 {
			dns = append(dns, widgets.Point{Time: tm, Value: 2, Tooltip: [][2]string{{"L7Protocol", "dns"}}})
		}
	}
	ss := []widgets.Series{{Name: "https", Points: https}, {Name: "dns", Points: dns}}
	for _, c := range []*widgets.TimelineBuilder{widgets.NewTimeline("Flows by protocol"), widgets.NewTimeline("Flows by direction"), widgets.NewValuesPlot("Flow values")} {
		if err := c.Series(ss...).On(r).Done(); err != nil {
			t.Fatal(err)
		}
	}
	index := widgets.NewTable("flow-index", widgets.Column{Title: "source"}, widgets.Column{Title: "dest"}, widgets.Column{Title: "L7Protocol"},
		widgets.Column{Title: "FlowDirection"}, widgets.Column{Title: "TotalAllowedFlows", Bar: true, Numeric: true})
	for i := range 200_000 {
		index.Row("10.0.3.5", fmt.Sprintf("13.%d.%d.%d", i>>16&255, i>>8&255, i&255), []string{"https", "dns", "ldap"}[i%3], "O", int64(i*7919%1000+1))
	}
	summary := widgets.NewTable("flow-summary", widgets.Column{Title: "DestASN"}, widgets.Column{Title: "TotalAllowedFlows", Bar: true, Numeric: true}, widgets.Column{Title: "dest_ips"})
	for i := range 300 {
		summary.Row(fmt.Sprintf("AS%d <b>org</b>", 64500+i), int64(i*37%301), []string{"13.1.1.1", fmt.Sprintf("13.2.2.%d", i%250)})
	}
	ti := widgets.NewTable("ti", widgets.Column{Title: "Ioc"}, widgets.Column{Title: "Severity"}, widgets.Column{Title: "Details"})
	for i := range 12 {
		ti.Row(fmt.Sprintf("13.2.2.%d", i), []string{"high", "low", "medium"}[i%3], "=HYPERLINK(\"x\") pulse")
	}
	for _, tb := range []*widgets.TableBuilder{index, summary, ti} {
		if err := tb.On(r).Done(); err != nil {
			t.Fatal(err)
		}
	}
	for _, a := range []widgets.Assets{{}, {TileURL: widgets.NoTiles}} {
		m := widgets.NewMap("map").Assets(a).Layer(widgets.Layer{Name: "Host", Color: "green"}).Layer(widgets.Layer{Name: "Outbound", Color: "blue"}).Layer(widgets.Layer{Name: "Threats", Color: "red"})
		m.Marker(widgets.Marker{Lat: 47.6, Lon: -122.3, Layer: "Host", Tooltip: "10.0.3.5"})
		for i := range 40 {
			m.Marker(widgets.Marker{Lat: 51.5 + float64(i)*0.02, Lon: -0.1, Layer: "Outbound", Tooltip: fmt.Sprintf("81.2.69.%d GB", i)})
		}
		m.Marker(widgets.Marker{Lat: 35.7, Lon: 139.7, Layer: "Threats", Tooltip: "1.2.3.4 JP", Popup: [][2]string{{"severity", "high"}}})
		if err := m.On(r).Done(); err != nil {
			t.Fatal(err)
		}
	}
	cl := widgets.NewChecklist("asn", widgets.Item{ID: "AS1", Default: true}, widgets.Item{ID: "AS2"}).On(r)
	if err := cl.Done(); err != nil {
		t.Fatal(err)
	}
	p := widgets.NewProgress(r, "ti", "TI lookup", 3)
	p.Add(3)
	p.Done()
	if err := r.WriteFile(path); err != nil {
		t.Fatal(err)
	}
	if st, err := os.Stat(path); err == nil {
		t.Logf("report %s: %d bytes", path, st.Size())
	}
}

// TestOfflineReport opens a report built from nb.HTMLReport and the widgets
// with the network off.
func TestOfflineReport(t *testing.T) {
	path := filepath.Join(t.TempDir(), "report.html")
	widgetReport(t, path)
	checkOfflineReport(t, path, "offline-report", offlineWant{charts: 3, maps: 2, tables: 3})
}

// TestOfflineCLIReport opens the command line's report of the sample host
// (notebooklet run NetworkFlowSummary --value msticalertswin1 --options
// +geo_map --html F) with the network off.
func TestOfflineCLIReport(t *testing.T) {
	root := repoRoot(t)
	dir := t.TempDir()
	bin := filepath.Join(dir, "notebooklet")
	build := exec.Command("go", "build", "-o", bin, "./cmd/notebooklet")
	build.Dir = root
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build ./cmd/notebooklet: %v\n%s", err, out)
	}
	path := filepath.Join(dir, "report.html")
	cmd := exec.Command(bin, "run", "NetworkFlowSummary", "--value", "msticalertswin1", "--options", "+geo_map", "--html", path)
	cmd.Dir = dir
	var env []string
	for _, e := range os.Environ() {
		if !strings.HasPrefix(e, "NOTEBOOKLETS_") && !strings.HasPrefix(e, "MSTICPYCONFIG=") {
			env = append(env, e)
		}
	}
	cmd.Env = append(env, "HOME="+dir)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("notebooklet run: %v\n%s", err, out)
	}
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(b), `data-nbl-asset="leaflet@`) {
		t.Fatalf("the CLI's report does not inline the widgets' assets: the report needs report.AddHead(widgets.InlineAssets()) (%d bytes)", len(b))
	}
	t.Logf("CLI report: %d bytes", len(b))
	checkOfflineReport(t, path, "offline-cli-report", offlineWant{charts: 3, maps: 1, tables: 2})
}

//go:build e2e

package e2e

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"
)

// TestNotebookRenderedHTML exports the executed notebook to HTML (PyPI nbconvert's lab template,
// nbconvert --to html) and opens it in Chromium, once with RequireJS (the page loads the pinned
// requirejs from the local asset server: the classic-Notebook path, where UMD modules register
// with AMD) and once without (the JupyterLab / plain HTML path). MathJax, which the template
// would load from a CDN, is left out (no formula in the notebook). Each must show echarts
// canvases, Leaflet markers or clusters, the flow index table with bars, and log no script
// error (unreachable map tiles excepted: the tests serve a local tile, so none is expected).
// A screenshot of each section goes to $ARTIFACTS_DIR.
func TestNotebookRenderedHTML(t *testing.T) {
	executedNotebook(t)
	assetsURL := ""
	for _, e := range headless.assetEnv {
		if v, ok := strings.CutPrefix(e, "NOTEBOOKLETS_ASSETS_URL="); ok {
			assetsURL = v
		}
	}
	if assetsURL == "" {
		t.Fatal("no asset server URL")
	}
	noMathJax := "--HTMLExporter.mathjax_url=data:text/javascript,"
	for _, v := range []struct {
		name  string
		extra []string
	}{
		{"requirejs", []string{"--HTMLExporter.require_js_url=" + assetsURL + "/requirejs@2.3.8/require.js", noMathJax}},
		{"no-requirejs", []string{"--HTMLExporter.require_js_url=data:text/javascript,", noMathJax}},
	} {
		t.Run(v.name, func(t *testing.T) {
			out := filepath.Join(artifactsDir(t), "NetworkFlowSummary."+v.name+".html")
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
			defer cancel()
			if err := exportHTML(ctx, t, headless.path, out, v.extra...); err != nil {
				t.Fatal(err)
			}
			checkRendered(t, out, v.name)
		})
	}
}

type renderFacts struct {
	Echarts        int      `json:"echarts"`
	EchartsCanvas  int      `json:"echartsCanvas"`
	Leaflet        int      `json:"leaflet"`
	LeafletDrawn   int      `json:"leafletDrawn"`
	Markers        int      `json:"markers"`
	Clusters       int      `json:"clusters"`
	FlowTables     int      `json:"flowTables"`
	Bars           int      `json:"bars"`
	Titles         []string `json:"titles"`
	RequireJS      bool     `json:"requirejs"`
	TilesRequested int      `json:"tiles"`
}

func (f *renderFacts) add(g renderFacts) {
	f.Echarts += g.Echarts
	f.EchartsCanvas += g.EchartsCanvas
	f.Leaflet += g.Leaflet
	f.LeafletDrawn += g.LeafletDrawn
	f.Markers += g.Markers
	f.Clusters += g.Clusters
	f.FlowTables += g.FlowTables
	f.Bars += g.Bars
	f.Titles = append(f.Titles, g.Titles...)
	f.TilesRequested += g.TilesRequested
	f.RequireJS = f.RequireJS || g.RequireJS
}

// renderFactsJS counts, under the element scope evaluates to (document for a whole page),
// what the widgets drew: echarts instances and their visible canvases, Leaflet maps (drawn:
// with a map pane), markers, clusters, flow index tables and their inline bars, the section
// headings outside the help cell, whether RequireJS is loaded and how many tiles loaded.
func renderFactsJS(scope string) string {
	return `(() => {
		const root = ` + scope + `;
		if (!root) return {};
		const visible = (el) => { const r = el.getBoundingClientRect(); return r.width > 0 && r.height > 0; };
		const q = (s) => [...root.querySelectorAll(s)];
		const flowTables = q('table').filter(tb => /TotalAllowedFlows/.test((tb.tHead || tb).textContent) && /L7Protocol/.test(tb.textContent));
		// A bar: a cell (or an element in it) drawn with a gradient (pandas Styler.bar style) or a
		// percentage width / "bar" class, visible.
		const isBar = (el) => visible(el) && (/gradient/.test(getComputedStyle(el).backgroundImage) ||
			/bar/i.test(typeof el.className === 'string' ? el.className : '') || /width:\s*[0-9.]+%/.test(el.getAttribute('style') || ''));
		const bars = flowTables.flatMap(tb => [...tb.querySelectorAll('td, td *')].filter(isBar));
		return {
			echarts: q('[_echarts_instance_]').length,
			echartsCanvas: q('[_echarts_instance_] canvas').filter(visible).length,
			leaflet: q('.leaflet-container').length,
			leafletDrawn: q('.leaflet-container').filter(m => m.querySelector('.leaflet-map-pane')).length,
			markers: q('.leaflet-marker-icon:not(.marker-cluster), .leaflet-overlay-pane path.leaflet-interactive').length,
			clusters: q('.marker-cluster').length,
			flowTables: flowTables.length,
			bars: bars.length,
			titles: q('h1, h2, h3, h4, h5, h6').filter(h => { const c = h.closest('.jp-Cell, .cell'); return !(c && /nb\.Help\(/.test((c.querySelector('.jp-InputArea, .input') || {}).textContent || '')); })
				.map(h => h.textContent.replace('¶', '').trim()),
			requirejs: typeof window.requirejs === 'function',
			tiles: q('img.leaflet-tile-loaded').length,
		}; })()`
}

func checkRendered(t *testing.T, htmlPath, name string) {
	b := newBrowser(t)
	if err := b.do(time.Minute, chromedp.Navigate("file://"+htmlPath)); err != nil {
		t.Fatal(err)
	}
	titles := sectionTitles(t)
	factsJS := renderFactsJS("document")
	var f renderFacts
	deadline := time.Now().Add(60 * time.Second)
	for {
		var err error
		f, err = evalAs[renderFacts](b, factsJS)
		if err != nil {
			t.Fatal(err)
		}
		if (f.EchartsCanvas >= 3 && f.Markers+f.Clusters > 0 && f.Bars > 0) || time.Now().After(deadline) {
			break
		}
		time.Sleep(300 * time.Millisecond)
	}
	t.Logf("%s: %d echarts (%d canvases), %d maps, %d markers, %d clusters, %d flow tables with %d bars, %d tiles, RequireJS %v",
		name, f.Echarts, f.EchartsCanvas, f.Leaflet, f.Markers, f.Clusters, f.FlowTables, f.Bars, f.TilesRequested, f.RequireJS)
	if f.EchartsCanvas < 3 {
		t.Errorf("%d echarts canvases drawn, want ≥ 3 (protocol, direction, values timelines)", f.EchartsCanvas)
	}
	if f.Leaflet < 2 || f.Markers+f.Clusters == 0 {
		t.Errorf("%d Leaflet maps with %d markers and %d clusters; want the two maps with markers or clusters", f.Leaflet, f.Markers, f.Clusters)
	}
	if f.FlowTables == 0 || f.Bars == 0 {
		t.Errorf("%d flow tables, %d bars; want the flow index table with bars", f.FlowTables, f.Bars)
	}
	wantRequire := name == "requirejs"
	if f.RequireJS != wantRequire {
		t.Errorf("RequireJS present = %v, want %v for this variant", f.RequireJS, wantRequire)
	}
	var errs, kernelless []string
	for _, e := range b.Errors() {
		switch {
		case strings.Contains(e, "/tiles/") || strings.Contains(strings.ToLower(e), "tile"):
			// unreachable tiles are allowed
		case gonbBootstrapError(e):
			kernelless = append(kernelless, e)
		default:
			errs = append(errs, e)
		}
	}
	if len(kernelless) > 0 {
		t.Logf("allowed: %d errors of GoNB's own websocket bootstrap, saved in the notebook by the headless run and unable to reach a kernel from a static page", len(kernelless))
	}
	if len(errs) > 0 {
		t.Errorf("script errors in the exported HTML:\n%s", strings.Join(errs, "\n"))
	}
	for _, want := range []string{"echarts@5.5.1/dist/echarts.min.js", "leaflet@1.9.4/dist/leaflet.js", "leaflet.markercluster@1.5.3/dist/leaflet.markercluster.js"} {
		if !slices.ContainsFunc(headless.assets.Requests(), func(r string) bool { return strings.HasSuffix(r, want) }) {
			t.Errorf("%s was not loaded from the local asset server", want)
		}
	}
	for _, title := range titles {
		if !slices.ContainsFunc(f.Titles, func(h string) bool { return strings.Contains(h, title) }) {
			t.Errorf("no heading %q in the exported HTML", title)
		}
	}
	screenshotSections(t, b, name, titles)
}

// screenshotSections saves, for each section title, the page from its heading to the next
// section heading as $ARTIFACTS_DIR/<variant>-<nn>-<title>.png.
func screenshotSections(t *testing.T, b *browser, variant string, titles []string) {
	type rect struct {
		Title string  `json:"title"`
		X     float64 `json:"x"`
		Y     float64 `json:"y"`
		W     float64 `json:"w"`
		H     float64 `json:"h"`
	}
	titlesJSON := "[" + strings.Join(func() []string {
		var q []string
		for _, s := range titles {
			q = append(q, fmt.Sprintf("%q", s))
		}
		return q
	}(), ",") + "]"
	rects, err := evalAs[[]rect](b, `(() => {
		const titles = `+titlesJSON+`;
		// Section headings outside the help cell (nb.Help lists every section too), first of each.
		const seen = new Set();
		const hs = [...document.querySelectorAll('h1, h2, h3, h4, h5, h6')]
			.filter(h => { const c = h.closest('.jp-Cell, .cell'); return !(c && /nb\.Help\(/.test((c.querySelector('.jp-InputArea, .input') || {}).textContent || '')); })
			.map(h => ({h, title: titles.find(t => h.textContent.includes(t))}))
			.filter(x => x.title && !seen.has(x.title) && seen.add(x.title));
		const top = (el) => el.getBoundingClientRect().top + window.scrollY;
		const docH = document.documentElement.scrollHeight;
		const w = Math.min(document.documentElement.scrollWidth, 1400);
		return hs.map((x, k) => {
			const y = top(x.h) - 8;
			const end = k + 1 < hs.length ? top(hs[k + 1].h) - 8 : Math.min(docH, y + 1600);
			return {title: x.title, x: 0, y, w, h: Math.max(40, Math.min(end - y, 4000))};
		}); })()`)
	if err != nil {
		t.Errorf("section rectangles: %v", err)
		return
	}
	for k, r := range rects {
		shot, err := chromedp.Call(b.ctx, page.CaptureScreenshot, page.CaptureScreenshotParams{
			Format:                page.CaptureScreenshotFormatPng,
			CaptureBeyondViewport: ptr(true),
			Clip:                  &page.Viewport{X: r.X, Y: r.Y, Width: r.W, Height: r.H, Scale: 1},
		})
		if err != nil {
			t.Errorf("screenshot of %q: %v", r.Title, err)
			continue
		}
		name := fmt.Sprintf("%s-%02d-%s.png", variant, k, sanitize(strings.TrimRight(r.Title, ".")))
		if err := os.WriteFile(filepath.Join(artifactsDir(t), name), shot.Data, 0o644); err != nil {
			t.Error(err)
		}
	}
	t.Logf("%d section screenshots in %s", len(rects), artifactsDir(t))
}

func ptr[T any](v T) *T { return &v }

// gonbBootstrapError: GoNB v0.11.3 writes its websocket bootstrap script (gonb_comm) into the
// cell output whenever a program uses comms (the ASN selector does); nbconvert keeps it, and in
// an exported page with no kernel it logs these errors. Like unreachable tiles, they are a live
// connection a static page cannot have, not a script error of ours. The ASN selector asks
// GoNB once to check its connection when no page answers (comms.Start), so a headless run
// saves the bootstrap twice, and the second one reports the first as still running.
func gonbBootstrapError(e string) bool {
	return strings.Contains(e, "/api/kernels/") && strings.Contains(e, "WebSocket connection") ||
		strings.Contains(e, "gonb_comm: failed to connect to kernel") ||
		strings.Contains(e, "gonb_comm already running: we assume this is after a kernel restart") ||
		strings.Contains(e, "Error: connection closed") && strings.Contains(e, "gonb_comm._websocket.onclose")
}

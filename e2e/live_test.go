//go:build e2e

package e2e

import (
	"fmt"
	"net/netip"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// TestJupyterLabLive runs notebooks/NetworkFlowSummary.ipynb in JupyterLab 4 in headless
// Chromium as an analyst does (see runLive), then checks the help by name (nb.Help in a cell,
// Shift+Tab and the Contextual Help panel on flowsummary.New), and takes section screenshots
// in the Light and Dark themes with a text-contrast check.
func TestJupyterLabLive(t *testing.T) {
	lv := runLive(t, appLab)
	t.Run("HelpCell", func(t *testing.T) { checkHelpCell(t, lv) })
	t.Run("ContextualHelp", func(t *testing.T) { checkContextualHelp(t, lv) })
	t.Run("Themes", func(t *testing.T) { checkThemes(t, lv) })
	lv.checkConsole(t)
}

// TestNotebook7Live runs the same flow in Notebook 7: its file list (/tree), the notebook
// opened from it in a new tab, the cells run with Shift+Enter, the ASN selector clicked.
func TestNotebook7Live(t *testing.T) {
	lv := runLive(t, appNotebook7)
	lv.checkConsole(t)
}

// liveRun is a notebook run in a live front end, kept open for further checks.
type liveRun struct {
	app     jupyterApp
	srv     *jupyterServer
	b       *browser
	p       *labPage
	nb      *notebook // the notebook as committed
	path    string    // the copy the front end opened and saved
	state   string    // NOTEBOOKLETS_STATE_DIR
	saved   *notebook // as saved by the front end after the first pass
	assets  *assetHandler
	chosen  []string
	timings map[int][2]time.Duration
	// applyTimes: per pass, the selector's Apply click to the cell done.
	applyTimes []time.Duration
}

// liveCopy copies the committed notebook src (slash-separated, under the checkout) to e2e/artifacts/<dir>/ (inside the checkout, so the
// notebook's setup cell finds the module above it; gitignored), where the front end may save
// it: the committed file is never written. It returns the copy's path relative to the root.
func liveCopy(t testing.TB, src, dir string) (rel, abs string) {
	t.Helper()
	root := repoRoot(t)
	d := filepath.Join(root, "e2e", "artifacts", dir)
	if err := os.RemoveAll(d); err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(d, 0o755); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(filepath.Join(root, filepath.FromSlash(src)))
	if err != nil {
		t.Fatal(err)
	}
	abs = filepath.Join(d, path.Base(src))
	if err := os.WriteFile(abs, b, 0o644); err != nil {
		t.Fatal(err)
	}
	return "e2e/artifacts/" + dir + "/" + path.Base(src), abs
}

// runLive opens the notebook in app through its file browser and runs every cell in order with
// Shift+Enter, twice (a fresh kernel, then warm), timing each from the key press to the cell
// done. In the ASN selector (first pass) it presses "Select none", ticks two ASNs (one ticked
// by default, one not), presses Apply, and checks that the saved selection, the TI lookup and
// the selected-ASN map use exactly those two. It checks that every section rendered (echarts
// canvases, Leaflet markers and clusters, table bars), saves the notebook with Ctrl+S and
// checks the saved outputs for errors. The timings go to artifacts/timings-<app>.txt.
func runLive(t *testing.T, app jupyterApp) *liveRun {
	requireTools(t)
	root := repoRoot(t)
	lv := &liveRun{app: app, state: t.TempDir(), timings: map[int][2]time.Duration{}}
	var env []string
	lv.assets, env = startAssetServer(t)
	rel, abs := liveCopy(t, flowNotebook, "live-"+string(app))
	lv.path = abs
	var err error
	if lv.nb, err = readNotebook(abs); err != nil {
		t.Fatal(err)
	}
	lv.srv = startJupyter(t, app, root, append([]string{"NOTEBOOKLETS_STATE_DIR=" + lv.state}, env...))
	lv.b = newBrowser(t)
	lv.p = openInFileBrowser(t, lv.b, lv.srv, rel)
	if err := lv.b.poll(fmt.Sprintf(`__e2e.cells().length === %d`, len(lv.nb.Cells)), 30*time.Second); err != nil {
		n, _ := lv.p.cellCount()
		t.Fatalf("%s shows %d cells, the notebook has %d: %v", app, n, len(lv.nb.Cells), err)
	}
	cells := map[string]int{}
	for _, s := range []string{"SelectASNs(", "LookupTIForASNIPs(", "ShowSelectedASNMap(", "Run(ctx", "nb.Help("} {
		cells[s] = cellWith(lv.nb, s)
	}
	if cells["Run(ctx"] < 0 {
		cells["Run(ctx"] = cellWith(lv.nb, ".Run(context")
	}
	for s, i := range cells {
		if i < 0 {
			t.Fatalf("no code cell contains %q", s)
		}
	}
	selectIdx, tiIdx, mapIdx := cells["SelectASNs("], cells["LookupTIForASNIPs("], cells["ShowSelectedASNMap("]

	for pass := 0; pass < 2; pass++ {
		if err := lv.p.selectCell(0); err != nil {
			t.Fatalf("pass %d: select the first cell: %v", pass, err)
		}
		for i, c := range lv.nb.Cells {
			if i > 0 && i-1 == selectIdx {
				// The clicks in the selector made its cell the active one: click the next cell,
				// as the analyst does, to go on.
				if err := lv.p.selectCell(i); err != nil {
					t.Fatalf("pass %d: select cell %d after the selector: %v", pass, i, err)
				}
			}
			if got, _ := evalAs[int](lv.b, `__e2e.activeIndex()`); got != i {
				t.Fatalf("pass %d: Shift+Enter should have moved to cell %d, the active cell is %d", pass, i, got)
			}
			if c.CellType != "code" {
				if err := lv.p.shiftEnter(); err != nil {
					t.Fatal(err)
				}
				continue
			}
			before, err := evalAs[string](lv.b, fmt.Sprintf(`__e2e.prompt(%d)`, i))
			if err != nil {
				t.Fatal(err)
			}
			t0 := time.Now()
			if err := lv.p.shiftEnter(); err != nil {
				t.Fatal(err)
			}
			var d time.Duration
			if i == selectIdx {
				d = lv.selectASNs(t, i, pass, before)
			} else {
				if err := lv.p.waitCell(i, before, 5*time.Minute); err != nil {
					text, _ := lv.p.cellText(i)
					t.Fatalf("pass %d cell %d (%s): %v\n%s", pass, i, firstLine(string(c.Source)), err, tail(text, 3000))
				}
				d = time.Since(t0)
			}
			t.Logf("%s pass %d cell %2d %-60q %v", app, pass, i, firstLine(string(c.Source)), d.Round(time.Millisecond))
			tm := lv.timings[i]
			tm[pass] = d
			lv.timings[i] = tm
			if pass > 0 {
				continue
			}
			switch i {
			case tiIdx:
				saved := loadSaved(t, lv.state)
				if saved.TIResults == nil {
					t.Fatal("no TI results saved after LookupTIForASNIPs")
				}
				want := saved.ipsOfASNs(lv.chosen)
				if got := sortedCopy(saved.TIResults.IPs); len(want) == 0 || !slices.Equal(got, want) {
					t.Errorf("TI lookup used IPs %v, want exactly the IPs of %v: %v", got, lv.chosen, want)
				}
				if text, _ := lv.p.cellText(i); !strings.Contains(text, fmt.Sprint(len(want))) {
					t.Errorf("TI cell does not show the count %d of IPs looked up:\n%s", len(want), tail(text, 2000))
				}
			case mapIdx:
				text, _ := lv.p.cellText(i)
				checkThreatsOnMap(t, text, loadSaved(t, lv.state))
			}
		}
		if pass == 0 {
			lv.checkRendered(t)
			if err := lv.p.save(abs); err != nil {
				t.Fatalf("Ctrl+S: %v", err)
			}
			if lv.saved, err = readNotebook(abs); err != nil {
				t.Fatal(err)
			}
			lv.checkSaved(t, mapIdx)
		}
	}
	lv.writeTimings(t)
	if reqs := lv.assets.Requests(); !slices.ContainsFunc(reqs, func(r string) bool { return strings.Contains(r, "echarts@") }) {
		t.Errorf("no JS asset was loaded from the local asset server (requests %v)", reqs)
	}
	return lv
}

// checkConsole fails on console errors of the page.
func (lv *liveRun) checkConsole(t *testing.T) {
	t.Helper()
	if errs := lv.b.Errors(); len(errs) > 0 {
		t.Errorf("console errors in %s:\n%s", lv.app, strings.Join(errs, "\n"))
	}
	if own := lv.b.FrontEndErrors(); len(own) > 0 {
		t.Logf("%d errors of %s's own code (not of an output), allowed:\n%s", len(own), lv.app, tail(strings.Join(own, "\n"), 1500))
	}
}

// writeTimings logs and saves the per-cell times of both passes.
func (lv *liveRun) writeTimings(t *testing.T) {
	var report strings.Builder
	fmt.Fprintf(&report, "# live %s + GoNB, %s: cell, first run in a fresh kernel, second run (warm); from Shift+Enter to the cell done (GoNB build + run); the selector from Shift+Enter to its Apply button, and Apply to done\n",
		lv.app, time.Now().UTC().Format(time.RFC3339))
	for _, i := range codeCells(lv.nb) {
		fmt.Fprintf(&report, "%2d  %-75s  %7s  %7s\n", i, firstLine(string(lv.nb.Cells[i].Source)), fmtDur(lv.timings[i][0]), fmtDur(lv.timings[i][1]))
	}
	for k, d := range lv.applyTimes {
		fmt.Fprintf(&report, "selector pass %d: Apply to cell done %s\n", k, fmtDur(d))
	}
	t.Log("\n" + report.String())
	_ = os.WriteFile(filepath.Join(artifactsDir(t), "timings-"+string(lv.app)+".txt"), []byte(report.String()), 0o644)
}

// checkSaved checks the notebook as the front end saved it after the first pass: no error
// outputs, no stderr saying error, and the selected-ASN map holds addresses of the two chosen
// ASNs only (the host's and private addresses aside).
func (lv *liveRun) checkSaved(t *testing.T, mapIdx int) {
	t.Helper()
	for i, c := range lv.saved.Cells {
		if c.CellType != "code" || isAllComments(string(c.Source)) { // comments only (or the empty cell Shift+Enter added at the end)
			continue
		}
		if len(c.Outputs) == 0 {
			t.Errorf("saved notebook: cell %d (%s) has no outputs", i, firstLine(string(c.Source)))
		}
		for _, e := range c.Errors() {
			t.Errorf("saved notebook: cell %d (%s): error output: %s", i, firstLine(string(c.Source)), tail(visibleText(e), 2000))
		}
		for _, o := range c.Outputs {
			if o.OutputType == "stream" && o.Name == "stderr" && strings.Contains(strings.ToLower(string(o.Text)), "error") {
				t.Errorf("saved notebook: cell %d: stderr: %s", i, tail(string(o.Text), 2000))
			}
		}
	}
	saved := loadSaved(t, lv.state)
	chosenIPs := saved.ipsOfASNs(lv.chosen)
	hostIPs := append([]string{saved.HostEntity.IPAddress}, saved.HostEntity.PublicIPs...)
	if saved.GeoMapSelData == nil || len(saved.GeoMapSelData.Points) == 0 {
		t.Fatal("no points saved for the selected-ASN map")
	}
	placed := 0
	for _, p := range saved.GeoMapSelData.Points {
		if p.Role == "host" || slices.Contains(hostIPs, p.IP) {
			continue
		}
		placed++
		if !slices.Contains(chosenIPs, p.IP) {
			t.Errorf("the selected-ASN map places %s (%s), not an address of the chosen ASNs %v", p.IP, p.Role, lv.chosen)
		}
	}
	if placed == 0 {
		t.Errorf("the selected-ASN map places none of the chosen ASNs' addresses %v", chosenIPs)
	}
	// What the page got: the map cell's saved output names no address of another ASN.
	mapHTML := lv.saved.Cells[mapIdx].Text()
	for _, ip := range saved.ipsOfASNs(saved.allASNs()) {
		if a, err := netip.ParseAddr(ip); err == nil && !a.IsPrivate() && !slices.Contains(chosenIPs, ip) && !slices.Contains(hostIPs, ip) && containsAddr(mapHTML, ip) {
			t.Errorf("the selected-ASN map cell shows %s, an address of an ASN that was not chosen (%v)", ip, lv.chosen)
		}
	}
	t.Logf("selected-ASN map: %d points of the %d addresses of %v", placed, len(chosenIPs), lv.chosen)
}

// containsAddr reports whether ip occurs in s as a whole address (not inside a longer one).
func containsAddr(s, ip string) bool {
	re := regexp.MustCompile(`(^|[^0-9A-Fa-f.:])` + regexp.QuoteMeta(ip) + `($|[^0-9A-Fa-f.:])`)
	return re.MatchString(s)
}

// selectASNs drives the ASN selector in cell i after its Shift+Enter. On the first pass it
// chooses two ASNs (the first ticked by default and the first not), presses "Select none",
// ticks them, presses Apply, and checks the saved selection; on the second pass it presses
// Apply on what is shown. It returns the time from the key press to an enabled Apply.
func (lv *liveRun) selectASNs(t *testing.T, i, pass int, before string) time.Duration {
	t.Helper()
	b := lv.b
	t0 := time.Now()
	ready := fmt.Sprintf(`(() => {
		const el = __e2e.out(%d);
		const boxes = el ? [...el.querySelectorAll('input[type=checkbox]')] : [];
		const apply = el && el.querySelector('[data-action="apply"]');
		if (!boxes.length || !apply || apply.disabled)
			return (/^\[\d+\]:?$/.test(__e2e.prompt(%d)) && __e2e.prompt(%d) !== %q) ? 'finished' : '';
		boxes.forEach((x, k) => x.setAttribute('data-e2e', 'box-' + k));
		apply.setAttribute('data-e2e', 'apply');
		const none = el.querySelector('[data-action="none"]');
		if (none) none.setAttribute('data-e2e', 'none');
		return 'ready'; })()`, i, i, i, before)
	for deadline := time.Now().Add(3 * time.Minute); ; time.Sleep(100 * time.Millisecond) {
		state, err := evalAs[string](b, ready)
		if err == nil && state == "ready" {
			break
		}
		if state == "finished" || time.Now().After(deadline) {
			text, _ := lv.p.cellText(i)
			t.Fatalf("ASN selector (checkboxes and an enabled Apply) not shown; cell %s: %v\n%s", state, err, tail(text, 3000))
		}
	}
	readyAfter := time.Since(t0)
	type box struct {
		K       int    `json:"k"`
		ID      string `json:"id"`
		Checked bool   `json:"checked"`
		Default bool   `json:"default"`
	}
	boxes, err := evalAs[[]box](b, fmt.Sprintf(`[...__e2e.out(%d).querySelectorAll('input[type=checkbox][data-e2e]')].map((x, k) => ({
		k, id: x.value, checked: x.checked, default: !!x.closest('tr.nbl-default') }))`, i))
	if err != nil {
		t.Fatal(err)
	}
	if pass == 0 {
		var def, other string
		for _, x := range boxes {
			// A rare default, preferably the sample's bulletproof hoster (its addresses are
			// the threat-intel positives), and a common one.
			if x.Default && (def == "" || x.ID == "AS65537") {
				def = x.ID
			}
			if !x.Default && other == "" && x.ID != "" {
				other = x.ID
			}
		}
		if def == "" || other == "" {
			t.Fatalf("cannot choose a default and a non-default ASN among the checkboxes %+v", boxes)
		}
		lv.chosen = []string{def, other}
		if err := b.do(30*time.Second, chromedp.Click(chromedp.CSS(`[data-e2e="none"]`))); err != nil {
			t.Fatalf("Select none: %v", err)
		}
		for _, x := range boxes {
			if slices.Contains(lv.chosen, x.ID) {
				if err := b.do(30*time.Second, chromedp.ScrollIntoView(chromedp.CSS(fmt.Sprintf(`[data-e2e="box-%d"]`, x.K))),
					chromedp.Click(chromedp.CSS(fmt.Sprintf(`[data-e2e="box-%d"]`, x.K)))); err != nil {
					t.Fatalf("tick %s: %v", x.ID, err)
				}
			}
		}
		checked, err := evalAs[[]string](b, fmt.Sprintf(`[...__e2e.out(%d).querySelectorAll('input[type=checkbox][data-e2e]')].filter(x => x.checked).map(x => x.value)`, i))
		if err != nil || !slices.Equal(sortedCopy(checked), sortedCopy(lv.chosen)) {
			t.Fatalf("after Select none and two clicks the ticked boxes are %v (%v), want %v", checked, err, lv.chosen)
		}
	}
	t1 := time.Now()
	if err := b.do(30*time.Second, chromedp.ScrollIntoView(chromedp.CSS(`[data-e2e="apply"]`)), chromedp.Click(chromedp.CSS(`[data-e2e="apply"]`))); err != nil {
		t.Fatal(err)
	}
	if err := lv.p.waitCell(i, before, 2*time.Minute); err != nil {
		text, _ := lv.p.cellText(i)
		t.Fatalf("after Apply: %v\ncell: %s", err, tail(text, 3000))
	}
	apply := time.Since(t1)
	lv.applyTimes = append(lv.applyTimes, apply)
	t.Logf("%s pass %d: selector ready %v after Shift+Enter; Apply to cell done %v", lv.app, pass, readyAfter.Round(time.Millisecond), apply.Round(time.Millisecond))
	if pass == 0 {
		saved := loadSaved(t, lv.state)
		if !saved.Selected || !slices.Equal(sortedCopy(saved.SelectedASNs), sortedCopy(lv.chosen)) {
			text, _ := lv.p.cellText(i)
			t.Fatalf("saved selection %v, want %v\ncell: %s", saved.SelectedASNs, lv.chosen, tail(text, 2000))
		}
	}
	return readyAfter
}

// checkRendered brings each chart and map into view (JupyterLab skips the rendering of cells out
// of view, and the widgets draw when they are shown), waits until it is drawn, then counts what
// the widgets drew in each cell: at least 3 echarts canvases (protocol, direction, values
// timelines), the two Leaflet maps with markers and clusters, the flow index table with bars.
func (lv *liveRun) checkRendered(t *testing.T) {
	t.Helper()
	n, err := evalAs[int](lv.b, `__e2e.panel().querySelectorAll('.jp-OutputArea-output .nbl-chart-wrap, .jp-OutputArea-output .nbl-map-wrap').length`)
	if err != nil {
		t.Fatal(err)
	}
	for k := 0; k < n; k++ {
		drawn := fmt.Sprintf(`(() => { const w = __e2e.panel().querySelectorAll('.jp-OutputArea-output .nbl-chart-wrap, .jp-OutputArea-output .nbl-map-wrap')[%d];
			w.scrollIntoView({block: 'center'});
			return !!w.querySelector('[_echarts_instance_] canvas, .leaflet-map-pane'); })()`, k)
		if err := lv.b.poll(drawn, 30*time.Second); err != nil {
			what, _ := evalAs[string](lv.b, fmt.Sprintf(`(() => { const w = __e2e.panel().querySelectorAll('.jp-OutputArea-output .nbl-chart-wrap, .jp-OutputArea-output .nbl-map-wrap')[%d]; return w.className + ': ' + w.innerText.slice(0, 300); })()`, k))
			t.Errorf("chart/map %d of %d not drawn when shown: %v\n%s", k+1, n, err, what)
		}
	}
	var total renderFacts
	for _, i := range codeCells(lv.nb) {
		if err := lv.b.eval(fmt.Sprintf(`__e2e.cell(%d).scrollIntoView({block: 'start'}); true`, i)); err != nil {
			t.Fatal(err)
		}
		time.Sleep(100 * time.Millisecond)
		f, err := evalAs[renderFacts](lv.b, renderFactsJS(fmt.Sprintf(`__e2e.out(%d)`, i)))
		if err != nil {
			t.Fatal(err)
		}
		total.add(f)
	}
	t.Logf("%s: %d charts and maps; %d echarts (%d canvases), %d maps (%d drawn), %d markers, %d clusters, %d flow tables with %d bars",
		lv.app, n, total.Echarts, total.EchartsCanvas, total.Leaflet, total.LeafletDrawn, total.Markers, total.Clusters, total.FlowTables, total.Bars)
	if total.EchartsCanvas < 3 || total.EchartsCanvas < total.Echarts {
		t.Errorf("%d of %d echarts drew a canvas, want all and ≥ 3 (protocol, direction, values timelines)", total.EchartsCanvas, total.Echarts)
	}
	if total.LeafletDrawn < 2 || total.Markers == 0 || total.Clusters == 0 {
		t.Errorf("%d Leaflet maps drawn with %d markers and %d clusters; want the two maps with markers and clusters", total.LeafletDrawn, total.Markers, total.Clusters)
	}
	if total.FlowTables == 0 || total.Bars == 0 {
		t.Errorf("%d flow tables, %d bars; want the flow index table with bars", total.FlowTables, total.Bars)
	}
}

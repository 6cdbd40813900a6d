//go:build e2e

package e2e

import (
	"fmt"
	"os"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/gonotebooklets/notebooklets/internal/sample/samplegen"
)

// redrawHint is what a chart's or map's placeholder says when its script did not run: re-run
// the cell, or trust the notebook.
var redrawHint = regexp.MustCompile(`(?i)re-?run|run (the|this) cell|trust`)

// TestReopenedNotebookUntrusted opens a notebook saved with outputs, as a colleague's or last
// week's run is reopened: the notebook executed by nbconvert, which nothing has signed, so
// JupyterLab shows it untrusted and runs none of its scripts. Its tables and text must still
// show (the flow index and ASN tables with rows, every section title, the TI positives), and
// every chart and map must say how to redraw it (re-run the cell or trust the notebook).
func TestReopenedNotebookUntrusted(t *testing.T) {
	executedNotebook(t)
	root := repoRoot(t)
	b0, err := os.ReadFile(headless.path)
	if err != nil {
		t.Fatal(err)
	}
	rel, abs := liveCopy(t, flowNotebook, "reopen")
	if err := os.WriteFile(abs, b0, 0o644); err != nil {
		t.Fatal(err)
	}
	saved := headless.nb
	srv := startJupyter(t, appLab, root, nil)
	b := newBrowser(t)
	p := openInFileBrowser(t, b, srv, rel)
	if err := b.poll(`__e2e.panel().querySelectorAll('.jp-OutputArea-output').length > 5`, time.Minute); err != nil {
		t.Fatalf("the saved outputs are not shown: %v", err)
	}
	trusted, _ := evalAs[int](b, `__e2e.panel().querySelectorAll('.jp-OutputArea-output .jp-mod-trusted, .jp-OutputArea-output.jp-mod-trusted').length`)
	if trusted > 0 {
		t.Errorf("%d outputs are rendered trusted: the reopened notebook should be untrusted", trusted)
	}
	type facts struct {
		Text         string `json:"text"`
		Canvases     int    `json:"canvases"`
		Maps         int    `json:"maps"`
		FlowRows     int    `json:"flowRows"`
		ASNRows      int    `json:"asnRows"`
		Placeholders []struct {
			Cell int    `json:"cell"`
			Kind string `json:"kind"`
			Text string `json:"text"`
		} `json:"placeholders"`
	}
	// Cell by cell, each scrolled into view (JupyterLab does not lay out cells out of view).
	var f facts
	for _, i := range codeCells(saved) {
		if err := b.eval(fmt.Sprintf(`__e2e.cell(%d).scrollIntoView({block: 'start'}); true`, i)); err != nil {
			t.Fatal(err)
		}
		time.Sleep(200 * time.Millisecond)
		c, err := evalAs[facts](b, fmt.Sprintf(`(() => { const out = __e2e.out(%d); if (!out) return {}; const q = (s) => [...out.querySelectorAll(s)];
			const rows = (re) => q('table').filter(tb => re.test((tb.tHead || tb).textContent)).reduce((n, tb) => n + tb.querySelectorAll('tbody tr').length, 0);
			return {
				text: out.innerText,
				canvases: q('canvas').length,
				maps: q('.leaflet-map-pane').length,
				flowRows: rows(/TotalAllowedFlows[\s\S]*L7Protocol|L7Protocol[\s\S]*TotalAllowedFlows/),
				asnRows: rows(/DestASN|SourceASN/),
				placeholders: q('.nbl-chart-wrap, .nbl-map-wrap').map(x => ({cell: %d, kind: x.className, text: x.innerText})),
			}; })()`, i, i))
		if err != nil {
			t.Fatal(err)
		}
		f.Text += c.Text + "\n"
		f.Canvases += c.Canvases
		f.Maps += c.Maps
		f.FlowRows += c.FlowRows
		f.ASNRows += c.ASNRows
		f.Placeholders = append(f.Placeholders, c.Placeholders...)
	}
	t.Logf("reopened: %d canvases, %d drawn maps, %d flow index rows, %d ASN rows, %d chart/map containers", f.Canvases, f.Maps, f.FlowRows, f.ASNRows, len(f.Placeholders))
	if f.Canvases > 0 || f.Maps > 0 {
		t.Errorf("%d canvases and %d maps drawn: scripts ran in an untrusted notebook", f.Canvases, f.Maps)
	}
	if f.FlowRows == 0 {
		t.Error("no flow index table with rows in the reopened notebook")
	}
	if f.ASNRows == 0 {
		t.Error("no flow summary (ASN) table with rows in the reopened notebook")
	}
	for _, title := range sectionTitles(t) {
		if !strings.Contains(f.Text, title) {
			t.Errorf("section title %q not shown in the reopened notebook", title)
		}
	}
	for _, ip := range samplegen.MaliciousIPs() {
		if !strings.Contains(f.Text, ip) {
			t.Errorf("TI positive %s not shown in the reopened notebook", ip)
		}
	}
	// Each chart and map the saved outputs hold must say, where it would be drawn, how to redraw it.
	want := 0
	for _, c := range saved.Cells {
		for _, o := range c.Outputs {
			h := string(o.Data["text/html"])
			want += strings.Count(h, `class="nbl-chart-wrap"`) + strings.Count(h, `class="nbl-map-wrap"`)
		}
	}
	if want == 0 {
		t.Fatal("the executed notebook holds no chart or map (class nbl-chart-wrap / nbl-map-wrap)")
	}
	if len(f.Placeholders) < want {
		t.Errorf("%d chart/map containers shown, the saved outputs hold %d", len(f.Placeholders), want)
	}
	for _, ph := range f.Placeholders {
		if !redrawHint.MatchString(ph.Text) {
			t.Errorf("cell %d: the %s placeholder does not say how to redraw it (re-run the cell or trust the notebook): %q", ph.Cell, ph.Kind, tail(strings.TrimSpace(ph.Text), 300))
		}
	}
	screenshotCells(t, p, saved, "reopened")
	if errs := b.Errors(); len(errs) > 0 {
		t.Errorf("console errors in the reopened notebook:\n%s", strings.Join(errs, "\n"))
	}
}

// screenshotCells saves a PNG of each code cell's outputs as $ARTIFACTS_DIR/<prefix>-cell<nn>.png.
func screenshotCells(t *testing.T, p *labPage, n *notebook, prefix string) {
	t.Helper()
	for _, i := range codeCells(n) {
		_ = p.b.eval(fmt.Sprintf(`__e2e.cell(%d).scrollIntoView({block: 'start'}); true`, i))
		time.Sleep(100 * time.Millisecond)
		screenshotElement(t, p.b, fmt.Sprintf(`__e2e.out(%d)`, i), fmt.Sprintf("%s-cell%02d.png", prefix, i))
	}
}

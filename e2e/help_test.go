//go:build e2e

package e2e

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"github.com/gonotebooklets/notebooklets/nb"
)

// Help by name (issue 11): GoNB's %help takes no argument, so an analyst asks for the
// NetworkFlowSummary help with nb.Help("NetworkFlowSummary") in a cell, or with JupyterLab's
// contextual help (Shift+Tab, the Contextual Help panel) on flowsummary.New, which GoNB
// answers from gopls' hover (New's doc comment). Each must show the options and the display
// sections; the cell shows the methods too.

// inspectTarget is what the contextual help is asked about: the first code cell that calls
// flowsummary.New, with the cursor inside "New".
const inspectTarget = "flowsummary.New("

// notebookletMetadata is NetworkFlowSummary's metadata from its YAML.
func notebookletMetadata(t testing.TB) *nb.Metadata {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(repoRoot(t), "flowsummary", "network_flow_summary.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	md, err := nb.LoadMetadata(b)
	if err != nil {
		t.Fatal(err)
	}
	return md
}

var markdownUnescape = strings.NewReplacer(`\_`, `_`, `\*`, `*`, "\\`", "`")

var sectionConstRE = regexp.MustCompile(`(?m)^\s*(Section\w+)\s+Section\s*=\s*"(\w+)"`)

// sectionConsts maps each section key to its Go constant (flowsummary/sections.go:
// SectionFlowIndex Section = "get_flow_index").
func sectionConsts(t testing.TB) map[string]string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(repoRoot(t), "flowsummary", "sections.go"))
	if err != nil {
		t.Fatal(err)
	}
	m := map[string]string{}
	for _, x := range sectionConstRE.FindAllStringSubmatch(string(b), -1) {
		m[x[2]] = x[1]
	}
	return m
}

// missingHelp lists what text lacks of the help: each option name (default and other), each
// display section (its YAML key, its title or its Go constant in consts), and with methods,
// each method's name.
func missingHelp(md *nb.Metadata, consts map[string]string, text string, methods bool) []string {
	var missing []string
	for _, o := range append(append([]nb.Option(nil), md.DefaultOptions...), md.OtherOptions...) {
		if !strings.Contains(text, o.Name) {
			missing = append(missing, "option "+o.Name)
		}
	}
	for _, s := range md.Sections {
		if s.Title == "" {
			continue
		}
		if !strings.Contains(text, s.Key) && !strings.Contains(text, s.Title) && (consts[s.Key] == "" || !strings.Contains(text, consts[s.Key])) {
			missing = append(missing, fmt.Sprintf("section %s (%q)", s.Key, s.Title))
		}
	}
	if methods {
		for _, m := range md.Methods {
			if !strings.Contains(text, m.GoName) && !strings.Contains(text, m.Name) {
				missing = append(missing, "method "+m.GoName)
			}
		}
	}
	return missing
}

// checkHelpCell: the nb.Help("NetworkFlowSummary") cell, as the live page shows it, has the
// description, the options, the sections and the methods.
func checkHelpCell(t *testing.T, lv *liveRun) {
	i := cellWith(lv.nb, `nb.Help("NetworkFlowSummary")`)
	if i < 0 {
		t.Fatal(`no cell calls nb.Help("NetworkFlowSummary")`)
	}
	text, err := lv.p.cellText(i)
	if err != nil {
		t.Fatal(err)
	}
	md := notebookletMetadata(t)
	if m := missingHelp(md, sectionConsts(t), text, true); len(m) > 0 {
		t.Errorf("the nb.Help cell in %s lacks %s:\n%s", lv.app, strings.Join(m, ", "), tail(text, 3000))
	}
	if !strings.Contains(text, md.Name) {
		t.Errorf("the nb.Help cell does not name %s", md.Name)
	}
}

// inspectCell finds the cell and cursor position the contextual help is asked about.
func inspectCell(t testing.TB, n *notebook) (cell int, code string, cursor int) {
	t.Helper()
	cell = cellWith(n, inspectTarget)
	if cell < 0 {
		t.Fatalf("no code cell calls %s", inspectTarget)
	}
	code = string(n.Cells[cell].Source)
	return cell, code, strings.Index(code, inspectTarget) + len("flowsummary.Ne")
}

// checkContextualHelp asks JupyterLab for the contextual help on flowsummary.New as an analyst
// does: a click inside "New" in the cell's editor, Shift+Tab (the tooltip), then Help → Show
// Contextual Help (the panel, which follows the cursor). Both show GoNB's inspect reply.
func checkContextualHelp(t *testing.T, lv *liveRun) {
	b := lv.b
	md := notebookletMetadata(t)
	i, _, _ := inspectCell(t, lv.nb)
	clickInNew := func() {
		t.Helper()
		// The position of "New" in the cell's editor (CodeMirror splits a line into spans).
		type pt struct{ X, Y float64 }
		// Select the cell first (a click on its prompt; this also brings it into view).
		if err := lv.p.selectCell(i); err != nil {
			t.Fatal(err)
		}
		time.Sleep(300 * time.Millisecond) // let the scroll and the layout settle
		p, err := evalAs[pt](b, fmt.Sprintf(`(() => {
			const cell = __e2e.cell(%d);
			const line = [...cell.querySelectorAll('.cm-line')].find(l => l.textContent.includes(%q));
			if (!line) throw new Error('no editor line with %s');
			const at = line.textContent.indexOf(%q) + %d;
			const walk = document.createTreeWalker(line, NodeFilter.SHOW_TEXT);
			let n, seen = 0;
			while ((n = walk.nextNode())) {
				if (seen + n.length > at) {
					const r = document.createRange(); r.setStart(n, at - seen); r.setEnd(n, at - seen + 1);
					const b = r.getBoundingClientRect(); return {X: b.left + b.width / 2, Y: b.top + b.height / 2};
				}
				seen += n.length;
			}
			throw new Error('position not found'); })()`, i, inspectTarget, inspectTarget, inspectTarget, len("flowsummary.Ne")))
		if err != nil {
			t.Fatalf("find New in cell %d's editor: %v", i, err)
		}
		if err := b.do(10*time.Second, chromedp.MouseClickXY(p.X, p.Y)); err != nil {
			t.Fatal(err)
		}
		if err := b.poll(`document.activeElement && document.activeElement.closest('.cm-editor')`, 10*time.Second); err != nil {
			t.Fatalf("the click at (%.0f, %.0f) did not put the cursor in the editor: %v (%s)", p.X, p.Y, err, b.shot("failure-contextual-help.png"))
		}
	}

	// Shift+Tab: the tooltip. GoNB answers from gopls, whose first answer in a kernel can take
	// a while (it loads the module) or time out (GoNB gives gopls 8 s): an analyst presses
	// Shift+Tab again, and so does the test, up to twice.
	tooltip := `(() => { const x = [...document.querySelectorAll('.jp-Tooltip')].find(x => x.offsetParent !== null); return x ? x.innerText : ''; })()`
	t0 := time.Now()
	closedText := ""
	for try := 1; ; try++ {
		clickInNew()
		if err := b.do(10*time.Second, chromedp.KeyEvent(kb.Tab, chromedp.KeyModifiers(chromedp.ModifierShift))); err != nil {
			t.Fatal(err)
		}
		err := b.poll(`(`+tooltip+`.includes('New') || window.__e2eTooltips.length > 0)`, 40*time.Second)
		if err == nil {
			break
		}
		if shown, _ := evalAs[[]string](b, `window.__e2eTooltips`); len(shown) > 0 {
			// JupyterLab showed it and closed it again by itself, with no key or click from
			// the test (a tooltip closes on any scroll of the notebook, and the outputs'
			// layout scrolls it): check what it showed, and say so.
			closedText = shown[len(shown)-1]
			t.Logf("JupyterLab showed the Shift+Tab tooltip and closed it again by itself (%d times); checking the text it showed", len(shown))
			break
		}
		got, _ := evalAs[string](b, tooltip)
		st, _ := evalAs[string](b, `[...document.querySelectorAll('.jp-StatusBar-TextItem')].map(x => x.textContent).join(' / ')`)
		t.Logf("Shift+Tab %d: no tooltip on flowsummary.New after a minute (tooltip %q; status bar %s)", try, tail(got, 300), st)
		if try == 2 {
			t.Fatalf("Shift+Tab on flowsummary.New showed no tooltip, twice: %v (%s)", err, b.shot("failure-tooltip.png"))
		}
		_ = b.do(5*time.Second, chromedp.KeyEvent(kb.Escape))
	}
	text, _ := evalAs[string](b, tooltip)
	if text == "" && closedText == "" {
		if shown, _ := evalAs[[]string](b, `window.__e2eTooltips`); len(shown) > 0 {
			closedText = shown[len(shown)-1]
			t.Logf("JupyterLab showed the Shift+Tab tooltip and closed it again by itself (%d times); checking the text it showed", len(shown))
		}
	}
	if text == "" {
		text = closedText
	} else {
		screenshotElement(t, b, `[...document.querySelectorAll('.jp-Tooltip')].find(x => x.offsetParent !== null)`, "help-tooltip-New.png")
	}
	t.Logf("tooltip after %v: %d characters", time.Since(t0).Round(time.Millisecond), len(text))
	if !strings.Contains(text, "New") {
		t.Errorf("the tooltip is not about flowsummary.New:\n%s", tail(text, 2000))
	}
	if m := missingHelp(md, sectionConsts(t), text, false); len(m) > 0 {
		t.Errorf("the Shift+Tab tooltip on flowsummary.New lacks %s (New's doc comment should list them):\n%s", strings.Join(m, ", "), tail(text, 3000))
	}
	_ = b.do(5*time.Second, chromedp.KeyEvent(kb.Escape))

	// Help → Show Contextual Help: the panel, then a click in New updates it.
	b.clickMenu(t, "Help", "Show Contextual Help")
	if err := b.poll(`[...document.querySelectorAll('.jp-Inspector')].some(x => x.offsetParent !== null)`, 30*time.Second); err != nil {
		t.Fatalf("no Contextual Help panel: %v", err)
	}
	clickInNew()
	panel := `(() => { const x = [...document.querySelectorAll('.jp-Inspector-content')].find(x => x.offsetParent !== null); return x ? x.innerText : ''; })()`
	if err := b.poll(panel+`.includes('New')`, 3*time.Minute); err != nil {
		got, _ := evalAs[string](b, panel)
		t.Fatalf("the Contextual Help panel does not show flowsummary.New: %v\n%s", err, tail(got, 2000))
	}
	text, _ = evalAs[string](b, panel)
	screenshotElement(t, b, `[...document.querySelectorAll('.jp-Inspector')].find(x => x.offsetParent !== null)`, "help-panel-New.png")
	if m := missingHelp(md, sectionConsts(t), text, false); len(m) > 0 {
		t.Errorf("the Contextual Help panel on flowsummary.New lacks %s:\n%s", strings.Join(m, ", "), tail(text, 3000))
	}
}

// screenshotElement saves a PNG of the element expr evaluates to in $ARTIFACTS_DIR/name.
func screenshotElement(t *testing.T, b *browser, expr, name string) {
	t.Helper()
	type rect struct{ X, Y, W, H float64 }
	r, err := evalAs[rect](b, `(() => { const e = `+expr+`; if (!e) throw new Error('no element'); const b = e.getBoundingClientRect(); return {X: b.left, Y: b.top, W: b.width, H: b.height}; })()`)
	if err != nil {
		t.Logf("no screenshot %s: %v", name, err)
		return
	}
	if r.W < 1 || r.H < 1 { // nothing shown (a cell without outputs)
		return
	}
	ctx, cancel := context.WithTimeout(b.ctx, 30*time.Second)
	defer cancel()
	shot, err := chromedp.Call(ctx, page.CaptureScreenshot, page.CaptureScreenshotParams{
		Format: page.CaptureScreenshotFormatPng,
		Clip:   &page.Viewport{X: r.X, Y: r.Y, Width: r.W, Height: r.H, Scale: 1},
	})
	if err != nil {
		t.Logf("screenshot %s: %v", name, err)
		return
	}
	if err := os.WriteFile(filepath.Join(artifactsDir(t), name), shot.Data, 0o644); err != nil {
		t.Error(err)
	}
}

// TestKernelInspectHeadless asks GoNB for the contextual help on flowsummary.New over the kernel
// protocol, with no front end (testdata/inspect_kernel.py, jupyter_client's inspect_request):
// the notebook's setup cell runs first (it makes the checkout importable), then the reply
// must be found and show the options and the display sections.
func TestKernelInspectHeadless(t *testing.T) {
	requireTools(t)
	root := repoRoot(t)
	n, err := readNotebook(filepath.Join(root, filepath.FromSlash(flowNotebook)))
	if err != nil {
		t.Fatal(err)
	}
	_, code, cursor := inspectCell(t, n)
	var setup []string
	for _, i := range codeCells(n) {
		src := string(n.Cells[i].Source)
		if strings.Contains(src, "go work init") {
			setup = append(setup, src)
			break
		}
	}
	if len(setup) == 0 {
		t.Fatal("no setup cell (go work init) in the notebook")
	}
	req, _ := json.Marshal(map[string]any{
		"cwd": filepath.Join(root, filepath.Dir(filepath.FromSlash(flowNotebook))), "execute": setup,
		"code": code, "cursor_pos": cursor,
	})
	reqFile := filepath.Join(t.TempDir(), "inspect.json")
	if err := os.WriteFile(reqFile, req, 0o600); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 8*time.Minute)
	defer cancel()
	t0 := time.Now()
	p := startProc(t, root, jupyterEnv(t, "NOTEBOOKLETS_STATE_DIR="+t.TempDir()), nil,
		filepath.Join(jupyterVenv(), "bin", "python"), filepath.Join(root, "e2e", "testdata", "inspect_kernel.py"), reqFile)
	if err := p.Wait(ctx); err != nil {
		t.Fatalf("inspect_kernel.py: %v\n%s", err, tail(p.out.String(), 4000))
	}
	out := p.out.String()
	var reply struct {
		Status string            `json:"status"`
		Found  bool              `json:"found"`
		Data   map[string]string `json:"data"`
	}
	// stdout and stderr share the buffer: the reply is the last line.
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if err := json.Unmarshal([]byte(lines[len(lines)-1]), &reply); err != nil {
		t.Fatalf("inspect reply: %v\n%s", err, tail(out, 4000))
	}
	t.Logf("inspect_reply after %v (kernel start, setup cell, inspect): status %s, found %v, MIME types %v",
		time.Since(t0).Round(time.Millisecond), reply.Status, reply.Found, keys(reply.Data))
	if reply.Status != "ok" || !reply.Found {
		t.Fatalf("inspect_reply status %q found %v: %s", reply.Status, reply.Found, tail(out, 3000))
	}
	// Markdown escapes (plot\_flows) read as the rendered text does.
	text := markdownUnescape.Replace(reply.Data["text/markdown"] + "\n" + reply.Data["text/plain"])
	_ = os.WriteFile(filepath.Join(artifactsDir(t), "inspect-New.txt"), []byte(text), 0o644)
	if !strings.Contains(text, "New") {
		t.Errorf("the inspect reply is not about flowsummary.New:\n%s", tail(text, 2000))
	}
	if m := missingHelp(notebookletMetadata(t), sectionConsts(t), text, false); len(m) > 0 {
		t.Errorf("the inspect reply on flowsummary.New lacks %s (New's doc comment should list the options and the display sections):\n%s", strings.Join(m, ", "), tail(text, 3000))
	}
}

func keys[V any](m map[string]V) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	return sortedCopy(out)
}

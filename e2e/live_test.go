//go:build e2e

package e2e

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// TestNotebookLive runs notebooks/NetworkFlowSummary.ipynb cell by cell in classic Notebook
// driven by headless Chromium. In the ASN selector it unticks everything, ticks two ASNs
// (one rare default and one that is not a default), clicks Apply, and checks that the saved
// selection is those two and that the next cell's TI lookup used exactly their IPs. It then
// runs every cell again, warm, and records the times (artifacts/timings-live.txt).
func TestNotebookLive(t *testing.T) {
	requireTools(t)
	root := repoRoot(t)
	state := t.TempDir()
	assets, env := startAssetServer(t)
	srv := startNotebookServer(t, root, append([]string{"NOTEBOOKLETS_STATE_DIR=" + state}, env...))
	srv.guardNotebook(t, flowNotebook)
	nbk, err := readNotebook(filepath.Join(root, filepath.FromSlash(flowNotebook)))
	if err != nil {
		t.Fatal(err)
	}
	selectIdx, tiIdx, runIdx := cellWith(nbk, "SelectASNs("), cellWith(nbk, "LookupTIForASNIPs("), cellWith(nbk, ".Run(context")
	mapIdx := cellWith(nbk, "ShowSelectedASNMap(")
	if selectIdx < 0 || tiIdx < 0 || runIdx < 0 || mapIdx < 0 {
		t.Fatalf("notebook cells: select %d, TI %d, run %d, map %d", selectIdx, tiIdx, runIdx, mapIdx)
	}
	b := newBrowser(t)
	if err := b.openNotebook(srv.NotebookURL(flowNotebook)); err != nil {
		t.Fatal(err)
	}

	var chosen []string
	timings := map[int][2]time.Duration{}
	for pass := 0; pass < 2; pass++ {
		for _, i := range codeCells(nbk) {
			var d time.Duration
			if i == selectIdx {
				d = b.selectASNs(t, i, pass, state, &chosen)
			} else {
				var err error
				d, err = b.runCell(i, 5*time.Minute)
				if err != nil {
					text, _ := b.cellText(i)
					t.Fatalf("cell %d: %v\n%s", i, err, tail(text, 3000))
				}
			}
			b.checkCellErrors(t, i)
			t.Logf("pass %d cell %2d %-60q %v", pass, i, firstLine(string(nbk.Cells[i].Source)), d.Round(time.Millisecond))
			tm := timings[i]
			tm[pass] = d
			timings[i] = tm
			if i == tiIdx && pass == 0 {
				saved := loadSaved(t, state)
				if saved.TIResults == nil {
					t.Fatal("no TI results saved after LookupTIForASNIPs")
				}
				want := saved.ipsOfASNs(chosen)
				got := sortedCopy(saved.TIResults.IPs)
				if len(want) == 0 || !slices.Equal(got, want) {
					t.Errorf("TI lookup used IPs %v, want exactly the IPs of %v: %v", got, chosen, want)
				}
				text, _ := b.cellText(i)
				if !strings.Contains(text, fmt.Sprint(len(want))) {
					t.Errorf("TI cell does not show the count %d of IPs looked up:\n%s", len(want), tail(text, 2000))
				}
			}
			if i == mapIdx && pass == 0 {
				text, _ := b.cellText(i)
				checkThreatsOnMap(t, text, loadSaved(t, state))
			}
		}
		if pass == 0 {
			shot, err := chromedp.Run(b.ctx, chromedp.FullScreenshot(85))
			if err == nil {
				_ = os.WriteFile(filepath.Join(artifactsDir(t), "live-notebook.jpg"), shot, 0o644)
			}
		}
	}

	var report strings.Builder
	fmt.Fprintf(&report, "# live Notebook 6.4 + GoNB, %s: cell, first run in a fresh kernel, second run (warm); each = GoNB build + run\n", time.Now().UTC().Format(time.RFC3339))
	for _, i := range codeCells(nbk) {
		fmt.Fprintf(&report, "%2d  %-75s  %7s  %7s\n", i, firstLine(string(nbk.Cells[i].Source)), fmtDur(timings[i][0]), fmtDur(timings[i][1]))
	}
	t.Log("\n" + report.String())
	_ = os.WriteFile(filepath.Join(artifactsDir(t), "timings-live.txt"), []byte(report.String()), 0o644)
	if errs := b.Errors(); len(errs) > 0 {
		t.Errorf("console errors in the live notebook:\n%s", strings.Join(errs, "\n"))
	}
	if reqs := assets.Requests(); !slices.ContainsFunc(reqs, func(r string) bool { return strings.Contains(r, "echarts@") }) {
		t.Errorf("no JS asset was loaded from the local asset server (requests %v)", reqs)
	}
}

// checkCellErrors fails on error outputs of cell i.
func (b *browser) checkCellErrors(t *testing.T, i int) {
	t.Helper()
	outs, err := b.cellOutputs(i)
	if err != nil {
		t.Errorf("cell %d outputs: %v", i, err)
		return
	}
	for _, o := range outs {
		if o.OutputType == "error" {
			t.Errorf("cell %d: error output %s: %s\n%s", i, o.Ename, o.Evalue, visibleText(strings.Join(o.Traceback, "\n")))
		}
	}
}

// selectASNs drives the ASN selector in cell i. On the first pass it chooses two ASNs (a rare
// default and a non-default), unticks everything, ticks them, Apply, and checks the saved
// selection; on the second pass it only measures (Apply with what is shown).
func (b *browser) selectASNs(t *testing.T, i, pass int, state string, chosen *[]string) time.Duration {
	t.Helper()
	t0 := time.Now()
	if err := b.startCell(i); err != nil {
		t.Fatal(err)
	}
	// Mark the selector's controls: checkboxes (ID from value, data-id or the label) and Apply.
	ready := fmt.Sprintf(`(() => {
		const el = Jupyter.notebook.get_cell(%d).output_area.element[0];
		const boxes = [...el.querySelectorAll('input[type=checkbox]')];
		const apply = [...el.querySelectorAll('button, input[type=button], input[type=submit]')]
			.find(x => x.dataset.action === 'apply' || /apply/i.test(x.textContent || x.value));
		const c = Jupyter.notebook.get_cell(%d);
		if (!boxes.length || !apply || apply.disabled)
			return (!c.element.hasClass('running') && typeof c.input_prompt_number === 'number') ? 'finished' : '';
		boxes.forEach((x, k) => x.setAttribute('data-e2e', 'box-' + k));
		apply.setAttribute('data-e2e', 'apply');
		return 'ready'; })()`, i, i)
	for deadline := time.Now().Add(3 * time.Minute); ; time.Sleep(150 * time.Millisecond) {
		state, err := evalAs[string](b, ready)
		if err == nil && state == "ready" {
			break
		}
		if state == "finished" || time.Now().After(deadline) {
			text, _ := b.cellText(i)
			t.Fatalf("ASN selector (checkboxes and an enabled Apply) not shown; cell %s: %v\n%s", state, err, tail(text, 3000))
		}
	}
	readyAfter := time.Since(t0)
	type box struct {
		K       int    `json:"k"`
		ID      string `json:"id"`
		Checked bool   `json:"checked"`
	}
	boxes, err := evalAs[[]box](b, fmt.Sprintf(`[...Jupyter.notebook.get_cell(%d).output_area.element[0].querySelectorAll('input[type=checkbox][data-e2e]')].map((x, k) => ({
		k, checked: x.checked,
		id: (x.value && x.value !== 'on') ? x.value : (x.dataset.id || (x.closest('label, tr') || x.parentElement).textContent.trim()) }))`, i))
	if err != nil {
		t.Fatal(err)
	}
	if pass == 0 {
		saved := loadSaved(t, state)
		var def, other string
		for _, c := range saved.DefaultASNSelection.Choices {
			id := c.ASN.String()
			if !slices.ContainsFunc(boxes, func(x box) bool { return x.ID == id }) {
				continue
			}
			if c.Default && (def == "" || c.ASN == 65537) { // AS65537 BULLETPROOF-EXAMPLE-HOSTING
				def = id
			}
			if !c.Default && other == "" {
				other = id
			}
		}
		if def == "" || other == "" {
			t.Fatalf("cannot choose a default and a non-default ASN among the checkboxes %v (choices %v)", boxes, saved.DefaultASNSelection.Choices)
		}
		*chosen = []string{def, other}
		// Untick everything: the selector's "Select none" button if it has one, else each box.
		hasNone, err := evalAs[bool](b, fmt.Sprintf(`(() => { const n = Jupyter.notebook.get_cell(%d).output_area.element[0].querySelector('[data-action="none"]');
			if (n) n.setAttribute('data-e2e', 'none'); return !!n; })()`, i))
		if err != nil {
			t.Fatal(err)
		}
		var clicks []chromedp.Action[chromedp.Void]
		if hasNone {
			clicks = append(clicks, chromedp.Click(chromedp.CSS(`[data-e2e="none"]`)))
		}
		for _, x := range boxes {
			tick := slices.Contains(*chosen, x.ID)
			if (hasNone && tick) || (!hasNone && x.Checked != tick) {
				clicks = append(clicks, chromedp.Click(chromedp.CSS(fmt.Sprintf(`[data-e2e="box-%d"]`, x.K))))
			}
		}
		if err := b.do(time.Minute, clicks...); err != nil {
			t.Fatal(err)
		}
		checked, err := evalAs[[]int](b, fmt.Sprintf(`[...Jupyter.notebook.get_cell(%d).output_area.element[0].querySelectorAll('input[type=checkbox][data-e2e]')].flatMap((x, k) => x.checked ? [k] : [])`, i))
		if err != nil || len(checked) != 2 {
			t.Fatalf("after the clicks %v boxes are ticked (%v), want 2", checked, err)
		}
	}
	t1 := time.Now()
	if err := b.do(30*time.Second, chromedp.Click(chromedp.CSS(`[data-e2e="apply"]`))); err != nil {
		t.Fatal(err)
	}
	if err := b.waitCell(i, 2*time.Minute); err != nil {
		text, _ := b.cellText(i)
		t.Fatalf("after Apply: %v\ncell: %s", err, tail(text, 3000))
	}
	t.Logf("pass %d: selector ready after %v; Apply to cell done %v", pass, readyAfter.Round(time.Millisecond), time.Since(t1).Round(time.Millisecond))
	if pass == 0 {
		saved := loadSaved(t, state)
		if !saved.Selected || !slices.Equal(sortedCopy(saved.SelectedASNs), sortedCopy(*chosen)) {
			text, _ := b.cellText(i)
			t.Fatalf("saved selection %v, want %v\ncell: %s", saved.SelectedASNs, *chosen, tail(text, 2000))
		}
	}
	return readyAfter
}

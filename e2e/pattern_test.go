//go:build e2e

package e2e

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// The widget pattern of DESIGN §3 on GoNB + JupyterLab 4, with a tiny widget in
// testdata/widget_pattern.ipynb: cell 1 shows checkboxes and Apply, blocks on comms.Listen,
// persists what arrives; cell 2 (a new process) reads it. These tests pin down the GoNB
// behaviour the real ASN selector relies on.

const patternNotebook = "e2e/testdata/widget_pattern.ipynb"

// TestWidgetPatternLive: in JupyterLab, untick one box, tick another, Apply: the selection
// reaches the blocked cell, which persists it, and the next cell reads it.
func TestWidgetPatternLive(t *testing.T) {
	requireTools(t)
	root := repoRoot(t)
	state := t.TempDir()
	rel, _ := liveCopy(t, patternNotebook, "pattern-lab")
	srv := startJupyter(t, appLab, root, []string{"NOTEBOOKLETS_STATE_DIR=" + state})
	b := newBrowser(t)
	p := openInFileBrowser(t, b, srv, rel)
	if d, err := p.runCell(0, 3*time.Minute); err != nil {
		text, _ := p.cellText(0)
		t.Fatalf("setup cell: %v\n%s\nconsole:\n%s", err, text, strings.Join(b.Logs(), "\n"))
	} else {
		t.Logf("setup cell: %v", d)
	}
	t0 := time.Now()
	before, err := p.startCell(1)
	if err != nil {
		t.Fatal(err)
	}
	ready := `(() => { const o = __e2e.out(1), a = o && o.querySelector('.e2e-apply');
		if (!a || a.disabled) return false;
		a.setAttribute('data-e2e', 'apply');
		for (const v of ['AS64500', 'AS64501']) { const x = o.querySelector('input[value="' + v + '"]'); if (!x) return false; x.setAttribute('data-e2e', v); }
		return true; })()`
	if err := b.poll(ready, 2*time.Minute); err != nil {
		text, _ := p.cellText(1)
		t.Fatalf("widget not ready: %v\ncell output: %s\nconsole: %v", err, text, b.Logs())
	}
	t.Logf("widget ready after %v", time.Since(t0))
	if err := b.do(30*time.Second,
		chromedp.Click(chromedp.CSS(`[data-e2e="AS64500"]`)),
		chromedp.Click(chromedp.CSS(`[data-e2e="AS64501"]`)),
		chromedp.Click(chromedp.CSS(`[data-e2e="apply"]`)),
	); err != nil {
		t.Fatal(err)
	}
	if err := p.waitCell(1, before, time.Minute); err != nil {
		text, _ := p.cellText(1)
		t.Fatalf("%v\ncell output: %s\nconsole: %v", err, text, b.Logs())
	}
	text, _ := p.cellText(1)
	t.Logf("widget cell after %v: %s", time.Since(t0), text)
	if !strings.Contains(text, `selection ["AS64501","AS64502"] (received from the browser)`) {
		t.Errorf("widget cell output = %q, want the browser's selection", text)
	}
	if _, err := p.runCell(2, time.Minute); err != nil {
		t.Fatal(err)
	}
	next, _ := p.cellText(2)
	if !strings.Contains(next, `next cell read ["AS64501","AS64502"]`) {
		t.Errorf("next cell output = %q, want the persisted selection", next)
	}
	if errs := b.Errors(); len(errs) > 0 {
		t.Errorf("console errors: %v", errs)
	}
	shot, err := chromedp.Run(b.ctx, chromedp.FullScreenshot(90))
	if err == nil {
		_ = os.WriteFile(filepath.Join(artifactsDir(t), "widget-pattern-live.jpg"), shot, 0o644)
	}
}

// TestWidgetPatternHeadless: under nbconvert nothing answers; the cell must not block, must
// say it kept the defaults, and the next cell reads them.
func TestWidgetPatternHeadless(t *testing.T) {
	requireTools(t)
	root := repoRoot(t)
	out := filepath.Join(t.TempDir(), "widget_pattern.out.ipynb")
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	nb, _, err := executeNotebook(ctx, t, filepath.Join(root, filepath.FromSlash(patternNotebook)), out,
		[]string{"NOTEBOOKLETS_STATE_DIR=" + t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	for i, c := range nb.Cells {
		if errs := c.Errors(); len(errs) > 0 {
			t.Errorf("cell %d errors: %v", i, errs)
		}
		t.Logf("cell %d: %.1fs", i, c.executionSeconds())
	}
	if got := nb.Cells[1].Text(); !strings.Contains(got, `selection ["AS64500","AS64502"] (no front end answered: kept the defaults)`) {
		t.Errorf("widget cell: %q", tail(got, 500))
	}
	if !strings.Contains(nb.Cells[1].Text(), `class="e2e-pattern"`) {
		t.Errorf("widget HTML missing from the executed notebook (lost in GoNB's queue?)")
	}
	if got := nb.Cells[2].Text(); !strings.Contains(got, `next cell read ["AS64500","AS64502"]`) {
		t.Errorf("next cell: %q", got)
	}
}

//go:build e2e

package e2e

import (
	"context"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// The widget pattern of DESIGN §3 on GoNB, with a tiny widget in
// testdata/widget_pattern.ipynb: cell 1 shows checkboxes and Apply, blocks on comms.Listen,
// persists what arrives; cell 2 (a new process) reads it. The headless test pins down what the
// real ASN selector relies on when no front end answers. (A live variant of this raw widget
// lost its selection 1 time in 5 to GoNB's 500 ms comm_open_ack limit, which the real selector
// works around with acknowledged, repeated messages: TestJupyterLabLive and TestNotebook7Live
// drive that one.)

const patternNotebook = "e2e/testdata/widget_pattern.ipynb"

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

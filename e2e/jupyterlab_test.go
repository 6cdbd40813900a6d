//go:build e2e

package e2e

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/cdproto/target"
	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"
)

// JupyterLab 4 and Notebook 7 (which is built from JupyterLab's components) driven the way an
// analyst drives them: the file browser to open a notebook, a click on a cell, Shift+Enter to
// run it and move on, Ctrl+S to save, Shift+Tab for contextual help, the Settings menu for
// the theme. Both render a notebook with the same widgets, so one page driver (labPage) serves
// both; only opening the notebook differs.

// jupyterApp is a Jupyter front end: the `jupyter` subcommand that serves it.
type jupyterApp string

const (
	appLab       jupyterApp = "lab"      // JupyterLab 4
	appNotebook7 jupyterApp = "notebook" // Notebook 7
)

func (a jupyterApp) String() string {
	if a == appLab {
		return "JupyterLab"
	}
	return "Notebook 7"
}

// Lab themes, as named in the Settings → Theme menu.
const (
	themeLight = "JupyterLab Light"
	themeDark  = "JupyterLab Dark"
)

// jupyterServer is a Jupyter server (JupyterLab or Notebook 7) on loopback with a random token.
type jupyterServer struct {
	App              jupyterApp
	URL, Token, Root string
	proc             *proc
}

// labSettings are the user settings every test server starts with (in its own settings dir):
// no news or update checks (they would reach the internet), the theme given.
func labSettings(theme string) map[string]any {
	return map[string]any{
		"@jupyterlab/apputils-extension/notification.jupyterlab-settings": map[string]any{
			"fetchNews": "false", "checkForUpdates": false,
		},
		"@jupyterlab/apputils-extension/themes.jupyterlab-settings": map[string]any{"theme": theme},
	}
}

// startJupyter starts `jupyter lab` or `jupyter notebook` serving root, with user settings
// and workspaces in a temporary directory (nothing of the user's is read or written) and
// env added for the kernels. It is stopped, with every kernel it started, by t.Cleanup.
func startJupyter(t testing.TB, app jupyterApp, root string, env []string) *jupyterServer {
	t.Helper()
	tmp := t.TempDir()
	settings := filepath.Join(tmp, "lab-settings")
	for name, v := range labSettings(themeLight) {
		p := filepath.Join(settings, filepath.FromSlash(name))
		b, _ := json.Marshal(v)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	port := freePort(t)
	s := &jupyterServer{App: app, URL: fmt.Sprintf("http://127.0.0.1:%d", port), Token: randomToken(), Root: root}
	logf, err := os.Create(filepath.Join(artifactsDir(t), "jupyter-"+sanitize(t.Name())+".log"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { logf.Close() })
	args := []string{string(app),
		"--no-browser", "--ip=127.0.0.1", fmt.Sprintf("--port=%d", port), "--port-retries=0",
		"--IdentityProvider.token=" + s.Token, "--ServerApp.password=", "--ServerApp.root_dir=" + root,
		"--ServerApp.shutdown_no_activity_timeout=0", "--MappingKernelManager.cull_idle_timeout=0",
		// Trust is not remembered: a notebook saved by one test server is untrusted in the next,
		// as on an analyst's other machine, and the user's signature database is not touched.
		"--NotebookNotary.db_file=:memory:"}
	if os.Geteuid() == 0 {
		args = append(args, "--allow-root") // CI runs as root
	}
	if os.Getenv("E2E_JUPYTER_DEBUG") != "" {
		args = append(args, "--debug") // the server's debug log, in artifacts/jupyter-<test>.log
	}
	env = append([]string{
		"JUPYTERLAB_SETTINGS_DIR=" + settings,
		"JUPYTERLAB_WORKSPACES_DIR=" + filepath.Join(tmp, "lab-workspaces"),
	}, env...)
	s.proc = startProc(t, root, jupyterEnv(t, env...), logf, "jupyter", args...)
	deadline := time.Now().Add(90 * time.Second)
	for {
		resp, err := http.Get(s.URL + "/api/status?token=" + s.Token)
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == 200 {
				return s
			}
		}
		select {
		case <-s.proc.exited:
			t.Fatalf("jupyter %s exited: %v\n%s", app, s.proc.err, tail(s.proc.out.String(), 4000))
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("jupyter %s not ready after 90s\n%s", app, tail(s.proc.out.String(), 4000))
		}
		time.Sleep(200 * time.Millisecond)
	}
}

// HomeURL is the front end's start page: JupyterLab's /lab, Notebook 7's file list /tree.
func (s *jupyterServer) HomeURL() string {
	if s.App == appLab {
		return s.URL + "/lab?token=" + s.Token
	}
	return s.URL + "/tree?token=" + s.Token
}

// labJS is installed in every page (page.AddScriptToEvaluateOnNewDocument) as window.__e2e:
// small DOM queries over JupyterLab's notebook widgets, shared by JupyterLab and Notebook 7.
const labJS = `
// Every tooltip JupyterLab shows, with its text, even if it is gone again (it closes on a
// key, a click or a scroll anywhere).
// (The script runs before the document has an element: observe once it has one.)
window.__e2eTooltips = [];
(function watch() {
	if (!document.documentElement) return setTimeout(watch, 10);
	new MutationObserver((ms) => { for (const m of ms) for (const n of m.addedNodes)
		if (n.nodeType === 1 && n.classList.contains('jp-Tooltip')) setTimeout(() => window.__e2eTooltips.push(n.innerText || n.textContent), 300); })
		.observe(document.documentElement, {childList: true, subtree: true});
})();
window.__e2e = {
	panel() { const ps = [...document.querySelectorAll('.jp-NotebookPanel')].filter(p => !p.classList.contains('lm-mod-hidden') && p.isConnected);
		return ps[ps.length - 1] || null; },
	cells() { const p = this.panel(); return p ? [...p.querySelectorAll('.jp-Notebook .jp-Cell')] : []; },
	cell(i) { const c = this.cells()[i]; if (!c) throw new Error('no cell ' + i + ' (' + this.cells().length + ' cells shown)'); return c; },
	prompt(i) { const p = this.cell(i).querySelector('.jp-InputArea-prompt'); return p ? p.textContent.trim() : ''; },
	status() { const p = this.panel(); const x = p && p.querySelector('.jp-Notebook-ExecutionIndicator'); return x ? (x.getAttribute('data-status') || '') : ''; },
	// The kernel is connected: the toolbar names it and its status is past starting. (With GoNB,
	// JupyterLab 4.6 shows the status "Unknown" between cells: it does not take GoNB's status
	// messages; a cell's run is seen from its prompt instead.)
	kernelReady() { const p = this.panel(); const k = p && p.querySelector('.jp-KernelName, .jp-Toolbar-kernelName');
		return !!k && /Go/.test(k.textContent) && !['', 'initializing', 'starting', 'connecting', 'restarting', 'autorestarting', 'dead', 'terminating'].includes(this.status()); },
	out(i) { return this.cell(i).querySelector('.jp-Cell-outputArea'); },
	// The visible text of cell i's outputs; the cell is scrolled into view first (JupyterLab
	// skips the rendering of cells out of view, and their innerText is empty).
	outText(i) { const o = this.out(i); if (!o) return ''; this.cell(i).scrollIntoView({block: 'start'}); return o.innerText; },
	activeIndex() { return this.cells().findIndex(c => c.classList.contains('jp-mod-active')); },
	// mark tags el for a chromedp selector [data-e2e=name] and, unless noScroll (menus close
	// when the page scrolls), scrolls it into view.
	mark(el, name, noScroll) { if (!el) return false; document.querySelectorAll('[data-e2e="' + name + '"]').forEach(x => x.removeAttribute('data-e2e')); el.setAttribute('data-e2e', name); if (!noScroll) el.scrollIntoView({block: 'center'}); return true; },
};`

// ensureLabJS is a JS expression that installs labJS in the page if it is not there (Notebook 7's
// file list does not always run the script installed for new documents) and is true.
var ensureLabJS = "(() => { if (!window.__e2e) { " + labJS + " } return true; })()"

// labPage is a notebook open in the browser's current tab, in JupyterLab or Notebook 7.
type labPage struct {
	b   *browser
	app jupyterApp
}

// installLabJS makes window.__e2e available in every document the tab loads.
func (b *browser) installLabJS() error {
	ctx, cancel := context.WithTimeout(b.ctx, 30*time.Second)
	defer cancel()
	_, err := chromedp.Call(ctx, page.AddScriptToEvaluateOnNewDocument, page.AddScriptToEvaluateOnNewDocumentParams{Source: labJS})
	return err
}

// openInFileBrowser opens the file at rel (slash-separated, under the server's root) the way
// an analyst does: the front end's start page, then a double click on each folder of the path
// and on the notebook in the file browser. Notebook 7 opens the notebook in a new tab; the
// browser follows it. It returns when the notebook's kernel is idle.
func openInFileBrowser(t testing.TB, b *browser, s *jupyterServer, rel string) *labPage {
	t.Helper()
	if err := b.installLabJS(); err != nil {
		t.Fatal(err)
	}
	if err := b.do(90*time.Second, chromedp.Navigate(s.HomeURL())); err != nil {
		t.Fatalf("open %s: %v", s.HomeURL(), err)
	}
	parts := strings.Split(rel, "/")
	for k, name := range parts {
		item := fmt.Sprintf(`[...document.querySelectorAll('.jp-DirListing-item')].find(x => (x.querySelector('.jp-DirListing-itemText') || x).textContent.trim() === %q)`, name)
		if err := b.poll(fmt.Sprintf(`%s && __e2e.mark(%s, 'fileitem')`, ensureLabJS, item), 90*time.Second); err != nil {
			listing, _ := evalAs[string](b, `[...document.querySelectorAll('.jp-DirListing-item')].map(x => x.textContent.trim()).join(' | ')`)
			t.Fatalf("%s file browser: no item %q (path %s): %v\nlisting: %s", s.App, name, rel, err, listing)
		}
		last := k == len(parts)-1
		var newTab <-chan target.ID
		if last && s.App == appNotebook7 {
			newTab = chromedp.WaitNewTarget(b.ctx, func(info *target.Info) bool { return strings.Contains(info.URL, "/notebooks/") })
		}
		if err := b.do(30*time.Second, chromedp.DoubleClick(chromedp.CSS(`[data-e2e="fileitem"]`))); err != nil {
			t.Fatalf("%s file browser: double-click %q: %v", s.App, name, err)
		}
		if !last {
			// Wait until the file browser is in the folder (its breadcrumbs end with it).
			if err := b.poll(fmt.Sprintf(`(() => { const bc = [...document.querySelectorAll('.jp-BreadCrumbs-item')].filter(x => x.offsetParent !== null); return bc.length && bc[bc.length - 1].textContent.trim() === %q; })()`, name), 30*time.Second); err != nil {
				t.Fatalf("%s file browser: did not enter folder %q: %v", s.App, name, err)
			}
			time.Sleep(300 * time.Millisecond)
			continue
		}
		if newTab != nil {
			select {
			case id, ok := <-newTab:
				if !ok {
					t.Fatal("Notebook 7 did not open the notebook in a new tab")
				}
				b.switchTab(t, id)
			case <-time.After(60 * time.Second):
				t.Fatal("Notebook 7 did not open the notebook in a new tab within 60 s")
			}
		}
	}
	p := &labPage{b: b, app: s.App}
	if err := b.poll(ensureLabJS+` && __e2e.cells().length > 0 && __e2e.kernelReady()`, 180*time.Second); err != nil {
		st, _ := evalAs[string](b, `window.__e2e ? __e2e.status() + ' / ' + __e2e.cells().length + ' cells' : 'no __e2e'`)
		t.Fatalf("%s: notebook %s not open with an idle kernel (%s): %v", s.App, rel, st, err)
	}
	return p
}

// switchTab makes the browser drive tab id from now on (console messages of the old tab are
// kept; the new one's are collected too).
func (b *browser) switchTab(t testing.TB, id target.ID) {
	t.Helper()
	ctx, cancel := chromedp.NewContext(b.ctx, chromedp.WithTargetID(id))
	t.Cleanup(cancel)
	if err := chromedp.Do(ctx); err != nil {
		t.Fatalf("attach to the new tab: %v", err)
	}
	b.ctx = ctx
	b.listenConsole(ctx)
	if err := b.installLabJS(); err != nil {
		t.Fatal(err)
	}
	// The new tab may have loaded before the script was installed: install it now too.
	if err := b.eval(labJS + "; true"); err != nil {
		t.Fatal(err)
	}
}

// shot saves a PNG screenshot of the tab as $ARTIFACTS_DIR/name (for failure messages).
func (b *browser) shot(name string) string {
	if shot, err := chromedp.Run(b.ctx, chromedp.FullScreenshot(100)); err == nil {
		if os.WriteFile(filepath.Join(artifactsDirPath(), name), shot, 0o644) == nil {
			return "screenshot " + name
		}
	}
	return "no screenshot"
}

// cellCount is the number of cells the page shows.
func (p *labPage) cellCount() (int, error) { return evalAs[int](p.b, `__e2e.cells().length`) }

// selectCell makes cell i the active cell in command mode, with a click on its input prompt
// (where an analyst clicks to select a cell without editing it).
func (p *labPage) selectCell(i int) error {
	if err := p.b.poll(fmt.Sprintf(`__e2e.mark(__e2e.cell(%d).querySelector('.jp-InputPrompt') || __e2e.cell(%d), 'cellprompt')`, i, i), 10*time.Second); err != nil {
		return err
	}
	if err := p.b.do(10*time.Second, chromedp.Click(chromedp.CSS(`[data-e2e="cellprompt"]`))); err != nil {
		return fmt.Errorf("click cell %d: %w", i, err)
	}
	return p.b.poll(fmt.Sprintf(`__e2e.activeIndex() === %d && !document.activeElement.closest('.cm-editor')`, i), 10*time.Second)
}

// shiftEnter presses Shift+Enter: run the active cell and select the next one.
func (p *labPage) shiftEnter() error {
	return p.b.do(10*time.Second, chromedp.KeyEvent(kb.Enter, chromedp.KeyModifiers(chromedp.ModifierShift)))
}

// startCell selects cell i and presses Shift+Enter; it returns the prompt shown before.
func (p *labPage) startCell(i int) (before string, err error) {
	if err := p.selectCell(i); err != nil {
		return "", err
	}
	before, err = evalAs[string](p.b, fmt.Sprintf(`__e2e.prompt(%d)`, i))
	if err != nil {
		return "", err
	}
	return before, p.shiftEnter()
}

// waitCell waits until code cell i shows an execution count other than before: the kernel
// answered its execute request (JupyterLab shows [*] until then).
func (p *labPage) waitCell(i int, before string, timeout time.Duration) error {
	err := p.b.poll(fmt.Sprintf(`(() => { const pr = __e2e.prompt(%d); return /^\[\d+\]:?$/.test(pr) && pr !== %q; })()`, i, before), timeout)
	if err != nil {
		return fmt.Errorf("%w (%s)", err, p.diag(i))
	}
	return nil
}

// diag describes the page's state around cell i, for failure messages.
func (p *labPage) diag(i int) string {
	s, err := evalAs[string](p.b, fmt.Sprintf(`(() => { let s = 'cell %d prompt ' + JSON.stringify(__e2e.prompt(%d)) + ', kernel ' + JSON.stringify(__e2e.status()) + ', active cell ' + __e2e.activeIndex() + ' of ' + __e2e.cells().length;
		const d = [...document.querySelectorAll('.jp-Dialog')].map(x => x.innerText).join(' | '); if (d) s += ', dialog: ' + d;
		return s; })()`, i, i))
	if err != nil {
		return "page state unknown: " + err.Error()
	}
	if shot, err := chromedp.Run(p.b.ctx, chromedp.FullScreenshot(100)); err == nil {
		name := fmt.Sprintf("failure-%s-cell%d-%d.png", p.app, i, time.Now().UnixMilli())
		if os.WriteFile(filepath.Join(artifactsDirPath(), name), shot, 0o644) == nil {
			s += ", screenshot " + name
		}
	}
	return s
}

// runCell runs code cell i (click, Shift+Enter) and waits for it; it returns the time from
// the key press to the cell done.
func (p *labPage) runCell(i int, timeout time.Duration) (time.Duration, error) {
	before, err := p.startCell(i)
	if err != nil {
		return 0, err
	}
	t0 := time.Now()
	err = p.waitCell(i, before, timeout)
	return time.Since(t0), err
}

// cellText is the visible text of cell i's outputs.
func (p *labPage) cellText(i int) (string, error) {
	return evalAs[string](p.b, fmt.Sprintf(`__e2e.outText(%d)`, i))
}

// save presses Ctrl+S (the notebook must be the active widget) and waits until the server has
// written the file at path (its modification time changes).
func (p *labPage) save(path string) error {
	st0, err := os.Stat(path)
	if err != nil {
		return err
	}
	if err := p.b.do(10*time.Second, chromedp.KeyEvent("s", chromedp.KeyModifiers(chromedp.ModifierCtrl))); err != nil {
		return err
	}
	for deadline := time.Now().Add(60 * time.Second); time.Now().Before(deadline); time.Sleep(200 * time.Millisecond) {
		if st, err := os.Stat(path); err == nil && !st.ModTime().Equal(st0.ModTime()) {
			time.Sleep(500 * time.Millisecond) // the write may still be going on
			return nil
		}
	}
	return fmt.Errorf("Ctrl+S: %s not written within 60 s (%s)", path, p.b.shot("failure-save.png"))
}

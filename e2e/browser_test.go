//go:build e2e

package e2e

import (
	"context"
	"fmt"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

func chromiumPath() string {
	if p := os.Getenv("E2E_CHROMIUM"); p != "" {
		return p
	}
	return "/usr/bin/chromium"
}

// browser is a headless Chromium tab; console errors and uncaught exceptions are collected.
type browser struct {
	ctx    context.Context
	mu     sync.Mutex
	errors []string
	logs   []string
}

// newBrowser starts headless Chromium with a fresh profile; it is killed by t.Cleanup.
func newBrowser(t testing.TB) *browser {
	t.Helper()
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(chromiumPath()),
		chromedp.Flag("headless", true),
		chromedp.Flag("no-sandbox", true),
		chromedp.Flag("disable-gpu", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("no-first-run", true),
		chromedp.Flag("no-default-browser-check", true),
		chromedp.Flag("disable-dev-shm-usage", true),
		chromedp.Flag("hide-scrollbars", true),
		chromedp.Flag("mute-audio", true),
		// Loopback only: a name that is not 127.0.0.1 does not resolve, so nothing on the
		// internet is contacted and an asset loaded from a CDN shows up as an error.
		chromedp.Flag("host-resolver-rules", "MAP * ~NOTFOUND , EXCLUDE 127.0.0.1"),
		chromedp.UserDataDir(t.TempDir()),
		chromedp.WindowSize(1400, 1000),
	}
	actx, cancelA := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancelC := chromedp.NewContext(actx)
	t.Cleanup(func() { cancelC(); cancelA() })
	b := &browser{ctx: ctx}
	if err := chromedp.Do(ctx); err != nil { // starts the browser; no timeout on this first call
		t.Fatalf("start chromium %s: %v", chromiumPath(), err)
	}
	b.listenConsole(ctx)
	return b
}

// listenConsole collects the console messages, errors and exceptions of the tab of ctx.
func (b *browser) listenConsole(ctx context.Context) {
	messages := chromedp.Console(ctx)
	go func() {
		for m, err := range messages {
			if err != nil {
				return
			}
			line := m.String()
			if m.URL != "" {
				line += fmt.Sprintf(" (%s:%d)", m.URL, m.Line)
			}
			if m.Exception != nil && m.Exception.Exception != nil && m.Exception.Exception.Description != "" {
				line += " " + m.Exception.Exception.Description
			}
			b.mu.Lock()
			b.logs = append(b.logs, line)
			if m.Type == chromedp.ConsoleError || m.Type == chromedp.ConsoleException {
				b.errors = append(b.errors, line)
			}
			b.mu.Unlock()
		}
	}()
}

// Errors returns the console errors and exceptions seen so far, less those that a Jupyter
// front end itself logs here: a missing ipywidgets extension (404 + refused MIME type for
// nbextensions/widgets), and "Comm promise not found" for the comm GoNB's own websocket
// (gonb_comm) opens outside the front end's comm manager. Also GoNB's own reconnection
// messages: gonb_comm gives up when the kernel acknowledges it
// later than 500 ms (a busy 2-core machine), and the ASN selector then asks GoNB for a new
// one; the tests still require the selection to arrive, so a connection that never
// recovers fails them.
func (b *browser) Errors() []string {
	b.mu.Lock()
	defer b.mu.Unlock()
	var out []string
	for _, e := range b.errors {
		if frontEndOwnError(e) {
			continue
		}
		if strings.Contains(e, "/nbextensions/widgets/") || strings.Contains(e, "Comm promise not found for comm id") ||
			strings.Contains(e, "comm_open_ack not received in time") || // GoNB's websocket.js, with or without its "gonb_comm:" prefix
			strings.Contains(e, "gonb_comm already running: we assume this is after a kernel restart") {
			continue
		}
		out = append(out, e)
	}
	return out
}

// frontEndOwnError: an error thrown in the Jupyter front end's own bundle (Notebook 7's
// notebook_core, JupyterLab's jlab_core: e.g. Notebook 7 reading a settings schema it does not
// have), not in a script of an output, and naming none of ours. Kept in Logs, listed by
// FrontEndErrors.
func frontEndOwnError(e string) bool {
	first, _, _ := strings.Cut(e, "\n")
	own := strings.Contains(first, "/static/notebook/notebook_core.") || strings.Contains(first, "/static/lab/jlab_core.")
	ours := strings.Contains(e, "nbl-") || strings.Contains(e, "echarts") || strings.Contains(e, "leaflet") || strings.Contains(e, "gonb")
	return own && !ours
}

// FrontEndErrors are the errors Errors leaves out as the front end's own.
func (b *browser) FrontEndErrors() []string {
	b.mu.Lock()
	defer b.mu.Unlock()
	var out []string
	for _, e := range b.errors {
		if frontEndOwnError(e) {
			out = append(out, e)
		}
	}
	return out
}

// Logs returns every console message seen so far.
func (b *browser) Logs() []string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return append([]string(nil), b.logs...)
}

// do runs actions with a timeout.
func (b *browser) do(timeout time.Duration, actions ...chromedp.Action[chromedp.Void]) error {
	ctx, cancel := context.WithTimeout(b.ctx, timeout)
	defer cancel()
	return chromedp.Do(ctx, actions...)
}

// evalAs evaluates a JS expression (promises awaited) into a T.
func evalAs[T any](b *browser, expr string) (T, error) {
	ctx, cancel := context.WithTimeout(b.ctx, 30*time.Second)
	defer cancel()
	return chromedp.Run(ctx, chromedp.Evaluate[T](expr, chromedp.EvalAwaitPromise))
}

// eval evaluates a JS expression for its effect.
func (b *browser) eval(expr string) error {
	_, err := evalAs[chromedp.Void](b, expr)
	return err
}

// poll evaluates a boolean JS expression until true or timeout.
func (b *browser) poll(expr string, timeout time.Duration) error {
	deadline := time.Now().Add(timeout)
	for {
		ok, err := evalAs[bool](b, "Boolean("+expr+")")
		if err == nil && ok {
			return nil
		}
		if time.Now().After(deadline) {
			if err != nil {
				return fmt.Errorf("waiting for %s: %w", expr, err)
			}
			return fmt.Errorf("waiting for %s: timed out after %v", expr, timeout)
		}
		time.Sleep(150 * time.Millisecond)
	}
}

//go:build e2e

package e2e

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/input"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"
)

// Themes (issue 11): every output is legible in JupyterLab's Light and Dark themes. The theme is
// switched the analyst's way (Settings → Theme), each section is screenshotted to
// $ARTIFACTS_DIR/lab-<theme>-<nn>-<title>.png, and the text of every output (sections, tables,
// the selector, the maps' controls, the help) is checked for contrast against what is behind
// it: WCAG AA, 4.5:1 (3:1 for large text).

// clickMenu opens a menu path of the menu bar (e.g. "Settings", "Theme", "JupyterLab Dark") with
// the mouse: over each item (a submenu opens on hover), then a click.
func (b *browser) clickMenu(t *testing.T, path ...string) {
	t.Helper()
	type pt struct{ X, Y float64 }
	for _, label := range path {
		at := fmt.Sprintf(`(() => { const x = [...document.querySelectorAll('.lm-MenuBar-itemLabel, .lm-Menu-itemLabel')].find(x => x.offsetParent !== null && x.textContent.trim() === %q);
			if (!x) return null; const r = x.getBoundingClientRect(); return {X: r.left + r.width / 2, Y: r.top + r.height / 2}; })()`, label)
		var p *pt
		for deadline := time.Now().Add(10 * time.Second); p == nil && time.Now().Before(deadline); time.Sleep(150 * time.Millisecond) {
			p, _ = evalAs[*pt](b, at)
		}
		if p == nil {
			items, _ := evalAs[string](b, `[...document.querySelectorAll('.lm-Menu-itemLabel')].filter(x => x.offsetParent !== null).map(x => x.textContent.trim()).join(' | ')`)
			t.Fatalf("menu %v: no item %q; items shown: %s (%s)", path, label, items, b.shot("failure-menu.png"))
		}
		if err := b.do(10*time.Second, chromedp.MouseEvent(input.DispatchMouseEventTypeMouseMoved, p.X, p.Y), chromedp.Sleep(300*time.Millisecond), chromedp.MouseClickXY(p.X, p.Y)); err != nil {
			t.Fatalf("menu %v: click %q: %v", path, label, err)
		}
	}
}

// setTheme switches JupyterLab's theme through its Settings menu and waits until it applies.
func (lv *liveRun) setTheme(t *testing.T, theme string) {
	t.Helper()
	if cur, _ := evalAs[string](lv.b, `document.body.dataset.jpThemeName || ''`); cur == theme {
		return
	}
	lv.b.clickMenu(t, "Settings", "Theme", theme)
	if err := lv.b.poll(fmt.Sprintf(`document.body.dataset.jpThemeName === %q`, theme), 60*time.Second); err != nil {
		t.Fatalf("theme %q not applied: %v", theme, err)
	}
	time.Sleep(time.Second) // charts and maps redraw on the theme change
}

// contrastJS measures, for every element with its own text in the notebook's outputs, the
// contrast of its colour against its background (the background colours of it and its
// ancestors, composed; images and canvases ignored) and returns the ones under WCAG AA.
const contrastJS = `(() => {
	const parse = (c) => { const m = /rgba?\(([^)]+)\)/.exec(c || ''); if (!m) return null;
		const p = m[1].split(/[\s,\/]+/).filter(Boolean).map(Number); return {r: p[0], g: p[1], b: p[2], a: p.length > 3 ? p[3] : 1}; };
	const over = (top, bot) => ({r: top.r * top.a + bot.r * (1 - top.a), g: top.g * top.a + bot.g * (1 - top.a), b: top.b * top.a + bot.b * (1 - top.a), a: 1});
	const bgOf = (el) => { const stack = [];
		for (let e = el; e; e = e.parentElement) { const c = parse(getComputedStyle(e).backgroundColor); if (c && c.a > 0) { stack.push(c); if (c.a >= 1) break; } }
		let bg = {r: 255, g: 255, b: 255, a: 1};
		for (let k = stack.length - 1; k >= 0; k--) bg = over(stack[k], bg);
		return bg; };
	const lum = (c) => { const f = (v) => { v /= 255; return v <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4); }; return 0.2126 * f(c.r) + 0.7152 * f(c.g) + 0.0722 * f(c.b); };
	const ratio = (a, b) => { const x = lum(a), y = lum(b); return (Math.max(x, y) + 0.05) / (Math.min(x, y) + 0.05); };
	const hex = (c) => '#' + [c.r, c.g, c.b].map(v => Math.round(v).toString(16).padStart(2, '0')).join('');
	const bad = []; let checked = 0;
	for (const out of __e2e.out(CELL).querySelectorAll('.jp-OutputArea-output')) {
		const cell = out.closest('.jp-Cell'); const cellIndex = __e2e.cells().indexOf(cell);
		for (const el of out.querySelectorAll('*')) {
			if (el.closest('svg, canvas, .leaflet-tile-pane, script, style')) continue;
			if (el.matches(':disabled, [aria-disabled="true"]')) continue; // WCAG exempts inactive controls
			if (![...el.childNodes].some(n => n.nodeType === 3 && n.textContent.trim())) continue;
			const r = el.getBoundingClientRect(); if (!r.width || !r.height) continue;
			const cs = getComputedStyle(el); if (cs.visibility === 'hidden' || cs.display === 'none') continue;
			const bg = bgOf(el); let fg = parse(cs.color); if (!fg) continue; if (fg.a < 1) fg = over(fg, bg);
			const size = parseFloat(cs.fontSize), large = size >= 24 || (size >= 18.66 && Number(cs.fontWeight) >= 700);
			const rt = ratio(fg, bg); checked++;
			if (rt < (large ? 3 : 4.5)) bad.push({cell: cellIndex, tag: el.tagName.toLowerCase() + (typeof el.className === 'string' && el.className ? '.' + el.className.trim().split(/\s+/).join('.') : ''),
				text: el.textContent.trim().slice(0, 40), fg: hex(fg), bg: hex(bg), ratio: Math.round(rt * 100) / 100});
		}
	}
	return {checked, bad}; })()`

type contrastReport struct {
	Checked int `json:"checked"`
	Bad     []struct {
		Cell  int     `json:"cell"`
		Tag   string  `json:"tag"`
		Text  string  `json:"text"`
		FG    string  `json:"fg"`
		BG    string  `json:"bg"`
		Ratio float64 `json:"ratio"`
	} `json:"bad"`
}

// checkThemes takes the section screenshots and checks the contrast in Light, then Dark, then
// switches back to Light.
func checkThemes(t *testing.T, lv *liveRun) {
	for _, theme := range []string{themeLight, themeDark} {
		t.Run(strings.ReplaceAll(theme, " ", ""), func(t *testing.T) {
			lv.setTheme(t, theme)
			name := "lab-" + strings.ToLower(strings.TrimPrefix(theme, "JupyterLab "))
			lv.screenshotSections(t, name)
			// Contrast of every cell's outputs, each scrolled into view (JupyterLab does not
			// lay out cells out of view), the charts and maps drawn first.
			lv.checkRendered(t)
			var all contrastReport
			for _, i := range codeCells(lv.nb) {
				_ = lv.b.eval(fmt.Sprintf(`__e2e.cell(%d).scrollIntoView({block: 'start'}); true`, i))
				time.Sleep(100 * time.Millisecond)
				r, err := evalAs[contrastReport](lv.b, strings.ReplaceAll(contrastJS, "CELL", fmt.Sprint(i)))
				if err != nil {
					t.Fatal(err)
				}
				all.Checked += r.Checked
				all.Bad = append(all.Bad, r.Bad...)
			}
			t.Logf("%s: %d text elements checked, %d under WCAG AA contrast", theme, all.Checked, len(all.Bad))
			if all.Checked < 50 {
				t.Errorf("only %d text elements in the outputs: the outputs did not render", all.Checked)
			}
			if len(all.Bad) > 0 {
				var b strings.Builder
				seen := map[string]int{}
				for _, x := range all.Bad {
					k := x.Tag + " " + x.FG + " on " + x.BG
					seen[k]++
					if seen[k] > 2 {
						continue
					}
					fmt.Fprintf(&b, "  cell %d %s %q: %s on %s, %.2f:1\n", x.Cell, x.Tag, x.Text, x.FG, x.BG, x.Ratio)
				}
				t.Errorf("%s: %d text elements are hard to read (contrast under 4.5:1, 3:1 for large text); first of each kind:\n%s", theme, len(all.Bad), b.String())
			}
		})
	}
	lv.setTheme(t, themeLight)
}

// screenshotSections saves, for each section heading in the outputs (the help cell aside),
// the part of the notebook from it to the next heading (or the end of its cell's outputs), in
// a tall viewport, as $ARTIFACTS_DIR/<prefix>-<nn>-<title>.png.
func (lv *liveRun) screenshotSections(t *testing.T, prefix string) {
	t.Helper()
	b := lv.b
	if err := b.do(10*time.Second, chromedp.EmulateViewport(1400, 2400)); err != nil {
		t.Fatal(err)
	}
	defer func() { _ = b.do(10*time.Second, chromedp.EmulateViewport(1400, 1000)) }()
	titles := sectionTitles(t)
	n, err := evalAs[int](b, `(() => { window.__e2eHeads = [...__e2e.panel().querySelectorAll('.jp-OutputArea-output h1, .jp-OutputArea-output h2, .jp-OutputArea-output h3, .jp-OutputArea-output h4')]
		.filter(h => !/nb\.Help\(/.test(h.closest('.jp-Cell').querySelector('.jp-InputArea').textContent)); return window.__e2eHeads.length; })()`)
	if err != nil {
		t.Fatal(err)
	}
	type rect struct {
		Title      string
		X, Y, W, H float64
	}
	shots := 0
	for k := 0; k < n; k++ {
		r, err := evalAs[rect](b, fmt.Sprintf(`(() => { const hs = window.__e2eHeads, h = hs[%d];
			h.scrollIntoView({block: 'start'});
			const top = h.getBoundingClientRect().top - 6;
			const area = h.closest('.jp-Cell-outputArea');
			const next = hs[%d + 1] && hs[%d + 1].closest('.jp-Cell-outputArea') === area ? hs[%d + 1].getBoundingClientRect().top - 6 : area.getBoundingClientRect().bottom;
			const bottom = Math.min(next, __e2e.panel().querySelector('.jp-Notebook').getBoundingClientRect().bottom);
			const a = area.getBoundingClientRect();
			return {Title: h.textContent.replace('¶', '').trim(), X: a.left, Y: Math.max(0, top), W: a.width, H: Math.max(20, bottom - Math.max(0, top))}; })()`, k, k, k, k))
		if err != nil {
			t.Errorf("section %d: %v", k, err)
			continue
		}
		known := false
		for _, title := range titles {
			known = known || strings.Contains(r.Title, title)
		}
		if !known {
			continue
		}
		time.Sleep(150 * time.Millisecond)
		ctx, cancel := context.WithTimeout(b.ctx, 30*time.Second)
		shot, err := chromedp.Call(ctx, page.CaptureScreenshot, page.CaptureScreenshotParams{
			Format: page.CaptureScreenshotFormatPng,
			Clip:   &page.Viewport{X: r.X, Y: r.Y, Width: r.W, Height: r.H, Scale: 1},
		})
		cancel()
		if err != nil {
			t.Errorf("screenshot of %q: %v", r.Title, err)
			continue
		}
		name := fmt.Sprintf("%s-%02d-%s.png", prefix, shots, sanitize(strings.TrimRight(r.Title, ".")))
		if err := os.WriteFile(filepath.Join(artifactsDir(t), name), shot.Data, 0o644); err != nil {
			t.Error(err)
		}
		shots++
	}
	t.Logf("%d section screenshots (%s-*.png) in %s", shots, prefix, artifactsDir(t))
	if shots < len(titles)-1 {
		t.Errorf("%d section screenshots, want one per section title (%d)", shots, len(titles))
	}
}

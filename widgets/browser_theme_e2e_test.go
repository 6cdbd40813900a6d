//go:build e2e

package widgets

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/chromedp"
	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"
)

// jupyterLabThemes holds the values of the JupyterLab 4 theme variables the
// widgets use, in its Light and Dark themes (@jupyterlab/theme-light-extension,
// @jupyterlab/theme-dark-extension).
var jupyterLabThemes = map[string]string{
	"light": `--jp-layout-color0:#fff;--jp-layout-color1:#fff;--jp-layout-color2:#eee;--jp-layout-color3:#bdbdbd;` +
		`--jp-ui-font-color0:rgba(0,0,0,1);--jp-ui-font-color1:rgba(0,0,0,.87);--jp-ui-font-color2:rgba(0,0,0,.54);--jp-ui-font-color3:rgba(0,0,0,.38);` +
		`--jp-content-font-color1:rgba(0,0,0,.87);--jp-border-color1:#bdbdbd;--jp-border-color2:#e0e0e0;--jp-brand-color1:#1976d2;` +
		`--jp-content-link-color:#1976d2;--jp-rendermime-table-row-background:#f5f5f5;--jp-rendermime-table-row-hover-background:#e1f5fe;--jp-ui-font-size1:13px`,
	"dark": `--jp-layout-color0:#111;--jp-layout-color1:#212121;--jp-layout-color2:#424242;--jp-layout-color3:#616161;` +
		`--jp-ui-font-color0:rgba(255,255,255,1);--jp-ui-font-color1:rgba(255,255,255,.87);--jp-ui-font-color2:rgba(255,255,255,.54);--jp-ui-font-color3:rgba(255,255,255,.38);` +
		`--jp-content-font-color1:rgba(255,255,255,1);--jp-border-color1:#616161;--jp-border-color2:#424242;--jp-brand-color1:#2196f3;` +
		`--jp-content-link-color:#64b5f6;--jp-rendermime-table-row-background:#212121;--jp-rendermime-table-row-hover-background:rgba(3,169,244,.2);--jp-ui-font-size1:13px`,
}

// notebookRules stands in for the rules a notebook front end applies to
// rendered HTML outputs that matter here: JupyterLab styles output tables
// with two-class selectors (cells right-aligned, fixed layout, centred,
// zebra rows) and colours text with its theme variables.
const notebookRules = `body{margin:0;padding:8px;background:var(--jp-layout-color0);color:var(--jp-content-font-color1);font-family:sans-serif}
.jp-RenderedHTMLCommon{color:var(--jp-content-font-color1);font-size:14px}
.jp-RenderedHTMLCommon table{border-collapse:collapse;border:none;color:var(--jp-ui-font-color1);table-layout:fixed;margin-left:auto;margin-right:auto}
.jp-RenderedHTMLCommon td,.jp-RenderedHTMLCommon th,.jp-RenderedHTMLCommon tr{padding:.5em;border:none}
:not(.jp-RenderedMarkdown).jp-RenderedHTMLCommon td,:not(.jp-RenderedMarkdown).jp-RenderedHTMLCommon th{text-align:right}
.jp-RenderedHTMLCommon tbody tr:nth-child(odd){background:var(--jp-layout-color0)}
.jp-RenderedHTMLCommon tbody tr:nth-child(even){background:var(--jp-rendermime-table-row-background)}
.jp-RenderedHTMLCommon p{text-align:left;margin:0 0 1em}
.jp-ThemedContainer .jp-RenderedHTMLCommon pre{color:var(--jp-content-font-color1);border:none;margin:0;padding:0}`

// notebookPage wraps markup as a notebook output in the given theme.
func notebookPage(theme, markup string) string {
	light := "true"
	if theme == "dark" {
		light = "false"
	}
	return `<!doctype html><html><head><meta charset="utf-8"><title>` + theme + `</title><style>:root{` + jupyterLabThemes[theme] + `}` + notebookRules + `</style>
<script>globalThis.gonb_comm={websocket_is_opened:true,subscribe:function(){},send:function(){}};</script></head>
<body class="jp-ThemedContainer" data-jp-theme-light="` + light + `"><div class="jp-RenderedHTMLCommon">` + markup + `</div></body></html>`
}

// contrastJS computes the contrast ratio (WCAG 2) of each visible text
// element of the widgets with its background (the first opaque one up the
// tree, semi-transparent layers composited), and returns those below their
// threshold: 4.5 for text, 3 for the secondary text drawn in
// --jp-ui-font-color2 (counts, notes, status lines).
const contrastJS = `(function(){
function rgba(s){var m=/rgba?\(([^)]+)\)/.exec(s||"");if(!m)return null;var p=m[1].split(",").map(function(x){return parseFloat(x);});return [p[0],p[1],p[2],p.length>3?p[3]:1];}
function over(top,bot){var a=top[3];return [top[0]*a+bot[0]*(1-a),top[1]*a+bot[1]*(1-a),top[2]*a+bot[2]*(1-a),1];}
function bg(el){var layers=[];for(var e=el;e&&e.nodeType===1;e=e.parentElement){var c=rgba(getComputedStyle(e).backgroundColor);if(c&&c[3]>0){layers.push(c);if(c[3]>=1)break;}}
var b=[255,255,255,1];if(layers.length&&layers[layers.length-1][3]>=1){b=layers.pop();}for(var i=layers.length-1;i>=0;i--){b=over(layers[i],b);}return b;}
function lum(c){var v=[c[0],c[1],c[2]].map(function(x){x/=255;return x<=0.03928?x/12.92:Math.pow((x+0.055)/1.055,2.4);});return 0.2126*v[0]+0.7152*v[1]+0.0722*v[2];}
var secondary=".nbl-status,.nbl-page,.nbl-count,.nbl-note,.nbl-bound,.nbl-more,.nbl-reason,.leaflet-control-attribution";
var sel=".nbl-table th,.nbl-table td,.nbl-table caption,.nbl-controls input,.nbl-controls select,.nbl-controls button,.nbl-status,.nbl-page,.nbl-count,.nbl-bound,.nbl-note,"+
".nbl-checklist .nbl-title,.nbl-checklist td,.nbl-checklist th,.nbl-checklist label,.nbl-reason,.nbl-legend>span,.nbl-progress span,"+
".nbl-map-wrap .leaflet-control-layers label span,.nbl-map-wrap .leaflet-control-attribution,.nbl-map-wrap .leaflet-control-zoom a,.nbl-map-wrap .leaflet-popup-content td,.nbl-map-wrap .leaflet-tooltip";
var bad=[],checked=0;
document.querySelectorAll(sel).forEach(function(el){
if(el.disabled||el.closest("[disabled]")||!el.offsetWidth||!(el.textContent||el.value||"").trim())return;
var st=getComputedStyle(el);var fg=rgba(st.color);var b=bg(el);var f=over(fg,b);
var l1=lum(f),l2=lum(b);var ratio=(Math.max(l1,l2)+0.05)/(Math.min(l1,l2)+0.05);
var min=el.matches(secondary)||el.closest(secondary)?3:4.5;checked++;
if(ratio<min)bad.push(el.tagName.toLowerCase()+"."+el.className+" "+JSON.stringify((el.textContent||el.value).trim().slice(0,30))+": "+ratio.toFixed(2)+" < "+min+" ("+st.color+" on rgb("+b.slice(0,3).map(Math.round)+"))");});
return {checked:checked,bad:bad};})()`

// TestBrowserThemes draws the widgets as outputs of a JupyterLab notebook in
// its Light and Dark themes and checks that every text is legible (contrast
// with its background), that charts take ECharts' matching theme, and that
// the notebook's table rules do not override the widgets' layout.
func TestBrowserThemes(t *testing.T) {
	srv := httptest.NewServer(http.StripPrefix("/npm", AssetServer("")))
	defer srv.Close()
	markup := widgetsMarkup(t, Assets{BaseURL: srv.URL + "/npm", TileURL: NoTiles})
	for _, theme := range []string{"light", "dark"} {
		t.Run(theme, func(t *testing.T) {
			page := notebookPage(theme, markup)
			mux := http.NewServeMux()
			mux.Handle("/npm/", http.StripPrefix("/npm", AssetServer("")))
			mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Type", "text/html; charset=utf-8")
				_, _ = w.Write([]byte(page))
			})
			ps := httptest.NewServer(mux)
			defer ps.Close()
			ctx := startChromium(t)
			if err := chromedp.Do(ctx, chromedp.Navigate(ps.URL+"/"),
				chromedp.WaitVisible(chromedp.CSS(".nbl-chart canvas")),
				chromedp.WaitVisible(chromedp.CSS(".nbl-map path.nbl-outline")),
				chromedp.WaitVisible(chromedp.CSS(".nbl-table .nbl-controls"))); err != nil {
				t.Fatalf("page did not draw: %v", err)
			}
			eval := func(js string, out any) {
				t.Helper()
				v, err := chromedp.Run(ctx, chromedp.Evaluate[json.RawMessage](js))
				if err != nil {
					t.Fatalf("evaluate: %v", err)
				}
				if err := json.Unmarshal(v, out); err != nil {
					t.Fatalf("evaluate: %s: %v", v, err)
				}
			}
			// Open a popup and a tooltip so that they are checked too.
			var ok bool
			eval(`(function(){var p=Array.from(document.querySelectorAll(".nbl-map path.leaflet-interactive")).filter(function(p){return p.getAttribute("stroke")==="red";})[0];
p.dispatchEvent(new MouseEvent("mouseover",{bubbles:true}));p.dispatchEvent(new MouseEvent("click",{bubbles:true,clientX:1,clientY:1}));return true;})()`, &ok)
			var res struct {
				Checked int
				Bad     []string
			}
			eval(contrastJS, &res)
			if res.Checked < 40 {
				t.Errorf("only %d text elements checked", res.Checked)
			}
			for _, b := range res.Bad {
				t.Errorf("illegible in %s: %s", theme, b)
			}
			var themes []string
			eval(`Array.from(document.querySelectorAll(".nbl-chart-wrap")).map(function(c){return c.getAttribute("data-theme");})`, &themes)
			for _, got := range themes {
				if got != theme {
					t.Errorf("chart theme %q, want %q", got, theme)
				}
			}
			var align []string
			eval(`Array.from(document.querySelectorAll(".nbl-table tbody tr:first-child td, .nbl-checklist tbody tr:first-child td")).map(function(td){return getComputedStyle(td).textAlign;})`, &align)
			if want := "left right left left left left left"; strings.Join(align, " ") != want {
				t.Errorf("cell alignment %v, want %s (text left, numbers right, whatever the notebook's rules)", align, want)
			}
			png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
			if err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(filepath.Join(artifactsDir(t), "widgets-"+theme+".png"), png, 0o644); err != nil {
				t.Fatal(err)
			}
		})
	}
}

// sanitizeLikeJupyterLab does to markup what JupyterLab does to the HTML
// output of an untrusted notebook: scripts and style elements go (with
// their content), other unknown elements are unwrapped, attributes not on
// its allowed list go, and so do style declarations whose values are not
// plain (CSS variables, calc, min).
func sanitizeLikeJupyterLab(t *testing.T, markup string) string {
	t.Helper()
	allowedAttr := map[string]bool{"class": true, "id": true, "style": true, "title": true, "hidden": true, "dir": true, "lang": true}
	perTag := map[string]map[string]bool{
		"input":  {"type": true, "value": true, "checked": true, "disabled": true, "placeholder": true, "name": true},
		"button": {"type": true, "value": true, "disabled": true, "name": true},
		"label":  {"for": true},
	}
	dropped := map[string]bool{"script": true, "style": true}
	nodes, err := html.ParseFragment(strings.NewReader(markup), &html.Node{Type: html.ElementNode, Data: "div", DataAtom: atom.Div})
	if err != nil {
		t.Fatal(err)
	}
	var clean func(n *html.Node)
	clean = func(n *html.Node) {
		for c := n.FirstChild; c != nil; {
			next := c.NextSibling
			if c.Type == html.ElementNode && dropped[c.Data] {
				n.RemoveChild(c)
			} else {
				clean(c)
			}
			c = next
		}
		if n.Type != html.ElementNode {
			return
		}
		var attrs []html.Attribute
		for _, a := range n.Attr {
			if !allowedAttr[a.Key] && !perTag[n.Data][a.Key] {
				continue
			}
			if a.Key == "style" {
				var keep []string
				for _, d := range strings.Split(a.Val, ";") {
					if d = strings.TrimSpace(d); d != "" && !strings.Contains(d, "var(") && !strings.Contains(d, "calc(") && !strings.Contains(d, "min(") {
						keep = append(keep, d)
					}
				}
				a.Val = strings.Join(keep, ";")
			}
			attrs = append(attrs, a)
		}
		n.Attr = attrs
	}
	var b strings.Builder
	for _, n := range nodes {
		if n.Type == html.ElementNode && dropped[n.Data] {
			continue
		}
		clean(n)
		if err := html.Render(&b, n); err != nil {
			t.Fatal(err)
		}
	}
	return b.String()
}

// TestBrowserUntrusted opens the widgets as a reopened, untrusted notebook
// shows them (sanitised as JupyterLab does, no scripts), and as a page
// whose scripts do not run (an HTML report with scripts blocked): tables
// show their first rows and a note on how to see the rest, chart and map
// placeholders say how to redraw them, charts list their series in text,
// the checklist shows its ticks.
func TestBrowserUntrusted(t *testing.T) {
	big := NewTable("big", Column{Title: "dest"}, Column{Title: "flows", Bar: true, Numeric: true})
	for i := range 150 {
		big.Row(fmt.Sprintf("13.0.0.%d", i), i)
	}
	bigHTML, err := big.HTML()
	if err != nil {
		t.Fatal(err)
	}
	markup := widgetsMarkup(t, Assets{BaseURL: "http://127.0.0.1:1/npm", TileURL: NoTiles}) + string(bigHTML)
	for _, v := range []struct{ name, markup string }{
		{"sanitised", sanitizeLikeJupyterLab(t, markup)},
		{"scripts off", markup},
	} {
		t.Run(v.name, func(t *testing.T) {
			page := notebookPage("light", v.markup)
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Type", "text/html; charset=utf-8")
				_, _ = w.Write([]byte(page))
			}))
			defer srv.Close()
			ctx := startChromium(t)
			if _, err := chromedp.Call(ctx, emulation.SetScriptExecutionDisabled, emulation.SetScriptExecutionDisabledParams{Value: true}); err != nil {
				t.Fatal(err)
			}
			if err := chromedp.Do(ctx, chromedp.Navigate(srv.URL+"/"), chromedp.Sleep(300*time.Millisecond)); err != nil {
				t.Fatal(err)
			}
			// With scripts off, read the page through DevTools' own evaluation.
			eval := func(js string, out any) {
				t.Helper()
				v, err := chromedp.Run(ctx, chromedp.EvaluateAsDevTools[json.RawMessage](js))
				if err != nil {
					t.Fatalf("evaluate: %v", err)
				}
				if err := json.Unmarshal(v, out); err != nil {
					t.Fatalf("evaluate: %s: %v", v, err)
				}
			}
			var got struct {
				Drawn        bool
				Placeholders []string
				Tables       []int
				More         []string
				Legend       string
				Checked      []string
				Status       string
			}
			eval(`({drawn: !!document.querySelector("canvas,.leaflet-container,.nbl-controls input.nbl-filter[aria-label^='filter the rows']"),
placeholders: Array.from(document.querySelectorAll(".nbl-placeholder")).filter(function(p){return p.offsetHeight>0;}).map(function(p){return p.innerText;}),
tables: Array.from(document.querySelectorAll(".nbl-table")).map(function(t){return Array.from(t.querySelectorAll("tbody tr")).filter(function(r){return r.offsetHeight>0;}).length;}),
more: Array.from(document.querySelectorAll(".nbl-more,.nbl-bound")).map(function(p){return p.innerText;}),
legend: Array.from(document.querySelectorAll(".nbl-legend")).map(function(l){return l.innerText;}).join(" | "),
checked: Array.from(document.querySelectorAll(".nbl-checklist input[type=checkbox]")).filter(function(b){return b.checked;}).map(function(b){return b.value;}),
status: (document.querySelector(".nbl-checklist .nbl-status")||{}).innerText})`, &got)
			if got.Drawn {
				t.Error("something was drawn although scripts did not run")
			}
			if len(got.Placeholders) != 4 { // two charts, two maps
				t.Fatalf("visible placeholders %q, want 4", got.Placeholders)
			}
			for _, p := range got.Placeholders {
				if !strings.Contains(p, "Re-run the cell, or trust the notebook") {
					t.Errorf("placeholder %q does not say how to redraw", p)
				}
			}
			for _, want := range []string{"https", "dns", "points"} {
				if !strings.Contains(got.Placeholders[0], want) {
					t.Errorf("chart placeholder %q lacks its series text %q", got.Placeholders[0], want)
				}
			}
			if diff := fmt.Sprint(got.Tables); diff != "[2 100]" {
				t.Errorf("visible table rows %v, want [2 100] (all of the small table, the first 100 of the big one)", got.Tables)
			}
			joined := strings.Join(got.More, " | ")
			if !strings.Contains(joined, "Only the first 100 of 150 rows are shown") || !strings.Contains(joined, "Re-run the cell, or trust the notebook") ||
				!strings.Contains(joined, "The table holds the first 2 of 3 rows.") {
				t.Errorf("table notes %q", joined)
			}
			if !strings.Contains(got.Legend, "Outbound (20)") || !strings.Contains(got.Legend, "Threats (1)") {
				t.Errorf("map legend %q", got.Legend)
			}
			if strings.Join(got.Checked, ",") != "AS1,AS3" || !strings.Contains(got.Status, "Re-run the cell (or trust the notebook)") {
				t.Errorf("checklist: ticked %v, status %q", got.Checked, got.Status)
			}
			png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
			if err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(filepath.Join(artifactsDir(t), "widgets-untrusted-"+strings.ReplaceAll(v.name, " ", "-")+".png"), png, 0o644); err != nil {
				t.Fatal(err)
			}
		})
	}
}

package nb

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"html"
	"html/template"
	"io"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/janpfeifer/gonb/gonbui"
)

// Sink is where a notebooklet's output goes: a GoNB cell, an HTML report or
// a terminal. Sinks are safe for concurrent use.
type Sink interface {
	// Heading shows a section title at the given level (1 = largest).
	Heading(level int, title string)
	// Text shows explanatory text; markdown says whether it is Markdown
	// (see TextHTML for the subset rendered).
	Text(body string, markdown bool)
	// Show shows a rendered widget; text is the terminal fallback (may be
	// empty).
	Show(html template.HTML, text string)
	// Update shows content in place of the previous content with the same
	// id (progress bars); a report keeps the last content.
	Update(id string, html template.HTML, text string)
	// Close flushes the sink.
	Close() error
}

// DefaultSink returns the GoNB sink when running in a GoNB cell
// (gonbui.IsNotebook), else a text sink on standard output.
func DefaultSink() Sink {
	if gonbui.IsNotebook {
		return GoNBSink()
	}
	return NewTextSink(os.Stdout)
}

// Discard is a sink that shows nothing.
var Discard Sink = discard{}

type discard struct{}

func (discard) Heading(int, string)                  {}
func (discard) Text(string, bool)                    {}
func (discard) Show(template.HTML, string)           {}
func (discard) Update(string, template.HTML, string) {}
func (discard) Close() error                         { return nil }

// Tee returns a sink that sends everything to all the given sinks, for
// example a terminal and an HTML report. Close closes them all and returns
// their errors joined.
func Tee(sinks ...Sink) Sink { return tee(sinks) }

type tee []Sink

func (t tee) Heading(l int, s string) {
	for _, x := range t {
		x.Heading(l, s)
	}
}
func (t tee) Text(b string, md bool) {
	for _, x := range t {
		x.Text(b, md)
	}
}
func (t tee) Show(h template.HTML, s string) {
	for _, x := range t {
		x.Show(h, s)
	}
}
func (t tee) Update(id string, h template.HTML, s string) {
	for _, x := range t {
		x.Update(id, h, s)
	}
}

// UpdateInterval is the slowest of the sinks' own (widgets.Pacer).
func (t tee) UpdateInterval() time.Duration {
	var d time.Duration
	for _, x := range t {
		if pc, ok := x.(interface{ UpdateInterval() time.Duration }); ok {
			d = max(d, pc.UpdateInterval())
		}
	}
	return d
}

func (t tee) Close() error {
	var errs []error
	for _, x := range t {
		errs = append(errs, x.Close())
	}
	return errors.Join(errs...)
}

// headingHTML renders an escaped heading.
func headingHTML(level int, title string) string {
	level = min(max(level, 1), 6)
	return fmt.Sprintf("<h%d>%s</h%d>", level, html.EscapeString(title), level)
}

// ---- GoNB ----

// gonbDisplay is the part of gonbui the GoNB sink uses; tests fake it.
type gonbDisplay interface {
	DisplayHTML(html string)
	UpdateHTML(id, html string)
	Sync()
}

type gonbuiDisplay struct{}

func (gonbuiDisplay) DisplayHTML(h string)    { gonbui.DisplayHTML(h) }
func (gonbuiDisplay) UpdateHTML(id, h string) { gonbui.UpdateHTML(id, h) }
func (gonbuiDisplay) Sync()                   { gonbui.Sync() }

// GoNBSink returns a sink that displays in the current GoNB cell through
// gonbui. Text is rendered to escaped HTML; Update uses gonbui.UpdateHTML
// with display ids made unique to this sink, so a later cell never
// overwrites an earlier cell's output. Outside GoNB it shows nothing.
func GoNBSink() Sink { return newGoNBSink(gonbuiDisplay{}, gonbui.UniqueId()) }

func newGoNBSink(d gonbDisplay, prefix string) *gonbSink {
	return &gonbSink{d: d, prefix: prefix}
}

type gonbSink struct {
	mu     sync.Mutex
	d      gonbDisplay
	prefix string
}

func (g *gonbSink) Heading(level int, title string) {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.d.DisplayHTML(headingHTML(level, title))
}

func (g *gonbSink) Text(body string, markdown bool) {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.d.DisplayHTML(`<div class="nb-text">` + string(TextHTML(body, markdown)) + `</div>`)
}

func (g *gonbSink) Show(h template.HTML, _ string) {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.d.DisplayHTML(string(h))
}

func (g *gonbSink) Update(id string, h template.HTML, _ string) {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.d.UpdateHTML(g.prefix+"-"+id, string(h))
}

func (g *gonbSink) Close() error {
	g.d.Sync()
	return nil
}

// ---- text ----

// textWidth is the wrap width of the text sink.
const textWidth = 100

// TextUpdateInterval is the least time between two updates (progress bars)
// the text sink asks for (its UpdateInterval): a line a second.
const TextUpdateInterval = time.Second

// NewTextSink returns a sink for terminals and logs: headings underlined,
// texts wrapped, widgets as their text fallback (or a note that they are
// HTML only), and each update (a progress bar's) as a line; a progress bar
// paces its updates to one a second (UpdateInterval). Control characters in what is shown are escaped
// (TerminalSafe), so a string from data cannot clear the screen, retitle the
// window or reorder the text.
func NewTextSink(w io.Writer) Sink {
	return &textSink{w: bufio.NewWriter(w)}
}

type textSink struct {
	mu      sync.Mutex
	w       *bufio.Writer
	started bool
	err     error
}

// UpdateInterval is the least time between two updates the text sink asks
// for (widgets.Pacer).
func (t *textSink) UpdateInterval() time.Duration { return TextUpdateInterval }

// printf writes to the terminal; every string argument is passed through
// TerminalSafe first, so data cannot drive the terminal.
func (t *textSink) printf(format string, args ...any) {
	if t.err != nil {
		return
	}
	for i, a := range args {
		if s, ok := a.(string); ok {
			args[i] = TerminalSafe(s)
		}
	}
	if _, err := fmt.Fprintf(t.w, format, args...); err != nil {
		t.err = err
	}
}

func (t *textSink) sep() {
	if t.started {
		t.printf("\n")
	}
	t.started = true
}

func (t *textSink) Heading(level int, title string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.sep()
	switch level {
	case 1:
		t.printf("%s\n%s\n", title, strings.Repeat("=", max(len([]rune(title)), 3)))
	case 2:
		t.printf("%s\n%s\n", title, strings.Repeat("-", max(len([]rune(title)), 3)))
	default:
		t.printf("%s %s\n", strings.Repeat("#", min(max(level, 1), 6)), title)
	}
	t.flush()
}

func (t *textSink) Text(body string, markdown bool) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if s := TextPlain(body, markdown, textWidth); s != "" {
		t.sep()
		t.printf("%s\n", s)
	}
	t.flush()
}

func (t *textSink) Show(_ template.HTML, text string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.sep()
	if strings.TrimSpace(text) == "" {
		text = "(shown as HTML only: write an HTML report to see it)"
	}
	t.printf("%s\n", strings.TrimRight(text, "\n"))
	t.flush()
}

func (t *textSink) Update(_ string, _ template.HTML, text string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.printf("%s\n", strings.TrimRight(text, "\n"))
	t.flush()
}

func (t *textSink) flush() {
	if t.err == nil {
		t.err = t.w.Flush()
	}
}

func (t *textSink) Close() error {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.flush()
	return t.err
}

// ---- HTML report ----

// HTMLReport is a sink that collects everything shown into one
// self-contained HTML page, in order, with styles. Updates with the same id
// replace each other in place, so the report keeps the last one. Write it
// with WriteTo or WriteFile.
type HTMLReport struct {
	mu    sync.Mutex
	title string
	head  []template.HTML
	parts []template.HTML
	ids   map[string]int
	// Generated, when set, is shown under the title.
	Generated time.Time
}

// NewHTMLReport returns an empty report with the given page title.
func NewHTMLReport(title string) *HTMLReport {
	return &HTMLReport{title: title, ids: map[string]int{}}
}

// AddHead adds trusted markup (styles, scripts) to the page's <head>.
func (r *HTMLReport) AddHead(h template.HTML) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.head = append(r.head, h)
}

// Heading implements Sink.
func (r *HTMLReport) Heading(level int, title string) {
	r.add(template.HTML(headingHTML(level, title))) //nolint:gosec // escaped
}

// Text implements Sink.
func (r *HTMLReport) Text(body string, markdown bool) {
	r.add(`<div class="nb-text">` + TextHTML(body, markdown) + `</div>`)
}

// Show implements Sink.
func (r *HTMLReport) Show(h template.HTML, _ string) {
	r.add(`<div class="nb-output">` + h + `</div>`)
}

// Update implements Sink: the content replaces the previous content with
// the same id.
func (r *HTMLReport) Update(id string, h template.HTML, _ string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	block := `<div class="nb-output">` + h + `</div>`
	if i, ok := r.ids[id]; ok {
		r.parts[i] = block
		return
	}
	r.ids[id] = len(r.parts)
	r.parts = append(r.parts, block)
}

// Close implements Sink; it does nothing (write the report with WriteTo or
// WriteFile).
func (r *HTMLReport) Close() error { return nil }

func (r *HTMLReport) add(h template.HTML) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.parts = append(r.parts, h)
}

// ReportStyle is the style sheet of HTML reports and help pages. It defines
// the JupyterLab theme variables (--jp-*) the widgets use, with light values
// and, under prefers-color-scheme: dark, dark ones, so that a report reads
// as the notebook does in JupyterLab's Light and Dark themes.
const ReportStyle = `:root{color-scheme:light;--jp-layout-color0:#fff;--jp-layout-color1:#fff;--jp-layout-color2:#f6f8fa;--jp-layout-color3:#e5e9ed;` +
	`--jp-ui-font-color0:#000;--jp-ui-font-color1:#1f2328;--jp-ui-font-color2:#57606a;--jp-ui-font-color3:#6e7781;--jp-content-font-color1:#1f2328;` +
	`--jp-border-color1:#8c959f;--jp-border-color2:#d0d7de;--jp-brand-color1:#0969da;--jp-content-link-color:#0969da;` +
	`--jp-rendermime-table-row-background:#f6f8fa;--jp-rendermime-table-row-hover-background:#eaeef2}
@media (prefers-color-scheme:dark){:root{color-scheme:dark;--jp-layout-color0:#0d1117;--jp-layout-color1:#161b22;--jp-layout-color2:#21262d;--jp-layout-color3:#30363d;` +
	`--jp-ui-font-color0:#fff;--jp-ui-font-color1:#e6edf3;--jp-ui-font-color2:#9198a1;--jp-ui-font-color3:#7d8590;--jp-content-font-color1:#e6edf3;` +
	`--jp-border-color1:#6e7681;--jp-border-color2:#30363d;--jp-brand-color1:#2f81f7;--jp-content-link-color:#4493f8;` +
	`--jp-rendermime-table-row-background:#161b22;--jp-rendermime-table-row-hover-background:#1f2937}}
body{font-family:-apple-system,"Segoe UI",Roboto,Helvetica,Arial,sans-serif;margin:2em auto;max-width:1200px;padding:0 1em;line-height:1.45;` +
	`color:var(--jp-content-font-color1,#1f2328);background:var(--jp-layout-color0,#fff)}
a{color:var(--jp-content-link-color,#0969da)}
h1,h2,h3,h4{margin:1.2em 0 .4em}h1{border-bottom:2px solid var(--jp-border-color2,#d0d7de);padding-bottom:.2em}
h2{border-bottom:1px solid var(--jp-border-color2,#d0d7de);padding-bottom:.15em}
code{background:var(--jp-layout-color2,#f3f4f6);padding:.1em .3em;border-radius:4px;font-size:90%}
pre{background:var(--jp-layout-color2,#f6f8fa);padding:.8em;overflow:auto}
table{border-collapse:collapse;margin:.5em 0;font-size:90%}th,td{border:1px solid var(--jp-border-color2,#d0d7de);padding:.25em .5em;text-align:left;vertical-align:top}
th{background:var(--jp-layout-color2,#f6f8fa)}.nb-output{margin:.6em 0 1.2em;overflow-x:auto}.nb-meta{color:var(--jp-ui-font-color2,#57606a);font-size:90%}
.nb-text p{margin:.4em 0}`

var reportTemplate = template.Must(template.New("report").Parse(`<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{.Title}}</title>
<style>{{.Style}}</style>
{{range .Head}}{{.}}
{{end}}</head>
<body>
<main>
{{if not .Generated.IsZero}}<p class="nb-meta">Generated {{.Generated.Format "2006-01-02 15:04:05 MST"}} by notebooklets for Go</p>
{{end}}{{range .Parts}}{{.}}
{{end}}</main>
</body>
</html>
`))

// WriteTo writes the report as one HTML page.
func (r *HTMLReport) WriteTo(w io.Writer) (int64, error) {
	r.mu.Lock()
	data := struct {
		Title     string
		Style     template.CSS
		Head      []template.HTML
		Parts     []template.HTML
		Generated time.Time
	}{r.title, template.CSS(ReportStyle), append([]template.HTML(nil), r.head...), append([]template.HTML(nil), r.parts...), r.Generated}
	r.mu.Unlock()
	var buf bytes.Buffer
	if err := reportTemplate.Execute(&buf, data); err != nil {
		return 0, fmt.Errorf("render report: %w", err)
	}
	return buf.WriteTo(w)
}

// WriteFile writes the report to path atomically (temporary file and
// rename), readable by the owner and others (0644).
func (r *HTMLReport) WriteFile(path string) error {
	var buf bytes.Buffer
	if _, err := r.WriteTo(&buf); err != nil {
		return err
	}
	return writeFileAtomic(path, buf.Bytes(), 0o644)
}

// ShowError shows err in s, so a notebook cell shows what went wrong
// without a check of its own: a block in JupyterLab's error colours in a
// cell or report, "Error: …" on a terminal. The message is escaped for
// either. A nil err shows nothing.
func ShowError(s Sink, err error) {
	if err == nil || s == nil {
		return
	}
	msg := err.Error()
	s.Show(template.HTML(`<div class="nb-error" role="alert" style="color:var(--jp-error-color1,#b3261e);`+ //nolint:gosec // escaped
		`background:var(--jp-error-color3,#fdecea);border-left:4px solid var(--jp-error-color1,#b3261e);padding:.4em .8em;margin:.4em 0;white-space:pre-wrap">`+
		`<strong>Error:</strong> `+html.EscapeString(msg)+`</div>`), "Error: "+msg)
}

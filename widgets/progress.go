package widgets

import (
	"fmt"
	"html/template"
	"io"
	"os"
	"strings"
	"sync"
	"time"
)

// ProgressInterval is the least time between two progress updates.
const ProgressInterval = 250 * time.Millisecond

// Pacer is an optional interface of a Display: the least time it wants
// between two updates of one bar (a log wants fewer lines than a cell).
// Progress, the one place that paces updates, waits at least that long.
type Pacer interface {
	UpdateInterval() time.Duration
}

// updateInterval is how long Progress waits between updates on d.
func updateInterval(d Display) time.Duration {
	if pc, ok := d.(Pacer); ok {
		return max(ProgressInterval, pc.UpdateInterval())
	}
	return ProgressInterval
}

// Progress is a bar with done/total, rate and time left, updated in place on
// a Display at most every ProgressInterval (or the display's own
// UpdateInterval, see Pacer), and always on Done. It is safe for concurrent
// use.
type Progress struct {
	mu       sync.Mutex
	d        Display
	id       string
	title    string
	total    int
	done     int
	start    time.Time
	deadline time.Time // zero: none
	last     time.Time
	finished bool
	now      func() time.Time
}

// NewProgress starts a progress bar of total steps shown on d under id
// (d may be nil: nothing is shown).
func NewProgress(d Display, id, title string, total int) *Progress {
	p := &Progress{d: d, id: id, title: title, total: total, now: time.Now}
	p.start = p.now()
	p.show(true)
	return p
}

// Add records n more steps done.
func (p *Progress) Add(n int) {
	if p == nil {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.finished {
		return
	}
	p.done += n
	p.show(false)
}

// Deadline says the work stops at t at the latest (a lookup step's
// deadline): the time left shown is never past it.
func (p *Progress) Deadline(t time.Time) *Progress {
	if p == nil {
		return p
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	p.deadline = t
	return p
}

// Finisher is an optional interface of a Display: Progress.Done calls
// Finish(id) after the final update (TextDisplay ends the bar's line).
type Finisher interface {
	Finish(id string)
}

// Done shows the final state; later calls do nothing.
func (p *Progress) Done() {
	if p == nil {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.finished {
		return
	}
	p.finished = true
	p.show(true)
	if f, ok := p.d.(Finisher); ok {
		f.Finish(p.id)
	}
}

// show must be called with mu held.
func (p *Progress) show(force bool) {
	if p.d == nil {
		return
	}
	now := p.now()
	if !force && now.Sub(p.last) < updateInterval(p.d) {
		return
	}
	p.last = now
	h, t := p.render(now)
	p.d.Update(p.id, h, t)
}

type progressView struct {
	Title    string
	Pct      float64
	Width    template.CSS
	Done     int
	Total    int
	Rate     string
	ETA      string
	Finished bool
}

const progressTmpl = `<div class="nbl-progress" style="font-size:12px;margin:4px 0"><span>{{.Title}}</span>
<div role="progressbar" aria-valuemin="0" aria-valuemax="{{.Total}}" aria-valuenow="{{.Done}}" style="display:inline-block;vertical-align:middle;width:240px;height:12px;background:var(--jp-layout-color3,#e1e4e8);border:1px solid var(--jp-border-color2,#d0d7de);border-radius:3px;margin:0 6px"><div style="width:{{.Width}};height:100%;background:var(--jp-brand-color1,#4a90d9);border-radius:3px"></div></div>
<span>{{.Done}}/{{.Total}}{{if .Rate}}, {{.Rate}}{{end}}{{if .ETA}}, {{.ETA}}{{end}}{{if .Finished}}, done{{end}}</span></div>`

var progressT = template.Must(template.New("progress").Parse(progressTmpl))

func (p *Progress) view(now time.Time) progressView {
	v := progressView{Title: p.title, Done: p.done, Total: p.total, Finished: p.finished}
	if p.total > 0 {
		v.Pct = float64(p.done) / float64(p.total) * 100
		if v.Pct > 100 {
			v.Pct = 100
		}
	} else if p.finished {
		v.Pct = 100
	}
	v.Width = template.CSS(fmt.Sprintf("%.1f%%", v.Pct))
	el := now.Sub(p.start)
	if el > 0 && p.done > 0 {
		rate := float64(p.done) / el.Seconds()
		v.Rate = fmt.Sprintf("%.1f/s", rate)
		if !p.finished && p.total > p.done {
			left := time.Duration(float64(p.total-p.done) / rate * float64(time.Second))
			if !p.deadline.IsZero() && now.Add(left).After(p.deadline) {
				left = max(p.deadline.Sub(now), 0)
				v.ETA = "at most " + left.Round(time.Second).String() + " left (deadline)"
			} else {
				v.ETA = "about " + left.Round(time.Second).String() + " left"
			}
		}
	}
	if p.finished {
		v.ETA = "took " + el.Round(time.Millisecond).String()
	}
	return v
}

func (p *Progress) render(now time.Time) (template.HTML, string) {
	v := p.view(now)
	var sb strings.Builder
	if err := progressT.Execute(&sb, v); err != nil {
		sb.Reset()
		sb.WriteString(template.HTMLEscapeString(p.title))
	}
	const width = 30
	fill := int(v.Pct / 100 * width)
	t := fmt.Sprintf("%s [%s%s] %d/%d", oneLine(p.title), strings.Repeat("#", fill), strings.Repeat("-", width-fill), v.Done, v.Total)
	if v.Rate != "" {
		t += ", " + v.Rate
	}
	if v.ETA != "" {
		t += ", " + v.ETA
	}
	if v.Finished {
		t += ", done"
	}
	return template.HTML(sb.String()), t
}

// TextLineInterval is the least time between two lines of one bar on a
// TextDisplay whose writer is not a terminal (its UpdateInterval).
const TextLineInterval = 5 * time.Second

// TextDisplay shows the text form of widgets on a writer, typically
// os.Stderr in a terminal: on a terminal a bar is redrawn in place on one
// line; elsewhere (a log, a pipe) each update is a line, and Progress writes
// one at most every TextLineInterval (UpdateInterval), and the final state.
// It is safe for concurrent use.
type TextDisplay struct {
	mu   sync.Mutex
	w    io.Writer
	tty  bool
	open string // id of the bar drawn on the current terminal line
}

// NewTextDisplay returns a TextDisplay writing to w; whether w is a terminal
// is detected for *os.File.
func NewTextDisplay(w io.Writer) *TextDisplay {
	tty := false
	if f, ok := w.(*os.File); ok {
		if st, err := f.Stat(); err == nil && st.Mode()&os.ModeCharDevice != 0 {
			tty = true
		}
	}
	return &TextDisplay{w: w, tty: tty}
}

// UpdateInterval implements Pacer: a terminal redraws in place, a log gets a
// line every TextLineInterval.
func (t *TextDisplay) UpdateInterval() time.Duration {
	if t.tty {
		return ProgressInterval
	}
	return TextLineInterval
}

// Show writes text (html is ignored), after ending a bar drawn on the
// current terminal line.
func (t *TextDisplay) Show(_ template.HTML, text string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.tty && t.open != "" {
		fmt.Fprintln(t.w)
		t.open = ""
	}
	if text = strings.TrimRight(text, "\n"); text != "" {
		fmt.Fprintln(t.w, text)
	}
}

// Update shows text for id (html is ignored).
func (t *TextDisplay) Update(id string, _ template.HTML, text string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	text = oneLine(text)
	if t.tty {
		if t.open != "" && t.open != id {
			fmt.Fprintln(t.w)
		}
		t.open = id
		fmt.Fprint(t.w, "\r"+text+"\x1b[K")
		return
	}
	fmt.Fprintln(t.w, text)
}

// Finish ends id's bar: the terminal line it is drawn on is closed.
func (t *TextDisplay) Finish(id string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.tty && t.open == id {
		fmt.Fprintln(t.w)
		t.open = ""
	}
}

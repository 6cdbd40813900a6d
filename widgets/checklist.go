package widgets

import (
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"html/template"
	"os"
	"strings"
	"time"

	"github.com/janpfeifer/gonb/gonbui"
	"github.com/janpfeifer/gonb/gonbui/comms"
)

// Item is one choice of a checklist: ID is what a selection returns, Label
// and Details are shown in columns, Default items start ticked and show Reason.
type Item struct {
	ID, Label string
	Details   []string
	Default   bool
	Reason    string
}

// Selection is the outcome of a checklist. FellBack says the defaults (or the
// preset) were kept because nobody answered; Reason says why.
type Selection struct {
	IDs      []string
	FellBack bool
	Reason   string
}

// Default bounds of the GoNB exchange.
const (
	// DefaultReadyTimeout bounds the wait for the page's "ready" message; with
	// no front end (nbconvert) GoNB's comms need ~3 s to give up on the websocket.
	// The bound leaves room for one reconnection (see the nudge in wait).
	DefaultReadyTimeout = 10 * time.Second
	// DefaultApplyTimeout bounds the wait for Apply once the page is ready.
	DefaultApplyTimeout = 30 * time.Minute
)

// CommAddressPrefix starts the GoNB comms address of every checklist: the
// page sends JSON strings {"event":"ready"} and {"event":"apply","ids":[...]}
// to CommAddressPrefix + <unique id>.
const CommAddressPrefix = "/notebooklets/checklist/"

// ChecklistBuilder builds the interactive checklist; create it with
// NewChecklist, show it with Done and read the selection with Wait.
type ChecklistBuilder struct {
	id           string
	items        []Item
	columns      []string
	title        string
	preset       []string
	hasPreset    bool
	readyTimeout time.Duration
	applyTimeout time.Duration
	display      displayTarget

	// Set by Done.
	shown     bool
	shownOn   Display
	displayID string
	addr      string
	ch        <-chan string
	// broken is why the page cannot answer (the pipes to GoNB are broken).
	broken string
}

// NewChecklist starts a checklist; id prefixes its DOM id and comms address.
func NewChecklist(id string, items ...Item) *ChecklistBuilder {
	return &ChecklistBuilder{id: id, items: items, readyTimeout: envDuration("NOTEBOOKLETS_WIDGET_READY_TIMEOUT", DefaultReadyTimeout), applyTimeout: DefaultApplyTimeout}
}

func envDuration(name string, def time.Duration) time.Duration {
	if d, err := time.ParseDuration(os.Getenv(name)); err == nil && d > 0 {
		return d
	}
	return def
}

// Columns sets the column titles: the first is for the label, the rest for the details.
func (c *ChecklistBuilder) Columns(titles ...string) *ChecklistBuilder { c.columns = titles; return c }

// Title sets the heading shown above the list.
func (c *ChecklistBuilder) Title(s string) *ChecklistBuilder { c.title = s; return c }

// Timeout bounds the wait for Apply after the page answered (d ≤ 0: the default).
func (c *ChecklistBuilder) Timeout(d time.Duration) *ChecklistBuilder {
	if d > 0 {
		c.applyTimeout = d
	}
	return c
}

// ReadyTimeout bounds the wait for the page to say it is connected; after it
// the defaults are kept (env NOTEBOOKLETS_WIDGET_READY_TIMEOUT sets the default).
func (c *ChecklistBuilder) ReadyTimeout(d time.Duration) *ChecklistBuilder {
	if d > 0 {
		c.readyTimeout = d
	}
	return c
}

// Preset sets the selection from code: it is ticked in the HTML and returned
// by Done outside GoNB.
func (c *ChecklistBuilder) Preset(ids []string) *ChecklistBuilder {
	c.preset, c.hasPreset = append([]string(nil), ids...), true
	return c
}

// defaults returns the preset if set, else the IDs of the Default items.
func (c *ChecklistBuilder) defaults() []string {
	if c.hasPreset {
		return append([]string{}, c.preset...)
	}
	ids := []string{}
	for _, it := range c.items {
		if it.Default {
			ids = append(ids, it.ID)
		}
	}
	return ids
}

// On sets where Done shows the list (nil: nowhere, and Wait keeps the
// defaults). The default is the GoNB cell in a notebook (GoNBCell), else
// nowhere.
func (c *ChecklistBuilder) On(d Display) *ChecklistBuilder { c.display.on(d); return c }

// live reports whether the list shown on d talks to the page: in a GoNB cell
// only, and only when it is shown somewhere.
func live(d Display) bool { return gonbui.IsNotebook && d != nil }

// Done shows the list on its Display. In a GoNB cell it first subscribes to
// the list's comms address (GoNB drops values sent to an address nobody
// listens to), then shows the live list, which Wait reads; elsewhere it
// shows the list ticked as preset (or the defaults), controls disabled.
// Calling it again does nothing.
func (c *ChecklistBuilder) Done() error {
	if c.shown {
		return nil
	}
	c.shown = true
	d := c.display.get()
	c.shownOn = d
	uid := randomHex()
	if gonbui.IsNotebook {
		uid = gonbui.UniqueId()
	}
	c.displayID = "nbl-checklist-" + uid
	if !live(d) {
		if d == nil {
			return nil
		}
		h, err := c.render(false, "", "")
		if err != nil {
			return err
		}
		d.Update(c.displayID, h, c.Text())
		return nil
	}
	c.addr = CommAddressPrefix + c.id + "/" + uid
	c.ch = comms.Listen[string](c.addr).WithBuffer(4).C
	if err := gonbui.Error(); err != nil {
		// The pipes to GoNB are broken: nothing can be shown or answered.
		c.broken = "no connection to GoNB: " + err.Error()
		return nil
	}
	h, err := c.render(true, c.addr, "")
	if err != nil {
		return err
	}
	d.Update(c.displayID, h, c.Text())
	return nil
}

// Wait returns the selection, showing the list first if Done was not
// called. For a live list (GoNB) it waits for Apply, or, with no front end
// answering within the ready bound (nbconvert, CI), keeps the defaults with
// FellBack set; then it replaces the list with what was applied and flushes
// the display. A list shown nowhere, or outside GoNB, returns the defaults
// or the preset at once.
func (c *ChecklistBuilder) Wait(ctx context.Context) (Selection, error) {
	if err := c.Done(); err != nil {
		return Selection{IDs: c.defaults(), FellBack: true, Reason: err.Error()}, err
	}
	d := c.shownOn
	if !live(d) {
		if gonbui.IsNotebook {
			return Selection{IDs: c.defaults(), FellBack: true, Reason: "the list was not shown"}, nil
		}
		return Selection{IDs: c.defaults()}, nil
	}
	if c.broken != "" {
		return Selection{IDs: c.defaults(), FellBack: true, Reason: c.broken}, nil
	}
	addr := c.addr
	sel, err := c.wait(ctx, c.ch, func(event string) { comms.Send(addr+"/ack", event) }, comms.Start)
	var status string
	switch {
	case sel.FellBack:
		status = "Kept the defaults: " + sel.Reason + "."
	case err == nil:
		status = fmt.Sprintf("Applied: %d selected.", len(sel.IDs))
	}
	if status != "" {
		final := c.withSelection(sel.IDs)
		if h, rerr := final.render(false, "", status); rerr == nil {
			d.Update(c.displayID, h, final.Text()+status+"\n")
		}
	}
	gonbui.Sync()
	return sel, err
}

// wait reads the page's messages from ch: a "ready" within the ready bound,
// then an "apply" within the apply bound.
// Each event is acknowledged with ack (the page repeats it until then).
// If no "ready" has come by a third of the ready bound, nudge is called once:
// in GoNB it asks the kernel to check its browser connection and install a
// new one when the old one is gone.
func (c *ChecklistBuilder) wait(ctx context.Context, ch <-chan string, ack func(event string), nudge func()) (Selection, error) {
	ready := false
	readyT := time.NewTimer(c.readyTimeout)
	defer readyT.Stop()
	nudgeT := time.NewTimer(c.readyTimeout / 3)
	defer nudgeT.Stop()
	var applyT <-chan time.Time
	for {
		select {
		case <-ctx.Done():
			return Selection{IDs: c.defaults(), FellBack: true, Reason: "cancelled: " + ctx.Err().Error()}, ctx.Err()
		case <-readyT.C:
			if !ready {
				return Selection{IDs: c.defaults(), FellBack: true, Reason: fmt.Sprintf("no notebook front end answered within %v", c.readyTimeout)}, nil
			}
		case <-nudgeT.C:
			if !ready {
				nudge()
			}
		case <-applyT:
			return Selection{IDs: c.defaults(), FellBack: true, Reason: fmt.Sprintf("Apply was not pressed within %v", c.applyTimeout)}, nil
		case v, ok := <-ch:
			if !ok {
				return Selection{IDs: c.defaults(), FellBack: true, Reason: "the notebook connection closed"}, nil
			}
			ids, isApply, err := c.parseMessage(v)
			if err != nil {
				continue // a malformed message is ignored; the bounds still apply
			}
			if isApply {
				ack("apply")
				return Selection{IDs: ids}, nil
			}
			ack("ready")
			if !ready {
				ready = true
				applyT = time.After(c.applyTimeout)
			}
		}
	}
}

type checklistMsg struct {
	Event string   `json:"event"`
	IDs   []string `json:"ids"`
}

// parseMessage decodes a page message; apply IDs are kept only if they name
// items, in item order.
func (c *ChecklistBuilder) parseMessage(v string) ([]string, bool, error) {
	var m checklistMsg
	if err := json.Unmarshal([]byte(v), &m); err != nil {
		return nil, false, fmt.Errorf("widgets: checklist message %q: %w", v, err)
	}
	switch m.Event {
	case "ready":
		return nil, false, nil
	case "apply":
		want := map[string]bool{}
		for _, id := range m.IDs {
			want[id] = true
		}
		ids := []string{}
		for _, it := range c.items {
			if want[it.ID] {
				ids = append(ids, it.ID)
				delete(want, it.ID)
			}
		}
		return ids, true, nil
	}
	return nil, false, fmt.Errorf("widgets: checklist message: unknown event %q", m.Event)
}

func (c *ChecklistBuilder) withSelection(ids []string) *ChecklistBuilder {
	cp := *c
	cp.preset, cp.hasPreset = ids, true
	return &cp
}

// HTML renders the list for a report: ticked as preset (or the defaults),
// controls disabled.
func (c *ChecklistBuilder) HTML() (template.HTML, error) { return c.render(false, "", "") }

// Text is the text form of the list: one line per item, [x] when ticked.
func (c *ChecklistBuilder) Text() string {
	chosen := map[string]bool{}
	for _, id := range c.defaults() {
		chosen[id] = true
	}
	var sb strings.Builder
	if c.title != "" {
		sb.WriteString(c.title + "\n")
	}
	for _, it := range c.items {
		mark := "[ ]"
		if chosen[it.ID] {
			mark = "[x]"
		}
		line := mark + " " + cmp.Or(it.Label, it.ID)
		for _, d := range it.Details {
			if d != "" {
				line += "  " + d
			}
		}
		if it.Default {
			line += "  (default"
			if it.Reason != "" {
				line += ": " + it.Reason
			}
			line += ")"
		}
		sb.WriteString(oneLine(line) + "\n")
	}
	return sb.String()
}

type clRow struct {
	ID, Label string
	Details   []string
	Checked   bool
	Default   bool
	Reason    string
}

const checklistTmpl = `<div class="nbl-checklist" id="{{.ID}}" data-live="{{.Live}}">
<style>{{.CommonCSS}}{{.CSS}}</style>
{{if .Title}}<div class="nbl-title">{{.Title}}</div>{{end}}
<div class="nbl-controls"><input type="search" class="nbl-filter" placeholder="filter" aria-label="filter the list"{{if not .Live}} disabled{{end}}>
<button type="button" data-action="all"{{if not .Live}} disabled{{end}}>Select all</button>
<button type="button" data-action="none"{{if not .Live}} disabled{{end}}>Select none</button>
<button type="button" data-action="invert"{{if not .Live}} disabled{{end}}>Invert</button>
<span class="nbl-count" aria-live="polite">{{.Checked}} of {{len .Rows}} selected</span></div>
<table class="nbl-list"><thead><tr><th></th>{{range .Columns}}<th>{{.}}</th>{{end}}</tr></thead><tbody>
{{range .Rows}}<tr{{if .Default}} class="nbl-default"{{end}}><td><input type="checkbox" value="{{.ID}}" id="{{$.ID}}-{{.ID}}"{{if .Checked}} checked{{end}}{{if not $.Live}} disabled{{end}}></td><td><label for="{{$.ID}}-{{.ID}}">{{.Label}}</label>{{if .Default}} <span class="nbl-reason" title="selected by default">(default{{if .Reason}}: {{.Reason}}{{end}})</span>{{end}}</td>{{range .Details}}<td>{{.}}</td>{{end}}</tr>
{{end}}</tbody></table>
<div class="nbl-controls"><button type="button" data-action="apply" class="nbl-apply" disabled>Apply</button> <span class="nbl-status">{{.Status}}</span></div>
</div>{{if .Live}}
<script>{{.Script}}</script>{{end}}
`

var checklistT = template.Must(template.New("checklist").Parse(checklistTmpl))

// liveHint is the status of a live list before its script runs: what a
// reopened (untrusted) notebook shows.
const liveHint = "Not connected: the notebook's scripts did not run. Re-run the cell (or trust the notebook) to choose; the defaults are ticked."

// render draws the list; live adds the script that talks to addr.
func (c *ChecklistBuilder) render(live bool, addr, status string) (template.HTML, error) {
	chosen := map[string]bool{}
	for _, id := range c.defaults() {
		chosen[id] = true
	}
	rows := make([]clRow, len(c.items))
	n := 0
	for i, it := range c.items {
		rows[i] = clRow{ID: it.ID, Label: cmp.Or(it.Label, it.ID), Details: it.Details, Checked: chosen[it.ID], Default: it.Default, Reason: it.Reason}
		if rows[i].Checked {
			n++
		}
	}
	cols := c.columns
	if len(cols) == 0 {
		cols = []string{"item"}
	}
	id := uniqueID(c.id)
	var js template.JS
	if live {
		b, err := json.Marshal(struct {
			ID   string `json:"id"`
			Addr string `json:"addr"`
		}{id, addr})
		if err != nil {
			return "", fmt.Errorf("widgets: checklist: %w", err)
		}
		js = template.JS(script("checklist") + "(" + string(b) + ");") //nolint:gosec // JSON from json.Marshal
		if status == "" {
			status = liveHint
		}
	}
	if status == "" {
		status = fmt.Sprintf("%d selected", n)
	}
	var sb strings.Builder
	err := checklistT.Execute(&sb, struct {
		ID             string
		CommonCSS, CSS template.CSS
		Live           bool
		Title          string
		Columns        []string
		Rows           []clRow
		Checked        int
		Status         string
		Script         template.JS
	}{id, style("common"), style("checklist"), live, c.title, cols, rows, n, status, js})
	if err != nil {
		return "", fmt.Errorf("widgets: checklist %q: %w", c.id, err)
	}
	return template.HTML(sb.String()), nil //nolint:gosec // html/template output
}

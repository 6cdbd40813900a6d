package widgets

import (
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

// ChecklistBuilder builds the interactive checklist; create it with NewChecklist.
type ChecklistBuilder struct {
	id           string
	items        []Item
	columns      []string
	title        string
	preset       []string
	hasPreset    bool
	readyTimeout time.Duration
	applyTimeout time.Duration
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

// Done returns the selection. In GoNB it shows the list, waits for Apply
// (or, with no front end answering within the ready bound, keeps the
// defaults with FellBack set), replaces the list with what was applied and
// flushes the display. Outside GoNB it returns the defaults or the preset.
func (c *ChecklistBuilder) Done(ctx context.Context) (Selection, error) {
	if !gonbui.IsNotebook {
		return Selection{IDs: c.defaults()}, nil
	}
	uid := gonbui.UniqueId()
	addr := CommAddressPrefix + c.id + "/" + uid
	// Subscribe before displaying: GoNB drops values sent to an address nobody listens to.
	ch := comms.Listen[string](addr).WithBuffer(4)
	if err := gonbui.Error(); err != nil {
		// The pipes to GoNB are broken: nothing can be shown or answered.
		return Selection{IDs: c.defaults(), FellBack: true, Reason: "no connection to GoNB: " + err.Error()}, nil
	}
	displayID := "nbl-checklist-" + uid
	gonbui.UpdateHTML(displayID, string(c.render(true, addr, "")))
	sel, err := c.wait(ctx, ch.C, func(event string) { comms.Send(addr+"/ack", event) }, comms.Start)
	if sel.FellBack {
		gonbui.UpdateHTML(displayID, string(c.withSelection(sel.IDs).render(false, "", "Kept the defaults: "+sel.Reason+".")))
	} else if err == nil {
		gonbui.UpdateHTML(displayID, string(c.withSelection(sel.IDs).render(false, "", fmt.Sprintf("Applied: %d selected.", len(sel.IDs)))))
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
func (c *ChecklistBuilder) HTML() template.HTML { return c.render(false, "", "") }

type clRow struct {
	ID, Label string
	Details   []string
	Checked   bool
	Default   bool
	Reason    string
}

const checklistTmpl = `<div class="nbl-checklist" id="{{.ID}}" data-live="{{.Live}}">
<style>#{{.ID}} table{border-collapse:collapse;font-size:12px}#{{.ID}} td,#{{.ID}} th{padding:2px 6px;border-bottom:1px solid #eee;text-align:left}#{{.ID}} tr.nbl-default td{background:#f3f8ff}#{{.ID}} tr[hidden]{display:none}#{{.ID}} .nbl-reason{color:#555;font-style:italic}</style>
{{if .Title}}<div style="font-weight:bold;margin:4px 0">{{.Title}}</div>{{end}}
<div class="nbl-controls" style="margin:4px 0"><input type="search" class="nbl-filter" placeholder="filter" aria-label="filter the list"{{if not .Live}} disabled{{end}}>
<button type="button" data-action="all"{{if not .Live}} disabled{{end}}>Select all</button>
<button type="button" data-action="none"{{if not .Live}} disabled{{end}}>Select none</button>
<button type="button" data-action="invert"{{if not .Live}} disabled{{end}}>Invert</button>
<span class="nbl-count" aria-live="polite">{{.Checked}} of {{len .Rows}} selected</span></div>
<table><thead><tr><th></th>{{range .Columns}}<th>{{.}}</th>{{end}}</tr></thead><tbody>
{{range .Rows}}<tr{{if .Default}} class="nbl-default"{{end}}><td><input type="checkbox" value="{{.ID}}" id="{{$.ID}}-{{.ID}}"{{if .Checked}} checked{{end}}{{if not $.Live}} disabled{{end}}></td><td><label for="{{$.ID}}-{{.ID}}">{{.Label}}</label>{{if .Default}} <span class="nbl-reason" title="selected by default">(default{{if .Reason}}: {{.Reason}}{{end}})</span>{{end}}</td>{{range .Details}}<td>{{.}}</td>{{end}}</tr>
{{end}}</tbody></table>
<div style="margin:4px 0"><button type="button" data-action="apply" class="nbl-apply" disabled>Apply</button> <span class="nbl-status">{{.Status}}</span></div>
</div>{{if .Live}}
<script>{{.Script}}</script>{{end}}
`

var checklistT = template.Must(template.New("checklist").Parse(checklistTmpl))

// checklistJS wires the controls; ROOT and ADDR are replaced with JSON strings.
// It waits for globalThis.gonb_comm (GoNB's websocket; polled every 50 ms,
// backing off to 1 s when no kernel answers, e.g. a saved page), says "ready", and on
// Apply sends the ticked IDs as a JSON string (GoNB v0.11.3 cannot carry a JS array).
// GoNB does not acknowledge delivery and drops values that arrive before the
// cell's subscription is in place, so the page repeats "ready" (every 500 ms)
// and "apply" (every 1 s) until the cell answers on ADDR+"/ack" with the
// event's name, or until the list is replaced. Each repeat goes through the
// current globalThis.gonb_comm: GoNB's connection gives up when the kernel is
// slow to acknowledge it (500 ms), and the cell then asks GoNB to install a
// new one.
const checklistJS = `(function(){var root=document.getElementById(ROOT);if(!root||root.dataset.wired)return;root.dataset.wired="1";var addr=ADDR;
var boxes=function(){return Array.prototype.slice.call(root.querySelectorAll("input[type=checkbox]"));};
var visible=function(){return boxes().filter(function(b){return !b.closest("tr").hidden;});};
var count=root.querySelector(".nbl-count"),status=root.querySelector(".nbl-status"),apply=root.querySelector("[data-action=apply]"),filter=root.querySelector(".nbl-filter");
function upd(){var n=boxes().filter(function(b){return b.checked;}).length;count.textContent=n+" of "+boxes().length+" selected";}
root.addEventListener("change",upd);
filter.addEventListener("input",function(){var q=filter.value.toLowerCase();boxes().forEach(function(b){var tr=b.closest("tr");tr.hidden=q!==""&&tr.textContent.toLowerCase().indexOf(q)<0&&b.value.toLowerCase().indexOf(q)<0;});});
root.querySelectorAll("[data-action]").forEach(function(btn){var a=btn.dataset.action;if(a==="apply")return;btn.addEventListener("click",function(){visible().forEach(function(b){b.checked=a==="all"?true:a==="none"?false:!b.checked;});upd();});});
function whenComm(fn,wait){var c=globalThis.gonb_comm;wait=wait||50;if(c&&c.websocket_is_opened){fn(c);}else{setTimeout(function(){whenComm(fn,Math.min(wait*1.2,1000));},wait);}}
var acked={},subscribed=null;
function live(){return document.documentElement.contains(root);}
function resend(ev,msg,every){if(acked[ev]||!live())return;var c=globalThis.gonb_comm;
if(c&&c.websocket_is_opened){if(subscribed!==c){subscribed=c;c.subscribe(addr+"/ack",function(a,v){acked[v]=true;});}c.send(addr,msg);}
setTimeout(function(){resend(ev,msg,every);},every);}
status.textContent="connecting to the notebook…";
whenComm(function(c){resend("ready",JSON.stringify({event:"ready"}),500);apply.disabled=false;status.textContent="tick the items and press Apply";});
apply.addEventListener("click",function(){var ids=boxes().filter(function(b){return b.checked;}).map(function(b){return b.value;});apply.disabled=true;
whenComm(function(c){resend("apply",JSON.stringify({event:"apply",ids:ids}),1000);status.textContent="sent "+ids.length+" selected";
boxes().forEach(function(b){b.disabled=true;});root.querySelectorAll("button,input[type=search]").forEach(function(b){b.disabled=true;});});});
upd();})();`

// render draws the list; live adds the script that talks to addr.
func (c *ChecklistBuilder) render(live bool, addr, status string) template.HTML {
	chosen := map[string]bool{}
	for _, id := range c.defaults() {
		chosen[id] = true
	}
	rows := make([]clRow, len(c.items))
	n := 0
	for i, it := range c.items {
		rows[i] = clRow{ID: it.ID, Label: it.Label, Details: it.Details, Checked: chosen[it.ID], Default: it.Default, Reason: it.Reason}
		if rows[i].Label == "" {
			rows[i].Label = it.ID
		}
		if rows[i].Checked {
			n++
		}
	}
	cols := c.columns
	if len(cols) == 0 {
		cols = []string{"item"}
	}
	id := uniqueID(c.id)
	js := strings.Replace(strings.Replace(checklistJS, "ROOT", jsValue(id), 1), "ADDR", jsValue(addr), 1)
	if status == "" && !live {
		status = fmt.Sprintf("%d selected", n)
	}
	var sb htmlBuilder
	err := checklistT.Execute(&sb, struct {
		ID      string
		Live    bool
		Title   string
		Columns []string
		Rows    []clRow
		Checked int
		Status  string
		Script  template.JS
	}{id, live, c.title, cols, rows, n, status, template.JS(js)})
	if err != nil {
		return template.HTML(template.HTMLEscapeString("checklist not rendered: " + err.Error()))
	}
	return template.HTML(sb.String())
}

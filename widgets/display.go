package widgets

import (
	"html/template"
	"time"

	"github.com/janpfeifer/gonb/gonbui"
)

// Display is where a widget shows: a GoNB cell, an HTML report, a terminal
// (nb.Sink satisfies it). Show adds content; Update shows content in place
// of the previous content with the same id (progress bars, the checklist
// once applied). text is the terminal form of html.
type Display interface {
	Show(html template.HTML, text string)
	Update(id string, html template.HTML, text string)
}

// GoNBCell returns the Display of the running GoNB cell (gonbui.DisplayHTML
// and gonbui.UpdateHTML, with display ids made unique to this process so
// that a later cell never overwrites an earlier cell's output), or nil
// outside GoNB (gonbui.IsNotebook false).
func GoNBCell() Display {
	if !gonbui.IsNotebook {
		return nil
	}
	return gonbCell{prefix: "nbl-" + gonbui.UniqueId()}
}

type gonbCell struct{ prefix string }

func (gonbCell) Show(h template.HTML, _ string) { gonbui.DisplayHTML(string(h)) }

func (c gonbCell) Update(id string, h template.HTML, _ string) {
	gonbui.UpdateHTML(c.prefix+"-"+id, string(h))
}

// displayTarget is the On setting every builder shares: unset means
// GoNBCell(); set to nil means nowhere.
type displayTarget struct {
	d   Display
	set bool
}

func (t *displayTarget) on(d Display) { t.d, t.set = d, true }

func (t *displayTarget) get() Display {
	if t.set {
		return t.d
	}
	return GoNBCell()
}

// Displays returns a Display that shows everything on each of ds (nil
// entries are skipped) and passes Finish on to those that implement Finisher.
func Displays(ds ...Display) Display {
	var out multiDisplay
	for _, d := range ds {
		if d != nil {
			out = append(out, d)
		}
	}
	return out
}

type multiDisplay []Display

func (m multiDisplay) Show(h template.HTML, text string) {
	for _, d := range m {
		d.Show(h, text)
	}
}

func (m multiDisplay) Update(id string, h template.HTML, text string) {
	for _, d := range m {
		d.Update(id, h, text)
	}
}

// UpdateInterval implements Pacer: the slowest of the displays' own.
func (m multiDisplay) UpdateInterval() time.Duration {
	var d time.Duration
	for _, x := range m {
		if pc, ok := x.(Pacer); ok {
			d = max(d, pc.UpdateInterval())
		}
	}
	return d
}

func (m multiDisplay) Finish(id string) {
	for _, d := range m {
		if f, ok := d.(Finisher); ok {
			f.Finish(id)
		}
	}
}

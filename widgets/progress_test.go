package widgets

import (
	"bytes"
	"html/template"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func TestTextDisplay(t *testing.T) {
	tests := []struct {
		name string
		tty  bool
		run  func(d *TextDisplay)
		want string
	}{
		{"pipe: a line per update", false, func(d *TextDisplay) {
			d.Update("a", "", "a 1/3")
			d.Update("a", "", "a 3/3\nx")
			d.Finish("a")
		}, "a 1/3\na 3/3 x\n"},
		{"terminal: redrawn in place, newline on Finish", true, func(d *TextDisplay) {
			d.Update("a", "", "a 1")
			d.Update("a", "", "a 2\nx")
			d.Finish("a")
		}, "\ra 1\x1b[K\ra 2 x\x1b[K\n"},
		{"terminal: another bar starts a new line", true, func(d *TextDisplay) {
			d.Update("a", "", "a 1")
			d.Update("b", "", "b 1")
			d.Finish("a") // not on the current line: nothing to end
			d.Finish("b")
		}, "\ra 1\x1b[K\n\rb 1\x1b[K\n"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var buf bytes.Buffer
			d := NewTextDisplay(&buf)
			d.tty = tc.tty
			tc.run(d)
			if diff := cmp.Diff(tc.want, buf.String()); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}

// Progress paces its updates to what the display asks for: a log gets a
// line at most every TextLineInterval, and the final state.
func TestProgressPacesToTheDisplay(t *testing.T) {
	var buf bytes.Buffer
	td := NewTextDisplay(&buf) // not a terminal
	var rec recorder
	now := time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC)
	p := NewProgress(Displays(&rec, td), "id", "lookup", 10)
	p.now = func() time.Time { return now }
	p.start, p.last = now, now
	for i := 0; i < 9; i++ {
		now = now.Add(time.Second)
		p.Add(1)
	}
	p.Done()
	// t=0 first, t=5s, then Done at t=9s: 3 lines, whatever the rate.
	if n := bytes.Count(buf.Bytes(), []byte("\n")); n != 3 {
		t.Errorf("%d lines, want 3:\n%s", n, buf.String())
	}
	if got := updateInterval(Displays(&rec, td)); got != TextLineInterval {
		t.Errorf("interval of a cell and a log: %v, want the log's %v", got, TextLineInterval)
	}
	if got := updateInterval(&rec); got != ProgressInterval {
		t.Errorf("interval of a plain display: %v", got)
	}
}

func TestTextDisplayShow(t *testing.T) {
	var buf bytes.Buffer
	d := NewTextDisplay(&buf)
	d.tty = true
	d.Update("a", "", "a 1/2")
	d.Show("<b>x</b>", "table\nrows\n") // ends the bar's line first
	d.Show("", "")                      // nothing to write
	if want := "\ra 1/2\x1b[K\ntable\nrows\n"; buf.String() != want {
		t.Errorf("got %q, want %q", buf.String(), want)
	}
	var r1, r2 recorder
	Displays(&r1, nil, &r2).Show("<p>h</p>", "t")
	if len(r1.shown) != 1 || len(r2.shown) != 1 || r2.shown[0].text != "t" {
		t.Errorf("Displays.Show reached %d and %d displays", len(r1.shown), len(r2.shown))
	}
}

func TestProgressOnDisplays(t *testing.T) {
	var rec recorder
	var buf bytes.Buffer
	td := NewTextDisplay(&buf) // a bytes.Buffer is not a terminal
	p := NewProgress(Displays(&rec, nil, td), "ti", "TI lookup", 2)
	p.Add(2)
	p.Done()
	if len(rec.updates) < 2 || rec.last().html == template.HTML("") {
		t.Fatalf("recorder got %d updates", len(rec.updates))
	}
	lines := bytes.Split(bytes.TrimSpace(buf.Bytes()), []byte("\n"))
	if len(lines) != 2 || !bytes.HasPrefix(lines[0], []byte("TI lookup [---")) || !bytes.Contains(lines[1], []byte("2/2")) || !bytes.HasSuffix(lines[1], []byte(", done")) {
		t.Errorf("text display wrote %q, want the first and the final state", buf.String())
	}
}

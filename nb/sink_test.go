package nb

import (
	"bytes"
	"errors"
	"html/template"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func TestTextSink(t *testing.T) {
	var buf bytes.Buffer
	s := NewTextSink(&buf)
	s.Heading(1, "Host Network Summary")
	s.Text("This shows a summary.\n\nData is **kept**.", true)
	s.Heading(2, "Flow Index.")
	s.Show("<table></table>", "a | b\n1 | 2\n")
	s.Heading(3, "Map")
	s.Show("<div></div>", "")
	s.Text("<b>not html</b>", false)
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	want := `Host Network Summary
====================

This shows a summary.

Data is kept.

Flow Index.
-----------

a | b
1 | 2

### Map

(shown as HTML only: write an HTML report to see it)

<b>not html</b>
`
	if diff := cmp.Diff(want, buf.String()); diff != "" {
		t.Errorf("text sink (-want +got):\n%s", diff)
	}
}

// The text sink prints each update and asks progress bars for one a second;
// a tee asks for the slowest of its sinks.
func TestTextSinkUpdates(t *testing.T) {
	var buf bytes.Buffer
	s := NewTextSink(&buf)
	s.Update("p", "", "10%")
	s.Update("q", "", "other 1\n")
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff("10%\nother 1\n", buf.String()); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
	type pacer interface{ UpdateInterval() time.Duration }
	if d := s.(pacer).UpdateInterval(); d != TextUpdateInterval {
		t.Errorf("text sink interval %v", d)
	}
	if d := Tee(NewHTMLReport("r"), s).(pacer).UpdateInterval(); d != TextUpdateInterval {
		t.Errorf("tee interval %v, want the text sink's", d)
	}
}

type failWriter struct{}

func (failWriter) Write([]byte) (int, error) { return 0, errors.New("disk full") }

func TestTextSinkWriteError(t *testing.T) {
	s := NewTextSink(failWriter{})
	s.Heading(1, "x")
	if err := s.Close(); err == nil || !strings.Contains(err.Error(), "disk full") {
		t.Errorf("Close() = %v, want the write error", err)
	}
}

func TestHTMLReport(t *testing.T) {
	r := NewHTMLReport(`Flows <for> "host"`)
	r.Generated = time.Date(2019, 2, 16, 10, 0, 0, 0, time.UTC)
	r.AddHead(`<script src="loader.js"></script>`)
	r.Heading(1, "Host <script>alert(1)</script>")
	r.Text("Text with <img src=x onerror=alert(1)> and `code`", true)
	r.Update("progress", "<b>10%</b>", "10%")
	r.Show("<div id=\"chart\"></div>", "")
	r.Update("progress", "<b>100%</b>", "100%")
	var buf bytes.Buffer
	if _, err := r.WriteTo(&buf); err != nil {
		t.Fatal(err)
	}
	out := buf.String()
	for _, want := range []string{
		"<!DOCTYPE html>",
		"<title>Flows &lt;for&gt; &#34;host&#34;</title>",
		`<script src="loader.js"></script>`,
		"<h1>Host &lt;script&gt;alert(1)&lt;/script&gt;</h1>",
		"Text with &lt;img src=x onerror=alert(1)&gt; and <code>code</code>",
		`<div class="nb-output"><b>100%</b></div>`,
		`<div id="chart"></div>`,
		"Generated 2019-02-16 10:00:00 UTC",
		"border-collapse",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("report lacks %q", want)
		}
	}
	for _, bad := range []string{"<script>alert", "<img src=x", "<b>10%</b>"} {
		if strings.Contains(out, bad) {
			t.Errorf("report contains %q", bad)
		}
	}
	// The update keeps its first position, before the chart.
	if strings.Index(out, "100%") > strings.Index(out, `id="chart"`) {
		t.Error("update moved after later content")
	}
	path := filepath.Join(t.TempDir(), "r.html")
	if err := r.WriteFile(path); err != nil {
		t.Fatal(err)
	}
	b, _ := os.ReadFile(path)
	if !bytes.Equal(b, buf.Bytes()) {
		t.Error("WriteFile differs from WriteTo")
	}
	if err := r.Close(); err != nil {
		t.Fatal(err)
	}
	if err := r.WriteFile(filepath.Join(t.TempDir(), "missing", "r.html")); err == nil {
		t.Error("WriteFile into a missing directory succeeded")
	}
}

type fakeDisplay struct {
	calls []string
}

func (f *fakeDisplay) DisplayHTML(h string)    { f.calls = append(f.calls, "display "+h) }
func (f *fakeDisplay) UpdateHTML(id, h string) { f.calls = append(f.calls, "update "+id+" "+h) }
func (f *fakeDisplay) Sync()                   { f.calls = append(f.calls, "sync") }

func TestGoNBSink(t *testing.T) {
	d := &fakeDisplay{}
	s := newGoNBSink(d, "u1")
	s.Heading(2, "A <b>")
	s.Text("x < y", false)
	s.Show("<div>w</div>", "w")
	s.Update("p", "<i>1</i>", "1")
	s.Update("p", "<i>2</i>", "2")
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	want := []string{
		"display <h2>A &lt;b&gt;</h2>",
		"display <div class=\"nb-text\"><p>x &lt; y</p>\n</div>",
		"display <div>w</div>",
		"update u1-p <i>1</i>",
		"update u1-p <i>2</i>",
		"sync",
	}
	if diff := cmp.Diff(want, d.calls); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
}

func TestTeeAndDiscard(t *testing.T) {
	a, b := &recSink{}, &recSink{}
	s := Tee(a, b, Discard)
	s.Heading(1, "h")
	s.Text("t", true)
	s.Show("<p>", "p")
	s.Update("id", "<u>", "u")
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	want := []string{"heading 1 h", "text md=true t", "show <p> | p", "update id <u> | u"}
	for _, r := range []*recSink{a, b} {
		if diff := cmp.Diff(want, r.events); diff != "" {
			t.Errorf("(-want +got):\n%s", diff)
		}
		if !r.closed {
			t.Error("not closed")
		}
	}
	var buf bytes.Buffer
	if err := Tee(NewTextSink(failWriter{}), NewTextSink(&buf)).Close(); err != nil {
		t.Errorf("Close of unwritten sinks = %v", err)
	}
}

func TestDefaultSinkOutsideGoNB(t *testing.T) {
	if _, ok := DefaultSink().(*textSink); !ok {
		t.Errorf("DefaultSink() = %T outside GoNB, want the text sink", DefaultSink())
	}
	var _ Sink = GoNBSink()
	var _ Sink = NewHTMLReport("x")
	_ = template.HTML("")
}

func TestShowError(t *testing.T) {
	var buf bytes.Buffer
	text := NewTextSink(&buf)
	report := NewHTMLReport("r")
	s := Tee(text, report)
	ShowError(s, errors.New(`bad <script>alert(1)</script> host "x"`+"\x1b[2J"))
	ShowError(s, nil)
	s.Close()
	if got := buf.String(); got != "Error: bad <script>alert(1)</script> host \"x\"\\x1b[2J\n" {
		t.Errorf("text = %q", got)
	}
	var page bytes.Buffer
	report.WriteTo(&page)
	if strings.Contains(page.String(), "<script>alert") || !strings.Contains(page.String(), `&lt;script&gt;alert(1)&lt;/script&gt;`) || !strings.Contains(page.String(), `role="alert"`) {
		t.Errorf("report does not show the escaped error:\n%s", page.String())
	}
}

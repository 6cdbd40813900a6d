package nb

import (
	"bytes"
	"strings"
	"testing"
)

func TestTerminalSafe(t *testing.T) {
	tests := []struct{ in, want string }{
		{"plain text, ünïcödé, 東京", "plain text, ünïcödé, 東京"},
		{"lines\nand\ttabs", "lines\nand\ttabs"},
		{"clear\x1b[2Jscreen", `clear\x1b[2Jscreen`},
		{"title\x1b]0;pwned\x07", `title\x1b]0;pwned\x07`},
		{"cr\roverwrite", `cr\x0doverwrite`},
		{"bs\x08\x7f", `bs\x08\x7f`},
		{"c1 csi \u009b2J", `c1 csi \u009b2J`},
		{"rtl \u202egnp.exe", `rtl \u202egnp.exe`},
		{"isolate \u2066x\u2069", `isolate \u2066x\u2069`},
		{"bad utf8 \xff\xfe", `bad utf8 \xff\xfe`},
		{"", ""},
	}
	for _, tt := range tests {
		if got := TerminalSafe(tt.in); got != tt.want {
			t.Errorf("TerminalSafe(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

// Every string a text sink prints from data reaches the terminal with its
// control characters escaped: headings, texts, widget fallbacks and
// updates.
func TestTextSinkEscapesControlCharacters(t *testing.T) {
	const evil = "OTX pulse \x1b[2J\x1b]0;owned\x07 \u202eexe.txt \x9b31m"
	var buf bytes.Buffer
	s := NewTextSink(&buf)
	s.Heading(1, evil)
	s.Heading(3, evil)
	s.Text(evil, false)
	s.Text("*"+evil+"*", true)
	s.Show("", evil)
	s.Update("p", "", evil)
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	out := buf.String()
	for _, bad := range []string{"\x1b", "\x07", "\u202e", "\u009b"} {
		if strings.Contains(out, bad) {
			t.Errorf("output holds raw %q:\n%q", bad, out)
		}
	}
	if n := strings.Count(out, `\x1b[2J`); n != 6 {
		t.Errorf("escaped sequence shown %d times, want 6:\n%s", n, out)
	}
}

func FuzzTerminalSafe(f *testing.F) {
	for _, s := range []string{"a\x1b[2J", "\u202e", "\xff", "ok\n", "\u009b"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		out := TerminalSafe(s)
		for _, r := range out {
			if unsafeRune(r) {
				t.Fatalf("TerminalSafe(%q) = %q keeps %U", s, out, r)
			}
		}
	})
}

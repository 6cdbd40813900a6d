package nb

import (
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestTextHTML(t *testing.T) {
	tests := []struct {
		name, in string
		md       bool
		want     string
	}{
		{"plain paragraphs", "a <b>\nc\n\nd & e", false, "<p>a &lt;b&gt; c</p>\n<p>d &amp; e</p>\n"},
		{"plain keeps markers", "- x `y`", false, "<p>- x `y`</p>\n"},
		{"md list after paragraph", "Location marker key\n- Blue = outbound\n- Red = <Threats>", true,
			"<p>Location marker key</p>\n<ul>\n<li>Blue = outbound</li>\n<li>Red = &lt;Threats&gt;</li>\n</ul>\n"},
		{"md loose list with continuation", "- `a()` does\n  things\n\n- b", true,
			"<ul>\n<li><code>a()</code> does things</li>\n<li>b</li>\n</ul>\n"},
		{"md bold and unclosed", "**x** and **y and `z", true, "<p><strong>x</strong> and **y and `z</p>\n"},
		{"md heading", "# Title <x>\ntext", true, "<h3>Title &lt;x&gt;</h3>\n<p>text</p>\n"},
		{"md code block", "    a < b\n    c", true, "<pre><code>a &lt; b\nc</code></pre>\n"},
		{"md script in code", "`<script>alert(1)</script>`", true, "<p><code>&lt;script&gt;alert(1)&lt;/script&gt;</code></p>\n"},
		{"empty", "", true, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if diff := cmp.Diff(tt.want, string(TextHTML(tt.in, tt.md))); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}

func TestTextPlain(t *testing.T) {
	in := "Each protocol is plotted as a separate colored series.\nThe vertical axis.\n\n- `a` one\n- **b** two"
	want := "Each protocol is plotted as a\nseparate colored series. The\nvertical axis.\n\n  - a one\n  - b two"
	if diff := cmp.Diff(want, TextPlain(in, true, 30)); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
}

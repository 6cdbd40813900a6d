package nb

import (
	"html"
	"html/template"
	"strings"
)

// block is one paragraph, list or heading of a section text.
type block struct {
	kind  byte // 'p' paragraph, 'l' list, 'h' heading, 'c' code
	level int  // heading level
	lines []string
	items []string // list items
}

// parseBlocks splits a text into paragraphs (separated by blank lines),
// bullet lists ("- " or "* " items; indented lines continue an item),
// "#" headings and indented code (markdown only). Lines of a paragraph are
// joined with spaces. When markdown is false, only paragraphs are
// recognised.
func parseBlocks(text string, markdown bool) []block {
	var out []block
	var cur *block
	flush := func() {
		if cur != nil {
			out = append(out, *cur)
			cur = nil
		}
	}
	for _, raw := range strings.Split(strings.ReplaceAll(text, "\r\n", "\n"), "\n") {
		line := strings.TrimRight(raw, " \t")
		trim := strings.TrimSpace(line)
		if trim == "" {
			if cur != nil && cur.kind == 'l' {
				continue // a loose list continues after a blank line
			}
			flush()
			continue
		}
		if markdown {
			if strings.HasPrefix(trim, "- ") || strings.HasPrefix(trim, "* ") {
				if cur == nil || cur.kind != 'l' {
					flush()
					cur = &block{kind: 'l'}
				}
				cur.items = append(cur.items, strings.TrimSpace(trim[2:]))
				continue
			}
			if cur != nil && cur.kind == 'l' && line != trim {
				cur.items[len(cur.items)-1] += " " + trim
				continue
			}
			if lvl := headingLevel(trim); lvl > 0 {
				flush()
				out = append(out, block{kind: 'h', level: lvl, lines: []string{strings.TrimSpace(trim[lvl:])}})
				continue
			}
			if strings.HasPrefix(raw, "    ") && (cur == nil || cur.kind == 'c') {
				if cur == nil {
					cur = &block{kind: 'c'}
				}
				cur.lines = append(cur.lines, raw[4:])
				continue
			}
		}
		if cur != nil && cur.kind != 'p' {
			flush()
		}
		if cur == nil {
			cur = &block{kind: 'p'}
		}
		cur.lines = append(cur.lines, trim)
	}
	flush()
	return out
}

func headingLevel(s string) int {
	n := 0
	for n < len(s) && n < 6 && s[n] == '#' {
		n++
	}
	if n > 0 && n < len(s) && s[n] == ' ' {
		return n
	}
	return 0
}

// inlineHTML escapes s and renders `code` and **bold** spans.
func inlineHTML(s string) string {
	var b strings.Builder
	for {
		i := strings.IndexAny(s, "`*")
		if i < 0 {
			b.WriteString(html.EscapeString(s))
			return b.String()
		}
		b.WriteString(html.EscapeString(s[:i]))
		s = s[i:]
		switch {
		case s[0] == '`':
			if j := strings.IndexByte(s[1:], '`'); j >= 0 {
				b.WriteString("<code>" + html.EscapeString(s[1:1+j]) + "</code>")
				s = s[j+2:]
				continue
			}
		case strings.HasPrefix(s, "**"):
			if j := strings.Index(s[2:], "**"); j > 0 {
				b.WriteString("<strong>" + html.EscapeString(s[2:2+j]) + "</strong>")
				s = s[j+4:]
				continue
			}
		}
		b.WriteString(html.EscapeString(s[:1]))
		s = s[1:]
	}
}

// TextHTML renders a section text as HTML. Markdown texts support
// paragraphs, "- " lists, "#" headings, indented code, `code` and
// **bold**; anything else, including HTML in the text, is escaped. Plain
// texts become escaped paragraphs.
func TextHTML(text string, markdown bool) template.HTML {
	var b strings.Builder
	for _, bl := range parseBlocks(text, markdown) {
		render := html.EscapeString
		if markdown {
			render = inlineHTML
		}
		switch bl.kind {
		case 'p':
			b.WriteString("<p>" + render(strings.Join(bl.lines, " ")) + "</p>\n")
		case 'h':
			lvl := string(rune('0' + min(bl.level+2, 6)))
			b.WriteString("<h" + lvl + ">" + render(bl.lines[0]) + "</h" + lvl + ">\n")
		case 'c':
			b.WriteString("<pre><code>" + html.EscapeString(strings.Join(bl.lines, "\n")) + "</code></pre>\n")
		case 'l':
			b.WriteString("<ul>\n")
			for _, it := range bl.items {
				b.WriteString("<li>" + render(it) + "</li>\n")
			}
			b.WriteString("</ul>\n")
		}
	}
	return template.HTML(b.String()) //nolint:gosec // every piece above is escaped
}

// wrapText wraps words to lines of at most width runes (longer words stay
// whole), each line prefixed with indent; the first line uses first.
func wrapText(s string, width int, first, indent string) []string {
	var lines []string
	line := first
	empty := true
	for _, w := range strings.Fields(s) {
		if !empty && len([]rune(line))+1+len([]rune(w)) > width {
			lines = append(lines, line)
			line, empty = indent, true
		}
		if !empty {
			line += " "
		}
		line += w
		empty = false
	}
	if !empty {
		lines = append(lines, line)
	}
	return lines
}

// stripInline removes the Markdown markers of inline code and bold.
func stripInline(s string) string {
	return strings.NewReplacer("**", "", "`", "").Replace(s)
}

// TextPlain renders a section text for a terminal: paragraphs wrapped at
// width, lists as "  - item", Markdown markers of inline code and bold
// removed when markdown is true.
func TextPlain(text string, markdown bool, width int) string {
	var out []string
	for i, bl := range parseBlocks(text, markdown) {
		if i > 0 {
			out = append(out, "")
		}
		clean := func(s string) string {
			if markdown {
				return stripInline(s)
			}
			return s
		}
		switch bl.kind {
		case 'p', 'h':
			out = append(out, wrapText(clean(strings.Join(bl.lines, " ")), width, "", "")...)
		case 'c':
			for _, l := range bl.lines {
				out = append(out, "    "+l)
			}
		case 'l':
			for _, it := range bl.items {
				out = append(out, wrapText(clean(it), width, "  - ", "    ")...)
			}
		}
	}
	return strings.Join(out, "\n")
}

package nb

import (
	"cmp"
	"fmt"
	"html"
	"html/template"
	"io"
	"os"
	"strings"

	"github.com/janpfeifer/gonb/gonbui"
)

// docNode is one element of a help document.
type docNode struct {
	kind  byte // 'h' heading, 'p' plain paragraph, 't' section text, 'l' item list
	level int
	text  string
	md    bool
	items []docItem
}

// docItem is one "name (alt): text" entry of a list.
type docItem struct{ Code, Alt, Text string }

// optionsUsage explains how options are given.
const optionsUsage = "With no options, the default options run. +name adds an option to the defaults and -name removes one (both may be combined); a plain list of names replaces the defaults. Plain names cannot be mixed with +name/-name. Unknown names are ignored with a warning."

// helpDoc builds the help document of a notebooklet.
func helpDoc(m *Metadata) []docNode {
	var d []docNode
	h := func(level int, s string) { d = append(d, docNode{kind: 'h', level: level, text: s}) }
	p := func(s string) { d = append(d, docNode{kind: 'p', text: s}) }
	l := func(items []docItem) { d = append(d, docNode{kind: 'l', items: items}) }

	h(1, m.Name)
	if m.Description != "" {
		p(m.Description)
	}
	var facts []docItem
	if len(m.Keywords) > 0 {
		facts = append(facts, docItem{Text: "Keywords: " + strings.Join(m.Keywords, ", ")})
	}
	if len(m.EntityTypes) > 0 {
		facts = append(facts, docItem{Text: "Entity types: " + strings.Join(m.EntityTypes, ", ")})
	}
	if len(m.ReqProviders) > 0 {
		facts = append(facts, docItem{Text: "Data providers (msticnb names): " + strings.Join(m.ReqProviders, ", ")})
	}
	if len(facts) > 0 {
		l(facts)
	}
	if len(m.Methods) > 0 {
		h(2, "Methods")
		var items []docItem
		for _, x := range m.Methods {
			items = append(items, docItem{Code: cmp.Or(x.GoName, x.Name), Alt: altName(x.Name, x.GoName), Text: x.Doc})
		}
		l(items)
	}
	h(2, "Options")
	p(optionsUsage)
	optItems := func(opts []Option) []docItem {
		var items []docItem
		for _, o := range opts {
			items = append(items, docItem{Code: o.Name, Text: o.Description})
		}
		return items
	}
	h(3, "Default options")
	if len(m.DefaultOptions) > 0 {
		l(optItems(m.DefaultOptions))
	} else {
		p("None.")
	}
	h(3, "Other options")
	if len(m.OtherOptions) > 0 {
		l(optItems(m.OtherOptions))
	} else {
		p("None.")
	}
	if len(m.RunParams) > 0 {
		h(2, "Run parameters")
		var items []docItem
		for _, x := range m.RunParams {
			items = append(items, docItem{Code: x.Name, Text: x.Doc})
		}
		l(items)
	}
	if len(m.Settings) > 0 {
		h(2, "Settings")
		var items []docItem
		for _, x := range m.Settings {
			items = append(items, docItem{Code: x.Name, Text: x.Doc})
		}
		l(items)
	}
	if len(m.Sections) > 0 {
		h(2, "Display sections")
		for _, s := range m.Sections {
			h(3, s.Title)
			p("Section key: " + s.Key)
			if s.Text != "" {
				d = append(d, docNode{kind: 't', text: s.Text, md: s.Markdown})
			}
		}
	}
	if len(m.Result) > 0 {
		h(2, "Result fields")
		var items []docItem
		for _, x := range m.Result {
			items = append(items, docItem{Code: cmp.Or(x.GoName, x.Name), Alt: altName(x.Name, x.GoName), Text: x.Doc})
		}
		l(items)
	}
	return d
}

func altName(name, goName string) string {
	if goName == "" || goName == name {
		return ""
	}
	return name
}

// Markdown renders the help document of m as Markdown.
func (m *Metadata) Markdown() string {
	var b strings.Builder
	for i, n := range helpDoc(m) {
		if i > 0 {
			b.WriteString("\n")
		}
		switch n.kind {
		case 'h':
			b.WriteString(strings.Repeat("#", n.level) + " " + n.text + "\n")
		case 'p':
			b.WriteString(n.text + "\n")
		case 't':
			if n.md {
				b.WriteString(n.text + "\n")
			} else {
				// Plain text: keep its paragraphs, escape nothing else.
				for j, bl := range parseBlocks(n.text, false) {
					if j > 0 {
						b.WriteString("\n")
					}
					b.WriteString(strings.Join(bl.lines, " ") + "\n")
				}
			}
		case 'l':
			for _, it := range n.items {
				b.WriteString("- " + itemMarkdown(it) + "\n")
			}
		}
	}
	return b.String()
}

func itemMarkdown(it docItem) string {
	s := ""
	if it.Code != "" {
		s = "`" + it.Code + "`"
		if it.Alt != "" {
			s += " (" + it.Alt + ")"
		}
		if it.Text != "" {
			s += ": "
		}
	}
	return s + it.Text
}

func itemPlain(it docItem) string { return stripInline(itemMarkdown(it)) }

// HTML renders the help document of m as an HTML fragment; every text is
// escaped.
func (m *Metadata) HTML() template.HTML {
	var b strings.Builder
	b.WriteString(`<div class="nb-help">` + "\n")
	for _, n := range helpDoc(m) {
		switch n.kind {
		case 'h':
			b.WriteString(headingHTML(n.level, n.text) + "\n")
		case 'p':
			b.WriteString("<p>" + html.EscapeString(n.text) + "</p>\n")
		case 't':
			b.WriteString(`<div class="nb-text">` + string(TextHTML(n.text, n.md)) + "</div>\n")
		case 'l':
			b.WriteString("<ul>\n")
			for _, it := range n.items {
				b.WriteString("<li>")
				if it.Code != "" {
					b.WriteString("<code>" + html.EscapeString(it.Code) + "</code>")
					if it.Alt != "" {
						b.WriteString(" (" + html.EscapeString(it.Alt) + ")")
					}
					if it.Text != "" {
						b.WriteString(": ")
					}
				}
				b.WriteString(html.EscapeString(it.Text) + "</li>\n")
			}
			b.WriteString("</ul>\n")
		}
	}
	b.WriteString("</div>\n")
	return template.HTML(b.String()) //nolint:gosec // escaped above
}

// Text renders the help document of m as plain text for terminals, wrapped
// at width runes.
func (m *Metadata) Text(width int) string {
	var out []string
	for i, n := range helpDoc(m) {
		if i > 0 {
			out = append(out, "")
		}
		switch n.kind {
		case 'h':
			switch n.level {
			case 1:
				out = append(out, n.text, strings.Repeat("=", len([]rune(n.text))))
			case 2:
				out = append(out, n.text, strings.Repeat("-", len([]rune(n.text))))
			default:
				out = append(out, n.text)
			}
		case 'p':
			out = append(out, wrapText(n.text, width, "", "")...)
		case 't':
			out = append(out, TextPlain(n.text, n.md, width))
		case 'l':
			for _, it := range n.items {
				out = append(out, wrapText(itemPlain(it), width, "  - ", "    ")...)
			}
		}
	}
	return strings.Join(out, "\n") + "\n"
}

// OptionsText is the options document of m: the default and other options
// with their descriptions and how to give them.
func (m *Metadata) OptionsText() string {
	var b strings.Builder
	width := 0
	for _, o := range m.Options() {
		width = max(width, len(o.Name))
	}
	list := func(title string, opts []Option) {
		b.WriteString(title + "\n")
		if len(opts) == 0 {
			b.WriteString("  (none)\n")
		}
		for _, o := range opts {
			lines := wrapText(o.Description, 100, fmt.Sprintf("  %-*s  ", width, o.Name), strings.Repeat(" ", width+4))
			if len(lines) == 0 {
				lines = []string{"  " + o.Name}
			}
			b.WriteString(strings.Join(lines, "\n") + "\n")
		}
	}
	fmt.Fprintf(&b, "%s options\n\n", m.Name)
	list("Default options:", m.DefaultOptions)
	b.WriteString("\n")
	list("Other options:", m.OtherOptions)
	b.WriteString("\n" + strings.Join(wrapText(optionsUsage, 100, "", ""), "\n") + "\n")
	return b.String()
}

// PackageDoc renders the help document of m as Go doc comment text (without
// the "//" prefixes), so a notebooklet's package documentation, and hover
// help in gopls, carry the same text as nb.Help. See PackageDocFile.
func PackageDoc(m *Metadata) string {
	var out []string
	for i, n := range helpDoc(m) {
		if n.kind == 'h' && n.level == 1 {
			continue // the package sentence names the notebooklet
		}
		if i > 1 {
			out = append(out, "")
		}
		switch n.kind {
		case 'h':
			out = append(out, "# "+n.text)
		case 'p':
			out = append(out, wrapText(n.text, 76, "", "")...)
		case 't':
			for j, bl := range parseBlocks(n.text, n.md) {
				if j > 0 {
					out = append(out, "")
				}
				switch bl.kind {
				case 'l':
					for _, it := range bl.items {
						out = append(out, wrapText(it, 76, "  - ", "    ")...)
					}
				case 'c':
					for _, l := range bl.lines {
						out = append(out, "\t"+l)
					}
				default:
					out = append(out, wrapText(strings.Join(bl.lines, " "), 76, "", "")...)
				}
			}
		case 'l':
			for _, it := range n.items {
				out = append(out, wrapText(itemMarkdown(it), 76, "  - ", "    ")...)
			}
		}
	}
	return strings.Join(out, "\n") + "\n"
}

// PackageDocFile returns the Go source of a doc.go for package pkg that
// documents the notebooklet m: a generated-code marker, then the package
// comment ("Package pkg implements the NAME notebooklet: description."
// followed by PackageDoc) and the package clause.
func PackageDocFile(pkg string, m *Metadata) string {
	var b strings.Builder
	b.WriteString("// Code generated from the notebooklet's YAML file by nb.PackageDocFile; DO NOT EDIT.\n\n")
	first := fmt.Sprintf("Package %s implements the %s notebooklet.", pkg, m.Name)
	for _, l := range wrapText(first, 76, "", "") {
		b.WriteString("// " + l + "\n")
	}
	b.WriteString("//\n")
	for _, l := range strings.Split(strings.TrimRight(PackageDoc(m), "\n"), "\n") {
		if l == "" {
			b.WriteString("//\n")
		} else {
			b.WriteString("// " + l + "\n")
		}
	}
	b.WriteString("package " + pkg + "\n")
	return b.String()
}

// HelpMarkdown returns the help document of a registered notebooklet as
// Markdown. An unknown name is an error listing the close names.
func HelpMarkdown(name string) (string, error) {
	n, err := Get(name)
	if err != nil {
		return "", err
	}
	return n.Metadata().Markdown(), nil
}

// HelpHTML returns the help document of a registered notebooklet as an
// HTML fragment. An unknown name is an error listing the close names.
func HelpHTML(name string) (template.HTML, error) {
	n, err := Get(name)
	if err != nil {
		return "", err
	}
	return n.Metadata().HTML(), nil
}

// helpStyle styles help shown in a notebook cell.
// Its colours are JupyterLab's theme variables (Light and Dark), with the
// light values as fallbacks for plain pages.
const helpStyle = `<style>.nb-help{color:var(--jp-content-font-color1,#1f2328)}.nb-help code{background:var(--jp-layout-color2,#f3f4f6);color:var(--jp-content-font-color1,#1f2328);padding:.1em .3em;border-radius:4px}.nb-help h1{font-size:1.6em}.nb-help h2{font-size:1.3em}.nb-help h3{font-size:1.1em}</style>`

// Help shows the help of a registered notebooklet: as HTML in the cell when
// running in GoNB (our answer to msticnb's `%help NetworkFlowSummary`),
// else as Markdown on standard output. An unknown name is an error listing
// the close names.
func Help(name string) error {
	return help(name, gonbui.IsNotebook, gonbuiDisplay{}, os.Stdout)
}

func help(name string, notebook bool, d gonbDisplay, w io.Writer) error {
	n, err := Get(name)
	if err != nil {
		return err
	}
	if notebook {
		d.DisplayHTML(helpStyle + string(n.Metadata().HTML()))
		return nil
	}
	_, err = io.WriteString(w, n.Metadata().Markdown())
	return err
}

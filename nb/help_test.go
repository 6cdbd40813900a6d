package nb

import (
	"bytes"
	"errors"
	"go/doc/comment"
	"go/parser"
	"go/token"
	"path/filepath"
	"strings"
	"testing"
)

// helpMetadata is flowsummary's YAML: it has every part of a help document.
func helpMetadata(t *testing.T) *Metadata {
	return mustLoadFile(t, filepath.Join("..", "flowsummary", "network_flow_summary.yaml"))
}

func TestHelpContent(t *testing.T) {
	m := helpMetadata(t)
	wantAll := []string{"NetworkFlowSummary", "Network Flow Summary for a host or IP Address",
		"Methods", "Run", "SelectASNs", "LookupTIForASNIPs", "ShowSelectedASNMap",
		"select_asns", "lookup_ti_for_asn_ips", "show_selected_asn_map",
		"Default options", "Other options", "plot_flows", "plot_flow_values", "flow_summary", "resolve_host", "geo_map",
		"Run parameters", "timespan", "Display sections", "Result fields", "FlowIndex", "default_asn_selection"}
	for _, s := range m.Sections {
		wantAll = append(wantAll, s.Title)
	}
	docs := map[string]string{
		"markdown": m.Markdown(),
		"html":     string(m.HTML()),
		"text":     m.Text(100),
		"godoc":    PackageDoc(m),
	}
	for format, doc := range docs {
		for _, w := range wantAll {
			if !strings.Contains(doc, w) {
				t.Errorf("%s help lacks %q", format, w)
			}
		}
	}
	// Default options come before "Other options", and geo_map after it.
	for format, doc := range docs {
		other := strings.Index(doc, "Other options")
		if strings.Index(doc, "plot_flows") > other || strings.LastIndex(doc, "geo_map") < other {
			t.Errorf("%s help: options not grouped default/other", format)
		}
	}
	if !strings.Contains(docs["markdown"], "## Methods\n\n- `Run` (run): ") {
		t.Errorf("markdown methods list malformed:\n%s", docs["markdown"])
	}
	if !strings.Contains(docs["markdown"], "### Map of geographic location of all IPs communicating with host\n\nSection key: display_geo_map_all\n\nNumbered circles") {
		t.Error("markdown section text missing")
	}
}

func TestHelpHTMLEscapes(t *testing.T) {
	m, err := LoadMetadata([]byte(`
metadata:
  name: X<script>
  description: "a & b <img src=x onerror=alert(1)>"
  default_options:
    - "<o>": "<desc>"
output:
  run:
    title: "<t>"
    text: "**<b>** ` + "`<c>`" + `"
    md: true
methods:
  - name: m
    go_name: "<M>"
    doc: "<d>"
`))
	if err != nil {
		t.Fatal(err)
	}
	h := string(m.HTML())
	for _, bad := range []string{"<script>", "<img", "<o>", "<desc>", "<t>", "<b>", "<c>", "<M>", "<d>"} {
		if strings.Contains(h, bad) {
			t.Errorf("HTML help contains unescaped %q:\n%s", bad, h)
		}
	}
	for _, good := range []string{"X&lt;script&gt;", "a &amp; b &lt;img", "<strong>&lt;b&gt;</strong>", "<code>&lt;c&gt;</code>", "<code>&lt;M&gt;</code>"} {
		if !strings.Contains(h, good) {
			t.Errorf("HTML help lacks %q:\n%s", good, h)
		}
	}
}

func TestHelpByName(t *testing.T) {
	md, err := HelpMarkdown("NetworkFlowSummary")
	if err != nil || !strings.HasPrefix(md, "# NetworkFlowSummary\n") {
		t.Fatalf("HelpMarkdown = %q, %v", md, err)
	}
	h, err := HelpHTML("hostsummary")
	if err != nil || !strings.Contains(string(h), "<h1>HostSummary</h1>") {
		t.Fatalf("HelpHTML(hostsummary) = %q, %v", h, err)
	}
	for _, name := range []string{"NetworkFlowSumary", "NoSuch", ""} {
		_, err := HelpMarkdown(name)
		if !errors.Is(err, ErrUnknownNotebooklet) {
			t.Errorf("HelpMarkdown(%q) err = %v", name, err)
		}
		if _, err := HelpHTML(name); !errors.Is(err, ErrUnknownNotebooklet) {
			t.Errorf("HelpHTML(%q) err = %v", name, err)
		}
	}
	_, err = HelpMarkdown("NetworkFlowSumary")
	if err == nil || !strings.Contains(err.Error(), "did you mean NetworkFlowSummary?") {
		t.Errorf("err = %v, want close name", err)
	}
}

func TestHelpOutput(t *testing.T) {
	var buf bytes.Buffer
	d := &fakeDisplay{}
	if err := help("NetworkFlowSummary", false, d, &buf); err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(buf.String(), "# NetworkFlowSummary") || len(d.calls) != 0 {
		t.Errorf("terminal help: %q, display calls %d", buf.String()[:20], len(d.calls))
	}
	buf.Reset()
	if err := help("NetworkFlowSummary", true, d, &buf); err != nil {
		t.Fatal(err)
	}
	if buf.Len() != 0 || len(d.calls) != 1 || !strings.Contains(d.calls[0], "<h1>NetworkFlowSummary</h1>") {
		t.Errorf("notebook help: stdout %q, calls %q", buf.String(), d.calls)
	}
	if err := help("Nope", true, d, &buf); !errors.Is(err, ErrUnknownNotebooklet) {
		t.Errorf("unknown: %v", err)
	}
	if err := Help("Nope"); !errors.Is(err, ErrUnknownNotebooklet) {
		t.Errorf("Help(Nope) = %v", err)
	}
}

func TestOptionsText(t *testing.T) {
	m := mustLoadFile(t, filepath.Join("testdata", "msticnb", "network_flow_summary.yaml"))
	got := m.OptionsText()
	want := `NetworkFlowSummary options

Default options:
  plot_flows        Create plots of flows by protocol and direction.
  plot_flow_values  Plot flow county by protocol.
  flow_summary      Create a summarization of all flows and all flows grouped by ASN.

Other options:
  resolve_host      Try to resolve the host name before other operations.
  geo_map           Plot a map of all IP address locations in communication with the host (see the
                    method below for plotting selected IPs only).
`
	if !strings.HasPrefix(got, want) {
		t.Errorf("OptionsText:\n%s\nwant prefix:\n%s", got, want)
	}
	if !strings.Contains(got, "+name adds") {
		t.Error("OptionsText lacks the usage")
	}
}

// TestPackageDocFile checks that the generated doc.go parses and that its
// package comment is well-formed Go doc with the sections as headings.
func TestPackageDocFile(t *testing.T) {
	m := helpMetadata(t)
	src := PackageDocFile("flowsummary", m)
	fset := token.NewFileSet()
	f, err := parser.ParseFile(fset, "doc.go", src, parser.ParseComments|parser.PackageClauseOnly)
	if err != nil {
		t.Fatalf("doc.go does not parse: %v\n%s", err, src)
	}
	if f.Doc == nil {
		t.Fatal("no package comment")
	}
	text := f.Doc.Text()
	if !strings.HasPrefix(text, "Package flowsummary implements the NetworkFlowSummary notebooklet.") {
		t.Errorf("package comment starts %q", text[:60])
	}
	if strings.Contains(text, "DO NOT EDIT") {
		t.Error("generated marker is part of the package comment")
	}
	var p comment.Parser
	d := p.Parse(text)
	var headings []string
	for _, b := range d.Content {
		if h, ok := b.(*comment.Heading); ok {
			var sb strings.Builder
			for _, x := range h.Text {
				if p, ok := x.(comment.Plain); ok {
					sb.WriteString(string(p))
				}
			}
			headings = append(headings, sb.String())
		}
	}
	for _, want := range []string{"Methods", "Options", "Default options", "Display sections", "Flow Index.", "Result fields"} {
		found := false
		for _, h := range headings {
			found = found || h == want
		}
		if !found {
			t.Errorf("heading %q missing; headings %q", want, headings)
		}
	}
	if !strings.HasPrefix(src, "// Code generated ") || !strings.HasSuffix(src, "package flowsummary\n") {
		t.Errorf("doc.go framing wrong:\n%s", src)
	}
}

package flowsummary

import (
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"reflect"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/gonotebooklets/notebooklets/nb"
)

// TestDocGoUpToDate checks that doc.go is generated from the current YAML;
// regenerate with UPDATE_DOC=1 go test -run TestDocGoUpToDate ./flowsummary/
func TestDocGoUpToDate(t *testing.T) {
	want := nb.PackageDocFile("flowsummary", Metadata())
	if os.Getenv("UPDATE_DOC") == "1" {
		if err := os.WriteFile("doc.go", []byte(want), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	got, err := os.ReadFile("doc.go")
	if err != nil {
		t.Fatal(err)
	}
	if d := cmp.Diff(want, string(got)); d != "" {
		t.Errorf("doc.go is stale; run UPDATE_DOC=1 go test -run TestDocGoUpToDate ./flowsummary/ (-want +got):\n%s", d)
	}
}

// Every method, result field and setting the YAML names exists in the Go
// API, so the help never names what is not there.
func TestYAMLNamesExist(t *testing.T) {
	md := Metadata()
	nbk := reflect.TypeOf(&NetworkFlowSummary{})
	for _, m := range md.Methods {
		if _, ok := nbk.MethodByName(m.GoName); !ok {
			t.Errorf("method %s (%s) is not a method of NetworkFlowSummary", m.GoName, m.Name)
		}
	}
	res := reflect.TypeOf(Result{})
	for _, f := range md.Result {
		_, field := res.FieldByName(f.GoName)
		_, method := reflect.TypeOf(&Result{}).MethodByName(f.GoName)
		if !field && !method {
			t.Errorf("result field %s (%s) is not a field or method of Result", f.GoName, f.Name)
		}
	}
	settings := map[string]any{
		"FromConfigFile": FromConfigFile, "FromConfig": FromConfig, "WithFlows": WithFlows, "WithGeo": WithGeo,
		"WithASN": WithASN, "WithTI": WithTI, "WithHosts": WithHosts, "WithAssets": WithAssets, "WithSink": WithSink,
		"WithStateDir": WithStateDir, "WithSilent": WithSilent, "WithLookupDeadline": WithLookupDeadline,
		"WithMaxFlowsKept": WithMaxFlowsKept,
	}
	for _, s := range md.Settings {
		if _, ok := settings[s.Name]; !ok {
			t.Errorf("setting %s is not a Setting of this package", s.Name)
		}
		delete(settings, s.Name)
	}
	for name := range settings {
		t.Errorf("setting %s is not in the YAML's settings", name)
	}
	for _, sec := range Sections() {
		if _, ok := md.Section(string(sec)); !ok {
			t.Errorf("section %s is not in the YAML's output", sec)
		}
	}
}

// New's doc comment is what JupyterLab's contextual help (Shift+Tab, GoNB
// through gopls) shows on flowsummary.New: it must list every option and
// every section the YAML defines.
func TestNewDocListsOptionsAndSections(t *testing.T) {
	fset := token.NewFileSet()
	f, err := parser.ParseFile(fset, "notebooklet.go", nil, parser.ParseComments)
	if err != nil {
		t.Fatal(err)
	}
	var newDoc, typeDoc string
	for _, d := range f.Decls {
		if fd, ok := d.(*ast.FuncDecl); ok && fd.Name.Name == "New" && fd.Recv == nil {
			newDoc = fd.Doc.Text()
		}
		if gd, ok := d.(*ast.GenDecl); ok && gd.Tok == token.TYPE && gd.Specs[0].(*ast.TypeSpec).Name.Name == "NetworkFlowSummary" {
			typeDoc = gd.Doc.Text()
		}
	}
	for what, doc := range map[string]string{"New": newDoc, "NetworkFlowSummary": typeDoc} {
		checkDocNames(t, what, doc)
	}
}

func checkDocNames(t *testing.T, what, doc string) {
	t.Helper()
	if doc == "" {
		t.Fatalf("%s has no doc comment", what)
	}
	for _, o := range Metadata().Options() {
		if !strings.Contains(doc, o.Name) {
			t.Errorf("%s's doc does not name option %s", what, o.Name)
		}
	}
	for _, sec := range append(Sections(), SectionNextSteps) {
		name := sectionConstName(t, sec)
		if !strings.Contains(doc, name) {
			t.Errorf("%s's doc does not name section %s (%s)", what, name, sec)
		}
	}
}

// sectionConstName finds the name of the Section constant whose value is sec.
func sectionConstName(t *testing.T, sec Section) string {
	t.Helper()
	fset := token.NewFileSet()
	f, err := parser.ParseFile(fset, "sections.go", nil, 0)
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range f.Decls {
		gd, ok := d.(*ast.GenDecl)
		if !ok || gd.Tok != token.CONST {
			continue
		}
		for _, sp := range gd.Specs {
			vs := sp.(*ast.ValueSpec)
			for i, n := range vs.Names {
				if i < len(vs.Values) {
					if bl, ok := vs.Values[i].(*ast.BasicLit); ok && bl.Value == `"`+string(sec)+`"` {
						return n.Name
					}
				}
			}
		}
	}
	t.Fatalf("no constant for section %s", sec)
	return ""
}

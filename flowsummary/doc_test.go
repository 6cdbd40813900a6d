package flowsummary

import (
	"os"
	"reflect"
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
		if _, ok := res.FieldByName(f.GoName); !ok {
			t.Errorf("result field %s (%s) is not a field of Result", f.GoName, f.Name)
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

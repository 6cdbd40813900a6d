package flowsummary

import (
	"os"
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

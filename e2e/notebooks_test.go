package e2e

import (
	"encoding/json"
	"os"
	"path/filepath"
	"testing"
)

// TestNotebooksCommittedClean checks every notebook under notebooks/ (and the e2e fixtures):
// valid nbformat 4 JSON on the GoNB kernel, committed without outputs or execution counts,
// every cell with an id. No Jupyter needed: this runs in the plain `go test ./...`.
func TestNotebooksCommittedClean(t *testing.T) {
	paths, err := filepath.Glob("../notebooks/*.ipynb")
	if err != nil {
		t.Fatal(err)
	}
	fixtures, _ := filepath.Glob("testdata/*.ipynb")
	paths = append(paths, fixtures...)
	if len(paths) < 2 {
		t.Fatalf("notebooks found: %v; want notebooks/NetworkFlowSummary.ipynb and the fixtures", paths)
	}
	for _, p := range paths {
		t.Run(filepath.Base(p), func(t *testing.T) {
			b, err := os.ReadFile(p)
			if err != nil {
				t.Fatal(err)
			}
			var nb struct {
				Nbformat int `json:"nbformat"`
				Metadata struct {
					Kernelspec struct{ Name string } `json:"kernelspec"`
				} `json:"metadata"`
				Cells []struct {
					ID             string            `json:"id"`
					CellType       string            `json:"cell_type"`
					Outputs        []json.RawMessage `json:"outputs"`
					ExecutionCount *int              `json:"execution_count"`
				} `json:"cells"`
			}
			if err := json.Unmarshal(b, &nb); err != nil {
				t.Fatalf("%s: %v", p, err)
			}
			if nb.Nbformat != 4 || nb.Metadata.Kernelspec.Name != "gonb" {
				t.Errorf("%s: nbformat %d kernel %q, want 4 and gonb", p, nb.Nbformat, nb.Metadata.Kernelspec.Name)
			}
			ids := map[string]bool{}
			for i, c := range nb.Cells {
				if c.ID == "" || ids[c.ID] {
					t.Errorf("%s: cell %d: missing or duplicate id %q", p, i, c.ID)
				}
				ids[c.ID] = true
				if len(c.Outputs) > 0 || c.ExecutionCount != nil {
					t.Errorf("%s: cell %d (%s) committed with outputs or an execution count", p, i, c.CellType)
				}
			}
		})
	}
}

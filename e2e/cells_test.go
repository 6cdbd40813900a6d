//go:build e2e

package e2e

import (
	"bytes"
	"context"
	"fmt"
	"go/ast"
	"go/parser"
	"go/printer"
	"go/token"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestNotebookCellsCompile compiles every Go code cell of notebooks/NetworkFlowSummary.ipynb as
// GoNB would, without Jupyter: the setup cell's declarations (imports, check) plus the cell's own,
// the part after %% as main. Cells made only of comments (the Log Analytics example) are
// uncommented first, so the example an analyst copies stays in step with the API.
func TestNotebookCellsCompile(t *testing.T) {
	requireTools(t)
	root := repoRoot(t)
	nbk, err := readNotebook(filepath.Join(root, filepath.FromSlash(flowNotebook)))
	if err != nil {
		t.Fatal(err)
	}
	var setup gonbCell
	compiled := 0
	for i, c := range nbk.Cells {
		if c.CellType != "code" {
			continue
		}
		src := string(c.Source)
		commented := isAllComments(src)
		if commented {
			src = uncomment(src)
		}
		cell := splitGoNBCell(src)
		if strings.Contains(src, "go work init") { // the setup cell: its declarations carry over
			setup = cell
		}
		prog, err := cellProgram(setup, cell)
		if err != nil {
			t.Errorf("cell %d: %v", i, err)
			continue
		}
		if err := buildProgram(t, root, prog); err != nil {
			t.Errorf("cell %d (commented example: %v) does not compile:\n%v\n--- program ---\n%s", i, commented, err, prog)
			continue
		}
		compiled++
	}
	if compiled < 8 {
		t.Errorf("compiled %d cells, want all code cells (≥ 8)", compiled)
	}
}

type gonbCell struct{ decls, main string }

// splitGoNBCell drops GoNB's shell (!) and special (%) lines and splits at %%.
func splitGoNBCell(src string) gonbCell {
	var decls, main []string
	inMain, cont := false, false
	for _, l := range strings.Split(src, "\n") {
		tl := strings.TrimSpace(l)
		if cont { // continuation of a ! command
			cont = strings.HasSuffix(tl, `\`)
			continue
		}
		switch {
		case strings.HasPrefix(tl, "!"):
			cont = strings.HasSuffix(tl, `\`)
			continue
		case tl == "%%" || tl == "%main":
			inMain = true
			continue
		case strings.HasPrefix(tl, "%"):
			continue
		}
		if inMain {
			main = append(main, l)
		} else {
			decls = append(decls, l)
		}
	}
	return gonbCell{decls: strings.Join(decls, "\n"), main: strings.Join(main, "\n")}
}

func isAllComments(src string) bool {
	for _, l := range strings.Split(src, "\n") {
		if tl := strings.TrimSpace(l); tl != "" && !strings.HasPrefix(tl, "//") {
			return false
		}
	}
	return true
}

// uncomment removes one level of "// " (or "//") from every line.
func uncomment(src string) string {
	lines := strings.Split(src, "\n")
	for i, l := range lines {
		if rest, ok := strings.CutPrefix(l, "// "); ok {
			lines[i] = rest
		} else if rest, ok := strings.CutPrefix(l, "//"); ok {
			lines[i] = rest
		}
	}
	return strings.Join(lines, "\n")
}

// cellProgram is the program GoNB would build: the imports of both (deduplicated), the setup's
// other declarations unless the cell redeclares them, the cell's, and main.
func cellProgram(setup, cell gonbCell) (string, error) {
	fset := token.NewFileSet()
	parse := func(name, decls string) (*ast.File, error) {
		return parser.ParseFile(fset, name, "package main\n"+decls, parser.ParseComments)
	}
	sf, err := parse("setup", setup.decls)
	if err != nil {
		return "", fmt.Errorf("setup declarations: %w", err)
	}
	cf, err := parse("cell", cell.decls)
	if err != nil {
		return "", fmt.Errorf("cell declarations: %w", err)
	}
	imports := map[string]string{}
	var order []string
	var body bytes.Buffer
	names := map[string]bool{}
	for _, d := range cf.Decls {
		if fd, ok := d.(*ast.FuncDecl); ok {
			names[fd.Name.Name] = true
		}
	}
	for _, f := range []*ast.File{sf, cf} {
		for _, im := range f.Imports {
			key := im.Path.Value
			if im.Name != nil {
				key = im.Name.Name + " " + key
			}
			if _, ok := imports[key]; !ok {
				imports[key] = key
				order = append(order, key)
			}
		}
		for _, d := range f.Decls {
			if gd, ok := d.(*ast.GenDecl); ok && gd.Tok == token.IMPORT {
				continue
			}
			if fd, ok := d.(*ast.FuncDecl); ok && f == sf && names[fd.Name.Name] {
				continue
			}
			if err := printer.Fprint(&body, fset, d); err != nil {
				return "", err
			}
			body.WriteString("\n\n")
		}
	}
	var b strings.Builder
	b.WriteString("package main\n\nimport (\n")
	for _, k := range order {
		b.WriteString("\t" + k + "\n")
	}
	b.WriteString(")\n\n")
	b.WriteString(body.String())
	b.WriteString("func main() {\n" + cell.main + "\n}\n")
	return b.String(), nil
}

// buildProgram builds prog as package main inside the module (through -overlay, nothing is
// written to the checkout) and keeps only unused-import/variable errors out of it: GoNB
// removes unused imports itself.
func buildProgram(t *testing.T, root, prog string) error {
	dir := t.TempDir()
	file := filepath.Join(dir, "main.go")
	if err := os.WriteFile(file, []byte(prog), 0o600); err != nil {
		return err
	}
	// GoNB runs goimports, which drops unused imports: do the same.
	if out, err := exec.Command("goimports", "-w", file).CombinedOutput(); err != nil {
		return fmt.Errorf("goimports: %v\n%s", err, out)
	}
	virtual := filepath.Join(root, "e2e", "internal_cellcheck", "main.go")
	overlay := filepath.Join(dir, "overlay.json")
	if err := os.WriteFile(overlay, []byte(fmt.Sprintf(`{"Replace":{%q:%q}}`, virtual, file)), 0o600); err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, "go", "build", "-overlay", overlay, "-o", os.DevNull, "./e2e/internal_cellcheck")
	cmd.Dir = root
	if out, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("%v\n%s", err, out)
	}
	return nil
}

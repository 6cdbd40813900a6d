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
	"go/types"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

// TestNotebookCellsCompile compiles every Go code cell of notebooks/NetworkFlowSummary.ipynb as
// GoNB would, without Jupyter: the declarations of every cell before it (GoNB carries them from
// cell to cell; a later one of the same name replaces an earlier one) plus the cell's own, the
// part after %% as main. Cells made only of comments (the Log Analytics example) are
// uncommented first, so the example an analyst copies stays in step with the API.
func TestNotebookCellsCompile(t *testing.T) {
	requireTools(t)
	root := repoRoot(t)
	nbk, err := readNotebook(filepath.Join(root, filepath.FromSlash(flowNotebook)))
	if err != nil {
		t.Fatal(err)
	}
	var before []gonbCell
	compiled, code := 0, 0
	for i, c := range nbk.Cells {
		if c.CellType != "code" {
			continue
		}
		code++
		src := string(c.Source)
		commented := isAllComments(src)
		if commented {
			src = uncomment(src)
		}
		cell := splitGoNBCell(src)
		prog, err := cellProgram(before, cell)
		if err != nil {
			t.Errorf("cell %d: %v", i, err)
			continue
		}
		if err := buildProgram(t, root, prog); err != nil {
			t.Errorf("cell %d (commented example: %v) does not compile:\n%v\n--- program ---\n%s", i, commented, err, prog)
			continue
		}
		compiled++
		if !commented { // the example stays an example: its declarations are not carried
			before = append(before, cell)
		}
	}
	if compiled != code || code < 6 {
		t.Errorf("compiled %d of %d code cells, want all (≥ 6)", compiled, code)
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

// cellProgram is the program GoNB would build for cell after the cells before: the imports of
// all (deduplicated), the other declarations by name (a later one replaces an earlier one,
// keeping the place of the first), and the cell's main.
func cellProgram(before []gonbCell, cell gonbCell) (string, error) {
	fset := token.NewFileSet()
	var imports, order []string
	seenImport := map[string]bool{}
	decls := map[string]string{}
	for k, c := range append(append([]gonbCell(nil), before...), cell) {
		f, err := parser.ParseFile(fset, fmt.Sprintf("cell%d", k), "package main\n"+c.decls, parser.ParseComments)
		if err != nil {
			return "", fmt.Errorf("declarations of code cell %d: %w", k, err)
		}
		for _, im := range f.Imports {
			key := im.Path.Value
			if im.Name != nil {
				key = im.Name.Name + " " + key
			}
			if !seenImport[key] {
				seenImport[key] = true
				imports = append(imports, key)
			}
		}
		for _, d := range f.Decls {
			var specs []ast.Decl
			switch d := d.(type) {
			case *ast.GenDecl:
				if d.Tok == token.IMPORT {
					continue
				}
				for _, s := range d.Specs { // one declaration per spec, so each is keyed by its names
					specs = append(specs, &ast.GenDecl{Tok: d.Tok, Specs: []ast.Spec{s}})
				}
			default:
				specs = append(specs, d)
			}
			for _, sd := range specs {
				var b bytes.Buffer
				if err := printer.Fprint(&b, fset, sd); err != nil {
					return "", err
				}
				key := declName(sd)
				if _, ok := decls[key]; !ok {
					order = append(order, key)
				}
				decls[key] = b.String()
			}
		}
	}
	var b strings.Builder
	b.WriteString("package main\n\nimport (\n")
	for _, k := range imports {
		b.WriteString("\t" + k + "\n")
	}
	b.WriteString(")\n\n")
	for _, k := range order {
		b.WriteString(decls[k] + "\n\n")
	}
	b.WriteString("func main() {\n" + cell.main + "\n}\n")
	return b.String(), nil
}

// declName keys a declaration as GoNB does: functions and methods by (receiver and) name, a
// var/const/type spec by its names; blank names (var _ = x) are all distinct.
func declName(d ast.Decl) string {
	switch d := d.(type) {
	case *ast.FuncDecl:
		if d.Recv != nil && len(d.Recv.List) > 0 {
			return fmt.Sprintf("func %s.%s", types.ExprString(d.Recv.List[0].Type), d.Name.Name)
		}
		return "func " + d.Name.Name
	case *ast.GenDecl:
		var names []string
		for _, s := range d.Specs {
			switch s := s.(type) {
			case *ast.ValueSpec:
				for _, n := range s.Names {
					names = append(names, n.Name)
				}
			case *ast.TypeSpec:
				names = append(names, s.Name.Name)
			}
		}
		key := d.Tok.String() + " " + strings.Join(names, ",")
		if slices.Contains(names, "_") {
			key += fmt.Sprintf(" @%d", d.Specs[0].Pos())
		}
		return key
	}
	return fmt.Sprintf("decl @%d", d.Pos())
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

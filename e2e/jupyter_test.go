//go:build e2e

package e2e

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// repoRoot is the checkout: go test runs in e2e/.
func repoRoot(t testing.TB) string {
	t.Helper()
	wd, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	root := filepath.Dir(wd)
	if _, err := os.Stat(filepath.Join(root, "go.mod")); err != nil {
		t.Fatalf("repo root %s has no go.mod: %v", root, err)
	}
	return root
}

// artifactsDir is $ARTIFACTS_DIR or e2e/artifacts, created.
func artifactsDir(t testing.TB) string {
	t.Helper()
	dir := artifactsDirPath()
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	return dir
}

// artifactsDirPath is $ARTIFACTS_DIR or e2e/artifacts (go test runs in e2e/).
func artifactsDirPath() string {
	if dir := os.Getenv("ARTIFACTS_DIR"); dir != "" {
		return dir
	}
	wd, _ := os.Getwd()
	return filepath.Join(wd, "artifacts")
}

// jupyterVenv is the virtual environment install-test-deps.sh installs Jupyter into:
// $NOTEBOOKLETS_VENVS/jupyter, default ~/.cache/notebooklets-test-deps/venvs/jupyter.
func jupyterVenv() string {
	if d := os.Getenv("NOTEBOOKLETS_VENVS"); d != "" {
		return filepath.Join(d, "jupyter")
	}
	cache := os.Getenv("XDG_CACHE_HOME")
	if cache == "" {
		home, _ := os.UserHomeDir()
		cache = filepath.Join(home, ".cache")
	}
	return filepath.Join(cache, "notebooklets-test-deps", "venvs", "jupyter")
}

// toolPath is PATH with, first, the Jupyter venv's bin directory (its jupyter, never another
// one on PATH), then the directories install-test-deps.sh installs gonb, goimports and gopls
// into, and Go's own bin directory (GoNB runs `go`).
func toolPath() string {
	dirs := []string{filepath.Join(jupyterVenv(), "bin"), "/usr/local/bin"}
	if out, err := exec.Command("go", "env", "GOPATH", "GOROOT").Output(); err == nil {
		f := strings.Fields(string(out))
		if len(f) == 2 {
			dirs = append(dirs, filepath.Join(f[0], "bin"), filepath.Join(f[1], "bin"))
		}
	}
	return strings.Join(append(dirs, os.Getenv("PATH")), string(os.PathListSeparator))
}

// requireTools fails (never skips) with the fix when the test dependencies are missing.
func requireTools(t testing.TB) {
	t.Helper()
	t.Setenv("PATH", toolPath())
	var missing []string
	for _, b := range []string{"jupyter", "jupyter-lab", "jupyter-notebook", "jupyter-nbconvert", "gonb", "goimports", "gopls", "go"} {
		p, err := exec.LookPath(b)
		if err != nil {
			missing = append(missing, b)
			continue
		}
		if strings.HasPrefix(b, "jupyter") && !strings.HasPrefix(p, filepath.Join(jupyterVenv(), "bin")+string(os.PathSeparator)) {
			missing = append(missing, b+" from "+jupyterVenv()+" (found "+p+")")
		}
	}
	if _, err := os.Stat(chromiumPath()); err != nil {
		missing = append(missing, chromiumPath())
	}
	if _, err := os.Stat(filepath.Join(nodeModules(t), "echarts", "package.json")); err != nil {
		missing = append(missing, "e2e/node_modules (npm ci)")
	}
	home, _ := os.UserHomeDir()
	spec := filepath.Join(home, ".local/share/jupyter/kernels/gonb/kernel.json")
	if d := os.Getenv("JUPYTER_DATA_DIR"); d != "" {
		spec = filepath.Join(d, "kernels/gonb/kernel.json")
	}
	if _, err := os.Stat(spec); err != nil {
		missing = append(missing, "GoNB kernel spec "+spec)
	}
	if len(missing) > 0 {
		t.Fatalf("missing test dependencies %v: run scripts/install-test-deps.sh", missing)
	}
}

func randomToken() string {
	b := make([]byte, 16)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

func freePort(t testing.TB) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// jupyterEnv isolates Jupyter's config and runtime dirs (the kernel spec stays where
// gonb --install put it) and adds env for the kernel and the cells it runs.
func jupyterEnv(t testing.TB, env ...string) []string {
	t.Helper()
	tmp := t.TempDir()
	return append([]string{
		"PATH=" + toolPath(),
		"JUPYTER_CONFIG_DIR=" + filepath.Join(tmp, "config"),
		"JUPYTER_RUNTIME_DIR=" + filepath.Join(tmp, "runtime"),
		"PYDEVD_DISABLE_FILE_VALIDATION=1",
		"NO_COLOR=1",
	}, env...)
}

// executeNotebook runs `jupyter nbconvert --to notebook --execute` on nbPath and writes
// the executed notebook to outPath; it returns it parsed, with nbconvert's log.
func executeNotebook(ctx context.Context, t testing.TB, nbPath, outPath string, env []string) (*notebook, string, error) {
	t.Helper()
	p := startProc(t, filepath.Dir(nbPath), jupyterEnv(t, env...), nil, "jupyter", "nbconvert",
		"--to", "notebook", "--execute", "--allow-errors",
		"--ExecutePreprocessor.timeout=300", "--ExecutePreprocessor.record_timing=True",
		"--output", outPath, nbPath)
	err := p.Wait(ctx)
	log := p.out.String()
	if err != nil {
		return nil, log, fmt.Errorf("nbconvert --execute %s: %w\n%s", nbPath, err, tail(log, 4000))
	}
	nb, err := readNotebook(outPath)
	return nb, log, err
}

// exportHTML runs `jupyter nbconvert --to html` on an executed notebook.
func exportHTML(ctx context.Context, t testing.TB, nbPath, outPath string, extra ...string) error {
	t.Helper()
	args := append([]string{"nbconvert", "--to", "html", "--output", outPath}, extra...)
	p := startProc(t, filepath.Dir(nbPath), jupyterEnv(t), nil, "jupyter", append(args, nbPath)...)
	if err := p.Wait(ctx); err != nil {
		return fmt.Errorf("nbconvert --to html: %w\n%s", err, tail(p.out.String(), 4000))
	}
	return nil
}

func tail(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return "…" + s[len(s)-n:]
}

func sanitize(s string) string {
	return strings.Map(func(r rune) rune {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9', r == '-', r == '_', r == '.':
			return r
		}
		return '_'
	}, s)
}

// --- nbformat ----------------------------------------------------------------------------

// multiline is nbformat's "string or list of strings".
type multiline string

func (m *multiline) UnmarshalJSON(b []byte) error {
	var s string
	if err := json.Unmarshal(b, &s); err == nil {
		*m = multiline(s)
		return nil
	}
	var ss []string
	if err := json.Unmarshal(b, &ss); err != nil {
		return err
	}
	*m = multiline(strings.Join(ss, ""))
	return nil
}

type notebook struct {
	Cells         []cell         `json:"cells"`
	Metadata      map[string]any `json:"metadata"`
	Nbformat      int            `json:"nbformat"`
	NbformatMinor int            `json:"nbformat_minor"`
}

type cell struct {
	ID             string         `json:"id,omitempty"`
	CellType       string         `json:"cell_type"`
	Source         multiline      `json:"source"`
	Metadata       map[string]any `json:"metadata"`
	Outputs        []output       `json:"outputs,omitempty"`
	ExecutionCount *int           `json:"execution_count,omitempty"`
}

type output struct {
	OutputType string               `json:"output_type"`
	Name       string               `json:"name,omitempty"`
	Text       multiline            `json:"text,omitempty"`
	Data       map[string]multiline `json:"data,omitempty"`
	Ename      string               `json:"ename,omitempty"`
	Evalue     string               `json:"evalue,omitempty"`
	Traceback  []string             `json:"traceback,omitempty"`
}

func readNotebook(path string) (*notebook, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var nb notebook
	if err := json.Unmarshal(b, &nb); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return &nb, nil
}

// Text is everything a cell showed: streams, text/plain, text/html and text/markdown, and errors.
func (c cell) Text() string {
	var b strings.Builder
	for _, o := range c.Outputs {
		b.WriteString(string(o.Text))
		for _, k := range []string{"text/plain", "text/html", "text/markdown"} {
			b.WriteString(string(o.Data[k]))
			b.WriteString("\n")
		}
		if o.OutputType == "error" {
			fmt.Fprintf(&b, "%s: %s\n%s\n", o.Ename, o.Evalue, strings.Join(o.Traceback, "\n"))
		}
	}
	return b.String()
}

// Errors lists the cell's error outputs and stderr streams that look like failures.
func (c cell) Errors() []string {
	var errs []string
	for _, o := range c.Outputs {
		if o.OutputType == "error" {
			errs = append(errs, o.Ename+": "+o.Evalue+"\n"+strings.Join(o.Traceback, "\n"))
		}
	}
	return errs
}

// executionSeconds is the cell's wall time as nbclient recorded it (record_timing).
func (c cell) executionSeconds() float64 {
	ex, _ := c.Metadata["execution"].(map[string]any)
	start, _ := ex["iopub.execute_input"].(string)
	end, _ := ex["shell.execute_reply"].(string)
	if start == "" || end == "" {
		return -1
	}
	t0, err0 := time.Parse(time.RFC3339Nano, start)
	t1, err1 := time.Parse(time.RFC3339Nano, end)
	if err0 != nil || err1 != nil {
		return -1
	}
	return t1.Sub(t0).Seconds()
}

func jsonUnmarshal(s string, v any) error { return json.Unmarshal([]byte(s), v) }

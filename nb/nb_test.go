package nb

import (
	"fmt"
	"html/template"
	"os"
	"path/filepath"
	"sync"
	"testing"
)

// testNotebooklet is a registered notebooklet in tests.
type testNotebooklet struct{ md *Metadata }

func (t testNotebooklet) Metadata() *Metadata { return t.md }

func mustLoadFile(tb testing.TB, path string) *Metadata {
	tb.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		tb.Fatal(err)
	}
	m, err := LoadMetadata(b)
	if err != nil {
		tb.Fatalf("%s: %v", path, err)
	}
	return m
}

func loadFile(path string) *Metadata {
	b, err := os.ReadFile(path)
	if err != nil {
		panic(err)
	}
	m, err := LoadMetadata(b)
	if err != nil {
		panic(err)
	}
	return m
}

// TestMain registers msticnb's two test notebooklets (not in the child
// process of TestStateLoadUnwritableDirectory, which may not read them).
func TestMain(m *testing.M) {
	if os.Getenv("NB_TEST_UNWRITABLE_DIR") != "" {
		os.Exit(m.Run())
	}
	Register(testNotebooklet{loadFile(filepath.Join("testdata", "msticnb", "network_flow_summary.yaml"))})
	Register(testNotebooklet{loadFile(filepath.Join("testdata", "msticnb", "host_summary.yaml"))})
	os.Exit(m.Run())
}

// recSink records what is shown, one string per call.
type recSink struct {
	mu     sync.Mutex
	events []string
	closed bool
}

func (r *recSink) add(s string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.events = append(r.events, s)
}
func (r *recSink) Heading(l int, t string)        { r.add(fmt.Sprintf("heading %d %s", l, t)) }
func (r *recSink) Text(b string, md bool)         { r.add(fmt.Sprintf("text md=%v %s", md, b)) }
func (r *recSink) Show(h template.HTML, t string) { r.add(fmt.Sprintf("show %s | %s", h, t)) }
func (r *recSink) Update(id string, h template.HTML, t string) {
	r.add(fmt.Sprintf("update %s %s | %s", id, h, t))
}
func (r *recSink) Close() error { r.closed = true; return nil }

package nb

import (
	"strings"
	"testing"
)

func TestNotebookAt(t *testing.T) {
	a := NotebookAt("/home/analyst/cases/NetworkFlowSummary.ipynb")
	b := NotebookAt("/home/analyst/other/NetworkFlowSummary.ipynb")
	if a.Key == b.Key {
		t.Errorf("two notebooks of one name in two folders share key %q", a.Key)
	}
	if !strings.HasPrefix(a.Key, "NetworkFlowSummary.ipynb-") || !kindRE.MatchString("NetworkFlowSummary."+a.Key) {
		t.Errorf("key %q is not a readable, file-name-safe state kind", a.Key)
	}
	if a != NotebookAt("/home/analyst/cases/NetworkFlowSummary.ipynb") {
		t.Error("key is not stable")
	}
	for _, p := range []string{"../../etc/passwd", "a b/ü?*.ipynb", ".hidden.ipynb", "/", strings.Repeat("x", 300)} {
		if k := NotebookAt(p).Key; !kindRE.MatchString("NetworkFlowSummary."+k) || strings.Contains(k, "..") {
			t.Errorf("NotebookAt(%q).Key = %q is not a safe state kind", p, k)
		}
	}
	if (NotebookAt("  ") != Notebook{}) {
		t.Error("blank path gives a notebook")
	}
	t.Setenv(EnvSessionName, "/x/y.ipynb")
	if CurrentNotebook().Path != "/x/y.ipynb" {
		t.Errorf("CurrentNotebook = %+v", CurrentNotebook())
	}
}

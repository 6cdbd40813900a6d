package nb

import (
	"crypto/sha256"
	"encoding/hex"
	"os"
	"path/filepath"
	"strings"
)

// EnvSessionName is set by Jupyter in a kernel's environment to the path of
// the notebook the kernel serves (jupyter_server 2 and later); GoNB passes it
// on to each cell's program.
const EnvSessionName = "JPY_SESSION_NAME"

// Notebook identifies the notebook a cell runs in, so that two notebooks in
// one folder keep their state apart.
type Notebook struct {
	// Path is the notebook's path as Jupyter gave it; "" when unknown
	// (outside Jupyter, or a Jupyter that does not say).
	Path string
	// Key is a file-name-safe key for Path: its base name and a hash of the
	// whole path ("NetworkFlowSummary.ipynb-1a2b3c4d"); "" when Path is.
	Key string
}

// CurrentNotebook returns the notebook this process serves, from
// $JPY_SESSION_NAME.
func CurrentNotebook() Notebook {
	return NotebookAt(os.Getenv(EnvSessionName))
}

// NotebookAt returns the Notebook of a notebook path.
func NotebookAt(path string) Notebook {
	path = strings.TrimSpace(path)
	if path == "" {
		return Notebook{}
	}
	sum := sha256.Sum256([]byte(path))
	base := strings.Map(func(r rune) rune {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9', r == '.', r == '_', r == '-':
			return r
		}
		return '_'
	}, filepath.Base(path))
	base = strings.TrimLeft(base, ".-_")
	if len(base) > 80 {
		base = base[:80]
	}
	if base == "" {
		base = "notebook"
	}
	return Notebook{Path: path, Key: base + "-" + hex.EncodeToString(sum[:4])}
}

// String returns the notebook's path, or "(no notebook)".
func (n Notebook) String() string {
	if n.Path == "" {
		return "(no notebook)"
	}
	return n.Path
}

package nb

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"time"
)

// Environment variables that locate the state directory.
const (
	// EnvStateDir overrides the state directory.
	EnvStateDir = "NOTEBOOKLETS_STATE_DIR"
	// EnvGoNBDir is set by GoNB to the notebook's directory.
	EnvGoNBDir = "GONB_DIR"
)

// StateDir returns where run state is kept: $NOTEBOOKLETS_STATE_DIR if set,
// else .notebooklets in $GONB_DIR (the notebook's directory, set by GoNB),
// else .notebooklets in the current directory.
func StateDir() string {
	if d := os.Getenv(EnvStateDir); d != "" {
		return d
	}
	if d := os.Getenv(EnvGoNBDir); d != "" {
		return filepath.Join(d, ".notebooklets")
	}
	return ".notebooklets"
}

var (
	// ErrNoState: nothing has been saved yet under this kind.
	ErrNoState = errors.New("no saved state")
	// ErrStateCorrupt: the state file is damaged, truncated, or not a
	// state file.
	ErrStateCorrupt = errors.New("state file is corrupt")
	// ErrStateVersion: the state file was written with another version of
	// its format.
	ErrStateVersion = errors.New("state file has another version")
)

// StateError is returned by StateStore.Load: it names the file and says
// how to recover. It matches (errors.Is) ErrNoState, ErrStateCorrupt or
// ErrStateVersion.
type StateError struct {
	Kind, Path string
	Err        error  // one of the sentinels
	Detail     string // what exactly is wrong
	Recover    string // what to do
}

func (e *StateError) Error() string {
	msg := fmt.Sprintf("%s state %s: %v", e.Kind, e.Path, e.Err)
	if e.Detail != "" {
		msg += ": " + e.Detail
	}
	if e.Recover != "" {
		msg += "; " + e.Recover
	}
	return msg
}

// Unwrap returns the sentinel.
func (e *StateError) Unwrap() error { return e.Err }

// StateStore keeps versioned, checksummed state files in a directory, one
// per kind, so that a later GoNB cell (a new process) can carry on from an
// earlier one. Files are gzip-compressed JSON after a one-line header,
// written atomically (temporary file + rename) with mode 0600 in a
// directory created 0700. An empty Dir means StateDir().
type StateStore struct{ Dir string }

const stateMagic = "NOTEBOOKLETS-STATE 1\n"

// stateHeader is the JSON line after the magic line.
type stateHeader struct {
	Kind     string    `json:"kind"`
	Version  int       `json:"version"`
	Encoding string    `json:"encoding"`
	Length   int64     `json:"length"`
	SHA256   string    `json:"sha256"`
	Saved    time.Time `json:"saved"`
}

var kindRE = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9_.-]{0,99}$`)

func (s StateStore) dir() string {
	if s.Dir == "" {
		return StateDir()
	}
	return s.Dir
}

// Path returns the file that holds the given kind.
func (s StateStore) Path(kind string) string {
	return filepath.Join(s.dir(), kind+".state")
}

func checkKind(kind string) error {
	if !kindRE.MatchString(kind) || strings.Contains(kind, "..") {
		return fmt.Errorf("invalid state kind %q: use letters, digits, '_', '-' and '.'", kind)
	}
	return nil
}

// Save writes v (as JSON) under kind with the given format version,
// replacing the previous file atomically.
func (s StateStore) Save(kind string, version int, v any) error {
	if err := checkKind(kind); err != nil {
		return err
	}
	var body bytes.Buffer
	zw := gzip.NewWriter(&body)
	if err := json.NewEncoder(zw).Encode(v); err != nil {
		return fmt.Errorf("save %s state: encode: %w", kind, err)
	}
	if err := zw.Close(); err != nil {
		return fmt.Errorf("save %s state: compress: %w", kind, err)
	}
	sum := sha256.Sum256(body.Bytes())
	hdr, err := json.Marshal(stateHeader{
		Kind: kind, Version: version, Encoding: "gzip+json",
		Length: int64(body.Len()), SHA256: hex.EncodeToString(sum[:]), Saved: now().UTC(),
	})
	if err != nil {
		return fmt.Errorf("save %s state: %w", kind, err)
	}
	var file bytes.Buffer
	file.Grow(len(stateMagic) + len(hdr) + 1 + body.Len())
	file.WriteString(stateMagic)
	file.Write(hdr)
	file.WriteByte('\n')
	file.Write(body.Bytes())

	dir := s.dir()
	if _, err := os.Stat(dir); errors.Is(err, fs.ErrNotExist) {
		if err := os.MkdirAll(dir, 0o700); err != nil {
			return fmt.Errorf("save %s state: create state directory: %w", kind, err)
		}
	}
	if err := writeFileAtomic(s.Path(kind), file.Bytes(), 0o600); err != nil {
		return fmt.Errorf("save %s state: %w", kind, err)
	}
	return nil
}

// Load reads the state saved under kind into v. It fails with a
// *StateError matching ErrNoState when nothing was saved, ErrStateVersion
// when the file has another format version, and ErrStateCorrupt when the
// file is damaged or truncated; the error says how to recover. v is only
// written when the file is intact.
func (s StateStore) Load(kind string, version int, v any) error {
	if err := checkKind(kind); err != nil {
		return err
	}
	path := s.Path(kind)
	serr := func(sentinel error, detail, recover string) error {
		return &StateError{Kind: kind, Path: path, Err: sentinel, Detail: detail, Recover: recover}
	}
	rerun := fmt.Sprintf("run the notebooklet again to recreate it (or delete %s)", path)
	f, err := os.Open(path)
	if errors.Is(err, fs.ErrNotExist) {
		return serr(ErrNoState, "",
			fmt.Sprintf("run the notebooklet first, or set %s to the directory it saved to (now %s)", EnvStateDir, s.dir()))
	}
	if err != nil {
		return fmt.Errorf("load %s state: %w", kind, err)
	}
	defer f.Close()
	r := bufio.NewReader(f)
	magic := make([]byte, len(stateMagic))
	if _, err := io.ReadFull(r, magic); err != nil || string(magic) != stateMagic {
		return serr(ErrStateCorrupt, "not a notebooklets state file", rerun)
	}
	line, err := r.ReadBytes('\n')
	if err != nil {
		return serr(ErrStateCorrupt, "truncated header", rerun)
	}
	var hdr stateHeader
	if err := json.Unmarshal(line, &hdr); err != nil {
		return serr(ErrStateCorrupt, "unreadable header", rerun)
	}
	if hdr.Kind != kind {
		return serr(ErrStateCorrupt, fmt.Sprintf("file holds %q state, not %q", hdr.Kind, kind), rerun)
	}
	if hdr.Version != version {
		return serr(ErrStateVersion,
			fmt.Sprintf("saved with format version %d, this program reads version %d", hdr.Version, version), rerun)
	}
	if hdr.Encoding != "gzip+json" || hdr.Length < 0 {
		return serr(ErrStateCorrupt, fmt.Sprintf("unknown encoding %q", hdr.Encoding), rerun)
	}
	body, err := io.ReadAll(io.LimitReader(r, hdr.Length+1))
	if err != nil {
		return fmt.Errorf("load %s state: %w", kind, err)
	}
	if int64(len(body)) != hdr.Length {
		return serr(ErrStateCorrupt, fmt.Sprintf("length %d bytes, header says %d (truncated or appended to)", len(body), hdr.Length), rerun)
	}
	sum := sha256.Sum256(body)
	if hex.EncodeToString(sum[:]) != hdr.SHA256 {
		return serr(ErrStateCorrupt, "checksum mismatch", rerun)
	}
	zr, err := gzip.NewReader(bytes.NewReader(body))
	if err != nil {
		return serr(ErrStateCorrupt, "bad compression: "+err.Error(), rerun)
	}
	raw, err := io.ReadAll(zr)
	if err != nil {
		return serr(ErrStateCorrupt, "bad compression: "+err.Error(), rerun)
	}
	if err := json.Unmarshal(raw, v); err != nil {
		return serr(ErrStateCorrupt, "bad content: "+err.Error(), rerun)
	}
	return nil
}

// Remove deletes the state saved under kind; removing nothing is not an
// error.
func (s StateStore) Remove(kind string) error {
	if err := checkKind(kind); err != nil {
		return err
	}
	if err := os.Remove(s.Path(kind)); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return err
	}
	return nil
}

// writeFileAtomic writes data to a temporary file in path's directory,
// syncs it, sets perm and renames it over path.
func writeFileAtomic(path string, data []byte, perm os.FileMode) (err error) {
	dir := filepath.Dir(path)
	tmp, err := os.CreateTemp(dir, "."+filepath.Base(path)+".*.tmp")
	if err != nil {
		return err
	}
	defer func() {
		if err != nil {
			tmp.Close()
			os.Remove(tmp.Name())
		}
	}()
	if err = tmp.Chmod(perm); err != nil {
		return err
	}
	if _, err = tmp.Write(data); err != nil {
		return err
	}
	if err = tmp.Sync(); err != nil {
		return err
	}
	if err = tmp.Close(); err != nil {
		return err
	}
	if err = os.Rename(tmp.Name(), path); err != nil {
		return err
	}
	if d, derr := os.Open(dir); derr == nil { // best effort: persist the rename
		_ = d.Sync()
		d.Close()
	}
	return nil
}

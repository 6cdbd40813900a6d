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
//
// Each file records the run that owns it (Save's run), so a later step can
// check, under Lock, that the state is still its run's before replacing it
// (see Stat).
type StateStore struct{ Dir string }

const stateMagic = "NOTEBOOKLETS-STATE 1\n"

// stateHeader is the JSON line after the magic line.
type stateHeader struct {
	Kind     string    `json:"kind"`
	Version  int       `json:"version"`
	Run      string    `json:"run,omitempty"`
	Encoding string    `json:"encoding"`
	Length   int64     `json:"length"`
	SHA256   string    `json:"sha256"`
	Saved    time.Time `json:"saved"`
}

// StateInfo is what a state file's header says.
type StateInfo struct {
	Path    string
	Kind    string
	Version int
	// Run identifies the run that owns the state (Save's run argument).
	Run   string
	Saved time.Time
}

var kindRE = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9_.-]{0,199}$`)

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

// Prepare makes sure the state directory exists (created 0700) and is safe
// to use. A directory that others can write to could have its results
// replaced by another user: when it belongs to this user Prepare removes
// the others' write permission and says so; when it belongs to someone else
// it only warns. The warnings are for the analyst; the error is for a
// directory that cannot be created or used.
func (s StateStore) Prepare() (warnings []string, err error) {
	dir := s.dir()
	fi, err := os.Stat(dir)
	if errors.Is(err, fs.ErrNotExist) {
		if err := os.MkdirAll(dir, 0o700); err != nil {
			return nil, fmt.Errorf("create state directory: %w", err)
		}
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("state directory: %w", err)
	}
	if !fi.IsDir() {
		return nil, fmt.Errorf("state directory %s is not a directory (set %s to a directory)", dir, EnvStateDir)
	}
	if fi.Mode().Perm()&0o022 == 0 {
		return nil, nil
	}
	if owned(fi) {
		perm := fi.Mode().Perm() &^ 0o022
		if err := os.Chmod(dir, perm); err != nil {
			return []string{fmt.Sprintf("the state directory %s is writable by other users and could not be tightened (%v): another user could replace the saved results", dir, err)}, nil
		}
		return []string{fmt.Sprintf("the state directory %s was writable by other users; its mode is now %04o", dir, perm)}, nil
	}
	return []string{fmt.Sprintf("the state directory %s is writable by other users and belongs to another user: anyone could replace the saved results; set %s to a private directory", dir, EnvStateDir)}, nil
}

// Save writes v (as JSON) under kind with the given format version, owned by
// run, replacing the previous file atomically.
func (s StateStore) Save(kind string, version int, run string, v any) error {
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
		Kind: kind, Version: version, Run: run, Encoding: "gzip+json",
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

// ErrStateNotFile is matched (errors.Is) when the state path is not a
// regular file (a named pipe, a device, a directory): it is never opened
// for reading, so it cannot hang or feed a load.
var ErrStateNotFile = errors.New("state path is not a regular file")

// open opens kind's file for reading without blocking and refuses anything
// that is not a regular file. A missing file gives an ErrNoState error that
// says why nothing could have been saved when the directory is not
// writable.
func (s StateStore) open(kind string) (*os.File, error) {
	path := s.Path(kind)
	f, err := openNoBlock(path)
	if errors.Is(err, fs.ErrNotExist) {
		if werr := dirWritable(s.dir()); werr != nil {
			return nil, fmt.Errorf("load %s state: nothing saved in %s, and nothing can be: the directory is not usable (%w); set %s to a writable directory", kind, s.dir(), werr, EnvStateDir)
		}
		return nil, &StateError{Kind: kind, Path: path, Err: ErrNoState,
			Recover: fmt.Sprintf("run the notebooklet first, or set %s to the directory it saved to (now %s)", EnvStateDir, s.dir())}
	}
	if err != nil {
		return nil, fmt.Errorf("load %s state: %w", kind, err)
	}
	fi, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("load %s state: %w", kind, err)
	}
	if !fi.Mode().IsRegular() {
		f.Close()
		return nil, &StateError{Kind: kind, Path: path, Err: ErrStateNotFile,
			Detail:  fmt.Sprintf("it is a %s", fileType(fi.Mode())),
			Recover: fmt.Sprintf("remove it, or set %s to another directory", EnvStateDir)}
	}
	return f, nil
}

// fileType names the kind of a non-regular file.
func fileType(m fs.FileMode) string {
	switch {
	case m&fs.ModeNamedPipe != 0:
		return "named pipe (FIFO)"
	case m&fs.ModeSocket != 0:
		return "socket"
	case m&fs.ModeDevice != 0:
		return "device"
	case m.IsDir():
		return "directory"
	case m&fs.ModeSymlink != 0:
		return "symbolic link"
	}
	return "special file"
}

// dirWritable reports why dir cannot hold state files (nil when it can):
// it exists and a file can be created in it, or it does not exist and can
// be created.
func dirWritable(dir string) error {
	fi, err := os.Stat(dir)
	if errors.Is(err, fs.ErrNotExist) {
		parent := filepath.Dir(dir)
		for {
			if _, err := os.Stat(parent); err == nil || parent == filepath.Dir(parent) {
				break
			}
			parent = filepath.Dir(parent)
		}
		return dirWritable(parent)
	}
	if err != nil {
		return err
	}
	if !fi.IsDir() {
		return fmt.Errorf("%s is not a directory", dir)
	}
	f, err := os.CreateTemp(dir, ".notebooklets-probe-*")
	if err != nil {
		return err
	}
	f.Close()
	os.Remove(f.Name())
	return nil
}

// Stat reads kind's header only: which run owns the state and when it was
// saved. Errors are Load's.
func (s StateStore) Stat(kind string) (StateInfo, error) {
	if err := checkKind(kind); err != nil {
		return StateInfo{}, err
	}
	f, err := s.open(kind)
	if err != nil {
		return StateInfo{}, err
	}
	defer f.Close()
	hdr, _, err := s.readHeader(kind, bufio.NewReader(f))
	if err != nil {
		return StateInfo{}, err
	}
	return StateInfo{Path: s.Path(kind), Kind: hdr.Kind, Version: hdr.Version, Run: hdr.Run, Saved: hdr.Saved}, nil
}

func (s StateStore) readHeader(kind string, r *bufio.Reader) (stateHeader, string, error) {
	path := s.Path(kind)
	rerun := fmt.Sprintf("run the notebooklet again to recreate it (or delete %s)", path)
	serr := func(detail string) error {
		return &StateError{Kind: kind, Path: path, Err: ErrStateCorrupt, Detail: detail, Recover: rerun}
	}
	magic := make([]byte, len(stateMagic))
	if _, err := io.ReadFull(r, magic); err != nil || string(magic) != stateMagic {
		return stateHeader{}, rerun, serr("not a notebooklets state file")
	}
	line, err := r.ReadSlice('\n')
	if err != nil {
		return stateHeader{}, rerun, serr("truncated header")
	}
	var hdr stateHeader
	if err := json.Unmarshal(line, &hdr); err != nil {
		return stateHeader{}, rerun, serr("unreadable header")
	}
	if hdr.Kind != kind {
		return stateHeader{}, rerun, serr(fmt.Sprintf("file holds %q state, not %q", hdr.Kind, kind))
	}
	return hdr, rerun, nil
}

// Load reads the state saved under kind into v and returns its header. It
// fails with a *StateError matching ErrNoState when nothing was saved,
// ErrStateVersion when the file has another format version, ErrStateCorrupt
// when the file is damaged or truncated and ErrStateNotFile when the path is
// not a regular file; the error says how to recover. A directory that
// cannot be written is reported as such, not as "nothing saved". v is only
// written when the file is intact.
func (s StateStore) Load(kind string, version int, v any) (StateInfo, error) {
	if err := checkKind(kind); err != nil {
		return StateInfo{}, err
	}
	path := s.Path(kind)
	f, err := s.open(kind)
	if err != nil {
		return StateInfo{}, err
	}
	defer f.Close()
	serr := func(sentinel error, detail, recover string) error {
		return &StateError{Kind: kind, Path: path, Err: sentinel, Detail: detail, Recover: recover}
	}
	r := bufio.NewReader(f)
	hdr, rerun, err := s.readHeader(kind, r)
	if err != nil {
		return StateInfo{}, err
	}
	if hdr.Version != version {
		return StateInfo{}, serr(ErrStateVersion,
			fmt.Sprintf("saved with format version %d, this program reads version %d", hdr.Version, version), rerun)
	}
	if hdr.Encoding != "gzip+json" || hdr.Length < 0 {
		return StateInfo{}, serr(ErrStateCorrupt, fmt.Sprintf("unknown encoding %q", hdr.Encoding), rerun)
	}
	body, err := io.ReadAll(io.LimitReader(r, hdr.Length+1))
	if err != nil {
		return StateInfo{}, fmt.Errorf("load %s state: %w", kind, err)
	}
	if int64(len(body)) != hdr.Length {
		return StateInfo{}, serr(ErrStateCorrupt, fmt.Sprintf("length %d bytes, header says %d (truncated or appended to)", len(body), hdr.Length), rerun)
	}
	sum := sha256.Sum256(body)
	if hex.EncodeToString(sum[:]) != hdr.SHA256 {
		return StateInfo{}, serr(ErrStateCorrupt, "checksum mismatch", rerun)
	}
	zr, err := gzip.NewReader(bytes.NewReader(body))
	if err != nil {
		return StateInfo{}, serr(ErrStateCorrupt, "bad compression: "+err.Error(), rerun)
	}
	raw, err := io.ReadAll(zr)
	if err != nil {
		return StateInfo{}, serr(ErrStateCorrupt, "bad compression: "+err.Error(), rerun)
	}
	if err := json.Unmarshal(raw, v); err != nil {
		return StateInfo{}, serr(ErrStateCorrupt, "bad content: "+err.Error(), rerun)
	}
	return StateInfo{Path: path, Kind: hdr.Kind, Version: hdr.Version, Run: hdr.Run, Saved: hdr.Saved}, nil
}

// lockWait bounds how long Lock waits for another process's lock.
var lockWait = 10 * time.Second

// ErrStateLocked is matched (errors.Is) when another process holds kind's
// lock for longer than Lock waits.
var ErrStateLocked = errors.New("state is locked by another process")

// Lock takes kind's exclusive lock (a lock file beside the state file),
// waiting up to 10 s for another process to release it; unlock releases it.
// Hold it from checking the owner (Stat) to Save, so that two processes
// never replace each other's state unseen.
func (s StateStore) Lock(kind string) (unlock func(), err error) {
	if err := checkKind(kind); err != nil {
		return nil, err
	}
	dir := s.dir()
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("lock %s state: %w", kind, err)
	}
	path := filepath.Join(dir, "."+kind+".lock")
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, fmt.Errorf("lock %s state: %w", kind, err)
	}
	deadline := time.Now().Add(lockWait)
	for wait := time.Millisecond; ; wait = min(2*wait, 100*time.Millisecond) {
		ok, err := tryLock(f)
		if err != nil {
			f.Close()
			return nil, fmt.Errorf("lock %s state: %w", kind, err)
		}
		if ok {
			return func() { unlockFile(f); f.Close() }, nil
		}
		if time.Now().After(deadline) {
			f.Close()
			return nil, fmt.Errorf("lock %s state (%s): %w", kind, path, ErrStateLocked)
		}
		time.Sleep(wait)
	}
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

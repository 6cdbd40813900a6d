//go:build unix

package nb

import (
	"errors"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// A named pipe where the state file should be is refused at once instead of
// hanging the load (opening a FIFO with no writer blocks).
func TestStateLoadRefusesFIFO(t *testing.T) {
	st := StateStore{Dir: t.TempDir()}
	if err := syscall.Mkfifo(st.Path("k"), 0o600); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() {
		_, err := st.Load("k", 1, new(testState))
		done <- err
	}()
	select {
	case err := <-done:
		if !errors.Is(err, ErrStateNotFile) || !strings.Contains(err.Error(), "named pipe") {
			t.Errorf("Load of a FIFO: %v, want ErrStateNotFile naming a named pipe", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("Load of a FIFO hangs")
	}
	if _, err := st.Stat("k"); !errors.Is(err, ErrStateNotFile) {
		t.Errorf("Stat of a FIFO: %v", err)
	}
}

func TestStateStatReportsOwner(t *testing.T) {
	st := StateStore{Dir: t.TempDir()}
	if err := st.Save("k", 1, "run-A", sampleState()); err != nil {
		t.Fatal(err)
	}
	info, err := st.Stat("k")
	if err != nil || info.Run != "run-A" || info.Path != st.Path("k") || info.Saved.IsZero() {
		t.Fatalf("Stat = %+v, %v", info, err)
	}
	if err := st.Save("k", 1, "run-B", sampleState()); err != nil {
		t.Fatal(err)
	}
	if info, _ := st.Stat("k"); info.Run != "run-B" {
		t.Errorf("after another run's Save, owner %q, want run-B", info.Run)
	}
}

// Lock is exclusive: a second holder waits until the first unlocks, and gives
// up with ErrStateLocked after the bound.
func TestStateLockIsExclusive(t *testing.T) {
	st := StateStore{Dir: t.TempDir()}
	unlock, err := st.Lock("k")
	if err != nil {
		t.Fatal(err)
	}
	old := lockWait
	lockWait = 200 * time.Millisecond
	defer func() { lockWait = old }()
	if _, err := st.Lock("k"); !errors.Is(err, ErrStateLocked) {
		t.Fatalf("second Lock while held: %v, want ErrStateLocked", err)
	}
	lockWait = 5 * time.Second
	got := make(chan time.Time, 1)
	go func() {
		u, err := st.Lock("k")
		if err != nil {
			t.Error(err)
			got <- time.Time{}
			return
		}
		got <- time.Now()
		u()
	}()
	time.Sleep(100 * time.Millisecond)
	released := time.Now()
	unlock()
	if at := <-got; at.Before(released) {
		t.Errorf("second Lock got the lock at %v, before the first released it at %v", at, released)
	}
}

func TestStatePrepare(t *testing.T) {
	tests := []struct {
		name     string
		mode     fs.FileMode
		wantMode fs.FileMode
		wantWarn string
	}{
		{"private", 0o700, 0o700, ""},
		{"world-writable, ours", 0o777, 0o755, "mode is now 0755"},
		{"group-writable, ours", 0o770, 0o750, "mode is now 0750"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := filepath.Join(t.TempDir(), "state")
			if err := os.Mkdir(dir, 0o700); err != nil {
				t.Fatal(err)
			}
			os.Chmod(dir, tt.mode)
			warns, err := StateStore{Dir: dir}.Prepare()
			if err != nil {
				t.Fatal(err)
			}
			if tt.wantWarn == "" && len(warns) > 0 || tt.wantWarn != "" && (len(warns) != 1 || !strings.Contains(warns[0], tt.wantWarn)) {
				t.Errorf("warnings %q, want one containing %q", warns, tt.wantWarn)
			}
			fi, _ := os.Stat(dir)
			if fi.Mode().Perm() != tt.wantMode {
				t.Errorf("mode %v, want %v", fi.Mode().Perm(), tt.wantMode)
			}
		})
	}
	dir := filepath.Join(t.TempDir(), "new", "state")
	if _, err := (StateStore{Dir: dir}).Prepare(); err != nil {
		t.Fatal(err)
	}
	if fi, err := os.Stat(dir); err != nil || fi.Mode().Perm() != 0o700 {
		t.Errorf("created %v %v, want a 0700 directory", fi, err)
	}
	file := filepath.Join(t.TempDir(), "file")
	os.WriteFile(file, nil, 0o600)
	if _, err := (StateStore{Dir: file}).Prepare(); err == nil || !strings.Contains(err.Error(), "not a directory") {
		t.Errorf("Prepare on a file: %v", err)
	}
}

// A state directory the user cannot write to is reported as such, not as
// "nothing saved yet". Root can write anywhere, so as root the check runs in
// a child process as the unprivileged user nobody.
func TestStateLoadUnwritableDirectory(t *testing.T) {
	if dir := os.Getenv("NB_TEST_UNWRITABLE_DIR"); dir != "" {
		_, err := StateStore{Dir: dir}.Load("k", 1, new(testState))
		if err == nil || errors.Is(err, ErrNoState) || !errors.Is(err, fs.ErrPermission) || !strings.Contains(err.Error(), EnvStateDir) {
			t.Fatalf("Load in a read-only directory: %v; want a permission error naming %s", err, EnvStateDir)
		}
		return
	}
	base, err := os.MkdirTemp("", "nb-unwritable-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.Chmod(filepath.Join(base, "ro"), 0o755); os.RemoveAll(base) })
	os.Chmod(base, 0o755)
	dir := filepath.Join(base, "ro")
	if err := os.Mkdir(dir, 0o555); err != nil {
		t.Fatal(err)
	}
	if os.Geteuid() != 0 {
		t.Setenv("NB_TEST_UNWRITABLE_DIR", dir)
		TestStateLoadUnwritableDirectory(t)
		return
	}
	// The child runs a copy of this test binary that nobody may execute.
	bin := filepath.Join(base, "nb.test")
	b, err := os.ReadFile(os.Args[0])
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(bin, b, 0o755); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(bin, "-test.run=^TestStateLoadUnwritableDirectory$", "-test.count=1")
	cmd.Env = append(os.Environ(), "NB_TEST_UNWRITABLE_DIR="+dir)
	cmd.Dir = base
	cmd.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: 65534, Gid: 65534}}
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("child as nobody: %v\n%s", err, out)
	}
}

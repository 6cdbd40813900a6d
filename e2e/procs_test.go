//go:build e2e

package e2e

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// The tests start Jupyter servers, nbconvert, GoNB kernels (which Jupyter starts in
// their own sessions), the programs GoNB compiles, gopls and Chromium. To kill all of
// them whatever happens, TestMain makes this process a child subreaper: orphans of
// anything we start are re-parented to us, so "every descendant of this process" is
// exactly what the tests started.

const prSetChildSubreaper = 36

func becomeSubreaper() error {
	_, _, errno := syscall.RawSyscall(syscall.SYS_PRCTL, prSetChildSubreaper, 1, 0)
	if errno != 0 {
		return errno
	}
	return nil
}

// descendants returns the pids of every live descendant of pid, found through /proc.
func descendants(pid int) []int {
	entries, err := os.ReadDir("/proc")
	if err != nil {
		return nil
	}
	children := map[int][]int{}
	for _, e := range entries {
		p, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		stat, err := os.ReadFile(filepath.Join("/proc", e.Name(), "stat"))
		if err != nil {
			continue
		}
		// pid (comm) state ppid ...; comm may contain spaces and parentheses.
		i := bytes.LastIndexByte(stat, ')')
		if i < 0 {
			continue
		}
		f := strings.Fields(string(stat[i+1:]))
		if len(f) < 2 {
			continue
		}
		ppid, _ := strconv.Atoi(f[1])
		children[ppid] = append(children[ppid], p)
	}
	var out []int
	var walk func(int)
	walk = func(p int) {
		for _, c := range children[p] {
			out = append(out, c)
			walk(c)
		}
	}
	walk(pid)
	return out
}

// reapOrphans waits for children that became ours as subreaper, so they do not stay zombies.
func reapOrphans() {
	for {
		var ws syscall.WaitStatus
		pid, err := syscall.Wait4(-1, &ws, syscall.WNOHANG, nil)
		if pid <= 0 || err != nil {
			return
		}
	}
}

// killTree stops pid and everything below it: SIGTERM to the root's process group
// (graceful: Jupyter shuts its kernels down), then, after grace, SIGKILL to every
// descendant that is still there and to the root.
func killTree(pid int, grace time.Duration, exited <-chan struct{}) {
	before := descendants(pid)
	_ = syscall.Kill(-pid, syscall.SIGTERM)
	_ = syscall.Kill(pid, syscall.SIGTERM)
	select {
	case <-exited:
	case <-time.After(grace):
	}
	for _, p := range append(before, descendants(pid)...) {
		_ = syscall.Kill(p, syscall.SIGKILL)
	}
	_ = syscall.Kill(-pid, syscall.SIGKILL)
	_ = syscall.Kill(pid, syscall.SIGKILL)
	reapOrphans()
}

// killAllDescendants is the last resort in TestMain: whatever we started and is left.
func killAllDescendants() {
	for i := 0; i < 3; i++ {
		ds := descendants(os.Getpid())
		if len(ds) == 0 {
			return
		}
		for _, p := range ds {
			_ = syscall.Kill(p, syscall.SIGKILL)
		}
		time.Sleep(100 * time.Millisecond)
		reapOrphans()
	}
}

// proc is a started command whose whole process tree is killed by Stop (and t.Cleanup).
type proc struct {
	cmd    *exec.Cmd
	out    *syncBuffer
	exited chan struct{}
	err    error
	once   sync.Once
}

type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// startProc starts name args in dir with env added to the environment, in its own process
// group, its output (stdout+stderr) kept in memory and, if logTo is not nil, copied there.
func startProc(t testing.TB, dir string, env []string, logTo io.Writer, name string, args ...string) *proc {
	t.Helper()
	cmd := exec.Command(name, args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), env...)
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	p := &proc{cmd: cmd, out: &syncBuffer{}, exited: make(chan struct{})}
	var w io.Writer = p.out
	if logTo != nil {
		w = io.MultiWriter(p.out, logTo)
	}
	cmd.Stdout, cmd.Stderr = w, w
	if err := cmd.Start(); err != nil {
		t.Fatalf("start %s: %v", name, err)
	}
	go func() {
		p.err = cmd.Wait()
		close(p.exited)
	}()
	t.Cleanup(p.Stop)
	return p
}

// Stop kills the process tree (idempotent).
func (p *proc) Stop() {
	p.once.Do(func() { killTree(p.cmd.Process.Pid, 10*time.Second, p.exited) })
	<-p.exited
}

// Wait waits for the process to exit or ctx to end (then kills it) and returns its error.
func (p *proc) Wait(ctx context.Context) error {
	select {
	case <-p.exited:
		// Anything it left behind was re-parented to this process and is killed by
		// TestMain at the latest.
		return p.err
	case <-ctx.Done():
		p.Stop()
		return fmt.Errorf("%s: %w", p.cmd.Path, ctx.Err())
	}
}

package nb

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

type testState struct {
	Host    string
	Flows   []int
	When    time.Time
	Options map[string]bool
}

func sampleState() testState {
	return testState{Host: "msticalertswin1", Flows: []int{1, 2, 3}, When: time.Date(2019, 2, 12, 0, 0, 0, 0, time.UTC), Options: map[string]bool{"geo_map": true}}
}

func TestStateRoundTrip(t *testing.T) {
	st := StateStore{Dir: filepath.Join(t.TempDir(), "state")}
	in := sampleState()
	if err := st.Save("flowsummary", 3, "run-1", in); err != nil {
		t.Fatal(err)
	}
	var out testState
	if _, err := st.Load("flowsummary", 3, &out); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(in, out); diff != "" {
		t.Errorf("round trip (-in +out):\n%s", diff)
	}
	// Overwrite and read again; no temporary files are left behind.
	in.Host = "other"
	if err := st.Save("flowsummary", 3, "run-1", in); err != nil {
		t.Fatal(err)
	}
	if _, err := st.Load("flowsummary", 3, &out); err != nil || out.Host != "other" {
		t.Fatalf("after overwrite: %v %q", err, out.Host)
	}
	entries, _ := os.ReadDir(st.Dir)
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	if diff := cmp.Diff([]string{"flowsummary.state"}, names); diff != "" {
		t.Errorf("files in state dir (-want +got):\n%s", diff)
	}
}

func TestStatePermissions(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("POSIX permissions")
	}
	dir := filepath.Join(t.TempDir(), "a", "state")
	st := StateStore{Dir: dir}
	if err := st.Save("k", 1, "run-1", sampleState()); err != nil {
		t.Fatal(err)
	}
	fi, err := os.Stat(st.Path("k"))
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm() != 0o600 {
		t.Errorf("file mode %v, want 0600", fi.Mode().Perm())
	}
	di, err := os.Stat(dir)
	if err != nil {
		t.Fatal(err)
	}
	if di.Mode().Perm()&0o077 != 0 {
		t.Errorf("dir mode %v, want no group/other access", di.Mode().Perm())
	}
}

// stateErrorCase damages a saved file and says what Load must report.
func TestStateLoadErrors(t *testing.T) {
	tests := []struct {
		name     string
		damage   func(t *testing.T, path string)
		version  int
		kind     string
		want     error
		wantText string
	}{
		{name: "missing", damage: func(t *testing.T, p string) { os.Remove(p) }, want: ErrNoState, wantText: "run the notebooklet first"},
		{name: "version mismatch", version: 2, want: ErrStateVersion, wantText: "saved with format version 1, this program reads version 2; run the notebooklet again"},
		{name: "flipped byte in body", damage: func(t *testing.T, p string) { flip(t, p, -10) }, want: ErrStateCorrupt, wantText: "checksum mismatch"},
		{name: "truncated body", damage: func(t *testing.T, p string) { truncate(t, p, -5) }, want: ErrStateCorrupt, wantText: "truncated"},
		{name: "truncated header", damage: func(t *testing.T, p string) { truncate(t, p, len(stateMagic)+10) }, want: ErrStateCorrupt, wantText: "truncated header"},
		{name: "appended", damage: func(t *testing.T, p string) { appendTo(t, p, "xx") }, want: ErrStateCorrupt, wantText: "appended"},
		{name: "empty file", damage: func(t *testing.T, p string) { os.WriteFile(p, nil, 0o600) }, want: ErrStateCorrupt, wantText: "not a notebooklets state file"},
		{name: "not a state file", damage: func(t *testing.T, p string) { os.WriteFile(p, []byte("{\"Host\":\"x\"}"), 0o600) }, want: ErrStateCorrupt, wantText: "not a notebooklets state file"},
		{name: "bad header json", damage: func(t *testing.T, p string) { os.WriteFile(p, []byte(stateMagic+"{bad\n"), 0o600) }, want: ErrStateCorrupt, wantText: "unreadable header"},
		{name: "wrong kind", damage: func(t *testing.T, p string) {
			other := StateStore{Dir: filepath.Dir(p)}
			if err := other.Save("other", 1, "run-1", sampleState()); err != nil {
				t.Fatal(err)
			}
			os.Rename(other.Path("other"), p)
		}, want: ErrStateCorrupt, wantText: `holds "other" state`},
		{name: "checksummed garbage", damage: func(t *testing.T, p string) {
			body := []byte("not gzip")
			writeRaw(t, p, "k", 1, "gzip+json", body)
		}, want: ErrStateCorrupt, wantText: "bad compression"},
		{name: "unknown encoding", damage: func(t *testing.T, p string) { writeRaw(t, p, "k", 1, "zstd", []byte("x")) }, want: ErrStateCorrupt, wantText: "unknown encoding"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			st := StateStore{Dir: t.TempDir()}
			if err := st.Save("k", 1, "run-1", sampleState()); err != nil {
				t.Fatal(err)
			}
			if tt.damage != nil {
				tt.damage(t, st.Path("k"))
			}
			version := tt.version
			if version == 0 {
				version = 1
			}
			out := testState{Host: "untouched"}
			_, err := st.Load("k", version, &out)
			if !errors.Is(err, tt.want) {
				t.Fatalf("err = %v, want %v", err, tt.want)
			}
			var se *StateError
			if !errors.As(err, &se) || se.Path != st.Path("k") || se.Kind != "k" {
				t.Errorf("err = %#v, want *StateError naming the file", err)
			}
			if !strings.Contains(err.Error(), tt.wantText) {
				t.Errorf("err %q does not contain %q", err, tt.wantText)
			}
			if !strings.Contains(err.Error(), st.Path("k")) && tt.want != ErrNoState {
				t.Errorf("err %q does not name the file", err)
			}
			if out.Host != "untouched" {
				t.Errorf("Load wrote into v despite the error: %+v", out)
			}
		})
	}
}

func TestStateBadKind(t *testing.T) {
	st := StateStore{Dir: t.TempDir()}
	for _, k := range []string{"", "../x", "a/b", ".hidden", "a..b", strings.Repeat("x", 201)} {
		if err := st.Save(k, 1, "r", 1); err == nil {
			t.Errorf("Save(%q) succeeded", k)
		}
		if _, err := st.Load(k, 1, new(int)); err == nil {
			t.Errorf("Load(%q) succeeded", k)
		}
	}
}

func TestStateSaveUnencodable(t *testing.T) {
	st := StateStore{Dir: t.TempDir()}
	if err := st.Save("k", 1, "run-1", func() {}); err == nil {
		t.Error("Save(func) succeeded")
	}
	if _, err := os.Stat(st.Path("k")); !os.IsNotExist(err) {
		t.Errorf("file written despite the error: %v", err)
	}
}

func TestStateRemove(t *testing.T) {
	st := StateStore{Dir: t.TempDir()}
	if err := st.Remove("k"); err != nil {
		t.Fatal(err)
	}
	st.Save("k", 1, "run-1", 1)
	if err := st.Remove("k"); err != nil {
		t.Fatal(err)
	}
	if _, err := st.Load("k", 1, new(int)); !errors.Is(err, ErrNoState) {
		t.Errorf("after Remove: %v", err)
	}
}

func TestStateDir(t *testing.T) {
	tests := []struct {
		name, env, gonb, want string
	}{
		{"override", "/tmp/x", "/nb", "/tmp/x"},
		{"gonb", "", "/nb", filepath.Join("/nb", ".notebooklets")},
		{"default", "", "", ".notebooklets"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Setenv(EnvStateDir, tt.env)
			t.Setenv(EnvGoNBDir, tt.gonb)
			if got := StateDir(); got != tt.want {
				t.Errorf("StateDir() = %q, want %q", got, tt.want)
			}
			if got := (StateStore{}).Path("k"); got != filepath.Join(tt.want, "k.state") {
				t.Errorf("Path = %q", got)
			}
		})
	}
}

func flip(t *testing.T, p string, at int) {
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	b[len(b)+at] ^= 0xff
	os.WriteFile(p, b, 0o600)
}

func truncate(t *testing.T, p string, n int) {
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	if n < 0 {
		n = len(b) + n
	}
	os.WriteFile(p, b[:n], 0o600)
}

func appendTo(t *testing.T, p, s string) {
	b, _ := os.ReadFile(p)
	os.WriteFile(p, append(b, s...), 0o600)
}

// writeRaw writes a state file with a correct header over the given body.
func writeRaw(t *testing.T, p, kind string, version int, enc string, body []byte) {
	var buf bytes.Buffer
	buf.WriteString(stateMagic)
	buf.WriteString(`{"kind":"` + kind + `","version":1,"encoding":"` + enc + `","length":` +
		strconv.Itoa(len(body)) + `,"sha256":"` + sha(body) + `"}` + "\n")
	buf.Write(body)
	if err := os.WriteFile(p, buf.Bytes(), 0o600); err != nil {
		t.Fatal(err)
	}
}

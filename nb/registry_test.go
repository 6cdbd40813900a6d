package nb

import (
	"errors"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

func TestGet(t *testing.T) {
	tests := []struct {
		name, want string
		close      []string
	}{
		{name: "NetworkFlowSummary", want: "NetworkFlowSummary"},
		{name: "networkflowsummary", want: "NetworkFlowSummary"},
		{name: "HostSummary", want: "HostSummary"},
		{name: "NetworkFlowSumary", close: []string{"NetworkFlowSummary"}},
		{name: "Summary", close: []string{"HostSummary", "NetworkFlowSummary"}},
		{name: "host", close: []string{"HostSummary"}},
		{name: "Zebra", close: nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			n, err := Get(tt.name)
			if tt.want != "" {
				if err != nil || n.Metadata().Name != tt.want {
					t.Fatalf("Get(%q) = %v, %v", tt.name, n, err)
				}
				return
			}
			var ue *UnknownNotebookletError
			if !errors.As(err, &ue) || !errors.Is(err, ErrUnknownNotebooklet) {
				t.Fatalf("err = %v", err)
			}
			if diff := cmp.Diff(tt.close, ue.Close, cmpopts.EquateEmpty()); diff != "" {
				t.Errorf("close names (-want +got):\n%s", diff)
			}
			if len(tt.close) == 0 && !strings.Contains(err.Error(), "registered notebooklets: HostSummary, NetworkFlowSummary") {
				t.Errorf("err %q does not list the notebooklets", err)
			}
		})
	}
}

func TestRegisterRejects(t *testing.T) {
	mustPanic := func(name string, f func()) {
		t.Helper()
		defer func() {
			if recover() == nil {
				t.Errorf("%s: no panic", name)
			}
		}()
		f()
	}
	mustPanic("nil", func() { Register(nil) })
	mustPanic("no name", func() { Register(testNotebooklet{&Metadata{}}) })
	mustPanic("nil metadata", func() { Register(testNotebooklet{}) })
	mustPanic("duplicate", func() { Register(testNotebooklet{&Metadata{Name: "HostSummary"}}) })
	Register(testNotebooklet{&Metadata{Name: "Temp"}})
	if _, err := Get("Temp"); err != nil {
		t.Error(err)
	}
	unregister("Temp")
	if _, err := Get("Temp"); err == nil {
		t.Error("Temp still registered")
	}
}

func TestAll(t *testing.T) {
	var names []string
	for _, n := range All() {
		names = append(names, n.Metadata().Name)
	}
	if diff := cmp.Diff([]string{"HostSummary", "NetworkFlowSummary"}, names); diff != "" {
		t.Error(diff)
	}
}

func TestUnknownErrorNoneRegistered(t *testing.T) {
	e := &UnknownNotebookletError{Name: "x"}
	if !strings.Contains(e.Error(), "no notebooklets are registered") {
		t.Error(e.Error())
	}
}

func TestLevenshtein(t *testing.T) {
	for _, c := range []struct {
		a, b string
		d    int
	}{{"", "", 0}, {"a", "", 1}, {"kitten", "sitting", 3}, {"flow", "flaw", 1}, {"été", "ete", 2}} {
		if got := levenshtein(c.a, c.b); got != c.d {
			t.Errorf("levenshtein(%q,%q) = %d, want %d", c.a, c.b, got, c.d)
		}
	}
}

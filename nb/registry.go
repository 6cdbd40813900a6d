package nb

import (
	"errors"
	"fmt"
	"sort"
	"strings"
	"sync"
)

// Notebooklet is anything that describes itself with Metadata. Every
// notebooklet registers a value of this type with Register, usually from an
// init function next to its embedded YAML file.
type Notebooklet interface {
	Metadata() *Metadata
}

// ErrUnknownNotebooklet is matched (errors.Is) by the error Get returns for a
// name that is not registered.
var ErrUnknownNotebooklet = errors.New("unknown notebooklet")

// UnknownNotebookletError says which name was asked for and which
// registered names are close to it.
type UnknownNotebookletError struct {
	Name  string
	Close []string // close registered names, best first
	All   []string // all registered names
}

func (e *UnknownNotebookletError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "unknown notebooklet %q", e.Name)
	switch {
	case len(e.Close) > 0:
		fmt.Fprintf(&b, "; did you mean %s?", strings.Join(e.Close, ", "))
	case len(e.All) > 0:
		fmt.Fprintf(&b, "; registered notebooklets: %s", strings.Join(e.All, ", "))
	default:
		b.WriteString("; no notebooklets are registered")
	}
	return b.String()
}

// Is reports whether target is ErrUnknownNotebooklet.
func (e *UnknownNotebookletError) Is(target error) bool { return target == ErrUnknownNotebooklet }

var registry struct {
	sync.RWMutex
	byName map[string]Notebooklet
}

// Register adds a notebooklet to the registry under its Metadata().Name.
// It is meant to be called from init functions; like database/sql.Register
// it panics if n is nil, has no name, or the name is already registered,
// because those are programming errors.
func Register(n Notebooklet) {
	if n == nil || n.Metadata() == nil || n.Metadata().Name == "" {
		panic("nb.Register: notebooklet without metadata or name")
	}
	name := n.Metadata().Name
	registry.Lock()
	defer registry.Unlock()
	if registry.byName == nil {
		registry.byName = map[string]Notebooklet{}
	}
	if _, dup := registry.byName[name]; dup {
		panic("nb.Register: notebooklet " + name + " registered twice")
	}
	registry.byName[name] = n
}

// unregister removes a notebooklet; used by tests.
func unregister(name string) {
	registry.Lock()
	defer registry.Unlock()
	delete(registry.byName, name)
}

// Get returns the registered notebooklet with the given name. The match is
// exact first, then case-insensitive. An unknown name returns an
// *UnknownNotebookletError that lists the close names.
func Get(name string) (Notebooklet, error) {
	registry.RLock()
	defer registry.RUnlock()
	if n, ok := registry.byName[name]; ok {
		return n, nil
	}
	for k, n := range registry.byName {
		if strings.EqualFold(k, name) {
			return n, nil
		}
	}
	all := make([]string, 0, len(registry.byName))
	for k := range registry.byName {
		all = append(all, k)
	}
	sort.Strings(all)
	return nil, &UnknownNotebookletError{Name: name, Close: closeNames(name, all), All: all}
}

// All returns the registered notebooklets sorted by name.
func All() []Notebooklet {
	registry.RLock()
	defer registry.RUnlock()
	out := make([]Notebooklet, 0, len(registry.byName))
	for _, n := range registry.byName {
		out = append(out, n)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Metadata().Name < out[j].Metadata().Name })
	return out
}

// closeNames returns the candidates close to name: those containing it or
// contained in it (case-insensitive), and those within an edit distance of
// about a third of the name's length, best first.
func closeNames(name string, candidates []string) []string {
	type scored struct {
		name string
		d    int
	}
	q := strings.ToLower(name)
	var out []scored
	for _, c := range candidates {
		lc := strings.ToLower(c)
		d := levenshtein(q, lc)
		limit := max(2, len(q)/3)
		switch {
		case q != "" && (strings.Contains(lc, q) || strings.Contains(q, lc)):
			out = append(out, scored{c, min(d, 1)})
		case d <= limit:
			out = append(out, scored{c, d})
		}
	}
	sort.SliceStable(out, func(i, j int) bool {
		if out[i].d != out[j].d {
			return out[i].d < out[j].d
		}
		return out[i].name < out[j].name
	})
	names := make([]string, 0, len(out))
	for _, s := range out {
		names = append(names, s.name)
	}
	return names
}

// levenshtein is the edit distance between a and b, in runes.
func levenshtein(a, b string) int {
	ra, rb := []rune(a), []rune(b)
	prev := make([]int, len(rb)+1)
	cur := make([]int, len(rb)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(ra); i++ {
		cur[0] = i
		for j := 1; j <= len(rb); j++ {
			cost := 1
			if ra[i-1] == rb[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(rb)]
}

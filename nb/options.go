package nb

import (
	"errors"
	"fmt"
	"slices"
	"sort"
	"strings"
)

// OptionSet is the set of options a run uses.
type OptionSet map[string]bool

// Has reports whether the option is on.
func (o OptionSet) Has(name string) bool { return o[name] }

// Names returns the options that are on, sorted.
func (o OptionSet) Names() []string {
	out := make([]string, 0, len(o))
	for k, on := range o {
		if on {
			out = append(out, k)
		}
	}
	sort.Strings(out)
	return out
}

// ErrOptions is matched (errors.Is) by the error ResolveOptions returns when
// plain option names are mixed with +name/-name.
var ErrOptions = errors.New("invalid option list")

// ParseOptionList splits a comma- or space-separated option list as given
// on a command line: "+geo_map,-plot_flows" → ["+geo_map", "-plot_flows"].
// Empty items are dropped.
func ParseOptionList(s string) []string {
	f := strings.FieldsFunc(s, func(r rune) bool { return r == ',' || r == ' ' || r == '\t' || r == '\n' || r == ';' })
	out := make([]string, 0, len(f))
	for _, x := range f {
		if x = strings.TrimSpace(x); x != "" {
			out = append(out, x)
		}
	}
	return out
}

// ResolveOptions works out the options of a run from what was requested,
// with msticnb's rules:
//
//   - nothing requested: the default options;
//   - "+name" adds an option to the defaults and "-name" removes one; both
//     may be given in one call;
//   - a list of plain names replaces the defaults;
//   - mixing plain names with +name/-name is an error (ErrOptions) that
//     says so;
//   - unknown names are ignored and reported in the warnings.
//
// Each requested item may itself be a list ("+geo_map,-plot_flows").
func (m *Metadata) ResolveOptions(requested ...string) (OptionSet, []string, error) {
	var items []string
	for _, r := range requested {
		items = append(items, ParseOptionList(r)...)
	}
	known := map[string]bool{}
	for _, o := range m.Options() {
		known[o.Name] = true
	}
	var plain, signed []string
	for _, it := range items {
		if it[0] == '+' || it[0] == '-' {
			signed = append(signed, it)
		} else {
			plain = append(plain, it)
		}
	}
	if len(plain) > 0 && len(signed) > 0 {
		return nil, nil, fmt.Errorf("%w: plain names (%s) replace the default options and cannot be mixed with +name/-name (%s), which change the defaults; use one form",
			ErrOptions, strings.Join(plain, ", "), strings.Join(signed, ", "))
	}
	set := OptionSet{}
	var unknown []string
	addUnknown := func(n string) {
		if !slices.Contains(unknown, n) {
			unknown = append(unknown, n)
		}
	}
	if len(plain) > 0 {
		for _, n := range plain {
			if !known[n] {
				addUnknown(n)
				continue
			}
			set[n] = true
		}
		if len(set) == 0 {
			return nil, nil, fmt.Errorf("%w: no valid option in %s (%s options: %s)",
				ErrOptions, strings.Join(plain, ", "), m.Name, strings.Join(m.optionNames(), ", "))
		}
	} else {
		for _, o := range m.DefaultOptions {
			set[o.Name] = true
		}
		// Removals win over additions of the same name, whatever the order.
		var removals []string
		for _, it := range signed {
			n := it[1:]
			if !known[n] {
				addUnknown(it)
				continue
			}
			if it[0] == '+' {
				set[n] = true
			} else {
				removals = append(removals, n)
			}
		}
		for _, n := range removals {
			delete(set, n)
		}
	}
	var warnings []string
	if len(unknown) > 0 {
		warnings = append(warnings, fmt.Sprintf("unknown option(s) ignored: %s (%s options: %s)",
			strings.Join(unknown, ", "), m.Name, strings.Join(m.optionNames(), ", ")))
	}
	return set, warnings, nil
}

func (m *Metadata) optionNames() []string {
	names := make([]string, 0, len(m.Options()))
	for _, o := range m.Options() {
		names = append(names, o.Name)
	}
	return names
}

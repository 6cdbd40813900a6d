// Package tablerows reads the rows of the flow tables other than
// AzureNetworkAnalytics_CL — NTANetAnalytics, ASIM network sessions,
// DeviceNetworkEvents — from local exports (Log Analytics portal CSV with
// " [UTC]" column suffixes, JSON arrays, NDJSON) and from Log Analytics
// answers, and turns them into flows through a table's Mapper. It also holds
// what their KQL shares: query validation, quoting, address comparison and
// the well-known port names.
package tablerows

import (
	"strconv"
	"strings"
)

// Schema is the set of columns a table's mapper reads, each with an ID (its
// position in the names given to NewSchema) and any aliases.
type Schema struct {
	names []string
	alias map[string]int
}

// NewSchema returns a schema whose column IDs are the positions of names.
func NewSchema(names ...string) *Schema {
	s := &Schema{names: names, alias: make(map[string]int, len(names))}
	for i, n := range names {
		s.alias[Normalize(n)] = i
	}
	return s
}

// Alias makes other names read as column id.
func (s *Schema) Alias(id int, names ...string) *Schema {
	for _, n := range names {
		s.alias[Normalize(n)] = id
	}
	return s
}

// Len is the number of columns.
func (s *Schema) Len() int { return len(s.names) }

// Name is the canonical name of column id.
func (s *Schema) Name(id int) string { return s.names[id] }

// Lookup returns the ID of a column name as it appears in a file or answer.
func (s *Schema) Lookup(col string) (int, bool) {
	id, ok := s.alias[Normalize(col)]
	return id, ok
}

// Normalize strips a UTF-8 byte order mark, surrounding spaces and a Log
// Analytics portal unit suffix such as " [UTC]", and lower-cases the name.
func Normalize(name string) string {
	name = strings.TrimSpace(strings.TrimPrefix(name, "\ufeff"))
	if i := strings.LastIndexByte(name, '['); i > 0 && strings.HasSuffix(name, "]") {
		name = strings.TrimSpace(name[:i])
	}
	return strings.ToLower(name)
}

// Row is one input record: the text of each schema column it carries.
type Row struct {
	vals []string
	has  []bool
	// Where names the record in messages: "file.csv:12", "file.json:
	// element 3", "… row 4".
	Where string
}

func newRow(s *Schema) *Row {
	return &Row{vals: make([]string, s.Len()), has: make([]bool, s.Len())}
}

func (r *Row) reset() {
	clear(r.vals)
	clear(r.has)
}

func (r *Row) set(id int, v string) {
	if !r.has[id] || r.vals[id] == "" {
		r.vals[id] = v
		r.has[id] = true
	}
}

// Get returns column id's text without surrounding spaces ("" when absent
// or null).
func (r *Row) Get(id int) string { return strings.TrimSpace(r.vals[id]) }

// Has reports whether the record carries column id at all.
func (r *Row) Has(id int) bool { return r.has[id] }

// RowError says why one record was skipped.
type RowError struct {
	Column, Value, Reason string
}

func (e *RowError) Error() string {
	if e.Column == "" {
		return e.Reason
	}
	v := e.Value
	if len(v) > 60 {
		v = v[:60] + "…"
	}
	return "column " + e.Column + ": value " + strconv.Quote(v) + ": " + e.Reason
}

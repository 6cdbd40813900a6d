package ti

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"

	"github.com/gonotebooklets/notebooklets/providers/provenance"
)

// ErrBadIndicatorFile is wrapped by errors that make a whole indicator file
// unusable (unreadable, no ioc column, not CSV or JSON).
var ErrBadIndicatorFile = errors.New("ti: bad indicator file")

// RowError describes one indicator row that was skipped.
type RowError struct {
	File   string // file name given to LocalFile/LocalBytes
	Row    int    // CSV: line number (header is line 1); JSON: 1-based element index
	Column string // column (or JSON key) at fault; empty for whole-row problems
	Value  string // the offending value, truncated to 80 characters
	Reason string
}

// Error implements error.
func (e RowError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s: row %d", e.File, e.Row)
	if e.Column != "" {
		fmt.Fprintf(&b, ", column %s", e.Column)
	}
	if e.Value != "" {
		fmt.Fprintf(&b, ", value %q", e.Value)
	}
	b.WriteString(": ")
	b.WriteString(e.Reason)
	return b.String()
}

// Local is a Provider over an indicator file held in memory. Indicators
// not in the file get a negative Information result ("Not found.").
//
// Columns (CSV header or JSON keys, matched case-insensitively and
// ignoring '_', '-' and spaces): ioc (also Observable, Indicator, IP,
// IPAddress), ioc_type (also IocType, Type), severity, details (also
// Description), reference (also Link, URL), provider (also Source, Feed),
// and msticpy's Result (true/false). Only ioc is required. A listed
// indicator with no severity is Medium; severity names follow
// ParseSeverity (msticpy's "warning" is Medium). Several rows for one
// indicator give one result with the highest severity and all details.
type Local struct {
	name      string
	entries   map[string]*localEntry
	rows      int
	warnings  []RowError
	skipped   int
	lost      int   // CSV lines lost to malformed records
	lostFirst []int // their first line numbers
}

type localEntry struct {
	iocType   string
	severity  Severity
	details   []string            // distinct, in file order, at most maxDetails
	seen      map[string]struct{} // every distinct detail (the merge stays linear)
	reference string
}

// maxDetails bounds the details kept per indicator; the rest are counted.
const maxDetails = 20

// maxLostLines is how many line numbers of lost CSV lines are kept.
const maxLostLines = 10

// maxRowErrors bounds the row errors kept (all are counted).
const maxRowErrors = 100

// LocalFile reads a CSV or JSON indicator file (JSON: an array of objects,
// an object holding such an array under "indicators", "data", "results" or
// "value", or NDJSON). Rows that cannot be used are skipped and reported by
// Warnings; the rest are kept. The error is for unreadable or unusable
// files only.
func LocalFile(path string) (*Local, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrBadIndicatorFile, err)
	}
	return localBytes(filepath.Base(path), strings.ToLower(filepath.Ext(path)), b)
}

// LocalBytes is LocalFile over bytes already in memory; name names the
// provider and appears in row errors. The format is taken from name's
// extension (.csv, .json, .ndjson, .jsonl) or sniffed from the content.
func LocalBytes(name string, b []byte) (*Local, error) {
	return localBytes(name, strings.ToLower(filepath.Ext(name)), b)
}

func localBytes(name, ext string, b []byte) (*Local, error) {
	l := &Local{name: name, entries: map[string]*localEntry{}}
	trimmed := bytes.TrimSpace(bytes.TrimPrefix(b, []byte("\xef\xbb\xbf")))
	var err error
	switch {
	case ext == ".ndjson" || ext == ".jsonl":
		err = l.readNDJSON(trimmed)
	case ext == ".json" || len(trimmed) > 0 && (trimmed[0] == '[' || trimmed[0] == '{'):
		err = l.readJSON(trimmed)
	default:
		err = l.readCSV(trimmed)
	}
	if err != nil {
		return nil, err
	}
	return l, nil
}

// Name returns the name given to LocalBytes, or the file's base name.
func (l *Local) Name() string { return l.name }

// Len returns the number of distinct indicators loaded.
func (l *Local) Len() int { return len(l.entries) }

// Warnings returns the rows that were skipped (at most 100; Skipped counts
// all of them).
func (l *Local) Warnings() []RowError { return l.warnings }

// Skipped returns the number of rows skipped (lost CSV lines included).
func (l *Local) Skipped() int { return l.skipped }

// LostLines returns how many CSV lines could not be read as records
// (malformed quoting: an unterminated quote, a bare quote) and the first
// of their line numbers (at most 10). Reading resumes at the next line that
// parses, so one damaged line costs one line.
func (l *Local) LostLines() (n int, first []int) { return l.lost, l.lostFirst }

// BatchSize implements BatchSizer: lookups are in memory, so batches are
// large.
func (l *Local) BatchSize() int { return 1000 }

// Lookup implements Provider. It never fails as a whole.
func (l *Local) Lookup(ctx context.Context, iocs []string) ([]Result, error) {
	out := make([]Result, 0, len(iocs))
	for _, raw := range iocs {
		if err := ctx.Err(); err != nil {
			return out, err
		}
		ioc := Normalize(raw)
		r := Result{Ioc: ioc, IocType: IocType(ioc), Provider: l.name, Details: "Not found."}
		if e, ok := l.entries[ioc]; ok {
			if e.iocType != "" {
				r.IocType = e.iocType
			}
			r.Severity = e.severity
			r.Positive = IsPositive(r)
			r.Details = strings.Join(e.details, "; ")
			if more := len(e.seen) - len(e.details); more > 0 {
				r.Details += fmt.Sprintf("; and %d more", more)
			}
			r.Reference = e.reference
		}
		out = append(out, r)
	}
	return out, nil
}

// column roles
const (
	colIoc = iota
	colType
	colSeverity
	colDetails
	colReference
	colProvider
	colResult
	numCols
)

var colNames = [numCols]string{"ioc", "ioc_type", "severity", "details", "reference", "provider", "result"}

func columnRole(name string) int {
	k := strings.Map(func(r rune) rune {
		switch r {
		case '_', '-', ' ', '.':
			return -1
		}
		return r
	}, strings.ToLower(strings.TrimSpace(name)))
	switch k {
	case "ioc", "observable", "indicator", "indicatorvalue", "ip", "ipaddress", "ipaddr", "address":
		return colIoc
	case "ioctype", "type", "indicatortype", "observabletype":
		return colType
	case "severity", "threatseverity", "level":
		return colSeverity
	case "details", "detail", "description", "desc":
		return colDetails
	case "reference", "references", "link", "url":
		return colReference
	case "provider", "source", "feed":
		return colProvider
	case "result", "positive":
		return colResult
	}
	return -1
}

func (l *Local) warn(e RowError) {
	l.skipped++
	if len(e.Value) > 80 {
		e.Value = e.Value[:80] + "…"
	}
	if len(l.warnings) < maxRowErrors {
		l.warnings = append(l.warnings, e)
	}
}

// add validates one row (fields indexed by role, present[role] says
// whether the column exists) and stores it.
func (l *Local) add(row int, f [numCols]string, present [numCols]bool, colName [numCols]string) {
	l.rows++
	bad := func(role int, reason string) {
		l.warn(RowError{File: l.name, Row: row, Column: colName[role], Value: f[role], Reason: reason})
	}
	raw := strings.TrimSpace(f[colIoc])
	if raw == "" {
		bad(colIoc, "empty indicator")
		return
	}
	ioc := Normalize(raw)
	guessed := IocType(ioc)
	typ := strings.ToLower(strings.TrimSpace(f[colType]))
	if typ != "" {
		switch typ {
		case "ip", "ipv4", "ipv6", "ipaddress", "ip_address":
			if guessed != TypeIPv4 && guessed != TypeIPv6 {
				l.warn(RowError{File: l.name, Row: row, Column: colName[colIoc], Value: raw,
					Reason: fmt.Sprintf("not an IP address although %s is %q", colName[colType], f[colType])})
				return
			}
			typ = guessed
		}
	} else {
		typ = guessed
	}
	sev := Medium
	if s := strings.TrimSpace(f[colSeverity]); s != "" {
		v, err := ParseSeverity(s)
		if err != nil {
			bad(colSeverity, "unknown severity (want information, low, medium or high)")
			return
		}
		sev = v
	}
	if present[colResult] {
		if s := strings.TrimSpace(f[colResult]); s != "" {
			pos, err := strconv.ParseBool(s)
			if err != nil {
				bad(colResult, "not true or false")
				return
			}
			if !pos {
				sev = Information
			}
		}
	}
	e := l.entries[ioc]
	if e == nil {
		e = &localEntry{iocType: typ, severity: sev}
		l.entries[ioc] = e
	} else if sev > e.severity {
		e.severity = sev
	}
	d := strings.TrimSpace(f[colDetails])
	if p := strings.TrimSpace(f[colProvider]); p != "" {
		if d == "" {
			d = p
		} else {
			d = p + ": " + d
		}
	}
	if d != "" {
		if _, dup := e.seen[d]; !dup {
			if e.seen == nil {
				e.seen = map[string]struct{}{}
			}
			e.seen[d] = struct{}{}
			if len(e.details) < maxDetails {
				e.details = append(e.details, d)
			}
		}
	}
	if e.reference == "" {
		e.reference = strings.TrimSpace(f[colReference])
	}
}

func (l *Local) readCSV(b []byte) error {
	lines := splitLines(b)
	if len(lines) == 0 {
		return fmt.Errorf("%w: %s: empty file", ErrBadIndicatorFile, l.name)
	}
	header, next, err := csvRecordAt(lines, 0, -1)
	if err != nil {
		return fmt.Errorf("%w: %s: header: %v", ErrBadIndicatorFile, l.name, err)
	}
	idx := [numCols]int{}
	var present [numCols]bool
	var colName [numCols]string
	for i := range idx {
		idx[i] = -1
		colName[i] = colNames[i]
	}
	for i, h := range header {
		if role := columnRole(h); role >= 0 && idx[role] < 0 {
			idx[role], present[role], colName[role] = i, true, strings.TrimSpace(h)
		}
	}
	if idx[colIoc] < 0 {
		return fmt.Errorf("%w: %s: no indicator column (want ioc, Observable, Indicator or IP; found %s)",
			ErrBadIndicatorFile, l.name, strings.Join(header, ", "))
	}
	for i := next; i < len(lines); {
		rec, next, err := csvRecordAt(lines, i, len(header))
		if err != nil {
			// One damaged line costs one line: read on at the next.
			l.lose(i+1, err)
			i++
			continue
		}
		line := i + 1
		i = next
		if rec == nil {
			continue // blank line
		}
		var f [numCols]string
		for role, c := range idx {
			if c >= 0 && c < len(rec) {
				f[role] = rec[c]
			}
		}
		l.add(line, f, present, colName)
	}
	return nil
}

// lose records a CSV line that could not be read.
func (l *Local) lose(line int, err error) {
	l.lost++
	if len(l.lostFirst) < maxLostLines {
		l.lostFirst = append(l.lostFirst, line)
	}
	l.warn(RowError{File: l.name, Row: line, Reason: "malformed CSV: " + err.Error() + " (line skipped)"})
}

// maxRecordLines bounds how many lines one quoted CSV field may span.
const maxRecordLines = 200

var errUnterminated = fmt.Errorf("a quoted field is not closed within %d lines", maxRecordLines)

// parseCSVRecord parses one line as a CSV record.
func parseCSVRecord(line []byte) ([]string, error) {
	r := csv.NewReader(bytes.NewReader(line))
	r.FieldsPerRecord = -1
	rec, err := r.Read()
	return rec, unwrapParseError(err)
}

// unwrapParseError drops csv's position (the caller knows the line).
func unwrapParseError(err error) error {
	var pe *csv.ParseError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}

// splitLines splits a file into lines without their terminators: "\n" and
// "\r\n", or lone "\r" in files that have no "\n" at all (old Mac/Excel
// exports).
func splitLines(b []byte) [][]byte {
	sep := []byte("\n")
	if bytes.IndexByte(b, '\n') < 0 && bytes.IndexByte(b, '\r') >= 0 {
		sep = []byte("\r")
	}
	lines := bytes.Split(b, sep)
	for i, ln := range lines {
		lines[i] = bytes.TrimSuffix(ln, []byte("\r"))
	}
	if n := len(lines); n > 0 && len(lines[n-1]) == 0 {
		lines = lines[:n-1]
	}
	return lines
}

// csvRecordAt reads the record starting at lines[i]: that line, joined
// with the following ones while a quoted field is open (an odd number of
// quotes so far), at most maxRecordLines. It returns the fields (nil for a
// blank line) and the index of the next line. A record that spans lines is
// accepted only with wantFields fields (when wantFields > 0), so that a
// stray quote cannot silently swallow the lines after it.
func csvRecordAt(lines [][]byte, i, wantFields int) ([]string, int, error) {
	if bytes.IndexByte(lines[i], '"') < 0 { // the common case: no quoting
		if len(lines[i]) == 0 {
			return nil, i + 1, nil
		}
		return strings.Split(string(lines[i]), ","), i + 1, nil
	}
	var buf bytes.Buffer
	quotes := 0
	for j := i; j < len(lines) && j < i+maxRecordLines; j++ {
		if j > i {
			buf.WriteByte('\n')
		}
		buf.Write(lines[j])
		quotes += bytes.Count(lines[j], []byte{'"'})
		if quotes%2 != 0 {
			if j == i {
				// A bare quote in an unquoted field is this line's own
				// damage; only an open quoted field may span lines.
				if _, err := parseCSVRecord(lines[i]); errors.Is(err, csv.ErrBareQuote) {
					return nil, i + 1, err
				}
			}
			continue
		}
		r := csv.NewReader(bytes.NewReader(buf.Bytes()))
		r.FieldsPerRecord = -1
		rec, err := r.Read()
		if err == io.EOF {
			return nil, j + 1, nil
		}
		if err != nil {
			return nil, i + 1, unwrapParseError(err)
		}
		if _, err := r.Read(); err != io.EOF {
			return nil, i + 1, errors.New("quotes do not pair up")
		}
		if j > i && wantFields > 0 && len(rec) != wantFields {
			return nil, i + 1, fmt.Errorf("a quoted field left open (it would span %d lines into a record of %d fields, want %d)", j-i+1, len(rec), wantFields)
		}
		return rec, j + 1, nil
	}
	return nil, i + 1, errUnterminated
}

func (l *Local) readJSON(b []byte) error {
	var arr []json.RawMessage
	if len(b) > 0 && b[0] == '{' {
		var obj map[string]json.RawMessage
		if err := json.Unmarshal(b, &obj); err != nil {
			// Maybe NDJSON.
			return l.readNDJSON(b)
		}
		found := false
		for k, v := range obj {
			switch strings.ToLower(k) {
			case "indicators", "data", "results", "value", "iocs":
				if err := json.Unmarshal(v, &arr); err == nil {
					found = true
				}
			}
		}
		if !found {
			if columnRoleOfKeys(obj) {
				arr = []json.RawMessage{b}
			} else {
				return fmt.Errorf("%w: %s: a JSON object without an \"indicators\" array", ErrBadIndicatorFile, l.name)
			}
		}
	} else if err := json.Unmarshal(b, &arr); err != nil {
		return fmt.Errorf("%w: %s: %v", ErrBadIndicatorFile, l.name, err)
	}
	sawIoc := false
	for i, raw := range arr {
		if l.addJSON(i+1, raw) {
			sawIoc = true
		}
	}
	if len(arr) > 0 && !sawIoc {
		return fmt.Errorf("%w: %s: no element has an indicator key (want ioc, Observable, Indicator or IP)", ErrBadIndicatorFile, l.name)
	}
	return nil
}

func columnRoleOfKeys(obj map[string]json.RawMessage) bool {
	for k := range obj {
		if columnRole(k) == colIoc {
			return true
		}
	}
	return false
}

func (l *Local) readNDJSON(b []byte) error {
	sawIoc := false
	n := 0
	for i, line := range bytes.Split(b, []byte("\n")) {
		line = bytes.TrimSpace(line)
		if len(line) == 0 {
			continue
		}
		n++
		if l.addJSON(i+1, line) {
			sawIoc = true
		}
	}
	if n > 0 && !sawIoc {
		return fmt.Errorf("%w: %s: not JSON, or no element has an indicator key", ErrBadIndicatorFile, l.name)
	}
	return nil
}

// addJSON adds one JSON element; it reports whether the element had an
// indicator key.
func (l *Local) addJSON(row int, raw json.RawMessage) bool {
	var obj map[string]any
	if err := json.Unmarshal(raw, &obj); err != nil {
		l.warn(RowError{File: l.name, Row: row, Reason: "not a JSON object: " + err.Error()})
		return false
	}
	var f [numCols]string
	var present [numCols]bool
	var colName [numCols]string
	for i := range colName {
		colName[i] = colNames[i]
	}
	keys := make([]string, 0, len(obj))
	for k := range obj {
		keys = append(keys, k)
	}
	sort.Strings(keys) // deterministic choice when aliases repeat
	for _, k := range keys {
		role := columnRole(k)
		if role < 0 || present[role] {
			continue
		}
		present[role], colName[role] = true, k
		switch v := obj[k].(type) {
		case nil:
		case string:
			f[role] = v
		case bool:
			f[role] = strconv.FormatBool(v)
		case float64:
			f[role] = strconv.FormatFloat(v, 'f', -1, 64)
		default:
			if role == colDetails || role == colReference {
				bs, _ := json.Marshal(v)
				f[role] = string(bs)
			} else {
				bs, _ := json.Marshal(v)
				l.warn(RowError{File: l.name, Row: row, Column: k, Value: string(bs), Reason: "want a string"})
				return present[colIoc] || hasIocKey(keys)
			}
		}
	}
	if !present[colIoc] {
		l.warn(RowError{File: l.name, Row: row, Column: colNames[colIoc], Reason: "no indicator key"})
		return false
	}
	l.add(row, f, present, colName)
	return true
}

func hasIocKey(keys []string) bool {
	for _, k := range keys {
		if columnRole(k) == colIoc {
			return true
		}
	}
	return false
}

// Provenance implements provenance.Describer: the indicator file, or the
// embedded sample.
func (l *Local) Provenance() provenance.Info {
	return provenance.Info{Kind: "local-indicators", Name: l.name, Location: l.name, Sample: l.name == SampleName}
}

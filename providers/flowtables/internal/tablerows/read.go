package tablerows

import (
	"bufio"
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/gonotebooklets/notebooklets/providers/internal/laquery"
)

// Format is the layout of a local export.
type Format int

// The formats of local exports.
const (
	CSV    Format = iota // a header row, then RFC 4180 records (the portal's CSV export)
	JSON                 // a JSON array of objects (the portal's JSON export)
	NDJSON               // one JSON object per line
)

func (f Format) String() string {
	switch f {
	case JSON:
		return "JSON"
	case NDJSON:
		return "NDJSON"
	}
	return "CSV"
}

// sniffSize is how much of a file Sniff reads to find its header.
const sniffSize = 1 << 20

// Sniff returns a file's format (from its first byte: '[' JSON, '{'
// NDJSON, else CSV) and its column names (the CSV header, or the keys of
// the first JSON object in their order).
func Sniff(path string) (Format, []string, error) {
	fh, err := os.Open(path)
	if err != nil {
		return 0, nil, err
	}
	defer fh.Close()
	if st, err := fh.Stat(); err == nil && st.IsDir() {
		return 0, nil, fmt.Errorf("%s is a directory, want a CSV, JSON or NDJSON file", path)
	}
	head, err := io.ReadAll(io.LimitReader(fh, sniffSize))
	if err != nil {
		return 0, nil, fmt.Errorf("%s: %w", path, err)
	}
	head = bytes.TrimPrefix(head, []byte("\ufeff"))
	first := bytes.TrimLeft(head, " \t\r\n")
	if len(first) == 0 {
		return 0, nil, fmt.Errorf("%s: empty file", path)
	}
	switch first[0] {
	case '[':
		dec := json.NewDecoder(bytes.NewReader(first))
		if _, err := dec.Token(); err != nil {
			return JSON, nil, fmt.Errorf("%s: %w", path, err)
		}
		if !dec.More() {
			return JSON, nil, fmt.Errorf("%s: an empty JSON array: no columns to recognise", path)
		}
		keys, err := objectKeys(dec)
		if err != nil {
			return JSON, nil, fmt.Errorf("%s: first element: %w", path, err)
		}
		return JSON, keys, nil
	case '{':
		line, _, _ := bytes.Cut(first, []byte("\n"))
		keys, err := objectKeys(json.NewDecoder(bytes.NewReader(line)))
		if err != nil {
			return NDJSON, nil, fmt.Errorf("%s:1: %w (want one JSON object per line)", path, err)
		}
		return NDJSON, keys, nil
	}
	cr := csv.NewReader(bytes.NewReader(first))
	cr.FieldsPerRecord = -1
	hdr, err := cr.Read()
	if err != nil {
		return CSV, nil, fmt.Errorf("%s: header: %w", path, err)
	}
	return CSV, hdr, nil
}

// objectKeys reads one JSON object from dec and returns its keys in order.
func objectKeys(dec *json.Decoder) ([]string, error) {
	t, err := dec.Token()
	if err != nil {
		return nil, err
	}
	if d, ok := t.(json.Delim); !ok || d != '{' {
		return nil, fmt.Errorf("not a JSON object")
	}
	var keys []string
	for dec.More() {
		k, err := dec.Token()
		if err != nil {
			return nil, err
		}
		keys = append(keys, k.(string))
		var skip json.RawMessage
		if err := dec.Decode(&skip); err != nil {
			return nil, err
		}
	}
	return keys, nil
}

// ReadFile streams the records of a local export to fn. Broken syntax that
// stops the reading (a CSV quote never closed, a JSON array cut short) is an
// error naming the place; an NDJSON line that is not an object and a JSON
// array element that is not an object are passed to skip. fn's error stops
// the reading and is returned.
func ReadFile(ctx context.Context, path string, s *Schema, fn func(*Row) error, skip func(where string, err error)) error {
	format, _, err := Sniff(path)
	if err != nil {
		return err
	}
	fh, err := os.Open(path)
	if err != nil {
		return err
	}
	defer fh.Close()
	br := bufio.NewReaderSize(fh, 256<<10)
	if b, err := br.Peek(3); err == nil && bytes.Equal(b, []byte("\ufeff")) {
		br.Discard(3)
	}
	name := filepath.Clean(path)
	switch format {
	case JSON:
		return readJSONArray(ctx, name, br, s, fn, skip)
	case NDJSON:
		return readNDJSON(ctx, name, br, s, fn, skip)
	}
	return readCSV(ctx, name, br, s, fn)
}

func readCSV(ctx context.Context, name string, r io.Reader, s *Schema, fn func(*Row) error) error {
	cr := csv.NewReader(r)
	cr.FieldsPerRecord = -1
	cr.ReuseRecord = true
	hdr, err := cr.Read()
	if err != nil {
		return fmt.Errorf("%s: header: %w", name, err)
	}
	ids := make([]int, len(hdr))
	row := newRow(s)
	present := make([]bool, s.Len())
	for i, h := range hdr {
		ids[i] = -1
		if id, ok := s.Lookup(h); ok && !present[id] {
			ids[i] = id
			present[id] = true
		}
	}
	for n := 0; ; n++ {
		if n&1023 == 0 {
			if err := ctx.Err(); err != nil {
				return err
			}
		}
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			var pe *csv.ParseError
			if errors.As(err, &pe) {
				return fmt.Errorf("%s:%d:%d: %w", name, pe.Line, pe.Column, pe.Err)
			}
			return fmt.Errorf("%s: %w", name, err)
		}
		line, _ := cr.FieldPos(0)
		row.reset()
		copy(row.has, present)
		for i, v := range rec {
			if i < len(ids) && ids[i] >= 0 {
				row.vals[ids[i]] = v
			}
		}
		row.Where = name + ":" + strconv.Itoa(line)
		if err := fn(row); err != nil {
			return err
		}
	}
}

// object fills row from one JSON object.
func object(row *Row, s *Schema, raw []byte) error {
	var obj map[string]json.RawMessage
	if err := json.Unmarshal(raw, &obj); err != nil {
		return fmt.Errorf("not a JSON object: %w", err)
	}
	if obj == nil {
		return errors.New("not a JSON object: null")
	}
	row.reset()
	for k, v := range obj {
		if id, ok := s.Lookup(k); ok {
			row.set(id, jsonText(v))
		}
	}
	return nil
}

func readJSONArray(ctx context.Context, name string, r io.Reader, s *Schema, fn func(*Row) error, skip func(string, error)) error {
	dec := json.NewDecoder(r)
	if _, err := dec.Token(); err != nil {
		return fmt.Errorf("%s: %w", name, err)
	}
	row := newRow(s)
	for n := 1; dec.More(); n++ {
		if n&1023 == 0 {
			if err := ctx.Err(); err != nil {
				return err
			}
		}
		var raw json.RawMessage
		if err := dec.Decode(&raw); err != nil {
			return fmt.Errorf("%s: element %d (byte %d): %w", name, n, dec.InputOffset(), err)
		}
		where := fmt.Sprintf("%s: element %d", name, n)
		if err := object(row, s, raw); err != nil {
			skip(where, err)
			continue
		}
		row.Where = where
		if err := fn(row); err != nil {
			return err
		}
	}
	if _, err := dec.Token(); err != nil {
		return fmt.Errorf("%s: end of array: %w", name, err)
	}
	return nil
}

func readNDJSON(ctx context.Context, name string, r *bufio.Reader, s *Schema, fn func(*Row) error, skip func(string, error)) error {
	row := newRow(s)
	for n := 1; ; n++ {
		if n&1023 == 0 {
			if err := ctx.Err(); err != nil {
				return err
			}
		}
		line, err := r.ReadBytes('\n')
		if len(bytes.TrimSpace(line)) > 0 {
			where := name + ":" + strconv.Itoa(n)
			if oerr := object(row, s, line); oerr != nil {
				skip(where, oerr)
			} else {
				row.Where = where
				if ferr := fn(row); ferr != nil {
					return ferr
				}
			}
		}
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return fmt.Errorf("%s:%d: %w", name, n, err)
		}
	}
}

// ReadResult streams the rows of a Log Analytics answer to fn; name is used
// in messages ("… row N").
func ReadResult(ctx context.Context, name string, res *laquery.Result, s *Schema, fn func(*Row) error) error {
	ids := make([]int, len(res.Columns))
	present := make([]bool, s.Len())
	for i, c := range res.Columns {
		ids[i] = -1
		if id, ok := s.Lookup(c); ok && !present[id] {
			ids[i] = id
			present[id] = true
		}
	}
	row := newRow(s)
	for n, cells := range res.Rows {
		if n&1023 == 0 {
			if err := ctx.Err(); err != nil {
				return err
			}
		}
		row.reset()
		copy(row.has, present)
		for i, v := range cells {
			if i >= len(ids) || ids[i] < 0 {
				continue
			}
			t, err := laquery.Text(v)
			if err != nil {
				return fmt.Errorf("%s: row %d: column %s: %w", name, n+1, res.Columns[i], err)
			}
			row.vals[ids[i]] = t
		}
		row.Where = name + ": row " + strconv.Itoa(n+1)
		if err := fn(row); err != nil {
			return err
		}
	}
	return nil
}

// Present reports which schema columns a header carries.
func Present(s *Schema, header []string) []bool {
	p := make([]bool, s.Len())
	for _, h := range header {
		if id, ok := s.Lookup(h); ok {
			p[id] = true
		}
	}
	return p
}

// Score counts the header's columns that are among names (compared as
// Normalize does): how strongly a header looks like a table.
func Score(header []string, names ...string) int {
	want := make(map[string]bool, len(names))
	for _, n := range names {
		want[Normalize(n)] = true
	}
	n := 0
	for _, h := range header {
		if want[Normalize(h)] {
			n++
			delete(want, Normalize(h))
		}
	}
	return n
}

// List splits a cell holding several values: a JSON array of strings, or
// text separated by spaces or commas.
func List(s string) []string {
	s = strings.TrimSpace(s)
	if strings.HasPrefix(s, "[") {
		var arr []string
		if json.Unmarshal([]byte(s), &arr) == nil {
			return arr
		}
	}
	return strings.FieldsFunc(s, func(c rune) bool { return c == ' ' || c == ',' || c == '\t' || c == '\n' })
}

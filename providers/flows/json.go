package flows

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
)

// jsonRows feeds JSON objects to a decoder: it maps keys to fields, builds
// the schema from the first object and converts values to the text form the
// decoder parses (strings unquoted, null empty, numbers and arrays as JSON).
// Keys are read in the order of the text: when an object has two keys for
// one field (AllowedOutFlows and AllowedOutFlows_d), the first is read, as
// the leftmost of two such CSV columns is, and a warning says so once.
type jsonRows struct {
	name   string
	q      Query
	sc     *schema
	dec    *decoder
	keys   map[string]field // key → field, -1 for unknown keys
	b      batch
	fn     func(*Flow) error
	st     Stats
	warned [nFields]bool
}

func newJSONRows(name string, q Query, fn func(*Flow) error) *jsonRows {
	return &jsonRows{name: name, q: q, fn: fn, keys: map[string]field{}}
}

func (j *jsonRows) field(key string) field {
	f, ok := j.keys[key]
	if !ok {
		f = -1
		if g, ok := columnAliases[normalizeColumn(key)]; ok {
			f = g
		}
		j.keys[key] = f
	}
	return f
}

// member is one key and value of an object, in text order.
type member struct {
	key string
	raw json.RawMessage
}

// objectMembers splits a JSON object into its members in text order; ok is
// false when raw is not an object.
func objectMembers(raw []byte, dst []member) ([]member, error) {
	dst = dst[:0]
	dec := json.NewDecoder(bytes.NewReader(raw))
	tok, err := dec.Token()
	if err != nil {
		return dst, err
	}
	if d, ok := tok.(json.Delim); !ok || d != '{' {
		return dst, errors.New("not a JSON object")
	}
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return dst, err
		}
		key, ok := tok.(string)
		if !ok {
			return dst, errors.New("not a JSON object")
		}
		var v json.RawMessage
		if err := dec.Decode(&v); err != nil {
			return dst, err
		}
		dst = append(dst, member{key, v})
	}
	if _, err := dec.Token(); err != nil {
		return dst, err
	}
	if _, err := dec.Token(); err != io.EOF {
		return dst, errors.New("data after the object")
	}
	return dst, nil
}

// object handles one object given as a map (the Log Analytics rows, whose
// column names are unique): its members in key order.
func (j *jsonRows) object(obj map[string]json.RawMessage, rec int64) error {
	ms := make([]member, 0, len(obj))
	for k, v := range obj {
		ms = append(ms, member{k, v})
	}
	slices.SortFunc(ms, func(a, b member) int { return strings.Compare(a.key, b.key) })
	return j.members(ms, rec)
}

// members handles one decoded object, its members in text order; rec is
// its 1-based record number. A non-nil error is fatal (a bad schema or
// fn's error).
func (j *jsonRows) members(obj []member, rec int64) error {
	if j.sc == nil {
		names := make([]string, len(obj))
		for i, m := range obj {
			names[i] = m.key
		}
		sc, err := newSchema(j.name, names)
		if err != nil {
			return err
		}
		if err := sc.checkQuery(j.name, j.q); err != nil {
			return err
		}
		j.sc, j.dec = sc, newDecoder(sc, j.q)
		j.st.Warnings = append(j.st.Warnings, sc.warnings...)
		j.st.HasBytes = sc.hasBytes()
		for f := range j.warned {
			j.warned[f] = len(sc.warnings) > 0 && sc.has(field(f)) && j.dupInSchema(field(f))
		}
	}
	var v [nFields][]byte
	var from [nFields]string // the key each field was read from
	for _, m := range obj {
		f := j.field(m.key)
		if f < 0 || !j.sc.has(f) {
			continue
		}
		if from[f] != "" {
			if !j.warned[f] {
				j.warned[f] = true
				j.st.Warnings = append(j.st.Warnings, fmt.Sprintf("%s (object %d)", duplicateColumn(j.name, from[f], m.key, f), rec))
			}
			continue
		}
		from[f] = m.key
		val, err := jsonText(m.raw)
		if err != nil {
			j.st.RowsRead++
			j.skip(rec, &rowError{column: m.key, value: string(m.raw), reason: err.Error()})
			return nil
		}
		v[f] = val
	}
	j.b.reset()
	if e := j.dec.decode(&v, &j.b); e != nil {
		j.st.RowsRead++
		j.skip(rec, e)
		return nil
	}
	j.st.RowsRead++
	for i := range j.b.flows {
		f := &j.b.flows[i]
		j.st.keep(f)
		if err := j.fn(f); err != nil {
			return err
		}
	}
	return nil
}

// dupInSchema reports whether the first object already had two keys for f
// (the schema warned about it).
func (j *jsonRows) dupInSchema(f field) bool {
	n := 0
	for _, name := range j.sc.names {
		if g, ok := columnAliases[normalizeColumn(name)]; ok && g == f {
			n++
		}
	}
	return n > 1
}

func (j *jsonRows) skip(rec int64, e *rowError) {
	j.st.RowsSkipped++
	if len(j.st.Skipped) < maxReported {
		j.st.Skipped = append(j.st.Skipped, e.format(j.name, rec))
	}
}

// jsonText converts one JSON value to the text the decoder reads.
func jsonText(raw json.RawMessage) ([]byte, error) {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 || string(raw) == "null" {
		return nil, nil
	}
	if raw[0] == '"' {
		if bytes.IndexByte(raw, '\\') < 0 && len(raw) >= 2 {
			return raw[1 : len(raw)-1], nil
		}
		var s string
		if err := json.Unmarshal(raw, &s); err != nil {
			return nil, errors.New("bad JSON string")
		}
		return []byte(s), nil
	}
	if raw[0] == 't' || raw[0] == 'f' {
		return []byte(strconv.FormatBool(raw[0] == 't')), nil
	}
	return raw, nil
}

// jsonArrayStream reads a JSON array of objects.
func jsonArrayStream(ctx context.Context, name string, r io.Reader, q Query, fn func(*Flow) error) (Stats, error) {
	j := newJSONRows(name, q, fn)
	dec := json.NewDecoder(bufio.NewReaderSize(r, 1<<20))
	tok, err := dec.Token()
	if err != nil {
		return j.st, fmt.Errorf("%s: %w", name, err)
	}
	if d, ok := tok.(json.Delim); !ok || d != '[' {
		return j.st, fmt.Errorf("%s: want a JSON array of objects", name)
	}
	var rec int64
	var obj []member
	for dec.More() {
		rec++
		if rec&1023 == 0 {
			if err := ctx.Err(); err != nil {
				return j.st, err
			}
		}
		var raw json.RawMessage
		if err := dec.Decode(&raw); err != nil {
			return j.st, fmt.Errorf("%s: element %d: %w", name, rec, err)
		}
		var err error
		if obj, err = objectMembers(raw, obj); err != nil {
			if j.sc == nil {
				return j.st, fmt.Errorf("%s: element %d: not a JSON object", name, rec)
			}
			j.st.RowsRead++
			j.skip(rec, &rowError{reason: "not a JSON object"})
			continue
		}
		if err := j.members(obj, rec); err != nil {
			return j.st, err
		}
	}
	if _, err := dec.Token(); err != nil {
		return j.st, fmt.Errorf("%s: after element %d: %w", name, rec, err)
	}
	if j.sc == nil {
		return j.st, fmt.Errorf("%s: empty JSON array (no flows and no columns)", name)
	}
	return j.st, nil
}

// ndjsonStream reads one JSON object per line; a bad line is skipped.
func ndjsonStream(ctx context.Context, name string, r io.Reader, q Query, fn func(*Flow) error) (Stats, error) {
	j := newJSONRows(name, q, fn)
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 1<<20), maxRecordSize)
	var line int64
	var obj []member
	for sc.Scan() {
		line++
		if line&1023 == 0 {
			if err := ctx.Err(); err != nil {
				return j.st, err
			}
		}
		b := bytes.TrimSpace(sc.Bytes())
		if len(b) == 0 {
			continue
		}
		var err error
		if obj, err = objectMembers(b, obj); err != nil {
			if j.sc == nil {
				return j.st, fmt.Errorf("%s:%d: not a JSON object", name, line)
			}
			j.st.RowsRead++
			j.skip(line, &rowError{reason: err.Error()})
			continue
		}
		if err := j.members(obj, line); err != nil {
			return j.st, err
		}
	}
	if err := sc.Err(); err != nil {
		return j.st, fmt.Errorf("%s:%d: %w", name, line+1, err)
	}
	if j.sc == nil {
		return j.st, fmt.Errorf("%s: empty file (no flows and no columns)", name)
	}
	return j.st, nil
}

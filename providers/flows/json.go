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
)

// jsonRows feeds JSON objects to a decoder: it maps keys to fields, builds
// the schema from the first object and converts values to the text form the
// decoder parses (strings unquoted, null empty, numbers and arrays as JSON).
type jsonRows struct {
	name  string
	q     Query
	sc    *schema
	dec   *decoder
	keys  map[string]field // key → field, -1 for unknown keys
	b     batch
	fn    func(*Flow) error
	st    Stats
	strSc []byte
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

// object handles one decoded object; rec is its 1-based record number. A
// non-nil error is fatal (a bad schema or fn's error).
func (j *jsonRows) object(obj map[string]json.RawMessage, rec int64) error {
	if j.sc == nil {
		names := make([]string, 0, len(obj))
		for k := range obj {
			names = append(names, k)
		}
		slices.Sort(names)
		sc, err := newSchema(j.name, names)
		if err != nil {
			return err
		}
		if err := sc.checkQuery(j.name, j.q); err != nil {
			return err
		}
		j.sc, j.dec = sc, newDecoder(sc, j.q)
	}
	var v [nFields][]byte
	for k, raw := range obj {
		f := j.field(k)
		if f < 0 || !j.sc.has(f) {
			continue
		}
		val, err := jsonText(raw)
		if err != nil {
			j.st.RowsRead++
			j.skip(rec, &rowError{column: k, value: string(raw), reason: err.Error()})
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
		var obj map[string]json.RawMessage
		if err := json.Unmarshal(raw, &obj); err != nil || obj == nil {
			if j.sc == nil {
				return j.st, fmt.Errorf("%s: element %d: not a JSON object", name, rec)
			}
			j.st.RowsRead++
			j.skip(rec, &rowError{reason: "not a JSON object"})
			continue
		}
		if err := j.object(obj, rec); err != nil {
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
		var obj map[string]json.RawMessage
		if err := json.Unmarshal(b, &obj); err != nil || obj == nil {
			if j.sc == nil {
				return j.st, fmt.Errorf("%s:%d: not a JSON object", name, line)
			}
			j.st.RowsRead++
			reason := "not a JSON object"
			if err != nil {
				reason = err.Error()
			}
			j.skip(line, &rowError{reason: reason})
			continue
		}
		if err := j.object(obj, line); err != nil {
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

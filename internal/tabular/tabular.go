// Package tabular writes rows of a Go struct type as a table, to a CSV file
// and a Parquet file at once, streaming: the columns are the struct's
// exported fields, named by their `parquet` tags, and typed in Parquet
// (integers, floats, booleans, timestamps, lists of strings), so that pandas,
// DuckDB, pyarrow or Excel read them as they are.
//
// CSV cells that a spreadsheet would run as a formula (text beginning with
// =, +, -, @, a tab or a carriage return) are written with a leading
// apostrophe, as OWASP advises against CSV injection: the data may come from
// an attacker. Parquet files hold the values unchanged.
package tabular

import (
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"time"

	"github.com/parquet-go/parquet-go"
)

// Writer writes rows of T to name.csv and name.parquet in a directory.
type Writer[T any] struct {
	csvPath, pqPath string
	csvFile, pqFile *os.File
	csv             *csv.Writer
	pq              *parquet.GenericWriter[T]
	cols            []column
	rows            int64
	err             error
}

type column struct {
	name  string
	index []int
}

// Create creates dir (0755) and the table's two files in it, replacing
// files of the same name, and writes the CSV header.
func Create[T any](dir, name string) (*Writer[T], error) {
	cols, err := columns(reflect.TypeFor[T]())
	if err != nil {
		return nil, err
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("tabular: %w", err)
	}
	w := &Writer[T]{csvPath: filepath.Join(dir, name+".csv"), pqPath: filepath.Join(dir, name+".parquet"), cols: cols}
	if w.csvFile, err = os.Create(w.csvPath); err != nil {
		return nil, fmt.Errorf("tabular: %w", err)
	}
	if w.pqFile, err = os.Create(w.pqPath); err != nil {
		w.csvFile.Close()
		return nil, fmt.Errorf("tabular: %w", err)
	}
	w.csv = csv.NewWriter(w.csvFile)
	w.pq = parquet.NewGenericWriter[T](w.pqFile, parquet.Compression(&parquet.Zstd))
	header := make([]string, len(cols))
	for i, c := range cols {
		header[i] = c.name
	}
	if err := w.csv.Write(header); err != nil {
		w.abort()
		return nil, fmt.Errorf("tabular: %s: %w", w.csvPath, err)
	}
	return w, nil
}

// columns lists the exported fields of t (embedded structs flattened), named
// by their parquet tag, else by the field name.
func columns(t reflect.Type) ([]column, error) {
	if t.Kind() != reflect.Struct {
		return nil, fmt.Errorf("tabular: rows must be structs, not %s", t)
	}
	var out []column
	var walk func(t reflect.Type, index []int)
	walk = func(t reflect.Type, index []int) {
		for i := range t.NumField() {
			f := t.Field(i)
			if !f.IsExported() {
				continue
			}
			idx := append(append([]int(nil), index...), i)
			tag := f.Tag.Get("parquet")
			if tag == "-" {
				continue
			}
			if f.Anonymous && f.Type.Kind() == reflect.Struct && tag == "" {
				walk(f.Type, idx)
				continue
			}
			name, _, _ := strings.Cut(tag, ",")
			if name == "" {
				name = f.Name
			}
			out = append(out, column{name: name, index: idx})
		}
	}
	walk(t, nil)
	return out, nil
}

// Write adds rows to both files.
func (w *Writer[T]) Write(rows ...T) error {
	if w.err != nil {
		return w.err
	}
	rec := make([]string, len(w.cols))
	for i := range rows {
		v := reflect.ValueOf(&rows[i]).Elem()
		for j, c := range w.cols {
			rec[j] = cell(v.FieldByIndex(c.index))
		}
		if err := w.csv.Write(rec); err != nil {
			w.err = fmt.Errorf("tabular: %s: %w", w.csvPath, err)
			return w.err
		}
	}
	if _, err := w.pq.Write(rows); err != nil {
		w.err = fmt.Errorf("tabular: %s: %w", w.pqPath, err)
		return w.err
	}
	w.rows += int64(len(rows))
	return nil
}

// Rows returns the number of rows written.
func (w *Writer[T]) Rows() int64 { return w.rows }

// Close finishes both files and returns their paths (CSV, then Parquet).
// After an error the files are removed.
func (w *Writer[T]) Close() ([]string, error) {
	w.csv.Flush()
	errs := []error{w.err, w.csv.Error(), w.pq.Close(), w.csvFile.Close(), w.pqFile.Close()}
	if err := errors.Join(errs...); err != nil {
		os.Remove(w.csvPath)
		os.Remove(w.pqPath)
		return nil, fmt.Errorf("tabular: %w", err)
	}
	return []string{w.csvPath, w.pqPath}, nil
}

func (w *Writer[T]) abort() {
	w.csvFile.Close()
	w.pqFile.Close()
	os.Remove(w.csvPath)
	os.Remove(w.pqPath)
}

// cell formats one value for CSV: numbers in decimal, times in RFC 3339
// (UTC), lists as JSON arrays, text guarded against formula injection.
func cell(v reflect.Value) string {
	switch x := v.Interface().(type) {
	case time.Time:
		if x.IsZero() {
			return ""
		}
		return x.UTC().Format(time.RFC3339Nano)
	}
	switch v.Kind() {
	case reflect.String:
		return guard(v.String())
	case reflect.Bool:
		return strconv.FormatBool(v.Bool())
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return strconv.FormatInt(v.Int(), 10)
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return strconv.FormatUint(v.Uint(), 10)
	case reflect.Float32, reflect.Float64:
		return strconv.FormatFloat(v.Float(), 'g', -1, 64)
	case reflect.Slice:
		if v.Len() == 0 {
			return "[]"
		}
		b, err := json.Marshal(v.Interface())
		if err != nil {
			return ""
		}
		return guard(string(b))
	case reflect.Pointer:
		if v.IsNil() {
			return ""
		}
		return cell(v.Elem())
	}
	return guard(fmt.Sprint(v.Interface()))
}

// guard prefixes text a spreadsheet would run as a formula with an
// apostrophe.
func guard(s string) string {
	if s != "" && strings.ContainsRune("=+-@\t\r", rune(s[0])) {
		return "'" + s
	}
	return s
}

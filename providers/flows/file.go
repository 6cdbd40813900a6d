package flows

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/gonotebooklets/notebooklets/providers/provenance"
)

// Format is a local file format.
type Format int

// The formats OpenFile understands.
const (
	FormatAuto   Format = iota // by extension, then by content
	FormatCSV                  // RFC 4180 CSV with a header row
	FormatJSON                 // a JSON array of objects
	FormatNDJSON               // one JSON object per line
)

func (f Format) String() string {
	switch f {
	case FormatCSV:
		return "CSV"
	case FormatJSON:
		return "JSON"
	case FormatNDJSON:
		return "NDJSON"
	}
	return "auto"
}

// File is a Source reading one local file (or in-memory bytes). Each Stream
// call reads the data again. Gzip and Zstandard compressed files are read
// as they decompress (whatever their name: the content says).
type File struct {
	name   string
	format Format
	open   func() (io.ReadCloser, error) // the raw bytes
	comp   compression
	sample bool // the embedded sample
	// ChunkSize is the CSV parse unit (default 1 MiB); small values are for
	// tests of chunk boundaries.
	ChunkSize int
}

// OpenFile returns a Source over a flow export: CSV, a JSON array or NDJSON,
// chosen by extension (.csv, .json, .ndjson, .jsonl) and checked against the
// content, optionally compressed with gzip (.csv.gz) or Zstandard (.csv.zst),
// recognized by content and decompressed as it streams. Columns may carry the projected names of msticpy's Azure network
// flow query, the raw AzureNetworkAnalytics_CL names (FlowStartTime_t, VM_s,
// PublicIPs_s, ...) or Log Analytics portal export names ("FlowStartTime
// [UTC]"). OpenFile reads the header and fails if a required column is
// missing (errors.Is(err, ErrMissingColumn)).
func OpenFile(path string) (Source, error) {
	return openFile(path)
}

func openFile(path string) (*File, error) {
	fi, err := os.Stat(path)
	if err != nil {
		return nil, fmt.Errorf("flows: %w", err)
	}
	if fi.IsDir() {
		return nil, fmt.Errorf("flows: %s is a directory, want a CSV, JSON or NDJSON file", path)
	}
	f := &File{name: path, open: func() (io.ReadCloser, error) { return os.Open(path) }}
	if err := f.detect(extFormat(path)); err != nil {
		return nil, err
	}
	return f, nil
}

// OpenBytes returns a Source over data (name is used in messages; with
// FormatAuto its extension and the content choose the format).
func OpenBytes(name string, data []byte, format Format) (Source, error) {
	return openBytes(name, data, format)
}

func openBytes(name string, data []byte, format Format) (*File, error) {
	f := &File{name: name, open: func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(data)), nil }}
	if format == FormatAuto {
		format = extFormat(name)
	}
	if err := f.detect(format); err != nil {
		return nil, err
	}
	return f, nil
}

// Files opens each path with OpenFile and returns a Source that streams them
// in the order given (their Stats are merged). A file given twice (the same
// path, or another name of the same file) is read once, and Stats.Warnings
// says so.
func Files(paths ...string) (Source, error) {
	if len(paths) == 0 {
		return nil, fmt.Errorf("flows: no files given")
	}
	var set fileSet
	var infos []os.FileInfo
	var names []string
next:
	for _, p := range paths {
		f, err := openFile(p)
		if err != nil {
			return nil, err
		}
		fi, err := os.Stat(p)
		if err != nil {
			return nil, fmt.Errorf("flows: %w", err)
		}
		for i, seen := range infos {
			if os.SameFile(seen, fi) {
				how := "the same file as"
				if filepath.Clean(p) == filepath.Clean(names[i]) {
					how = "given again after"
				}
				set.warnings = append(set.warnings, fmt.Sprintf("%s is %s %s: read once", p, how, names[i]))
				continue next
			}
		}
		infos, names = append(infos, fi), append(names, p)
		set.srcs = append(set.srcs, f)
	}
	if len(set.srcs) == 1 && len(set.warnings) == 0 {
		return set.srcs[0], nil
	}
	return &set, nil
}

// fileSet is the Source of Files: the distinct files, and what was said
// about the others.
type fileSet struct {
	srcs     multiSource
	warnings []string
}

func (s *fileSet) Stream(ctx context.Context, q Query, fn func(*Flow) error) (Stats, error) {
	st, err := s.srcs.Stream(ctx, q, fn)
	st.Warnings = append(slices.Clone(s.warnings), st.Warnings...)
	return st, err
}

// Provenance implements provenance.Describer (as Concat's).
func (s *fileSet) Provenance() provenance.Info { return s.srcs.Provenance() }

// Name is the file's path (or the name given to OpenBytes).
func (f *File) Name() string { return f.name }

// Format is the detected format.
func (f *File) Format() Format { return f.format }

func extFormat(name string) Format {
	lower := strings.ToLower(name)
	for _, ext := range []string{".gz", ".gzip", ".zst", ".zstd"} {
		lower = strings.TrimSuffix(lower, ext)
	}
	switch filepath.Ext(lower) {
	case ".csv":
		return FormatCSV
	case ".json":
		return FormatJSON
	case ".ndjson", ".jsonl":
		return FormatNDJSON
	}
	return FormatAuto
}

// detect settles the compression and the format from the first bytes and
// validates the header.
func (f *File) detect(hint Format) error {
	raw, err := f.open()
	if err != nil {
		return fmt.Errorf("flows: %w", err)
	}
	defer raw.Close()
	magic := make([]byte, 4)
	n, _ := io.ReadFull(raw, magic)
	f.comp = sniffCompression(magic[:n])
	raw.Close()
	rc, err := f.openData()
	if err != nil {
		return err
	}
	defer rc.Close()
	br := bufio.NewReaderSize(rc, maxHeaderSize)
	head, err := br.Peek(64 << 10)
	if err != nil && err != io.EOF && err != bufio.ErrBufferFull {
		return fmt.Errorf("flows: %s: %w", f.name, err)
	}
	first := bytes.TrimLeft(bytes.TrimPrefix(head, []byte("\ufeff")), " \t\r\n")
	switch {
	case len(first) == 0:
		return fmt.Errorf("flows: %s: empty file", f.name)
	case first[0] == '[':
		f.format = FormatJSON
	case first[0] == '{':
		f.format = FormatNDJSON
		if hint == FormatJSON && !looksNDJSON(first) {
			return fmt.Errorf("flows: %s: a single JSON object; want an array of flow objects or one object per line", f.name)
		}
	default:
		if hint == FormatJSON || hint == FormatNDJSON {
			return fmt.Errorf("flows: %s: does not start with '[' or '{', not %s", f.name, hint)
		}
		f.format = FormatCSV
	}
	if f.format != FormatCSV {
		return nil // JSON columns are checked on the first object when streaming
	}
	h, err := readCSVHeader(f.name, br)
	if err != nil {
		return fmt.Errorf("flows: %w", err)
	}
	_, err = newSchema(f.name, h.names)
	return err
}

// looksNDJSON reports whether the text holds a complete first object
// followed by another line (as opposed to one pretty-printed object).
func looksNDJSON(b []byte) bool {
	i := bytes.IndexByte(b, '\n')
	return i < 0 || bytes.HasSuffix(bytes.TrimSpace(b[:i]), []byte("}"))
}

// Stream reads the file and calls fn for each flow matching q.
func (f *File) Stream(ctx context.Context, q Query, fn func(*Flow) error) (Stats, error) {
	q = q.Normalized()
	rc, err := f.openData()
	if err != nil {
		return Stats{}, err
	}
	defer rc.Close()
	switch f.format {
	case FormatJSON:
		return jsonArrayStream(ctx, f.name, rc, q, fn)
	case FormatNDJSON:
		return ndjsonStream(ctx, f.name, rc, q, fn)
	}
	return csvStream(ctx, f.name, rc, f.ChunkSize, q, fn)
}

// StreamParallel implements ParallelSource: CSV is parsed on several
// goroutines, each feeding its own consumer; JSON is read by one.
func (f *File) StreamParallel(ctx context.Context, q Query, newConsumer func(*Interner) Consumer) (Stats, error) {
	return f.streamParallel(ctx, q, &workerSet{newConsumer: newConsumer}, 0)
}

func (f *File) streamParallel(ctx context.Context, q Query, ws *workerSet, base Position) (Stats, error) {
	if f.format != FormatCSV {
		return streamParallelAt(ctx, fileSerial{f}, q, ws, base)
	}
	q = q.Normalized()
	rc, err := f.openData()
	if err != nil {
		return Stats{}, err
	}
	defer rc.Close()
	cs, err := openCSV(f.name, rc, f.ChunkSize, q)
	if err != nil {
		return Stats{}, err
	}
	return newPipeline(cs, q).runParallel(ctx, ws, base)
}

// fileSerial is a File read by Stream only.
type fileSerial struct{ f *File }

func (s fileSerial) Stream(ctx context.Context, q Query, fn func(*Flow) error) (Stats, error) {
	return s.f.Stream(ctx, q, fn)
}

// openData opens the file's content, decompressing it if need be.
func (f *File) openData() (io.ReadCloser, error) {
	raw, err := f.open()
	if err != nil {
		return nil, fmt.Errorf("flows: %w", err)
	}
	rc, err := f.comp.reader(raw)
	if err != nil {
		raw.Close()
		return nil, fmt.Errorf("flows: %s: %s: %w", f.name, f.comp, err)
	}
	return rc, nil
}

// Provenance implements provenance.Describer: the file's path, or the
// embedded sample.
func (f *File) Provenance() provenance.Info {
	if f.sample {
		return provenance.Info{Kind: "files", Name: "sample flows", Location: f.name, Sample: true}
	}
	return provenance.Info{Kind: "files", Name: "flow files", Location: f.name}
}

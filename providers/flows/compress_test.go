package flows

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/klauspost/compress/gzip"
	"github.com/klauspost/compress/zstd"
)

func gzipBytes(t testing.TB, data []byte) []byte {
	t.Helper()
	var b bytes.Buffer
	w := gzip.NewWriter(&b)
	if _, err := w.Write(data); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func zstdBytes(t testing.TB, data []byte) []byte {
	t.Helper()
	w, err := zstd.NewWriter(nil)
	if err != nil {
		t.Fatal(err)
	}
	return w.EncodeAll(data, nil)
}

// TestCompressedFiles: gzip and Zstandard exports are read as they
// decompress, recognized by content (issue 10 item 13: a .csv.gz was
// "missing required column").
func TestCompressedFiles(t *testing.T) {
	dir := t.TempDir()
	csvData, err := os.ReadFile(td("projected.csv"))
	if err != nil {
		t.Fatal(err)
	}
	ndjson, err := os.ReadFile(td("projected.ndjson"))
	if err != nil {
		t.Fatal(err)
	}
	files := map[string][]byte{
		"flows.csv.gz":       gzipBytes(t, csvData),
		"flows.csv.zst":      zstdBytes(t, csvData),
		"gzip-named.csv":     gzipBytes(t, csvData),
		"flows.ndjson.gz":    gzipBytes(t, ndjson),
		"two-members.csv.gz": append(gzipBytes(t, csvData[:200]), gzipBytes(t, csvData[200:])...),
	}
	for name, data := range files {
		t.Run(name, func(t *testing.T) {
			p := filepath.Join(dir, name)
			if err := os.WriteFile(p, data, 0o600); err != nil {
				t.Fatal(err)
			}
			s, err := OpenFile(p)
			if err != nil {
				t.Fatal(err)
			}
			got, st := collect(t, s, Query{})
			if d := cmp.Diff(projectedWant, got); d != "" {
				t.Errorf("flows (-want +got):\n%s", d)
			}
			if st.RowsRead != 3 || st.RowsSkipped != 0 {
				t.Errorf("stats %+v", st)
			}
		})
	}
	bad := filepath.Join(dir, "bad.csv.gz")
	gz := gzipBytes(t, csvData)
	if err := os.WriteFile(bad, gz[:len(gz)/2], 0o600); err != nil {
		t.Fatal(err)
	}
	s, err := OpenFile(bad)
	if err == nil {
		_, err = s.Stream(context.Background(), Query{}, func(*Flow) error { return nil })
	}
	if err == nil || !strings.Contains(err.Error(), "bad.csv.gz") {
		t.Errorf("truncated gzip: err = %v, want an error naming the file", err)
	}
}

// TestFilesReadOnce: the same file given twice, by the same path, another
// spelling of it or a hard link, is read once with a warning (issue 10
// item 13: it was counted twice).
func TestFilesReadOnce(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "flows.csv")
	data, err := os.ReadFile(td("projected.csv"))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, data, 0o600); err != nil {
		t.Fatal(err)
	}
	link := filepath.Join(dir, "link.csv")
	if err := os.Link(p, link); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		paths []string
		want  string
	}{
		{[]string{p, p}, p + " is given again after " + p + ": read once"},
		{[]string{p, filepath.Join(dir, ".", "flows.csv")}, filepath.Join(dir, ".", "flows.csv") + " is given again after " + p + ": read once"},
		{[]string{p, link}, link + " is the same file as " + p + ": read once"},
	} {
		s, err := Files(tc.paths...)
		if err != nil {
			t.Fatal(err)
		}
		got, st := collect(t, s, Query{})
		if len(got) != 3 || st.RowsRead != 3 {
			t.Errorf("%v: %d flows, stats %+v", tc.paths, len(got), st)
		}
		if d := cmp.Diff([]string{tc.want}, st.Warnings); d != "" {
			t.Errorf("%v: warnings (-want +got):\n%s", tc.paths, d)
		}
	}
}

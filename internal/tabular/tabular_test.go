package tabular

import (
	"encoding/csv"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/parquet-go/parquet-go"
)

type Inner struct {
	Host string `parquet:"host"`
}

type row struct {
	Inner
	When   time.Time `parquet:"when,optional,timestamp(microsecond)"`
	Flows  int64     `parquet:"TotalAllowedFlows"`
	Ratio  float64   `parquet:"ratio"`
	Ok     bool      `parquet:"ok"`
	IPs    []string  `parquet:"ips,list"`
	AS     uint32    `parquet:"asn"`
	hidden string
}

func TestWriteCSVAndParquet(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "out")
	w, err := Create[row](dir, "t")
	if err != nil {
		t.Fatal(err)
	}
	when := time.Date(2019, 2, 14, 10, 0, 0, 123456000, time.UTC)
	rows := []row{
		{Inner: Inner{"=HYPERLINK(\"http://x\")"}, When: when, Flows: -1, Ratio: 0.25, Ok: true, IPs: []string{"10.0.3.5", "13.107.4.50"}, AS: 8075},
		{Inner: Inner{"plain, \"quoted\"\nnewline"}, Flows: 9223372036854775807},
	}
	if err := w.Write(rows...); err != nil {
		t.Fatal(err)
	}
	paths, err := w.Close()
	if err != nil {
		t.Fatal(err)
	}
	if d := cmp.Diff([]string{filepath.Join(dir, "t.csv"), filepath.Join(dir, "t.parquet")}, paths); d != "" {
		t.Error(d)
	}
	f, _ := os.Open(paths[0])
	recs, err := csv.NewReader(f).ReadAll()
	f.Close()
	if err != nil {
		t.Fatal(err)
	}
	want := [][]string{
		{"host", "when", "TotalAllowedFlows", "ratio", "ok", "ips", "asn"},
		{`'=HYPERLINK("http://x")`, "2019-02-14T10:00:00.123456Z", "-1", "0.25", "true", `["10.0.3.5","13.107.4.50"]`, "8075"},
		{"plain, \"quoted\"\nnewline", "", "9223372036854775807", "0", "false", "[]", "0"},
	}
	if d := cmp.Diff(want, recs); d != "" {
		t.Errorf("CSV (-want +got):\n%s", d)
	}
	got, err := parquet.ReadFile[row](paths[1])
	if err != nil {
		t.Fatal(err)
	}
	if d := cmp.Diff(rows, got, cmp.AllowUnexported(row{}), cmp.Transformer("nilIPs", func(s []string) []string {
		if len(s) == 0 {
			return nil
		}
		return s
	})); d != "" {
		t.Errorf("Parquet round trip (-want +got):\n%s", d)
	}
	pf, err := os.Open(paths[1])
	if err != nil {
		t.Fatal(err)
	}
	defer pf.Close()
	st, _ := pf.Stat()
	file, err := parquet.OpenFile(pf, st.Size())
	if err != nil {
		t.Fatal(err)
	}
	schema := file.Schema().String()
	for _, want := range []string{"TIMESTAMP", "int64 TotalAllowedFlows", "boolean ok", "double ratio", "LIST"} {
		if !strings.Contains(schema, want) {
			t.Errorf("Parquet schema lacks %q:\n%s", want, schema)
		}
	}
}

func TestCreateRejectsNonStructs(t *testing.T) {
	if _, err := Create[int](t.TempDir(), "x"); err == nil {
		t.Error("Create[int] succeeded")
	}
}

package flows

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func td(name string) string { return filepath.Join("..", "..", "testdata", "flows", name) }

func ts(s string) time.Time {
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		panic(err)
	}
	return t
}

// collect streams a source into a slice (copies, as consumers must).
func collect(t *testing.T, s Source, q Query) ([]Flow, Stats) {
	t.Helper()
	var out []Flow
	st, err := s.Stream(context.Background(), q, func(f *Flow) error {
		g := *f
		if f.PublicIPs != nil {
			g.PublicIPs = append([]string(nil), f.PublicIPs...)
		}
		out = append(out, g)
		return nil
	})
	if err != nil {
		t.Fatalf("Stream: %v", err)
	}
	return out, st
}

var projectedWant = []Flow{
	{
		TimeGenerated: ts("2019-02-14T01:30:00Z"), FlowStartTime: ts("2019-02-14T00:10:00Z"), FlowEndTime: ts("2019-02-14T00:50:00Z"),
		FlowType: "AzurePublic", VMName: "msticalertswin1", VMIPAddress: "10.0.3.5", PublicIPs: []string{"13.107.4.50"},
		L4Protocol: "T", L7Protocol: "https", DestPort: 443, FlowDirection: "O", AllowedOutFlows: 12,
		RemoteRegion: "eastus", VMRegion: "eastus", AllExtIPs: "13.107.4.50",
	},
	{
		TimeGenerated: ts("2019-02-14T02:30:00Z"), FlowStartTime: ts("2019-02-14T01:10:00Z"), FlowEndTime: ts("2019-02-14T01:20:00Z"),
		FlowType: "IntraVNet", VMName: "MSTICAlertsWin1", VMIPAddress: "10.0.3.5", SrcIP: "10.0.3.9",
		L4Protocol: "U", L7Protocol: "dns", DestPort: 53, FlowDirection: "I", AllowedInFlows: 3,
		VMRegion: "eastus", AllExtIPs: "10.0.3.9",
	},
	{
		TimeGenerated: ts("2019-02-15T02:30:00Z"), FlowStartTime: ts("2019-02-15T01:10:00Z"), FlowEndTime: ts("2019-02-15T01:40:00Z"),
		FlowType: "AzurePublic", VMName: "otherhost", VMIPAddress: "10.0.3.6", PublicIPs: []string{"52.1.2.3"},
		L4Protocol: "T", L7Protocol: "http", DestPort: 80, FlowDirection: "O", AllowedOutFlows: 5, DeniedOutFlows: 1,
		RemoteRegion: "westus", VMRegion: "eastus", AllExtIPs: "52.1.2.3",
	},
}

func TestFormats(t *testing.T) {
	for _, name := range []string{"projected.csv", "projected.json", "projected.ndjson"} {
		t.Run(name, func(t *testing.T) {
			s, err := OpenFile(td(name))
			if err != nil {
				t.Fatal(err)
			}
			got, st := collect(t, s, Query{})
			if d := cmp.Diff(projectedWant, got); d != "" {
				t.Errorf("flows (-want +got):\n%s", d)
			}
			want := Stats{RowsRead: 3, RowsKept: 3, First: ts("2019-02-14T00:10:00Z"), Last: ts("2019-02-15T01:40:00Z")}
			if d := cmp.Diff(want, st); d != "" {
				t.Errorf("stats (-want +got):\n%s", d)
			}
		})
	}
}

func TestQuery(t *testing.T) {
	s, err := OpenFile(td("projected.csv"))
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		q    Query
		want []int // indexes into projectedWant
	}{
		{"host case-insensitive", Query{Host: "msticalertsWIN1"}, []int{0, 1}},
		{"vm ip", Query{IP: "10.0.3.5"}, []int{0, 1}},
		{"external ip", Query{IP: "52.1.2.3"}, []int{2}},
		{"src ip", Query{IP: "10.0.3.9"}, []int{1}},
		{"start bound", Query{Start: ts("2019-02-14T01:00:00Z")}, []int{1, 2}},
		{"end bound", Query{End: ts("2019-02-14T01:20:00Z")}, []int{0, 1}},
		{"host and range", Query{Host: "MSTICALERTSWIN1", Start: ts("2019-02-14T00:10:00Z"), End: ts("2019-02-14T00:59:00Z")}, []int{0}},
		{"no match", Query{Host: "nohost"}, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, st := collect(t, s, tc.q)
			var want []Flow
			for _, i := range tc.want {
				want = append(want, projectedWant[i])
			}
			if d := cmp.Diff(want, got); d != "" {
				t.Errorf("(-want +got):\n%s", d)
			}
			if st.RowsRead != 3 || st.RowsKept != int64(len(tc.want)) {
				t.Errorf("stats %+v", st)
			}
			// Slice must agree with the file reader.
			sgot, _ := collect(t, Slice(projectedWant), tc.q)
			if d := cmp.Diff(want, sgot); d != "" {
				t.Errorf("Slice (-want +got):\n%s", d)
			}
		})
	}
}

func TestRawColumns(t *testing.T) {
	s, err := OpenFile(td("raw_cl.csv"))
	if err != nil {
		t.Fatal(err)
	}
	got, st := collect(t, s, Query{Host: "msticalertswin1"})
	base := Flow{
		TimeGenerated: ts("2019-02-14T01:30:00Z"), FlowStartTime: ts("2019-02-14T00:10:00Z"), FlowEndTime: ts("2019-02-14T00:50:00Z"),
		FlowType: "AzurePublic", VMName: "msticalertswin1", VMIPAddress: "10.0.3.5", PublicIPs: []string{"13.107.4.50", "40.90.1.2"},
		L4Protocol: "T", L7Protocol: "https", DestPort: 443, FlowDirection: "O", AllowedOutFlows: 4,
		RemoteRegion: "eastus", VMRegion: "eastus",
	}
	a, b := base, base
	a.AllExtIPs, b.AllExtIPs = "13.107.4.50", "40.90.1.2"
	want := []Flow{a, b,
		{
			TimeGenerated: ts("2019-02-14T02:30:00Z"), FlowStartTime: ts("2019-02-14T01:10:00Z"), FlowEndTime: ts("2019-02-14T01:20:00Z"),
			FlowType: "IntraVNet", VMName: "msticalertswin1", VMIPAddress: "10.0.3.5", SrcIP: "10.0.3.9",
			L4Protocol: "U", L7Protocol: "dns", DestPort: 53, FlowDirection: "I", AllowedInFlows: 3, VMRegion: "eastus", AllExtIPs: "10.0.3.9",
		},
		{
			TimeGenerated: ts("2019-02-14T03:30:00Z"), FlowStartTime: ts("2019-02-14T02:10:00Z"), FlowEndTime: ts("2019-02-14T02:20:00Z"),
			FlowType: "IntraVNet", VMName: "msticalertswin1", VMIPAddress: "10.0.3.5", DestIP: "10.0.2.7",
			L4Protocol: "T", L7Protocol: "ssh", DestPort: 22, FlowDirection: "O", AllowedOutFlows: 2, VMRegion: "eastus", AllExtIPs: "10.0.2.7",
		},
	}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("(-want +got):\n%s", d)
	}
	if st.RowsRead != 3 || st.RowsKept != 4 {
		t.Errorf("stats %+v", st)
	}
}

func TestPortalExport(t *testing.T) {
	s, err := OpenFile(td("portal_export.csv"))
	if err != nil {
		t.Fatal(err)
	}
	got, st := collect(t, s, Query{})
	if len(got) != 3 {
		t.Fatalf("got %d flows, want 3", len(got))
	}
	if d := cmp.Diff(projectedWant[0], got[0]); d != "" {
		t.Errorf("(-want +got):\n%s", d)
	}
	if !got[2].FlowStartTime.Equal(ts("2019-02-14T16:24:41Z")) {
		t.Errorf("PM time: %v", got[2].FlowStartTime)
	}
	if !st.First.Equal(ts("2019-02-14T00:10:00Z")) || !st.Last.Equal(ts("2019-02-14T16:34:41Z")) {
		t.Errorf("range %v..%v", st.First, st.Last)
	}
}

func TestBadRows(t *testing.T) {
	s, err := OpenFile(td("bad_rows.csv"))
	if err != nil {
		t.Fatal(err)
	}
	got, st := collect(t, s, Query{})
	if len(got) != 2 || got[0].AllExtIPs != "13.107.4.50" || got[1].AllExtIPs != "13.107.4.51" {
		t.Errorf("kept %+v", got)
	}
	p := td("bad_rows.csv")
	want := Stats{
		RowsRead: 8, RowsKept: 2, RowsSkipped: 6,
		Skipped: []string{
			p + `:3: column FlowStartTime: value "yesterday": not a time (want RFC 3339 or a Log Analytics export time such as "2/14/2019, 4:24:41.000 AM")`,
			p + `:4: column FlowDirection: value "X": want "I" or "O"`,
			p + `:5: column AllowedOutFlows: value "many": not an integer`,
			p + `:6: 5 fields, header has 10`,
			p + `:7: column DestPort: value "99999": not a port number`,
		},
		First: ts("2019-02-14T00:10:00Z"), Last: ts("2019-02-14T00:55:00Z"),
	}
	if d := cmp.Diff(want, st); d != "" {
		t.Errorf("stats (-want +got):\n%s", d)
	}
}

func TestMissingColumn(t *testing.T) {
	_, err := OpenFile(td("missing_column.csv"))
	var mc *MissingColumnError
	if !errors.Is(err, ErrMissingColumn) || !errors.As(err, &mc) || mc.Column != "FlowEndTime" || !strings.Contains(err.Error(), "missing_column.csv") {
		t.Fatalf("err = %v", err)
	}
	// The same check applies to JSON, on the first object.
	s, err := OpenBytes("x.ndjson", []byte(`{"FlowStartTime":"2019-02-14T00:10:00Z"}`+"\n"), FormatAuto)
	if err != nil {
		t.Fatal(err)
	}
	_, err = s.Stream(context.Background(), Query{}, func(*Flow) error { return nil })
	if !errors.Is(err, ErrMissingColumn) || !strings.Contains(err.Error(), "x.ndjson") {
		t.Fatalf("ndjson err = %v", err)
	}
	// A host query needs a VM name column.
	s, err = OpenBytes("novm.csv", []byte("FlowStartTime,FlowEndTime,FlowDirection,AllowedOutFlows,AllowedInFlows,SrcIP\n"), FormatAuto)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Stream(context.Background(), Query{Host: "h"}, func(*Flow) error { return nil }); !errors.Is(err, ErrMissingColumn) {
		t.Fatalf("host query err = %v", err)
	}
}

func TestOpenErrors(t *testing.T) {
	dir := t.TempDir()
	empty := filepath.Join(dir, "empty.csv")
	if err := os.WriteFile(empty, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	obj := filepath.Join(dir, "obj.json")
	if err := os.WriteFile(obj, []byte("{\n \"a\": 1\n}\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{filepath.Join(dir, "nope.csv"), dir, empty, obj} {
		if _, err := OpenFile(p); err == nil {
			t.Errorf("OpenFile(%s): no error", p)
		}
	}
}

func TestFilesConcat(t *testing.T) {
	s, err := Files(td("projected.csv"), td("projected.ndjson"))
	if err != nil {
		t.Fatal(err)
	}
	got, st := collect(t, s, Query{Host: "msticalertswin1"})
	if len(got) != 4 || st.RowsRead != 6 || st.RowsKept != 4 {
		t.Errorf("got %d flows, stats %+v", len(got), st)
	}
	if _, err := Files(td("projected.csv"), td("missing_column.csv")); !errors.Is(err, ErrMissingColumn) {
		t.Errorf("err = %v", err)
	}
}

func TestStopAndCancel(t *testing.T) {
	data := genCSV(20000, 1)
	s, err := OpenBytes("gen.csv", data, FormatAuto)
	if err != nil {
		t.Fatal(err)
	}
	s.(*File).ChunkSize = 64 << 10
	stop := errors.New("stop")
	n := 0
	_, err = s.Stream(context.Background(), Query{}, func(*Flow) error {
		n++
		if n == 100 {
			return stop
		}
		return nil
	})
	if !errors.Is(err, stop) || n != 100 {
		t.Errorf("err=%v n=%d", err, n)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := s.Stream(ctx, Query{}, func(*Flow) error { return nil }); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled: err=%v", err)
	}
}

// TestChunkBoundaries parses input with quoted fields holding commas, quotes
// and newlines at many chunk sizes and checks every result is the same.
func TestChunkBoundaries(t *testing.T) {
	var sb strings.Builder
	sb.WriteString("FlowStartTime,FlowEndTime,VMName,VMIPAddress,L7Protocol,DestPort,FlowDirection,AllowedOutFlows,AllowedInFlows,AllExtIPs,Note\r\n")
	for i := range 3000 {
		note := `plain`
		switch i % 4 {
		case 1:
			note = `"with, comma"`
		case 2:
			note = "\"multi\nline \"\"quoted\"\"\r\ntext\""
		case 3:
			note = `""`
		}
		sb.WriteString("2019-02-14T00:10:00Z,2019-02-14T00:50:00Z,h1,10.0.3.5,https,443,O,")
		sb.WriteString(itoa(i))
		sb.WriteString(",0,13.107.4.")
		sb.WriteString(itoa(i % 250))
		sb.WriteString(",")
		sb.WriteString(note)
		sb.WriteString("\r\n")
	}
	data := []byte(sb.String())
	var ref []Flow
	for _, size := range []int{1 << 30, 17, 64, 100, 1000, 4096, 65536} {
		s, err := OpenBytes("q.csv", data, FormatCSV)
		if err != nil {
			t.Fatal(err)
		}
		s.(*File).ChunkSize = size
		got, st := collect(t, s, Query{})
		if st.RowsSkipped != 0 || len(got) != 3000 {
			t.Fatalf("size %d: %d flows, stats %+v", size, len(got), st)
		}
		for i, f := range got {
			if f.AllowedOutFlows != int64(i) {
				t.Fatalf("size %d: flow %d out of order (%d)", size, i, f.AllowedOutFlows)
			}
		}
		if ref == nil {
			ref = got
		} else if d := cmp.Diff(ref, got); d != "" {
			t.Fatalf("size %d differs:\n%s", size, d)
		}
	}
}

func itoa(i int) string { return strconv.Itoa(i) }

// TestStrayQuotes: quotes inside unquoted fields are text (as the record
// parser reads them) and must not confuse the chunk cutter.
func TestStrayQuotes(t *testing.T) {
	var sb strings.Builder
	sb.WriteString("FlowStartTime,FlowEndTime,VMName,VMIPAddress,L7Protocol,DestPort,FlowDirection,AllowedOutFlows,AllowedInFlows,AllExtIPs,Note\n")
	for i := range 2000 {
		note := `6" pipe`
		if i%3 == 0 {
			note = "\"two\nlines\""
		}
		sb.WriteString("2019-02-14T00:10:00Z,2019-02-14T00:50:00Z,h1,10.0.3.5,https,443,O," + itoa(i) + ",0,13.107.4.1," + note + "\n")
	}
	data := []byte(sb.String())
	for _, size := range []int{1 << 30, 50, 333, 4096, 97, 131, 173, 211, 257, 389, 499, 613, 1021, 2039} {
		s, err := OpenBytes("stray.csv", data, FormatCSV)
		if err != nil {
			t.Fatal(err)
		}
		s.(*File).ChunkSize = size
		got, st := collect(t, s, Query{})
		if len(got) != 2000 || st.RowsSkipped != 0 {
			t.Fatalf("size %d: %d flows, stats %+v", size, len(got), st)
		}
		for i, f := range got {
			if f.AllowedOutFlows != int64(i) {
				t.Fatalf("size %d: row %d has %d", size, i, f.AllowedOutFlows)
			}
		}
	}
}

func TestParseISOFractions(t *testing.T) {
	var c dayCache
	for in, want := range map[string]string{
		"2019-02-14T00:10:00.5Z":          "2019-02-14T00:10:00.5Z",
		"2019-02-14T00:10:00.000123Z":     "2019-02-14T00:10:00.000123Z",
		"2019-02-14T00:10:00.123456789Z":  "2019-02-14T00:10:00.123456789Z",
		"2019-02-14T00:10:00.1234567891Z": "2019-02-14T00:10:00.123456789Z",
		"2019-02-14 01:10:00+01:00":       "2019-02-14T00:10:00Z",
		"2020-02-29T23:59:59-00:30":       "2020-03-01T00:29:59Z",
	} {
		got, ok := c.parseISO([]byte(in))
		if !ok || !got.Equal(ts(want)) {
			t.Errorf("parseISO(%q) = %v, %v; want %s", in, got, ok, want)
		}
	}
	for _, in := range []string{"2019-02-30T00:00:00Z", "2019-02-14T24:00:00Z", "2019-02-14T00:10:00.Z", "2019-02-14T00:10:00 UTC"} {
		if _, ok := c.parseISO([]byte(in)); ok {
			t.Errorf("parseISO(%q) accepted", in)
		}
	}
}

package ti

import (
	"context"
	"errors"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestLocalFileCSV(t *testing.T) {
	l, err := LocalFile(filepath.Join("testdata", "indicators.csv"))
	if err != nil {
		t.Fatal(err)
	}
	if len(l.Warnings()) != 0 || l.Len() != 5 || l.Name() != "indicators.csv" {
		t.Fatalf("warnings %v, len %d, name %q", l.Warnings(), l.Len(), l.Name())
	}
	res, err := l.Lookup(context.Background(), []string{"203.0.113.66", " 198.51.100.7", "2001:DB8::66", "192.0.2.10", "192.0.2.200", "EVIL.example.com"})
	if err != nil {
		t.Fatal(err)
	}
	want := []Result{
		{Ioc: "203.0.113.66", IocType: "ipv4", Provider: "indicators.csv", Positive: true, Severity: High, Details: "TestFeed: Known C2 server", Reference: "https://example.org/c2"},
		{Ioc: "198.51.100.7", IocType: "ipv4", Provider: "indicators.csv", Positive: true, Severity: Medium, Details: "TestFeed: Scanner; Honeypot: Seen in honeypot"},
		{Ioc: "2001:db8::66", IocType: "ipv6", Provider: "indicators.csv", Severity: Low, Details: "TestFeed: IPv6 scanner"}, // low: not positive
		{Ioc: "192.0.2.10", IocType: "ipv4", Provider: "indicators.csv", Severity: Information, Details: "TestFeed: Known benign"},
		{Ioc: "192.0.2.200", IocType: "ipv4", Provider: "indicators.csv", Severity: Information, Details: "Not found."},
		{Ioc: "evil.example.com", IocType: "dns", Provider: "indicators.csv", Positive: true, Severity: High, Details: "TestFeed: Phishing domain"},
	}
	if diff := cmp.Diff(want, res); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
}

func TestLocalFileMsticpyColumns(t *testing.T) {
	l, err := LocalFile(filepath.Join("testdata", "indicators_msticpy.csv"))
	if err != nil {
		t.Fatal(err)
	}
	res, _ := l.Lookup(context.Background(), []string{"203.0.113.66", "198.51.100.7", "192.0.2.10"})
	got := []Severity{res[0].Severity, res[1].Severity, res[2].Severity}
	if diff := cmp.Diff([]Severity{High, Medium, Information}, got); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
	if res[2].Positive || !strings.HasPrefix(res[0].Details, "OTX: ") {
		t.Errorf("%+v", res)
	}
}

func TestLocalFileBadRows(t *testing.T) {
	l, err := LocalFile(filepath.Join("testdata", "indicators_bad.csv"))
	if err != nil {
		t.Fatal(err)
	}
	want := []RowError{
		{File: "indicators_bad.csv", Row: 3, Column: "ioc", Reason: "empty indicator"},
		{File: "indicators_bad.csv", Row: 4, Column: "ioc", Value: "not-an-ip", Reason: `not an IP address although ioc_type is "ipv4"`},
		{File: "indicators_bad.csv", Row: 5, Column: "severity", Value: "catastrophic", Reason: "unknown severity (want information, low, medium or high)"},
		{File: "indicators_bad.csv", Row: 6, Reason: `malformed CSV: bare " in non-quoted-field (line skipped)`},
	}
	if diff := cmp.Diff(want, l.Warnings()); diff != "" {
		t.Errorf("warnings (-want +got):\n%s", diff)
	}
	if l.Skipped() != 4 || l.Len() != 2 {
		t.Errorf("skipped %d, kept %d", l.Skipped(), l.Len())
	}
	res, _ := l.Lookup(context.Background(), []string{"192.0.2.77", "198.51.100.7"})
	if res[0].Positive || res[0].Severity != Low || res[1].Positive {
		t.Errorf("%+v", res)
	}
	if s := l.Warnings()[2].Error(); s != `indicators_bad.csv: row 5, column severity, value "catastrophic": unknown severity (want information, low, medium or high)` {
		t.Errorf("Error() = %s", s)
	}
}

func TestLocalFileJSON(t *testing.T) {
	l, err := LocalFile(filepath.Join("testdata", "indicators.json"))
	if err != nil {
		t.Fatal(err)
	}
	res, _ := l.Lookup(context.Background(), []string{"203.0.113.66", "198.51.100.7", "192.0.2.77"})
	if res[0].Severity != High || res[1].Severity != Medium || res[1].Details != `{"positives":1}` || res[2].Positive {
		t.Errorf("%+v", res)
	}
	var rows []int
	for _, w := range l.Warnings() {
		rows = append(rows, w.Row)
	}
	if diff := cmp.Diff([]int{4, 5, 6}, rows); diff != "" {
		t.Errorf("warning rows (-want +got):\n%s\n%v", diff, l.Warnings())
	}
}

func TestLocalBytesFormats(t *testing.T) {
	cases := []struct {
		name, data string
		wantErr    bool
		ioc        string
		sev        Severity
	}{
		{"a.json", `[{"ioc":"192.0.2.1","severity":"high"}]`, false, "192.0.2.1", High},
		{"a.ndjson", "{\"ip\":\"192.0.2.1\"}\n\n{\"ip\":\"192.0.2.2\",\"severity\":\"low\"}\n", false, "192.0.2.2", Low},
		{"sniffed", `[{"Indicator":"192.0.2.3"}]`, false, "192.0.2.3", Medium},
		{"bom.csv", "\xef\xbb\xbfIP Address;x\n", true, "", 0},
		{"tab.csv", "IP,Severity\n192.0.2.4,HIGH\n", false, "192.0.2.4", High},
		{"mapped.csv", "ioc\n::ffff:192.0.2.5\n", false, "192.0.2.5", Medium},
		{"empty.csv", "", true, "", 0},
		{"noioc.csv", "a,b\n1,2\n", true, "", 0},
		{"obj.json", `{"foo": 1}`, true, "", 0},
		{"broken.json", `[{"ioc": `, true, "", 0},
		{"nokeys.json", `[{"a": 1}]`, true, "", 0},
		{"binary", "\x00\x01\x02\xff", true, "", 0},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			l, err := LocalBytes(c.name, []byte(c.data))
			if c.wantErr {
				if !errors.Is(err, ErrBadIndicatorFile) {
					t.Fatalf("err = %v, want ErrBadIndicatorFile", err)
				}
				if !strings.Contains(err.Error(), c.name) {
					t.Errorf("error %q does not name the file", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			res, _ := l.Lookup(context.Background(), []string{c.ioc})
			if res[0].Severity != c.sev {
				t.Errorf("%+v", res[0])
			}
		})
	}
}

func TestLocalFileMissing(t *testing.T) {
	_, err := LocalFile(filepath.Join("testdata", "nope.csv"))
	if !errors.Is(err, ErrBadIndicatorFile) || !strings.Contains(err.Error(), "nope.csv") {
		t.Errorf("err = %v", err)
	}
}

func FuzzLocalBytes(f *testing.F) {
	f.Add("x.csv", []byte("ioc,severity\n1.2.3.4,high\n"))
	f.Add("x.json", []byte(`[{"ioc":"1.2.3.4","severity":3}]`))
	f.Add("x", []byte(`{"indicators":[{"ioc":null}]}`))
	// CSV damage (issue 10 item 3): unterminated and bare quotes, quoted
	// fields over lines, CR-only and CRLF endings.
	f.Add("x.csv", []byte("ioc,severity\n1.2.3.4,\"high\n5.6.7.8,low\n9.9.9.9,\"a, b\"\n"))
	f.Add("x.csv", []byte("ioc,severity,details\n1.2.3.4,hi\"gh,x\n5.6.7.8,low,\"two\nlines\"\n"))
	f.Add("x.csv", []byte("ioc,severity\r1.2.3.4,high\r5.6.7.8,low\r"))
	f.Add("x.csv", []byte("ioc,severity\r\n1.2.3.4,high\r\n\"\r\n"))
	f.Fuzz(func(t *testing.T, name string, b []byte) {
		l, err := LocalBytes(name, b)
		if err != nil {
			return
		}
		res, _ := l.Lookup(context.Background(), []string{"1.2.3.4", ""})
		if len(res) != 2 {
			t.Fatal(len(res))
		}
		lost, first := l.LostLines()
		if lost > l.Skipped() || len(first) > min(lost, maxLostLines) {
			t.Fatalf("lost %d (first %v) but skipped %d", lost, first, l.Skipped())
		}
		for i := 1; i < len(first); i++ {
			if first[i] <= first[i-1] {
				t.Fatalf("lost line numbers not increasing: %v", first)
			}
		}
	})
}

func TestSeverityText(t *testing.T) {
	for s := Information; s <= High; s++ {
		b, err := s.MarshalText()
		if err != nil {
			t.Fatal(err)
		}
		var back Severity
		if err := back.UnmarshalText(b); err != nil || back != s {
			t.Errorf("%v round trip → %v, %v", s, back, err)
		}
	}
	if diff := cmp.Diff([]string{"information", "low", "medium", "high"},
		[]string{Information.String(), Low.String(), Medium.String(), High.String()}); diff != "" {
		t.Error(diff)
	}
	var s Severity
	if err := s.UnmarshalText([]byte("warning")); err != nil || s != Medium {
		t.Errorf("warning → %v %v", s, err)
	}
	if err := s.UnmarshalText([]byte("dire")); err == nil {
		t.Error("dire accepted")
	}
	if _, err := Severity(9).MarshalText(); err == nil {
		t.Error("9 marshalled")
	}
}

package flows

import (
	"math"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

const countsHeader = "FlowStartTime,FlowEndTime,FlowDirection,AllowedOutFlows,AllowedInFlows,DeniedInFlows,DeniedOutFlows,VMIPAddress,AllExtIPs,BytesSrcToDest,BytesDestToSrc\n"

func countsRow(out, in, deniedIn, bytes string) string {
	return "2019-02-14T00:10:00Z,2019-02-14T00:50:00Z,O," + out + "," + in + "," + deniedIn + ",0,10.0.3.5,13.107.4.50," + bytes + ",0\n"
}

// TestNegativeCounts: a negative count (allowed, denied or bytes) makes the
// row a bad row: skipped, counted and reported (issue 10 item 4).
func TestNegativeCounts(t *testing.T) {
	data := countsHeader + countsRow("1", "0", "0", "10") + countsRow("-5", "0", "0", "10") + countsRow("1", "-1", "0", "10") +
		countsRow("1", "0", "-2", "10") + countsRow("1", "0", "0", "-10") + countsRow("2", "0", "0", "10")
	s, err := OpenBytes("neg.csv", []byte(data), FormatAuto)
	if err != nil {
		t.Fatal(err)
	}
	got, st := collect(t, s, Query{})
	if len(got) != 2 || got[0].AllowedOutFlows != 1 || got[1].AllowedOutFlows != 2 {
		t.Errorf("kept %+v", got)
	}
	want := []string{
		`neg.csv:3: column AllowedOutFlows: value "-5": a negative count`,
		`neg.csv:4: column AllowedInFlows: value "-1": a negative count`,
		`neg.csv:5: column DeniedInFlows: value "-2": a negative count`,
		`neg.csv:6: column BytesSrcToDest: value "-10": a negative count`,
	}
	if st.RowsSkipped != 4 || !st.HasBytes {
		t.Errorf("stats %+v", st)
	}
	if d := cmp.Diff(want, st.Skipped); d != "" {
		t.Errorf("skipped (-want +got):\n%s", d)
	}
}

// TestCountsSaturate: sums of counts near the int64 limit saturate instead
// of wrapping negative (issue 10 item 4).
func TestCountsSaturate(t *testing.T) {
	max := strconv.FormatInt(math.MaxInt64, 10)
	f := Flow{AllowedOutFlows: math.MaxInt64, AllowedInFlows: math.MaxInt64, BytesSrcToDest: math.MaxInt64, BytesDestToSrc: 1}
	if f.TotalAllowedFlows() != math.MaxInt64 || f.TotalBytes() != math.MaxInt64 {
		t.Errorf("TotalAllowedFlows %d, TotalBytes %d", f.TotalAllowedFlows(), f.TotalBytes())
	}
	s, err := OpenBytes("big.csv", []byte(countsHeader+countsRow(max, "0", "0", max)), FormatAuto)
	if err != nil {
		t.Fatal(err)
	}
	got, st := collect(t, s, Query{})
	if len(got) != 1 || got[0].AllowedOutFlows != math.MaxInt64 || st.RowsSkipped != 0 {
		t.Errorf("flows %+v, stats %+v", got, st)
	}
	for _, c := range []struct{ a, b, want int64 }{
		{math.MaxInt64, 1, math.MaxInt64}, {math.MaxInt64, math.MaxInt64, math.MaxInt64}, {math.MinInt64, -1, math.MinInt64},
		{3, 4, 7}, {-3, 4, 1}, {math.MaxInt64, -1, math.MaxInt64 - 1},
	} {
		if got := AddCounts(c.a, c.b); got != c.want {
			t.Errorf("AddCounts(%d, %d) = %d, want %d", c.a, c.b, got, c.want)
		}
	}
}

// TestCanonicalAddresses: every address column is stored in its canonical
// form, so an IPv4-mapped or differently spelled address matches the flows
// of the plain one, and the query's IP is normalized too (issue 10 item 6).
func TestCanonicalAddresses(t *testing.T) {
	var sb strings.Builder
	sb.WriteString("FlowStartTime,FlowEndTime,FlowDirection,AllowedOutFlows,AllowedInFlows,VMIPAddress,PublicIPs,SrcIP,DestIP\n")
	rows := []string{
		`::ffff:10.0.3.5,"[""::FFFF:13.107.4.50""]",,`,
		`10.0.3.5,"[""13.107.4.50""]",,`,
		`::ffff:10.0.3.5,,,2001:DB8:0:0::1`,
		`10.0.3.5,"[""2001:0db8::0001""]",,`,
		`fe80::1%eth0,[],,not-an-address`,
	}
	for _, r := range rows {
		sb.WriteString("2019-02-14T00:10:00Z,2019-02-14T00:50:00Z,O,1,0," + r + "\n")
	}
	s, err := OpenBytes("mapped.csv", []byte(sb.String()), FormatAuto)
	if err != nil {
		t.Fatal(err)
	}
	all, _ := collect(t, s, Query{})
	type addrs struct{ VM, Ext, Dest string }
	var got []addrs
	for _, f := range all {
		got = append(got, addrs{f.VMIPAddress, f.AllExtIPs, f.DestIP})
	}
	want := []addrs{
		{"10.0.3.5", "13.107.4.50", ""}, {"10.0.3.5", "13.107.4.50", ""},
		{"10.0.3.5", "2001:db8::1", "2001:db8::1"}, {"10.0.3.5", "2001:db8::1", ""},
		{"fe80::1", "not-an-address", "not-an-address"},
	}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("addresses (-want +got):\n%s", d)
	}
	for _, ip := range []string{"10.0.3.5", "::ffff:10.0.3.5", " ::FFFF:10.0.3.5 "} {
		if fl, _ := collect(t, s, Query{IP: ip}); len(fl) != 4 {
			t.Errorf("Query{IP: %q} matched %d flows, want 4", ip, len(fl))
		}
		if fl, _ := collect(t, Slice(all), Query{IP: ip}); len(fl) != 4 {
			t.Errorf("Slice: Query{IP: %q} matched %d flows, want 4", ip, len(fl))
		}
	}
	if fl, _ := collect(t, s, Query{IP: "2001:db8:0::1"}); len(fl) != 2 {
		t.Errorf("IPv6 query matched %d flows, want 2", len(fl))
	}
}

func TestPlainIPv4(t *testing.T) {
	for in, want := range map[string]bool{
		"10.0.3.5": true, "0.0.0.0": true, "255.255.255.255": true, "1.2.3.40": true,
		"256.1.1.1": false, "01.2.3.4": false, "1.2.3": false, "1.2.3.4.5": false, "1.2.3.": false, ".1.2.3": false,
		"1..2.3": false, "::ffff:1.2.3.4": false, "1.2.3.4 ": false, "": false,
	} {
		if got := plainIPv4([]byte(in)); got != want {
			t.Errorf("plainIPv4(%q) = %v, want %v", in, got, want)
		}
	}
}

// TestQuotedPublicIPs: reading a quoted CSV PublicIPs field as it is gives
// what unquoting it and parsing the JSON gives, or declines.
func TestQuotedPublicIPs(t *testing.T) {
	sc, err := newSchema("q.csv", []string{"FlowStartTime", "FlowEndTime", "FlowDirection", "AllowedOutFlows", "AllowedInFlows", "VMIPAddress", "PublicIPs"})
	if err != nil {
		t.Fatal(err)
	}
	for _, in := range []string{`"[]"`, `"[""1.2.3.4""]"`, `"[""1.2.3.4"",""::ffff:5.6.7.8""]"`, `"[""a"",""""]"`, `"[ ""1.2.3.4"" ]"`,
		`"[""1.2.3.4"",]"`, `"[""1.2.3.4""`, `"[""a\""b""]"`, `"[""1.2.3.4"""]"`, `"[""x"",""y"",""z""]"`, `"["""",""1.1.1.1""]"`} {
		d := newDecoder(sc, Query{})
		d.pubQuoted = true
		got, gerr := d.appendIPs(nil, []byte(in))
		plain, _ := unquote([]byte(in), nil)
		d2 := newDecoder(sc, Query{})
		want, werr := d2.appendIPs(nil, plain)
		if (gerr == nil) != (werr == nil) || !slices.Equal(got, want) {
			t.Errorf("%s: got %q, %v; want %q, %v", in, got, gerr, want, werr)
		}
	}
}

// TestFractions: the SWAR fraction reading agrees with the byte-wise one
// for every length and filler.
func TestFractions(t *testing.T) {
	var c dayCache
	for n := 1; n <= 12; n++ {
		for _, tail := range []string{"Z", "", "+01:00", "Zxyz"} {
			digits := "123456789012"[:n]
			in := "2019-02-14T00:10:00." + digits + tail
			got, _, ok := c.parseISOZoned([]byte(in))
			want, err := time.Parse("2006-01-02T15:04:05.999999999Z07:00", "2019-02-14T00:10:00."+digits[:min(n, 9)]+"Z")
			if tail == "Zxyz" {
				if ok {
					t.Errorf("%q accepted", in)
				}
				continue
			}
			if tail == "+01:00" {
				want = want.Add(-time.Hour)
			}
			if err != nil || !ok || !got.Equal(want) {
				t.Errorf("%q: got %v %v, want %v", in, got, ok, want)
			}
		}
	}
	for _, bad := range []string{"2019-02-14T00:10:00.", "2019-02-14T00:10:00.Z", "2019-02-14T00:10:00.12a4567Z", "2019-02-14T00:10:00.1234567xZ"} {
		if _, _, ok := c.parseISOZoned([]byte(bad)); ok {
			t.Errorf("%q accepted", bad)
		}
	}
}

// TestCheckQuotedIPs: the check accepts exactly what appendQuotedIPs reads.
func TestCheckQuotedIPs(t *testing.T) {
	sc, err := newSchema("q.csv", []string{"FlowStartTime", "FlowEndTime", "FlowDirection", "AllowedOutFlows", "AllowedInFlows", "VMIPAddress", "PublicIPs"})
	if err != nil {
		t.Fatal(err)
	}
	for _, in := range []string{`"[]"`, `"[""1.2.3.4""]"`, `"[""1.2.3.4"",""::ffff:5.6.7.8""]"`, `"[""a"",""""]"`, `"[ ""1.2.3.4"" ]"`,
		`"[""1.2.3.4"",]"`, `"[""1.2.3.4""`, `"[""a\""b""]"`, `"[""1.2.3.4"""]"`, `"[""x"",""y"",""z""]"`, `"["""",""1.1.1.1""]"`, `"[""""]"`, `"[""]"`, `"[,]"`} {
		d := newDecoder(sc, Query{})
		_, want := d.appendQuotedIPs(nil, []byte(in))
		if got := checkQuotedIPs([]byte(in)); got != want {
			t.Errorf("%s: check %v, read %v", in, got, want)
		}
	}
}

// FuzzParseISO: what the fast time parser accepts, the time package reads
// to the same instant, through a day cache that has seen other dates (a
// wrong cache hit would show), and it never accepts a time the time
// package rejects in every form it knows.
func FuzzParseISO(f *testing.F) {
	for _, s := range []string{"2019-02-14T15:33:25Z", "2019-02-14 15:33:25.123456Z", "2020-02-29T23:59:59+05:30", "2019-02-29T00:00:00Z",
		"2019-13-01T00:00:00Z", "2019-02-14T24:00:00Z", "2019-02-14T15:60:00Z", "2019-02-14T15:33:61Z", "2019-02-14T1a:33:25Z",
		"2019-02-14T15:3 :25Z", "0000-01-01T00:00:00Z", "9999-12-31T23:59:59Z", "2019-02-24T15:33:25Z", "2019-12-04T15:33:25Z"} {
		f.Add(s, "2019-02-14T00:00:00Z")
	}
	f.Fuzz(func(t *testing.T, in, warm string) {
		var c dayCache
		c.parseISOZoned([]byte(warm))
		got, zoned, ok := c.parseISOZoned([]byte(in))
		if !ok {
			return
		}
		layout := "2006-01-02T15:04:05.999999999"
		if zoned {
			layout += "Z07:00"
		}
		norm := []byte(in)
		norm[10] = 'T'
		if norm[len(norm)-1] == 'z' { // RFC 3339 allows a lower-case Z
			norm[len(norm)-1] = 'Z'
		}
		want, err := time.Parse(layout, string(norm))
		if err != nil {
			// The time package allows a fraction of at most 9 digits.
			if strings.Count(in, ".") == 1 && len(in) > 30 {
				return
			}
			t.Fatalf("parseISOZoned(%q) = %v; time.Parse: %v", in, got, err)
		}
		if !got.Equal(want.Truncate(time.Nanosecond)) {
			t.Fatalf("parseISOZoned(%q) = %v; time.Parse: %v", in, got, want)
		}
	})
}

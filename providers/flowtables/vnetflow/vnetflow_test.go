package vnetflow_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/gonotebooklets/notebooklets/providers/flows"
	"github.com/gonotebooklets/notebooklets/providers/flowtables"
	"github.com/gonotebooklets/notebooklets/providers/flowtables/flowtablestest"
	"github.com/gonotebooklets/notebooklets/providers/flowtables/vnetflow"
	"github.com/gonotebooklets/notebooklets/providers/provenance"
)

func at(hm string) time.Time {
	t, err := time.Parse("2006-01-02 15:04", "2024-05-01 "+hm)
	if err != nil {
		panic(err)
	}
	return t
}

func read(t *testing.T, src flows.Source, q flows.Query) ([]flows.Flow, flows.Stats) {
	t.Helper()
	var out []flows.Flow
	st, err := src.Stream(context.Background(), q, func(f *flows.Flow) error {
		out = append(out, *f)
		return nil
	})
	if err != nil {
		t.Fatalf("Stream: %v", err)
	}
	return out, st
}

// awkwardFlows are the flows of testdata/awkward.*: packed public IPs with
// and without bytes, an IPv6 entry, no remote address at all, an inbound
// flow whose host address is only in DestPublicIps, Inbound/Outbound
// spelled out.
var awkwardFlows = func() []flows.Flow {
	web := flows.Flow{FlowType: "ExternalPublic", VMName: "web01", VMIPAddress: "10.1.0.4", SrcIP: "10.1.0.4",
		FlowDirection: flows.Outbound, L4Protocol: "T", VMRegion: "westus"}
	http := web
	http.TimeGenerated, http.FlowStartTime, http.FlowEndTime = at("01:05"), at("00:10"), at("00:20")
	http.L7Protocol, http.DestPort, http.AllowedOutFlows = "http", 80, 2
	http.PublicIPs = []string{"20.1.2.3", "20.1.2.4"}
	http1, http2 := http, http
	http1.AllExtIPs, http1.BytesSrcToDest, http1.BytesDestToSrc = "20.1.2.3", 500, 700 // the entries have no bytes: the record's go to the first
	http2.AllExtIPs = "20.1.2.4"

	dns := web
	dns.TimeGenerated, dns.FlowStartTime, dns.FlowEndTime = at("01:05"), at("00:30"), at("00:40")
	dns.DestIP, dns.L4Protocol, dns.L7Protocol, dns.DestPort, dns.AllowedOutFlows = "10.1.0.9", "U", "dns", 53, 1
	dns.RemoteRegion = "westus"
	dns.PublicIPs = []string{"2001:4860:4860::8888", "9.9.9.9"}
	dns1, dns2, dns3 := dns, dns, dns
	dns1.AllExtIPs, dns1.BytesSrcToDest, dns1.BytesDestToSrc = "2001:4860:4860::8888", 10, 20
	dns2.AllExtIPs, dns2.BytesSrcToDest, dns2.BytesDestToSrc = "9.9.9.9", 30, 40
	dns3.AllExtIPs = "10.1.0.9"

	none := web
	none.FlowType = "UnknownPrivate"
	none.TimeGenerated, none.FlowStartTime, none.FlowEndTime = at("01:05"), at("00:45"), at("00:50")
	none.L7Protocol, none.DestPort, none.AllowedOutFlows = "unknown", 8443, 1

	in := flows.Flow{TimeGenerated: at("02:05"), FlowStartTime: at("01:10"), FlowEndTime: at("01:20"), FlowType: "ExternalPublic",
		VMName: "web01", VMIPAddress: "52.160.1.10", PublicIPs: []string{"198.51.100.23"}, L4Protocol: "T", L7Protocol: "https",
		DestPort: 443, FlowDirection: flows.Inbound, AllowedInFlows: 4, VMRegion: "westus", AllExtIPs: "198.51.100.23",
		BytesSrcToDest: 800, BytesDestToSrc: 900}

	smb := flows.Flow{TimeGenerated: at("02:05"), FlowStartTime: at("01:50"), FlowEndTime: at("01:55"), FlowType: "IntraVNet",
		VMName: "web01", VMIPAddress: "10.1.0.4", SrcIP: "10.1.0.9", DestIP: "10.1.0.4", L4Protocol: "T", L7Protocol: "smb",
		DestPort: 445, FlowDirection: flows.Inbound, AllowedInFlows: 3, VMRegion: "westus", RemoteRegion: "westus",
		AllExtIPs: "10.1.0.9", BytesSrcToDest: 1000, BytesDestToSrc: 2000}
	return []flows.Flow{http1, http2, dns1, dns2, dns3, none, in, smb}
}()

func TestOpenFileFormats(t *testing.T) {
	for _, tc := range []struct{ file, bad1, bad2 string }{
		{"testdata/awkward.csv", "testdata/awkward.csv:8: column FlowStartTime: value \"yesterday\": not a time",
			`testdata/awkward.csv:9: column FlowDirection: value "X": want "O", "I", "Outbound" or "Inbound"`},
		{"testdata/awkward.ndjson", "testdata/awkward.ndjson:7: column FlowStartTime", "testdata/awkward.ndjson:8: column FlowDirection"},
		{"testdata/awkward.json", "testdata/awkward.json: element 7: column FlowStartTime", "testdata/awkward.json: element 8: column FlowDirection"},
	} {
		t.Run(tc.file, func(t *testing.T) {
			src, err := vnetflow.OpenFile(tc.file)
			if err != nil {
				t.Fatal(err)
			}
			got, st := read(t, src, flows.Query{})
			if d := cmp.Diff(awkwardFlows, got); d != "" {
				t.Errorf("flows (-want +got):\n%s", d)
			}
			if st.RowsRead != 9 || st.RowsKept != 8 || st.RowsSkipped != 2 || !st.HasBytes {
				t.Errorf("stats %+v", st)
			}
			if len(st.Skipped) != 2 || !strings.HasPrefix(st.Skipped[0], tc.bad1) || !strings.HasPrefix(st.Skipped[1], tc.bad2) {
				t.Errorf("skipped %q", st.Skipped)
			}
			if len(st.Warnings) != 1 || !strings.Contains(st.Warnings[0], "2 records are not flows of the index: 1 denied only (no allowed flows), 1 not FlowLog (SubType)") {
				t.Errorf("warnings %q", st.Warnings)
			}
			if p := provenance.Of(src); p.Kind != "files" || p.Name != "NTANetAnalytics export" || p.Location != tc.file {
				t.Errorf("provenance %+v", p)
			}
		})
	}
}

func TestQueryMatch(t *testing.T) {
	src, err := vnetflow.OpenFile("testdata/awkward.csv")
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		q    flows.Query
		want int
	}{
		{flows.Query{Host: "WEB01"}, 8},
		{flows.Query{Host: "web01.contoso.example"}, 8},
		{flows.Query{Host: "db01"}, 0}, // the host is the side the flow was captured at
		{flows.Query{IP: "9.9.9.9"}, 1},
		{flows.Query{IP: "2001:4860:4860:0:0::8888"}, 1},
		{flows.Query{IP: "10.1.0.9"}, 4}, // DestIP of the dns record (all three flows), SrcIP of smb
		{flows.Query{Host: "web01", Start: at("00:30"), End: at("01:20")}, 5},
	} {
		got, _ := read(t, src, tc.q)
		if len(got) != tc.want {
			t.Errorf("%+v: %d flows, want %d", tc.q, len(got), tc.want)
		}
	}
}

func TestOpenFileErrors(t *testing.T) {
	for _, tc := range []struct{ file, want string }{
		{"testdata/missing.csv", "no such file"},
		{"testdata", "is a directory"},
	} {
		if _, err := vnetflow.OpenFile(tc.file); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("OpenFile(%s) = %v, want %q", tc.file, err, tc.want)
		}
	}
	dir := t.TempDir()
	p := dir + "/short.csv"
	writeFile(t, p, "FlowStartTime,FlowEndTime,SrcIp\n")
	if _, err := vnetflow.OpenFile(p); !errors.Is(err, flows.ErrMissingColumn) || !strings.Contains(err.Error(), "FlowDirection") {
		t.Errorf("missing column: %v", err)
	}
	writeFile(t, p, "FlowStartTime,FlowEndTime,FlowDirection,AllowedInFlows,AllowedOutFlows,SrcIp\n\"2024-05-01T00:00:00Z,x\n")
	src, err := vnetflow.OpenFile(p)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := src.Stream(context.Background(), flows.Query{}, func(*flows.Flow) error { return nil }); err == nil || !strings.Contains(err.Error(), "short.csv:2") {
		t.Errorf("unterminated quote: %v", err)
	}
}

var day = flows.Query{Host: "web01", Start: at("00:00"), End: at("00:00").Add(24 * time.Hour)}

func TestLogAnalyticsQueries(t *testing.T) {
	src, err := vnetflow.LogAnalytics("ws", flowtablestest.Credential, nil)
	if err != nil {
		t.Fatal(err)
	}
	byIP6 := day
	byIP6.Host, byIP6.IP = "", "2001:4860:4860:0::8888"
	byIP := day
	byIP.Host, byIP.IP = "", "10.1.0.4"
	for _, tc := range []struct {
		name string
		kql  func() (string, error)
		want []string
	}{
		{"flows by host", func() (string, error) { return src.FlowsKQL(day) }, []string{
			"NTANetAnalytics\n| where SubType == \"FlowLog\"",
			"| where FlowStartTime >= datetime(2024-05-01T00:00:00Z) and FlowEndTime <= datetime(2024-05-02T00:00:00Z)",
			"| where AllowedOutFlows > 0 or AllowedInFlows > 0",
			`| where (SrcVm has "web01" or DestVm has "web01")`,
			"| project TimeGenerated, FlowStartTime, FlowEndTime, FlowType, SubType, FlowDirection, SrcIp, DestIp, SrcPublicIps, DestPublicIps, SrcVm, DestVm",
		}},
		{"index by host", func() (string, error) { return src.FlowIndexKQL(day) }, []string{
			`| extend Outbound = FlowDirection in~ ("O", "Outbound")`,
			"| mv-expand with_itemindex = RemoteIndex Entry = Remote to typeof(string)",
			`PackedBytes and array_length(Fields) >= 7, tolong(Fields[5])`,
			`| where (VMName =~ "web01" or tostring(split(VMName, ".")[0]) =~ "web01")`,
			"| summarize TotalAllowedFlows = sum(TotalAllowedFlows), TotalBytes = sum(TotalBytes)",
			"by source, dest, L7Protocol, FlowDirection",
		}},
		{"index by IPv4", func() (string, error) { return src.FlowIndexKQL(byIP) }, []string{
			`| where (SrcIp == "10.1.0.4" or DestIp == "10.1.0.4" or SrcPublicIps has "10.1.0.4" or DestPublicIps has "10.1.0.4")`,
			`| where VMIPAddress == "10.1.0.4" or AllExtIPs == "10.1.0.4" or SrcIP == "10.1.0.4" or DestIP == "10.1.0.4"`,
		}},
		{"index by IPv6", func() (string, error) { return src.FlowIndexKQL(byIP6) }, []string{
			`ipv6_compare(SrcIp, "2001:4860:4860::8888") == 0`, `DestPublicIps has "2001:4860:4860::8888"`,
			`ipv6_compare(AllExtIPs, "2001:4860:4860::8888") == 0`,
		}},
		{"buckets", func() (string, error) { return src.TimeBucketsKQL(day, 10*time.Minute) }, []string{
			"by Bucket = bin(FlowStartTime, 600s), L7Protocol, FlowDirection", "RemoteIPs = dcount(AllExtIPs)",
		}},
		{"count", func() (string, error) { return src.CountKQL(day) }, []string{
			"| summarize Records = count(), First = min(FlowStartTime), Last = max(FlowEndTime)",
		}},
	} {
		kql, err := tc.kql()
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		for _, w := range tc.want {
			if !strings.Contains(kql, w) {
				t.Errorf("%s: query lacks %q:\n%s", tc.name, w, kql)
			}
		}
	}
	if _, err := src.FlowsKQL(flows.Query{Host: `web01" or true`, Start: day.Start, End: day.End}); err == nil {
		t.Error("a host name with a quote was accepted")
	}
	if _, err := src.TimeBucketsKQL(day, time.Millisecond); err == nil {
		t.Error("a bucket shorter than a second was accepted")
	}
}

// TestLogAnalyticsAgreesWithTheFile streams and groups the awkward export
// through the fake workspace: the same flows as the file, and groups that
// sum to them.
func TestLogAnalyticsAgreesWithTheFile(t *testing.T) {
	w := flowtablestest.New(t, day, map[flowtables.Table]string{flowtables.NTANetAnalytics: "testdata/awkward.csv"})
	src, err := vnetflow.LogAnalytics(flowtablestest.WorkspaceID, flowtablestest.Credential, w.Options())
	if err != nil {
		t.Fatal(err)
	}
	got, st := read(t, src, day)
	if d := cmp.Diff(awkwardFlows, got); d != "" {
		t.Errorf("flows (-want +got):\n%s", d)
	}
	if st.RowsSkipped != 2 || !strings.HasPrefix(st.Skipped[0], "log analytics workspace ws-fake (NTANetAnalytics): row 7: column FlowStartTime") {
		t.Errorf("stats %+v", st)
	}
	groups, gst, err := src.FlowIndex(context.Background(), day)
	if err != nil {
		t.Fatal(err)
	}
	var flowsN, bytesN int64
	for _, g := range groups {
		flowsN += g.TotalAllowedFlows
		bytesN += g.TotalBytes
	}
	if flowsN != 2+2+1+1+1+1+4+3 || bytesN != 500+700+10+20+30+40+800+900+1000+2000 || !gst.HasBytes || len(groups) != 8 {
		t.Errorf("groups %+v (flows %d, bytes %d), stats %+v", groups, flowsN, bytesN, gst)
	}
	if p := provenance.Of(src); p.Name != "NTANetAnalytics" || p.Location != "workspace "+flowtablestest.WorkspaceID {
		t.Errorf("provenance %+v", p)
	}
}

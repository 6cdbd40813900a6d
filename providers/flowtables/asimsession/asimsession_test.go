package asimsession_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/gonotebooklets/notebooklets/providers/flows"
	"github.com/gonotebooklets/notebooklets/providers/flowtables"
	"github.com/gonotebooklets/notebooklets/providers/flowtables/asimsession"
	"github.com/gonotebooklets/notebooklets/providers/flowtables/flowtablestest"
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

var day = flows.Query{Host: "web01", Start: at("00:00"), End: at("00:00").Add(24 * time.Hour)}

// web01Flows are web01's flows in testdata/awkward.*: an endpoint session
// named only by DvcHostname, an inbound session naming the host by
// DstFQDN, IPv6, a loopback session (both sides the host), an IPv4-mapped
// source address; the dropped session and the one with a bad EventCount are
// not flows.
var web01Flows = []flows.Flow{
	{TimeGenerated: at("01:00"), FlowStartTime: at("00:10"), FlowEndTime: at("00:11"), FlowType: "Windows Firewall", VMName: "web01",
		VMIPAddress: "10.1.0.4", PublicIPs: []string{"93.184.216.34"}, SrcIP: "10.1.0.4", DestIP: "93.184.216.34", L4Protocol: "T",
		L7Protocol: "https", DestPort: 443, FlowDirection: flows.Outbound, AllowedOutFlows: 1, AllExtIPs: "93.184.216.34"},
	{TimeGenerated: at("01:00"), FlowStartTime: at("00:20"), FlowEndTime: at("00:30"), FlowType: "Palo Alto", VMName: "web01",
		VMIPAddress: "10.1.0.4", SrcIP: "203.0.113.9", DestIP: "10.1.0.4", L4Protocol: "T", L7Protocol: "rdp", DestPort: 3389,
		FlowDirection: flows.Inbound, AllowedInFlows: 7, AllExtIPs: "203.0.113.9"},
	{TimeGenerated: at("01:00"), FlowStartTime: at("00:40"), FlowEndTime: at("00:40"), FlowType: "Azure NSG flows", VMName: "web01",
		VMIPAddress: "fd00::4", PublicIPs: []string{"2606:4700:4700::1111"}, SrcIP: "fd00::4", DestIP: "2606:4700:4700::1111",
		L4Protocol: "U", L7Protocol: "dns", DestPort: 53, FlowDirection: flows.Outbound, AllowedOutFlows: 2,
		AllExtIPs: "2606:4700:4700::1111", BytesSrcToDest: 60, BytesDestToSrc: 120},
	{TimeGenerated: at("02:00"), FlowStartTime: at("01:00"), FlowEndTime: at("01:00"), FlowType: "Sysmon", VMName: "web01",
		VMIPAddress: "127.0.0.1", SrcIP: "127.0.0.1", DestIP: "127.0.0.1", L4Protocol: "T", L7Protocol: "winrm", DestPort: 5985,
		FlowDirection: flows.Outbound, AllowedOutFlows: 1, AllExtIPs: "127.0.0.1"},
	{TimeGenerated: at("02:00"), FlowStartTime: at("01:20"), FlowEndTime: at("01:20"), FlowType: "M365 Defender for Endpoint", VMName: "web01",
		VMIPAddress: "10.1.0.4", SrcIP: "10.1.0.4", DestIP: "10.1.0.9", L4Protocol: "T", L7Protocol: "smb", DestPort: 445,
		FlowDirection: flows.Outbound, AllowedOutFlows: 1, AllExtIPs: "10.1.0.9"},
}

func TestOpenFile(t *testing.T) {
	for _, tc := range []struct{ file, bad string }{
		{"testdata/awkward.csv", `testdata/awkward.csv:7: column EventCount: value "many": not a count`},
		{"testdata/awkward.ndjson", `testdata/awkward.ndjson:6: column EventCount: value "many": not a count`},
	} {
		t.Run(tc.file, func(t *testing.T) {
			src, err := asimsession.OpenFile(tc.file)
			if err != nil {
				t.Fatal(err)
			}
			got, st := read(t, src, flows.Query{Host: "WEB01.contoso.com"})
			if d := cmp.Diff(web01Flows, got); d != "" {
				t.Errorf("flows (-want +got):\n%s", d)
			}
			if st.RowsRead != 8 || st.RowsKept != 5 || st.RowsSkipped != 1 || !st.HasBytes || len(st.Skipped) != 1 || st.Skipped[0] != tc.bad {
				t.Errorf("stats %+v", st)
			}
			if len(st.Warnings) != 1 || !strings.HasSuffix(st.Warnings[0], "1 records are not flows of the index: 1 denied, dropped or reset (DvcAction)") {
				t.Errorf("warnings %q", st.Warnings)
			}
			if p := provenance.Of(src); p.Name != "ASIM export" || p.Location != tc.file {
				t.Errorf("provenance %+v", p)
			}
		})
	}
}

func TestHostSide(t *testing.T) {
	src, err := asimsession.OpenFile("testdata/awkward.csv")
	if err != nil {
		t.Fatal(err)
	}
	type flow struct {
		dir       flows.Direction
		host, ext string
	}
	for _, tc := range []struct {
		q    flows.Query
		want []flow
	}{
		{flows.Query{IP: "10.1.0.4"}, []flow{{"O", "10.1.0.4", "93.184.216.34"}, {"I", "10.1.0.4", "203.0.113.9"}, {"O", "10.1.0.4", "10.1.0.9"}}},
		// db01 is the destination of the Defender session and the source of
		// the last one.
		{flows.Query{Host: "db01"}, []flow{{"I", "10.1.0.9", "10.1.0.4"}, {"O", "10.1.0.9", "52.96.10.1"}}},
		{flows.Query{IP: "fd00:0::4"}, []flow{{"O", "fd00::4", "2606:4700:4700::1111"}}},
	} {
		fl, _ := read(t, src, tc.q)
		var got []flow
		for _, f := range fl {
			got = append(got, flow{f.FlowDirection, f.VMIPAddress, f.AllExtIPs})
		}
		if d := cmp.Diff(tc.want, got, cmp.AllowUnexported(flow{})); d != "" {
			t.Errorf("%+v (-want +got):\n%s", tc.q, d)
		}
	}
}

func TestLogAnalyticsQueries(t *testing.T) {
	src, err := asimsession.LogAnalytics("ws", flowtablestest.Credential, nil)
	if err != nil {
		t.Fatal(err)
	}
	byIP := flows.Query{IP: "10.1.0.4", Start: day.Start, End: day.End}
	byIP6 := flows.Query{IP: "FD00::4", Start: day.Start, End: day.End}
	both := flows.Query{Host: "web01.contoso.com", IP: "10.1.0.4", Start: day.Start, End: day.End}
	for _, tc := range []struct {
		name string
		kql  func() (string, error)
		want []string
		not  []string
	}{
		{"flows by host", func() (string, error) { return src.FlowsKQL(day) }, []string{
			`_Im_NetworkSession(starttime=datetime(2024-05-01T00:00:00Z), endtime=datetime(2024-05-02T00:00:00Z), hostname_has_any=dynamic(["web01"]))`,
			"| where isnull(EventEndTime) or EventEndTime <= datetime(2024-05-02T00:00:00Z)",
			`SrcFQDN = column_ifexists("SrcFQDN", "")`,
			"| project TimeGenerated, EventStartTime, EventEndTime",
		}, []string{"ipaddr_has_any_prefix"}},
		{"index by IPv4", func() (string, error) { return src.FlowIndexKQL(byIP) }, []string{
			`_Im_NetworkSession(starttime=datetime(2024-05-01T00:00:00Z), endtime=datetime(2024-05-02T00:00:00Z), ipaddr_has_any_prefix=dynamic(["10.1.0.4"]))`,
			`HostIsSrc = (SrcIpAddr in ("10.1.0.4", "::ffff:10.1.0.4"))`,
			`| extend Outbound = case(HostIsSrc and not(HostIsDst), true, HostIsDst and not(HostIsSrc), false, NetworkDirection != "Inbound")`,
			`Denied = DvcAction in~ ("Deny", "Drop", "Drop ICMP", "Reset", "Reset Source", "Reset Destination")`,
			`DstPortNumber in (443), "https"`,
			"| where AllowedOutFlows > 0 or AllowedInFlows > 0",
			"by source, dest, L7Protocol, FlowDirection",
		}, []string{"hostname_has_any"}},
		{"index by IPv6: no prefix filter (IPv4 only in the parsers)", func() (string, error) { return src.FlowIndexKQL(byIP6) }, []string{
			"_Im_NetworkSession(starttime=datetime(2024-05-01T00:00:00Z), endtime=datetime(2024-05-02T00:00:00Z))\n",
			`ipv6_compare(SrcIpAddr, "fd00::4") == 0`,
		}, []string{"ipaddr_has_any_prefix"}},
		{"host and IP", func() (string, error) { return src.FlowIndexKQL(both) }, []string{
			`ipaddr_has_any_prefix=dynamic(["10.1.0.4"]), hostname_has_any=dynamic(["web01"])`,
			`(VMName =~ "web01.contoso.com" or tostring(split(VMName, ".")[0]) =~ "web01")`,
		}, nil},
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
		for _, w := range tc.not {
			if strings.Contains(kql, w) {
				t.Errorf("%s: query has %q:\n%s", tc.name, w, kql)
			}
		}
	}
}

func TestLogAnalyticsAgreesWithTheFile(t *testing.T) {
	w := flowtablestest.New(t, day, map[flowtables.Table]string{flowtables.ASIM: "testdata/awkward.ndjson"})
	src, err := asimsession.LogAnalytics(flowtablestest.WorkspaceID, flowtablestest.Credential, w.Options())
	if err != nil {
		t.Fatal(err)
	}
	got, st := read(t, src, day)
	if d := cmp.Diff(web01Flows, got); d != "" {
		t.Errorf("flows (-want +got):\n%s", d)
	}
	if st.RowsSkipped != 1 || !st.HasBytes {
		t.Errorf("stats %+v", st)
	}
	groups, _, err := src.FlowIndex(context.Background(), day)
	if err != nil {
		t.Fatal(err)
	}
	if len(groups) != len(web01Flows) {
		t.Errorf("%d groups, want %d", len(groups), len(web01Flows))
	}
	if p := provenance.Of(src); p.Name != "ASIM _Im_NetworkSession" {
		t.Errorf("provenance %+v", p)
	}
	if q := w.Queries(); len(q) != 2 || !strings.HasPrefix(q[0], "_Im_NetworkSession(starttime=") {
		t.Errorf("queries %q", q)
	}
}

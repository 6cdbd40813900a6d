package devicenetwork_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/gonotebooklets/notebooklets/providers/flows"
	"github.com/gonotebooklets/notebooklets/providers/flowtables"
	"github.com/gonotebooklets/notebooklets/providers/flowtables/devicenetwork"
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

func event(tm time.Time, dir flows.Direction, local, remote string, port int, l4, l7, remoteType string) flows.Flow {
	f := flows.Flow{TimeGenerated: tm, FlowStartTime: tm, FlowEndTime: tm, FlowType: remoteType, VMName: "web01", VMIPAddress: local,
		L4Protocol: l4, L7Protocol: l7, DestPort: port, FlowDirection: dir, AllExtIPs: remote}
	if dir == flows.Outbound {
		f.SrcIP, f.DestIP, f.AllowedOutFlows = local, remote, 1
	} else {
		f.SrcIP, f.DestIP, f.AllowedInFlows = remote, local, 1
	}
	if remoteType == "Public" && remote != "203.0.113.9" {
		f.PublicIPs = []string{remote}
	}
	return f
}

// web01Flows are web01's connection events in testdata/awkward.*: an
// IPv4-mapped local address, ConnectionFound in both directions (by port),
// an IPv6 link-local address with a zone, UDP.
var web01Flows = []flows.Flow{
	event(at("00:10").Add(123456700), flows.Outbound, "10.1.0.4", "93.184.216.34", 443, "T", "https", "Public"),
	event(at("00:20"), flows.Inbound, "10.1.0.4", "203.0.113.9", 3389, "T", "rdp", "Public"),
	event(at("00:30"), flows.Outbound, "10.1.0.4", "52.96.10.1", 443, "T", "https", "Public"),
	event(at("00:40"), flows.Inbound, "fe80::1", "2001:db8::99", 22, "T", "ssh", "Reserved"),
	event(at("01:10"), flows.Outbound, "10.1.0.4", "8.8.8.8", 53, "U", "dns", "Public"),
}

func TestOpenFile(t *testing.T) {
	for _, tc := range []struct{ file, bad string }{
		{"testdata/awkward.csv", `testdata/awkward.csv:8: column RemotePort: value "https": not a port number`},
		{"testdata/awkward.json", `testdata/awkward.json: element 7: column RemotePort: value "https": not a port number`},
	} {
		t.Run(tc.file, func(t *testing.T) {
			src, err := devicenetwork.OpenFile(tc.file)
			if err != nil {
				t.Fatal(err)
			}
			got, st := read(t, src, flows.Query{Host: "web01"})
			if d := cmp.Diff(web01Flows, got); d != "" {
				t.Errorf("flows (-want +got):\n%s", d)
			}
			if st.RowsRead != 10 || st.RowsKept != 5 || st.RowsSkipped != 1 || st.HasBytes || len(st.Skipped) != 1 || st.Skipped[0] != tc.bad {
				t.Errorf("stats %+v", st)
			}
			want := "3 records are not flows of the index: 1 (empty ActionType) (not a connection), 1 HttpConnectionInspected (not a connection), 1 ListeningConnectionCreated (not a connection)"
			if len(st.Warnings) != 1 || !strings.HasSuffix(st.Warnings[0], want) {
				t.Errorf("warnings %q", st.Warnings)
			}
			if p := provenance.Of(src); p.Name != "DeviceNetworkEvents export" {
				t.Errorf("provenance %+v", p)
			}
		})
	}
	if got, _ := read(t, mustOpen(t, "testdata/awkward.csv"), flows.Query{IP: "::ffff:10.1.0.9"}); len(got) != 1 || got[0].VMName != "db01" {
		t.Errorf("by IPv4-mapped address: %+v", got)
	}
}

func mustOpen(t *testing.T, path string) flows.Source {
	t.Helper()
	src, err := devicenetwork.OpenFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return src
}

func TestLogAnalyticsQueries(t *testing.T) {
	src, err := devicenetwork.LogAnalytics("ws", flowtablestest.Credential, nil)
	if err != nil {
		t.Fatal(err)
	}
	byIP := flows.Query{IP: "10.1.0.4", Start: day.Start, End: day.End}
	fqdn := flows.Query{Host: "web01.contoso.com", Start: day.Start, End: day.End}
	for _, tc := range []struct {
		name string
		kql  func() (string, error)
		want []string
	}{
		{"flows by host", func() (string, error) { return src.FlowsKQL(fqdn) }, []string{
			"DeviceNetworkEvents\n| where TimeGenerated between (datetime(2024-05-01T00:00:00Z) .. datetime(2024-05-02T00:00:00Z))",
			`| where ActionType in ("ConnectionSuccess", "ConnectionFailed", "ConnectionRequest", "InboundConnectionAccepted", "ConnectionFound")`,
			`| where DeviceName has "web01"`,
			`| where (DeviceName =~ "web01.contoso.com" or tostring(split(DeviceName, ".")[0]) =~ "web01")`,
			"| project TimeGenerated, DeviceName, ActionType, LocalIP, LocalPort, RemoteIP, RemotePort, Protocol, RemoteIPType",
		}},
		{"index by IP", func() (string, error) { return src.FlowIndexKQL(byIP) }, []string{
			`| where LocalIP in ("10.1.0.4", "::ffff:10.1.0.4") or RemoteIP in ("10.1.0.4", "::ffff:10.1.0.4")`,
			`ActionType == "ConnectionFound" and tolong(LocalPort) < tolong(RemotePort), false, true)`,
			"DestPort = iif(Outbound, RemotePort, LocalPort)",
			`DestPort in (3389), "rdp"`,
			"BytesSrcToDest = long(null)",
			"by source, dest, L7Protocol, FlowDirection",
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
}

func TestLogAnalyticsAgreesWithTheFile(t *testing.T) {
	w := flowtablestest.New(t, day, map[flowtables.Table]string{flowtables.DeviceNetworkEvents: "testdata/awkward.json"})
	src, err := devicenetwork.LogAnalytics(flowtablestest.WorkspaceID, flowtablestest.Credential, w.Options())
	if err != nil {
		t.Fatal(err)
	}
	got, st := read(t, src, day)
	if d := cmp.Diff(web01Flows, got); d != "" {
		t.Errorf("flows (-want +got):\n%s", d)
	}
	if st.RowsSkipped != 1 || st.HasBytes {
		t.Errorf("stats %+v", st)
	}
	groups, gst, err := src.FlowIndex(context.Background(), day)
	if err != nil {
		t.Fatal(err)
	}
	if len(groups) != 5 || gst.HasBytes {
		t.Errorf("groups %+v, stats %+v", groups, gst)
	}
}

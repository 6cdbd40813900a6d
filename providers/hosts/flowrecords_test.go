package hosts

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func TestFlowTableRecords(t *testing.T) {
	at := func(s string) time.Time {
		tm, err := time.Parse(time.RFC3339, s)
		if err != nil {
			t.Fatal(err)
		}
		return tm
	}
	tests := []struct {
		name, file, value string
		want              Host
	}{
		{"VNet flow record, source side", "testdata/ntanetanalytics.csv", "WEB01", Host{
			Name: "web01", PrivateIPs: []string{"10.1.0.4"}, PublicIPs: []string{"52.160.1.10"}, Environment: "Azure",
			SubscriptionID: "sub1", ResourceGroup: "rg1", Region: "westus", MACAddress: "00-0D-3A-00-00-04",
			LastSeen: at("2024-05-01T02:05:00Z"), Sources: []string{"NTANetAnalytics"},
		}},
		{"VNet flow record, the other side", "testdata/ntanetanalytics.csv", "10.1.0.9", Host{
			Name: "db01", PrivateIPs: []string{"10.1.0.9"}, Environment: "Azure", SubscriptionID: "sub2", ResourceGroup: "rg2",
			Region: "eastus", LastSeen: at("2024-05-01T01:05:00Z"), Sources: []string{"NTANetAnalytics"},
		}},
		{"Defender device records", "testdata/defender.ndjson", "web01.contoso.com", Host{
			Name: "web01", FQDN: "web01.contoso.com", PrivateIPs: []string{"10.1.0.4", "fe80::1c2a:3b4c"}, PublicIPs: []string{"52.160.1.10"},
			OSType: "Windows", OSName: "WindowsServer2019", OSVersion: "10.0", MACAddress: "00-0D-3A-00-00-04", DeviceID: "d1",
			LastSeen: at("2024-05-01T00:11:00Z"), Sources: []string{"DeviceInfo", "DeviceNetworkInfo", "DeviceNetworkEvents"},
		}},
		{"Defender connection event", "testdata/defender.ndjson", "10.1.0.9", Host{
			Name: "db01", PrivateIPs: []string{"10.1.0.9"}, DeviceID: "d2", LastSeen: at("2024-05-01T00:12:00Z"), Sources: []string{"DeviceNetworkEvents"},
		}},
		{"ASIM sessions", "testdata/asim.ndjson", "web01", Host{
			Name: "web01", FQDN: "web01.contoso.com", PrivateIPs: []string{"10.1.0.4"}, LastSeen: at("2024-05-01T00:20:00Z"), Sources: []string{"ASIM"},
		}},
		{"ASIM reporting device", "testdata/asim.ndjson", "10.1.0.1", Host{
			Name: "fw01", PrivateIPs: []string{"10.1.0.1"}, LastSeen: at("2024-05-01T00:20:00Z"), Sources: []string{"ASIM"},
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			tab, err := OpenFile(tc.file)
			if err != nil {
				t.Fatal(err)
			}
			got, err := tab.Resolve(context.Background(), tc.value)
			if err != nil {
				t.Fatal(err)
			}
			if d := cmp.Diff(tc.want, got); d != "" {
				t.Errorf("Resolve(%q) (-want +got):\n%s", tc.value, d)
			}
		})
	}
	tab, err := OpenFile("testdata/asim.ndjson")
	if err != nil {
		t.Fatal(err)
	}
	for _, h := range tab.Hosts() {
		if h.Name == "52.96.10.1" {
			t.Errorf("an address taken as a host name: %+v", h)
		}
	}
}

func TestKQLFlowTables(t *testing.T) {
	byName, err := KQL("web01.contoso.com")
	if err != nil {
		t.Fatal(err)
	}
	for _, w := range []string{
		`(NTANetAnalytics | where SubType == "FlowLog" | where SrcVm has "web01" or DestVm has "web01" | top 1 by TimeGenerated desc nulls last)`,
		`(DeviceInfo | where DeviceName has "web01" |`, `(DeviceNetworkInfo | where DeviceName has "web01" |`,
		`(DeviceNetworkEvents | where DeviceName has "web01" |`, `(Heartbeat | where Computer has "web01.contoso.com"`,
	} {
		if !strings.Contains(byName, w) {
			t.Errorf("query by name lacks %q:\n%s", w, byName)
		}
	}
	byIP, err := KQL("::ffff:10.1.0.4")
	if err != nil {
		t.Fatal(err)
	}
	for _, w := range []string{
		`where SrcIp == "10.1.0.4" or DestIp == "10.1.0.4"`, `(DeviceNetworkInfo | where IPAddresses has "10.1.0.4"`,
		`(DeviceInfo | where PublicIP == "10.1.0.4"`, `(DeviceNetworkEvents | where LocalIP in ("10.1.0.4", "::ffff:10.1.0.4")`,
	} {
		if !strings.Contains(byIP, w) {
			t.Errorf("query by address lacks %q:\n%s", w, byIP)
		}
	}
}

func TestLogAnalyticsResolverDefender(t *testing.T) {
	body := `{"tables":[{"name":"PrimaryResult","columns":[
 {"name":"Type","type":"string"},{"name":"TimeGenerated","type":"datetime"},{"name":"DeviceName","type":"string"},
 {"name":"DeviceId","type":"string"},{"name":"OSPlatform","type":"string"},{"name":"PublicIP","type":"string"},
 {"name":"SrcVm","type":"string"},{"name":"SrcIp","type":"string"},{"name":"DestVm","type":"string"},{"name":"DestIp","type":"string"},{"name":"FlowDirection","type":"string"}],
 "rows":[
 ["DeviceInfo","2019-02-16T23:50:00Z","msticalertswin1.contoso.local","d9","Windows10","40.124.45.19",null,null,null,null,null],
 ["NTANetAnalytics","2019-02-16T23:00:00Z",null,null,null,null,"rg1/msticalertswin1","10.0.3.5","rg1/other","10.0.3.9","O"]]}]}`
	f, r := newResolver(t, 200, body)
	h, err := r.Resolve(context.Background(), "msticalertswin1")
	if err != nil {
		t.Fatal(err)
	}
	want := Host{Name: "msticalertswin1", FQDN: "msticalertswin1.contoso.local", PrivateIPs: []string{"10.0.3.5"}, PublicIPs: []string{"40.124.45.19"},
		OSType: "Windows", OSName: "Windows10", Environment: "Azure", ResourceGroup: "rg1", DeviceID: "d9",
		LastSeen: time.Date(2019, 2, 16, 23, 50, 0, 0, time.UTC), Sources: []string{"DeviceInfo", "NTANetAnalytics"}}
	if d := cmp.Diff(want, h); d != "" {
		t.Errorf("host (-want +got):\n%s", d)
	}
	if !strings.Contains(f.queries[0], "DeviceInfo | where DeviceName has") {
		t.Errorf("query:\n%s", f.queries[0])
	}
}

package tablerows

import (
	"strings"
	"testing"
	"time"

	"github.com/gonotebooklets/notebooklets/providers/flows"
)

func TestParseTime(t *testing.T) {
	want := time.Date(2024, 5, 1, 13, 4, 5, 0, time.UTC)
	for _, s := range []string{"2024-05-01T13:04:05Z", "2024-05-01T15:04:05+02:00", "2024-05-01T13:04:05", "2024-05-01 13:04:05",
		"5/1/2024, 1:04:05.000 PM", "5/1/2024, 1:04:05 PM", "5/1/2024 1:04:05 PM", "5/1/2024 13:04:05", " 2024-05-01T13:04:05.000Z "} {
		got, ok := ParseTime(s)
		if !ok || !got.Equal(want) {
			t.Errorf("ParseTime(%q) = %v, %v", s, got, ok)
		}
	}
	for _, s := range []string{"", "yesterday", "2024-13-01T00:00:00Z", "5/1/2024"} {
		if _, ok := ParseTime(s); ok {
			t.Errorf("ParseTime(%q) accepted", s)
		}
	}
}

func TestParseInt(t *testing.T) {
	for s, want := range map[string]int64{"": 0, "12": 12, " 12 ": 12, "12.0": 12, "-3": -3, "1e3": 1000} {
		if got, ok := ParseInt(s); !ok || got != want {
			t.Errorf("ParseInt(%q) = %d, %v", s, got, ok)
		}
	}
	for _, s := range []string{"1.5", "many", "1e300", "NaN"} {
		if _, ok := ParseInt(s); ok {
			t.Errorf("ParseInt(%q) accepted", s)
		}
	}
}

func TestNames(t *testing.T) {
	for in, want := range map[string]string{"T": "T", "tcp": "T", "TcpV6": "T", "U": "U", "Udp": "U", "icmp": "ICMP", "": ""} {
		if got := L4(in); got != want {
			t.Errorf("L4(%q) = %q, want %q", in, got, want)
		}
	}
	for port, want := range map[int]string{443: "https", 53: "dns", 3389: "rdp", 1433: "mssql", 8443: UnknownProtocol, 0: UnknownProtocol} {
		if got := AppProtocol(port); got != want {
			t.Errorf("AppProtocol(%d) = %q, want %q", port, got, want)
		}
	}
	for _, tc := range []struct {
		name, host string
		want       bool
	}{
		{"web01", "WEB01", true}, {"web01.contoso.com", "web01", true}, {"web01", "web01.contoso.com", true},
		{"web01.a.com", "web01.b.com", true}, {"web010", "web01", false}, {"", "web01", false}, {"web01", "", false},
	} {
		if got := HostMatches(tc.name, tc.host); got != tc.want {
			t.Errorf("HostMatches(%q, %q) = %v", tc.name, tc.host, got)
		}
	}
	for in, want := range map[string]string{"rg/vm1": "vm1", "sub/rg/vm1": "vm1", "vm1": "vm1", "rg/vm1/": "vm1", "": ""} {
		if got := LastSegment(in); got != want {
			t.Errorf("LastSegment(%q) = %q", in, got)
		}
	}
	for in, want := range map[string]string{" ::ffff:10.0.0.1 ": "10.0.0.1", "fe80::1%eth0": "fe80::1", "2001:DB8:0:0::1": "2001:db8::1", "not an ip": "not an ip", "": ""} {
		if got := Addr(in); got != want {
			t.Errorf("Addr(%q) = %q, want %q", in, got, want)
		}
	}
	if got := Normalize("\ufeff FlowStartTime [UTC] "); got != "flowstarttime" {
		t.Errorf("Normalize = %q", got)
	}
	if got := Score([]string{"SrcVm", "srcvm", "DestVM [x]", "Other"}, "SrcVm", "DestVm"); got != 2 {
		t.Errorf("Score = %d", got)
	}
	if got := List(`["a","b"]`); len(got) != 2 {
		t.Errorf("List(JSON) = %q", got)
	}
	if got := List(" a  b,c "); strings.Join(got, "|") != "a|b|c" {
		t.Errorf("List(text) = %q", got)
	}
}

func TestCheck(t *testing.T) {
	start := time.Date(2024, 5, 1, 0, 0, 0, 0, time.UTC)
	end := start.Add(time.Hour)
	for _, tc := range []struct {
		q    flows.Query
		want Target
		err  string
	}{
		{flows.Query{Host: "web01.contoso.com", Start: start, End: end}, Target{Host: "web01.contoso.com", Short: "web01", Start: start, End: end}, ""},
		{flows.Query{IP: "::ffff:10.0.0.1", Start: start, End: end}, Target{IP: "10.0.0.1", Start: start, End: end}, ""},
		{flows.Query{IP: "2001:DB8::1", Start: start, End: end}, Target{IP: "2001:db8::1", IPv6: true, Start: start, End: end}, ""},
		{flows.Query{Host: "web01", Start: end, End: start}, Target{}, "is not after start"},
		{flows.Query{Host: "web01"}, Target{}, "needs a start and an end"},
		{flows.Query{Start: start, End: end}, Target{}, "needs a host name or an IP address"},
		{flows.Query{Host: `a"b`, Start: start, End: end}, Target{}, "is not a host name"},
		{flows.Query{Host: "a b", Start: start, End: end}, Target{}, "is not a host name"},
		{flows.Query{Host: strings.Repeat("a", 256), Start: start, End: end}, Target{}, "is not a host name"},
		{flows.Query{IP: "10.0.0.256", Start: start, End: end}, Target{}, "is not an IP address"},
	} {
		got, err := Check(tc.q)
		if tc.err != "" {
			if err == nil || !strings.Contains(err.Error(), tc.err) {
				t.Errorf("Check(%+v) = %v, want %q", tc.q, err, tc.err)
			}
			continue
		}
		if err != nil || got != tc.want {
			t.Errorf("Check(%+v) = %+v, %v", tc.q, got, err)
		}
	}
}

func TestKQLConditions(t *testing.T) {
	for _, tc := range []struct{ got, want string }{
		{IPEquals("SrcIp", "10.0.0.1", false), `SrcIp == "10.0.0.1"`},
		{IPEquals("LocalIP", "10.0.0.1", true), `LocalIP in ("10.0.0.1", "::ffff:10.0.0.1")`},
		{IPEquals("SrcIp", "2001:db8::1", true), `ipv6_compare(SrcIp, "2001:db8::1") == 0`},
		{HostEquals("VMName", Target{Host: "web01", Short: "web01"}), `(VMName =~ "web01" or tostring(split(VMName, ".")[0]) =~ "web01")`},
		{Time(time.Date(2024, 5, 1, 0, 0, 0, 5e8, time.FixedZone("x", 3600))), "datetime(2024-04-30T23:00:00.5Z)"},
		{Quote(`a"b\c`), `"a\"b\\c"`},
	} {
		if tc.got != tc.want {
			t.Errorf("got %s, want %s", tc.got, tc.want)
		}
	}
	k := AppProtocolKQL("P")
	if !strings.HasPrefix(k, "case(P in (67, 68), \"dhcp\", ") || !strings.HasSuffix(k, `"unknown")`) || !strings.Contains(k, `P in (443), "https"`) {
		t.Errorf("AppProtocolKQL = %s", k)
	}
}

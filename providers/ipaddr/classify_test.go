package ipaddr

import (
	"net/netip"
	"testing"
)

// Expected values follow CPython 3.13+ ipaddress (IANA special-purpose
// registries, IPv4-mapped addresses classified as their IPv4 address) run
// through msticpy's get_ip_type precedence.
var typeCases = []struct {
	in   string
	want Type
}{
	// IPv4 public
	{"8.8.8.8", Public},
	{"13.107.4.50", Public},
	{"40.124.45.19", Public},
	{"1.1.1.1", Public},
	{"223.255.255.255", Public},
	{"100.63.255.255", Public},
	{"100.128.0.0", Public},
	{"172.15.255.255", Public},
	{"172.32.0.0", Public},
	{"192.0.0.9", Public},  // private exception (PCP anycast)
	{"192.0.0.10", Public}, // private exception (TURN anycast)
	{"192.0.1.1", Public},
	{"192.88.99.1", Public}, // 6to4 relay anycast: not in the table
	{"198.17.255.255", Public},
	{"198.20.0.0", Public},
	// IPv4 multicast (before anything else)
	{"224.0.0.1", Multicast},
	{"239.255.255.250", Multicast},
	// IPv4 loopback, link local, unspecified (loopback/link local are also private)
	{"127.0.0.1", Loopback},
	{"127.255.255.254", Loopback},
	{"169.254.169.254", LinkLocal},
	{"0.0.0.0", Unspecified},
	// IPv4 private (RFC 1918 and the other not-globally-reachable blocks)
	{"10.0.3.5", Private},
	{"172.16.0.1", Private},
	{"172.31.255.255", Private},
	{"192.168.1.1", Private},
	{"0.1.2.3", Private},
	{"192.0.0.1", Private},
	{"192.0.0.8", Private},
	{"192.0.0.11", Private},
	{"192.0.0.170", Private},
	{"192.0.0.171", Private},
	{"192.0.2.1", Private},
	{"198.18.0.1", Private},
	{"198.19.255.255", Private},
	{"198.51.100.7", Private},
	{"203.0.113.9", Private},
	{"240.0.0.1", Private}, // reserved too, but private comes first
	{"255.255.255.254", Private},
	{"255.255.255.255", Private},
	// 100.64/10: neither global nor private → msticpy's fall-through
	{"100.64.0.1", Unspecified},
	{"100.127.255.255", Unspecified},
	// IPv6
	{"2001:4860:4860::8888", Public},
	{"2a01:111:f400::1", Public},
	{"2606:4700::1111", Public},
	{"ff02::1", Multicast},
	{"ff05::1:3", Multicast},
	{"::1", Loopback},
	{"fe80::1", LinkLocal},
	{"fe80::1%eth0", LinkLocal},
	{"febf::1", LinkLocal},
	{"::", Unspecified},
	{"fc00::1", Private},
	{"fd12:3456:789a::1", Private},
	{"2001:db8::1", Private},
	{"2001::1", Private}, // TEREDO 2001::/32 inside 2001::/23
	{"2001:2::1", Private},
	{"2001:10::1", Private},
	{"2001:1::1", Public}, // exceptions in 2001::/23
	{"2001:1::2", Public},
	{"2001:1::3", Private},
	{"2001:3::1", Public},
	{"2001:4:112::1", Public},
	{"2001:20::1", Public},
	{"2001:30::1", Public},
	{"2002:c000:204::1", Private},
	{"3fff::1", Private},
	{"3fff:1000::1", Public},
	{"64:ff9b:1::1", Private},
	{"64:ff9b::808:808", Public}, // NAT64 well-known prefix is global
	{"100::1", Private},
	{"100:0:0:1::1", Public}, // outside 100::/64: reserved but global → Public
	{"fec0::1", Public},      // deprecated site-local: global in Python
	{"fe00::1", Public},      // reserved but not private → Public
	{"::2", Public},
	{"::1.2.3.4", Public}, // IPv4-compatible (deprecated), not mapped
	// IPv4-mapped IPv6: as the IPv4 address
	{"::ffff:8.8.8.8", Public},
	{"::ffff:10.0.3.5", Private},
	{"::ffff:127.0.0.1", Loopback},
	{"::ffff:169.254.1.1", LinkLocal},
	{"::ffff:0.0.0.0", Unspecified},
	{"::ffff:224.0.0.1", Multicast},
	{"::ffff:100.64.0.1", Unspecified},
	{"::ffff:192.0.0.9", Public},
	{"::ffff:c0a8:101", Private},
	// invalid
	{"", Invalid},
	{"not-an-ip", Invalid},
	{"1.2.3", Invalid},
	{"1.2.3.256", Invalid},
	{"010.1.1.1", Invalid}, // leading zeros rejected, as Python ≥3.9.5
	{" 8.8.8.8", Invalid},
	{"8.8.8.8/32", Invalid},
	{"2001:db8::g", Invalid},
	{"1:2:3:4:5:6:7:8:9", Invalid},
}

func TestTypeOf(t *testing.T) {
	for _, tt := range typeCases {
		if got := TypeOf(tt.in); got != tt.want {
			t.Errorf("TypeOf(%q) = %q, want %q", tt.in, got, tt.want)
		}
		if got, want := IsPublic(tt.in), tt.want == Public; got != want {
			t.Errorf("IsPublic(%q) = %v, want %v", tt.in, got, want)
		}
		if a, ok := Parse(tt.in); ok {
			if got := Classify(a); got != tt.want {
				t.Errorf("Classify(%s) = %q, want %q", a, got, tt.want)
			}
			if got, want := IsPublicAddr(a), tt.want == Public; got != want {
				t.Errorf("IsPublicAddr(%s) = %v", a, got)
			}
		} else if tt.want != Invalid {
			t.Errorf("Parse(%q) failed", tt.in)
		}
	}
}

func TestClassifyZero(t *testing.T) {
	if got := Classify(netip.Addr{}); got != Invalid {
		t.Errorf("Classify(zero) = %q", got)
	}
}

func FuzzTypeOf(f *testing.F) {
	for _, tt := range typeCases {
		f.Add(tt.in)
	}
	f.Fuzz(func(t *testing.T, s string) {
		typ := TypeOf(s)
		if _, ok := Parse(s); ok == (typ == Invalid) {
			t.Fatalf("TypeOf(%q) = %q but Parse ok = %v", s, typ, ok)
		}
	})
}

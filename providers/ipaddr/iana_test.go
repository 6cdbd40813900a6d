package ipaddr

import (
	"net/netip"
	"testing"
)

// The IANA special-purpose address registries, every entry
// (https://www.iana.org/assignments/iana-ipv4-special-registry,
// https://www.iana.org/assignments/iana-ipv6-special-registry), with the
// registry's "Globally Reachable" column and what Python's ipaddress
// (CPython 3.13, the tables msticpy's get_ip_type reads) makes of the
// block. The classifier follows Python where the two differ; each such
// entry says why.
var ianaSpecial = []struct {
	block     string
	name      string
	reachable string // the registry's Globally Reachable: "True", "False", "N/A"
	want      Type   // for every address of the block (see the exceptions)
	why       string // when want differs from the registry
}{
	// IPv4
	{"0.0.0.0/8", `"This network"`, "False", Private, ""},
	{"0.0.0.0/32", `"This host on this network"`, "False", Unspecified, ""},
	{"10.0.0.0/8", "Private-Use", "False", Private, ""},
	{"100.64.0.0/10", "Shared Address Space", "False", Unspecified, "neither private nor global in Python: msticpy's fall-through type"},
	{"127.0.0.0/8", "Loopback", "False", Loopback, ""},
	{"169.254.0.0/16", "Link Local", "False", LinkLocal, ""},
	{"172.16.0.0/12", "Private-Use", "False", Private, ""},
	{"192.0.0.0/29", "IPv4 Service Continuity Prefix", "False", Private, ""},
	{"192.0.0.8/32", "IPv4 dummy address", "False", Private, ""},
	{"192.0.0.9/32", "Port Control Protocol Anycast", "True", Public, ""},
	{"192.0.0.10/32", "Traversal Using Relays around NAT Anycast", "True", Public, ""},
	{"192.0.0.170/31", "NAT64/DNS64 Discovery", "False", Private, ""},
	{"192.0.2.0/24", "Documentation (TEST-NET-1)", "False", Private, ""},
	{"192.31.196.0/24", "AS112-v4", "True", Public, ""},
	{"192.52.193.0/24", "AMT", "True", Public, ""},
	{"192.88.99.0/24", "Deprecated (6to4 Relay Anycast)", "N/A", Public, ""},
	{"192.168.0.0/16", "Private-Use", "False", Private, ""},
	{"192.175.48.0/24", "Direct Delegation AS112 Service", "True", Public, ""},
	{"198.18.0.0/15", "Benchmarking", "False", Private, ""},
	{"198.51.100.0/24", "Documentation (TEST-NET-2)", "False", Private, ""},
	{"203.0.113.0/24", "Documentation (TEST-NET-3)", "False", Private, ""},
	{"240.0.0.0/4", "Reserved", "False", Private, "Python's is_private comes before is_reserved in msticpy's order"},
	{"255.255.255.255/32", "Limited Broadcast", "False", Private, ""},
	// IPv6
	{"::1/128", "Loopback Address", "False", Loopback, ""},
	{"::/128", "Unspecified Address", "False", Unspecified, ""},
	{"::ffff:0:0/96", "IPv4-mapped Address", "N/A", Unspecified, "classified as the IPv4 address it maps (here ::ffff:0.0.0.0 and the rest of 0.0.0.0/8); see TestIANAMappedFollowsIPv4"},
	{"64:ff9b::/96", "IPv4-IPv6 Translat.", "True", Public, ""},
	{"64:ff9b:1::/48", "IPv4-IPv6 Translat.", "False", Private, ""},
	{"100::/64", "Discard-Only Address Block", "False", Private, ""},
	{"100:0:0:1::/64", "Dummy IPv6 Prefix", "False", Public, "registered in 2025, after Python 3.13's table: msticpy calls it public"},
	{"2001::/23", "IETF Protocol Assignments", "False", Private, "but for the globally reachable blocks inside it, below"},
	{"2001::/32", "TEREDO", "N/A", Private, "inside 2001::/23"},
	{"2001:1::1/128", "Port Control Protocol Anycast", "True", Public, ""},
	{"2001:1::2/128", "Traversal Using Relays around NAT Anycast", "True", Public, ""},
	{"2001:1::3/128", "DNS-SD Service Registration Protocol Anycast", "True", Private, "registered in 2024, after Python 3.13's exceptions: inside 2001::/23"},
	{"2001:2::/48", "Benchmarking", "False", Private, ""},
	{"2001:3::/32", "AMT", "True", Public, ""},
	{"2001:4:112::/48", "AS112-v6", "True", Public, ""},
	{"2001:10::/28", "Deprecated (previously ORCHID)", "False", Private, ""},
	{"2001:20::/28", "ORCHIDv2", "True", Public, ""},
	{"2001:30::/28", "Drone Remote ID Protocol Entity Tags (DETs) Prefix", "True", Public, ""},
	{"2001:db8::/32", "Documentation", "False", Private, ""},
	{"2002::/16", "6to4", "N/A", Private, "Python counts 6to4 as not global"},
	{"2620:4f:8000::/48", "Direct Delegation AS112 Service", "True", Public, ""},
	{"3fff::/20", "Documentation", "False", Private, ""},
	{"5f00::/16", "Segment Routing (SRv6) SIDs", "False", Public, "registered in 2024, after Python 3.13's table: msticpy calls it public"},
	{"fc00::/7", "Unique-Local", "False", Private, ""},
	{"fe80::/10", "Link-Local Unicast", "False", LinkLocal, ""},
}

// lastAddr returns the last address of p.
func lastAddr(p netip.Prefix) netip.Addr {
	b := p.Masked().Addr().AsSlice()
	bits := p.Bits()
	for i := range b {
		for j := 0; j < 8; j++ {
			if i*8+j >= bits {
				b[i] |= 0x80 >> j
			}
		}
	}
	a, _ := netip.AddrFromSlice(b)
	return a
}

// TestIANASpecialPurpose checks the first, second and last address of every
// special-purpose block; blocks with a more specific entry of their own
// are checked where that entry does not apply.
func TestIANASpecialPurpose(t *testing.T) {
	// Addresses whose type a more specific entry (or an edge of the
	// block) decides, not the block itself.
	overridden := map[string]Type{
		"0.0.0.0": Unspecified, "127.0.0.1": Loopback,
		"192.0.0.9": Public, "192.0.0.10": Public,
		"::": Unspecified, "::ffff:0.0.0.0": Unspecified, "::ffff:0.0.0.1": Private, "::ffff:255.255.255.255": Private,
		"2001:1::1": Public, "2001:1::2": Public,
		"fe80::": LinkLocal,
	}
	for _, e := range ianaSpecial {
		p := netip.MustParsePrefix(e.block)
		first := p.Masked().Addr()
		for _, a := range []netip.Addr{first, first.Next(), lastAddr(p)} {
			if !p.Contains(a) {
				continue
			}
			want := e.want
			if w, ok := overridden[a.String()]; ok {
				want = w
			}
			if got := Classify(a); got != want {
				t.Errorf("%s in %s (%s, globally reachable %s) = %s, want %s %s", a, e.block, e.name, e.reachable, got, want, e.why)
			}
			if IsPublicAddr(a) != (want == Public) {
				t.Errorf("IsPublicAddr(%s) = %v, want %v", a, IsPublicAddr(a), want == Public)
			}
		}
		// Where Python follows the registry, Public is exactly "globally
		// reachable".
		if e.why == "" && e.reachable != "N/A" {
			if (e.want == Public) != (e.reachable == "True") {
				t.Errorf("%s: the table says %s but the registry's globally reachable is %s, with no reason given", e.block, e.want, e.reachable)
			}
		}
	}
}

// IPv4-mapped addresses are classified as the IPv4 address they map.
func TestIANAMappedFollowsIPv4(t *testing.T) {
	for _, e := range ianaSpecial {
		p := netip.MustParsePrefix(e.block)
		if !p.Addr().Is4() {
			continue
		}
		for _, a := range []netip.Addr{p.Masked().Addr(), lastAddr(p)} {
			m := netip.AddrFrom16(a.As16())
			if Classify(m) != Classify(a) {
				t.Errorf("%s = %s, but %s = %s", m, Classify(m), a, Classify(a))
			}
		}
	}
}

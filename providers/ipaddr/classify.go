package ipaddr

import (
	"net/netip"
	"strings"
)

// The special-purpose tables of Python's ipaddress module (CPython 3.13+,
// which follows the IANA special-purpose registries), used by msticpy's
// get_ip_type through the is_* properties.
var (
	v4Multicast   = netip.MustParsePrefix("224.0.0.0/4")
	v4Shared      = netip.MustParsePrefix("100.64.0.0/10") // neither private nor global
	v4Loopback    = netip.MustParsePrefix("127.0.0.0/8")
	v4LinkLocal   = netip.MustParsePrefix("169.254.0.0/16")
	v4Reserved    = netip.MustParsePrefix("240.0.0.0/4")
	v4Unspecified = netip.MustParseAddr("0.0.0.0")

	v4Private = prefixes(
		"0.0.0.0/8", "10.0.0.0/8", "127.0.0.0/8", "169.254.0.0/16",
		"172.16.0.0/12", "192.0.0.0/24", "192.0.0.170/31", "192.0.2.0/24",
		"192.168.0.0/16", "198.18.0.0/15", "198.51.100.0/24",
		"203.0.113.0/24", "240.0.0.0/4", "255.255.255.255/32",
	)
	v4PrivateExceptions = prefixes("192.0.0.9/32", "192.0.0.10/32")

	v6Multicast = netip.MustParsePrefix("ff00::/8")
	v6LinkLocal = netip.MustParsePrefix("fe80::/10")
	v6Private   = prefixes(
		"::1/128", "::/128", "::ffff:0:0/96", "64:ff9b:1::/48", "100::/64",
		"2001::/23", "2001:db8::/32", "2002::/16", "3fff::/20", "fc00::/7",
		"fe80::/10",
	)
	v6PrivateExceptions = prefixes(
		"2001:1::1/128", "2001:1::2/128", "2001:3::/32", "2001:4:112::/48",
		"2001:20::/28", "2001:30::/28",
	)
	v6Reserved = prefixes(
		"::/8", "100::/8", "200::/7", "400::/6", "800::/5", "1000::/4",
		"4000::/3", "6000::/3", "8000::/3", "a000::/3", "c000::/3",
		"e000::/4", "f000::/5", "f800::/6", "fe00::/9",
	)
)

func prefixes(ss ...string) []netip.Prefix {
	out := make([]netip.Prefix, len(ss))
	for i, s := range ss {
		out[i] = netip.MustParsePrefix(s)
	}
	return out
}

func inAny(a netip.Addr, ps []netip.Prefix) bool {
	for _, p := range ps {
		if p.Contains(a) {
			return true
		}
	}
	return false
}

// Parse parses an IP address the way Python's ipaddress.ip_address does for
// the strings msticpy sees: dotted-quad IPv4 (no leading zeros), IPv6 with an
// optional %zone. Surrounding whitespace is not accepted, as in Python.
func Parse(s string) (netip.Addr, bool) {
	if s == "" || strings.TrimSpace(s) != s {
		return netip.Addr{}, false
	}
	a, err := netip.ParseAddr(s)
	if err != nil {
		return netip.Addr{}, false
	}
	return a.WithZone(""), true
}

// TypeOf classifies the IP address in s as msticpy's get_ip_type does:
// Multicast, Public, Loopback, Link Local, Unspecified, Private, Reserved,
// tested in that order with Python's ipaddress properties; an address none of
// them claims (100.64.0.0/10, shared address space) is Unspecified, as in
// msticpy. A string that is not an IP address is Invalid (msticpy prints a
// message and says Unspecified).
func TypeOf(s string) Type {
	a, ok := Parse(s)
	if !ok {
		return Invalid
	}
	return Classify(a)
}

// Classify is TypeOf for a parsed address. IPv4-mapped IPv6 addresses
// (::ffff:a.b.c.d) are classified as their IPv4 address, as Python does.
func Classify(a netip.Addr) Type {
	if !a.IsValid() {
		return Invalid
	}
	a = a.WithZone("")
	if a.Is4In6() {
		a = a.Unmap()
	}
	if a.Is4() {
		private := inAny(a, v4Private) && !inAny(a, v4PrivateExceptions)
		switch {
		case v4Multicast.Contains(a):
			return Multicast
		case !v4Shared.Contains(a) && !private:
			return Public
		case v4Loopback.Contains(a):
			return Loopback
		case v4LinkLocal.Contains(a):
			return LinkLocal
		case a == v4Unspecified:
			return Unspecified
		case private:
			return Private
		case v4Reserved.Contains(a):
			return Reserved
		}
		return Unspecified
	}
	private := inAny(a, v6Private) && !inAny(a, v6PrivateExceptions)
	switch {
	case v6Multicast.Contains(a):
		return Multicast
	case !private:
		return Public
	case a == netip.IPv6Loopback():
		return Loopback
	case v6LinkLocal.Contains(a):
		return LinkLocal
	case a == netip.IPv6Unspecified():
		return Unspecified
	case private:
		return Private
	case inAny(a, v6Reserved):
		return Reserved
	}
	return Unspecified
}

// IsPublic reports whether s is an IP address that TypeOf calls Public
// (Python's is_global and not multicast): the addresses worth a geo, ASN or
// threat-intelligence lookup.
func IsPublic(s string) bool { return TypeOf(s) == Public }

// IsPublicAddr is IsPublic for a parsed address.
func IsPublicAddr(a netip.Addr) bool { return Classify(a) == Public }

// Canonical returns the one form of the address in s that every package
// compares: surrounding spaces and an IPv6 zone dropped, IPv4-mapped IPv6
// addresses (::ffff:10.0.3.5) unmapped to IPv4, IPv6 in RFC 5952 form. It
// returns s unchanged and false when s is not an IP address.
func Canonical(s string) (string, bool) {
	a, err := netip.ParseAddr(strings.TrimSpace(s))
	if err != nil {
		return s, false
	}
	a = a.Unmap().WithZone("")
	if c := a.String(); c != s {
		return c, true
	}
	return s, true
}

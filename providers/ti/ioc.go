package ti

import (
	"net/netip"
	"strings"
)

// Indicator types, named as msticpy names them.
const (
	TypeIPv4    = "ipv4"
	TypeIPv6    = "ipv6"
	TypeDNS     = "dns"
	TypeURL     = "url"
	TypeMD5     = "md5_hash"
	TypeSHA1    = "sha1_hash"
	TypeSHA256  = "sha256_hash"
	TypeUnknown = "unknown"
)

// IocType guesses the type of an indicator: ipv4, ipv6, url, dns,
// md5_hash, sha1_hash, sha256_hash or unknown.
func IocType(ioc string) string {
	ioc = strings.TrimSpace(ioc)
	if a, err := netip.ParseAddr(ioc); err == nil {
		if a.Is4() || a.Is4In6() {
			return TypeIPv4
		}
		return TypeIPv6
	}
	if strings.Contains(ioc, "://") {
		return TypeURL
	}
	if isHex(ioc) {
		switch len(ioc) {
		case 32:
			return TypeMD5
		case 40:
			return TypeSHA1
		case 64:
			return TypeSHA256
		}
	}
	if strings.Contains(ioc, ".") && !strings.ContainsAny(ioc, " /\\@:") {
		return TypeDNS
	}
	return TypeUnknown
}

func isHex(s string) bool {
	if s == "" {
		return false
	}
	for _, c := range s {
		if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F') {
			return false
		}
	}
	return true
}

// Normalize returns the canonical form of an indicator: IP addresses in
// netip's form (IPv4-mapped IPv6 unmapped, zones dropped), hashes and
// domains lower-cased, anything else trimmed.
func Normalize(ioc string) string {
	ioc = strings.TrimSpace(ioc)
	if a, err := netip.ParseAddr(ioc); err == nil {
		return a.Unmap().WithZone("").String()
	}
	switch IocType(ioc) {
	case TypeMD5, TypeSHA1, TypeSHA256, TypeDNS:
		return strings.ToLower(ioc)
	}
	return ioc
}

// isIP reports whether ioc is an IP address and returns its type.
func ipType(ioc string) (string, bool) {
	t := IocType(ioc)
	return t, t == TypeIPv4 || t == TypeIPv6
}

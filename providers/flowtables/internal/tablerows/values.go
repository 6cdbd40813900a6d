package tablerows

import (
	"encoding/json"
	"math"
	"net/netip"
	"strconv"
	"strings"
	"time"

	"github.com/gonotebooklets/notebooklets/providers/ipaddr"
)

// timeLayouts are the time forms of Log Analytics answers and exports, read
// as UTC unless they carry a zone.
var timeLayouts = []string{
	time.RFC3339Nano,
	"2006-01-02T15:04:05.999999999",
	"2006-01-02 15:04:05.999999999Z07:00",
	"2006-01-02 15:04:05.999999999",
	"1/2/2006, 3:04:05.000 PM", // Log Analytics portal CSV export
	"1/2/2006, 3:04:05 PM",
	"1/2/2006 3:04:05 PM",
	"1/2/2006 15:04:05",
	"2006-01-02",
}

// ParseTime parses a time in any of the forms Log Analytics writes.
func ParseTime(s string) (time.Time, bool) {
	s = strings.TrimSpace(s)
	for _, l := range timeLayouts {
		if t, err := time.Parse(l, s); err == nil {
			return t.UTC(), true
		}
	}
	return time.Time{}, false
}

// ParseInt parses a count, port or byte total: an integer, or a number with
// no fraction ("443.0", as real columns and some exports write them). Empty
// is 0.
func ParseInt(s string) (int64, bool) {
	s = strings.TrimSpace(s)
	if s == "" {
		return 0, true
	}
	if n, err := strconv.ParseInt(s, 10, 64); err == nil {
		return n, true
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil || f != math.Trunc(f) || math.Abs(f) > 1<<53 {
		return 0, false
	}
	return int64(f), true
}

// Addr returns an address in its canonical form (ipaddr.Canonical); text
// that is not an address is returned trimmed.
func Addr(s string) string {
	c, _ := ipaddr.Canonical(strings.TrimSpace(s))
	return c
}

// IsAddr reports whether s is an IP address.
func IsAddr(s string) bool {
	_, err := netip.ParseAddr(strings.TrimSpace(s))
	return err == nil
}

// L4 writes a transport protocol as AzureNetworkAnalytics_CL does: "T" for
// TCP (also "Tcp", "TcpV4", "TcpV6"), "U" for UDP; others upper-cased.
func L4(s string) string {
	l := strings.ToLower(strings.TrimSpace(s))
	switch {
	case l == "":
		return ""
	case l == "t" || strings.HasPrefix(l, "tcp"):
		return "T"
	case l == "u" || strings.HasPrefix(l, "udp"):
		return "U"
	}
	return strings.ToUpper(l)
}

// UnknownProtocol is the L7 protocol of a port the table below does not
// name, as Traffic Analytics writes it.
const UnknownProtocol = "unknown"

// wellKnownPorts names the application protocol of common destination
// ports, in the lower-case names Traffic Analytics writes in L7Protocol.
var wellKnownPorts = map[int]string{
	20: "ftp", 21: "ftp", 22: "ssh", 23: "telnet", 25: "smtp", 53: "dns",
	67: "dhcp", 68: "dhcp", 69: "tftp", 80: "http", 88: "kerberos",
	110: "pop3", 123: "ntp", 135: "msrpc", 137: "netbios", 138: "netbios",
	139: "netbios", 143: "imap", 161: "snmp", 162: "snmp", 389: "ldap",
	443: "https", 445: "smb", 465: "smtps", 514: "syslog", 587: "smtp",
	636: "ldaps", 993: "imaps", 995: "pop3s", 1433: "mssql", 1434: "mssql",
	3268: "ldap", 3269: "ldaps", 3306: "mysql", 3389: "rdp",
	5432: "postgresql", 5985: "winrm", 5986: "winrm",
}

// AppProtocol names the application protocol of a destination port (see
// wellKnownPorts), UnknownProtocol otherwise.
func AppProtocol(port int) string {
	if p, ok := wellKnownPorts[port]; ok {
		return p
	}
	return UnknownProtocol
}

// ShortName returns a host name's first label ("web01" for
// "web01.contoso.com"); addresses are returned whole.
func ShortName(h string) string {
	h = strings.TrimSpace(h)
	if IsAddr(h) {
		return h
	}
	if i := strings.IndexByte(h, '.'); i > 0 {
		return h[:i]
	}
	return h
}

// HostMatches reports whether name (a VM or device name, short or fully
// qualified) is the host the query names: the same name ignoring case, or
// the same first label.
func HostMatches(name, host string) bool {
	if name == "" || host == "" {
		return false
	}
	return strings.EqualFold(name, host) || strings.EqualFold(ShortName(name), ShortName(host))
}

// LastSegment returns the part of a resource path after its last '/'
// ("vm1" for "rg1/vm1" or "sub/rg1/vm1").
func LastSegment(s string) string {
	s = strings.TrimRight(strings.TrimSpace(s), "/")
	if i := strings.LastIndexByte(s, '/'); i >= 0 {
		return s[i+1:]
	}
	return s
}

// jsonText renders a JSON value as the text of a cell: strings unquoted,
// null empty, anything else as written.
func jsonText(raw json.RawMessage) string {
	b := strings.TrimSpace(string(raw))
	switch {
	case b == "null":
		return ""
	case strings.HasPrefix(b, `"`):
		var s string
		if json.Unmarshal(raw, &s) == nil {
			return s
		}
	}
	return b
}

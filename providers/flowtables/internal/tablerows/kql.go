package tablerows

import (
	"errors"
	"fmt"
	"net/netip"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/gonotebooklets/notebooklets/internal/loganalytics"
	"github.com/gonotebooklets/notebooklets/providers/flows"
)

// Quote quotes s as a KQL string literal.
func Quote(s string) string { return loganalytics.QuoteString(s) }

// Time writes t as a KQL datetime literal.
func Time(t time.Time) string { return "datetime(" + t.UTC().Format(time.RFC3339Nano) + ")" }

// Target is a validated query: the host name or the address (canonical) it
// names, and its time range.
type Target struct {
	Host  string // a plain host name, or ""
	Short string // Host's first label
	IP    string // canonical, or ""
	IPv6  bool
	Start time.Time
	End   time.Time
}

// Check validates q for a Log Analytics query: a start and an end (end after
// start), and a host name of letters, digits, '-', '_' and '.' or a valid IP
// address, so that neither can change the query's meaning.
func Check(q flows.Query) (Target, error) {
	if q.Start.IsZero() || q.End.IsZero() {
		return Target{}, flows.ErrNeedTimeRange
	}
	if !q.End.After(q.Start) {
		return Target{}, fmt.Errorf("log analytics: end %s is not after start %s", q.End.Format(time.RFC3339), q.Start.Format(time.RFC3339))
	}
	t := Target{Start: q.Start, End: q.End}
	if q.Host != "" {
		if !ValidHostName(q.Host) {
			return Target{}, fmt.Errorf("log analytics: %q is not a host name", q.Host)
		}
		t.Host, t.Short = q.Host, ShortName(q.Host)
	}
	if q.IP != "" {
		a, err := netip.ParseAddr(strings.TrimSpace(q.IP))
		if err != nil {
			return Target{}, fmt.Errorf("log analytics: %q is not an IP address", q.IP)
		}
		a = a.Unmap().WithZone("")
		t.IP, t.IPv6 = a.String(), a.Is6()
	}
	if t.Host == "" && t.IP == "" {
		return Target{}, errors.New("log analytics: a query needs a host name or an IP address")
	}
	return t, nil
}

// ValidHostName reports whether h is a plain host name: 1 to 255 letters,
// digits, '-', '_' or '.'.
func ValidHostName(h string) bool {
	if len(h) == 0 || len(h) > 255 {
		return false
	}
	for _, r := range h {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '_' || r == '.') {
			return false
		}
	}
	return true
}

// IPEquals is a KQL condition: the column col holds the address ip
// (canonical). IPv4 compares the text, and with mapped also its
// IPv4-mapped IPv6 form (::ffff:a.b.c.d, as Defender writes some); IPv6
// compares the addresses (ipv6_compare), whatever their written form.
func IPEquals(col, ip string, mapped bool) string {
	a, err := netip.ParseAddr(ip)
	if err == nil && a.Is6() {
		return "ipv6_compare(" + col + ", " + Quote(ip) + ") == 0"
	}
	if mapped {
		return col + " in (" + Quote(ip) + ", " + Quote("::ffff:"+ip) + ")"
	}
	return col + " == " + Quote(ip)
}

// HostEquals is a KQL condition: the column col names the host as
// HostMatches decides (the same name ignoring case, or the same first
// label).
func HostEquals(col string, t Target) string {
	return "(" + col + " =~ " + Quote(t.Host) + " or tostring(split(" + col + `, ".")[0]) =~ ` + Quote(t.Short) + ")"
}

// AppProtocolKQL is a KQL expression naming the application protocol of the
// port expression p as AppProtocol does.
func AppProtocolKQL(p string) string {
	byName := map[string][]int{}
	for port, name := range wellKnownPorts {
		byName[name] = append(byName[name], port)
	}
	names := make([]string, 0, len(byName))
	for n := range byName {
		names = append(names, n)
	}
	slices.Sort(names)
	var b strings.Builder
	b.WriteString("case(")
	for _, n := range names {
		ports := byName[n]
		slices.Sort(ports)
		ps := make([]string, len(ports))
		for i, port := range ports {
			ps[i] = strconv.Itoa(port)
		}
		fmt.Fprintf(&b, "%s in (%s), %s, ", p, strings.Join(ps, ", "), Quote(n))
	}
	b.WriteString(Quote(UnknownProtocol) + ")")
	return b.String()
}

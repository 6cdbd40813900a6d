package asimsession

import (
	"strings"

	"github.com/gonotebooklets/notebooklets/providers/flows"
	"github.com/gonotebooklets/notebooklets/providers/flowtables/internal/tablerows"
)

type queries struct{}

// call is the parser call with its filtering parameters, then the checks
// the parameters cannot express: the end of the range, and the optional
// fields read through column_ifexists.
func call(t tablerows.Target) string {
	params := []string{"starttime=" + tablerows.Time(t.Start), "endtime=" + tablerows.Time(t.End)}
	if t.IP != "" && !t.IPv6 {
		params = append(params, "ipaddr_has_any_prefix=dynamic(["+tablerows.Quote(t.IP)+"])")
	}
	if t.Host != "" {
		params = append(params, "hostname_has_any=dynamic(["+tablerows.Quote(t.Short)+"])")
	}
	var b strings.Builder
	b.WriteString(Parser + "(" + strings.Join(params, ", ") + ")\n| where isnull(EventEndTime) or EventEndTime <= " + tablerows.Time(t.End) + "\n| extend ")
	for i, o := range optional {
		if i > 0 {
			b.WriteString(",\n    ")
		}
		b.WriteString(o.name + " = column_ifexists(" + tablerows.Quote(o.name) + ", " + o.empty + ")")
	}
	return b.String()
}

// sideConds are KQL conditions: the host is the session's source, its
// destination.
func sideConds(t tablerows.Target) (src, dst string) {
	side := func(ip, hostname, fqdn string) string {
		var c []string
		if t.IP != "" {
			c = append(c, tablerows.IPEquals(ip, t.IP, true))
		}
		if t.Host != "" {
			c = append(c, tablerows.HostEquals(hostname, t), tablerows.HostEquals(fqdn, t))
		}
		return "(" + strings.Join(c, " or ") + ")"
	}
	return side("SrcIpAddr", "SrcHostname", "SrcFQDN"), side("DstIpAddr", "DstHostname", "DstFQDN")
}

// FlowsKQL selects q's sessions with the fields the mapper reads; the host's
// side is decided by the mapper.
func (queries) FlowsKQL(q flows.Query) (string, error) {
	t, err := tablerows.Check(q)
	if err != nil {
		return "", err
	}
	src, dst := sideConds(t)
	return call(t) + "\n| where " + src + " or " + dst + " or EventType == \"EndpointNetworkSession\"" +
		"\n| project " + strings.Join(columns, ", "), nil
}

// MappedKQL selects q's sessions as flow rows (the package documentation's
// mapping in KQL).
func (queries) MappedKQL(q flows.Query) (string, error) {
	t, err := tablerows.Check(q)
	if err != nil {
		return "", err
	}
	src, dst := sideConds(t)
	var b strings.Builder
	b.WriteString(call(t) + `
| extend HostIsSrc = ` + src + `, HostIsDst = ` + dst + `
| extend Outbound = case(HostIsSrc and not(HostIsDst), true, HostIsDst and not(HostIsSrc), false, NetworkDirection != "Inbound")
| extend Endpoint = iif(EventType == "EndpointNetworkSession", DvcHostname, ""),
    Flows = iif(isnull(EventCount) or EventCount <= 0, long(1), tolong(EventCount)),
    Denied = DvcAction in~ ("Deny", "Drop", "Drop ICMP", "Reset", "Reset Source", "Reset Destination")
| extend FlowDirection = iif(Outbound, "O", "I"),
    VMName = iif(Outbound, coalesce(SrcHostname, tostring(split(SrcFQDN, ".")[0]), Endpoint),
        coalesce(DstHostname, tostring(split(DstFQDN, ".")[0]), Endpoint)),
    VMIPAddress = iif(Outbound, SrcIpAddr, DstIpAddr),
    AllExtIPs = iif(Outbound, DstIpAddr, SrcIpAddr),
    SrcIP = SrcIpAddr, DestIP = DstIpAddr,
    L7Protocol = iif(isnotempty(NetworkApplicationProtocol), tolower(NetworkApplicationProtocol), ` + tablerows.AppProtocolKQL("DstPortNumber") + `),
    AllowedOutFlows = iif(Outbound and not(Denied), Flows, long(0)),
    AllowedInFlows = iif(not(Outbound) and not(Denied), Flows, long(0)),
    BytesSrcToDest = tolong(SrcBytes), BytesDestToSrc = tolong(DstBytes),
    FlowStartTime = coalesce(EventStartTime, TimeGenerated)
| extend FlowEndTime = coalesce(EventEndTime, FlowStartTime)
| where AllowedOutFlows > 0 or AllowedInFlows > 0
| where FlowStartTime >= ` + tablerows.Time(t.Start))
	if t.Host != "" {
		b.WriteString("\n| where " + tablerows.HostEquals("VMName", t))
	}
	if t.IP != "" {
		b.WriteString("\n| where " + tablerows.IPEquals("VMIPAddress", t.IP, true) + " or " + tablerows.IPEquals("AllExtIPs", t.IP, true))
	}
	b.WriteString(`
| project FlowStartTime, FlowEndTime, FlowDirection, L7Protocol, VMName, VMIPAddress, SrcIP, DestIP, AllExtIPs,
    AllowedOutFlows, AllowedInFlows, BytesSrcToDest, BytesDestToSrc`)
	return b.String(), nil
}

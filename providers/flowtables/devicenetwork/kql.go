package devicenetwork

import (
	"slices"
	"strings"

	"github.com/gonotebooklets/notebooklets/providers/flows"
	"github.com/gonotebooklets/notebooklets/providers/flowtables/internal/tablerows"
)

type queries struct{}

// filter selects t's connection events.
func filter(t tablerows.Target) string {
	types := make([]string, len(connectionTypes))
	for i, a := range connectionTypes {
		types[i] = tablerows.Quote(string(a))
	}
	var b strings.Builder
	b.WriteString(Table + `
| where TimeGenerated between (` + tablerows.Time(t.Start) + ` .. ` + tablerows.Time(t.End) + `)
| where ActionType in (` + strings.Join(types, ", ") + `)`)
	if t.Host != "" {
		b.WriteString("\n| where DeviceName has " + tablerows.Quote(t.Short) + "\n| where " + tablerows.HostEquals("DeviceName", t))
	}
	if t.IP != "" {
		b.WriteString("\n| where " + tablerows.IPEquals("LocalIP", t.IP, true) + " or " + tablerows.IPEquals("RemoteIP", t.IP, true))
	}
	return b.String()
}

// FlowsKQL selects q's connection events with the columns the mapper reads.
func (queries) FlowsKQL(q flows.Query) (string, error) {
	t, err := tablerows.Check(q)
	if err != nil {
		return "", err
	}
	// Timestamp is the advanced-hunting name of TimeGenerated; Sentinel's
	// table may not have it, so it is not asked for.
	cols := slices.DeleteFunc(slices.Clone(columns), func(c string) bool { return c == "Timestamp" })
	return filter(t) + "\n| project " + strings.Join(cols, ", "), nil
}

// MappedKQL selects q's connection events as flow rows (the package
// documentation's mapping in KQL).
func (queries) MappedKQL(q flows.Query) (string, error) {
	t, err := tablerows.Check(q)
	if err != nil {
		return "", err
	}
	return filter(t) + `
| extend Outbound = case(ActionType == "InboundConnectionAccepted", false,
    ActionType == "ConnectionFound" and tolong(LocalPort) < tolong(RemotePort), false, true)
| extend FlowDirection = iif(Outbound, "O", "I"),
    VMName = tostring(split(DeviceName, ".")[0]),
    VMIPAddress = LocalIP, AllExtIPs = RemoteIP,
    SrcIP = iif(Outbound, LocalIP, RemoteIP), DestIP = iif(Outbound, RemoteIP, LocalIP),
    DestPort = iif(Outbound, RemotePort, LocalPort),
    AllowedOutFlows = iif(Outbound, long(1), long(0)), AllowedInFlows = iif(Outbound, long(0), long(1)),
    BytesSrcToDest = long(null), BytesDestToSrc = long(null),
    FlowStartTime = TimeGenerated, FlowEndTime = TimeGenerated
| extend L7Protocol = ` + tablerows.AppProtocolKQL("DestPort") + `
| project FlowStartTime, FlowEndTime, FlowDirection, L7Protocol, VMName, VMIPAddress, SrcIP, DestIP, AllExtIPs,
    AllowedOutFlows, AllowedInFlows, BytesSrcToDest, BytesDestToSrc`, nil
}

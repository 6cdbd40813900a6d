package vnetflow

import (
	"strings"

	"github.com/gonotebooklets/notebooklets/providers/flows"
	"github.com/gonotebooklets/notebooklets/providers/flowtables/internal/tablerows"
)

type queries struct{}

// filter selects the FlowLog records of t with allowed flows; the host or
// address condition is the cheap superset (has), refined after mapping.
func filter(t tablerows.Target) string {
	var b strings.Builder
	b.WriteString(Table + `
| where SubType == "FlowLog"
| where FlowStartTime >= ` + tablerows.Time(t.Start) + ` and FlowEndTime <= ` + tablerows.Time(t.End) + `
| where AllowedOutFlows > 0 or AllowedInFlows > 0
| where FlowDirection in~ ("O", "Outbound", "I", "Inbound")`)
	if t.Host != "" {
		h := tablerows.Quote(t.Short)
		b.WriteString("\n| where (SrcVm has " + h + " or DestVm has " + h + ")")
	}
	if t.IP != "" {
		ip := tablerows.Quote(t.IP)
		b.WriteString("\n| where (" + tablerows.IPEquals("SrcIp", t.IP, false) + " or " + tablerows.IPEquals("DestIp", t.IP, false) +
			" or SrcPublicIps has " + ip + " or DestPublicIps has " + ip + ")")
	}
	return b.String()
}

// FlowsKQL selects q's records with the columns the mapper reads.
func (queries) FlowsKQL(q flows.Query) (string, error) {
	t, err := tablerows.Check(q)
	if err != nil {
		return "", err
	}
	return filter(t) + "\n| project " + strings.Join(columns, ", "), nil
}

// mapping is the package documentation's column mapping in KQL, one remote
// address per row.
const mapping = `
| extend Outbound = FlowDirection in~ ("O", "Outbound")
| extend FlowDirection = iif(Outbound, "O", "I"),
    VMName = extract(@"([^/]+)/*$", 1, iif(Outbound, SrcVm, DestVm)),
    HostIp = iif(Outbound, SrcIp, DestIp),
    HostPublic = iif(Outbound, SrcPublicIps, DestPublicIps),
    ExtIP = iif(Outbound, DestIp, SrcIp),
    ExtPublic = iif(Outbound, DestPublicIps, SrcPublicIps)
| extend VMIPAddress = iif(isnotempty(HostIp), HostIp, tostring(split(tostring(extract_all(@"(\S+)", HostPublic)[0]), "|")[0])),
    Packed = iif(isempty(trim(@"\s+", ExtPublic)), dynamic([]), extract_all(@"(\S+)", ExtPublic))
| extend PackedBytes = array_length(split(tostring(Packed[0]), "|")) >= 7,
    Remote = iif(isempty(ExtIP), Packed, array_concat(Packed, pack_array(ExtIP)))
| extend Remote = iif(array_length(Remote) == 0, pack_array(""), Remote)
| extend RemoteCount = array_length(Remote)
| mv-expand with_itemindex = RemoteIndex Entry = Remote to typeof(string)
| extend Fields = split(Entry, "|")
| extend AllExtIPs = tostring(Fields[0]), SrcIP = SrcIp, DestIP = DestIp,
    BytesSrcToDest = case(RemoteCount == 1 or (not(PackedBytes) and RemoteIndex == 0), tolong(BytesSrcToDest),
        PackedBytes and array_length(Fields) >= 7, tolong(Fields[5]), long(0)),
    BytesDestToSrc = case(RemoteCount == 1 or (not(PackedBytes) and RemoteIndex == 0), tolong(BytesDestToSrc),
        PackedBytes and array_length(Fields) >= 7, tolong(Fields[6]), long(0))`

// MappedKQL selects q's records as flow rows.
func (queries) MappedKQL(q flows.Query) (string, error) {
	t, err := tablerows.Check(q)
	if err != nil {
		return "", err
	}
	var b strings.Builder
	b.WriteString(filter(t) + mapping)
	if t.Host != "" {
		b.WriteString("\n| where " + tablerows.HostEquals("VMName", t))
	}
	if t.IP != "" {
		b.WriteString("\n| where " + tablerows.IPEquals("VMIPAddress", t.IP, false) + " or " + tablerows.IPEquals("AllExtIPs", t.IP, false) +
			" or " + tablerows.IPEquals("SrcIP", t.IP, false) + " or " + tablerows.IPEquals("DestIP", t.IP, false))
	}
	b.WriteString(`
| project FlowStartTime, FlowEndTime, FlowDirection, L7Protocol, VMName, VMIPAddress, SrcIP, DestIP, AllExtIPs,
    AllowedOutFlows, AllowedInFlows, BytesSrcToDest, BytesDestToSrc`)
	return b.String(), nil
}

package devicenetwork

import (
	"cmp"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"

	"github.com/gonotebooklets/notebooklets/providers/flows"
	"github.com/gonotebooklets/notebooklets/providers/flowtables/internal/tablerows"
	"github.com/gonotebooklets/notebooklets/providers/ipaddr"
	"github.com/gonotebooklets/notebooklets/providers/provenance"
)

// Table is the Log Analytics table this package reads.
const Table = "DeviceNetworkEvents"

// ReferenceURL is the table's reference page.
const ReferenceURL = "https://learn.microsoft.com/azure/azure-monitor/reference/tables/devicenetworkevents"

// ActionType is a DeviceNetworkEvents ActionType value.
type ActionType string

// The connection ActionTypes (see the package documentation).
const (
	ConnectionSuccess         ActionType = "ConnectionSuccess"
	ConnectionFailed          ActionType = "ConnectionFailed"
	ConnectionRequest         ActionType = "ConnectionRequest"
	InboundConnectionAccepted ActionType = "InboundConnectionAccepted"
	ConnectionFound           ActionType = "ConnectionFound"
)

// connectionTypes are the ActionTypes that are flows.
var connectionTypes = []ActionType{ConnectionSuccess, ConnectionFailed, ConnectionRequest, InboundConnectionAccepted, ConnectionFound}

// Column IDs of the schema.
const (
	cTimeGenerated = iota
	cTimestamp
	cDeviceName
	cActionType
	cLocalIP
	cLocalPort
	cRemoteIP
	cRemotePort
	cProtocol
	cRemoteIPType
)

// columns are the DeviceNetworkEvents columns read, in the order of the IDs
// above.
var columns = []string{
	"TimeGenerated", "Timestamp", "DeviceName", "ActionType", "LocalIP", "LocalPort",
	"RemoteIP", "RemotePort", "Protocol", "RemoteIPType",
}

var schema = tablerows.NewSchema(columns...)

// distinctive are columns of this table that no other flow table has.
var distinctive = []string{
	"ActionType", "DeviceId", "DeviceName", "LocalIP", "LocalPort", "LocalIPType", "RemoteIP", "RemotePort",
	"RemoteIPType", "RemoteUrl", "InitiatingProcessFileName", "InitiatingProcessId", "ReportId", "MachineGroup",
}

// Score counts the columns of header that only this table has: how much a
// local export looks like DeviceNetworkEvents.
func Score(header []string) int { return tablerows.Score(header, distinctive...) }

type mapper struct{}

func (mapper) Table() string             { return Table }
func (mapper) Schema() *tablerows.Schema { return schema }
func (mapper) ByteColumns() []int        { return nil }
func (mapper) Required() [][]int {
	return [][]int{{cTimeGenerated, cTimestamp}, {cActionType}, {cLocalIP}, {cRemoteIP}}
}

// outbound says an event's direction; ok is false for events that are not
// connections.
func outbound(action ActionType, local, remote int64, bothPorts bool) (out, ok bool) {
	switch action {
	case ConnectionSuccess, ConnectionFailed, ConnectionRequest:
		return true, true
	case InboundConnectionAccepted:
		return false, true
	case ConnectionFound:
		return !(bothPorts && local < remote), true
	}
	return false, false
}

func (mapper) Map(r *tablerows.Row, q flows.Query, dst []flows.Flow) ([]flows.Flow, string, error) {
	bad := func(id int, reason string) error {
		return &tablerows.RowError{Column: schema.Name(id), Value: r.Get(id), Reason: reason}
	}
	var ports [2]int64
	for i, id := range []int{cLocalPort, cRemotePort} {
		p, ok := tablerows.ParseInt(r.Get(id))
		if !ok || p < 0 || p > 65535 {
			return dst, "", bad(id, "not a port number")
		}
		ports[i] = p
	}
	action := ActionType(r.Get(cActionType))
	out, ok := outbound(action, ports[0], ports[1], r.Get(cLocalPort) != "" && r.Get(cRemotePort) != "")
	if !ok {
		return dst, string(cmp.Or(action, "(empty ActionType)")) + " (not a connection)", nil
	}
	var f flows.Flow
	for _, id := range []int{cTimeGenerated, cTimestamp} {
		if v := r.Get(id); v != "" {
			t, ok := tablerows.ParseTime(v)
			if !ok {
				return dst, "", bad(id, `not a time (want RFC 3339 or a portal export time such as "2/14/2019, 4:24:41.000 AM")`)
			}
			f.TimeGenerated = t
			break
		}
	}
	if f.TimeGenerated.IsZero() {
		return dst, "", bad(cTimeGenerated, "empty time")
	}
	f.FlowStartTime, f.FlowEndTime = f.TimeGenerated, f.TimeGenerated
	f.FlowType = r.Get(cRemoteIPType)
	f.VMName = tablerows.ShortName(r.Get(cDeviceName))
	f.VMIPAddress = tablerows.Addr(r.Get(cLocalIP))
	f.AllExtIPs = tablerows.Addr(r.Get(cRemoteIP))
	f.L4Protocol = tablerows.L4(r.Get(cProtocol))
	if out {
		f.FlowDirection = flows.Outbound
		f.SrcIP, f.DestIP = f.VMIPAddress, f.AllExtIPs
		f.DestPort = int(ports[1])
		f.AllowedOutFlows = 1
	} else {
		f.FlowDirection = flows.Inbound
		f.SrcIP, f.DestIP = f.AllExtIPs, f.VMIPAddress
		f.DestPort = int(ports[0])
		f.AllowedInFlows = 1
	}
	f.L7Protocol = tablerows.AppProtocol(f.DestPort)
	if ipaddr.IsPublic(f.AllExtIPs) {
		f.PublicIPs = []string{f.AllExtIPs}
	}
	return append(dst, f), "", nil
}

// File is a flows.Source over one local DeviceNetworkEvents export.
// Its Path, Stream and Provenance are those of the shared table reader.
type File struct{ *tablerows.File }

// OpenFile returns a source over a DeviceNetworkEvents export (portal CSV,
// JSON array or NDJSON, recognised from its first byte). It reads the header
// and fails if a required column is missing (errors.Is(err,
// flows.ErrMissingColumn)).
func OpenFile(path string) (*File, error) {
	f, err := tablerows.OpenFile(path, mapper{})
	if err != nil {
		return nil, err
	}
	return &File{f}, nil
}

// Source reads DeviceNetworkEvents from a Log Analytics workspace.
// Its Stream (FlowsKQL), FlowIndex, TimeBuckets (flows.Aggregator), their
// KQL and CountKQL are those of the shared table reader.
type Source struct{ *tablerows.LogAnalytics }

// LogAnalytics returns a source over the workspace's DeviceNetworkEvents
// table. cred nil means azidentity's DefaultAzureCredential; opts.Table is
// not used.
func LogAnalytics(workspaceID string, cred azcore.TokenCredential, opts *flows.LogAnalyticsOptions) (*Source, error) {
	c, err := tablerows.NewClient(workspaceID, cred, opts)
	if err != nil {
		return nil, err
	}
	return &Source{&tablerows.LogAnalytics{Client: c, Mapper: mapper{}, Queries: queries{}}}, nil
}

// Table is the table the source reads.
func (s *Source) Table() string { return Table }

// FlowsKQL is the query Stream runs.
func (s *Source) FlowsKQL(q flows.Query) (string, error) { return queries{}.FlowsKQL(q) }

var (
	_ flows.Aggregator     = (*Source)(nil)
	_ provenance.Describer = (*Source)(nil)
	_ provenance.Describer = (*File)(nil)
)

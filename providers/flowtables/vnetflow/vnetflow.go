package vnetflow

import (
	"cmp"
	"strings"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"

	"github.com/gonotebooklets/notebooklets/providers/flows"
	"github.com/gonotebooklets/notebooklets/providers/flowtables/internal/tablerows"
	"github.com/gonotebooklets/notebooklets/providers/provenance"
)

// Table is the Log Analytics table this package reads.
const Table = "NTANetAnalytics"

// ReferenceURL is the table's reference page.
const ReferenceURL = "https://learn.microsoft.com/azure/azure-monitor/reference/tables/ntanetanalytics"

// Column IDs of the schema.
const (
	cTimeGenerated = iota
	cFlowStartTime
	cFlowEndTime
	cFlowType
	cSubType
	cFlowDirection
	cSrcIP
	cDestIP
	cSrcPublicIPs
	cDestPublicIPs
	cSrcVM
	cDestVM
	cSrcRegion
	cDestRegion
	cAzureRegion
	cL4Protocol
	cL7Protocol
	cDestPort
	cAllowedInFlows
	cAllowedOutFlows
	cDeniedInFlows
	cDeniedOutFlows
	cBytesSrcToDest
	cBytesDestToSrc
)

// columns are the NTANetAnalytics columns read, in the order of the IDs
// above and as the table reference spells them (any case is accepted, and
// the portal's " [UTC]" suffix).
var columns = []string{
	"TimeGenerated", "FlowStartTime", "FlowEndTime", "FlowType", "SubType", "FlowDirection",
	"SrcIp", "DestIp", "SrcPublicIps", "DestPublicIps", "SrcVm", "DestVm",
	"SrcRegion", "DestRegion", "AzureRegion", "L4Protocol", "L7Protocol", "DestPort",
	"AllowedInFlows", "AllowedOutFlows", "DeniedInFlows", "DeniedOutFlows",
	"BytesSrcToDest", "BytesDestToSrc",
}

var schema = tablerows.NewSchema(columns...)

// distinctive are columns of this table that AzureNetworkAnalytics_CL
// (raw or as msticpy projects it) does not have.
var distinctive = []string{
	"SrcPublicIps", "DestPublicIps", "SrcVm", "DestVm", "FlowStatus", "BytesSrcToDest", "BytesDestToSrc",
	"PacketsSrcToDest", "PacketsDestToSrc", "TargetResourceId", "TargetResourceType", "FlowLogResourceId",
	"SrcSubnet", "DestSubnet", "SrcNic", "DestNic", "AclRule", "AclGroup", "FaSchemaVersion", "SrcRegion", "DestRegion",
}

// Score counts the columns of header that only this table has: how much a
// local export looks like NTANetAnalytics.
func Score(header []string) int { return tablerows.Score(header, distinctive...) }

type mapper struct{}

func (mapper) Table() string             { return Table }
func (mapper) Schema() *tablerows.Schema { return schema }
func (mapper) ByteColumns() []int        { return []int{cBytesSrcToDest, cBytesDestToSrc} }
func (mapper) Required() [][]int {
	return [][]int{{cFlowStartTime}, {cFlowEndTime}, {cFlowDirection}, {cAllowedOutFlows}, {cAllowedInFlows},
		{cSrcIP, cDestIP, cSrcPublicIPs, cDestPublicIPs}}
}

func direction(s string) (flows.Direction, bool) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "o", "outbound":
		return flows.Outbound, true
	case "i", "inbound":
		return flows.Inbound, true
	}
	return "", false
}

// entry is one packed public-IP entry.
type entry struct {
	ip       string
	bytes    [2]int64 // source to destination, destination to source
	hasBytes bool
}

// packed parses a SrcPublicIps/DestPublicIps value: space-separated
// "ip|started|ended|outPackets|inPackets|outBytes|inBytes" entries (a JSON
// array of such strings is read too).
func packed(s string) ([]entry, *tablerows.RowError) {
	var out []entry
	for _, tok := range tablerows.List(s) {
		f := strings.Split(tok, "|")
		e := entry{ip: tablerows.Addr(f[0])}
		if e.ip == "" {
			continue
		}
		if len(f) >= 7 {
			var ok1, ok2 bool
			e.bytes[0], ok1 = tablerows.ParseInt(f[5])
			e.bytes[1], ok2 = tablerows.ParseInt(f[6])
			if !ok1 || !ok2 {
				return nil, &tablerows.RowError{Value: tok, Reason: "packed public-IP entry with bytes that are not integers"}
			}
			e.hasBytes = true
		}
		out = append(out, e)
	}
	return out, nil
}

func (mapper) Map(r *tablerows.Row, q flows.Query, dst []flows.Flow) ([]flows.Flow, string, error) {
	if r.Has(cSubType) && !strings.EqualFold(r.Get(cSubType), "FlowLog") && r.Get(cSubType) != "" {
		return dst, "not FlowLog (SubType)", nil
	}
	var f flows.Flow
	bad := func(id int, reason string) error {
		return &tablerows.RowError{Column: schema.Name(id), Value: r.Get(id), Reason: reason}
	}
	dir, ok := direction(r.Get(cFlowDirection))
	if !ok {
		return dst, "", bad(cFlowDirection, `want "O", "I", "Outbound" or "Inbound"`)
	}
	f.FlowDirection = dir
	for _, t := range []struct {
		id       int
		dst      *time.Time
		required bool
	}{{cFlowStartTime, &f.FlowStartTime, true}, {cFlowEndTime, &f.FlowEndTime, true}, {cTimeGenerated, &f.TimeGenerated, false}} {
		v := r.Get(t.id)
		if v == "" {
			if t.required {
				return dst, "", bad(t.id, "empty time")
			}
			continue
		}
		tm, ok := tablerows.ParseTime(v)
		if !ok {
			return dst, "", bad(t.id, `not a time (want RFC 3339 or a portal export time such as "2/14/2019, 4:24:41.000 AM")`)
		}
		*t.dst = tm
	}
	var recBytes [2]int64
	for _, n := range []struct {
		id  int
		dst *int64
	}{{cAllowedOutFlows, &f.AllowedOutFlows}, {cAllowedInFlows, &f.AllowedInFlows}, {cDeniedInFlows, &f.DeniedInFlows},
		{cDeniedOutFlows, &f.DeniedOutFlows}, {cBytesSrcToDest, &recBytes[0]}, {cBytesDestToSrc, &recBytes[1]}} {
		v, ok := tablerows.ParseInt(r.Get(n.id))
		if !ok || v < 0 {
			return dst, "", bad(n.id, "not a count")
		}
		*n.dst = v
	}
	if f.TotalAllowedFlows() == 0 {
		return dst, "denied only (no allowed flows)", nil
	}
	port, ok := tablerows.ParseInt(r.Get(cDestPort))
	if !ok || port < 0 || port > 65535 {
		return dst, "", bad(cDestPort, "not a port number")
	}
	f.DestPort = int(port)
	f.FlowType = r.Get(cFlowType)
	f.L4Protocol = tablerows.L4(r.Get(cL4Protocol))
	f.L7Protocol = r.Get(cL7Protocol)
	f.SrcIP = tablerows.Addr(r.Get(cSrcIP))
	f.DestIP = tablerows.Addr(r.Get(cDestIP))

	hostVM, hostIP, hostPub, hostRegion := cSrcVM, f.SrcIP, cSrcPublicIPs, cSrcRegion
	extIP, extPub, extRegion := f.DestIP, cDestPublicIPs, cDestRegion
	if dir == flows.Inbound {
		hostVM, hostIP, hostPub, hostRegion = cDestVM, f.DestIP, cDestPublicIPs, cDestRegion
		extIP, extPub, extRegion = f.SrcIP, cSrcPublicIPs, cSrcRegion
	}
	f.VMName = tablerows.LastSegment(r.Get(hostVM))
	f.VMRegion = r.Get(hostRegion)
	f.RemoteRegion = cmp.Or(r.Get(cAzureRegion), r.Get(extRegion))
	f.VMIPAddress = hostIP
	if f.VMIPAddress == "" {
		hp, rerr := packed(r.Get(hostPub))
		if rerr != nil {
			rerr.Column = schema.Name(hostPub)
			return dst, "", rerr
		}
		if len(hp) > 0 {
			f.VMIPAddress = hp[0].ip
		}
	}
	entries, rerr := packed(r.Get(extPub))
	if rerr != nil {
		rerr.Column = schema.Name(extPub)
		return dst, "", rerr
	}
	for _, e := range entries {
		f.PublicIPs = append(f.PublicIPs, e.ip)
	}
	remote := entries
	if extIP != "" || len(remote) == 0 {
		remote = append(remote, entry{ip: extIP})
	}
	packedBytes := len(entries) > 0 && entries[0].hasBytes
	for i, e := range remote {
		g := f
		g.AllExtIPs = e.ip
		switch {
		case len(remote) == 1, !packedBytes && i == 0:
			g.BytesSrcToDest, g.BytesDestToSrc = recBytes[0], recBytes[1]
		case packedBytes && e.hasBytes:
			g.BytesSrcToDest, g.BytesDestToSrc = e.bytes[0], e.bytes[1]
		}
		dst = append(dst, g)
	}
	return dst, "", nil
}

// File is a flows.Source over one local NTANetAnalytics export.
// Its Path, Stream and Provenance are those of the shared table reader.
type File struct{ *tablerows.File }

// OpenFile returns a source over an NTANetAnalytics export (portal CSV,
// JSON array or NDJSON, recognised from its first byte). It reads the
// header and fails if a required column is missing
// (errors.Is(err, flows.ErrMissingColumn)).
func OpenFile(path string) (*File, error) {
	f, err := tablerows.OpenFile(path, mapper{})
	if err != nil {
		return nil, err
	}
	return &File{f}, nil
}

// Source reads NTANetAnalytics from a Log Analytics workspace.
// Its Stream (FlowsKQL), FlowIndex, TimeBuckets (flows.Aggregator), their
// KQL and CountKQL are those of the shared table reader.
type Source struct{ *tablerows.LogAnalytics }

// LogAnalytics returns a source over the workspace's NTANetAnalytics table.
// cred nil means azidentity's DefaultAzureCredential; opts.Table is not
// used.
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

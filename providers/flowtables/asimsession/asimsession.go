package asimsession

import (
	"cmp"
	"slices"
	"strings"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"

	"github.com/gonotebooklets/notebooklets/providers/flows"
	"github.com/gonotebooklets/notebooklets/providers/flowtables/internal/tablerows"
	"github.com/gonotebooklets/notebooklets/providers/ipaddr"
	"github.com/gonotebooklets/notebooklets/providers/provenance"
)

// Table is how the flow-table setting names this source.
const Table = "ASIM"

// Parser is the unifying ASIM parser the source calls.
const Parser = "_Im_NetworkSession"

// ReferenceURL is the schema's reference page.
const ReferenceURL = "https://learn.microsoft.com/azure/sentinel/network-normalization-schema"

// Column IDs of the schema.
const (
	cTimeGenerated = iota
	cEventStartTime
	cEventEndTime
	cEventType
	cEventProduct
	cEventCount
	cSrcIpAddr
	cDstIpAddr
	cSrcHostname
	cDstHostname
	cSrcFQDN
	cDstFQDN
	cDvcHostname
	cDstPortNumber
	cNetworkDirection
	cNetworkProtocol
	cNetworkApplicationProtocol
	cDvcAction
	cSrcBytes
	cDstBytes
	cSrcRegion
	cDstRegion
)

// columns are the ASIM fields read, in the order of the IDs above.
var columns = []string{
	"TimeGenerated", "EventStartTime", "EventEndTime", "EventType", "EventProduct", "EventCount",
	"SrcIpAddr", "DstIpAddr", "SrcHostname", "DstHostname", "SrcFQDN", "DstFQDN", "DvcHostname",
	"DstPortNumber", "NetworkDirection", "NetworkProtocol", "NetworkApplicationProtocol", "DvcAction",
	"SrcBytes", "DstBytes", "SrcRegion", "DstRegion",
}

// optional are the fields the KQL reads through column_ifexists (not
// mandatory in the schema, or not ASIM at all), with their empty value.
var optional = []struct{ name, empty string }{
	{"SrcHostname", `""`}, {"DstHostname", `""`}, {"SrcFQDN", `""`}, {"DstFQDN", `""`}, {"DvcHostname", `""`},
	{"NetworkDirection", `""`}, {"NetworkProtocol", `""`}, {"NetworkApplicationProtocol", `""`}, {"DvcAction", `""`},
	{"SrcRegion", `""`}, {"DstRegion", `""`}, {"DstPortNumber", `int(null)`}, {"SrcBytes", `long(null)`}, {"DstBytes", `long(null)`},
}

var schema = tablerows.NewSchema(columns...)

// distinctive are ASIM fields no other flow table has.
var distinctive = []string{
	"EventSchema", "EventSchemaVersion", "EventStartTime", "EventEndTime", "EventCount", "EventProduct", "EventVendor",
	"SrcIpAddr", "DstIpAddr", "DstPortNumber", "SrcPortNumber", "NetworkDirection", "NetworkProtocol",
	"NetworkApplicationProtocol", "DvcAction", "DvcHostname", "SrcHostname", "DstHostname", "SrcBytes", "DstBytes",
}

// Score counts the columns of header that only ASIM sessions have: how much
// a local export looks like _Im_NetworkSession's output.
func Score(header []string) int { return tablerows.Score(header, distinctive...) }

// deniedActions are the DvcAction values of a session that did not pass.
var deniedActions = []string{"deny", "drop", "drop icmp", "reset", "reset source", "reset destination"}

type mapper struct{}

func (mapper) Table() string             { return Table }
func (mapper) Schema() *tablerows.Schema { return schema }
func (mapper) ByteColumns() []int        { return []int{cSrcBytes, cDstBytes} }
func (mapper) Required() [][]int {
	return [][]int{{cEventStartTime, cTimeGenerated}, {cSrcIpAddr, cDstIpAddr}}
}

// hostSide reports whether the host q names is the session's source.
func hostSide(r *tablerows.Row, q flows.Query, src, dst string) (isSrc bool) {
	matches := func(ip string, hostname, fqdn int) bool {
		if q.IP != "" && ip == tablerows.Addr(q.IP) {
			return true
		}
		return q.Host != "" && (tablerows.HostMatches(r.Get(hostname), q.Host) || tablerows.HostMatches(r.Get(fqdn), q.Host))
	}
	s, d := matches(src, cSrcHostname, cSrcFQDN), matches(dst, cDstHostname, cDstFQDN)
	switch {
	case s && !d:
		return true
	case d && !s:
		return false
	}
	return !strings.EqualFold(r.Get(cNetworkDirection), "Inbound")
}

func (mapper) Map(r *tablerows.Row, q flows.Query, dst []flows.Flow) ([]flows.Flow, string, error) {
	var f flows.Flow
	bad := func(id int, reason string) error {
		return &tablerows.RowError{Column: schema.Name(id), Value: r.Get(id), Reason: reason}
	}
	const timeReason = `not a time (want RFC 3339 or a portal export time such as "2/14/2019, 4:24:41.000 AM")`
	times := [3]time.Time{}
	for i, id := range []int{cTimeGenerated, cEventStartTime, cEventEndTime} {
		if v := r.Get(id); v != "" {
			t, ok := tablerows.ParseTime(v)
			if !ok {
				return dst, "", bad(id, timeReason)
			}
			times[i] = t
		}
	}
	f.TimeGenerated = times[0]
	f.FlowStartTime = cmp.Or(times[1], times[0])
	f.FlowEndTime = cmp.Or(times[2], f.FlowStartTime)
	if f.FlowStartTime.IsZero() {
		return dst, "", bad(cEventStartTime, "empty time")
	}
	n, ok := tablerows.ParseInt(r.Get(cEventCount))
	if !ok || n < 0 {
		return dst, "", bad(cEventCount, "not a count")
	}
	if n == 0 {
		n = 1
	}
	var byteCounts [2]int64
	for i, id := range []int{cSrcBytes, cDstBytes} {
		v, ok := tablerows.ParseInt(r.Get(id))
		if !ok || v < 0 {
			return dst, "", bad(id, "not a byte count")
		}
		byteCounts[i] = v
	}
	port, ok := tablerows.ParseInt(r.Get(cDstPortNumber))
	if !ok || port < 0 || port > 65535 {
		return dst, "", bad(cDstPortNumber, "not a port number")
	}
	f.DestPort = int(port)
	f.SrcIP = tablerows.Addr(r.Get(cSrcIpAddr))
	f.DestIP = tablerows.Addr(r.Get(cDstIpAddr))
	f.BytesSrcToDest, f.BytesDestToSrc = byteCounts[0], byteCounts[1]
	f.FlowType = r.Get(cEventProduct)
	f.L4Protocol = tablerows.L4(r.Get(cNetworkProtocol))
	f.L7Protocol = strings.ToLower(r.Get(cNetworkApplicationProtocol))
	if f.L7Protocol == "" {
		f.L7Protocol = tablerows.AppProtocol(f.DestPort)
	}
	denied := slices.Contains(deniedActions, strings.ToLower(r.Get(cDvcAction)))
	endpoint := ""
	if strings.EqualFold(r.Get(cEventType), "EndpointNetworkSession") {
		endpoint = r.Get(cDvcHostname)
	}
	if hostSide(r, q, f.SrcIP, f.DestIP) {
		f.FlowDirection = flows.Outbound
		f.VMName = cmp.Or(r.Get(cSrcHostname), tablerows.ShortName(r.Get(cSrcFQDN)), endpoint)
		f.VMIPAddress, f.AllExtIPs = f.SrcIP, f.DestIP
		f.VMRegion, f.RemoteRegion = r.Get(cSrcRegion), r.Get(cDstRegion)
		if denied {
			f.DeniedOutFlows = n
		} else {
			f.AllowedOutFlows = n
		}
	} else {
		f.FlowDirection = flows.Inbound
		f.VMName = cmp.Or(r.Get(cDstHostname), tablerows.ShortName(r.Get(cDstFQDN)), endpoint)
		f.VMIPAddress, f.AllExtIPs = f.DestIP, f.SrcIP
		f.VMRegion, f.RemoteRegion = r.Get(cDstRegion), r.Get(cSrcRegion)
		if denied {
			f.DeniedInFlows = n
		} else {
			f.AllowedInFlows = n
		}
	}
	if denied {
		return dst, "denied, dropped or reset (DvcAction)", nil
	}
	if ipaddr.IsPublic(f.AllExtIPs) {
		f.PublicIPs = []string{f.AllExtIPs}
	}
	return append(dst, f), "", nil
}

// File is a flows.Source over one local export of ASIM network sessions.
// Its Path, Stream and Provenance are those of the shared table reader.
type File struct{ *tablerows.File }

// OpenFile returns a source over an export of _Im_NetworkSession results
// (portal CSV, JSON array or NDJSON, recognised from its first byte). It
// reads the header and fails if a required column is missing
// (errors.Is(err, flows.ErrMissingColumn)). A local file has no query to
// push down: the host is found among its sessions as described in the
// package documentation.
func OpenFile(path string) (*File, error) {
	f, err := tablerows.OpenFile(path, mapper{})
	if err != nil {
		return nil, err
	}
	return &File{f}, nil
}

// Source reads ASIM network sessions from a Log Analytics workspace.
// Its Stream (FlowsKQL), FlowIndex, TimeBuckets (flows.Aggregator), their
// KQL and CountKQL are those of the shared table reader.
type Source struct{ *tablerows.LogAnalytics }

// LogAnalytics returns a source over the workspace's _Im_NetworkSession
// parser. cred nil means azidentity's DefaultAzureCredential; opts.Table is
// not used.
func LogAnalytics(workspaceID string, cred azcore.TokenCredential, opts *flows.LogAnalyticsOptions) (*Source, error) {
	c, err := tablerows.NewClient(workspaceID, cred, opts)
	if err != nil {
		return nil, err
	}
	return &Source{&tablerows.LogAnalytics{Client: c, Mapper: mapper{}, Queries: queries{}}}, nil
}

// Table is how the flow-table setting names the source ("ASIM").
func (s *Source) Table() string { return Table }

// FlowsKQL is the query Stream runs.
func (s *Source) FlowsKQL(q flows.Query) (string, error) { return queries{}.FlowsKQL(q) }

// Provenance implements provenance.Describer: the parser and the workspace.
func (s *Source) Provenance() provenance.Info {
	p := s.LogAnalytics.Provenance()
	p.Name = "ASIM " + Parser
	return p
}

var (
	_ flows.Aggregator     = (*Source)(nil)
	_ provenance.Describer = (*Source)(nil)
	_ provenance.Describer = (*File)(nil)
)

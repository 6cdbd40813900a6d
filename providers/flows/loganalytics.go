package flows

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/netip"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"

	"github.com/gonotebooklets/notebooklets/internal/loganalytics"
	"github.com/gonotebooklets/notebooklets/providers/internal/laquery"
	"github.com/gonotebooklets/notebooklets/providers/provenance"
)

// DefaultTable is the Log Analytics table of NSG flow analytics.
const DefaultTable = "AzureNetworkAnalytics_CL"

// LogAnalyticsOptions tune a Log Analytics source. The zero value is the
// Azure public cloud with the SDK's retry policy (429, 5xx and timeouts are
// retried with exponential backoff, honouring Retry-After).
type LogAnalyticsOptions struct {
	// Endpoint replaces https://api.loganalytics.io (sovereign clouds,
	// tests). Audience defaults to Endpoint.
	Endpoint, Audience string
	// Table defaults to DefaultTable.
	Table string
	// ClientOptions are passed to azlogs (Transport, Retry, Logging, ...).
	ClientOptions azcore.ClientOptions
	// ServerTimeout asks the service to run a query for up to this long
	// (max 10 minutes; default: the service's 3 minutes).
	ServerTimeout time.Duration
}

// LogAnalyticsSource queries Azure Monitor Logs for NSG flow analytics.
type LogAnalyticsSource struct {
	la    *laquery.Client
	table string
}

// ErrAuth is matched (errors.Is) when Log Analytics rejects the credential
// (HTTP 401 or 403); it is the same error as hosts.ErrAuth.
var ErrAuth = loganalytics.ErrAuth

// ErrNeedTimeRange is returned when a Log Analytics query has no time range.
var ErrNeedTimeRange = laquery.ErrNeedTimeRange

// LogAnalytics returns a Source over the workspace's AzureNetworkAnalytics_CL
// table. cred nil means azidentity's DefaultAzureCredential (environment,
// workload identity, managed identity, Azure CLI, ...).
func LogAnalytics(workspaceID string, cred azcore.TokenCredential, opts *LogAnalyticsOptions) (*LogAnalyticsSource, error) {
	la, err := newLogAnalyticsClient(workspaceID, cred, opts)
	if err != nil {
		return nil, err
	}
	s := &LogAnalyticsSource{la: la, table: DefaultTable}
	if opts != nil && opts.Table != "" {
		s.table = opts.Table
	}
	return s, nil
}

// newLogAnalyticsClient returns the query client for opts (Table is not
// used).
func newLogAnalyticsClient(workspaceID string, cred azcore.TokenCredential, opts *LogAnalyticsOptions) (*laquery.Client, error) {
	if opts == nil {
		opts = &LogAnalyticsOptions{}
	}
	return laquery.New(workspaceID, cred, laquery.Config{
		Endpoint: opts.Endpoint, Audience: opts.Audience, ClientOptions: opts.ClientOptions, ServerTimeout: opts.ServerTimeout,
	})
}

func kqlString(s string) string { return loganalytics.QuoteString(s) }

func kqlTime(t time.Time) string { return "datetime(" + t.UTC().Format(time.RFC3339Nano) + ")" }

// projection is msticpy's column projection of AzureNetworkAnalytics_CL.
const projection = `| project TenantId, TimeGenerated,
    FlowStartTime = FlowStartTime_t,
    FlowEndTime = FlowEndTime_t,
    FlowIntervalEndTime = FlowIntervalEndTime_t,
    FlowType = FlowType_s,
    ResourceGroup = split(VM_s, "/")[0],
    VMName = split(VM_s, "/")[1],
    VMIPAddress = VMIP_s,
    PublicIPs = extractall(@"([\d\.]+)[|\d]+", dynamic([1]), PublicIPs_s),
    SrcIP = SrcIP_s,
    DestIP = DestIP_s,
    ExtIP = iif(FlowDirection_s == "I", SrcIP_s, DestIP_s),
    L4Protocol = L4Protocol_s,
    L7Protocol = L7Protocol_s,
    DestPort = DestPort_d,
    FlowDirection = FlowDirection_s,
    AllowedOutFlows = AllowedOutFlows_d,
    AllowedInFlows = AllowedInFlows_d,
    DeniedInFlows = DeniedInFlows_d,
    DeniedOutFlows = DeniedOutFlows_d,
    RemoteRegion = AzureRegion_s,
    VMRegion = Region_s
| extend AllExtIPs = iif(isempty(PublicIPs), pack_array(ExtIP),
    iif(isempty(ExtIP), PublicIPs, array_concat(PublicIPs, pack_array(ExtIP))))
| project-away ExtIP
| mv-expand AllExtIPs to typeof(string)`

// FlowsKQL returns the KQL of msticpy's list_azure_network_flows_by_host /
// _by_ip for q (host name or IP, and the time range). The host name must be
// a plain name (letters, digits, '-', '_', '.'); the IP a valid address.
func (s *LogAnalyticsSource) FlowsKQL(q Query) (string, error) {
	if q.Start.IsZero() || q.End.IsZero() {
		return "", ErrNeedTimeRange
	}
	if !q.End.After(q.Start) {
		return "", fmt.Errorf("log analytics: end %s is not after start %s", q.End.Format(time.RFC3339), q.Start.Format(time.RFC3339))
	}
	var cond, post string
	switch {
	case q.Host != "":
		if !validHostName(q.Host) {
			return "", fmt.Errorf("log analytics: %q is not a host name", q.Host)
		}
		cond = "| where VM_s has " + kqlString(q.Host)
		post = "\n| where VMName =~ " + kqlString(q.Host)
	case q.IP != "":
		a, err := netip.ParseAddr(q.IP)
		if err != nil {
			return "", fmt.Errorf("log analytics: %q is not an IP address", q.IP)
		}
		ip := kqlString(a.String())
		cond = fmt.Sprintf("| where (VMIP_s in (%s) or SrcIP_s in (%s) or DestIP_s in (%s))", ip, ip, ip)
	default:
		return "", errors.New("log analytics: a query needs a host name or an IP address")
	}
	if q.Host != "" && q.IP != "" {
		post += "\n| where VMIPAddress == " + kqlString(q.IP) + " or AllExtIPs == " + kqlString(q.IP) +
			" or SrcIP == " + kqlString(q.IP) + " or DestIP == " + kqlString(q.IP)
	}
	return fmt.Sprintf(`%s
| where SubType_s == "FlowLog"
| where FlowStartTime_t >= %s
| where FlowEndTime_t <= %s
%s
| where (AllowedOutFlows_d > 0 or AllowedInFlows_d > 0)
%s%s`, s.table, kqlTime(q.Start), kqlTime(q.End), cond, projection, post), nil
}

func validHostName(h string) bool {
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

// nsgNoBytes gives the projected rows the byte columns the aggregate KQL
// reads: msticpy's projection of AzureNetworkAnalytics_CL has none.
const nsgNoBytes = `
| extend BytesSrcToDest = long(null), BytesDestToSrc = long(null)`

// FlowIndexKQL is FlowsKQL grouped in the service by source, dest,
// L7Protocol and FlowDirection (FlowIndexKQL).
func (s *LogAnalyticsSource) FlowIndexKQL(q Query) (string, error) {
	base, err := s.FlowsKQL(q)
	if err != nil {
		return "", err
	}
	return base + nsgNoBytes + FlowIndexKQL, nil
}

// CountKQL is FlowsKQL reduced to one row: Records (the flow rows), First
// (earliest FlowStartTime) and Last (latest FlowEndTime). flowtables' auto
// choice asks it of every table in one union.
func (s *LogAnalyticsSource) CountKQL(q Query) (string, error) {
	base, err := s.FlowsKQL(q)
	if err != nil {
		return "", err
	}
	return base + `
| summarize Records = count(), First = min(FlowStartTime), Last = max(FlowEndTime)`, nil
}

// Table is the table the source reads.
func (s *LogAnalyticsSource) Table() string { return s.table }

// TimeBucketsKQL is FlowsKQL counted in the service per time bucket,
// L7Protocol and FlowDirection (TimeBucketsKQL).
func (s *LogAnalyticsSource) TimeBucketsKQL(q Query, bucket time.Duration) (string, error) {
	tail, err := TimeBucketsKQL(bucket)
	if err != nil {
		return "", err
	}
	base, err := s.FlowsKQL(q)
	if err != nil {
		return "", err
	}
	return base + nsgNoBytes + tail, nil
}

// query runs kql over q's time range.
func (s *LogAnalyticsSource) query(ctx context.Context, kql string, q Query) (*laquery.Result, error) {
	return s.la.Query(ctx, kql, q.Start, q.End)
}

// Stream runs the flow query for q (host or IP, start and end required) and
// passes the rows to fn. A partial result is delivered with a warning in
// Stats.Warnings.
func (s *LogAnalyticsSource) Stream(ctx context.Context, q Query, fn func(*Flow) error) (Stats, error) {
	kql, err := s.FlowsKQL(q)
	if err != nil {
		return Stats{}, err
	}
	t, err := s.query(ctx, kql, q)
	if err != nil {
		return Stats{}, err
	}
	name := "log analytics workspace " + s.la.Workspace()
	j := newJSONRows(name, Query{Host: q.Host, IP: q.IP, Start: q.Start, End: q.End}, fn)
	cols := t.Columns
	for i, row := range t.Rows {
		if i&1023 == 0 {
			if err := ctx.Err(); err != nil {
				return j.st, err
			}
		}
		obj := make(map[string]json.RawMessage, len(cols))
		for c, v := range row {
			if c >= len(cols) {
				break
			}
			b, err := json.Marshal(v)
			if err != nil {
				return j.st, fmt.Errorf("%s: row %d: %w", name, i+1, err)
			}
			obj[cols[c]] = b
		}
		if err := j.object(obj, int64(i+1)); err != nil {
			return j.st, err
		}
	}
	if j.sc == nil && len(t.Rows) == 0 {
		// No rows: still check the columns so a changed schema is reported.
		if _, err := newSchema(name, cols); err != nil {
			return j.st, err
		}
	}
	j.st.Warnings = append(j.st.Warnings, t.Warnings...)
	return j.st, nil
}

// FlowIndex asks Log Analytics for the flow index of q (grouped in the
// service, for hosts with millions of flows). Addresses come back in their
// canonical form (see MergeGroups). Rows that do not parse are skipped and
// reported in Stats.
func (s *LogAnalyticsSource) FlowIndex(ctx context.Context, q Query) ([]FlowGroup, Stats, error) {
	kql, err := s.FlowIndexKQL(q)
	if err != nil {
		return nil, Stats{}, err
	}
	t, err := s.query(ctx, kql, q)
	if err != nil {
		return nil, Stats{}, err
	}
	groups, st, err := FlowGroupsFromTable("log analytics workspace "+s.la.Workspace()+" (flow index)", t.Columns, t.Rows)
	st.Warnings = append(st.Warnings, t.Warnings...)
	return groups, st, err
}

// TimeBuckets asks Log Analytics for record and flow counts per time bucket,
// L7Protocol and FlowDirection (for the plots of hosts with many flows).
func (s *LogAnalyticsSource) TimeBuckets(ctx context.Context, q Query, bucket time.Duration) ([]TimeBucket, Stats, error) {
	kql, err := s.TimeBucketsKQL(q, bucket)
	if err != nil {
		return nil, Stats{}, err
	}
	t, err := s.query(ctx, kql, q)
	if err != nil {
		return nil, Stats{}, err
	}
	buckets, st, err := TimeBucketsFromTable("log analytics workspace "+s.la.Workspace()+" (time buckets)", t.Columns, t.Rows, bucket)
	st.Warnings = append(st.Warnings, t.Warnings...)
	return buckets, st, err
}

// Provenance implements provenance.Describer: the workspace and table.
func (s *LogAnalyticsSource) Provenance() provenance.Info {
	return provenance.Info{Kind: "log-analytics", Name: s.table, Location: "workspace " + s.la.Workspace()}
}

// A Log Analytics source groups in the service.
var _ Aggregator = (*LogAnalyticsSource)(nil)

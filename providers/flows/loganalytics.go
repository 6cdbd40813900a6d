package flows

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/netip"
	"strconv"
	"strings"
	"time"

	"github.com/gonotebooklets/notebooklets/providers/provenance"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/monitor/query/azlogs"

	"github.com/gonotebooklets/notebooklets/internal/loganalytics"
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
	workspace string
	table     string
	client    *azlogs.Client
	wait      *int
}

// ErrAuth is matched (errors.Is) when Log Analytics rejects the credential
// (HTTP 401 or 403); it is the same error as hosts.ErrAuth.
var ErrAuth = loganalytics.ErrAuth

// ErrNeedTimeRange is returned when a Log Analytics query has no time range.
var ErrNeedTimeRange = errors.New("log analytics: a query needs a start and an end time")

// LogAnalytics returns a Source over the workspace's AzureNetworkAnalytics_CL
// table. cred nil means azidentity's DefaultAzureCredential (environment,
// workload identity, managed identity, Azure CLI, ...).
func LogAnalytics(workspaceID string, cred azcore.TokenCredential, opts *LogAnalyticsOptions) (*LogAnalyticsSource, error) {
	if strings.TrimSpace(workspaceID) == "" {
		return nil, errors.New("log analytics: empty workspace ID (set it in msticpyconfig.yaml under AzureSentinel.Workspaces)")
	}
	if opts == nil {
		opts = &LogAnalyticsOptions{}
	}
	client, err := loganalytics.NewClient(cred, loganalytics.ClientConfig{Endpoint: opts.Endpoint, Audience: opts.Audience, ClientOptions: opts.ClientOptions})
	if err != nil {
		return nil, fmt.Errorf("log analytics: %w", err)
	}
	s := &LogAnalyticsSource{workspace: workspaceID, table: opts.Table, client: client}
	if s.table == "" {
		s.table = DefaultTable
	}
	if opts.ServerTimeout > 0 {
		w := int(opts.ServerTimeout / time.Second)
		s.wait = &w
	}
	return s, nil
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

// sourceDest adds the source and dest columns of the flow index (see
// Flow.Source and Flow.Dest) and TotalAllowedFlows.
const sourceDest = `
| extend TotalAllowedFlows = tolong(AllowedOutFlows) + tolong(AllowedInFlows)
| extend source = iif(FlowDirection == "O", iif(isempty(VMIPAddress), SrcIP, VMIPAddress), iif(isempty(AllExtIPs), DestIP, AllExtIPs)),
    dest = iif(FlowDirection == "O", iif(isempty(AllExtIPs), DestIP, AllExtIPs), iif(isempty(VMIPAddress), SrcIP, VMIPAddress))`

// FlowIndexKQL is FlowsKQL grouped in the service by source, dest,
// L7Protocol and FlowDirection.
func (s *LogAnalyticsSource) FlowIndexKQL(q Query) (string, error) {
	base, err := s.FlowsKQL(q)
	if err != nil {
		return "", err
	}
	return base + sourceDest + `
| summarize TotalAllowedFlows = sum(TotalAllowedFlows), Records = count(), FirstSeen = min(FlowStartTime), LastSeen = max(FlowEndTime)
    by source, dest, L7Protocol, FlowDirection`, nil
}

// TimeBucketsKQL is FlowsKQL counted in the service per time bucket,
// L7Protocol and FlowDirection.
func (s *LogAnalyticsSource) TimeBucketsKQL(q Query, bucket time.Duration) (string, error) {
	if bucket < time.Second {
		return "", fmt.Errorf("log analytics: time bucket %s is shorter than a second", bucket)
	}
	base, err := s.FlowsKQL(q)
	if err != nil {
		return "", err
	}
	return base + sourceDest + fmt.Sprintf(`
| summarize Records = count(), TotalAllowedFlows = sum(TotalAllowedFlows), RemoteIPs = dcount(AllExtIPs)
    by Bucket = bin(FlowStartTime, %ds), L7Protocol, FlowDirection
| order by Bucket asc`, int64(bucket/time.Second)), nil
}

// query runs kql and returns its first table and any partial-result warning.
func (s *LogAnalyticsSource) query(ctx context.Context, kql string, q Query) (*azlogs.Table, []string, error) {
	ti := azlogs.NewTimeInterval(q.Start.UTC(), q.End.UTC())
	body := azlogs.QueryBody{Query: &kql, Timespan: &ti}
	var opts *azlogs.QueryWorkspaceOptions
	if s.wait != nil {
		opts = &azlogs.QueryWorkspaceOptions{Options: &azlogs.QueryOptions{Wait: s.wait}}
	}
	resp, err := s.client.QueryWorkspace(ctx, s.workspace, body, opts)
	if err != nil {
		var re *azcore.ResponseError
		if errors.As(err, &re) {
			switch re.StatusCode {
			case http.StatusUnauthorized, http.StatusForbidden:
				return nil, nil, fmt.Errorf("%w: HTTP %d for workspace %s (check the credential and its Log Analytics Reader role): %s",
					ErrAuth, re.StatusCode, s.workspace, firstLine(re.ErrorCode))
			case http.StatusTooManyRequests:
				return nil, nil, fmt.Errorf("log analytics: throttled (HTTP 429) after retries; try again later or narrow the time range: %w", err)
			}
			if re.StatusCode >= 500 {
				return nil, nil, fmt.Errorf("log analytics: service error (HTTP %d) after retries: %w", re.StatusCode, err)
			}
		}
		return nil, nil, fmt.Errorf("log analytics: query failed: %w", err)
	}
	var warnings []string
	if resp.Error != nil {
		warnings = append(warnings, "log analytics: partial result ("+resp.Error.Code+"): "+partialMessage(resp.Error)+
			"; rows may be missing — narrow the time range or use the grouped queries")
	}
	if len(resp.Tables) == 0 {
		if resp.Error != nil {
			return nil, nil, fmt.Errorf("log analytics: query returned no table: %s", partialMessage(resp.Error))
		}
		return nil, nil, errors.New("log analytics: query returned no table")
	}
	return &resp.Tables[0], warnings, nil
}

func firstLine(s string) string {
	s, _, _ = strings.Cut(s, "\n")
	return s
}

// partialMessage extracts the message of a Log Analytics error object.
func partialMessage(e *azlogs.ErrorInfo) string {
	var m struct {
		Message string
		Details []struct{ Message string }
	}
	if json.Unmarshal([]byte(e.Error()), &m) != nil {
		return firstLine(e.Error())
	}
	msg := m.Message
	for _, d := range m.Details {
		if d.Message != "" {
			msg += "; " + d.Message
		}
	}
	return msg
}

// cellText renders a result cell as the text the decoder reads.
func cellText(v any) ([]byte, error) {
	switch x := v.(type) {
	case nil:
		return nil, nil
	case string:
		return []byte(x), nil
	case float64:
		return strconv.AppendFloat(nil, x, 'f', -1, 64), nil
	case bool:
		return strconv.AppendBool(nil, x), nil
	case json.Number:
		return []byte(x), nil
	}
	return json.Marshal(v)
}

func columnNames(t *azlogs.Table) []string {
	names := make([]string, len(t.Columns))
	for i, c := range t.Columns {
		if c.Name != nil {
			names[i] = *c.Name
		}
	}
	return names
}

// Stream runs the flow query for q (host or IP, start and end required) and
// passes the rows to fn. A partial result is delivered with a warning in
// Stats.Warnings.
func (s *LogAnalyticsSource) Stream(ctx context.Context, q Query, fn func(*Flow) error) (Stats, error) {
	kql, err := s.FlowsKQL(q)
	if err != nil {
		return Stats{}, err
	}
	t, warnings, err := s.query(ctx, kql, q)
	if err != nil {
		return Stats{}, err
	}
	name := "log analytics workspace " + s.workspace
	j := newJSONRows(name, Query{Host: q.Host, IP: q.IP, Start: q.Start, End: q.End}, fn)
	cols := columnNames(t)
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
	j.st.Warnings = append(j.st.Warnings, warnings...)
	return j.st, nil
}

// FlowGroup is one row of the flow index computed by Log Analytics.
type FlowGroup struct {
	Source, Dest, L7Protocol, FlowDirection string
	TotalAllowedFlows, Records              int64
	FirstSeen, LastSeen                     time.Time
}

// TimeBucket is one row of TimeBuckets.
type TimeBucket struct {
	Start                     time.Time
	L7Protocol, FlowDirection string
	Records                   int64
	TotalAllowedFlows         int64
	RemoteIPs                 int64
}

// tableRows converts a result table into records keyed by column name.
func tableRows(t *azlogs.Table) ([]map[string][]byte, error) {
	cols := columnNames(t)
	out := make([]map[string][]byte, 0, len(t.Rows))
	for i, row := range t.Rows {
		m := make(map[string][]byte, len(cols))
		for c, v := range row {
			if c >= len(cols) {
				break
			}
			b, err := cellText(v)
			if err != nil {
				return nil, fmt.Errorf("row %d: column %s: %w", i+1, cols[c], err)
			}
			m[cols[c]] = b
		}
		out = append(out, m)
	}
	return out, nil
}

func needColumns(name string, t *azlogs.Table, want ...string) error {
	have := map[string]bool{}
	for _, c := range columnNames(t) {
		have[c] = true
	}
	for _, w := range want {
		if !have[w] {
			return &MissingColumnError{File: name, Column: w}
		}
	}
	return nil
}

// FlowIndex asks Log Analytics for the flow index of q (grouped in the
// service, for hosts with millions of flows). Rows that do not parse are
// skipped and reported in Stats.
func (s *LogAnalyticsSource) FlowIndex(ctx context.Context, q Query) ([]FlowGroup, Stats, error) {
	kql, err := s.FlowIndexKQL(q)
	if err != nil {
		return nil, Stats{}, err
	}
	t, warnings, err := s.query(ctx, kql, q)
	if err != nil {
		return nil, Stats{}, err
	}
	name := "log analytics workspace " + s.workspace + " (flow index)"
	st := Stats{Warnings: warnings}
	if err := needColumns(name, t, "source", "dest", "L7Protocol", "FlowDirection", "TotalAllowedFlows"); err != nil {
		return nil, st, err
	}
	rows, err := tableRows(t)
	if err != nil {
		return nil, st, fmt.Errorf("%s: %w", name, err)
	}
	var dc dayCache
	out := make([]FlowGroup, 0, len(rows))
	for i, r := range rows {
		st.RowsRead++
		g := FlowGroup{Source: string(r["source"]), Dest: string(r["dest"]), L7Protocol: string(r["L7Protocol"]), FlowDirection: string(r["FlowDirection"])}
		var ok1, ok2 bool
		g.TotalAllowedFlows, ok1 = parseInt(r["TotalAllowedFlows"])
		g.Records, ok2 = parseInt(r["Records"])
		g.FirstSeen, _ = dc.parseISO(r["FirstSeen"])
		g.LastSeen, _ = dc.parseISO(r["LastSeen"])
		if !ok1 || !ok2 {
			st.RowsSkipped++
			if len(st.Skipped) < maxReported {
				st.Skipped = append(st.Skipped, (&rowError{column: "TotalAllowedFlows", value: string(r["TotalAllowedFlows"]), reason: "not an integer"}).format(name, int64(i+1)))
			}
			continue
		}
		st.RowsKept++
		if !g.FirstSeen.IsZero() && (st.First.IsZero() || g.FirstSeen.Before(st.First)) {
			st.First = g.FirstSeen
		}
		if g.LastSeen.After(st.Last) {
			st.Last = g.LastSeen
		}
		out = append(out, g)
	}
	return out, st, nil
}

// TimeBuckets asks Log Analytics for record and flow counts per time bucket,
// L7Protocol and FlowDirection (for the plots of hosts with many flows).
func (s *LogAnalyticsSource) TimeBuckets(ctx context.Context, q Query, bucket time.Duration) ([]TimeBucket, Stats, error) {
	kql, err := s.TimeBucketsKQL(q, bucket)
	if err != nil {
		return nil, Stats{}, err
	}
	t, warnings, err := s.query(ctx, kql, q)
	if err != nil {
		return nil, Stats{}, err
	}
	name := "log analytics workspace " + s.workspace + " (time buckets)"
	st := Stats{Warnings: warnings}
	if err := needColumns(name, t, "Bucket", "L7Protocol", "FlowDirection", "Records", "TotalAllowedFlows"); err != nil {
		return nil, st, err
	}
	rows, err := tableRows(t)
	if err != nil {
		return nil, st, fmt.Errorf("%s: %w", name, err)
	}
	var dc dayCache
	out := make([]TimeBucket, 0, len(rows))
	for i, r := range rows {
		st.RowsRead++
		b := TimeBucket{L7Protocol: string(r["L7Protocol"]), FlowDirection: string(r["FlowDirection"])}
		var ok [4]bool
		b.Start, ok[0] = dc.parseISO(r["Bucket"])
		b.Records, ok[1] = parseInt(r["Records"])
		b.TotalAllowedFlows, ok[2] = parseInt(r["TotalAllowedFlows"])
		b.RemoteIPs, ok[3] = parseInt(r["RemoteIPs"])
		if !ok[0] || !ok[1] || !ok[2] || !ok[3] {
			st.RowsSkipped++
			if len(st.Skipped) < maxReported {
				st.Skipped = append(st.Skipped, (&rowError{column: "Bucket", value: string(r["Bucket"]), reason: "bad bucket row"}).format(name, int64(i+1)))
			}
			continue
		}
		st.RowsKept++
		if st.First.IsZero() || b.Start.Before(st.First) {
			st.First = b.Start
		}
		if e := b.Start.Add(bucket); e.After(st.Last) {
			st.Last = e
		}
		out = append(out, b)
	}
	return out, st, nil
}

// Provenance implements provenance.Describer: the workspace and table.
func (s *LogAnalyticsSource) Provenance() provenance.Info {
	return provenance.Info{Kind: "log-analytics", Name: s.table, Location: "workspace " + s.workspace}
}

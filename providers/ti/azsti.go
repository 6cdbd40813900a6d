package ti

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/monitor/query/azlogs"

	"github.com/gonotebooklets/notebooklets/internal/loganalytics"
	"github.com/gonotebooklets/notebooklets/providers/provenance"
)

// AzSTIName is the name of the Microsoft Sentinel TI provider, as msticpy
// names it.
const AzSTIName = "AzSTI"

// The Microsoft Sentinel threat-intelligence tables AzSTI reads.
const (
	// TableThreatIntelIndicators holds STIX indicators (the current table).
	TableThreatIntelIndicators = "ThreatIntelIndicators"
	// TableThreatIntelligenceIndicator is the legacy table (no new data
	// since August 2025; still read when the workspace has it).
	TableThreatIntelligenceIndicator = "ThreatIntelligenceIndicator"
)

// Defaults of AzSTIOptions.
const (
	// DefaultAzSTILookback: Sentinel republishes every active indicator
	// weekly, so two weeks see each at least once (Sentinel's own "TI map"
	// analytics rules look back 14 days too).
	DefaultAzSTILookback = 14 * 24 * time.Hour
	// DefaultAzSTIBatchSize is the number of IPs per query.
	DefaultAzSTIBatchSize = 100
	// azstiHighConfidence is msticpy's threshold for high severity.
	azstiHighConfidence = 80
)

// AzSTIOptions tune NewAzSTI; the zero value is the Azure public cloud.
type AzSTIOptions struct {
	// Endpoint replaces https://api.loganalytics.io (sovereign clouds,
	// tests); Audience defaults to Endpoint.
	Endpoint, Audience string
	// ClientOptions are passed to azlogs (Transport, Retry, ...).
	ClientOptions azcore.ClientOptions
	// Lookback is how far back indicators are read (default
	// DefaultAzSTILookback).
	Lookback time.Duration
	// BatchSize is the number of IPs per query (default
	// DefaultAzSTIBatchSize).
	BatchSize int
	// ServerTimeout asks the service to run a query for up to this long.
	ServerTimeout time.Duration
	// Now is the clock that decides which indicators have expired
	// (default time.Now; tests set it).
	Now func() time.Time
}

// AzSTI looks IP addresses up in the threat intelligence of a Microsoft
// Sentinel workspace, as msticpy's AzSTI provider does: one KQL query per
// batch over the STIX ThreatIntelIndicators table and, when the workspace
// has it, the legacy ThreatIntelligenceIndicator table (a fuzzy union: a
// missing table is not an error).
//
// Expired (ValidUntil / ExpirationDateTime passed), inactive, revoked and
// deleted indicators are never positive: an address with only such
// indicators is Information, and its details say why they were not
// counted. Severity of the active indicators, as msticpy grades them:
// Confidence 80 or more → High, else Medium (msticpy's "warning"); in the
// legacy table, Action alert or block, or ConfidenceScore 80 or more → High.
type AzSTI struct {
	workspace string
	client    *azlogs.Client
	o         AzSTIOptions

	mu       sync.Mutex
	warnings []string
}

// NewAzSTI returns the provider over the workspace. cred nil means
// azidentity's DefaultAzureCredential (environment, managed identity, Azure
// CLI, ...), as for the Log Analytics flows.
func NewAzSTI(workspaceID string, cred azcore.TokenCredential, o *AzSTIOptions) (*AzSTI, error) {
	if strings.TrimSpace(workspaceID) == "" {
		return nil, errors.New("ti: AzSTI: empty workspace ID (set it in msticpyconfig.yaml under AzureSentinel.Workspaces)")
	}
	if o == nil {
		o = &AzSTIOptions{}
	}
	client, err := loganalytics.NewClient(cred, loganalytics.ClientConfig{Endpoint: o.Endpoint, Audience: o.Audience, ClientOptions: o.ClientOptions})
	if err != nil {
		return nil, fmt.Errorf("ti: AzSTI: %w", err)
	}
	p := &AzSTI{workspace: workspaceID, client: client, o: *o}
	if p.o.Lookback <= 0 {
		p.o.Lookback = DefaultAzSTILookback
	}
	if p.o.BatchSize <= 0 {
		p.o.BatchSize = DefaultAzSTIBatchSize
	}
	if p.o.Now == nil {
		p.o.Now = time.Now
	}
	return p, nil
}

// Name implements Provider.
func (p *AzSTI) Name() string { return AzSTIName }

// BatchSize implements BatchSizer: the IPs of one query.
func (p *AzSTI) BatchSize() int { return p.o.BatchSize }

// Warnings returns the partial-result warnings of the queries so far (a
// workspace without the legacy table is not one).
func (p *AzSTI) Warnings() []string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return slices.Clone(p.warnings)
}

// azstiIPKeys are the STIX observable keys that hold IP addresses.
var azstiIPKeys = []string{"ipv4-addr:value", "ipv6-addr:value", "network-traffic:src_ref.value", "network-traffic:dst_ref.value"}

// KQL returns the query for ips (normalised addresses) with indicators
// read from since on.
func (p *AzSTI) KQL(ips []string, since time.Time) string {
	keys := make([]string, len(azstiIPKeys))
	for i, k := range azstiIPKeys {
		keys[i] = loganalytics.QuoteString(k)
	}
	var b strings.Builder
	fmt.Fprintf(&b, "let iocs = %s;\n", loganalytics.QuoteList(ips))
	fmt.Fprintf(&b, "let since = %s;\n", loganalytics.Datetime(since))
	b.WriteString(`union isfuzzy=true
(` + TableThreatIntelIndicators + `
    | where TimeGenerated >= since
    | where ObservableKey in (` + strings.Join(keys, ", ") + `)
    | where ObservableValue in~ (iocs)
    | summarize arg_max(TimeGenerated, *) by Id, ObservableValue
    | project SourceTable = "` + TableThreatIntelIndicators + `", Ioc = tolower(ObservableValue), IndicatorId = Id,
        IsActive = tobool(IsActive), Revoked = tobool(Revoked), IsDeleted = tobool(IsDeleted),
        ValidUntil, Confidence = toint(Confidence), Action = "",
        ThreatType = tostring(Data.indicator_types), Labels = tostring(Data.labels),
        Description = tostring(Data.description), Tags = tostring(Tags), Source = tostring(Source), TimeGenerated),
(` + TableThreatIntelligenceIndicator + `
    | where TimeGenerated >= since
    | where NetworkIP in~ (iocs) or NetworkSourceIP in~ (iocs) or NetworkDestinationIP in~ (iocs) or EmailSourceIpAddress in~ (iocs)
    | mv-expand Ioc = pack_array(NetworkIP, NetworkSourceIP, NetworkDestinationIP, EmailSourceIpAddress) to typeof(string)
    | where Ioc in~ (iocs)
    | summarize arg_max(TimeGenerated, *) by IndicatorId, Ioc
    | project SourceTable = "` + TableThreatIntelligenceIndicator + `", Ioc = tolower(Ioc), IndicatorId,
        IsActive = tobool(Active), Revoked = false, IsDeleted = false,
        ValidUntil = ExpirationDateTime, Confidence = toint(ConfidenceScore), Action = tostring(Action),
        ThreatType = tostring(ThreatType), Labels = "",
        Description = tostring(Description), Tags = tostring(Tags), Source = tostring(SourceSystem), TimeGenerated)`)
	return b.String()
}

// Lookup implements Provider: one query for the IPs among iocs (per
// BatchSize); other indicator types get ErrUnsupported. A failed query is
// returned as an *UnavailableError (every batch would fail alike), which
// makes Lookup stop asking.
func (p *AzSTI) Lookup(ctx context.Context, iocs []string) ([]Result, error) {
	out := make([]Result, len(iocs))
	var ips []string
	at := map[string][]int{} // normalised ip → positions
	for i, raw := range iocs {
		ioc := Normalize(raw)
		typ, ok := ipType(ioc)
		out[i] = Result{Ioc: ioc, IocType: typ, Provider: AzSTIName}
		if !ok {
			out[i].Err = fmt.Sprintf("%s: %q is %s; this provider looks up IP addresses: %s", AzSTIName, ioc, typ, ErrUnsupported)
			continue
		}
		if _, dup := at[ioc]; !dup {
			ips = append(ips, ioc)
		}
		at[ioc] = append(at[ioc], i)
	}
	var batchErr error
	for lo := 0; lo < len(ips); lo += p.o.BatchSize {
		batch := ips[lo:min(lo+p.o.BatchSize, len(ips))]
		if batchErr != nil {
			for _, ip := range batch {
				for _, i := range at[ip] {
					out[i].Err = batchErr.Error()
				}
			}
			continue
		}
		found, err := p.query(ctx, batch)
		if err != nil {
			batchErr = err
			for _, ip := range batch {
				for _, i := range at[ip] {
					out[i].Err = err.Error()
				}
			}
			continue
		}
		for _, ip := range batch {
			r := p.grade(ip, found[ip])
			for _, i := range at[ip] {
				out[i].Severity, out[i].Details, out[i].Reference = r.Severity, r.Details, r.Reference
				out[i].Positive = IsPositive(out[i])
			}
		}
	}
	return out, batchErr
}

// azstiRow is one indicator of the answer.
type azstiRow struct {
	table, id                  string
	active, revoked, deleted   bool
	validUntil                 time.Time
	confidence                 int
	hasConfidence              bool
	action, threatType, labels string
	description, tags, source  string
	generated                  time.Time
}

func (p *AzSTI) query(ctx context.Context, ips []string) (map[string][]azstiRow, error) {
	now := p.o.Now()
	since := now.Add(-p.o.Lookback)
	a, err := loganalytics.Query(ctx, p.client, loganalytics.Request{
		Workspace: p.workspace, KQL: p.KQL(ips, since), Start: since, End: now, ServerTimeout: p.o.ServerTimeout,
	})
	if err != nil {
		if ctx.Err() != nil {
			return nil, fmt.Errorf("%s: %s%w", AzSTIName, NotLookedUp, ctx.Err())
		}
		return nil, &UnavailableError{Reason: "workspace " + p.workspace + ": " + err.Error(), Err: err}
	}
	if len(a.Warnings) > 0 {
		p.mu.Lock()
		for _, w := range a.Warnings {
			if strings.Contains(w, TableThreatIntelligenceIndicator) && strings.Contains(w, "resolve") {
				continue // the legacy table is read only when present
			}
			if !slices.Contains(p.warnings, w) {
				p.warnings = append(p.warnings, w)
			}
		}
		p.mu.Unlock()
	}
	found := map[string][]azstiRow{}
	for _, rec := range loganalytics.Records(a.Table) {
		ioc := Normalize(cellString(rec["Ioc"]))
		if ioc == "" {
			continue
		}
		r := azstiRow{
			table: cellString(rec["SourceTable"]), id: cellString(rec["IndicatorId"]),
			active: cellBool(rec["IsActive"]), revoked: cellBool(rec["Revoked"]), deleted: cellBool(rec["IsDeleted"]),
			validUntil: cellTime(rec["ValidUntil"]), action: cellString(rec["Action"]),
			threatType: cellList(rec["ThreatType"]), labels: cellList(rec["Labels"]),
			description: cellString(rec["Description"]), tags: cellList(rec["Tags"]), source: cellString(rec["Source"]),
			generated: cellTime(rec["TimeGenerated"]),
		}
		r.confidence, r.hasConfidence = cellInt(rec["Confidence"])
		found[ioc] = append(found[ioc], r)
	}
	return found, nil
}

// notCounted says why an indicator is not a positive ("" when it counts).
func (r azstiRow) notCounted(now time.Time) string {
	switch {
	case r.deleted:
		return "deleted"
	case r.revoked:
		return "revoked"
	case !r.active:
		return "inactive"
	case !r.validUntil.IsZero() && !r.validUntil.After(now):
		return "expired " + r.validUntil.UTC().Format(time.DateOnly)
	}
	return ""
}

// severity grades an indicator that counts, as msticpy does.
func (r azstiRow) severity() Severity {
	if r.hasConfidence && r.confidence >= azstiHighConfidence {
		return High
	}
	if r.table == TableThreatIntelligenceIndicator {
		switch strings.ToLower(r.action) {
		case "alert", "block":
			return High
		}
	}
	return Medium
}

// maxAzSTIDetails bounds the indicators described per address.
const maxAzSTIDetails = 5

// grade turns the indicators of one address into its result.
func (p *AzSTI) grade(ip string, rows []azstiRow) Result {
	r := Result{Severity: Information, Details: "Not found."}
	if len(rows) == 0 {
		return r
	}
	now := p.o.Now()
	// Newest first, so the details describe the current state.
	slices.SortStableFunc(rows, func(a, b azstiRow) int { return b.generated.Compare(a.generated) })
	var counted []azstiRow
	skipped := map[string]int{}
	var skippedOrder []string
	for _, row := range rows {
		if why := row.notCounted(now); why != "" {
			if skipped[why] == 0 {
				skippedOrder = append(skippedOrder, why)
			}
			skipped[why]++
			continue
		}
		counted = append(counted, row)
		r.Severity = max(r.Severity, row.severity())
	}
	var parts []string
	for i, row := range counted {
		if i == maxAzSTIDetails {
			parts = append(parts, fmt.Sprintf("and %d more active indicators", len(counted)-i))
			break
		}
		parts = append(parts, row.describe())
	}
	if len(skippedOrder) > 0 {
		var s []string
		for _, why := range skippedOrder {
			s = append(s, fmt.Sprintf("%d %s", skipped[why], why))
		}
		parts = append(parts, "not counted: "+strings.Join(s, ", "))
	}
	if len(counted) == 0 {
		parts = append([]string{"No active indicator"}, parts...)
	}
	r.Details = strings.Join(parts, "; ")
	first := rows[0]
	if len(counted) > 0 {
		first = counted[0]
	}
	r.Reference = fmt.Sprintf("Microsoft Sentinel workspace %s: %s Id %s", p.workspace, cmp.Or(first.table, TableThreatIntelIndicators), first.id)
	return r
}

// describe is one indicator in a result's details.
func (r azstiRow) describe() string {
	var f []string
	if r.hasConfidence {
		f = append(f, "confidence "+strconv.Itoa(r.confidence))
	}
	if r.action != "" {
		f = append(f, "action "+r.action)
	}
	for _, kv := range [][2]string{{"types", r.threatType}, {"labels", r.labels}, {"tags", r.tags}, {"source", r.source}} {
		if kv[1] != "" {
			f = append(f, kv[0]+" "+kv[1])
		}
	}
	if !r.validUntil.IsZero() {
		f = append(f, "valid until "+r.validUntil.UTC().Format(time.DateOnly))
	}
	s := r.table + " indicator"
	if len(f) > 0 {
		s += " (" + strings.Join(f, ", ") + ")"
	}
	if r.description != "" {
		s += ": " + r.description
	}
	return s
}

// Provenance implements provenance.Describer: the workspace and tables.
func (p *AzSTI) Provenance() provenance.Info {
	return provenance.Info{Kind: "azsti", Name: "Microsoft Sentinel threat intelligence",
		Location: "workspace " + p.workspace + " (" + TableThreatIntelIndicators + ", " + TableThreatIntelligenceIndicator + ")"}
}

func cellString(v any) string {
	switch x := v.(type) {
	case nil:
		return ""
	case string:
		return strings.TrimSpace(x)
	case float64:
		return strconv.FormatFloat(x, 'f', -1, 64)
	case bool:
		return strconv.FormatBool(x)
	}
	b, _ := json.Marshal(v)
	return string(b)
}

func cellBool(v any) bool {
	switch x := v.(type) {
	case bool:
		return x
	case string:
		b, _ := strconv.ParseBool(x)
		return b
	case float64:
		return x != 0
	}
	return false
}

func cellInt(v any) (int, bool) {
	switch x := v.(type) {
	case float64:
		return int(x), true
	case string:
		n, err := strconv.Atoi(strings.TrimSpace(x))
		return n, err == nil
	}
	return 0, false
}

func cellTime(v any) time.Time {
	s, ok := v.(string)
	if !ok || s == "" {
		return time.Time{}
	}
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return time.Time{}
	}
	return t
}

// cellList renders a JSON array (as text or decoded) as "a, b"; other
// values as their text.
func cellList(v any) string {
	var items []any
	switch x := v.(type) {
	case []any:
		items = x
	case string:
		s := strings.TrimSpace(x)
		if !strings.HasPrefix(s, "[") || json.Unmarshal([]byte(s), &items) != nil {
			return s
		}
	default:
		return cellString(v)
	}
	var out []string
	for _, it := range items {
		if s := cellString(it); s != "" {
			out = append(out, s)
		}
	}
	return strings.Join(out, ", ")
}

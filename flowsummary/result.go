package flowsummary

import (
	"fmt"
	"slices"
	"time"

	"github.com/gonotebooklets/notebooklets/nb"
	"github.com/gonotebooklets/notebooklets/providers/asn"
	"github.com/gonotebooklets/notebooklets/providers/flows"
	"github.com/gonotebooklets/notebooklets/providers/ti"
)

// HostEntity is the host investigated: what the value named and what the
// flows and the host provider told about it.
type HostEntity struct {
	HostName  string   `json:"HostName,omitempty"`
	IPAddress string   `json:"IpAddress,omitempty"`
	PublicIPs []string `json:"PublicIpAddresses,omitempty"`
	Region    string   `json:"Region,omitempty"`
	// ASNs are the ASNs of the host's public addresses; they are never
	// selected by default.
	ASNs []asn.Number `json:"ASNs,omitempty"`
	// Details holds further host facts from the host provider (OS, resource
	// id, ...), name → value.
	Details map[string]string `json:"Details,omitempty"`
}

// IPs returns the host's addresses: IPAddress then PublicIPs.
func (h HostEntity) IPs() []string {
	var out []string
	if h.IPAddress != "" {
		out = append(out, h.IPAddress)
	}
	return append(out, h.PublicIPs...)
}

// PeerRole is the part an address plays on a map.
type PeerRole string

// The roles of the map points, with their colours in the map legend.
const (
	RoleHost     PeerRole = "host"     // green
	RoleOutbound PeerRole = "outbound" // blue: the host connected to it
	RoleInbound  PeerRole = "inbound"  // purple: it connected to the host
	RoleThreat   PeerRole = "threat"   // red: a positive threat-intel result
)

// Color returns the marker colour of the role, as msticnb's folium maps
// colour them.
func (r PeerRole) Color() string {
	switch r {
	case RoleHost:
		return "green"
	case RoleOutbound:
		return "blue"
	case RoleInbound:
		return "purple"
	case RoleThreat:
		return "red"
	}
	return "gray"
}

// GeoPoint is an address placed on a map, with what the map shows of it.
type GeoPoint struct {
	IP        string     `json:"ip"`
	Role      PeerRole   `json:"role"`
	Color     string     `json:"color"`
	Latitude  float64    `json:"latitude"`
	Longitude float64    `json:"longitude"`
	Country   string     `json:"country,omitempty"`
	City      string     `json:"city,omitempty"`
	ASN       asn.Number `json:"asn,omitempty"`
	ASNLabel  string     `json:"asn_label,omitempty"`
	// ASNDetails are the ASN's registration details, as the popup shows them.
	ASNDetails string   `json:"asn_details,omitempty"`
	Protocols  []string `json:"protocols,omitempty"`
	Flows      int64    `json:"flows,omitempty"`
	// Threats are the positive threat-intel results of the address
	// ("VirusTotal (high): …").
	Threats []string `json:"threats,omitempty"`
}

// GeoMapData is what a map shows: the placed points and the counts of
// addresses that could not be placed, and which geo-IP database placed them.
type GeoMapData struct {
	Points  []GeoPoint `json:"points"`
	Private int        `json:"private"` // non-public addresses, counted, not placed
	Unknown int        `json:"unknown"` // public addresses the database does not place
	Failed  []string   `json:"failed"`  // lookups that failed (first few, with reasons)
	Omitted int        `json:"omitted"` // points left out over the marker limit
	// Locator names the geo-IP database that placed the points ("" = none
	// was configured, so nothing could be placed).
	Locator string `json:"locator"`
}

// TIResults is the outcome of LookupTIForASNIPs.
type TIResults struct {
	// ASNs are the selected ASNs whose addresses were looked up.
	ASNs []asn.Number `json:"asns"`
	// IPs are the addresses looked up (those of the selected ASNs).
	IPs []string `json:"ips"`
	// Providers names the providers asked.
	Providers []string `json:"providers"`
	// Results are all results, one per indicator and provider.
	Results []ti.Result `json:"results"`
	// Positives are the positive results (ti.IsPositive).
	Positives []ti.Result `json:"positives"`
	// Matches are the positives joined to the flow index on source or dest.
	Matches []TIMatch `json:"matches"`
	// Failed lists "provider: reason" for lookups that failed.
	Failed []string `json:"failed,omitempty"`
}

// Result is what Run returns and saves for the next cells. It holds data
// only: every section is drawn from it (Show), and drawing never changes
// it. It has what msticnb's NetworkFlowResult holds (its plots and maps as
// the data they are drawn from), plus the default ASN selection with its
// reasons, the chosen ASNs, the providers that produced it and the
// warnings.
type Result struct {
	// RunID identifies the run; later steps act only on their own run.
	RunID string `json:"run_id"`
	// Notebook is the notebook that ran it ("" outside Jupyter).
	Notebook string `json:"notebook,omitempty"`

	Description string      `json:"description"`
	TimeSpan    nb.TimeSpan `json:"timespan"`
	Options     []string    `json:"options"`
	Value       string      `json:"value"`
	HostEntity  HostEntity  `json:"host_entity"`
	// Provenance names the providers that produced the result.
	Provenance Provenance `json:"provenance"`
	// Query is what the run asked its flow source for.
	Query flows.Query `json:"query"`
	// FlowTable is the workspace table the flows came from, and
	// FlowTableReason why it was chosen (auto); empty for local files.
	FlowTable       string `json:"flow_table,omitempty"`
	FlowTableReason string `json:"flow_table_reason,omitempty"`

	// NetworkFlows are the host's flows in the time span, the first
	// len(NetworkFlows) of FlowsTotal (see Warnings when they differ).
	NetworkFlows []flows.Flow `json:"network_flows"`
	FlowsTotal   int64        `json:"flows_total"`
	// RowsDropped counts flows outside the time span; RowsSkipped rows the
	// source could not read.
	RowsDropped int64 `json:"rows_dropped"`
	RowsSkipped int64 `json:"rows_skipped"`
	// HasBytes says whether the flow source recorded bytes (TotalBytes).
	HasBytes bool `json:"has_bytes,omitempty"`

	// ProtocolSeries and DirectionSeries are the bucketed data of the plots.
	ProtocolSeries  []TimeSeries `json:"protocol_series,omitempty"`
	DirectionSeries []TimeSeries `json:"direction_series,omitempty"`

	// FlowIndex is the flow index, sorted as msticnb's.
	FlowIndex []FlowIndexRow `json:"flow_index,omitempty"`
	// UniqueIPs counts the distinct addresses of the flow index.
	UniqueIPs int `json:"unique_ips"`
	// FlowSummary is the flow summary by ASN (nil without flow_summary).
	FlowSummary *ASNSummary `json:"flow_summary,omitempty"`

	// DefaultASNSelection is the default choice with a reason per ASN.
	DefaultASNSelection ASNSelection `json:"default_asn_selection"`
	// SelectedASNs are the ASNs chosen with SelectASNs (nil until then);
	// SelectionNote says how they were chosen.
	SelectedASNs  []asn.Number `json:"selected_asns"`
	SelectionNote string       `json:"selection_note,omitempty"`
	// Selected is true once SelectASNs (or SetSelectedASNs) has run.
	Selected bool `json:"selected"`

	TIResults *TIResults `json:"ti_results,omitempty"`

	// GeoMap is the map of all peers (option geo_map); GeoMapSelected the
	// map of the selected ASNs' addresses (ShowSelectedASNMap).
	GeoMap         *GeoMapData `json:"geo_map,omitempty"`
	GeoMapSelected *GeoMapData `json:"geo_map_selected,omitempty"`

	Warnings []string  `json:"warnings"`
	Created  time.Time `json:"created"`
}

func (r *Result) warn(format string, args ...any) {
	r.Warnings = append(r.Warnings, fmt.Sprintf(format, args...))
}

// hasOption reports whether the run used option o.
func (r *Result) hasOption(o string) bool {
	return slices.Contains(r.Options, o)
}

// FlowRecord is one flow with the source and dest msticnb computes for it: a
// row of msticnb's flow_index_data frame (the flows before grouping).
type FlowRecord struct {
	flows.Flow
	Source            string `json:"source"`
	Dest              string `json:"dest"`
	TotalAllowedFlows int64  `json:"TotalAllowedFlows"`
}

// FlowIndexData returns msticnb's flow_index_data: each flow the result keeps
// (NetworkFlows, in input order) with its source, dest and
// TotalAllowedFlows. When the run kept fewer flows than it read
// (FlowsTotal), NetworkFlowSummary.Flows streams them all.
func (r *Result) FlowIndexData() []FlowRecord {
	out := make([]FlowRecord, len(r.NetworkFlows))
	for i := range r.NetworkFlows {
		out[i] = newFlowRecord(&r.NetworkFlows[i])
	}
	return out
}

// newFlowRecord returns f's row of msticnb's flow_index_data.
func newFlowRecord(f *flows.Flow) FlowRecord {
	return FlowRecord{Flow: *f, Source: f.Source(), Dest: f.Dest(), TotalAllowedFlows: f.TotalAllowedFlows()}
}

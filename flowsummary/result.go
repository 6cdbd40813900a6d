package flowsummary

import (
	"html/template"
	"time"

	"github.com/gonotebooklets/notebooklets/nb"
	"github.com/gonotebooklets/notebooklets/providers/flows"
	"github.com/gonotebooklets/notebooklets/providers/ti"
	"github.com/gonotebooklets/notebooklets/widgets"
)

// HostEntity is the host investigated: what the value named and what the
// flows and the host provider told about it.
type HostEntity struct {
	HostName  string   `json:"HostName,omitempty"`
	IPAddress string   `json:"IpAddress,omitempty"`
	PublicIPs []string `json:"PublicIpAddresses,omitempty"`
	Region    string   `json:"Region,omitempty"`
	// ASNs are the ASN labels of the host's public addresses; they are never
	// selected by default.
	ASNs []string `json:"ASNs,omitempty"`
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

// GeoPoint is an address placed on a map, with what the map shows of it.
type GeoPoint struct {
	IP        string  `json:"ip"`
	Role      string  `json:"role"` // "host", "outbound", "inbound", "threat"
	Known     bool    `json:"known"`
	Latitude  float64 `json:"latitude,omitempty"`
	Longitude float64 `json:"longitude,omitempty"`
	Country   string  `json:"country,omitempty"`
	City      string  `json:"city,omitempty"`
	ASN       string  `json:"asn,omitempty"`
	Protocols string  `json:"protocols,omitempty"`
	Flows     int64   `json:"flows,omitempty"`
	Threat    string  `json:"threat,omitempty"`
}

// GeoMapData is what a map shows: the placed points and the counts of
// addresses that could not be placed.
type GeoMapData struct {
	Points  []GeoPoint `json:"points"`
	Private int        `json:"private"` // private addresses, counted, not placed
	Unknown int        `json:"unknown"` // public addresses the database does not place
	Failed  []string   `json:"failed"`  // lookups that failed (first few, with reasons)
	Omitted int        `json:"omitted"` // points left out over the marker limit
}

// TIResults is the outcome of LookupTIForASNIPs.
type TIResults struct {
	// IPs are the addresses looked up (those of the selected ASNs).
	IPs []string `json:"ips"`
	// Results are all results, one per indicator and provider.
	Results []ti.Result `json:"results"`
	// Positives are the results at severity Low or above.
	Positives []ti.Result `json:"positives"`
	// Matches are the positives joined to the flow index on source or dest.
	Matches []TIMatch `json:"matches"`
	// Failed lists "provider: reason" for lookups that failed.
	Failed []string `json:"failed,omitempty"`
}

// Result is what Run returns and saves for the next cells: everything
// msticnb's NetworkFlowResult holds (the plots, tables and maps as HTML,
// rebuilt from the data when the result is loaded), plus the default ASN
// selection with its reasons, the chosen ASNs and the warnings.
type Result struct {
	Description string      `json:"description"`
	TimeSpan    nb.TimeSpan `json:"timespan"`
	Options     []string    `json:"options"`
	Value       string      `json:"value"`
	HostEntity  HostEntity  `json:"host_entity"`

	// NetworkFlows are the host's flows in the time span, the first
	// FlowsKept of FlowsTotal (see Warnings when they differ).
	NetworkFlows []flows.Flow `json:"network_flows"`
	FlowsTotal   int64        `json:"flows_total"`
	// RowsDropped counts flows outside the time span; RowsSkipped rows the
	// source could not read.
	RowsDropped int64 `json:"rows_dropped"`
	RowsSkipped int64 `json:"rows_skipped"`

	// ProtocolSeries and DirectionSeries are the bucketed data of the plots.
	ProtocolSeries  []TimeSeries `json:"protocol_series,omitempty"`
	DirectionSeries []TimeSeries `json:"direction_series,omitempty"`

	PlotFlowsByProtocol  template.HTML `json:"-"`
	PlotFlowsByDirection template.HTML `json:"-"`
	PlotFlowValues       template.HTML `json:"-"`

	// FlowIndex is the flow index table (HTML, top rows); FlowIndexData
	// the full flow index, sorted as msticnb's.
	FlowIndex     template.HTML  `json:"-"`
	FlowIndexData []FlowIndexRow `json:"flow_index_data,omitempty"`
	// UniqueIPs counts the distinct addresses of the flow index.
	UniqueIPs int `json:"unique_ips"`
	// FlowSummary is the flow summary by ASN (nil without flow_summary).
	FlowSummary *ASNSummary `json:"flow_summary,omitempty"`

	TIResults *TIResults `json:"ti_results,omitempty"`

	GeoMap         template.HTML `json:"-"`
	GeoMapData     *GeoMapData   `json:"geo_map_data,omitempty"`
	GeoMapSelected template.HTML `json:"-"`
	GeoMapSelData  *GeoMapData   `json:"geo_map_selected_data,omitempty"`

	// DefaultASNSelection is the default choice with a reason per ASN.
	DefaultASNSelection ASNSelection `json:"default_asn_selection"`
	// SelectedASNs are the ASNs chosen with SelectASNs (nil until then);
	// SelectionNote says how they were chosen.
	SelectedASNs  []string `json:"selected_asns"`
	SelectionNote string   `json:"selection_note,omitempty"`
	// Selected is true once SelectASNs (or SetSelectedASNs) has run.
	Selected bool `json:"selected"`

	Warnings []string  `json:"warnings"`
	Created  time.Time `json:"created"`

	// assets is where the charts and maps load their JavaScript from (not
	// saved: each process uses its own settings).
	assets widgets.Assets
}

func (r *Result) warn(format string, args ...any) {
	r.Warnings = append(r.Warnings, sprintf(format, args...))
}

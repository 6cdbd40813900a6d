package flowsummary

import (
	"encoding/json"
	"io"

	"github.com/gonotebooklets/notebooklets/nb"
	"github.com/gonotebooklets/notebooklets/providers/asn"
	"github.com/gonotebooklets/notebooklets/providers/flows"
)

// JSONOptions says what WriteJSON includes besides the summary.
type JSONOptions struct {
	// Flows includes the raw flows the result keeps (NetworkFlows).
	Flows bool
}

// jsonDocument is the JSON form of a result, with msticnb's names for
// msticnb's fields.
type jsonDocument struct {
	RunID               string          `json:"run_id"`
	Description         string          `json:"description"`
	HostEntity          HostEntity      `json:"host_entity"`
	TimeSpan            nb.TimeSpan     `json:"timespan"`
	Options             []string        `json:"options"`
	Provenance          Provenance      `json:"provenance"`
	FlowTable           string          `json:"flow_table,omitempty"`
	FlowTableReason     string          `json:"flow_table_reason,omitempty"`
	FlowsTotal          int64           `json:"flows_total"`
	RowsDropped         int64           `json:"rows_dropped"`
	RowsSkipped         int64           `json:"rows_skipped"`
	UniqueIPs           int             `json:"unique_ips"`
	FlowIndex           []FlowIndexRow  `json:"flow_index"`
	FlowSummary         []ASNSummaryRow `json:"flow_summary"`
	DefaultASNSelection ASNSelection    `json:"default_asn_selection"`
	SelectedASNs        []asn.Number    `json:"selected_asns"`
	TIResults           *TIResults      `json:"ti_results"`
	GeoMap              *GeoMapData     `json:"geo_map,omitempty"`
	GeoMapSelected      *GeoMapData     `json:"geo_map_selected,omitempty"`
	NetworkFlows        []flows.Flow    `json:"network_flows,omitempty"`
	Warnings            []string        `json:"warnings"`
}

// WriteJSON writes the result as one JSON document (indented): the host,
// the span, the options, the providers, the flow index, the flow summary by
// ASN, the default and chosen ASNs, the TI results, the maps' points and
// the warnings; with o.Flows also the raw flows.
func (r *Result) WriteJSON(w io.Writer, o JSONOptions) error {
	d := jsonDocument{
		RunID: r.RunID, Description: r.Description, HostEntity: r.HostEntity, TimeSpan: r.TimeSpan, Options: r.Options,
		Provenance: r.Provenance, FlowTable: r.FlowTable, FlowTableReason: r.FlowTableReason, FlowsTotal: r.FlowsTotal, RowsDropped: r.RowsDropped, RowsSkipped: r.RowsSkipped,
		UniqueIPs: r.UniqueIPs, FlowIndex: r.FlowIndex, FlowSummary: []ASNSummaryRow{},
		DefaultASNSelection: r.DefaultASNSelection, SelectedASNs: r.SelectedASNs, TIResults: r.TIResults,
		GeoMap: r.GeoMap, GeoMapSelected: r.GeoMapSelected, Warnings: r.Warnings,
	}
	if d.FlowIndex == nil {
		d.FlowIndex = []FlowIndexRow{}
	}
	if r.FlowSummary != nil && r.FlowSummary.Rows != nil {
		d.FlowSummary = r.FlowSummary.Rows
	}
	if d.SelectedASNs == nil {
		d.SelectedASNs = []asn.Number{}
	}
	if d.Warnings == nil {
		d.Warnings = []string{}
	}
	if o.Flows {
		d.NetworkFlows = r.NetworkFlows
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", " ")
	return enc.Encode(d)
}

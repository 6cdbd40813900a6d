package flowsummary

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/gonotebooklets/notebooklets/internal/tabular"
	"github.com/gonotebooklets/notebooklets/nb"
	"github.com/gonotebooklets/notebooklets/providers/flows"
)

// The rows of the exported tables: the result's data with typed columns,
// named as in the JSON output (msticnb's names for msticnb's columns).

type flowIndexRow struct {
	Source            string `parquet:"source"`
	Dest              string `parquet:"dest"`
	L7Protocol        string `parquet:"L7Protocol"`
	FlowDirection     string `parquet:"FlowDirection"`
	TotalAllowedFlows int64  `parquet:"TotalAllowedFlows"`
	TotalBytes        int64  `parquet:"TotalBytes"`
}

type flowRow struct {
	TimeGenerated     time.Time `parquet:"TimeGenerated,optional,timestamp(microsecond)"`
	FlowStartTime     time.Time `parquet:"FlowStartTime,optional,timestamp(microsecond)"`
	FlowEndTime       time.Time `parquet:"FlowEndTime,optional,timestamp(microsecond)"`
	FlowType          string    `parquet:"FlowType"`
	VMName            string    `parquet:"VMName"`
	VMIPAddress       string    `parquet:"VMIPAddress"`
	PublicIPs         []string  `parquet:"PublicIPs,list"`
	SrcIP             string    `parquet:"SrcIP"`
	DestIP            string    `parquet:"DestIP"`
	L4Protocol        string    `parquet:"L4Protocol"`
	L7Protocol        string    `parquet:"L7Protocol"`
	DestPort          int64     `parquet:"DestPort"`
	FlowDirection     string    `parquet:"FlowDirection"`
	AllowedOutFlows   int64     `parquet:"AllowedOutFlows"`
	AllowedInFlows    int64     `parquet:"AllowedInFlows"`
	DeniedInFlows     int64     `parquet:"DeniedInFlows"`
	DeniedOutFlows    int64     `parquet:"DeniedOutFlows"`
	RemoteRegion      string    `parquet:"RemoteRegion"`
	VMRegion          string    `parquet:"VMRegion"`
	AllExtIPs         string    `parquet:"AllExtIPs"`
	BytesSrcToDest    int64     `parquet:"BytesSrcToDest"`
	BytesDestToSrc    int64     `parquet:"BytesDestToSrc"`
	Source            string    `parquet:"source"`
	Dest              string    `parquet:"dest"`
	TotalAllowedFlows int64     `parquet:"TotalAllowedFlows"`
}

func newFlowRow(f *flows.Flow) flowRow {
	return flowRow{
		TimeGenerated: f.TimeGenerated, FlowStartTime: f.FlowStartTime, FlowEndTime: f.FlowEndTime, FlowType: f.FlowType,
		VMName: f.VMName, VMIPAddress: f.VMIPAddress, PublicIPs: f.PublicIPs, SrcIP: f.SrcIP, DestIP: f.DestIP,
		L4Protocol: f.L4Protocol, L7Protocol: f.L7Protocol, DestPort: int64(f.DestPort), FlowDirection: string(f.FlowDirection),
		AllowedOutFlows: f.AllowedOutFlows, AllowedInFlows: f.AllowedInFlows, DeniedInFlows: f.DeniedInFlows, DeniedOutFlows: f.DeniedOutFlows,
		RemoteRegion: f.RemoteRegion, VMRegion: f.VMRegion, AllExtIPs: f.AllExtIPs, BytesSrcToDest: f.BytesSrcToDest, BytesDestToSrc: f.BytesDestToSrc,
		Source: f.Source(), Dest: f.Dest(), TotalAllowedFlows: f.TotalAllowedFlows(),
	}
}

type asnSummaryRow struct {
	DestASN           string   `parquet:"DestASN"`
	SourceASN         string   `parquet:"SourceASN"`
	DestASNumber      uint32   `parquet:"DestASNumber"`
	SourceASNumber    uint32   `parquet:"SourceASNumber"`
	TotalAllowedFlows int64    `parquet:"TotalAllowedFlows"`
	TotalBytes        int64    `parquet:"TotalBytes"`
	L7Protocols       []string `parquet:"L7Protocols,list"`
	SourceIPs         []string `parquet:"source_ips,list"`
	DestIPs           []string `parquet:"dest_ips,list"`
	Details           []string `parquet:"details,list"`
}

type asnChoiceRow struct {
	ASN               uint32 `parquet:"asn"`
	Label             string `parquet:"label"`
	TotalAllowedFlows int64  `parquet:"TotalAllowedFlows"`
	Default           bool   `parquet:"default"`
	Selected          bool   `parquet:"selected"`
	Reason            string `parquet:"reason"`
}

type tiResultRow struct {
	Ioc       string `parquet:"Ioc"`
	IocType   string `parquet:"IocType"`
	Provider  string `parquet:"Provider"`
	Positive  bool   `parquet:"Positive"`
	Severity  string `parquet:"Severity"`
	Details   string `parquet:"Details"`
	Reference string `parquet:"Reference"`
	Error     string `parquet:"Error"`
}

type tiMatchRow struct {
	Ioc               string `parquet:"Ioc"`
	MatchedOn         string `parquet:"matched_on"`
	Source            string `parquet:"source"`
	Dest              string `parquet:"dest"`
	L7Protocol        string `parquet:"L7Protocol"`
	FlowDirection     string `parquet:"FlowDirection"`
	TotalAllowedFlows int64  `parquet:"TotalAllowedFlows"`
	Provider          string `parquet:"Provider"`
	Severity          string `parquet:"Severity"`
	Details           string `parquet:"Details"`
}

type geoPointRow struct {
	IP        string   `parquet:"ip"`
	Role      string   `parquet:"role"`
	Color     string   `parquet:"color"`
	Latitude  float64  `parquet:"latitude"`
	Longitude float64  `parquet:"longitude"`
	Country   string   `parquet:"country"`
	City      string   `parquet:"city"`
	ASN       uint32   `parquet:"asn"`
	ASNLabel  string   `parquet:"asn_label"`
	Protocols []string `parquet:"protocols,list"`
	Flows     int64    `parquet:"flows"`
	Threats   []string `parquet:"threats,list"`
}

// writeTable writes rows as dir/name.csv and dir/name.parquet.
func writeTable[T any](dir, name string, rows []T) ([]string, error) {
	w, err := tabular.Create[T](dir, name)
	if err != nil {
		return nil, err
	}
	if err := w.Write(rows...); err != nil {
		w.Close()
		return nil, err
	}
	return w.Close()
}

// flowSeq yields flows to a function, stopping at its first error.
type flowSeq func(fn func(*flows.Flow) error) error

// Export writes each of the result's tables into dir as CSV and Parquet
// (typed columns, as the JSON output names them) and returns the files:
// flow_index (the grouped flows), flow_index_data (msticnb's per-flow frame:
// the flows the result keeps, with source and dest), flow_summary (by
// ASN), asn_selection, and when there is data for them ti_results,
// ti_matches, geo_map and geo_map_selected. NetworkFlowSummary.Export
// writes every flow of the run in flow_index_data, not only those kept.
func (r *Result) Export(dir string) ([]string, error) {
	return r.export(dir, func(fn func(*flows.Flow) error) error {
		for i := range r.NetworkFlows {
			if err := fn(&r.NetworkFlows[i]); err != nil {
				return err
			}
		}
		return nil
	})
}

func (r *Result) export(dir string, all flowSeq) ([]string, error) {
	var files []string
	add := func(paths []string, err error) error {
		files = append(files, paths...)
		return err
	}
	idx := make([]flowIndexRow, len(r.FlowIndex))
	for i, x := range r.FlowIndex {
		idx[i] = flowIndexRow{x.Source, x.Dest, x.L7Protocol, string(x.FlowDirection), x.TotalAllowedFlows, x.TotalBytes}
	}
	if err := add(writeTable(dir, "flow_index", idx)); err != nil {
		return files, err
	}
	w, err := tabular.Create[flowRow](dir, "flow_index_data")
	if err != nil {
		return files, err
	}
	batch := make([]flowRow, 0, 4096)
	err = all(func(f *flows.Flow) error {
		batch = append(batch, newFlowRow(f))
		if len(batch) == cap(batch) {
			err := w.Write(batch...)
			batch = batch[:0]
			return err
		}
		return nil
	})
	if err == nil && len(batch) > 0 {
		err = w.Write(batch...)
	}
	paths, cerr := w.Close()
	if err := add(paths, errors.Join(err, cerr)); err != nil {
		return files, err
	}
	var sum []asnSummaryRow
	if r.FlowSummary != nil {
		for _, x := range r.FlowSummary.Rows {
			row := asnSummaryRow{DestASN: x.DestASN, SourceASN: x.SourceASN, TotalAllowedFlows: x.TotalAllowedFlows, TotalBytes: x.TotalBytes,
				L7Protocols: x.L7Protocols, SourceIPs: x.SourceIPs, DestIPs: x.DestIPs, Details: asnDetails(x)}
			if r.FlowSummary.HasDest {
				row.DestASNumber = uint32(x.DestASNumber)
			}
			if r.FlowSummary.HasSource {
				row.SourceASNumber = uint32(x.SourceASNumber)
			}
			sum = append(sum, row)
		}
	}
	if err := add(writeTable(dir, "flow_summary", sum)); err != nil {
		return files, err
	}
	var choices []asnChoiceRow
	for _, c := range r.DefaultASNSelection.Choices {
		selected := r.Selected && slices.Contains(r.SelectedASNs, c.ASN)
		choices = append(choices, asnChoiceRow{uint32(c.ASN), c.Label, c.TotalAllowedFlows, c.Default, selected, c.Reason})
	}
	if err := add(writeTable(dir, "asn_selection", choices)); err != nil {
		return files, err
	}
	if t := r.TIResults; t != nil {
		var res []tiResultRow
		for _, x := range t.Results {
			res = append(res, tiResultRow{x.Ioc, x.IocType, x.Provider, x.Positive && x.Err == "", x.Severity.String(), x.Details, x.Reference, x.Err})
		}
		if err := add(writeTable(dir, "ti_results", res)); err != nil {
			return files, err
		}
		var ms []tiMatchRow
		for _, m := range t.Matches {
			ms = append(ms, tiMatchRow{m.Ioc, m.On, m.Source, m.Dest, m.L7Protocol, string(m.FlowDirection), m.TotalAllowedFlows, m.Provider, m.Severity.String(), m.Details})
		}
		if err := add(writeTable(dir, "ti_matches", ms)); err != nil {
			return files, err
		}
	}
	for name, d := range map[string]*GeoMapData{"geo_map": r.GeoMap, "geo_map_selected": r.GeoMapSelected} {
		if d == nil {
			continue
		}
		var pts []geoPointRow
		for _, p := range d.Points {
			pts = append(pts, geoPointRow{p.IP, string(p.Role), p.Color, p.Latitude, p.Longitude, p.Country, p.City, uint32(p.ASN), p.ASNLabel, p.Protocols, p.Flows, p.Threats})
		}
		if err := add(writeTable(dir, name, pts)); err != nil {
			return files, err
		}
	}
	return files, nil
}

// Export writes the tables of this notebook's run into dir, as
// Result.Export does, with every flow of the run in flow_index_data (read
// again from the flow source when the result keeps only the first ones; see
// Flows). It returns the files written.
func (n *NetworkFlowSummary) Export(ctx context.Context, dir string) ([]string, error) {
	files, err := n.export(ctx, dir)
	if err != nil {
		return files, n.fail(err)
	}
	n.display().Text(fmt.Sprintf("Exported %d files to %s: %s", len(files), dir, strings.Join(baseNames(files), ", ")), false)
	return files, nil
}

func (n *NetworkFlowSummary) export(ctx context.Context, dir string) ([]string, error) {
	res, err := n.current(ctx, msgRunFirst)
	if err != nil {
		return nil, err
	}
	return res.export(dir, func(fn func(*flows.Flow) error) error { return n.flowsOf(ctx, res, fn) })
}

func baseNames(paths []string) []string {
	out := make([]string, len(paths))
	for i, p := range paths {
		out[i] = filepath.Base(p)
	}
	return out
}

// ErrSourceChanged is matched (errors.Is) when the flow source no longer
// holds the flows the run read.
var ErrSourceChanged = errors.New("the flow source changed since the run")

// Flows calls fn with every flow of this notebook's run, in the source's
// order: from the result when it kept them all (NetworkFlows), else read
// again from the flow source with the run's query and checked against the
// run (the same number of flows and TotalAllowedFlows; a changed source is
// ErrSourceChanged).
func (n *NetworkFlowSummary) Flows(ctx context.Context, fn func(*flows.Flow) error) error {
	res, err := n.current(ctx, msgRunFirst)
	if err != nil {
		return n.fail(err)
	}
	if err := n.flowsOf(ctx, res, fn); err != nil {
		return n.fail(err)
	}
	return nil
}

func (n *NetworkFlowSummary) flowsOf(ctx context.Context, res *Result, fn func(*flows.Flow) error) error {
	if int64(len(res.NetworkFlows)) == res.FlowsTotal {
		for i := range res.NetworkFlows {
			if err := fn(&res.NetworkFlows[i]); err != nil {
				return err
			}
		}
		return nil
	}
	if n.flows == nil {
		return fmt.Errorf("flowsummary: %w: the run kept %d of its %d flows and this handle has no flow source to read the rest from", ErrNotConfigured, len(res.NetworkFlows), res.FlowsTotal)
	}
	if now := n.provenance().Flows; now != res.Provenance.Flows {
		return fmt.Errorf("flowsummary: %w: the run read its flows from %s, this handle reads %s", ErrSourceChanged, res.Provenance.Flows, now)
	}
	var count, total int64
	var want int64
	for _, r := range res.FlowIndex {
		want = addSat(want, r.TotalAllowedFlows)
	}
	q := res.Query
	_, err := n.flows.Stream(ctx, q, func(f *flows.Flow) error {
		if !q.Match(f) {
			return nil
		}
		count++
		total = addSat(total, f.TotalAllowedFlows())
		return fn(f)
	})
	if err != nil {
		return &nb.ProviderError{Provider: "flows", Err: err}
	}
	if count != res.FlowsTotal || total != want {
		return fmt.Errorf("flowsummary: %w: it now has %d flows (%d allowed) for the run's host and span, the run read %d (%d allowed); run the notebooklet again", ErrSourceChanged, count, total, res.FlowsTotal, want)
	}
	return nil
}

//go:build msticnb

package msticnbparity

import "strings"

// harnessOutput is scripts/msticnb/harness.py's output document.
type harnessOutput struct {
	Msticnb string                 `json:"msticnb"`
	Msticpy string                 `json:"msticpy"`
	Pandas  string                 `json:"pandas"`
	Cases   map[string]harnessCase `json:"cases"`
}

type harnessStep struct {
	OK        bool     `json:"ok"`
	Crash     *crash   `json:"crash"`
	Displayed []string `json:"displayed"`
	Seconds   float64  `json:"seconds"`
}

// crash is an exception msticnb raised, at its innermost msticnb line.
type crash struct {
	Type     string `json:"type"`
	Message  string `json:"message"`
	File     string `json:"file"`
	Line     int    `json:"line"`
	Function string `json:"function"`
	Code     string `json:"code"`
}

type harnessCase struct {
	Patches      []string               `json:"patches"`
	Steps        map[string]harnessStep `json:"steps"`
	CrashesFixed []struct {
		BeforePatch string                 `json:"before_patch"`
		Steps       map[string]harnessStep `json:"steps"`
	} `json:"crashes_fixed"`
	Options    []string `json:"options"`
	FlowsTotal *int     `json:"flows_total"`
	FlowIndex  []struct {
		Source            *string `json:"source"`
		Dest              *string `json:"dest"`
		L7Protocol        *string `json:"L7Protocol"`
		FlowDirection     *string `json:"FlowDirection"`
		TotalAllowedFlows int64   `json:"TotalAllowedFlows"`
	} `json:"flow_index"`
	FlowSummary []struct {
		DestASN           *string  `json:"DestASN"`
		SourceASN         *string  `json:"SourceASN"`
		TotalAllowedFlows int64    `json:"TotalAllowedFlows"`
		L7Protocols       []string `json:"L7Protocols"`
		SourceIPs         []string `json:"source_ips"`
		DestIPs           []string `json:"dest_ips"`
	} `json:"flow_summary"`
	FlowPairs []struct {
		Source *string `json:"source"`
		Dest   *string `json:"dest"`
	} `json:"flow_pairs"`
	ASNColumns []string `json:"asn_columns"`
	Host       struct {
		HostName  *string `json:"HostName"`
		IPAddress *string `json:"IpAddress"`
	} `json:"host"`
	DefaultASNSelection *struct {
		All     []string `json:"all"`
		Default []string `json:"default"`
	} `json:"default_asn_selection"`
	SelectedASNs     []string `json:"selected_asns"`
	SelectedUniqueIP *int     `json:"selected_unique_ips"`
	TIResults        []struct {
		Source            *string `json:"source"`
		Dest              *string `json:"dest"`
		L7Protocol        *string `json:"L7Protocol"`
		FlowDirection     *string `json:"FlowDirection"`
		TotalAllowedFlows int64   `json:"TotalAllowedFlows"`
		Ioc               string  `json:"Ioc"`
		Severity          string  `json:"Severity"`
	} `json:"ti_results"`
	GeoMapAll      []harnessPoint `json:"geo_map_all"`
	GeoMapSelected []harnessPoint `json:"geo_map_selected"`
	UniqueIPs      *int           `json:"unique_ips"`
	Messages       []string       `json:"messages"`
	KQLTimeFilter  *struct {
		RowsInFile int `json:"rows_in_file"`
		RowsKept   int `json:"rows_kept"`
	} `json:"kql_time_filter"`
}

type harnessPoint struct {
	IP     string  `json:"ip"`
	Color  string  `json:"color"`
	Placed bool    `json:"placed"`
	Lat    float64 `json:"lat"`
	Lon    float64 `json:"lon"`
}

// str reads a pandas cell: NaN (JSON null) is "<NaN>".
func str(p *string) string {
	if p == nil {
		return nanCell
	}
	return *p
}

// nanCell stands for a pandas NaN in a string column.
const nanCell = "<NaN>"

// crashes returns the crashes of the unpatched run and of each patched rerun,
// by step.
func (h harnessCase) crashes() map[string]crash {
	out := map[string]crash{}
	for _, c := range h.CrashesFixed {
		for name, s := range c.Steps {
			if s.Crash != nil {
				out[name+" (before patch "+c.BeforePatch+")"] = *s.Crash
			}
		}
	}
	for name, s := range h.Steps {
		if s.Crash != nil {
			out[name] = *s.Crash
		}
	}
	return out
}

// outcome converts the harness's (possibly patched) run.
func (h harnessCase) outcome() outcome {
	o := outcome{Options: h.Options, UniqueIPs: h.UniqueIPs}
	o.Ran = h.Steps["run"].OK
	if h.FlowsTotal != nil {
		o.FlowsTotal = *h.FlowsTotal
	}
	for _, r := range h.FlowIndex {
		o.FlowIndex = append(o.FlowIndex, indexRow{str(r.Source), str(r.Dest), str(r.L7Protocol), str(r.FlowDirection), r.TotalAllowedFlows})
	}
	for _, p := range h.FlowPairs {
		o.FlowPairs = append(o.FlowPairs, indexRow{Source: str(p.Source), Dest: str(p.Dest)})
	}
	o.ASNColumns = h.ASNColumns
	for _, r := range h.FlowSummary {
		row := summaryRow{TotalAllowedFlows: r.TotalAllowedFlows, L7Protocols: r.L7Protocols, SourceIPs: r.SourceIPs, DestIPs: r.DestIPs}
		for _, c := range h.ASNColumns {
			if c == "DestASN" {
				row.DestASN = str(r.DestASN)
			} else {
				row.SourceASN = str(r.SourceASN)
			}
		}
		o.Summary = append(o.Summary, row)
	}
	if h.Host.IPAddress != nil {
		o.HostIP = *h.Host.IPAddress
	}
	if d := h.DefaultASNSelection; d != nil {
		o.Selected = true
		o.AllASNs, o.DefaultASNs = d.All, d.Default
		o.SelectedASNs = h.SelectedASNs
	}
	if s, ok := h.Steps["lookup_ti_for_asn_ips"]; ok && s.OK {
		o.TILookedUp = true
		if h.SelectedUniqueIP != nil {
			o.SelectedIPs = *h.SelectedUniqueIP
		}
		for _, r := range h.TIResults {
			o.TI = append(o.TI, tiRow{indexRow{str(r.Source), str(r.Dest), str(r.L7Protocol), str(r.FlowDirection), r.TotalAllowedFlows}, r.Ioc, strings.ToLower(r.Severity)})
		}
	}
	o.MapAll = placed(h.GeoMapAll)
	o.MapSelected = placed(h.GeoMapSelected)
	return o
}

func placed(ps []harnessPoint) []mapPoint {
	if ps == nil {
		return nil
	}
	out := []mapPoint{}
	for _, p := range ps {
		if p.Placed {
			out = append(out, mapPoint{IP: p.IP, Color: p.Color, Lat: p.Lat, Lon: p.Lon})
		}
	}
	return out
}

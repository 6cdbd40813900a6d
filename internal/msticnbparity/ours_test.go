//go:build msticnb

package msticnbparity

// This file is the one place that knows our side's output: it runs
// `notebooklet run NetworkFlowSummary ... --json` and turns the document into
// an outcome. Adapt it (only it) when the --json document changes.

import (
	"cmp"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
)

// ourJSON is the part of the --json document the comparison reads. Fields
// whose type is changing (AS numbers or labels) are decoded leniently.
type ourJSON struct {
	Options    []string `json:"options"`
	FlowsTotal int      `json:"flows_total"`
	HostEntity struct {
		IPAddress string `json:"IpAddress"`
	} `json:"host_entity"`
	FlowIndex []struct {
		Source            string `json:"source"`
		Dest              string `json:"dest"`
		L7Protocol        string `json:"L7Protocol"`
		FlowDirection     string `json:"FlowDirection"`
		TotalAllowedFlows int64  `json:"TotalAllowedFlows"`
	} `json:"flow_index"`
	FlowSummary []struct {
		DestASN           *string         `json:"DestASN"`
		SourceASN         *string         `json:"SourceASN"`
		DestASNumber      json.RawMessage `json:"DestASNumber"`
		SourceASNumber    json.RawMessage `json:"SourceASNumber"`
		TotalAllowedFlows int64           `json:"TotalAllowedFlows"`
		L7Protocols       []string        `json:"L7Protocols"`
		SourceIPs         []string        `json:"source_ips"`
		DestIPs           []string        `json:"dest_ips"`
	} `json:"flow_summary"`
	DefaultASNSelection struct {
		Percentile25 float64 `json:"percentile_25"`
		Choices      []struct {
			ASN     json.RawMessage `json:"asn"`
			Default bool            `json:"default"`
			Reason  string          `json:"reason"`
		} `json:"choices"`
	} `json:"default_asn_selection"`
	SelectedASNs []json.RawMessage `json:"selected_asns"`
	TIResults    *struct {
		IPs     []string `json:"ips"`
		Matches []struct {
			Source            string `json:"source"`
			Dest              string `json:"dest"`
			L7Protocol        string `json:"L7Protocol"`
			FlowDirection     string `json:"FlowDirection"`
			TotalAllowedFlows int64  `json:"TotalAllowedFlows"`
			On                string `json:"matched_on"`
			Ioc               string `json:"Ioc"`
			Severity          string `json:"Severity"`
		} `json:"matches"`
	} `json:"ti_results"`
	// Map points: see geoPoints for the accepted shapes.
	UniqueIPs      *int            `json:"unique_ips"`
	GeoMap         json.RawMessage `json:"geo_map"`
	GeoMapData     json.RawMessage `json:"geo_map_data"`
	GeoMapSelected json.RawMessage `json:"geo_map_selected"`
	GeoMapSelData  json.RawMessage `json:"geo_map_selected_data"`
}

// runOurs runs our CLI on a case with the same files as the harness and
// reads its --json output.
func runOurs(bin, root, tmp string, c parityCase, db dbFiles) (outcome, error) {
	out := filepath.Join(tmp, "ours-"+c.Name+".json")
	args := []string{"run", "NetworkFlowSummary", "--value", c.Value, "--flows", filepath.Join(root, c.Flows),
		"--asn-db", db.ASN, "--geoip-city", db.City, "--ti-file", db.TI,
		"--options", strings.Join(c.Options, ","), "--select-asns", cmp.Or(c.Select, "default"), "--lookup-ti",
		"--state-dir", filepath.Join(tmp, "state-"+c.Name), "--json", out}
	if c.Start != "" {
		args = append(args, "--start", c.Start, "--end", c.End)
	}
	cmd := exec.Command(bin, args...)
	cmd.Env = append(os.Environ(), "MSTICPYCONFIG="+filepath.Join(tmp, "no-msticpyconfig.yaml"))
	if msg, err := cmd.CombinedOutput(); err != nil {
		return outcome{}, fmt.Errorf("notebooklet %s: %v\n%s", strings.Join(args, " "), err, tail(string(msg), 3000))
	}
	b, err := os.ReadFile(out)
	if err != nil {
		return outcome{}, err
	}
	var j ourJSON
	if err := json.Unmarshal(b, &j); err != nil {
		return outcome{}, fmt.Errorf("%s: %w", out, err)
	}
	if j.UniqueIPs == nil || len(j.GeoMap) == 0 && len(j.GeoMapData) == 0 && strings.Contains(strings.Join(c.Options, ","), "geo_map") {
		return outcome{}, fmt.Errorf("%s: no unique_ips or geo_map in the --json document", out)
	}
	return j.outcome()
}

var asnLabel = regexp.MustCompile(`^AS(\d+)\b`)

func (j ourJSON) outcome() (outcome, error) {
	o := outcome{Ran: true, Options: j.Options, FlowsTotal: j.FlowsTotal, UniqueIPs: j.UniqueIPs, HostIP: j.HostEntity.IPAddress}
	for _, r := range j.FlowIndex {
		o.FlowIndex = append(o.FlowIndex, indexRow{r.Source, r.Dest, r.L7Protocol, r.FlowDirection, r.TotalAllowedFlows})
	}
	// AS number → label, for selections given as numbers.
	labels := map[uint64]string{}
	note := func(raw json.RawMessage, label *string) {
		if label == nil {
			return
		}
		if n, err := strconv.ParseUint(strings.Trim(string(raw), `"`), 10, 64); err == nil {
			labels[n] = *label
		}
		if m := asnLabel.FindStringSubmatch(*label); m != nil {
			n, _ := strconv.ParseUint(m[1], 10, 64)
			labels[n] = *label
		}
	}
	hasDest, hasSource := false, false
	for _, r := range j.FlowSummary {
		row := summaryRow{TotalAllowedFlows: r.TotalAllowedFlows, L7Protocols: r.L7Protocols, SourceIPs: r.SourceIPs, DestIPs: r.DestIPs}
		if r.DestASN != nil {
			row.DestASN, hasDest = *r.DestASN, true
		}
		if r.SourceASN != nil {
			row.SourceASN, hasSource = *r.SourceASN, true
		}
		note(r.DestASNumber, r.DestASN)
		note(r.SourceASNumber, r.SourceASN)
		o.Summary = append(o.Summary, row)
	}
	if hasDest {
		o.ASNColumns = append(o.ASNColumns, "DestASN")
	}
	if hasSource {
		o.ASNColumns = append(o.ASNColumns, "SourceASN")
	}
	label := func(raw json.RawMessage) (string, error) {
		var s string
		if json.Unmarshal(raw, &s) == nil {
			if n, err := strconv.ParseUint(s, 10, 64); err == nil && labels[n] != "" {
				return labels[n], nil
			}
			if m := asnLabel.FindStringSubmatch(s); m != nil && s == m[0] {
				n, _ := strconv.ParseUint(m[1], 10, 64)
				if labels[n] != "" {
					return labels[n], nil
				}
			}
			return s, nil
		}
		var n uint64
		if err := json.Unmarshal(raw, &n); err != nil {
			return "", fmt.Errorf("ASN %s is neither a label nor a number", raw)
		}
		if l, ok := labels[n]; ok {
			return l, nil
		}
		return "", fmt.Errorf("AS%d is in no flow summary row", n)
	}
	for _, c := range j.DefaultASNSelection.Choices {
		l, err := label(c.ASN)
		if err != nil {
			return o, err
		}
		o.AllASNs = append(o.AllASNs, l)
		if c.Default {
			o.DefaultASNs = append(o.DefaultASNs, l)
		}
		if strings.Contains(c.Reason, "host's own") {
			o.HostASNs = append(o.HostASNs, l)
		}
	}
	o.Selected = true
	for _, raw := range j.SelectedASNs {
		l, err := label(raw)
		if err != nil {
			return o, err
		}
		o.SelectedASNs = append(o.SelectedASNs, l)
	}
	if j.TIResults != nil {
		o.TILookedUp = true
		o.SelectedIPs = len(j.TIResults.IPs)
		for _, m := range j.TIResults.Matches {
			o.TI = append(o.TI, tiRow{indexRow{m.Source, m.Dest, m.L7Protocol, m.FlowDirection, m.TotalAllowedFlows}, m.Ioc, m.Severity})
		}
	}
	var err error
	if o.MapAll, err = geoPoints(j.GeoMap, j.GeoMapData); err != nil {
		return o, err
	}
	if o.MapSelected, err = geoPoints(j.GeoMapSelected, j.GeoMapSelData); err != nil {
		return o, err
	}
	return o, nil
}

// roleColor is the marker colour of our map roles (msticnb's folium colours).
var roleColor = map[string]string{"host": "green", "outbound": "blue", "inbound": "purple", "threat": "red"}

// geoPoints reads a map's points: {"points": [{ip, role, color?, latitude,
// longitude}]} under either key; nil when neither is there.
func geoPoints(raws ...json.RawMessage) ([]mapPoint, error) {
	for _, raw := range raws {
		if len(raw) == 0 || string(raw) == "null" {
			continue
		}
		var d struct {
			Points []struct {
				IP        string   `json:"ip"`
				Role      string   `json:"role"`
				Color     string   `json:"color"`
				Latitude  *float64 `json:"latitude"`
				Longitude *float64 `json:"longitude"`
				Lat       *float64 `json:"lat"`
				Lon       *float64 `json:"lon"`
			} `json:"points"`
		}
		if err := json.Unmarshal(raw, &d); err != nil {
			return nil, fmt.Errorf("map points: %w", err)
		}
		out := []mapPoint{}
		for _, p := range d.Points {
			lat, lon := p.Latitude, p.Longitude
			if lat == nil {
				lat, lon = p.Lat, p.Lon
			}
			zero := 0.0 // older documents leave 0 out (omitempty)
			if lat == nil {
				lat = &zero
			}
			if lon == nil {
				lon = &zero
			}
			col := p.Color
			if col == "" {
				col = roleColor[p.Role]
			}
			out = append(out, mapPoint{IP: p.IP, Color: col, Lat: *lat, Lon: *lon})
		}
		return out, nil
	}
	return nil, nil
}

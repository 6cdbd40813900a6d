package flowsummary

import (
	"fmt"
	"slices"
	"strings"

	"github.com/gonotebooklets/notebooklets/providers/provenance"
)

// Provenance names the providers of a run: where its flows, host details,
// geo-IP locations, ASNs and threat intelligence came from. A nil pointer
// means none was configured.
type Provenance struct {
	Flows provenance.Info   `json:"flows"`
	Hosts *provenance.Info  `json:"hosts,omitempty"`
	Geo   *provenance.Info  `json:"geo,omitempty"`
	ASN   *provenance.Info  `json:"asn,omitempty"`
	TI    []provenance.Info `json:"ti,omitempty"`
}

// SampleParts lists the parts that come from the embedded sample ("flows",
// "host details", "geo-IP", "ASN", "threat intel").
func (p Provenance) SampleParts() []string {
	var out []string
	if p.Flows.Sample {
		out = append(out, "flows")
	}
	for _, x := range []struct {
		name string
		info *provenance.Info
	}{{"host details", p.Hosts}, {"geo-IP", p.Geo}, {"ASN", p.ASN}} {
		if x.info != nil && x.info.Sample {
			out = append(out, x.name)
		}
	}
	if provenance.AnySample(p.TI...) {
		out = append(out, "threat intel")
	}
	return out
}

// stepPart is a part of the provenance that a later step compares.
type stepPart int

const (
	partFlows stepPart = iota
	partGeo
	partTI
)

// Differences says, one sentence each, where this handle's providers (p)
// differ from those of the run (run), for the parts a step uses.
func (p Provenance) differences(run Provenance, parts ...stepPart) []string {
	var out []string
	for _, part := range parts {
		var name, now, then string
		switch part {
		case partFlows:
			name, now, then = "flows", p.Flows.String(), run.Flows.String()
		case partGeo:
			name, now, then = "geo-IP database", infoString(p.Geo), infoString(run.Geo)
		case partTI:
			name, now, then = "threat-intel providers", infosString(p.TI), infosString(run.TI)
		}
		if now != then {
			out = append(out, fmt.Sprintf("this step's %s (%s) differ from the run's (%s): the notebooklet handle of this cell is not the one that ran; declare it once (var nbk = flowsummary.New(...)) and use it in every cell", name, now, then))
		}
	}
	return out
}

func infoString(i *provenance.Info) string {
	if i == nil {
		return "none configured"
	}
	return i.String()
}

func infosString(is []provenance.Info) string {
	if len(is) == 0 {
		return "none configured"
	}
	parts := make([]string, len(is))
	for i, x := range is {
		parts[i] = x.String()
	}
	slices.Sort(parts)
	return strings.Join(parts, ", ")
}

// Package provenance describes which data provider produced a result: the
// kind of provider, the instance it read (a workspace, files, a database,
// a service) and whether it is the embedded sample. A notebooklet records
// the provenance of every provider of a run, so that a later step whose
// providers differ can say so, and so that a result made from the sample is
// never taken for real data.
//
// Provenance never holds secrets: API keys and tokens are not part of it.
package provenance

import (
	"cmp"
	"slices"
	"strings"
)

// Info names one provider.
type Info struct {
	// Kind is the provider's kind: "files", "log-analytics", "geolite2-city",
	// "geolite2-asn", "cymru", "rdap", "virustotal", "local-indicators"...
	Kind string `json:"kind"`
	// Name is the provider's display name ("VirusTotal", "AzSTI",
	// "NTANetAnalytics").
	Name string `json:"name,omitempty"`
	// Location says which instance: file paths (comma-separated), a
	// workspace ID, a database path, a service's base URL. Never a key.
	Location string `json:"location,omitempty"`
	// Sample is true for the embedded sample data.
	Sample bool `json:"sample,omitempty"`
}

// String returns "Name (location)", the kind standing in for a missing
// name, with ", sample data" inside the parentheses for the sample.
func (i Info) String() string {
	var in []string
	if i.Location != "" && i.Location != i.Name {
		in = append(in, i.Location)
	}
	if i.Sample {
		in = append(in, "sample data")
	}
	name := cmp.Or(i.Name, i.Kind, "unknown provider")
	if len(in) == 0 {
		return name
	}
	return name + " (" + strings.Join(in, ", ") + ")"
}

// Describer is implemented by providers that can say what they are.
type Describer interface {
	Provenance() Info
}

// Of returns the provenance of provider p: p.Provenance() when p is a
// Describer, else an Info whose Kind is "unknown". A nil p gives the zero
// Info.
func Of(p any) Info {
	if p == nil {
		return Info{}
	}
	if d, ok := p.(Describer); ok {
		return d.Provenance()
	}
	return Info{Kind: "unknown"}
}

// AnySample reports whether any of infos is the embedded sample.
func AnySample(infos ...Info) bool {
	return slices.ContainsFunc(infos, func(i Info) bool { return i.Sample })
}

package flowsummary

import (
	"cmp"
	"fmt"
	"math"
	"slices"
	"strconv"

	"github.com/gonotebooklets/notebooklets/providers/asn"
)

// ASNChoice is one ASN offered for selection, with whether it is chosen by
// default and why (or why not).
type ASNChoice struct {
	ASN               asn.Number `json:"asn"`
	Label             string     `json:"label"`             // as the summary shows it
	TotalAllowedFlows int64      `json:"TotalAllowedFlows"` // summed over the summary rows naming it
	Default           bool       `json:"default"`
	Reason            string     `json:"reason"`
	// Details are the registration details of the ASN's first address
	// (country, registry, CIDR, organisation, and the source that answered).
	Details *asn.Info `json:"details,omitempty"`
}

// ASNSelection is the default selection: the 25th percentile of the
// summary's TotalAllowedFlows and the choices, rarest first.
type ASNSelection struct {
	Percentile25 float64     `json:"percentile_25"`
	Choices      []ASNChoice `json:"choices"`
}

// Default returns the ASNs chosen by default, in Choices order.
func (s ASNSelection) Default() []asn.Number {
	var out []asn.Number
	for _, c := range s.Choices {
		if c.Default {
			out = append(out, c.ASN)
		}
	}
	return out
}

// All returns every selectable ASN, in Choices order.
func (s ASNSelection) All() []asn.Number {
	out := make([]asn.Number, len(s.Choices))
	for i, c := range s.Choices {
		out[i] = c.ASN
	}
	return out
}

// Choice returns the choice of ASN a.
func (s ASNSelection) Choice(a asn.Number) (ASNChoice, bool) {
	for _, c := range s.Choices {
		if c.ASN == a {
			return c, true
		}
	}
	return ASNChoice{}, false
}

// DefaultASNSelection picks the ASNs to investigate by default, as msticnb
// does with its bugs fixed: the ASNs of summary rows whose TotalAllowedFlows
// is at most the 25th percentile (pandas' linear interpolation) over the
// rows, minus private addresses (never offered), minus the host's own ASNs.
// Addresses whose ASN was not found form the "unknown" ASN, selected like
// any other. Every choice carries its reason.
func DefaultASNSelection(s ASNSummary, hostASNs []asn.Number) ASNSelection {
	vals := make([]float64, len(s.Rows))
	for i, r := range s.Rows {
		vals[i] = float64(r.TotalAllowedFlows)
	}
	q := Quantile(vals, 0.25)
	sel := ASNSelection{Percentile25: q}
	if len(s.Rows) == 0 {
		sel.Percentile25 = 0
		return sel
	}
	type acc struct {
		label string
		info  *asn.Info
		total int64
		rare  bool
		min   int64
	}
	accs := map[asn.Number]*acc{}
	var order []asn.Number
	for _, r := range s.Rows {
		for _, a := range s.rowASNs(r) {
			if a == asn.Private {
				continue
			}
			x, ok := accs[a]
			if !ok {
				x = &acc{label: s.label(r, a), info: s.details(r, a), min: math.MaxInt64}
				accs[a] = x
				order = append(order, a)
			}
			x.total = addSat(x.total, r.TotalAllowedFlows)
			x.min = min(x.min, r.TotalAllowedFlows)
			if float64(r.TotalAllowedFlows) <= q {
				x.rare = true
			}
		}
	}
	qs := strconv.FormatFloat(q, 'f', -1, 64)
	for _, a := range order {
		x := accs[a]
		c := ASNChoice{ASN: a, Label: x.label, TotalAllowedFlows: x.total, Details: x.info}
		switch {
		case slices.Contains(hostASNs, a):
			c.Reason = "the host's own ASN"
		case x.rare:
			c.Default = true
			c.Reason = fmt.Sprintf("rare: %s, at or below the 25th percentile (%s)", flowsText(x.min, x.total), qs)
		default:
			c.Reason = fmt.Sprintf("common: %s, above the 25th percentile (%s)", flowsText(x.min, x.total), qs)
		}
		sel.Choices = append(sel.Choices, c)
	}
	slices.SortStableFunc(sel.Choices, func(a, b ASNChoice) int {
		return cmp.Or(cmp.Compare(a.TotalAllowedFlows, b.TotalAllowedFlows), cmp.Compare(a.Label, b.Label), cmp.Compare(a.ASN, b.ASN))
	})
	return sel
}

// flowsText says how many flows decided a choice: the smallest summary row
// of the ASN, and its total when the ASN is in several rows (as dest and as
// source).
func flowsText(min, total int64) string {
	if min == total {
		return fmt.Sprintf("%d flows", min)
	}
	return fmt.Sprintf("%d flows in its smallest summary row (%d in all)", min, total)
}

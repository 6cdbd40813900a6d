package flowsummary

import (
	"cmp"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"

	"github.com/gonotebooklets/notebooklets/providers/asn"
)

// ASNChoice is one ASN offered for selection, with whether it is chosen by
// default and why (or why not).
type ASNChoice struct {
	ASN               string `json:"asn"`
	TotalAllowedFlows int64  `json:"TotalAllowedFlows"` // summed over the summary rows naming it
	Default           bool   `json:"default"`
	Reason            string `json:"reason"`
}

// ASNSelection is the default selection: the 25th percentile of the
// summary's TotalAllowedFlows and the choices, rarest first.
type ASNSelection struct {
	Percentile25 float64     `json:"percentile_25"`
	Choices      []ASNChoice `json:"choices"`
}

// Default returns the ASNs chosen by default, in Choices order.
func (s ASNSelection) Default() []string {
	var out []string
	for _, c := range s.Choices {
		if c.Default {
			out = append(out, c.ASN)
		}
	}
	return out
}

// All returns every selectable ASN, in Choices order.
func (s ASNSelection) All() []string {
	out := make([]string, len(s.Choices))
	for i, c := range s.Choices {
		out[i] = c.ASN
	}
	return out
}

// DefaultASNSelection picks the ASNs to investigate by default, as msticnb
// does with its bugs fixed: the ASNs of summary rows whose TotalAllowedFlows
// is at most the 25th percentile (pandas' linear interpolation) over the
// rows, minus "private address" (never offered), minus the host's own ASNs
// (hostASNs, labels as in the summary). Addresses whose ASN was not found
// form the "unknown" ASN, selected like any other. Every choice carries its
// reason.
func DefaultASNSelection(s ASNSummary, hostASNs []string) ASNSelection {
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
	own := make(map[string]bool, len(hostASNs))
	for _, h := range hostASNs {
		own[h] = true
	}
	type acc struct {
		total int64
		rare  bool
		min   int64
	}
	accs := map[string]*acc{}
	var order []string
	for _, r := range s.Rows {
		for _, a := range [2]string{r.DestASN, r.SourceASN} {
			if a == "" || a == asn.PrivateName {
				continue
			}
			x, ok := accs[a]
			if !ok {
				x = &acc{min: math.MaxInt64}
				accs[a] = x
				order = append(order, a)
			}
			x.total += r.TotalAllowedFlows
			x.min = min(x.min, r.TotalAllowedFlows)
			if float64(r.TotalAllowedFlows) <= q {
				x.rare = true
			}
		}
	}
	qs := formatFloat(q)
	for _, a := range order {
		x := accs[a]
		c := ASNChoice{ASN: a, TotalAllowedFlows: x.total}
		switch {
		case own[a]:
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
		return cmp.Or(cmp.Compare(a.TotalAllowedFlows, b.TotalAllowedFlows), strings.Compare(a.ASN, b.ASN))
	})
	return sel
}

func formatFloat(f float64) string { return strconv.FormatFloat(f, 'f', -1, 64) }

// flowsText says how many flows decided a choice: the smallest summary row
// of the ASN, and its total when the ASN is in several rows (as dest and as
// source).
func flowsText(min, total int64) string {
	if min == total {
		return fmt.Sprintf("%d flows", min)
	}
	return fmt.Sprintf("%d flows in its smallest summary row (%d in all)", min, total)
}

package flowsummary

import "github.com/gonotebooklets/notebooklets/providers/ti"

// TIMatch is a positive TI result joined to a flow index row on the row's
// source or dest.
type TIMatch struct {
	FlowIndexRow
	// On is "source" or "dest": which side of the flow the indicator is.
	On string `json:"matched_on"`
	ti.Result
}

// IsPositive reports whether a TI result counts as a threat: looked up
// without error, at severity Low or above.
func IsPositive(r ti.Result) bool { return r.Err == "" && r.Severity >= ti.Low }

// Positives returns the positive results, in order.
func Positives(results []ti.Result) []ti.Result {
	var out []ti.Result
	for _, r := range results {
		if IsPositive(r) {
			out = append(out, r)
		}
	}
	return out
}

// JoinTI joins the positive results to the flow index rows, first on the
// source (every row × result pair with source == Ioc, in row order), then on
// the dest, as msticnb's two merges and concat do.
func JoinTI(index []FlowIndexRow, results []ti.Result) []TIMatch {
	byIoc := map[string][]ti.Result{}
	for _, r := range results {
		if IsPositive(r) {
			byIoc[r.Ioc] = append(byIoc[r.Ioc], r)
		}
	}
	if len(byIoc) == 0 {
		return nil
	}
	var out []TIMatch
	for _, side := range [2]string{"source", "dest"} {
		for _, row := range index {
			ip := row.Source
			if side == "dest" {
				ip = row.Dest
			}
			for _, r := range byIoc[ip] {
				out = append(out, TIMatch{FlowIndexRow: row, On: side, Result: r})
			}
		}
	}
	return out
}

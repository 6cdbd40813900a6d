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

// JoinTI joins the positive results (ti.Positive) to the flow index rows,
// first on the source (every row × result pair with source == Ioc, in row
// order), then on the dest, as msticnb's two merges and concat do.
func JoinTI(index []FlowIndexRow, results []ti.Result) []TIMatch {
	byIoc := map[string][]ti.Result{}
	for _, r := range ti.Positive(results) {
		byIoc[r.Ioc] = append(byIoc[r.Ioc], r)
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

package flowsummary

import (
	"context"
	"fmt"
	"strings"

	"github.com/janpfeifer/gonb/gonbui"

	"github.com/gonotebooklets/notebooklets/nb"
	"github.com/gonotebooklets/notebooklets/widgets"
)

// The messages of methods called out of order: msticnb's wording with the
// Go names.
const (
	msgRunFirst    = "Please use 'Run()' before using this method."
	msgSelectFirst = "Please use 'Run' with 'flow_summary' option before using this method."
	msgTIFirst     = "Please use 'Run()' with 'flow_summary' option before using this method.\n" +
		"Then call 'SelectASNs()' to select the ASNs to lookup.\n" +
		"Then call 'LookupTIForASNIPs()'."
	msgMapFirst = "Please use 'Run()' with 'flow_summary' option before using this method. " +
		"Then run 'SelectASNs()' (and optionally) 'LookupTIForASNIPs()'.\n" +
		"Then call 'ShowSelectedASNMap()'"
)

// notReady shows msg and returns it as an error matching ErrNotReady.
func (n *NetworkFlowSummary) notReady(msg string) error {
	n.sink.Text(msg, false)
	return &notReadyError{msg: msg}
}

// loadFor loads the last result for a method that needs the flow summary
// (and, with needSelection, a saved ASN selection).
func (n *NetworkFlowSummary) loadFor(msg string, needSelection bool) (*Result, error) {
	res, err := n.load(msg)
	if err != nil {
		if _, ok := err.(*notReadyError); ok {
			return nil, n.notReady(msg)
		}
		n.sink.Text(err.Error(), false)
		return nil, err
	}
	if res.FlowSummary == nil || (needSelection && !res.Selected) {
		return nil, n.notReady(msg)
	}
	return res, nil
}

// SelectASNs shows the ASN selector over the last result's flow summary, the
// rarest ASNs checked (see Result.DefaultASNSelection), and saves the choice
// for the next cells. In GoNB it waits for Apply; when no browser answers
// (headless runs) it keeps the defaults and says so. Outside GoNB it keeps
// the defaults and shows the list.
func (n *NetworkFlowSummary) SelectASNs(ctx context.Context) (widgets.Selection, error) {
	res, err := n.loadFor(msgSelectFirst, false)
	if err != nil {
		return widgets.Selection{}, err
	}
	var sel widgets.Selection
	err = nb.ShowSection(ctx, n.sink, metadata, nb.Section{Key: "select_asn_subset", Render: func(ctx context.Context, s nb.Sink) error {
		cl := widgets.NewChecklist("flowsummary-asn-select", checklistItems(res)...).
			Columns("ASN", "flows", "why").Title("Select the ASNs to process")
		var err error
		sel, err = cl.Wait(ctx)
		if err != nil {
			return err
		}
		res.SelectedASNs, res.Selected = sel.IDs, true
		res.SelectionNote = selectionNote(sel)
		if !gonbui.IsNotebook {
			return renderSelection(ctx, s, res)
		}
		if sel.FellBack {
			s.Text(res.SelectionNote, false)
		}
		return nil
	}}, n.silent)
	if err != nil {
		return sel, err
	}
	if err := n.save(res); err != nil {
		return sel, fmt.Errorf("flowsummary: the selection could not be saved: %w", err)
	}
	n.sink.Text(fmt.Sprintf("%d ASNs selected.", len(res.SelectedASNs)), false)
	return sel, nil
}

func selectionNote(sel widgets.Selection) string {
	if sel.FellBack {
		r := sel.Reason
		if r == "" {
			r = "no answer from the notebook front end"
		}
		return "The default ASN selection was kept: " + r + "."
	}
	return ""
}

// SetSelectedASNs chooses the ASNs from code (or the command line) instead
// of the selector and saves the choice. Each id must be an ASN of the last
// result's selection list.
func (n *NetworkFlowSummary) SetSelectedASNs(ctx context.Context, ids ...string) error {
	res, err := n.loadFor(msgSelectFirst, false)
	if err != nil {
		return err
	}
	all := res.DefaultASNSelection.All()
	var bad []string
	for _, id := range ids {
		if !contains(all, id) {
			bad = append(bad, fmt.Sprintf("%q", id))
		}
	}
	if len(bad) > 0 {
		return fmt.Errorf("flowsummary: not ASNs of the last result: %s (the ASNs are: %s)", strings.Join(bad, ", "), strings.Join(all, "; "))
	}
	res.SelectedASNs, res.Selected = append([]string{}, ids...), true
	res.SelectionNote = "Selected from code."
	return n.save(res)
}

// LookupTIForASNIPs looks up the addresses of the selected ASNs in the
// threat-intel providers, shows the counts of results and positives and the
// positives joined to their flows, and saves them in the result.
func (n *NetworkFlowSummary) LookupTIForASNIPs(ctx context.Context) (*TIResults, error) {
	res, err := n.loadFor(msgTIFirst, true)
	if err != nil {
		return nil, err
	}
	var out *TIResults
	err = nb.ShowSection(ctx, n.sink, metadata, nb.Section{Key: "lookup_ip_ti", Render: func(ctx context.Context, s nb.Sink) error {
		ips := res.FlowSummary.IPsOfASNs(res.SelectedASNs)
		t, err := n.lookupTI(ctx, s, ips)
		if err != nil {
			return err
		}
		t.Matches = JoinTI(res.FlowIndexData, t.Results)
		out = t
		res.TIResults = t
		for _, f := range t.Failed {
			res.warn("TI lookup failed: %s", f)
		}
		return renderTI(ctx, s, res)
	}}, n.silent)
	if err != nil {
		return nil, err
	}
	if err := n.save(res); err != nil {
		return out, fmt.Errorf("flowsummary: the TI results could not be saved: %w", err)
	}
	return out, nil
}

// ShowSelectedASNMap shows the map of the selected ASNs' addresses (outbound
// blue, inbound purple, host green, threat-intel hits red) and saves it in
// the result.
func (n *NetworkFlowSummary) ShowSelectedASNMap(ctx context.Context) error {
	res, err := n.loadFor(msgMapFirst, true)
	if err != nil {
		return err
	}
	res.GeoMapSelData = n.geoSelected(res)
	n.show(ctx, "display_geo_map", res)
	if err := n.save(res); err != nil {
		return fmt.Errorf("flowsummary: the map could not be saved: %w", err)
	}
	return nil
}

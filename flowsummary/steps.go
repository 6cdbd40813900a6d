package flowsummary

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/janpfeifer/gonb/gonbui"

	"github.com/gonotebooklets/notebooklets/nb"
	"github.com/gonotebooklets/notebooklets/providers/asn"
)

// The messages of steps called out of order: msticnb's wording with the Go
// names.
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

// ready returns the run a later step acts on: it needs the flow summary
// (and, with needSelection, a selection). When this handle's providers
// (the parts the step uses) differ from the run's, the step warns in the
// cell and in the result.
func (n *NetworkFlowSummary) ready(ctx context.Context, msg string, needSelection bool, parts ...stepPart) (*Result, error) {
	res, err := n.current(ctx, msg)
	if err != nil {
		return nil, err
	}
	if res.FlowSummary == nil || (needSelection && !res.Selected) {
		return nil, &notReadyError{msg: msg}
	}
	for _, d := range n.provenance().differences(res.Provenance, parts...) {
		if !slices.Contains(res.Warnings, d) {
			res.warn("%s", d)
		}
		n.display().Text("Warning: "+d, false)
	}
	return res, nil
}

// SelectASNs shows the ASN selector over the run's flow summary, the rarest
// ASNs checked (see Result.DefaultASNSelection), and saves the choice for the
// next cells. In GoNB it waits for Apply; when no browser answers (headless
// runs) it keeps the defaults and says so. Outside GoNB, and when silent, it
// keeps the defaults. It returns the selected ASNs.
func (n *NetworkFlowSummary) SelectASNs(ctx context.Context) ([]asn.Number, error) {
	sel, err := n.selectASNs(ctx)
	if err != nil {
		return sel, n.fail(err)
	}
	return sel, nil
}

func (n *NetworkFlowSummary) selectASNs(ctx context.Context) ([]asn.Number, error) {
	res, err := n.ready(ctx, msgSelectFirst, false, partFlows)
	if err != nil {
		return nil, err
	}
	s, v := n.display(), view{assets: n.assets}
	err = showSection(ctx, s, SectionSelectASNs, res, v, func(s nb.Sink) error {
		if !gonbui.IsNotebook || n.silent {
			res.SelectedASNs, res.Selected = res.DefaultASNSelection.Default(), true
			res.SelectionNote = "The default ASN selection was kept: there is no notebook front end to choose in; use SetSelectedASNs to choose from code."
			return renderSelection(s, res, v)
		}
		sel, err := waitChecklist(ctx, s, newASNChecklist(res, res.DefaultASNSelection.Default()))
		if err != nil {
			return err
		}
		ids, bad := parseASNs(sel.IDs)
		if len(bad) > 0 {
			return fmt.Errorf("flowsummary: the selector answered ASNs that are not in the list: %s", strings.Join(bad, ", "))
		}
		res.SelectedASNs, res.Selected = ids, true
		res.SelectionNote = ""
		if sel.FellBack {
			res.SelectionNote = "The default ASN selection was kept: " + cmp.Or(sel.Reason, "no answer from the notebook front end") + "."
			s.Text(res.SelectionNote, false)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	if err := n.saveStep(res); err != nil {
		return res.SelectedASNs, fmt.Errorf("flowsummary: the selection could not be saved: %w", err)
	}
	s.Text(fmt.Sprintf("%d ASNs selected.", len(res.SelectedASNs)), false)
	return res.SelectedASNs, nil
}

// parseASNs reads the selector's item ids (asn.Number strings).
func parseASNs(ids []string) (out []asn.Number, bad []string) {
	for _, id := range ids {
		a, err := asn.ParseNumber(id)
		if err != nil {
			bad = append(bad, fmt.Sprintf("%q", id))
			continue
		}
		out = append(out, a)
	}
	return out, bad
}

// ErrNotInSummary is matched (errors.Is) when SetSelectedASNs is given an
// ASN that the run's flow summary does not offer.
var ErrNotInSummary = errors.New("not an ASN of the flow summary")

// SetSelectedASNs chooses the ASNs from code (or the command line) instead
// of the selector, and saves the choice. Each must be an ASN of the run's
// selection list (Result.DefaultASNSelection.All()).
func (n *NetworkFlowSummary) SetSelectedASNs(ctx context.Context, asns ...asn.Number) error {
	if err := n.setSelectedASNs(ctx, asns); err != nil {
		return n.fail(err)
	}
	return nil
}

func (n *NetworkFlowSummary) setSelectedASNs(ctx context.Context, asns []asn.Number) error {
	res, err := n.ready(ctx, msgSelectFirst, false, partFlows)
	if err != nil {
		return err
	}
	all := res.DefaultASNSelection.All()
	var bad []string
	for _, a := range asns {
		if !slices.Contains(all, a) {
			bad = append(bad, a.String())
		}
	}
	if len(bad) > 0 {
		names := make([]string, len(all))
		for i, a := range all {
			names[i] = a.String()
		}
		return fmt.Errorf("flowsummary: %w: %s (the ASNs are: %s)", ErrNotInSummary, strings.Join(bad, ", "), strings.Join(names, ", "))
	}
	var sel []asn.Number
	for _, a := range asns {
		if !slices.Contains(sel, a) {
			sel = append(sel, a)
		}
	}
	res.SelectedASNs, res.Selected = sel, true
	res.SelectionNote = "Selected from code."
	return n.saveStep(res)
}

// LookupTIForASNIPs looks up the addresses of the selected ASNs in the
// threat-intel providers, shows the counts of results and positives and the
// positives joined to their flows, and saves them in the result. The step
// ends at the handle's lookup deadline with what it has (WithLookupDeadline);
// an ended ctx also keeps what was looked up, in the result and its
// warnings.
func (n *NetworkFlowSummary) LookupTIForASNIPs(ctx context.Context) (*TIResults, error) {
	t, err := n.lookupTIForASNIPs(ctx)
	if err != nil {
		return t, n.fail(err)
	}
	return t, nil
}

func (n *NetworkFlowSummary) lookupTIForASNIPs(ctx context.Context) (*TIResults, error) {
	res, err := n.ready(ctx, msgTIFirst, true, partFlows, partTI)
	if err != nil {
		return nil, err
	}
	s, v := n.display(), view{assets: n.assets}
	var out *TIResults
	var lookErr error
	err = showSection(ctx, s, SectionTILookup, res, v, func(s nb.Sink) error {
		ips := res.FlowSummary.IPsOfASNs(res.SelectedASNs)
		t, err := n.lookupTI(ctx, s, ips)
		t.ASNs = res.SelectedASNs
		t.Matches = JoinTI(res.FlowIndex, t.Results)
		out, lookErr = t, err
		res.TIResults = t
		for _, f := range t.Failed {
			res.warn("TI lookup failed: %s", f)
		}
		if err != nil {
			res.warn("TI lookup interrupted (%v): %d results kept", err, len(t.Results))
		}
		return renderTI(s, res, v)
	})
	if err != nil && lookErr == nil {
		return nil, err
	}
	if serr := n.saveStep(res); serr != nil {
		return out, fmt.Errorf("flowsummary: the TI results could not be saved: %w", serr)
	}
	return out, lookErr
}

// ShowSelectedASNMap shows the map of the selected ASNs' addresses
// (outbound blue, inbound purple, host green, threat-intel hits red) and
// saves it in the result.
func (n *NetworkFlowSummary) ShowSelectedASNMap(ctx context.Context) error {
	if err := n.showSelectedASNMap(ctx); err != nil {
		return n.fail(err)
	}
	return nil
}

func (n *NetworkFlowSummary) showSelectedASNMap(ctx context.Context) error {
	res, err := n.ready(ctx, msgMapFirst, true, partFlows, partGeo)
	if err != nil {
		return err
	}
	res.GeoMapSelected = n.geoSelected(res)
	n.show(ctx, n.display(), SectionGeoMapSelected, res, view{assets: n.assets})
	if err := n.saveStep(res); err != nil {
		return fmt.Errorf("flowsummary: the map could not be saved: %w", err)
	}
	return nil
}

// Show shows section sec again from the run's result, without querying
// again and without changing the result (a silent handle shows it too:
// showing is what Show is for).
func (n *NetworkFlowSummary) Show(ctx context.Context, sec Section) error {
	if err := n.showAgain(ctx, sec); err != nil {
		nb.ShowError(n.sink, err)
		return err
	}
	return nil
}

func (n *NetworkFlowSummary) showAgain(ctx context.Context, sec Section) error {
	if _, ok := renders[sec]; !ok || sec == SectionNextSteps {
		names := make([]string, 0, len(Sections()))
		for _, x := range Sections() {
			names = append(names, string(x))
		}
		return fmt.Errorf("flowsummary: %w %q; the sections are %s", nb.ErrUnknownSection, sec, strings.Join(names, ", "))
	}
	res, err := n.current(ctx, msgRunFirst)
	if err != nil {
		return err
	}
	if ok, first := hasData(res, sec); !ok {
		return &notReadyError{msg: fmt.Sprintf("The last result has no section %q: %s.", sec, first)}
	}
	return showSection(ctx, n.sink, sec, res, view{assets: n.assets}, nil)
}

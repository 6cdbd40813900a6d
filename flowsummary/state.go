package flowsummary

import (
	"context"
	"errors"
	"fmt"

	"github.com/gonotebooklets/notebooklets/nb"
	"github.com/gonotebooklets/notebooklets/widgets"
)

// stateKind and stateVersion name the saved result in the state directory.
const (
	stateKind    = "NetworkFlowSummary"
	stateVersion = 1
)

func (n *NetworkFlowSummary) store() nb.StateStore { return nb.StateStore{Dir: n.stateDir} }

func (n *NetworkFlowSummary) save(res *Result) error {
	return n.store().Save(stateKind, stateVersion, "", res)
}

// load reads the last result; a missing one is reported as not ready with
// msg, other errors (corrupt, other version) as they are, since they say
// how to recover.
func (n *NetworkFlowSummary) load(msg string) (*Result, error) {
	var res Result
	_, err := n.store().Load(stateKind, stateVersion, &res)
	if errors.Is(err, nb.ErrNoState) {
		return nil, &notReadyError{msg: msg}
	}
	if err != nil {
		return nil, err
	}
	res.assets = n.assets
	return &res, nil
}

// Last returns the result of the last Run in the state directory (this
// notebooklet's WithStateDir, else nb.StateDir()), with its plots, tables and
// maps drawn again from the saved data.
func (n *NetworkFlowSummary) Last() (*Result, error) {
	res, err := n.load(msgRunFirst)
	if err != nil {
		return nil, err
	}
	redraw(res)
	return res, nil
}

// Last returns the result of the last Run saved in nb.StateDir(), as
// (*NetworkFlowSummary).Last does.
func Last() (*Result, error) {
	n := &NetworkFlowSummary{stateDir: nb.StateDir(), assets: widgets.DefaultAssets()}
	return n.Last()
}

// redraw fills the HTML fields of a loaded result from its data.
func redraw(res *Result) {
	ctx := context.Background()
	for _, key := range []string{"plot_flows_by_protocol", "plot_flows_by_direction", "plot_flow_values", "get_flow_index", "display_geo_map_all", "display_geo_map"} {
		if !hasData(res, key) {
			continue
		}
		if err := sectionRenderers[key](ctx, nb.Discard, res); err != nil {
			res.warn("section %s could not be drawn again: %v", key, err)
		}
	}
}

// hasData reports whether res holds what section key shows.
func hasData(r *Result, key string) bool {
	switch key {
	case "plot_flows_by_protocol", "plot_flow_values":
		return len(r.ProtocolSeries) > 0
	case "plot_flows_by_direction":
		return len(r.DirectionSeries) > 0
	case "get_flow_index":
		return r.FlowIndexData != nil && containsOpt(r.Options, "flow_summary")
	case "get_flow_summary", "select_asn_subset":
		return r.FlowSummary != nil
	case "display_geo_map_all":
		return r.GeoMapData != nil
	case "display_geo_map":
		return r.GeoMapSelData != nil
	case "lookup_ip_ti":
		return r.TIResults != nil
	}
	return true
}

func containsOpt(opts []string, o string) bool { return contains(opts, o) }

// whatFirst says what to call before section key can be shown.
func whatFirst(key string) string {
	switch key {
	case "plot_flows_by_protocol", "plot_flows_by_direction":
		return "run 'Run()' with the 'plot_flows' option first"
	case "plot_flow_values":
		return "run 'Run()' with the 'plot_flow_values' option first"
	case "get_flow_index", "get_flow_summary", "select_asn_subset":
		return "run 'Run()' with the 'flow_summary' option first"
	case "display_geo_map_all":
		return "run 'Run()' with the 'geo_map' option first"
	case "lookup_ip_ti":
		return "call 'SelectASNs()' and then 'LookupTIForASNIPs()' first"
	case "display_geo_map":
		return "call 'SelectASNs()' and then 'ShowSelectedASNMap()' first"
	}
	return "call 'Run()' first"
}

// Show shows section key (a key of the YAML output mapping, such as
// "get_flow_summary") again from the last result, without querying again.
func (n *NetworkFlowSummary) Show(ctx context.Context, key string) error {
	render, ok := sectionRenderers[key]
	if !ok || key == "run" || key == "next_steps" {
		var keys []string
		for _, s := range metadata.Sections {
			if _, ok := sectionRenderers[s.Key]; ok && s.Key != "run" && s.Key != "next_steps" {
				keys = append(keys, s.Key)
			}
		}
		return fmt.Errorf("flowsummary: unknown section %q; the sections are %v", key, keys)
	}
	res, err := n.load(msgRunFirst)
	if err != nil {
		n.sink.Text(err.Error(), false)
		return err
	}
	if !hasData(res, key) {
		err := &notReadyError{msg: fmt.Sprintf("The last result has no section %q: %s.", key, whatFirst(key))}
		n.sink.Text(err.Error(), false)
		return err
	}
	return nb.ShowSection(ctx, n.sink, metadata, nb.Section{Key: key, Render: func(ctx context.Context, s nb.Sink) error {
		return render(ctx, s, res)
	}}, n.silent)
}

package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/gonotebooklets/notebooklets/flowsummary"
	"github.com/gonotebooklets/notebooklets/nb"
	"github.com/gonotebooklets/notebooklets/providers/asn"
	"github.com/gonotebooklets/notebooklets/providers/config"
	"github.com/gonotebooklets/notebooklets/providers/flows"
	"github.com/gonotebooklets/notebooklets/widgets"
)

func init() { runners["NetworkFlowSummary"] = runNetworkFlowSummary }

// networkFlowSummaryUsage is the synopsis of `notebooklet run
// NetworkFlowSummary`.
const networkFlowSummaryUsage = `notebooklet run NetworkFlowSummary --value V [--start T --end T | --last 24h]
    [--options "+geo_map,-plot_flows"] [--flows FILE]... [--config FILE] [--workspace NAME] [--flow-table auto]
    [--offline]
    [--hosts FILE] [--geoip-city FILE] [--asn-db FILE] [--ti-file FILE]
    [--select-asns default|all|AS8075,AS15169] [--lookup-ti] [--ti-deadline 1m]
    [--html OUT] [--json OUT] [--json-flows] [--export DIR] [--state-dir DIR]`

type multiFlag []string

func (m *multiFlag) String() string     { return strings.Join(*m, ",") }
func (m *multiFlag) Set(v string) error { *m = append(*m, v); return nil }

// flowSummaryFlags are the command line of `run NetworkFlowSummary`.
type flowSummaryFlags struct {
	value, start, end, last, options string
	src                              flowsummary.Sources
	flowFiles                        multiFlag
	cfgPath                          string
	selectASNs                       string
	lookupTI                         bool
	tiDeadline                       string
	htmlOut, jsonOut                 string
	jsonFlows                        bool
	exportDir                        string
	stateDir                         string
	maxKept                          int
}

func (f *flowSummaryFlags) parse(args []string, stdout io.Writer) error {
	fs := flag.NewFlagSet("NetworkFlowSummary", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	fs.StringVar(&f.value, "value", "", "host name or IP address (required)")
	fs.StringVar(&f.start, "start", "", "start of the time span")
	fs.StringVar(&f.end, "end", "", "end of the time span")
	fs.StringVar(&f.last, "last", "", "time span ending now, such as 24h or 7d")
	fs.StringVar(&f.options, "options", "", `options, e.g. "+geo_map,-plot_flows"`)
	fs.Var(&f.flowFiles, "flows", "flow export file (CSV, JSON, NDJSON); repeatable")
	fs.StringVar(&f.cfgPath, "config", "", "msticpyconfig.yaml (default: $MSTICPYCONFIG, ./msticpyconfig.yaml, ~/.msticpyconfig.yaml, ~/.msticpy/msticpyconfig.yaml)")
	fs.StringVar(&f.src.Workspace, "workspace", "", "AzureSentinel workspace of the config to query (Log Analytics)")
	fs.StringVar(&f.src.FlowTable, "flow-table", "", "workspace table of the flows: auto (default: the one with the host's flows), AzureNetworkAnalytics_CL, NTANetAnalytics, ASIM, DeviceNetworkEvents")
	fs.BoolVar(&f.src.Offline, "offline", false, "keep every lookup local: ASNs from the database and cache only (no Team Cymru, no RDAP), threat intel from indicator files only")
	fs.StringVar(&f.src.HostsFile, "hosts", "", "host records file for resolve_host")
	fs.StringVar(&f.src.GeoIPCity, "geoip-city", "", "GeoLite2/GeoIP2 City database")
	fs.StringVar(&f.src.ASNDB, "asn-db", "", "GeoLite2-ASN database")
	fs.StringVar(&f.src.TIFile, "ti-file", "", "local threat-intel indicator file")
	fs.StringVar(&f.selectASNs, "select-asns", "", `ASNs to select: default, all, or AS numbers ("AS8075,AS15169", "unknown")`)
	fs.BoolVar(&f.lookupTI, "lookup-ti", false, "look up the selected ASNs' IPs in threat intel")
	fs.StringVar(&f.tiDeadline, "ti-deadline", "", "bound of the threat-intel lookup step (default 1m)")
	fs.StringVar(&f.htmlOut, "html", "", "write the HTML report here")
	fs.StringVar(&f.jsonOut, "json", "", "write the JSON result here")
	fs.BoolVar(&f.jsonFlows, "json-flows", false, "include the raw flows in the JSON result")
	fs.StringVar(&f.exportDir, "export", "", "write every table (flow index, every flow, ASN summary, TI, maps) into this directory as CSV and Parquet")
	fs.StringVar(&f.stateDir, "state-dir", "", "also save the result here for later notebook cells (default: not saved)")
	fs.IntVar(&f.maxKept, "max-flows-kept", flowsummary.DefaultMaxFlowsKept, "raw flows kept in the result")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			fmt.Fprintln(stdout, "usage: "+networkFlowSummaryUsage)
			fs.SetOutput(stdout)
			fs.PrintDefaults()
			return flag.ErrHelp
		}
		return usageError("%v\nusage: %s", err, networkFlowSummaryUsage)
	}
	if fs.NArg() > 0 {
		return usageError("unexpected arguments %q\nusage: %s", fs.Args(), networkFlowSummaryUsage)
	}
	if strings.TrimSpace(f.value) == "" {
		return usageError("missing parameter --value (a host name or IP address)\nusage: %s", networkFlowSummaryUsage)
	}
	f.src.Flows = f.flowFiles
	return nil
}

// runNetworkFlowSummary is `notebooklet run NetworkFlowSummary ARGS`: Run,
// then (with --select-asns or --lookup-ti) the selection, the TI lookup and
// the map of the selected ASNs, chained on one handle in memory. Progress and
// the text report go to stderr when --html or --json is given, else the
// text report goes to stdout. When interrupted it writes what it has.
func runNetworkFlowSummary(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	var f flowSummaryFlags
	if err := f.parse(args, stdout); err != nil {
		return err
	}
	span, err := nb.ParseTimeSpan(f.start, f.end, f.last)
	if err != nil {
		return usageError("%v", err)
	}
	settings, err := f.settings()
	if err != nil {
		return err
	}
	text := stdout
	if f.htmlOut != "" || f.jsonOut != "" {
		text = stderr
	}
	var sink nb.Sink = nb.NewTextSink(text)
	var report *nb.HTMLReport
	if f.htmlOut != "" {
		report = nb.NewHTMLReport("Network flow summary for " + f.value)
		// One file that draws everything with the network off.
		report.AddHead(widgets.InlineAssets())
		sink = nb.Tee(sink, report)
	}
	nbk := flowsummary.New(append(settings, flowsummary.WithSink(sink))...)
	defer nbk.Close()

	res, runErr := nbk.Run(ctx, f.value, span, nb.ParseOptionList(f.options)...)
	if runErr == nil && (f.selectASNs != "" || f.lookupTI) {
		runErr = laterSteps(ctx, nbk, res, f)
	}
	if runErr != nil && res == nil {
		switch {
		case errors.Is(runErr, flows.ErrNeedTimeRange):
			return usageError("%v (give --start and --end, or --last, e.g. --last 24h)", runErr)
		case errors.Is(runErr, nb.ErrOptions), errors.Is(runErr, nb.ErrMissingParameter):
			return usageError("%v", runErr)
		}
		return runErr
	}
	if cerr := sink.Close(); cerr != nil && runErr == nil {
		runErr = cerr
	}
	if err := writeOutputs(ctx, nbk, f, report); err != nil {
		return errors.Join(runErr, err)
	}
	return runErr
}

// settings builds the notebooklet's settings from the flags and the
// configuration.
func (f *flowSummaryFlags) settings() ([]flowsummary.Setting, error) {
	cfg, err := config.Load(f.cfgPath)
	var warn []string
	if err != nil {
		if f.cfgPath != "" {
			return nil, err
		}
		warn = append(warn, fmt.Sprintf("the configuration was ignored: %v", err))
		cfg = &config.Config{}
	}
	if len(warn) > 0 {
		cfg.Warnings = append(cfg.Warnings, warn...)
	}
	settings := []flowsummary.Setting{
		flowsummary.FromConfig(cfg, f.src),
		flowsummary.WithMaxFlowsKept(f.maxKept),
		// The steps are chained in memory; the state directory is written
		// only when asked for, for later notebook cells.
		flowsummary.WithStateDir(f.stateDir),
	}
	if f.tiDeadline != "" {
		d, err := nb.ParsePeriod(f.tiDeadline)
		if err != nil {
			return nil, usageError("--ti-deadline: %v", err)
		}
		settings = append(settings, flowsummary.WithLookupDeadline(d))
	}
	return settings, nil
}

// laterSteps chooses the ASNs (--select-asns), looks their addresses up
// (--lookup-ti) and maps them.
func laterSteps(ctx context.Context, nbk *flowsummary.NetworkFlowSummary, res *flowsummary.Result, f flowSummaryFlags) error {
	if res.FlowSummary == nil {
		return usageError("--select-asns and --lookup-ti need the flow_summary option")
	}
	ids, err := chooseASNs(res.DefaultASNSelection, f.selectASNs)
	if err != nil {
		return usageError("%v", err)
	}
	if err := nbk.SetSelectedASNs(ctx, ids...); err != nil {
		return err
	}
	if err := nbk.Show(ctx, flowsummary.SectionSelectASNs); err != nil {
		return err
	}
	if f.lookupTI {
		if _, err := nbk.LookupTIForASNIPs(ctx); err != nil {
			return err
		}
	}
	return nbk.ShowSelectedASNMap(ctx)
}

// writeOutputs writes the HTML report and the JSON result of the handle's
// last step: everything done, or, when interrupted, what was done before.
func writeOutputs(ctx context.Context, nbk *flowsummary.NetworkFlowSummary, f flowSummaryFlags, report *nb.HTMLReport) error {
	res, err := nbk.Result(context.WithoutCancel(ctx))
	if err != nil {
		return err
	}
	var errs []error
	if report != nil {
		if err := report.WriteFile(f.htmlOut); err != nil {
			errs = append(errs, err)
		}
	}
	if f.jsonOut != "" {
		if err := writeJSON(f.jsonOut, res, flowsummary.JSONOptions{Flows: f.jsonFlows}); err != nil {
			errs = append(errs, err)
		}
	}
	if f.exportDir != "" {
		if _, err := nbk.Export(context.WithoutCancel(ctx), f.exportDir); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

func writeJSON(path string, res *flowsummary.Result, o flowsummary.JSONOptions) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), ".notebooklet-json-*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	if err := res.WriteJSON(tmp, o); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	if err := os.Chmod(tmp.Name(), 0o644); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), path)
}

// chooseASNs turns --select-asns into ASNs: "default" (also empty), "all",
// or a comma-separated list of AS numbers ("AS8075", "8075", "unknown"); a
// label pasted from the summary ("AS8075 MICROSOFT-CORP-MSN-AS-BLOCK, US")
// counts by its first word, the number.
func chooseASNs(sel flowsummary.ASNSelection, spec string) ([]asn.Number, error) {
	switch strings.ToLower(strings.TrimSpace(spec)) {
	case "", "default":
		return sel.Default(), nil
	case "all":
		return sel.All(), nil
	}
	var out []asn.Number
	var bad []string
	for _, item := range strings.Split(spec, ",") {
		fields := strings.Fields(item)
		if len(fields) == 0 {
			continue
		}
		word := fields[0]
		if strings.EqualFold(word, "private") && len(fields) > 1 {
			word = "private"
		}
		a, err := asn.ParseNumber(word)
		if err != nil {
			bad = append(bad, fmt.Sprintf("%q", strings.TrimSpace(item)))
			continue
		}
		if _, ok := sel.Choice(a); !ok {
			bad = append(bad, a.String()+" (not in the flow summary)")
			continue
		}
		out = append(out, a)
	}
	if len(bad) > 0 {
		all := sel.All()
		names := make([]string, len(all))
		for i, a := range all {
			names[i] = a.String()
		}
		return nil, fmt.Errorf("--select-asns: %s; give AS numbers separated by commas, from: %s", strings.Join(bad, ", "), strings.Join(names, ", "))
	}
	return out, nil
}

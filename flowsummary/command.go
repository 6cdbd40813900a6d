package flowsummary

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"regexp"
	"strings"

	"github.com/gonotebooklets/notebooklets/nb"
	"github.com/gonotebooklets/notebooklets/providers/config"
)

// ErrUsage is matched (errors.Is) by command-line errors that are the
// caller's (bad or missing flags); it is nb.ErrUsage, so the CLI exits with
// status 2 for them.
var ErrUsage = nb.ErrUsage

type usageError struct{ msg string }

func (e *usageError) Error() string        { return e.msg }
func (e *usageError) Is(target error) bool { return target == ErrUsage }

type multiFlag []string

func (m *multiFlag) String() string     { return strings.Join(*m, ",") }
func (m *multiFlag) Set(v string) error { *m = append(*m, v); return nil }

// CommandUsage is the synopsis of `notebooklet run NetworkFlowSummary`.
const CommandUsage = `notebooklet run NetworkFlowSummary --value V [--start T --end T | --last 24h]
    [--options "+geo_map,-plot_flows"] [--flows FILE]... [--config FILE] [--workspace NAME]
    [--hosts FILE] [--geoip-city FILE] [--asn-db FILE] [--ti-file FILE]
    [--select-asns default|all|"AS1,AS2"] [--lookup-ti] [--html OUT] [--json OUT]`

// commandOutput is the --json document.
type commandOutput struct {
	Description         string          `json:"description"`
	HostEntity          HostEntity      `json:"host_entity"`
	TimeSpan            nb.TimeSpan     `json:"timespan"`
	Options             []string        `json:"options"`
	FlowsTotal          int64           `json:"flows_total"`
	FlowIndex           []FlowIndexRow  `json:"flow_index"`
	FlowSummary         []ASNSummaryRow `json:"flow_summary"`
	DefaultASNSelection ASNSelection    `json:"default_asn_selection"`
	SelectedASNs        []string        `json:"selected_asns"`
	TIResults           *TIResults      `json:"ti_results"`
	Warnings            []string        `json:"warnings"`
}

// RunCommand implements nb.Commander: `notebooklet run NetworkFlowSummary
// ARGS` (see CommandUsage). Progress and the text report go to stderr when
// --html or --json is given, else the text report goes to stdout.
func (registration) RunCommand(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	return runCommand(ctx, args, stdout, stderr)
}

func runCommand(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("NetworkFlowSummary", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	var (
		value, start, end, last, options, selectASNs, htmlOut, jsonOut, stateDir, cfgPath string
		src                                                                               Sources
		flowFiles                                                                         multiFlag
		lookupTI                                                                          bool
		maxKept                                                                           int
	)
	fs.StringVar(&value, "value", "", "host name or IP address (required)")
	fs.StringVar(&start, "start", "", "start of the time span")
	fs.StringVar(&end, "end", "", "end of the time span")
	fs.StringVar(&last, "last", "", "time span ending now, such as 24h or 7d")
	fs.StringVar(&options, "options", "", `options, e.g. "+geo_map,-plot_flows"`)
	fs.Var(&flowFiles, "flows", "flow export file (CSV, JSON, NDJSON); repeatable")
	fs.StringVar(&cfgPath, "config", "", "msticpyconfig.yaml (default: $MSTICPYCONFIG, ./msticpyconfig.yaml, ~/.msticpyconfig.yaml, ~/.msticpy/msticpyconfig.yaml)")
	fs.StringVar(&src.Workspace, "workspace", "", "AzureSentinel workspace of the config to query (Log Analytics)")
	fs.StringVar(&src.HostsFile, "hosts", "", "host records file for resolve_host")
	fs.StringVar(&src.GeoIPCity, "geoip-city", "", "GeoLite2/GeoIP2 City database")
	fs.StringVar(&src.ASNDB, "asn-db", "", "GeoLite2-ASN database")
	fs.StringVar(&src.TIFile, "ti-file", "", "local threat-intel indicator file")
	fs.StringVar(&selectASNs, "select-asns", "", `ASNs to select: default, all, or "AS1,AS2"`)
	fs.BoolVar(&lookupTI, "lookup-ti", false, "look up the selected ASNs' IPs in threat intel")
	fs.StringVar(&htmlOut, "html", "", "write the HTML report here")
	fs.StringVar(&jsonOut, "json", "", "write the JSON result here")
	fs.StringVar(&stateDir, "state-dir", "", "where to save the result (default: a temporary directory)")
	fs.IntVar(&maxKept, "max-flows-kept", DefaultMaxFlowsKept, "raw flows kept in the result")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			fmt.Fprintln(stdout, "usage: "+CommandUsage)
			fs.SetOutput(stdout)
			fs.PrintDefaults()
			return flag.ErrHelp
		}
		return &usageError{fmt.Sprintf("%v\nusage: %s", err, CommandUsage)}
	}
	if fs.NArg() > 0 {
		return &usageError{fmt.Sprintf("unexpected arguments %q\nusage: %s", fs.Args(), CommandUsage)}
	}
	if strings.TrimSpace(value) == "" {
		return &usageError{"missing parameter --value (a host name or IP address)\nusage: " + CommandUsage}
	}
	ts, err := nb.ParseTimeSpan(start, end, last)
	if err != nil {
		return &usageError{err.Error()}
	}
	opts := nb.ParseOptionList(options)

	src.Flows = flowFiles
	cfg, err := config.Load(cfgPath)
	var cfgWarn []string
	if err != nil {
		if cfgPath != "" {
			return err
		}
		cfgWarn = append(cfgWarn, fmt.Sprintf("the configuration was ignored: %v", err))
		cfg = &config.Config{}
	}
	conf, err := FromConfig(cfg, src)
	if err != nil {
		return err
	}
	defer conf.Close()
	if conf.LogAnalytics && ts.IsZero() {
		return &usageError{"flows from a Log Analytics workspace need --start and --end, or --last (e.g. --last 24h)"}
	}
	settings := append([]Setting{WithWarnings(cfgWarn...)}, conf.Settings...)
	if stateDir == "" {
		stateDir = conf.StateDir
	}
	if stateDir == "" && selectASNs == "" && !lookupTI {
		// The temporary state directory would be removed unread.
		settings = append(settings, func(n *NetworkFlowSummary) { n.noSave = true })
	}
	if stateDir == "" {
		dir, err := os.MkdirTemp("", "notebooklet-state-")
		if err != nil {
			return err
		}
		defer os.RemoveAll(dir)
		stateDir = dir
	}
	text := stdout
	if htmlOut != "" || jsonOut != "" {
		text = stderr
	}
	var sink nb.Sink = nb.NewTextSink(text)
	var report *nb.HTMLReport
	if htmlOut != "" {
		report = nb.NewHTMLReport("Network flow summary for " + value)
		sink = nb.Tee(sink, report)
	}
	settings = append(settings, WithSink(sink), WithStateDir(stateDir), WithMaxFlowsKept(maxKept))
	n := New(settings...)
	res, err := n.Run(ctx, value, ts, opts...)
	if err != nil {
		return err
	}
	if selectASNs != "" || lookupTI {
		if res.FlowSummary == nil {
			return &usageError{"--select-asns and --lookup-ti need the flow_summary option"}
		}
		ids, err := chooseASNs(res.DefaultASNSelection, selectASNs)
		if err != nil {
			return &usageError{err.Error()}
		}
		if err := n.SetSelectedASNs(ctx, ids...); err != nil {
			return err
		}
		if err := n.Show(ctx, "select_asn_subset"); err != nil {
			return err
		}
		if lookupTI {
			if _, err := n.LookupTIForASNIPs(ctx); err != nil {
				return err
			}
		}
		if err := n.ShowSelectedASNMap(ctx); err != nil {
			return err
		}
		if res, err = n.Last(); err != nil {
			return err
		}
	}
	if err := sink.Close(); err != nil {
		return err
	}
	if report != nil {
		if err := report.WriteFile(htmlOut); err != nil {
			return err
		}
	}
	if jsonOut != "" {
		if err := writeJSON(jsonOut, res); err != nil {
			return err
		}
	}
	return nil
}

// CommandJSON returns the --json document of a result.
func CommandJSON(res *Result) ([]byte, error) {
	out := commandOutput{
		Description: res.Description, HostEntity: res.HostEntity, TimeSpan: res.TimeSpan, Options: res.Options,
		FlowsTotal: res.FlowsTotal, FlowIndex: res.FlowIndexData, FlowSummary: []ASNSummaryRow{},
		DefaultASNSelection: res.DefaultASNSelection, SelectedASNs: res.SelectedASNs, TIResults: res.TIResults,
		Warnings: res.Warnings,
	}
	if out.FlowIndex == nil {
		out.FlowIndex = []FlowIndexRow{}
	}
	if res.FlowSummary != nil && res.FlowSummary.Rows != nil {
		out.FlowSummary = res.FlowSummary.Rows
	}
	if out.SelectedASNs == nil {
		out.SelectedASNs = []string{}
	}
	if out.Warnings == nil {
		out.Warnings = []string{}
	}
	return json.MarshalIndent(out, "", " ")
}

func writeJSON(path string, res *Result) error {
	b, err := CommandJSON(res)
	if err != nil {
		return err
	}
	return os.WriteFile(path, append(b, '\n'), 0o644)
}

var asnToken = regexp.MustCompile(`^(?i:AS\d+\b.*|private address|unknown)$`)

// chooseASNs turns --select-asns into ASN labels: "default" (also empty),
// "all", or a comma-separated list of labels or AS numbers ("AS8075" matches
// "AS8075 MICROSOFT-CORP-MSN-AS-BLOCK, US"). Items that do not start with
// AS<number> continue the previous item (names contain commas).
func chooseASNs(sel ASNSelection, spec string) ([]string, error) {
	switch strings.ToLower(strings.TrimSpace(spec)) {
	case "", "default":
		return sel.Default(), nil
	case "all":
		return sel.All(), nil
	}
	var items []string
	for _, p := range strings.Split(spec, ",") {
		p = strings.TrimSpace(p)
		if p == "" {
			continue
		}
		if len(items) > 0 && !asnToken.MatchString(p) {
			items[len(items)-1] += ", " + p
			continue
		}
		items = append(items, p)
	}
	all := sel.All()
	var out, bad []string
	for _, it := range items {
		var match string
		for _, a := range all {
			if strings.EqualFold(a, it) || strings.HasPrefix(strings.ToUpper(a), strings.ToUpper(it)+" ") {
				match = a
				break
			}
		}
		if match == "" {
			bad = append(bad, fmt.Sprintf("%q", it))
			continue
		}
		if !contains(out, match) {
			out = append(out, match)
		}
	}
	if len(bad) > 0 {
		return nil, fmt.Errorf("--select-asns: no such ASN in the flow summary: %s (the ASNs are: %s)", strings.Join(bad, ", "), strings.Join(all, "; "))
	}
	return out, nil
}

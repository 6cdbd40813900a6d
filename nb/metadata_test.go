package nb

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestLoadMetadataMsticnbHostSummary(t *testing.T) {
	got := mustLoadFile(t, filepath.Join("testdata", "msticnb", "host_summary.yaml"))
	want := &Metadata{
		Name:        "HostSummary",
		Description: "Host summary",
		DefaultOptions: []Option{
			{"summary", "Get a Summary of the host."},
			{"heartbeat", "Query Heartbeat table for host information."},
			{"azure_net", "Query AzureNetworkAnalytics table for host network topology information."},
			{"alerts", "Query any alerts for the host."},
			{"bookmarks", "Query any bookmarks for the host."},
			{"azure_api", "Query Azure API for VM information."},
			{"scheduled_tasks", "Get details of scheduled tasks on a host."},
			{"account_actions", "Get account related events for the host."},
			{"notable_events", "Get key events from the host."},
			{"processes", "Get process execution events from the host."},
		},
		OtherOptions: []Option{{"process_ti", "Lookup process command line events in TI."}},
		Keywords:     []string{"host", "computer", "heartbeat", "windows", "linux"},
		EntityTypes:  []string{"host"},
		ReqProviders: []string{"LogAnalytics|LocalData", "azuredata"},
		Sections: []SectionText{
			{Key: "run", Title: "Host Entity Summary", Level: 1, Text: "This shows a summary data for a host. " +
				"It shows host properties obtained from OMS Heartbeat and Azure API.\n" +
				"It also lists Azure Sentinel alerts and bookmakrs related to to the host.\n" +
				"Data and plots are stored in the result class returned by this function."},
			{Key: "show_host_entity", Title: "Host Entity details", Level: 2, Markdown: true, Text: "These are the host entity details gathered from Heartbeat " +
				"and, if applicable, AzureNetworkAnalytics and Azure management API.\n" +
				"The data shows OS information, IP Addresses assigned the host and any Azure VM information available."},
			{Key: "show_alert_timeline", Title: "Timeline of related alerts", Level: 2,
				Text: "Each marker on the timeline indicates one or more alerts related to the host."},
		},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("LoadMetadata(host_summary.yaml) mismatch (-want +got):\n%s", diff)
	}
}

func TestLoadMetadataMsticnbNetworkFlowSummary(t *testing.T) {
	m := mustLoadFile(t, filepath.Join("testdata", "msticnb", "network_flow_summary.yaml"))
	type summary struct {
		Name           string
		Default, Other []string
		Keys           []string
		MD             []bool
		Levels         []int
	}
	got := summary{Name: m.Name}
	for _, o := range m.DefaultOptions {
		got.Default = append(got.Default, o.Name)
	}
	for _, o := range m.OtherOptions {
		got.Other = append(got.Other, o.Name)
	}
	for _, s := range m.Sections {
		got.Keys = append(got.Keys, s.Key)
		got.MD = append(got.MD, s.Markdown)
		got.Levels = append(got.Levels, s.Level)
	}
	want := summary{
		Name:    "NetworkFlowSummary",
		Default: []string{"plot_flows", "plot_flow_values", "flow_summary"},
		Other:   []string{"resolve_host", "geo_map"},
		Keys: []string{"run", "plot_flows_by_protocol", "plot_flows_by_direction", "plot_flow_values",
			"get_flow_index", "get_flow_summary", "select_asn_subset", "lookup_ip_ti", "display_geo_map", "display_geo_map_all"},
		MD:     []bool{false, false, false, true, false, true, true, false, true, true},
		Levels: []int{1, 2, 2, 2, 2, 2, 2, 2, 2, 2},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("mismatch (-want +got):\n%s", diff)
	}
}

// TestOurFlowSummaryYAML checks flowsummary's YAML against msticnb's: the
// same ten sections with the same titles, the five options, the four
// methods, and the result fields and run parameters.
func TestOurFlowSummaryYAML(t *testing.T) {
	path := filepath.Join("..", "flowsummary", "network_flow_summary.yaml")
	if _, err := os.Stat(path); err != nil {
		t.Fatalf("flowsummary YAML: %v", err)
	}
	ours := mustLoadFile(t, path)
	orig := mustLoadFile(t, filepath.Join("testdata", "msticnb", "network_flow_summary.yaml"))
	if ours.Name != orig.Name || ours.Description != orig.Description {
		t.Errorf("name/description = %q/%q, want %q/%q", ours.Name, ours.Description, orig.Name, orig.Description)
	}
	names := func(opts []Option) []string {
		var out []string
		for _, o := range opts {
			out = append(out, o.Name)
		}
		return out
	}
	if diff := cmp.Diff([]string{"flow_summary", "geo_map", "plot_flow_values", "plot_flows", "resolve_host"},
		sortedCopy(names(ours.Options()))); diff != "" {
		t.Errorf("options (-want +got):\n%s", diff)
	}
	for _, s := range orig.Sections {
		got, ok := ours.Section(s.Key)
		if !ok {
			t.Errorf("section %s missing", s.Key)
			continue
		}
		if got.Title != s.Title || got.Level != s.Level || got.Markdown != s.Markdown {
			t.Errorf("section %s = %q level %d md %v, want %q level %d md %v", s.Key, got.Title, got.Level, got.Markdown, s.Title, s.Level, s.Markdown)
		}
	}
	if _, ok := ours.Section("next_steps"); !ok {
		t.Error("section next_steps missing")
	}
	var methods []string
	for _, x := range ours.Methods {
		methods = append(methods, x.Name+"="+x.GoName)
		if x.Doc == "" {
			t.Errorf("method %s has no doc", x.Name)
		}
	}
	if diff := cmp.Diff([]string{"run=Run", "select_asns=SelectASNs", "set_selected_asns=SetSelectedASNs", "lookup_ti_for_asn_ips=LookupTIForASNIPs",
		"show_selected_asn_map=ShowSelectedASNMap", "show=Show", "result=Result"}, methods); diff != "" {
		t.Errorf("methods (-want +got):\n%s", diff)
	}
	var fields []string
	for _, f := range ours.Result {
		fields = append(fields, f.Name)
	}
	// msticnb's fields, as data (its HTML-only fields plot_flow_values and
	// flow_index are drawn from plot_flows_by_protocol and flow_index_data).
	for _, want := range []string{"host_entity", "network_flows", "plot_flows_by_protocol", "plot_flows_by_direction",
		"flow_index", "flow_index_data", "flow_summary", "ti_results", "geo_map", "geo_map_selected",
		"default_asn_selection", "selected_asns", "warnings", "provenance"} {
		if !strings.Contains(" "+strings.Join(fields, " ")+" ", " "+want+" ") {
			t.Errorf("result field %s missing", want)
		}
	}
	var params []string
	for _, p := range ours.RunParams {
		params = append(params, p.Name)
	}
	for _, want := range []string{"value", "timespan", "options"} {
		if !strings.Contains(" "+strings.Join(params, " ")+" ", " "+want+" ") {
			t.Errorf("run param %s missing", want)
		}
	}
}

func sortedCopy(s []string) []string {
	out := append([]string(nil), s...)
	for i := 1; i < len(out); i++ {
		for j := i; j > 0 && out[j] < out[j-1]; j-- {
			out[j], out[j-1] = out[j-1], out[j]
		}
	}
	return out
}

func TestLoadMetadataOurKeys(t *testing.T) {
	y := `
metadata:
  name: X
  default_options:
    - a: A option.
    - b
  other_options:
    - c: ~
output:
  one:
    title: One
    hd_level: 3
    text: |
      Line one.

      - item
    md: true
methods:
  - name: run
    go_name: Run
    doc: Runs it.
result:
  - name: flows
    go_name: Flows
    doc: The flows.
run_params:
  - name: value
    doc: The host.
settings:
  - name: WithX
    doc: Sets X.
`
	got, err := LoadMetadata([]byte(y))
	if err != nil {
		t.Fatal(err)
	}
	want := &Metadata{
		Name:           "X",
		DefaultOptions: []Option{{"a", "A option."}, {"b", ""}},
		OtherOptions:   []Option{{"c", ""}},
		Sections:       []SectionText{{Key: "one", Title: "One", Level: 3, Markdown: true, Text: "Line one.\n\n- item"}},
		Methods:        []Method{{"run", "Run", "Runs it."}},
		Result:         []Field{{"flows", "Flows", "The flows."}},
		RunParams:      []Param{{"value", "The host."}},
		Settings:       []Param{{"WithX", "Sets X."}},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("mismatch (-want +got):\n%s", diff)
	}
}

func TestLoadMetadataErrors(t *testing.T) {
	tests := []struct {
		name, yaml, wantSub string
	}{
		{"empty", "", "empty YAML"},
		{"not yaml", "metadata: [", "yaml"},
		{"no name", "metadata:\n  description: d\n", "metadata.name is missing"},
		{"options not list", "metadata:\n  name: X\n  default_options: a\n", "default_options must be a list"},
		{"option twice", "metadata:\n  name: X\n  default_options:\n    - a: x\n  other_options:\n    - a: y\n", `option "a" is listed twice`},
		{"option two keys", "metadata:\n  name: X\n  default_options:\n    - a: x\n      b: y\n", "one \"name: description\" pair"},
		{"option nested", "metadata:\n  name: X\n  default_options:\n    - a: [1]\n", `description of option "a" must be text`},
		{"output not mapping", "metadata:\n  name: X\noutput: [a]\n", "output must be a mapping"},
		{"section no title", "metadata:\n  name: X\noutput:\n  run:\n    text: t\n", "output.run: title is missing"},
		{"section bad level", "metadata:\n  name: X\noutput:\n  run:\n    title: T\n    hd_level: 9\n", "hd_level 9"},
		{"section bad md", "metadata:\n  name: X\noutput:\n  run:\n    title: T\n    md: [x]\n", "output.run"},
		{"method no name", "metadata:\n  name: X\nmethods:\n  - doc: d\n", "methods[0]: name is missing"},
		{"result no name", "metadata:\n  name: X\nresult:\n  - doc: d\n", "result[0]: name is missing"},
		{"param no name", "metadata:\n  name: X\nrun_params:\n  - doc: d\n", "run_params[0]: name is missing"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := LoadMetadata([]byte(tt.yaml))
			if err == nil {
				t.Fatal("no error")
			}
			if !errors.Is(err, ErrMetadata) {
				t.Errorf("error %v is not ErrMetadata", err)
			}
			if !strings.Contains(err.Error(), tt.wantSub) {
				t.Errorf("error %q does not contain %q", err, tt.wantSub)
			}
		})
	}
}

func TestMetadataLookups(t *testing.T) {
	m := mustLoadFile(t, filepath.Join("testdata", "msticnb", "network_flow_summary.yaml"))
	if _, ok := m.Section("nope"); ok {
		t.Error("Section(nope) found")
	}
	if s, ok := m.Section("lookup_ip_ti"); !ok || s.Title != "TI Lookup for IP Addresses in selected ASNs." {
		t.Errorf("Section(lookup_ip_ti) = %v, %v", s, ok)
	}
	if _, isDef, ok := m.Option("geo_map"); !ok || isDef {
		t.Errorf("Option(geo_map) default=%v ok=%v", isDef, ok)
	}
	if _, isDef, ok := m.Option("plot_flows"); !ok || !isDef {
		t.Errorf("Option(plot_flows) default=%v ok=%v", isDef, ok)
	}
	if _, _, ok := m.Option("x"); ok {
		t.Error("Option(x) found")
	}
	var nilMD *Metadata
	if _, ok := nilMD.Section("run"); ok {
		t.Error("nil metadata has sections")
	}
}

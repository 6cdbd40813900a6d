package nb

import (
	"errors"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

func TestResolveOptions(t *testing.T) {
	// msticnb's NetworkFlowSummary: defaults plot_flows, plot_flow_values,
	// flow_summary; others resolve_host, geo_map.
	m := mustLoadFile(t, filepath.Join("testdata", "msticnb", "network_flow_summary.yaml"))
	defaults := []string{"flow_summary", "plot_flow_values", "plot_flows"}
	tests := []struct {
		name         string
		requested    []string
		want         []string
		wantWarnings []string // substrings, one per warning
		wantErr      string
	}{
		{name: "none gives defaults", want: defaults},
		{name: "empty strings give defaults", requested: []string{"", " "}, want: defaults},
		{name: "add one", requested: []string{"+geo_map"}, want: []string{"flow_summary", "geo_map", "plot_flow_values", "plot_flows"}},
		{name: "remove one", requested: []string{"-plot_flows"}, want: []string{"flow_summary", "plot_flow_values"}},
		{name: "add and remove in one call", requested: []string{"+geo_map", "-plot_flows"}, want: []string{"flow_summary", "geo_map", "plot_flow_values"}},
		{name: "add and remove in one string", requested: []string{"+geo_map,-plot_flows"}, want: []string{"flow_summary", "geo_map", "plot_flow_values"}},
		{name: "add an option already default", requested: []string{"+plot_flows"}, want: defaults},
		{name: "remove an option not on", requested: []string{"-geo_map"}, want: defaults},
		{name: "remove wins over add", requested: []string{"-geo_map", "+geo_map"}, want: defaults},
		{name: "remove all defaults", requested: []string{"-plot_flows", "-plot_flow_values", "-flow_summary"}, want: []string{}},
		{name: "plain list replaces defaults", requested: []string{"geo_map"}, want: []string{"geo_map"}},
		{name: "plain list of several", requested: []string{"geo_map", "flow_summary"}, want: []string{"flow_summary", "geo_map"}},
		{name: "plain comma list", requested: []string{"geo_map,resolve_host"}, want: []string{"geo_map", "resolve_host"}},
		{name: "mixing plain and plus", requested: []string{"geo_map", "+plot_flows"}, wantErr: "cannot be mixed"},
		{name: "mixing plain and minus", requested: []string{"-plot_flows,geo_map"}, wantErr: "cannot be mixed"},
		{name: "unknown plain ignored with warning", requested: []string{"geo_map", "nosuch"}, want: []string{"geo_map"},
			wantWarnings: []string{"unknown option(s) ignored: nosuch"}},
		{name: "only unknown plain is an error", requested: []string{"nosuch"}, wantErr: "no valid option in nosuch"},
		{name: "only unknown plain list is an error", requested: []string{"bogus,other"}, wantErr: "no valid option in bogus, other (NetworkFlowSummary options: plot_flows"},
		{name: "unknown plus ignored", requested: []string{"+nosuch", "+geo_map"}, want: []string{"flow_summary", "geo_map", "plot_flow_values", "plot_flows"},
			wantWarnings: []string{"+nosuch"}},
		{name: "unknown minus ignored", requested: []string{"-nosuch"}, want: defaults, wantWarnings: []string{"-nosuch"}},
		{name: "several unknown in one warning", requested: []string{"+a", "-b", "+a"}, want: defaults, wantWarnings: []string{"+a, -b"}},
		{name: "warning lists valid options", requested: []string{"+x"}, want: defaults, wantWarnings: []string{"plot_flows, plot_flow_values, flow_summary, resolve_host, geo_map"}},
		{name: "bare plus is unknown", requested: []string{"+"}, want: defaults, wantWarnings: []string{"+"}},
		{name: "case sensitive", requested: []string{"+GEO_MAP"}, want: defaults, wantWarnings: []string{"+GEO_MAP"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			set, warnings, err := m.ResolveOptions(tt.requested...)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) || !errors.Is(err, ErrOptions) {
					t.Fatalf("err = %v, want ErrOptions containing %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, set.Names(), cmpopts.EquateEmpty()); diff != "" {
				t.Errorf("options (-want +got):\n%s", diff)
			}
			for _, w := range tt.want {
				if !set.Has(w) {
					t.Errorf("Has(%q) = false", w)
				}
			}
			if len(warnings) != len(tt.wantWarnings) {
				t.Fatalf("warnings = %q, want %d matching %q", warnings, len(tt.wantWarnings), tt.wantWarnings)
			}
			for i, w := range tt.wantWarnings {
				if !strings.Contains(warnings[i], w) {
					t.Errorf("warning %q does not contain %q", warnings[i], w)
				}
			}
		})
	}
}

func TestParseOptionList(t *testing.T) {
	tests := []struct {
		in   string
		want []string
	}{
		{"", []string{}},
		{"+geo_map,-plot_flows", []string{"+geo_map", "-plot_flows"}},
		{" geo_map , flow_summary ", []string{"geo_map", "flow_summary"}},
		{"a b;c,,d", []string{"a", "b", "c", "d"}},
	}
	for _, tt := range tests {
		if diff := cmp.Diff(tt.want, ParseOptionList(tt.in), cmpopts.EquateEmpty()); diff != "" {
			t.Errorf("ParseOptionList(%q) (-want +got):\n%s", tt.in, diff)
		}
	}
}

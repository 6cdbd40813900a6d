package nb

import (
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

func TestFind(t *testing.T) {
	tests := []struct {
		terms string
		want  []string
	}{
		{"network flow", []string{"NetworkFlowSummary", "HostSummary"}}, // HostSummary: "network topology" in an option
		{"host", []string{"HostSummary", "NetworkFlowSummary"}},         // both have keyword host; HostSummary also by name
		{"heartbeat", []string{"HostSummary"}},                          // keyword
		{"geo_map", []string{"NetworkFlowSummary"}},                     // option name (split on _)
		{"ip_address", []string{"NetworkFlowSummary", "HostSummary"}},   // entity type beats a section text
		{"ASN", []string{"NetworkFlowSummary"}},                         // section titles/texts
		{"host flow", []string{"NetworkFlowSummary", "HostSummary"}},    // two terms beat one
		{"summary", []string{"NetworkFlowSummary", "HostSummary"}},      // name + description + section texts
		{"netw", []string{"NetworkFlowSummary", "HostSummary"}},         // prefix
		{"zzz", nil},
		{"", nil},
		{"  ,, ", nil},
	}
	for _, tt := range tests {
		t.Run(tt.terms, func(t *testing.T) {
			var got []string
			for _, m := range Find(tt.terms) {
				got = append(got, m.Name)
				if m.Notebooklet == nil || m.Score <= 0 || len(m.Terms) == 0 || len(m.Where) == 0 {
					t.Errorf("incomplete match %+v", m)
				}
			}
			if diff := cmp.Diff(tt.want, got, cmpopts.EquateEmpty()); diff != "" {
				t.Errorf("Find(%q) (-want +got):\n%s", tt.terms, diff)
			}
		})
	}
}

func TestTokens(t *testing.T) {
	for _, c := range []struct {
		in   string
		want []string
	}{
		{"NetworkFlowSummary", []string{"network", "flow", "summary"}},
		{"LookupTIForASNIPs", []string{"lookup", "ti", "for", "asni", "ps"}},
		{"geo_map, IP-address", []string{"geo", "map", "ip", "address"}},
		{"HTMLReport", []string{"html", "report"}},
	} {
		if diff := cmp.Diff(c.want, tokens(c.in)); diff != "" {
			t.Errorf("tokens(%q) (-want +got):\n%s", c.in, diff)
		}
	}
}

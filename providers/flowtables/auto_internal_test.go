package flowtables

import (
	"testing"
	"time"
)

func TestChooseByPreferenceAndCoverage(t *testing.T) {
	day := time.Date(2024, 5, 1, 0, 0, 0, 0, time.UTC)
	span := func(t Table, n int64, from, to int) TableCount {
		return TableCount{Table: t, Present: true, Checked: true, Records: n, First: day.Add(time.Duration(from) * time.Hour), Last: day.Add(time.Duration(to) * time.Hour)}
	}
	for _, tc := range []struct {
		name   string
		counts []TableCount
		want   Table
	}{
		{"preference", []TableCount{span(NTANetAnalytics, 5, 0, 20), span(AzureNetworkAnalytics, 900, 0, 24), span(DeviceNetworkEvents, 9000, 0, 24)}, NTANetAnalytics},
		{"VNet flow logs switched on late", []TableCount{span(NTANetAnalytics, 5, 20, 24), span(AzureNetworkAnalytics, 900, 0, 24)}, AzureNetworkAnalytics},
		{"half the span is enough", []TableCount{span(NTANetAnalytics, 5, 12, 24), span(AzureNetworkAnalytics, 900, 0, 24)}, NTANetAnalytics},
		{"only Defender", []TableCount{{Table: NTANetAnalytics, Checked: true}, {Table: AzureNetworkAnalytics, Checked: true, Present: true}, span(DeviceNetworkEvents, 3, 1, 1)}, DeviceNetworkEvents},
		{"nothing", []TableCount{{Table: NTANetAnalytics, Checked: true}, {Table: AzureNetworkAnalytics, Checked: true}}, ""},
	} {
		if got := choose(tc.counts); got != tc.want {
			t.Errorf("%s: choose = %q, want %q", tc.name, got, tc.want)
		}
	}
}

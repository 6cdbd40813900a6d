package flows

import (
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func TestMergeGroups(t *testing.T) {
	t1, t2, t3 := ts("2024-05-01T01:00:00Z"), ts("2024-05-01T02:00:00Z"), ts("2024-05-01T03:00:00Z")
	in := []FlowGroup{
		{Source: "10.0.0.1", Dest: "2001:DB8::1", L7Protocol: "https", FlowDirection: Outbound, TotalAllowedFlows: 2, TotalBytes: 10, Records: 1, FirstSeen: t2, LastSeen: t2},
		{Source: "5.6.7.8", Dest: "10.0.0.1", L7Protocol: "rdp", FlowDirection: Inbound, TotalAllowedFlows: 1, Records: 1},
		{Source: "::ffff:10.0.0.1", Dest: "2001:db8:0::1", L7Protocol: "https", FlowDirection: Outbound, TotalAllowedFlows: 3, TotalBytes: 5, Records: 2, FirstSeen: t1, LastSeen: t3},
		{Source: "10.0.0.1", Dest: "2001:db8::1", L7Protocol: "https", FlowDirection: Inbound, TotalAllowedFlows: 7, Records: 1},
	}
	want := []FlowGroup{
		{Source: "10.0.0.1", Dest: "2001:db8::1", L7Protocol: "https", FlowDirection: Outbound, TotalAllowedFlows: 5, TotalBytes: 15, Records: 3, FirstSeen: t1, LastSeen: t3},
		{Source: "5.6.7.8", Dest: "10.0.0.1", L7Protocol: "rdp", FlowDirection: Inbound, TotalAllowedFlows: 1, Records: 1},
		{Source: "10.0.0.1", Dest: "2001:db8::1", L7Protocol: "https", FlowDirection: Inbound, TotalAllowedFlows: 7, Records: 1},
	}
	if d := cmp.Diff(want, MergeGroups(in)); d != "" {
		t.Errorf("MergeGroups (-want +got):\n%s", d)
	}
}

func TestFlowGroupsFromTable(t *testing.T) {
	cols := []string{"source", "dest", "L7Protocol", "FlowDirection", "TotalAllowedFlows", "TotalBytes", "ByteRecords", "Records", "FirstSeen", "LastSeen"}
	rows := [][]any{
		{"10.0.0.1", "8.8.8.8", "dns", "O", 4.0, 1200.0, 2.0, 2.0, "2024-05-01T00:10:00Z", "2024-05-01T00:20:00.5Z"},
		{"10.0.0.1", "8.8.4.4", "dns", "Outbound", 1.0, nil, 0.0, 1.0, nil, nil},
		{"10.0.0.1", "8.8.4.4", "dns", "O", "1.5", nil, 0.0, 1.0, nil, nil},
		{"10.0.0.1", "8.8.4.4", "dns", "O", 1.0, nil, 0.0, 1.0, "later", nil},
		{"1.1.1.1", "10.0.0.1", "https", "I", "3", nil, nil, "1", nil, nil},
	}
	got, st, err := FlowGroupsFromTable("ws (flow index)", cols, rows)
	if err != nil {
		t.Fatal(err)
	}
	want := []FlowGroup{
		{Source: "10.0.0.1", Dest: "8.8.8.8", L7Protocol: "dns", FlowDirection: Outbound, TotalAllowedFlows: 4, TotalBytes: 1200, Records: 2,
			FirstSeen: ts("2024-05-01T00:10:00Z"), LastSeen: ts("2024-05-01T00:20:00.5Z")},
		{Source: "1.1.1.1", Dest: "10.0.0.1", L7Protocol: "https", FlowDirection: Inbound, TotalAllowedFlows: 3, Records: 1},
	}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("groups (-want +got):\n%s", d)
	}
	wantSkipped := []string{
		`ws (flow index):2: column FlowDirection: value "Outbound": want "O" or "I"`,
		`ws (flow index):3: column TotalAllowedFlows: value "1.5": not an integer`,
		`ws (flow index):4: column FirstSeen: value "later": not an RFC 3339 time`,
	}
	if d := cmp.Diff(wantSkipped, st.Skipped); d != "" || st.RowsRead != 5 || st.RowsKept != 2 || st.RowsSkipped != 3 || !st.HasBytes {
		t.Errorf("stats %+v; skipped (-want +got):\n%s", st, d)
	}
	if _, _, err := FlowGroupsFromTable("ws", []string{"source", "dest"}, nil); err == nil || !strings.Contains(err.Error(), "L7Protocol") {
		t.Errorf("missing columns: %v", err)
	}
}

func TestTimeBucketsFromTable(t *testing.T) {
	cols := []string{"Bucket", "L7Protocol", "FlowDirection", "Records", "TotalAllowedFlows", "TotalBytes", "ByteRecords", "RemoteIPs"}
	rows := [][]any{
		{"2024-05-01T00:00:00Z", "dns", "O", 3.0, 4.0, nil, 0.0, 2.0},
		{nil, "dns", "O", 3.0, 4.0, nil, 0.0, 2.0},
	}
	got, st, err := TimeBucketsFromTable("ws", cols, rows, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	want := []TimeBucket{{Start: ts("2024-05-01T00:00:00Z"), L7Protocol: "dns", FlowDirection: Outbound, Records: 3, TotalAllowedFlows: 4, RemoteIPs: 2}}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("buckets (-want +got):\n%s", d)
	}
	if st.RowsSkipped != 1 || !st.Last.Equal(ts("2024-05-01T01:00:00Z")) || st.HasBytes {
		t.Errorf("stats %+v", st)
	}
	if _, err := TimeBucketsKQL(999 * time.Millisecond); err == nil {
		t.Error("a bucket shorter than a second")
	}
}

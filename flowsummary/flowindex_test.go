package flowsummary

import (
	"context"
	"math"
	"testing"
	"time"

	"github.com/gonotebooklets/notebooklets/providers/flows"
)

// TestCountsSaturate: three flows of 9223372036854775807 allowed flows sum
// to that, not to -4, in the flow index, the series and the ASN summary
// (issue 10 item 4).
func TestCountsSaturate(t *testing.T) {
	t0 := time.Date(2019, 2, 14, 0, 0, 0, 0, time.UTC)
	f := flows.Flow{FlowStartTime: t0, FlowEndTime: t0, VMIPAddress: "10.0.3.5", AllExtIPs: "13.107.4.50", L7Protocol: "https",
		FlowDirection: flows.Outbound, AllowedOutFlows: math.MaxInt64, BytesSrcToDest: math.MaxInt64}
	c := NewCollector(time.Time{}, time.Time{}, 10)
	if _, err := c.Collect(context.Background(), flows.Slice([]flows.Flow{f, f, f}), flows.Query{}); err != nil {
		t.Fatal(err)
	}
	rows := c.Index.Rows()
	if len(rows) != 1 || rows[0].TotalAllowedFlows != math.MaxInt64 || rows[0].TotalBytes != math.MaxInt64 {
		t.Errorf("index %+v", rows)
	}
	for _, s := range [][]TimeSeries{c.ByProtocol.Series(), c.ByDirection.Series()} {
		if b := s[0].Buckets[0]; b.Flows != math.MaxInt64 || b.Records != 3 {
			t.Errorf("bucket %+v", b)
		}
	}
	sum := SummarizeASNs(rows, nil)
	if len(sum.Rows) != 1 || sum.Rows[0].TotalAllowedFlows != math.MaxInt64 {
		t.Errorf("summary %+v", sum.Rows)
	}
}

// TestCollectMappedQueryIP: a query for ::ffff:10.0.3.5 selects the flows
// of 10.0.3.5 and learns the host from them (issue 10 item 6).
func TestCollectMappedQueryIP(t *testing.T) {
	t0 := time.Date(2019, 2, 14, 0, 0, 0, 0, time.UTC)
	fl := []flows.Flow{{FlowStartTime: t0, FlowEndTime: t0, VMName: "h1", VMIPAddress: "10.0.3.5", VMRegion: "eastus", AllExtIPs: "13.107.4.50", FlowDirection: flows.Outbound, AllowedOutFlows: 2}}
	c := NewCollector(time.Time{}, time.Time{}, 10)
	if _, err := c.Collect(context.Background(), flows.Slice(fl), flows.Query{IP: "::ffff:10.0.3.5"}); err != nil {
		t.Fatal(err)
	}
	if c.Seen != 1 || c.Host != (hostFacts{Name: "h1", IP: "10.0.3.5", Region: "eastus"}) {
		t.Errorf("seen %d, host %+v", c.Seen, c.Host)
	}
}

package flowsummary

import (
	"fmt"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/gonotebooklets/notebooklets/providers/flows"
)

// benchFlows makes n flows shaped like gen_flows.py's: the host 10.0.3.5,
// 2,000 remote peers, 8 protocols, both directions.
func benchFlows(n int) []flows.Flow {
	rnd := rand.New(rand.NewPCG(7, 7))
	remote := make([]string, 2000)
	for i := range remote {
		remote[i] = fmt.Sprintf("%d.%d.%d.%d", []int{13, 20, 23, 40, 52, 104, 151, 173, 185, 10}[i%10], rnd.IntN(256), rnd.IntN(256), 1+rnd.IntN(254))
	}
	protos := []string{"https", "http", "dns", "ssh", "rdp", "ntp", "smtp", "unknown"}
	start := time.Date(2019, 2, 12, 0, 0, 0, 0, time.UTC)
	out := make([]flows.Flow, n)
	for i := range out {
		t := start.Add(time.Duration(i) * time.Second)
		f := flows.Flow{FlowStartTime: t, FlowEndTime: t.Add(time.Minute), VMName: "msticalertswin1", VMIPAddress: "10.0.3.5",
			L7Protocol: protos[rnd.IntN(len(protos))], AllExtIPs: remote[rnd.IntN(len(remote))], FlowType: "ExternalPublic"}
		if rnd.IntN(4) == 0 {
			f.FlowDirection, f.AllowedInFlows = "I", int64(1+rnd.IntN(5))
		} else {
			f.FlowDirection, f.AllowedOutFlows = "O", int64(1+rnd.IntN(5))
		}
		out[i] = f
	}
	return out
}

// BenchmarkCollectorAdd measures the per-flow cost of the one pass Run makes
// (flow index, both plot series, kept rows) — what the 1M-row benchmark
// spends outside CSV parsing.
func BenchmarkCollectorAdd(b *testing.B) {
	fl := benchFlows(200_000)
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		c := NewCollector(time.Time{}, time.Time{}, DefaultMaxFlowsKept)
		for i := range fl {
			c.Add(&fl[i])
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*len(fl)), "ns/flow")
}

// BenchmarkFlowIndexAdd measures the flow index alone.
func BenchmarkFlowIndexAdd(b *testing.B) {
	fl := benchFlows(200_000)
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		x := NewFlowIndex()
		for i := range fl {
			x.Add(&fl[i])
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*len(fl)), "ns/flow")
}

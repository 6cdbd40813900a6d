package flows_test

import (
	"context"
	"fmt"

	"github.com/gonotebooklets/notebooklets/providers/flows"
)

// Stream the flows of one host from the embedded sample and count them by
// direction. OpenFile("export.csv") gives a Source over a local export the
// same way.
func Example() {
	src := flows.Sample()
	byDir := map[flows.Direction]int64{}
	st, err := src.Stream(context.Background(), flows.Query{Host: "msticalertswin1"}, func(f *flows.Flow) error {
		byDir[f.FlowDirection] += f.TotalAllowedFlows()
		return nil
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(st.RowsKept > 0, st.RowsSkipped, st.First.Format("2006-01-02"), st.Last.Format("2006-01-02"), byDir["O"] > byDir["I"])
	// Output: true 0 2019-02-12 2019-02-16 true
}

// ExampleStreamParallel sums TotalAllowedFlows per consumer (one per parse
// goroutine) and adds the parts up at the end.
func ExampleStreamParallel() {
	src, err := flows.OpenBytes("flows.csv", []byte("FlowStartTime,FlowEndTime,FlowDirection,AllowedOutFlows,AllowedInFlows,VMIPAddress,AllExtIPs\n"+
		"2019-02-14T00:10:00Z,2019-02-14T00:50:00Z,O,12,0,10.0.3.5,13.107.4.50\n"+
		"2019-02-14T01:10:00Z,2019-02-14T01:20:00Z,I,0,3,::ffff:10.0.3.5,20.1.2.3\n"), flows.FormatAuto)
	if err != nil {
		fmt.Println(err)
		return
	}
	var parts []*sumConsumer
	st, err := flows.StreamParallel(context.Background(), src, flows.Query{IP: "10.0.3.5"}, func(*flows.Interner) flows.Consumer {
		p := &sumConsumer{}
		parts = append(parts, p)
		return p
	})
	var total int64
	for _, p := range parts {
		total += p.total
	}
	fmt.Println(st.RowsKept, total, err)
	// Output: 2 15 <nil>
}

type sumConsumer struct{ total int64 }

func (s *sumConsumer) Add(f *flows.Flow, _ *flows.Keys, _ flows.Position) {
	s.total += f.TotalAllowedFlows()
}

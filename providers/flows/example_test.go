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

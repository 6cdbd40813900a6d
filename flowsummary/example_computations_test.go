package flowsummary_test

import (
	"fmt"
	"time"

	"github.com/gonotebooklets/notebooklets/flowsummary"
	"github.com/gonotebooklets/notebooklets/providers/asn"
	"github.com/gonotebooklets/notebooklets/providers/flows"
)

// The pure computations: flows → flow index → summary by ASN → default
// selection.
func ExampleSummarizeASNs() {
	t := time.Date(2019, 2, 14, 10, 0, 0, 0, time.UTC)
	idx := flowsummary.NewFlowIndex()
	for _, f := range []flows.Flow{
		{FlowStartTime: t, VMIPAddress: "10.0.3.5", AllExtIPs: "13.107.4.50", L7Protocol: "https", FlowDirection: flows.Outbound, AllowedOutFlows: 90},
		{FlowStartTime: t, VMIPAddress: "10.0.3.5", AllExtIPs: "52.1.1.1", L7Protocol: "https", FlowDirection: flows.Outbound, AllowedOutFlows: 40},
		{FlowStartTime: t, VMIPAddress: "10.0.3.5", AllExtIPs: "185.1.1.1", L7Protocol: "ssh", FlowDirection: flows.Outbound, AllowedOutFlows: 2},
		{FlowStartTime: t, VMIPAddress: "10.0.3.5", AllExtIPs: "104.16.0.1", L7Protocol: "dns", FlowDirection: flows.Outbound, AllowedOutFlows: 25},
	} {
		idx.Add(&f)
	}
	found := map[string]asn.Info{
		"13.107.4.50": {ASN: 8075, Name: "MICROSOFT-CORP-MSN-AS-BLOCK, US"},
		"52.1.1.1":    {ASN: 16509, Name: "AMAZON-02, US"},
		"185.1.1.1":   {ASN: 64999, Name: "RARE-NET"},
		"104.16.0.1":  {ASN: 13335, Name: "CLOUDFLARENET, US"},
	}
	sum := flowsummary.SummarizeASNs(idx.Rows(), found)
	for _, r := range sum.Rows {
		fmt.Println(r.DestASN, r.TotalAllowedFlows, r.DestIPs)
	}
	sel := flowsummary.DefaultASNSelection(sum, nil)
	fmt.Println("25th percentile:", sel.Percentile25)
	fmt.Println("selected:", sel.Default())
	// Output:
	// AS13335 CLOUDFLARENET, US 25 [104.16.0.1]
	// AS16509 AMAZON-02, US 40 [52.1.1.1]
	// AS64999 RARE-NET 2 [185.1.1.1]
	// AS8075 MICROSOFT-CORP-MSN-AS-BLOCK, US 90 [13.107.4.50]
	// 25th percentile: 19.25
	// selected: [AS64999]
}

package flowtables_test

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/gonotebooklets/notebooklets/providers/flows"
	"github.com/gonotebooklets/notebooklets/providers/flowtables"
)

// writeVNetExport writes n NTANetAnalytics records (one host, 50 remote
// addresses, every fourth record with two packed public IPs) as a portal
// CSV export.
func writeVNetExport(b *testing.B, n int) string {
	b.Helper()
	p := filepath.Join(b.TempDir(), "ntanetanalytics.csv")
	fh, err := os.Create(p)
	if err != nil {
		b.Fatal(err)
	}
	w := bufio.NewWriter(fh)
	fmt.Fprintln(w, "TimeGenerated [UTC],FlowStartTime [UTC],FlowEndTime [UTC],SubType,FlowType,FlowDirection,FlowStatus,SrcIp,DestIp,SrcPublicIps,DestPublicIps,SrcVm,DestVm,SrcRegion,DestRegion,AzureRegion,L4Protocol,L7Protocol,DestPort,AllowedInFlows,AllowedOutFlows,DeniedInFlows,DeniedOutFlows,BytesSrcToDest,BytesDestToSrc")
	for i := 0; i < n; i++ {
		pub := fmt.Sprintf("52.96.%d.%d|1|1|2|2|100|200", i%50, i%7)
		if i%4 == 0 {
			pub += fmt.Sprintf(" 13.107.%d.1|1|1|2|2|300|400", i%50)
		}
		fmt.Fprintf(w, "2024-05-01T01:05:00Z,2024-05-01T00:%02d:00Z,2024-05-01T00:%02d:30Z,FlowLog,ExternalPublic,O,A,10.0.3.5,,,%s,soc-rg/msticalertswin1,,eastus,,,T,https,443,0,3,0,0,400,600\n",
			i%60, i%60, pub)
	}
	if err := w.Flush(); err != nil {
		b.Fatal(err)
	}
	fh.Close()
	return p
}

// BenchmarkVNetFlowFile reads a 100,000-record NTANetAnalytics export for
// its host.
func BenchmarkVNetFlowFile(b *testing.B) {
	const n = 100_000
	p := writeVNetExport(b, n)
	src, err := flowtables.Open(p)
	if err != nil {
		b.Fatal(err)
	}
	q := flows.Query{Host: "msticalertswin1"}
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		st, err := src.Stream(context.Background(), q, func(*flows.Flow) error { return nil })
		if err != nil || st.RowsRead != n {
			b.Fatalf("%+v %v", st, err)
		}
	}
	b.ReportMetric(float64(n)*float64(b.N)/b.Elapsed().Seconds(), "records/s")
}

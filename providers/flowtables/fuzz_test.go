package flowtables_test

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/gonotebooklets/notebooklets/providers/flows"
	"github.com/gonotebooklets/notebooklets/providers/flowtables"
)

// FuzzOpen feeds arbitrary file contents to Detect, Open and Stream: errors
// are fine, panics are not.
func FuzzOpen(f *testing.F) {
	for _, tb := range flowtables.Tables {
		b, err := os.ReadFile(sameTrafficPath(tb))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Add([]byte("SrcPublicIps,FlowStartTime,FlowEndTime,FlowDirection,AllowedInFlows,AllowedOutFlows\n|||,x,y,O,1,1\n"))
	f.Add([]byte(`[{"ActionType":"ConnectionFound","LocalIP":"::ffff:1.2.3.4","RemoteIP":"","LocalPort":-1,"TimeGenerated":1}]`))
	f.Add([]byte("{\"SrcIpAddr\":null,\"EventStartTime\":[],\"EventCount\":{}}\n{"))
	dir := f.TempDir()
	f.Fuzz(func(t *testing.T, data []byte) {
		p := filepath.Join(dir, "export")
		if err := os.WriteFile(p, data, 0o600); err != nil {
			t.Fatal(err)
		}
		src, err := flowtables.Open(p)
		if err != nil {
			return
		}
		for _, q := range []flows.Query{{}, {Host: "msticalertswin1"}, {IP: "10.0.3.5"}} {
			src.Stream(context.Background(), q, func(*flows.Flow) error { return nil })
		}
	})
}

package sample

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"

	"github.com/gonotebooklets/notebooklets/internal/sample/samplegen"
)

// TestRegenerate checks that the embedded files are exactly what the
// generator writes, so the sample cannot drift from its definition.
func TestRegenerate(t *testing.T) {
	dir := t.TempDir()
	if err := samplegen.Generate(dir); err != nil {
		t.Fatal(err)
	}
	for name, got := range map[string][]byte{
		samplegen.FlowsFile: FlowsCSV, samplegen.HostsFile: Hosts, samplegen.TIFile: TIIndicators,
		samplegen.CityFile: CityDB, samplegen.ASNFile: ASNDB,
	} {
		want, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(want, got) {
			t.Errorf("%s: embedded file differs from the generator's output; run go generate ./internal/sample", name)
		}
	}
	// And a second run gives the same bytes (no map order or clock leaks).
	dir2 := t.TempDir()
	if err := samplegen.Generate(dir2); err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{samplegen.FlowsFile, samplegen.HostsFile, samplegen.TIFile, samplegen.CityFile, samplegen.ASNFile} {
		a, _ := os.ReadFile(filepath.Join(dir, name))
		b, _ := os.ReadFile(filepath.Join(dir2, name))
		if !bytes.Equal(a, b) {
			t.Errorf("%s: two runs differ", name)
		}
	}
}

func TestWorld(t *testing.T) {
	mal := samplegen.MaliciousIPs()
	if len(mal) < 2 || len(mal) > 3 {
		t.Fatalf("malicious IPs: %v", mal)
	}
	for _, ip := range append(mal, samplegen.InfoIP()) {
		if !bytes.Contains(FlowsCSV, []byte(","+ip+"\n")) {
			t.Errorf("%s is not in the flows", ip)
		}
		if !bytes.Contains(TIIndicators, []byte(ip+",")) {
			t.Errorf("%s is not in the TI file", ip)
		}
	}
	rare := 0
	for _, o := range samplegen.Orgs {
		if o.Rare {
			rare++
		}
	}
	if n := len(samplegen.Orgs); n < 15 || n > 25 || rare < 2 {
		t.Errorf("%d ASNs, %d rare", n, rare)
	}
}

// Command gen writes the embedded sample dataset (flows, host records,
// GeoLite2-format City and ASN databases, threat indicators) from the
// synthetic world in internal/sample/samplegen. Run it with go generate in
// internal/sample:
//
//	go generate ./internal/sample
package main

import (
	"flag"
	"fmt"
	"os"

	"github.com/gonotebooklets/notebooklets/internal/sample/samplegen"
)

func main() {
	out := flag.String("out", "data", "directory to write the sample files to")
	flag.Parse()
	if err := os.MkdirAll(*out, 0o755); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	if err := samplegen.Generate(*out); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}

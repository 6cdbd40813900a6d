package samplegen_test

import (
	"fmt"

	"github.com/gonotebooklets/notebooklets/internal/sample/samplegen"
)

// The addresses the sample TI file marks malicious, for assertions.
func ExampleMaliciousIPs() {
	fmt.Println(samplegen.Host.Name, samplegen.Host.PrivateIP, samplegen.MaliciousIPs())
	// Output: msticalertswin1 10.0.3.5 [5.188.13.66 5.188.42.7 176.32.17.99]
}

package sample_test

import (
	"bytes"
	"fmt"

	"github.com/gonotebooklets/notebooklets/internal/sample"
)

func Example() {
	header, _, _ := bytes.Cut(sample.TIIndicators, []byte("\n"))
	fmt.Println(string(header))
	// Output: ioc,ioc_type,severity,details,reference,provider
}

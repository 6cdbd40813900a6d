package flows

import "github.com/gonotebooklets/notebooklets/internal/sample"

// Sample returns a Source over the embedded synthetic sample: several days
// (2019-02-12 .. 2019-02-16) of flows of the VM msticalertswin1 (10.0.3.5).
// It is the zero-configuration default of the notebooklets.
func Sample() Source {
	f, err := openBytes(sample.FlowsName, sample.FlowsCSV, FormatCSV)
	if err != nil {
		// The embedded file is checked by the tests; this cannot happen.
		panic("flows: embedded sample: " + err.Error())
	}
	f.sample = true
	return f
}

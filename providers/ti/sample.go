package ti

import (
	"fmt"

	"github.com/gonotebooklets/notebooklets/internal/sample"
)

// SampleName is the provider name of Sample.
const SampleName = "SampleTI"

// Sample returns a provider over the embedded sample indicator file
// (internal/sample's ti-indicators.csv), the zero-configuration default. It
// marks a few of the sample flows' peers (in rare ASNs) malicious.
func Sample() *Local {
	l, err := LocalBytes(sample.TIIndicatorsName, sample.TIIndicators)
	if err != nil {
		// The embedded file is checked by TestSample; this cannot happen
		// at run time.
		panic(fmt.Sprintf("ti: embedded sample indicators: %v", err))
	}
	l.name = SampleName
	return l
}

package ti

import (
	_ "embed"
	"fmt"
)

// sampleIndicators is a stand-in until internal/sample (the flows owner's
// generator) provides the indicator file that matches the sample flows.
//
//go:embed testdata/indicators.csv
var sampleIndicators []byte

// SampleName is the provider name of Sample.
const SampleName = "SampleTI"

// Sample returns a provider over the embedded sample indicator file, the
// zero-configuration default.
func Sample() *Local {
	l, err := LocalBytes(SampleName+".csv", sampleIndicators)
	if err != nil {
		// The embedded file is tested; this cannot happen at run time.
		panic(fmt.Sprintf("ti: embedded sample indicators: %v", err))
	}
	l.name = SampleName
	return l
}

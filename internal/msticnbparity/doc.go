// Package msticnbparity holds the side-by-side test of our NetworkFlowSummary
// against the original, Microsoft's msticnb 1.2.3 on msticpy 3.0.2, installed
// by scripts/msticnb/install.sh in its own virtual environment and run offline
// by scripts/msticnb/harness.py through msticpy's LocalData provider.
//
// The test has its own build tag:
//
//	bash scripts/msticnb/install.sh
//	go test -tags msticnb ./internal/msticnbparity
//
// For the embedded sample and each fixture of flowsummary/testdata/msticnb it
// runs both on the same flow file, ASN and City databases and indicator file,
// compares every output field by field, and requires every difference to be
// one of the rows of flowsummary/testdata/msticnb-differences.md (and every row
// to be seen). A difference not in the table fails the test.
package msticnbparity

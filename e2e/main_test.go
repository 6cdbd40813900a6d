//go:build e2e

package e2e

import (
	"fmt"
	"os"
	"testing"
)

func TestMain(m *testing.M) {
	if err := becomeSubreaper(); err != nil {
		fmt.Fprintf(os.Stderr, "e2e: cannot become child subreaper (%v): processes left by a crashed test may survive\n", err)
	}
	code := m.Run()
	killAllDescendants()
	if headless.state != "" {
		_ = os.RemoveAll(headless.state)
	}
	os.Exit(code)
}

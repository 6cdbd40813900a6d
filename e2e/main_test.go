//go:build e2e

package e2e

import (
	"flag"
	"fmt"
	"os"
	"testing"
	"time"
)

func TestMain(m *testing.M) {
	flag.Parse()
	if err := becomeSubreaper(); err != nil {
		fmt.Fprintf(os.Stderr, "e2e: cannot become child subreaper (%v): processes left by a crashed test may survive\n", err)
	}
	// go test's -timeout panics the binary without running cleanups: kill what the tests
	// started shortly before that, so the tests fail instead of leaving a Jupyter or a browser.
	if f := flag.Lookup("test.timeout"); f != nil {
		if d, err := time.ParseDuration(f.Value.String()); err == nil && d > time.Minute {
			time.AfterFunc(d-30*time.Second, func() {
				fmt.Fprintln(os.Stderr, "e2e: -timeout is near: killing every process the tests started")
				killAllDescendants()
			})
		}
	}
	code := m.Run()
	killAllDescendants()
	if headless.state != "" {
		_ = os.RemoveAll(headless.state)
	}
	os.Exit(code)
}

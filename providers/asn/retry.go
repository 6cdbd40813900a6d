package asn

import (
	"context"
	"errors"
	"math/rand/v2"
	"net"
	"syscall"
	"time"
)

// Retry bounds the retries of a remote call: Attempts tries in all, waiting
// Base, 2·Base, 4·Base ... (with ±25% jitter, at most Max) in between.
type Retry struct {
	Attempts int
	Base     time.Duration
	Max      time.Duration
}

// DefaultRetry is 3 attempts, 250ms then 500ms apart.
var DefaultRetry = Retry{Attempts: 3, Base: 250 * time.Millisecond, Max: 5 * time.Second}

// retryable reports whether err is worth another try: timeouts, refused or
// reset connections, unexpected EOF, and errors marked temporary (429, 5xx).
func retryable(err error) bool {
	if err == nil {
		return false
	}
	var t interface{ Temporary() bool }
	if errors.As(err, &t) && t.Temporary() {
		return true
	}
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() {
		return true
	}
	return errors.Is(err, syscall.ECONNRESET) || errors.Is(err, syscall.ECONNREFUSED) ||
		errors.Is(err, syscall.EPIPE) || errors.Is(err, errShortAnswer)
}

// wait sleeps before attempt n (1-based retry number), or until ctx ends.
// hint, if positive (Retry-After), replaces the computed delay (capped at Max).
func (r Retry) wait(ctx context.Context, n int, hint time.Duration) error {
	d := r.Base << (n - 1)
	if r.Max > 0 && d > r.Max {
		d = r.Max
	}
	d = d*3/4 + time.Duration(rand.Int64N(int64(d)/2+1))
	if hint > 0 {
		d = hint
		if r.Max > 0 && d > r.Max {
			d = r.Max
		}
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

func (r Retry) attempts() int {
	if r.Attempts < 1 {
		return 1
	}
	return r.Attempts
}

// deadline is the earlier of ctx's deadline and now+timeout.
func deadline(ctx context.Context, timeout time.Duration) time.Time {
	d := time.Now().Add(timeout)
	if cd, ok := ctx.Deadline(); ok && cd.Before(d) {
		return cd
	}
	return d
}

package ti

import (
	"fmt"
	"sync"
	"time"
)

// circuitBreaker stops a remote provider from asking a service that keeps
// failing: after `after` consecutive failed requests, or at once when
// tripped (unreachable host, a wait beyond the deadline), it is open for
// cooldown; then one request may try again (half-open), and one more
// failure opens it again. It is safe for concurrent use.
type circuitBreaker struct {
	after    int
	cooldown time.Duration
	now      func() time.Time // tests

	mu        sync.Mutex
	fails     int
	openUntil time.Time
	why       string
}

func (b *circuitBreaker) clock() time.Time {
	if b.now != nil {
		return b.now()
	}
	return time.Now()
}

// open reports whether requests are refused now, and why.
func (b *circuitBreaker) open() (string, bool) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.why == "" {
		return "", false
	}
	if b.clock().Before(b.openUntil) {
		return b.why, true
	}
	// Half-open: let this request try; a failure re-opens at once.
	b.why, b.fails = "", max(b.after-1, 0)
	return "", false
}

// failure counts a failed request; it reports whether the breaker opened.
func (b *circuitBreaker) failure(why string) bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.fails++
	if b.why == "" && b.fails >= max(b.after, 1) {
		b.openLocked(fmt.Sprintf("%d failed requests in a row; last: %s", b.fails, why))
		return true
	}
	return false
}

// trip opens the breaker at once.
func (b *circuitBreaker) trip(why string) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.why == "" {
		b.openLocked(why)
	}
}

func (b *circuitBreaker) openLocked(why string) {
	b.why = why
	b.openUntil = b.clock().Add(b.cooldown)
}

// success closes the breaker and resets the count.
func (b *circuitBreaker) success() {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.fails, b.why = 0, ""
}

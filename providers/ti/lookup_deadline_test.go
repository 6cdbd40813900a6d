package ti

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// within runs fn and fails the test if it has not returned by bound: the
// lookups below must end by their deadline (plus scheduling slack), not
// hang. It is a liveness check, not a speed measurement.
func within(t *testing.T, bound time.Duration, fn func()) {
	t.Helper()
	done := make(chan struct{})
	go func() { defer close(done); fn() }()
	select {
	case <-done:
	case <-time.After(bound):
		t.Fatalf("still running after %v", bound)
	}
}

func fourteenIPs() []string {
	var ips []string
	for i := 1; i <= 14; i++ {
		ips = append(ips, fmt.Sprintf("198.51.100.%d", i))
	}
	return ips
}

// missing returns, per reason, how many results were not answered.
func missing(res Results) map[string]int {
	out := map[string]int{}
	for _, f := range res.Failures {
		out[f.Reason] += len(f.Iocs)
	}
	return out
}

// dialCounter is an HTTP client whose dials are counted.
func dialCounter() (*http.Client, *atomic.Int32) {
	var n atomic.Int32
	d := &net.Dialer{}
	tr := &http.Transport{DialContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
		n.Add(1)
		return d.DialContext(ctx, network, addr)
	}}
	return &http.Client{Transport: tr}, &n
}

func TestLookupAgainstDeadServerEndsAtTheDeadline(t *testing.T) {
	// The server accepts and never answers: every request waits for its
	// timeout. 14 IPs, 4 attempts each at up to 20 s, used to take minutes.
	f := newFake(t, reply{delay: time.Hour})
	vt := NewVirusTotal(testKey, WithBaseURL(f.srv.URL), WithMinInterval(0))
	var res Results
	var err error
	within(t, 10*time.Second, func() {
		res, err = LookupWith(context.Background(), LookupOptions{Deadline: 400 * time.Millisecond}, []Provider{vt}, fourteenIPs(), nil)
	})
	if err != nil {
		t.Fatalf("err = %v: the deadline is a partial result, not an error", err)
	}
	if len(res.Results) != 14 || len(Positive(res.Results)) != 0 {
		t.Fatalf("%d results", len(res.Results))
	}
	for _, r := range res.Results {
		if r.Err == "" {
			t.Errorf("%s answered by a dead server", r.Ioc)
		}
	}
	if !hasWarning(res, "the lookup deadline (400ms) was reached") {
		t.Errorf("warnings %q do not say the deadline was reached", res.Warnings)
	}
}

func TestLookupAgainstRetryAfter100Forever(t *testing.T) {
	// Every request gets 429 with Retry-After: 100.
	f := newFake(t, reply{status: 429, body: `{"error":{"code":"QuotaExceededError"}}`, header: map[string]string{"Retry-After": "100"}})
	vt := NewVirusTotal(testKey, WithBaseURL(f.srv.URL), WithMinInterval(0), WithWorkers(1))
	var res Results
	var err error
	within(t, 10*time.Second, func() {
		res, err = LookupWith(context.Background(), LookupOptions{Deadline: 5 * time.Second, BatchSize: 5}, []Provider{vt}, fourteenIPs(), nil)
	})
	if err != nil {
		t.Fatal(err)
	}
	if n := len(f.hdrs()); n != 1 {
		t.Errorf("%d requests: the breaker should stop at the first Retry-After beyond the deadline", n)
	}
	want := map[string]int{NotLookedUp + "provider unavailable (HTTP 429, rate limited: Retry-After 1m40s is beyond the lookup deadline)": 14}
	if d := cmp.Diff(want, missing(res)); d != "" {
		t.Errorf("missing (-want +got):\n%s", d)
	}
	if !hasWarning(res, "VirusTotal: stopped asking after failures") {
		t.Errorf("warnings %q", res.Warnings)
	}
}

func TestLookupWithNoNetworkStopsAtOnce(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close() // connection refused from now on
	client, dials := dialCounter()
	opts := []Option{WithBaseURL("http://" + addr), WithMinInterval(0), WithHTTPClient(client), WithWorkers(2)}
	provs := []Provider{NewVirusTotal(testKey, opts...), NewOTX(testKey, opts...), NewAbuseIPDB(testKey, opts...)}
	var res Results
	within(t, 10*time.Second, func() {
		res, err = LookupWith(context.Background(), LookupOptions{Deadline: 5 * time.Second, BatchSize: 4}, provs, fourteenIPs(), nil)
	})
	if err != nil {
		t.Fatal(err)
	}
	// An unreachable host opens the breaker at once: at most one dial per
	// worker and provider, no retries.
	if n := dials.Load(); n > 6 {
		t.Errorf("%d dials for 3 providers × 2 workers", n)
	}
	if len(res.Results) != 42 || len(res.Positive()) != 0 {
		t.Fatalf("%d results", len(res.Results))
	}
	for _, r := range res.Results {
		if !strings.Contains(r.Err, "provider unavailable") {
			t.Errorf("%s %s: %q, want provider unavailable", r.Provider, r.Ioc, r.Err)
		}
	}
	for _, p := range []string{"VirusTotal", "OTX", "AbuseIPDB"} {
		if !hasWarning(res, p+": stopped asking after failures") {
			t.Errorf("no warning for %s in %q", p, res.Warnings)
		}
	}
}

func TestLookupBreakerAfterFailedBatches(t *testing.T) {
	var calls atomic.Int32
	down := funcProvider{"Down", func(ctx context.Context, iocs []string) ([]Result, error) {
		calls.Add(1)
		return nil, errors.New("down: HTTP 503")
	}}
	local, _ := LocalBytes("feed.csv", []byte("ioc,severity\n198.51.100.3,high\n"))
	res, err := LookupWith(context.Background(), LookupOptions{BatchSize: 2, Concurrency: 1, BreakAfter: 2}, []Provider{down, local}, fourteenIPs(), nil)
	if err != nil {
		t.Fatal(err)
	}
	if n := calls.Load(); n != 2 {
		t.Errorf("Down asked %d times, want 2 (BreakAfter)", n)
	}
	want := map[string]int{
		"down: HTTP 503": 4,
		NotLookedUp + "provider unavailable (2 batches in a row failed; last: down: HTTP 503)": 10,
	}
	if d := cmp.Diff(want, missing(res)); d != "" {
		t.Errorf("missing (-want +got):\n%s", d)
	}
	if len(res.Positive()) != 1 {
		t.Errorf("the other provider still answers: %+v", res.Positive())
	}
}

func TestLookupGivesUpOnAProviderIgnoringItsContext(t *testing.T) {
	defer func(g time.Duration) { graceAfterDeadline = g }(graceAfterDeadline)
	graceAfterDeadline = 50 * time.Millisecond
	release := make(chan struct{})
	defer close(release)
	stuck := funcProvider{"Stuck", func(ctx context.Context, iocs []string) ([]Result, error) {
		<-release // ignores ctx
		return nil, nil
	}}
	var res Results
	var err error
	within(t, 10*time.Second, func() {
		res, err = LookupWith(context.Background(), LookupOptions{Deadline: 50 * time.Millisecond}, []Provider{stuck}, []string{"192.0.2.1", "192.0.2.2"}, nil)
	})
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]int{NotLookedUp + "the lookup deadline (50ms) was reached": 2}
	if d := cmp.Diff(want, missing(res)); d != "" {
		t.Errorf("missing (-want +got):\n%s", d)
	}
}

func TestLookupRateLimitBeyondDeadline(t *testing.T) {
	// VirusTotal's public rate (one request every 15 s) allows one request
	// in a 2 s step: the rest are reported at once, not waited for.
	f := newFake(t, reply{file: "vt_ip_clean.json"})
	vt := NewVirusTotal(testKey, WithBaseURL(f.srv.URL), WithWorkers(1))
	var res Results
	var err error
	within(t, 10*time.Second, func() {
		res, err = LookupWith(context.Background(), LookupOptions{Deadline: 2 * time.Second}, []Provider{vt}, fourteenIPs(), nil)
	})
	if err != nil {
		t.Fatal(err)
	}
	if n := len(f.hdrs()); n != 1 {
		t.Errorf("%d requests, want 1", n)
	}
	answered := 0
	for _, r := range res.Results {
		if r.Err == "" {
			answered++
		} else if r.Err != NotLookedUp+"the rate limit (one request every 15s) leaves no request before the deadline" {
			t.Errorf("%s: %q", r.Ioc, r.Err)
		}
	}
	if answered != 1 {
		t.Errorf("%d answered, want 1", answered)
	}
}

func TestLookupProgressReportsDeadlineAndUnavailable(t *testing.T) {
	down := funcProvider{"Down", func(ctx context.Context, iocs []string) ([]Result, error) {
		return nil, fmt.Errorf("connect: %w", ErrProviderUnavailable)
	}}
	var mu sync.Mutex
	var seen []Progress
	_, err := LookupWith(context.Background(), LookupOptions{BatchSize: 2, Concurrency: 1, Deadline: time.Minute,
		Progress: func(p Progress) { mu.Lock(); seen = append(seen, p); mu.Unlock() }}, []Provider{down}, fourteenIPs(), nil)
	if err != nil {
		t.Fatal(err)
	}
	first, last := seen[0], seen[len(seen)-1]
	if first.Done != 0 || first.Total != 14 || first.Deadline.Sub(first.Start) != time.Minute {
		t.Errorf("first %+v", first)
	}
	if last.Done != 14 || last.Failed != 14 || !cmp.Equal(last.Unavailable, []string{"Down"}) {
		t.Errorf("last %+v", last)
	}
	if eta, ok := last.ETA(time.Now()); !ok || eta != 0 {
		t.Errorf("ETA when done = %v, %v", eta, ok)
	}
}

func TestProgressETA(t *testing.T) {
	t0 := time.Date(2025, 1, 1, 12, 0, 0, 0, time.UTC)
	tests := []struct {
		name string
		p    Progress
		now  time.Time
		want time.Duration
		ok   bool
	}{
		{"nothing done, no deadline", Progress{Total: 10, Start: t0}, t0.Add(time.Second), 0, false},
		{"nothing done: the deadline bounds it", Progress{Total: 10, Start: t0, Deadline: t0.Add(time.Minute)}, t0.Add(10 * time.Second), 50 * time.Second, true},
		{"at the rate so far", Progress{Done: 2, Total: 10, Start: t0, Deadline: t0.Add(time.Hour)}, t0.Add(10 * time.Second), 40 * time.Second, true},
		{"never beyond the deadline", Progress{Done: 1, Total: 100, Start: t0, Deadline: t0.Add(time.Minute)}, t0.Add(15 * time.Second), 45 * time.Second, true},
		{"past the deadline", Progress{Done: 1, Total: 100, Start: t0, Deadline: t0.Add(time.Minute)}, t0.Add(2 * time.Minute), 0, true},
		{"done", Progress{Done: 10, Total: 10, Start: t0}, t0.Add(time.Second), 0, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, ok := tt.p.ETA(tt.now)
			if got != tt.want || ok != tt.ok {
				t.Errorf("ETA = %v, %v; want %v, %v", got, ok, tt.want, tt.ok)
			}
		})
	}
}

func TestRemoteBreakerOpensAfterFailuresAndRecovers(t *testing.T) {
	now := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	b := &circuitBreaker{after: 3, cooldown: time.Minute, now: func() time.Time { return now }}
	for i := 0; i < 2; i++ {
		if b.failure("HTTP 503") {
			t.Fatalf("opened after %d failures", i+1)
		}
	}
	b.success()
	b.failure("x")
	b.failure("x")
	if !b.failure("HTTP 503") {
		t.Fatal("not open after 3 failures in a row")
	}
	if why, open := b.open(); !open || why != "3 failed requests in a row; last: HTTP 503" {
		t.Errorf("open = %q %v", why, open)
	}
	now = now.Add(2 * time.Minute) // cooldown over: one trial
	if _, open := b.open(); open {
		t.Fatal("still open after the cooldown")
	}
	if !b.failure("again") {
		t.Error("a failed trial does not re-open it")
	}
	now = now.Add(2 * time.Minute)
	b.open()
	b.success()
	if _, open := b.open(); open {
		t.Error("open after a success")
	}
	b.trip("host unreachable")
	if why, open := b.open(); !open || why != "host unreachable" {
		t.Errorf("trip: %q %v", why, open)
	}
}

func TestRemoteDeadServerBreakerLimitsRequests(t *testing.T) {
	// Without a step deadline, the provider's own breaker stops it after 5
	// timed-out requests in a row.
	f := newFake(t, reply{delay: time.Hour})
	vt := NewVirusTotal(testKey, WithBaseURL(f.srv.URL), WithMinInterval(0), WithTimeout(50*time.Millisecond),
		WithRetries(3, time.Millisecond), WithWorkers(2))
	var res []Result
	var err error
	within(t, 20*time.Second, func() { res, err = vt.Lookup(context.Background(), fourteenIPs()) })
	if !errors.Is(err, ErrProviderUnavailable) {
		t.Errorf("batch error %v, want ErrProviderUnavailable", err)
	}
	if n := len(f.hdrs()); n > 5+2 {
		t.Errorf("%d requests to a dead server", n)
	}
	for _, r := range res {
		if r.Err == "" {
			t.Errorf("%+v", r)
		}
	}
}

func hasWarning(res Results, prefix string) bool {
	for _, w := range res.Warnings {
		if strings.HasPrefix(w, prefix) {
			return true
		}
	}
	return false
}

func TestLookupKeepsTheCallersDeadline(t *testing.T) {
	// A caller that bounds the step itself is not cut at DefaultDeadline.
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	want, _ := ctx.Deadline()
	feed, _ := LocalBytes("feed.csv", []byte("ioc\n192.0.2.1\n"))
	var first Progress
	_, err := LookupWith(ctx, LookupOptions{Progress: func(p Progress) {
		if first.Total == 0 {
			first = p
		}
	}}, []Provider{feed}, []string{"192.0.2.1"}, nil)
	if err != nil || !first.Deadline.Equal(want) {
		t.Errorf("deadline %v, want the caller's %v (%v)", first.Deadline, want, err)
	}
}

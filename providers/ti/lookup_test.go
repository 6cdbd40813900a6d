package ti

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// funcProvider is a test double built from a function.
type funcProvider struct {
	name string
	fn   func(ctx context.Context, iocs []string) ([]Result, error)
}

func (p funcProvider) Name() string { return p.name }
func (p funcProvider) Lookup(ctx context.Context, iocs []string) ([]Result, error) {
	return p.fn(ctx, iocs)
}

func TestLookupFanOut(t *testing.T) {
	local, err := LocalBytes("feed.csv", []byte("ioc,severity\n203.0.113.66,high\n198.51.100.7,low\n"))
	if err != nil {
		t.Fatal(err)
	}
	failing := funcProvider{"Broken", func(ctx context.Context, iocs []string) ([]Result, error) {
		return nil, errors.New("broken: service down")
	}}
	partial := funcProvider{"Partial", func(ctx context.Context, iocs []string) ([]Result, error) {
		var out []Result
		for _, i := range iocs {
			if i == "198.51.100.7" {
				out = append(out, Result{Ioc: i, Err: "quota"})
				continue
			}
			if i == "192.0.2.1" {
				continue // left out
			}
			out = append(out, Result{Ioc: i, Severity: High, Positive: false /* fixed by Lookup */})
		}
		return out, nil
	}}
	var calls [][2]int
	res, err := Lookup(context.Background(), []Provider{local, failing, partial},
		[]string{"203.0.113.66", " 203.0.113.66 ", "", "198.51.100.7", "192.0.2.1"},
		func(done, total int) { calls = append(calls, [2]int{done, total}) })
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Results) != 9 {
		t.Fatalf("%d results, want 3 iocs × 3 providers", len(res.Results))
	}
	pos := res.Positive()
	var posKeys []string
	for _, r := range pos {
		posKeys = append(posKeys, r.Provider+"/"+r.Ioc+"/"+r.Severity.String())
	}
	// 198.51.100.7 is low in the feed: kept, but not positive (IsPositive).
	if diff := cmp.Diff([]string{"feed.csv/203.0.113.66/high", "Partial/203.0.113.66/high"}, posKeys); diff != "" {
		t.Errorf("positives (-want +got):\n%s", diff)
	}
	wantF := []Failure{
		{Provider: "Broken", Iocs: []string{"203.0.113.66", "198.51.100.7", "192.0.2.1"}, Reason: "broken: service down"},
		{Provider: "Partial", Iocs: []string{"198.51.100.7"}, Reason: "quota"},
		{Provider: "Partial", Iocs: []string{"192.0.2.1"}, Reason: "no result from provider"},
	}
	if diff := cmp.Diff(wantF, res.Failures); diff != "" {
		t.Errorf("failures (-want +got):\n%s", diff)
	}
	if res.Complete() {
		t.Error("Complete with failures")
	}
	if calls[0] != [2]int{0, 9} || calls[len(calls)-1] != [2]int{9, 9} {
		t.Errorf("progress %v", calls)
	}
	s := Summarize(res.Results)
	if s.Total != 9 || s.Positive != 2 || s.Failed != 5 || s.BySeverity[High] != 2 || s.BySeverity[Low] != 1 || s.ByProvider["feed.csv"] != 1 {
		t.Errorf("summary %+v", s)
	}
	if got := s.String(); got != "9 results: 2 positive (2 high), 1 low, 5 failed" {
		t.Errorf("summary string %q", got)
	}
}

func TestLookupBoundedConcurrencyAndBatches(t *testing.T) {
	var inFlight, peak int32
	var mu sync.Mutex
	var sizes []int
	slow := funcProvider{"Slow", func(ctx context.Context, iocs []string) ([]Result, error) {
		n := atomic.AddInt32(&inFlight, 1)
		defer atomic.AddInt32(&inFlight, -1)
		for {
			p := atomic.LoadInt32(&peak)
			if n <= p || atomic.CompareAndSwapInt32(&peak, p, n) {
				break
			}
		}
		mu.Lock()
		sizes = append(sizes, len(iocs))
		mu.Unlock()
		time.Sleep(5 * time.Millisecond)
		out := make([]Result, len(iocs))
		for i, ioc := range iocs {
			out[i] = Result{Ioc: ioc}
		}
		return out, nil
	}}
	var iocs []string
	for i := 0; i < 100; i++ {
		iocs = append(iocs, fmt.Sprintf("192.0.2.%d", i))
	}
	res, err := LookupWith(context.Background(), LookupOptions{Concurrency: 3, BatchSize: 10}, []Provider{slow, slow}, iocs, nil)
	if err != nil || len(res.Results) != 200 || !res.Complete() {
		t.Fatalf("%v %d", err, len(res.Results))
	}
	if peak > 3 {
		t.Errorf("peak concurrency %d > 3", peak)
	}
	if len(sizes) != 20 {
		t.Errorf("%d batches", len(sizes))
	}
}

func TestLookupCancelled(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	block := funcProvider{"Block", func(ctx context.Context, iocs []string) ([]Result, error) {
		cancel()
		<-ctx.Done()
		return nil, ctx.Err()
	}}
	var iocs []string
	for i := 0; i < 200; i++ {
		iocs = append(iocs, fmt.Sprintf("198.51.100.%d", i%250))
	}
	res, err := LookupWith(ctx, LookupOptions{Concurrency: 1, BatchSize: 10}, []Provider{block}, iocs, nil)
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v", err)
	}
	if len(res.Results) != 200 {
		t.Fatalf("%d results", len(res.Results))
	}
	for _, r := range res.Results {
		if r.Err == "" {
			t.Fatalf("%+v has no Err", r)
		}
	}
}

func TestLookupNoProvidersAndPanics(t *testing.T) {
	if _, err := Lookup(context.Background(), nil, []string{"192.0.2.1"}, nil); err == nil {
		t.Error("no error without providers")
	}
	bad := funcProvider{"Panics", func(ctx context.Context, iocs []string) ([]Result, error) { panic("boom") }}
	res, err := Lookup(context.Background(), []Provider{bad}, []string{"192.0.2.1"}, nil)
	if err != nil || len(res.Failures) != 1 || !strings.Contains(res.Failures[0].Reason, "boom") {
		t.Errorf("%+v %v", res, err)
	}
}

func TestResultJSON(t *testing.T) {
	b, err := json.Marshal(Result{Ioc: "192.0.2.1", IocType: "ipv4", Provider: "X", Positive: true, Severity: High})
	if err != nil {
		t.Fatal(err)
	}
	want := `{"Ioc":"192.0.2.1","IocType":"ipv4","Provider":"X","Result":true,"Severity":"high","Details":"","Reference":""}`
	if string(b) != want {
		t.Errorf("got %s", b)
	}
	var back Result
	if err := json.Unmarshal(b, &back); err != nil || back.Severity != High {
		t.Errorf("%+v %v", back, err)
	}
}

func TestDedup(t *testing.T) {
	got := Dedup([]string{"192.0.2.1", " 192.0.2.1", "::ffff:192.0.2.1", "", "2001:DB8::1", "2001:db8::1", "Evil.Example.com", "evil.example.com"})
	if diff := cmp.Diff([]string{"192.0.2.1", "2001:db8::1", "evil.example.com"}, got); diff != "" {
		t.Error(diff)
	}
}

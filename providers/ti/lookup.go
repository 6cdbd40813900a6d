package ti

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"
	"sync"
)

// Failure says which indicators a provider did not look up, and why.
type Failure struct {
	Provider string   `json:"Provider"`
	Iocs     []string `json:"Iocs"`
	Reason   string   `json:"Reason"`
}

// Results is what Lookup returns: one Result per (indicator, provider),
// in indicator order then provider order, and the failures among them
// grouped by provider and reason.
type Results struct {
	Results  []Result  `json:"Results"`
	Failures []Failure `json:"Failures,omitempty"`
}

// Positive returns the positive results.
func (r Results) Positive() []Result { return Positive(r.Results) }

// Complete reports whether every indicator was looked up at every provider.
func (r Results) Complete() bool { return len(r.Failures) == 0 }

// Positive returns the results that are positive (severity Low or above,
// no error), in their order.
func Positive(results []Result) []Result {
	var out []Result
	for _, r := range results {
		if r.Positive && r.Err == "" {
			out = append(out, r)
		}
	}
	return out
}

// Summary counts results.
type Summary struct {
	Total      int              `json:"Total"`
	Positive   int              `json:"Positive"`
	Failed     int              `json:"Failed"`
	BySeverity map[Severity]int `json:"BySeverity"` // looked-up results only
	ByProvider map[string]int   `json:"ByProvider"` // positive results per provider
}

// String gives a one-line summary such as
// "12 results: 2 positive (1 high, 1 medium), 1 failed".
func (s Summary) String() string {
	var sev []string
	for v := High; v >= Low; v-- {
		if n := s.BySeverity[v]; n > 0 {
			sev = append(sev, fmt.Sprintf("%d %s", n, v))
		}
	}
	out := fmt.Sprintf("%d results: %d positive", s.Total, s.Positive)
	if len(sev) > 0 {
		out += " (" + strings.Join(sev, ", ") + ")"
	}
	if s.Failed > 0 {
		out += fmt.Sprintf(", %d failed", s.Failed)
	}
	return out
}

// Summarize counts results by outcome, severity and provider.
func Summarize(results []Result) Summary {
	s := Summary{BySeverity: map[Severity]int{}, ByProvider: map[string]int{}}
	for _, r := range results {
		s.Total++
		if r.Err != "" {
			s.Failed++
			continue
		}
		s.BySeverity[r.Severity]++
		if r.Positive {
			s.Positive++
			s.ByProvider[r.Provider]++
		}
	}
	return s
}

// LookupOptions tunes Lookup; the zero value is the default.
type LookupOptions struct {
	// Concurrency bounds the batches in flight across all providers
	// (default 4).
	Concurrency int
	// BatchSize is the number of indicators given to a provider at once
	// (default 25); progress is reported per batch.
	BatchSize int
}

// Lookup looks up the indicators (deduplicated and normalised; empty ones
// dropped) at every provider, with bounded concurrency, calling progress
// (if not nil) with the number of (indicator, provider) lookups done and
// the total. Failures are partial results: the failing indicators carry
// Err and are listed in Results.Failures. The error is non-nil only when
// there are no providers or ctx ended (the results so far are returned).
func Lookup(ctx context.Context, providers []Provider, iocs []string, progress func(done, total int)) (Results, error) {
	return LookupWith(ctx, LookupOptions{}, providers, iocs, progress)
}

// LookupWith is Lookup with options.
func LookupWith(ctx context.Context, o LookupOptions, providers []Provider, iocs []string, progress func(done, total int)) (Results, error) {
	if len(providers) == 0 {
		return Results{}, errors.New("ti: no providers to look up indicators with")
	}
	if o.Concurrency <= 0 {
		o.Concurrency = 4
	}
	if o.BatchSize <= 0 {
		o.BatchSize = 25
	}
	uniq := Dedup(iocs)
	total := len(uniq) * len(providers)
	grid := make([][]Result, len(providers)) // grid[p][i]
	for p := range grid {
		grid[p] = make([]Result, len(uniq))
	}
	type task struct{ p, lo, hi int }
	var tasks []task
	for p := range providers {
		for lo := 0; lo < len(uniq); lo += o.BatchSize {
			tasks = append(tasks, task{p, lo, min(lo+o.BatchSize, len(uniq))})
		}
	}
	var (
		mu   sync.Mutex
		done int
		wg   sync.WaitGroup
		sem  = make(chan struct{}, o.Concurrency)
	)
	if progress != nil {
		progress(0, total)
	}
	for _, t := range tasks {
		if ctx.Err() != nil {
			break
		}
		sem <- struct{}{}
		wg.Add(1)
		go func(t task) {
			defer wg.Done()
			defer func() { <-sem }()
			batch := uniq[t.lo:t.hi]
			res := runProvider(ctx, providers[t.p], batch)
			copy(grid[t.p][t.lo:t.hi], res)
			if progress != nil {
				mu.Lock()
				done += len(batch)
				d := done
				progress(d, total)
				mu.Unlock()
			}
		}(t)
	}
	wg.Wait()
	var out Results
	out.Results = make([]Result, 0, total)
	for i, ioc := range uniq {
		for p, prov := range providers {
			r := grid[p][i]
			if r.Provider == "" && r.Ioc == "" { // never run (ctx ended)
				r = Result{Ioc: ioc, IocType: IocType(ioc), Provider: prov.Name(), Err: "not looked up: " + errString(ctx.Err())}
			}
			out.Results = append(out.Results, r)
		}
	}
	out.Failures = failures(out.Results)
	if err := ctx.Err(); err != nil {
		return out, fmt.Errorf("ti: lookup stopped: %w", err)
	}
	return out, nil
}

func errString(err error) string {
	if err == nil {
		return "unknown reason"
	}
	return err.Error()
}

// runProvider calls p for the batch and fits its answer to the batch: one
// result per indicator, in order, never positive when Err is set, and a
// result with Err for anything the provider left out. It recovers from a
// provider's panic.
func runProvider(ctx context.Context, p Provider, batch []string) (out []Result) {
	name := p.Name()
	out = make([]Result, len(batch))
	fill := func(reason string) {
		for i := range out {
			if out[i].Ioc == "" {
				out[i] = Result{Ioc: batch[i], IocType: IocType(batch[i]), Provider: name, Err: reason}
			}
		}
	}
	defer func() {
		if v := recover(); v != nil {
			fill(fmt.Sprintf("provider %s failed: %v", name, v))
		}
	}()
	res, err := p.Lookup(ctx, batch)
	idx := make(map[string]int, len(batch))
	for i, ioc := range batch {
		idx[ioc] = i
	}
	for _, r := range res {
		i, ok := idx[Normalize(r.Ioc)]
		if !ok || out[i].Ioc != "" {
			continue
		}
		r.Ioc = batch[i]
		if r.Provider == "" {
			r.Provider = name
		}
		if r.Err != "" {
			r.Positive, r.Severity = false, Information
		} else {
			r.Positive = r.Severity >= Low
		}
		out[i] = r
	}
	reason := "no result from provider"
	if err != nil {
		reason = err.Error()
	}
	fill(reason)
	return out
}

// failures groups results with Err by provider and reason.
func failures(results []Result) []Failure {
	type key struct{ p, r string }
	m := map[key]*Failure{}
	var order []key
	for _, r := range results {
		if r.Err == "" {
			continue
		}
		k := key{r.Provider, r.Err}
		f := m[k]
		if f == nil {
			f = &Failure{Provider: r.Provider, Reason: r.Err}
			m[k] = f
			order = append(order, k)
		}
		f.Iocs = append(f.Iocs, r.Ioc)
	}
	out := make([]Failure, 0, len(order))
	for _, k := range order {
		out = append(out, *m[k])
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].Provider < out[j].Provider })
	return out
}

// Dedup normalises indicators (see Normalize), drops empty ones and
// duplicates, and keeps first-seen order.
func Dedup(iocs []string) []string {
	seen := make(map[string]bool, len(iocs))
	out := make([]string, 0, len(iocs))
	for _, s := range iocs {
		n := Normalize(s)
		if n == "" || seen[n] {
			continue
		}
		seen[n] = true
		out = append(out, n)
	}
	return out
}

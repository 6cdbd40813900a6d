package ti

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"
	"sync"
	"time"
)

// Failure says which indicators a provider did not look up, and why.
type Failure struct {
	Provider string   `json:"Provider"`
	Iocs     []string `json:"Iocs"`
	Reason   string   `json:"Reason"`
}

// Results is what Lookup returns: one Result per (indicator, provider),
// in indicator order then provider order, the failures among them grouped
// by provider and reason, and warnings that say why the lookup is
// incomplete (a provider stopped by its circuit breaker, the deadline).
type Results struct {
	Results  []Result  `json:"Results"`
	Failures []Failure `json:"Failures,omitempty"`
	Warnings []string  `json:"Warnings,omitempty"`
}

// Positive returns the positive results.
func (r Results) Positive() []Result { return Positive(r.Results) }

// Complete reports whether every indicator was looked up at every provider.
func (r Results) Complete() bool { return len(r.Failures) == 0 }

// Positive returns the results that are positive (IsPositive), in their
// order.
func Positive(results []Result) []Result {
	var out []Result
	for _, r := range results {
		if IsPositive(r) {
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
// "12 results: 2 positive (1 high, 1 medium), 1 low, 1 failed".
func (s Summary) String() string {
	var sev []string
	for v := High; v >= Medium; v-- {
		if n := s.BySeverity[v]; n > 0 {
			sev = append(sev, fmt.Sprintf("%d %s", n, v))
		}
	}
	out := fmt.Sprintf("%d results: %d positive", s.Total, s.Positive)
	if len(sev) > 0 {
		out += " (" + strings.Join(sev, ", ") + ")"
	}
	if n := s.BySeverity[Low]; n > 0 {
		out += fmt.Sprintf(", %d low", n)
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
		if IsPositive(r) {
			s.Positive++
			s.ByProvider[r.Provider]++
		}
	}
	return s
}

// Defaults of LookupOptions.
const (
	// DefaultDeadline bounds a whole Lookup.
	DefaultDeadline = time.Minute
	// DefaultBreakAfter is the number of consecutive failed batches after
	// which Lookup stops asking a provider.
	DefaultBreakAfter = 2
	// DefaultConcurrency is the number of batches in flight.
	DefaultConcurrency = 4
	// DefaultBatchSize is the number of indicators given to a provider at once.
	DefaultBatchSize = 25
)

// NotLookedUp starts the Err of every result that was not looked up at all
// (deadline, provider unavailable, cancelled), as opposed to one the
// provider answered with an error.
const NotLookedUp = "not looked up: "

// ErrProviderUnavailable is wrapped by a batch error that says the provider
// cannot answer now (its host is unreachable, its circuit breaker is open):
// Lookup then stops asking it.
var ErrProviderUnavailable = errors.New("provider unavailable")

// UnavailableError is the error of an indicator not looked up because the
// provider is unavailable; it matches ErrProviderUnavailable.
type UnavailableError struct {
	Reason string // why the provider is unavailable (never holds a key)
	Err    error  // the cause, if any (ErrRateLimited, ErrUnavailable, ...)
}

// Error implements error: "not looked up: provider unavailable (Reason)".
func (e *UnavailableError) Error() string {
	return NotLookedUp + "provider unavailable (" + e.Reason + ")"
}

// Is makes errors.Is(err, ErrProviderUnavailable) true.
func (e *UnavailableError) Is(target error) bool { return target == ErrProviderUnavailable }

// Unwrap returns the cause.
func (e *UnavailableError) Unwrap() error { return e.Err }

// LookupOptions tunes Lookup; the zero value is the default.
type LookupOptions struct {
	// Concurrency bounds the batches in flight across all providers
	// (default DefaultConcurrency).
	Concurrency int
	// BatchSize is the number of indicators given to a provider at once
	// (default DefaultBatchSize); progress is reported per batch.
	BatchSize int
	// Deadline bounds the whole lookup (default DefaultDeadline, a minute,
	// unless ctx already has a deadline, which then bounds it alone;
	// negative: no deadline beyond ctx's). What is not looked up by then
	// carries Err "not looked up: the lookup deadline (…) was reached" and
	// the results are returned without an error (ctx's own deadline is an
	// error, as any end of ctx).
	Deadline time.Duration
	// BreakAfter is the circuit breaker: after this many consecutive
	// batches of a provider failed entirely (default DefaultBreakAfter),
	// or at once when a batch error wraps ErrProviderUnavailable or
	// ErrUnauthorized, the provider is not asked again and its remaining
	// indicators carry Err "not looked up: provider unavailable (…)".
	BreakAfter int
	// Progress, when set, is called at the start and after each batch.
	Progress func(Progress)
}

// Progress is the state of a Lookup, for a progress bar.
type Progress struct {
	Done  int // (indicator, provider) lookups settled, answered or not
	Total int
	// Failed counts the settled lookups without an answer.
	Failed int
	// Start is when the lookup began; Deadline when it will stop at the
	// latest (zero: no deadline).
	Start, Deadline time.Time
	// Unavailable names the providers the circuit breaker stopped.
	Unavailable []string
}

// ETA estimates the time left at now: the remaining lookups at the rate so
// far, never beyond the deadline (before any lookup is done, the time to the
// deadline is the only bound). ok is false when nothing bounds it yet.
func (p Progress) ETA(now time.Time) (left time.Duration, ok bool) {
	if p.Done >= p.Total {
		return 0, true
	}
	var toDeadline time.Duration
	if !p.Deadline.IsZero() {
		toDeadline = max(p.Deadline.Sub(now), 0)
	}
	elapsed := now.Sub(p.Start)
	if p.Done == 0 || elapsed <= 0 {
		return toDeadline, !p.Deadline.IsZero()
	}
	left = time.Duration(float64(elapsed) * float64(p.Total-p.Done) / float64(p.Done))
	if !p.Deadline.IsZero() && left > toDeadline {
		left = toDeadline
	}
	return left, true
}

// Lookup looks up the indicators (deduplicated and normalised; empty ones
// dropped) at every provider with the default options, calling progress (if
// not nil) with the number of (indicator, provider) lookups settled and the
// total. See LookupWith.
func Lookup(ctx context.Context, providers []Provider, iocs []string, progress func(done, total int)) (Results, error) {
	return LookupWith(ctx, LookupOptions{}, providers, iocs, progress)
}

// graceAfterDeadline is how long Lookup waits, after its deadline, for
// providers that do not honour their context before it gives up on them
// (a variable for tests).
var graceAfterDeadline = 2 * time.Second

// BatchSizer is implemented by providers that want batches of their own
// size (remote providers: their number of workers, so that progress is
// reported every few indicators; AzSTI: one query's worth).
type BatchSizer interface {
	BatchSize() int
}

// LookupWith is Lookup with options: at most one batch per provider in
// flight (a provider's own concurrency is its business: remote providers
// run their configured workers) and at most Concurrency providers at once,
// taken in turn; a circuit breaker per provider; a deadline for the whole
// step. Failures are partial results: the failing indicators carry Err and
// are listed in Results.Failures, and Results.Warnings says why the lookup
// stopped short. The error is non-nil only when there are no providers or
// ctx itself ended (the results so far are returned).
func LookupWith(ctx context.Context, o LookupOptions, providers []Provider, iocs []string, progress func(done, total int)) (Results, error) {
	if len(providers) == 0 {
		return Results{}, errors.New("ti: no providers to look up indicators with")
	}
	o.Concurrency = positiveOr(o.Concurrency, DefaultConcurrency)
	o.BatchSize = positiveOr(o.BatchSize, DefaultBatchSize)
	o.BreakAfter = positiveOr(o.BreakAfter, DefaultBreakAfter)
	if _, has := ctx.Deadline(); o.Deadline == 0 && !has {
		o.Deadline = DefaultDeadline
	}
	start := time.Now()
	lctx, cancel := ctx, context.CancelFunc(func() {})
	if o.Deadline > 0 {
		lctx, cancel = context.WithDeadline(ctx, start.Add(o.Deadline))
	}
	defer cancel()
	deadline, _ := lctx.Deadline()

	uniq := Dedup(iocs)
	n := len(providers)
	names := make([]string, n)
	queues := make([][]batchTask, n) // per provider, in order
	for p, prov := range providers {
		names[p] = prov.Name()
		size := o.BatchSize
		if bs, ok := prov.(BatchSizer); ok && bs.BatchSize() > 0 {
			size = bs.BatchSize()
		}
		for lo := 0; lo < len(uniq); lo += size {
			queues[p] = append(queues[p], batchTask{p, lo, min(lo+size, len(uniq))})
		}
	}
	grid := make([][]Result, n) // grid[p][i]; only this goroutine writes it
	for p := range grid {
		grid[p] = make([]Result, len(uniq))
	}
	br := newBreakers(n, o.BreakAfter)
	deadlineReason := func() string {
		if ctx.Err() != nil {
			return NotLookedUp + ctx.Err().Error()
		}
		return fmt.Sprintf("%sthe lookup deadline (%s) was reached", NotLookedUp, o.Deadline)
	}

	total := len(uniq) * n
	prog := Progress{Total: total, Start: start, Deadline: deadline}
	report := func() {
		if progress != nil {
			progress(prog.Done, prog.Total)
		}
		if o.Progress != nil {
			prog.Unavailable = br.openNames(names)
			o.Progress(prog)
		}
	}
	settle := func(t batchTask, res []Result) {
		copy(grid[t.p][t.lo:t.hi], res)
		prog.Done += t.hi - t.lo
		for _, r := range res {
			if r.Err != "" {
				prog.Failed++
			}
		}
	}
	skip := func(t batchTask, reason string) {
		settle(t, notLookedUp(uniq[t.lo:t.hi], names[t.p], reason))
	}

	// Results come back on a channel with room for all of them, so that a
	// provider ignoring its context and finishing after Lookup returned never
	// blocks or races.
	type outcome struct {
		t   batchTask
		res []Result
		err error
	}
	out := make(chan outcome, n*(len(uniq)+1))
	busy := make([]bool, n)
	running := map[batchTask]bool{}
	next := 0 // round-robin start
	pending := 0
	for p := range queues {
		pending += len(queues[p])
	}
	// dispatch starts batches while slots are free; batches that need not
	// run (deadline passed, provider stopped) are settled at once.
	dispatch := func() {
		for len(running) < o.Concurrency {
			p := -1
			for k := 0; k < n; k++ {
				c := (next + k) % n
				if !busy[c] && len(queues[c]) > 0 {
					p = c
					break
				}
			}
			if p < 0 {
				return
			}
			next = (p + 1) % n
			t := queues[p][0]
			queues[p] = queues[p][1:]
			pending--
			if lctx.Err() != nil {
				skip(t, deadlineReason())
				continue
			}
			if why, open := br.isOpen(p); open {
				skip(t, NotLookedUp+"provider unavailable ("+why+")")
				continue
			}
			busy[p], running[t] = true, true
			go func(t batchTask) {
				res, err := runProvider(lctx, providers[t.p], uniq[t.lo:t.hi])
				out <- outcome{t, res, err}
			}(t)
		}
	}
	report()
	dispatch()
	var hardStop <-chan time.Time
	for len(running) > 0 || pending > 0 {
		if len(running) == 0 { // only skips left (the dispatcher settles them)
			dispatch()
			report()
			continue
		}
		var oc outcome
		select {
		case oc = <-out:
		case <-lctx.Done():
			if hardStop == nil {
				hardStop = time.After(graceAfterDeadline)
				for p := range queues { // nothing more starts
					for _, t := range queues[p] {
						skip(t, deadlineReason())
					}
					pending -= len(queues[p])
					queues[p] = nil
				}
				report()
			}
			select {
			case oc = <-out:
			case <-hardStop:
				// Give up on batches still running: their providers ignore
				// their context.
				for t := range running {
					skip(t, deadlineReason())
					delete(running, t)
				}
				report()
				continue
			}
		}
		if !running[oc.t] {
			continue // given up on already
		}
		delete(running, oc.t)
		busy[oc.t.p] = false
		if lctx.Err() == nil { // failures after the deadline are the deadline's
			br.record(oc.t.p, oc.res, oc.err)
		}
		settle(oc.t, oc.res)
		dispatch()
		report()
	}

	var res Results
	res.Results = make([]Result, 0, total)
	for i := range uniq {
		for p := range providers {
			res.Results = append(res.Results, grid[p][i])
		}
	}
	res.Failures = failures(res.Results)
	for p, name := range names {
		if why, open := br.isOpen(p); open {
			res.Warnings = append(res.Warnings, fmt.Sprintf("%s: stopped asking after failures (%s): %d of %d indicators not looked up",
				name, why, countPrefix(grid[p], NotLookedUp), len(uniq)))
		}
	}
	if ctx.Err() == nil && lctx.Err() != nil {
		failed := 0
		for _, r := range res.Results {
			if r.Err != "" {
				failed++
			}
		}
		if failed > 0 {
			res.Warnings = append(res.Warnings, fmt.Sprintf("the lookup deadline (%s) was reached: %d of %d lookups have no answer", o.Deadline, failed, total))
		}
	}
	if err := ctx.Err(); err != nil {
		return res, fmt.Errorf("ti: lookup stopped: %w", err)
	}
	return res, nil
}

// batchTask is one batch: provider p, indicators lo..hi.
type batchTask struct{ p, lo, hi int }

// positiveOr returns v, or def when v is not positive.
func positiveOr(v, def int) int {
	if v <= 0 {
		return def
	}
	return v
}

func notLookedUp(batch []string, provider, reason string) []Result {
	out := make([]Result, len(batch))
	for i, ioc := range batch {
		out[i] = Result{Ioc: ioc, IocType: IocType(ioc), Provider: provider, Err: reason}
	}
	return out
}

func countPrefix(rs []Result, prefix string) int {
	n := 0
	for _, r := range rs {
		if strings.HasPrefix(r.Err, prefix) {
			n++
		}
	}
	return n
}

// breakers is Lookup's circuit breaker per provider, used by the dispatcher
// and the collector.
type breakers struct {
	mu    sync.Mutex
	after int
	fails []int
	why   []string // non-empty: open
}

func newBreakers(n, after int) *breakers {
	return &breakers{after: after, fails: make([]int, n), why: make([]string, n)}
}

func (b *breakers) isOpen(p int) (string, bool) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.why[p], b.why[p] != ""
}

func (b *breakers) openNames(names []string) []string {
	b.mu.Lock()
	defer b.mu.Unlock()
	var out []string
	for p, w := range b.why {
		if w != "" {
			out = append(out, names[p])
		}
	}
	return out
}

// record counts a finished batch: a batch error saying the provider is
// unavailable or the key is refused opens the breaker at once; a batch
// where every indicator failed counts towards BreakAfter; any answer
// resets the count.
func (b *breakers) record(p int, res []Result, err error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.why[p] != "" {
		return
	}
	var ue *UnavailableError
	switch {
	case errors.As(err, &ue):
		b.why[p] = ue.Reason
		return
	case err != nil && (errors.Is(err, ErrProviderUnavailable) || errors.Is(err, ErrUnauthorized)):
		b.why[p] = err.Error()
		return
	}
	// Indicators "not looked up" (the deadline, the rate limit) say
	// nothing about the provider: only answers and failed lookups count.
	answered, failed := false, false
	last := ""
	for _, r := range res {
		switch {
		case r.Err == "":
			answered = true
		case !strings.HasPrefix(r.Err, NotLookedUp):
			failed, last = true, r.Err
		}
	}
	if answered {
		b.fails[p] = 0
		return
	}
	if !failed && err == nil {
		return
	}
	b.fails[p]++
	if b.fails[p] >= b.after {
		if err != nil {
			last = err.Error()
		}
		b.why[p] = fmt.Sprintf("%d batches in a row failed; last: %s", b.fails[p], strings.TrimPrefix(last, NotLookedUp))
	}
}

// runProvider calls p for the batch and fits its answer to the batch: one
// result per indicator, in order, positive by IsPositive, never positive
// when Err is set, and a result with Err for anything the provider left
// out. It recovers from a provider's panic.
func runProvider(ctx context.Context, p Provider, batch []string) (out []Result, err error) {
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
			err = fmt.Errorf("provider %s failed: %v", name, v)
			fill(err.Error())
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
		if r.IocType == "" {
			r.IocType = IocType(r.Ioc)
		}
		if r.Err != "" {
			r.Severity = Information
		}
		r.Positive = IsPositive(r)
		out[i] = r
	}
	reason := "no result from provider"
	if err != nil {
		reason = err.Error()
	}
	fill(reason)
	return out, err
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

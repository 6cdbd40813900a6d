package ti

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/gonotebooklets/notebooklets/internal/loganalytics"
	"github.com/gonotebooklets/notebooklets/providers/provenance"
)

// Errors that classify why a remote lookup failed; match with errors.Is.
// Error strings built by this package never contain the provider's key.
var (
	ErrUnauthorized = errors.New("authentication failed (check the API key)")
	ErrRateLimited  = errors.New("rate limited")
	ErrUnavailable  = errors.New("service unavailable")
	ErrTimeout      = errors.New("timed out")
	ErrBadResponse  = errors.New("unexpected response")
	ErrUnsupported  = errors.New("indicator type not supported")
	ErrNotFound     = errors.New("not found")
)

// Limits are a remote provider's request rate and concurrency.
type Limits struct {
	Interval time.Duration // at least this long between two requests
	Workers  int           // requests in flight at once
}

// String gives "one request every 15s, 1 at a time".
func (l Limits) String() string {
	rate := "no rate limit"
	if l.Interval > 0 {
		rate = "one request every " + l.Interval.String()
	}
	return fmt.Sprintf("%s, %d at a time", rate, l.Workers)
}

func (r *remote) limits() Limits { return Limits{Interval: r.cfg.minInterval, Workers: r.cfg.workers} }

// Option configures a remote provider.
type Option func(*remoteConfig)

type remoteConfig struct {
	baseURL     string
	client      *http.Client
	minInterval time.Duration
	retries     int
	backoff     time.Duration
	maxWait     time.Duration
	timeout     time.Duration
	workers     int
	userAgent   string
	breakAfter  int
	cooldown    time.Duration
	maxBody     int64
}

// WithBaseURL replaces the service's base URL (for tests and proxies).
func WithBaseURL(u string) Option {
	return func(c *remoteConfig) { c.baseURL = strings.TrimRight(u, "/") }
}

// WithHTTPClient sets the HTTP client (default: a client with no overall
// timeout; per-request deadlines come from WithTimeout and the context).
func WithHTTPClient(h *http.Client) Option { return func(c *remoteConfig) { c.client = h } }

// WithMinInterval sets the minimum time between two requests to the
// service (the provider's rate limit). Zero removes the limit.
func WithMinInterval(d time.Duration) Option { return func(c *remoteConfig) { c.minInterval = d } }

// WithRetries sets how many times a request is retried after a timeout,
// a 429 or a 5xx (default 3) and the first backoff delay (default 1s,
// doubled each time, with jitter).
func WithRetries(n int, backoff time.Duration) Option {
	return func(c *remoteConfig) { c.retries, c.backoff = max(n, 0), backoff }
}

// WithMaxWait bounds how long a 429's Retry-After is honoured (default 2
// minutes); a longer wait fails the lookup with ErrRateLimited.
func WithMaxWait(d time.Duration) Option { return func(c *remoteConfig) { c.maxWait = d } }

// WithTimeout sets the deadline of one HTTP request (default 20s).
func WithTimeout(d time.Duration) Option { return func(c *remoteConfig) { c.timeout = d } }

// WithWorkers sets how many requests may be in flight at once (default 4;
// the rate limit still applies).
func WithWorkers(n int) Option { return func(c *remoteConfig) { c.workers = max(n, 1) } }

// WithRequestsPerMinute sets the rate limit as msticpyconfig's Args say it
// (RequestsPerMinute): one request every minute/n. n ≤ 0 keeps the
// provider's default.
func WithRequestsPerMinute(n float64) Option {
	return func(c *remoteConfig) {
		if n > 0 {
			c.minInterval = time.Duration(float64(time.Minute) / n)
		}
	}
}

// WithBreaker sets the provider's circuit breaker: after n consecutive
// failed requests (timeouts, refused or reset connections, 5xx, 429) it
// stops asking the service for cooldown, and every lookup in that time
// fails at once with ErrProviderUnavailable. An unreachable host (connection
// refused, unknown host) or a Retry-After beyond the caller's deadline
// opens it at once. Defaults: 5 failures, 5 minutes.
func WithBreaker(n int, cooldown time.Duration) Option {
	return func(c *remoteConfig) {
		if n > 0 {
			c.breakAfter = n
		}
		if cooldown > 0 {
			c.cooldown = cooldown
		}
	}
}

// WithMaxBody bounds the size of an answer (default 8 MiB); a longer one
// fails the lookup with ErrBadResponse ("truncated at N bytes").
func WithMaxBody(n int64) Option {
	return func(c *remoteConfig) {
		if n > 0 {
			c.maxBody = n
		}
	}
}

func newRemoteConfig(baseURL string, minInterval time.Duration, opts []Option) remoteConfig {
	c := remoteConfig{
		baseURL:     baseURL,
		client:      &http.Client{},
		minInterval: minInterval,
		retries:     3,
		backoff:     time.Second,
		maxWait:     2 * time.Minute,
		timeout:     20 * time.Second,
		workers:     4,
		userAgent:   "gonotebooklets-ti/1",
		breakAfter:  5,
		cooldown:    5 * time.Minute,
		maxBody:     defaultMaxBody,
	}
	for _, o := range opts {
		o(&c)
	}
	return c
}

// limiter spaces requests at least interval apart.
type limiter struct {
	mu       sync.Mutex
	interval time.Duration
	next     time.Time
}

// errNoSlot: the rate limit leaves no request before the caller's deadline.
var errNoSlot = errors.New("leaves no request before the deadline")

// wait blocks until the next request may go, or ctx ends. When the next
// slot is after ctx's deadline it fails at once with errNoSlot (and does
// not take the slot).
func (l *limiter) wait(ctx context.Context) error {
	l.mu.Lock()
	now := time.Now()
	at := l.next
	if at.Before(now) {
		at = now
	}
	if dl, ok := ctx.Deadline(); ok && at.After(dl) {
		l.mu.Unlock()
		return errNoSlot
	}
	if l.interval > 0 || at.After(now) {
		l.next = at.Add(l.interval)
	}
	l.mu.Unlock()
	return sleep(ctx, time.Until(at))
}

// pushBack delays every later request until t (after a 429).
func (l *limiter) pushBack(t time.Time) {
	l.mu.Lock()
	if t.After(l.next) {
		l.next = t
	}
	l.mu.Unlock()
}

func sleep(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return ctx.Err()
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

// remote is the HTTP machinery shared by the remote providers.
type remote struct {
	name string
	key  string // never printed: scrub() removes it from any text we emit
	cfg  remoteConfig
	lim  *limiter
	br   *circuitBreaker
}

func newRemote(name, key, baseURL string, minInterval time.Duration, opts []Option) *remote {
	cfg := newRemoteConfig(baseURL, minInterval, opts)
	return &remote{name: name, key: key, cfg: cfg, lim: &limiter{interval: cfg.minInterval},
		br: &circuitBreaker{after: cfg.breakAfter, cooldown: cfg.cooldown}}
}

// unavailable is the error of a lookup refused because the provider is
// unavailable (its breaker is open, or the batch was stopped).
func (r *remote) unavailable(why string) error {
	return &UnavailableError{Reason: r.scrub(strings.TrimPrefix(why, r.name+": "))}
}

// stopReason says why the rest of a batch is not looked up after err.
func (r *remote) stopReason(err error) string {
	if why, open := r.br.open(); open {
		return why
	}
	var ue *UnavailableError
	if errors.As(err, &ue) {
		return ue.Reason
	}
	return err.Error()
}

// scrub removes the key (and its URL-escaped form) from s.
func (r *remote) scrub(s string) string {
	if len(r.key) >= 4 {
		s = strings.ReplaceAll(s, r.key, "[redacted]")
		if q := url.QueryEscape(r.key); q != r.key {
			s = strings.ReplaceAll(s, q, "[redacted]")
		}
	}
	return s
}

// fail builds an error whose text is scrubbed and which wraps the sentinel.
func (r *remote) fail(sentinel error, format string, args ...any) error {
	return fmt.Errorf("%s: %s: %w", r.name, r.scrub(fmt.Sprintf(format, args...)), sentinel)
}

// response is what get returns for a completed request.
type response struct {
	status int
	body   []byte
}

// defaultMaxBody bounds a response body read (WithMaxBody).
const defaultMaxBody = 8 << 20

// get performs a GET of path (relative to the base URL) with the query and
// headers, honouring the rate limit and the circuit breaker, retrying
// timeouts, 429 and 5xx within ctx's deadline. It returns the final
// response for 2xx and 4xx statuses other than 401, 403 and 429; other
// outcomes are errors wrapping ErrUnauthorized, ErrRateLimited,
// ErrUnavailable, ErrTimeout or ErrProviderUnavailable.
func (r *remote) get(ctx context.Context, path string, query url.Values, header http.Header) (response, error) {
	u := r.cfg.baseURL + path
	if len(query) > 0 {
		u += "?" + query.Encode()
	}
	what := "GET " + path // never includes the query (it might hold a key)
	var lastErr error
	for attempt := 0; ; attempt++ {
		if why, open := r.br.open(); open {
			return response{}, r.unavailable(why)
		}
		if attempt > 0 {
			d := r.cfg.backoff << (attempt - 1)
			d += time.Duration(rand.Int64N(int64(d)/4 + 1))
			if !fits(ctx, d) {
				return response{}, lastErr // no time left for another try
			}
			if err := sleep(ctx, d); err != nil {
				return response{}, r.ctxFail(ctx, what, lastErr)
			}
		}
		if err := r.lim.wait(ctx); err != nil {
			if errors.Is(err, errNoSlot) {
				return response{}, fmt.Errorf("%sthe rate limit (one request every %s) %w", NotLookedUp, r.cfg.minInterval, errNoSlot)
			}
			return response{}, r.ctxFail(ctx, what, lastErr)
		}
		resp, retryAfter, err := r.do(ctx, u, header)
		if err != nil {
			if ctx.Err() != nil {
				return response{}, r.ctxFail(ctx, what, err)
			}
			if errors.Is(err, errTruncated) {
				return response{}, err // a whole answer, only too long: not the service's failure
			}
			var ue *UnavailableError
			if errors.As(err, &ue) {
				r.br.trip(ue.Reason)
				return response{}, err
			}
			r.br.failure(err.Error())
			lastErr = err
			if attempt < r.cfg.retries {
				continue
			}
			return response{}, err
		}
		switch {
		case resp.status == http.StatusUnauthorized || resp.status == http.StatusForbidden:
			r.br.success()
			return resp, r.fail(ErrUnauthorized, "%s: HTTP %d%s", what, resp.status, r.snippet(resp.body))
		case resp.status == http.StatusTooManyRequests:
			lastErr = r.fail(ErrRateLimited, "%s: HTTP 429%s", what, r.snippet(resp.body))
			r.br.failure(lastErr.Error())
			if retryAfter > 0 && (!fits(ctx, retryAfter) || retryAfter > r.cfg.maxWait) {
				why := fmt.Sprintf("HTTP 429, rate limited: Retry-After %s is beyond the lookup deadline", retryAfter)
				if fits(ctx, retryAfter) {
					why = fmt.Sprintf("HTTP 429, rate limited: Retry-After %s is longer than the %s allowed", retryAfter, r.cfg.maxWait)
				}
				r.br.trip(why)
				return resp, &UnavailableError{Reason: why, Err: ErrRateLimited}
			}
			if attempt >= r.cfg.retries {
				return resp, lastErr
			}
			if retryAfter > 0 {
				r.lim.pushBack(time.Now().Add(retryAfter))
				if err := sleep(ctx, retryAfter); err != nil {
					return response{}, r.ctxFail(ctx, what, lastErr)
				}
			}
			continue
		case resp.status >= 500:
			lastErr = r.fail(ErrUnavailable, "%s: HTTP %d%s", what, resp.status, r.snippet(resp.body))
			r.br.failure(lastErr.Error())
			if attempt < r.cfg.retries {
				continue
			}
			return resp, lastErr
		}
		r.br.success()
		return resp, nil
	}
}

// fits reports whether waiting d still leaves ctx's deadline ahead.
func fits(ctx context.Context, d time.Duration) bool {
	dl, ok := ctx.Deadline()
	return !ok || time.Now().Add(d).Before(dl)
}

// ctxFail reports the end of the caller's context, with the last error.
func (r *remote) ctxFail(ctx context.Context, what string, last error) error {
	s := ""
	if last != nil {
		s = " (last error: " + last.Error() + ")"
	}
	if errors.Is(ctx.Err(), context.DeadlineExceeded) {
		return r.fail(ErrTimeout, "%s: deadline exceeded%s", what, s)
	}
	return fmt.Errorf("%s: %s: %w", r.name, r.scrub(what+": cancelled"+s), ctx.Err())
}

// do performs one request with its own deadline.
func (r *remote) do(ctx context.Context, u string, header http.Header) (response, time.Duration, error) {
	what := "GET " + strings.SplitN(strings.TrimPrefix(u, r.cfg.baseURL), "?", 2)[0]
	rctx, cancel := context.WithTimeout(ctx, r.cfg.timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(rctx, http.MethodGet, u, nil)
	if err != nil {
		return response{}, 0, r.fail(ErrBadResponse, "%s: bad request: %v", what, errText(err))
	}
	for k, vs := range header {
		req.Header[k] = vs
	}
	req.Header.Set("User-Agent", r.cfg.userAgent)
	resp, err := r.cfg.client.Do(req)
	if err != nil {
		if rctx.Err() != nil || isTimeout(err) {
			return response{}, 0, r.fail(ErrTimeout, "%s: no answer within %s", what, r.cfg.timeout)
		}
		if loganalytics.IsUnreachable(err) {
			return response{}, 0, &UnavailableError{Reason: "host unreachable: " + r.scrub(causeText(err)), Err: ErrUnavailable}
		}
		return response{}, 0, r.fail(ErrUnavailable, "%s: %s", what, errText(err))
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, r.cfg.maxBody+1))
	if err == nil && int64(len(body)) > r.cfg.maxBody {
		return response{}, 0, fmt.Errorf("%s: %s: answer truncated at %d bytes (the limit; the answer is longer): %w (%w)",
			r.name, what, r.cfg.maxBody, ErrBadResponse, errTruncated)
	}
	if err != nil {
		if rctx.Err() != nil || isTimeout(err) {
			return response{}, 0, r.fail(ErrTimeout, "%s: body not read within %s", what, r.cfg.timeout)
		}
		return response{}, 0, r.fail(ErrUnavailable, "%s: reading body: %s", what, errText(err))
	}
	return response{status: resp.StatusCode, body: body}, retryAfter(resp.Header.Get("Retry-After")), nil
}

// errTruncated marks an answer longer than the body limit.
var errTruncated = errors.New("answer truncated")

// errText returns an error's text without the URL that net/http puts in
// *url.Error (the URL might carry a key in its query).
func errText(err error) string {
	var ue *url.Error
	if errors.As(err, &ue) {
		return ue.Op + ": " + ue.Err.Error()
	}
	return err.Error()
}

// causeText is the text of the error under net/http's *url.Error (which
// holds the URL, and so maybe a key).
func causeText(err error) string {
	var ue *url.Error
	if errors.As(err, &ue) {
		return ue.Err.Error()
	}
	return err.Error()
}

func isTimeout(err error) bool {
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}

// retryAfter parses a Retry-After header (seconds or an HTTP date).
func retryAfter(h string) time.Duration {
	h = strings.TrimSpace(h)
	if h == "" {
		return 0
	}
	if n, err := strconv.Atoi(h); err == nil && n >= 0 {
		return time.Duration(n) * time.Second
	}
	if t, err := http.ParseTime(h); err == nil {
		return max(time.Until(t), 0)
	}
	return 0
}

// snippet returns ": <start of body>" for error messages, scrubbed.
func (r *remote) snippet(body []byte) string {
	s := strings.TrimSpace(string(body))
	if s == "" {
		return ""
	}
	if len(s) > 160 {
		s = s[:160] + "…"
	}
	return ": " + r.scrub(strings.ToValidUTF8(s, "?"))
}

// decode unmarshals a JSON body, failing with ErrBadResponse.
func (r *remote) decode(what string, body []byte, v any) error {
	if err := json.Unmarshal(body, v); err != nil {
		return r.fail(ErrBadResponse, "%s: invalid JSON: %v", what, err)
	}
	return nil
}

// oneFunc looks up one (normalised) indicator.
type oneFunc func(ctx context.Context, ioc string) (Result, error)

// lookupAll runs one over the iocs with the configured workers. Indicators
// that fail get Err; an authentication failure stops the batch and is
// returned as the batch error.
func (r *remote) lookupAll(ctx context.Context, iocs []string, one oneFunc) ([]Result, error) {
	out := make([]Result, len(iocs))
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var (
		mu       sync.Mutex
		batchErr error
		wg       sync.WaitGroup
	)
	next := make(chan int)
	for w := 0; w < min(r.cfg.workers, max(len(iocs), 1)); w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				ioc := Normalize(iocs[i])
				typ := IocType(ioc)
				mu.Lock()
				be := batchErr
				mu.Unlock()
				if be != nil {
					out[i] = r.errResult(ioc, typ, r.unavailable(r.stopReason(be)))
					continue
				}
				res, err := one(ctx, ioc)
				if err != nil {
					out[i] = r.errResult(ioc, typ, err)
					if errors.Is(err, ErrUnauthorized) || errors.Is(err, ErrProviderUnavailable) {
						mu.Lock()
						if batchErr == nil {
							batchErr = err
						}
						mu.Unlock()
					}
					continue
				}
				res.Ioc, res.Provider = ioc, r.name
				if res.IocType == "" {
					res.IocType = typ
				}
				res.Positive = IsPositive(res)
				res.Details, res.Reference = r.scrub(res.Details), r.scrub(res.Reference)
				out[i] = res
			}
		}()
	}
	for i := range iocs {
		next <- i
	}
	close(next)
	wg.Wait()
	return out, batchErr
}

func (r *remote) errResult(ioc, typ string, err error) Result {
	return Result{Ioc: ioc, IocType: typ, Provider: r.name, Severity: Information, Err: r.scrub(err.Error())}
}

// requireIP fails with ErrUnsupported for indicators that are not IPs.
func (r *remote) requireIP(ioc string) (string, error) {
	t, ok := ipType(ioc)
	if !ok {
		return t, r.fail(ErrUnsupported, "%q is %s; this provider looks up IP addresses", ioc, t)
	}
	return t, nil
}

// provenance describes a remote provider: its name and base URL (never the key).
func (r *remote) provenance() provenance.Info {
	return provenance.Info{Kind: strings.ToLower(r.name), Name: r.name, Location: r.cfg.baseURL}
}

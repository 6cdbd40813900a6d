package ti

import (
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"
)

const testKey = "SECRET-KEY-123"

// reply is one canned answer of the fake service.
type reply struct {
	status int
	body   string            // literal body, or
	file   string            // a testdata file
	header map[string]string // extra response headers
	delay  time.Duration     // sleep before answering (timeouts)
}

// fake is an httptest server answering by request path (plus the
// ipAddress query parameter, for AbuseIPDB). Each key has a queue of
// replies; the last one repeats. Unknown keys get def.
type fake struct {
	t   *testing.T
	srv *httptest.Server
	mu  sync.Mutex
	q   map[string][]reply
	def reply
	// seen records the requests (key → count) and the auth headers sent.
	seen    map[string]int
	headers []http.Header
}

func newFake(t *testing.T, def reply) *fake {
	t.Helper()
	f := &fake{t: t, q: map[string][]reply{}, def: def, seen: map[string]int{}}
	f.srv = httptest.NewServer(http.HandlerFunc(f.serve))
	t.Cleanup(f.srv.Close)
	return f
}

func (f *fake) on(key string, rs ...reply) *fake {
	f.mu.Lock()
	f.q[key] = append(f.q[key], rs...)
	f.mu.Unlock()
	return f
}

func (f *fake) count(key string) int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.seen[key]
}

func (f *fake) serve(w http.ResponseWriter, r *http.Request) {
	key := r.URL.Path
	if ip := r.URL.Query().Get("ipAddress"); ip != "" {
		key += "?" + ip
	}
	f.mu.Lock()
	f.seen[key]++
	f.headers = append(f.headers, r.Header.Clone())
	rs := f.q[key]
	rp := f.def
	if len(rs) > 0 {
		rp = rs[0]
		if len(rs) > 1 {
			f.q[key] = rs[1:]
		}
	}
	f.mu.Unlock()
	if rp.delay > 0 {
		select {
		case <-time.After(rp.delay):
		case <-r.Context().Done():
			return
		}
	}
	body := []byte(rp.body)
	if rp.file != "" {
		b, err := os.ReadFile(filepath.Join("testdata", rp.file))
		if err != nil {
			f.t.Errorf("fixture: %v", err)
		}
		body = b
	}
	for k, v := range rp.header {
		w.Header().Set(k, v)
	}
	if rp.status == 0 {
		rp.status = 200
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(rp.status)
	w.Write(body)
}

// testOpts are fast settings for providers under test.
func testOpts(base string) []Option {
	return []Option{WithBaseURL(base), WithMinInterval(0), WithRetries(2, time.Millisecond),
		WithTimeout(300 * time.Millisecond), WithMaxWait(5 * time.Second)}
}

func (f *fake) hdrs() []http.Header {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]http.Header(nil), f.headers...)
}

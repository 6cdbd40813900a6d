package ti

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

func TestTorExitListOverTheLimitIsAFailedLookup(t *testing.T) {
	// A 9 MiB list: over the 8 MiB limit. It used to be cut silently.
	var b strings.Builder
	for i := 0; b.Len() <= 9<<20; i++ {
		fmt.Fprintf(&b, "ExitNode %040X\nPublished 2025-01-01 00:00:00\nLastStatus 2025-01-01 01:00:00\nExitAddress 10.%d.%d.%d 2025-01-01 01:00:00\n", i, i>>16&255, i>>8&255, i&255)
	}
	list := b.String()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.Write([]byte(list)) }))
	defer srv.Close()
	tor := NewTor(WithBaseURL(srv.URL), WithRetries(0, 0))
	res, err := tor.Lookup(context.Background(), []string{"10.0.0.1", "192.0.2.1"})
	if err == nil || !strings.Contains(err.Error(), "truncated at 8388608 bytes") {
		t.Errorf("err = %v, want truncated at 8388608 bytes", err)
	}
	for _, r := range res {
		if r.Positive || !strings.Contains(r.Err, "truncated at 8388608 bytes") {
			t.Errorf("%+v: want a failed lookup that says the list was truncated", r)
		}
	}
	// With a limit above the list's size it is read whole.
	tor = NewTor(WithBaseURL(srv.URL), WithMaxBody(16<<20))
	res, err = tor.Lookup(context.Background(), []string{"10.0.0.1"})
	if err != nil || !res[0].Positive {
		t.Errorf("16 MiB limit: %+v, %v", res, err)
	}
}

func TestLargeValidJSONAnswerSaysTruncatedNotInvalid(t *testing.T) {
	body := `{"data":{"attributes":{"last_analysis_stats":{"malicious":3},"whois":"` + strings.Repeat("x", 4096) + `"}}}`
	f := newFake(t, reply{body: body})
	vt := NewVirusTotal(testKey, append(testOpts(f.srv.URL), WithMaxBody(1024))...)
	r, _ := lookupOne(t, vt, "203.0.113.66")
	if !strings.Contains(r.Err, "answer truncated at 1024 bytes") || strings.Contains(r.Err, "invalid JSON") || r.Positive {
		t.Errorf("got %+v", r)
	}
	if n := len(f.hdrs()); n != 1 {
		t.Errorf("%d requests: a truncated answer is not retried", n)
	}
}

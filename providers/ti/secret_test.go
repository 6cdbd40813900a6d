package ti

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"
)

// TestKeyNeverLeaks drives every remote provider with the key
// "SECRET-KEY-123" through every error path (including services that echo
// the key back in their error bodies and headers) and checks that the key
// appears in no error, result or JSON.
func TestKeyNeverLeaks(t *testing.T) {
	echo := `{"error":{"code":"WrongCredentialsError","message":"bad key SECRET-KEY-123 (SECRET-KEY-123)"},"details":"` + url.QueryEscape(testKey) + `"}`
	scenarios := []struct {
		name string
		r    reply
	}{
		{"401 echoing key", reply{status: 401, body: echo}},
		{"403", reply{status: 403, body: echo}},
		{"429 echoing key", reply{status: 429, body: echo, header: map[string]string{"Retry-After": "0"}}},
		{"429 too long", reply{status: 429, body: echo, header: map[string]string{"Retry-After": "99999"}}},
		{"500 echoing key", reply{status: 500, body: echo}},
		{"418 unexpected", reply{status: 418, body: echo}},
		{"garbage echoing key", reply{status: 200, body: "<<" + testKey + ">>"}},
		{"wrong shape", reply{status: 200, body: echo}},
		{"timeout", reply{delay: time.Second, body: echo}},
		{"not found echoing key", reply{status: 404, body: echo}},
		{"422 echoing key", reply{status: 422, body: `{"errors":[{"detail":"` + testKey + `","status":422}]}`}},
	}
	var all []string
	for _, sp := range specs() {
		for _, sc := range scenarios {
			f := newFake(t, sc.r)
			p := sp.new(f.srv.URL, WithTimeout(30*time.Millisecond), WithRetries(1, time.Millisecond))
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			res, err := p.Lookup(ctx, []string{"203.0.113.66", "not-an-ip"})
			cancel()
			if err != nil {
				all = append(all, err.Error())
			}
			b, _ := json.Marshal(res)
			all = append(all, string(b))
			lr, lerr := Lookup(context.Background(), []Provider{p}, []string{"198.51.100.7"}, nil)
			if lerr != nil {
				all = append(all, lerr.Error())
			}
			b, _ = json.Marshal(lr)
			all = append(all, string(b))
			for _, h := range f.hdrs() {
				if h.Get("X-Otx-Api-Key")+h.Get("X-Apikey")+h.Get("Key") != testKey {
					t.Errorf("%s/%s: key not in a request header", sp.name, sc.name)
				}
			}
		}
	}
	// A transport error whose text holds the URL.
	bad := NewAbuseIPDB(testKey, WithBaseURL("http://127.0.0.1:1/"+testKey), WithRetries(0, 0), WithTimeout(time.Second))
	res, err := bad.Lookup(context.Background(), []string{"203.0.113.66"})
	if err != nil {
		all = append(all, err.Error())
	}
	b, _ := json.Marshal(res)
	all = append(all, string(b))
	// Client errors (e.g. a proxy failure) are scrubbed as well.
	proxied := NewVirusTotal(testKey, WithBaseURL("http://example.invalid"), WithRetries(0, 0), WithHTTPClient(&http.Client{
		Transport: &http.Transport{Proxy: func(*http.Request) (*url.URL, error) {
			return nil, &url.Error{Op: "proxy", URL: testKey, Err: context.Canceled}
		}}}))
	res, _ = proxied.Lookup(context.Background(), []string{"203.0.113.66"})
	b, _ = json.Marshal(res)
	all = append(all, string(b))

	for _, s := range all {
		if strings.Contains(s, testKey) || strings.Contains(s, url.QueryEscape(testKey)) {
			t.Errorf("key leaked: %s", s)
		}
	}
	if len(all) < 50 {
		t.Errorf("only %d outputs checked", len(all))
	}
}

package asn

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// rdapFake serves IANA-style bootstrap files pointing at itself and RDAP
// network objects; behaviour per IP can be scripted.
type rdapFake struct {
	srv   *httptest.Server
	mu    sync.Mutex
	hits  map[string]int
	boots int
	// script returns (status, body, retryAfter) for the n-th request of ip;
	// nil = the default network objects.
	script func(ip string, n int) (int, string, string)
}

const arinNet = `{
 "objectClassName": "ip network", "handle": "NET-13-64-0-0-1", "name": "MSFT",
 "startAddress": "13.64.0.0", "endAddress": "13.107.255.255", "ipVersion": "v4", "country": "US",
 "cidr0_cidrs": [{"v4prefix": "13.64.0.0", "length": 11}, {"v4prefix": "13.96.0.0", "length": 13}, {"v4prefix": "13.104.0.0", "length": 14}],
 "entities": [
  {"objectClassName": "entity", "handle": "MSFT", "roles": ["registrant"],
   "vcardArray": ["vcard", [["version", {}, "text", "4.0"], ["fn", {}, "text", "Microsoft Corporation"], ["kind", {}, "text", "org"]]],
   "entities": [{"roles": ["abuse"], "vcardArray": ["vcard", [["fn", {}, "text", "Abuse Team"], ["email", {}, "text", "abuse@microsoft.example"]]]}]}
 ]}`

const ripeNet = `{
 "handle": "5.188.0.0 - 5.188.255.255", "name": "BULLETPROOF-NET", "country": "RO",
 "startAddress": "5.188.0.0", "endAddress": "5.188.255.255",
 "entities": [
  {"roles": ["abuse"], "vcardArray": ["vcard", [["fn", {}, "text", "Abuse Desk"]]]},
  {"roles": ["registrant"], "vcardArray": ["vcard", [["version", {}, "text", "4.0"], ["fn", {}, "text", "Bulletproof Example SRL"]]]}
 ]}`

const apnicNet6 = `{"handle": "2001:DB8:1::/48", "name": "V6NET", "country": "AU",
 "startAddress": "2400:cb00::", "endAddress": "2400:cb00:ffff:ffff:ffff:ffff:ffff:ffff",
 "entities": [{"roles": ["technical"], "vcardArray": ["vcard", [["fn", {}, "text", "Cloudy Pty"]]]}]}`

func newRDAPFake(t *testing.T) *rdapFake {
	f := &rdapFake{hits: map[string]int{}}
	f.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		base := "http://" + r.Host
		switch r.URL.Path {
		case "/ipv4.json":
			f.mu.Lock()
			f.boots++
			f.mu.Unlock()
			fmt.Fprintf(w, `{"version":"1.0","services":[[["13.0.0.0/8","8.0.0.0/8"],["%[1]s/arin/"]],[["5.0.0.0/8"],["%[1]s/ripe/","http://ignored.example/"]]]}`, base)
			return
		case "/ipv6.json":
			fmt.Fprintf(w, `{"version":"1.0","services":[[["2400::/12"],["%s/apnic/"]]]}`, base)
			return
		}
		parts := strings.Split(strings.Trim(r.URL.Path, "/"), "/")
		if len(parts) != 3 || parts[1] != "ip" {
			http.NotFound(w, r)
			return
		}
		ip := parts[2]
		f.mu.Lock()
		f.hits[ip]++
		n := f.hits[ip]
		script := f.script
		f.mu.Unlock()
		if script != nil {
			if code, body, ra := script(ip, n); code != 0 {
				if ra != "" {
					w.Header().Set("Retry-After", ra)
				}
				w.WriteHeader(code)
				fmt.Fprint(w, body)
				return
			}
		}
		w.Header().Set("Content-Type", "application/rdap+json")
		switch {
		case parts[0] == "arin" && strings.HasPrefix(ip, "13."):
			fmt.Fprint(w, arinNet)
		case parts[0] == "ripe":
			fmt.Fprint(w, ripeNet)
		case parts[0] == "apnic":
			fmt.Fprint(w, apnicNet6)
		default:
			w.WriteHeader(404)
			fmt.Fprint(w, `{"errorCode":404,"title":"Not Found"}`)
		}
	}))
	t.Cleanup(f.srv.Close)
	return f
}

func (f *rdapFake) client() *RDAP {
	return &RDAP{BootstrapV4: f.srv.URL + "/ipv4.json", BootstrapV6: f.srv.URL + "/ipv6.json",
		Timeout: 300 * time.Millisecond, Retry: fastRetry}
}

func TestRDAPResolve(t *testing.T) {
	f := newRDAPFake(t)
	r := f.client()
	res, err := r.Resolve(context.Background(), []string{"13.107.4.50", "5.188.13.66", "2400:cb00::1", "8.8.8.8", "10.0.0.1", "100.64.0.1", "77.1.1.1", "nope"})
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]Info{
		"13.107.4.50":  {IP: "13.107.4.50", Name: "MSFT", Country: "US", CIDR: "13.64.0.0/11, 13.96.0.0/13, 13.104.0.0/14", Registry: "arin", Handle: "NET-13-64-0-0-1", Org: "Microsoft Corporation", Abuse: "abuse@microsoft.example", Source: "rdap"},
		"5.188.13.66":  {IP: "5.188.13.66", Name: "BULLETPROOF-NET", Country: "RO", CIDR: "5.188.0.0/16", Registry: "ripencc", Handle: "5.188.0.0 - 5.188.255.255", Org: "Bulletproof Example SRL", Abuse: "Abuse Desk", Source: "rdap"},
		"2400:cb00::1": {IP: "2400:cb00::1", Name: "V6NET", Country: "AU", CIDR: "2400:cb00::/32", Registry: "apnic", Handle: "2001:DB8:1::/48", Org: "Cloudy Pty", Source: "rdap"},
		"10.0.0.1":     {IP: "10.0.0.1", Name: PrivateName, Source: "private"},
		"100.64.0.1":   {IP: "100.64.0.1", Name: PrivateName, Source: "private"},
	}
	if d := cmp.Diff(want, res.Found); d != "" {
		t.Errorf("(-want +got):\n%s", d)
	}
	if !errors.Is(res.Missing["8.8.8.8"], ErrNotFound) || !strings.Contains(res.Missing["8.8.8.8"].Error(), "404") {
		t.Errorf("8.8.8.8: %v", res.Missing["8.8.8.8"])
	}
	if !errors.Is(res.Missing["77.1.1.1"], ErrNotFound) || !strings.Contains(res.Missing["77.1.1.1"].Error(), "bootstrap") {
		t.Errorf("77.1.1.1 (no registry): %v", res.Missing["77.1.1.1"])
	}
	if !errors.Is(res.Missing["nope"], ErrInvalidIP) {
		t.Errorf("nope: %v", res.Missing["nope"])
	}
	if f.hits["8.8.8.8"] != 1 {
		t.Errorf("404 was retried: %d requests", f.hits["8.8.8.8"])
	}
	if f.boots != 1 {
		t.Errorf("bootstrap fetched %d times", f.boots)
	}
}

func TestRDAPRetries(t *testing.T) {
	tests := []struct {
		name     string
		script   func(ip string, n int) (int, string, string)
		wantOK   bool
		wantHits int
		wantErr  string
	}{
		{"429 then success", func(ip string, n int) (int, string, string) {
			if n == 1 {
				return 429, "slow down", "0"
			}
			return 0, "", ""
		}, true, 2, ""},
		{"503 twice then success", func(ip string, n int) (int, string, string) {
			if n <= 2 {
				return 503, "", ""
			}
			return 0, "", ""
		}, true, 3, ""},
		{"always 500", func(string, int) (int, string, string) { return 500, "", "" }, false, 3, "HTTP 500"},
		{"400 is not retried", func(string, int) (int, string, string) { return 400, "", "" }, false, 1, "HTTP 400"},
		{"garbage JSON", func(string, int) (int, string, string) { return 200, "<html>not json", "" }, false, 1, "bad JSON"},
		{"slow then success", func(ip string, n int) (int, string, string) {
			if n == 1 {
				time.Sleep(500 * time.Millisecond)
			}
			return 0, "", ""
		}, true, 2, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newRDAPFake(t)
			f.script = tt.script
			res, err := f.client().Resolve(context.Background(), []string{"13.107.4.50"})
			if err != nil {
				t.Fatal(err)
			}
			_, ok := res.Found["13.107.4.50"]
			if ok != tt.wantOK {
				t.Errorf("found = %v (missing: %v)", ok, res.Missing)
			}
			if !tt.wantOK && !strings.Contains(res.Missing["13.107.4.50"].Error(), tt.wantErr) {
				t.Errorf("reason %q, want %q", res.Missing["13.107.4.50"], tt.wantErr)
			}
			f.mu.Lock()
			defer f.mu.Unlock()
			if f.hits["13.107.4.50"] != tt.wantHits {
				t.Errorf("%d requests, want %d", f.hits["13.107.4.50"], tt.wantHits)
			}
		})
	}
}

func TestRDAPBootstrapDownAndCancel(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(502) }))
	defer srv.Close()
	r := &RDAP{BootstrapV4: srv.URL + "/v4", BootstrapV6: srv.URL + "/v6", Retry: fastRetry}
	res, err := r.Resolve(context.Background(), []string{"13.107.4.50", "5.188.1.1"})
	if err != nil || len(res.Missing) != 2 || !strings.Contains(res.Missing["5.188.1.1"].Error(), "bootstrap") {
		t.Errorf("bootstrap down: %v %v", res.Missing, err)
	}

	f := newRDAPFake(t)
	f.script = func(string, int) (int, string, string) { time.Sleep(2 * time.Second); return 0, "", "" }
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	c := f.client()
	c.Timeout = 5 * time.Second
	start := time.Now()
	res, err = c.Resolve(ctx, []string{"13.107.4.50", "5.188.13.66"})
	if !errors.Is(err, context.DeadlineExceeded) || len(res.Missing) != 2 {
		t.Errorf("deadline: %v %v", res.Missing, err)
	}
	if time.Since(start) > time.Second {
		t.Errorf("took %v", time.Since(start))
	}
}

func TestRDAPBaseURLOverride(t *testing.T) {
	f := newRDAPFake(t)
	other := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		json.NewEncoder(w).Encode(map[string]any{"handle": "MIRROR", "name": "FROM-MIRROR", "cidr0_cidrs": []map[string]any{{"v4prefix": "13.0.0.0", "length": 8}}})
	}))
	defer other.Close()
	c := f.client()
	c.BaseURLs = map[string]string{"arin": other.URL + "/"}
	inf, err := c.Lookup(context.Background(), mustAddr("13.107.4.50"))
	if err != nil || inf.Handle != "MIRROR" || inf.CIDR != "13.0.0.0/8" || inf.Registry != "arin" {
		t.Errorf("override: %+v %v", inf, err)
	}
}

func TestRangeToCIDRs(t *testing.T) {
	tests := []struct {
		lo, hi string
		want   []string
	}{
		{"13.64.0.0", "13.107.255.255", []string{"13.64.0.0/11", "13.96.0.0/13", "13.104.0.0/14"}},
		{"10.0.0.0", "10.0.0.0", []string{"10.0.0.0/32"}},
		{"0.0.0.0", "255.255.255.255", []string{"0.0.0.0/0"}},
		{"2001:db8::", "2001:db8:ffff:ffff:ffff:ffff:ffff:ffff", []string{"2001:db8::/32"}},
		{"10.0.0.1", "10.0.0.0", nil},
		{"10.0.0.0", "::1", nil},
		{"1.0.0.1", "1.0.1.254", []string{"1.0.0.1 - 1.0.1.254"}},
	}
	for _, tt := range tests {
		if got := rangeToCIDRs(tt.lo, tt.hi); !cmp.Equal(got, tt.want) {
			t.Errorf("%s-%s: %v, want %v", tt.lo, tt.hi, got, tt.want)
		}
	}
}

func FuzzParseRDAPNetwork(f *testing.F) {
	f.Add([]byte(arinNet))
	f.Add([]byte(ripeNet))
	f.Add([]byte(`{"entities":[{"vcardArray":["vcard",[["fn"]]]}],"startAddress":"1.2.3.4","endAddress":"::"}`))
	f.Fuzz(func(t *testing.T, b []byte) { ParseRDAPNetwork(b, "x") })
}

func TestRDAPReusesANetworkForItsOtherAddresses(t *testing.T) {
	f := newRDAPFake(t)
	r := f.client()
	r.Workers = 1
	ips := []string{"13.107.4.50", "13.107.4.51", "13.70.0.1", "13.64.0.0", "5.188.13.66", "5.188.200.1"}
	res, err := r.Resolve(context.Background(), ips)
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Found) != len(ips) {
		t.Fatalf("found %d of %d: missing %v", len(res.Found), len(ips), res.Missing)
	}
	f.mu.Lock()
	queries := 0
	for _, n := range f.hits {
		queries += n
	}
	f.mu.Unlock()
	if queries != 2 {
		t.Errorf("%d network queries, want 2 (one per network): %v", queries, f.hits)
	}
	if g := res.Found["13.70.0.1"]; g.IP != "13.70.0.1" || g.Handle != "NET-13-64-0-0-1" || g.Abuse != "abuse@microsoft.example" {
		t.Errorf("reused answer %+v", g)
	}
}

func TestRDAPAnswerOverTheLimitSaysTruncated(t *testing.T) {
	f := newRDAPFake(t)
	huge := `{"handle":"X","remarks":"` + strings.Repeat("x", 9<<20) + `"}`
	f.script = func(ip string, n int) (int, string, string) { return 200, huge, "" }
	res, err := f.client().Resolve(context.Background(), []string{"13.107.4.50"})
	if err != nil {
		t.Fatal(err)
	}
	if why := res.Missing["13.107.4.50"]; why == nil || !strings.Contains(why.Error(), "truncated at 8388608 bytes") || strings.Contains(why.Error(), "bad JSON") {
		t.Errorf("reason %v, want truncated at 8388608 bytes", why)
	}
}

func TestRDAPAbuseContact(t *testing.T) {
	tests := []struct{ name, body, want string }{
		{"email of the abuse entity", `{"entities":[{"roles":["abuse"],"vcardArray":["vcard",[["fn",{},"text","NOC"],["email",{},"text","abuse@example.net"]]]}]}`, "abuse@example.net"},
		{"name without an email", `{"entities":[{"roles":["abuse"],"vcardArray":["vcard",[["fn",{},"text","NOC"]]]}]}`, "NOC"},
		{"nested", `{"entities":[{"roles":["registrant"],"entities":[{"roles":["technical","abuse"],"vcardArray":["vcard",[["email",{},"text","noc@example.net"]]]}]}]}`, "noc@example.net"},
		{"none", `{"entities":[{"roles":["registrant"],"vcardArray":["vcard",[["fn",{},"text","Org"]]]}]}`, ""},
	}
	for _, tt := range tests {
		inf, err := ParseRDAPNetwork([]byte(tt.body), "arin")
		if err != nil || inf.Abuse != tt.want {
			t.Errorf("%s: abuse %q (%v), want %q", tt.name, inf.Abuse, err, tt.want)
		}
	}
}

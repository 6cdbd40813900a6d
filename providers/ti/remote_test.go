package ti

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

// providerSpec describes one remote provider for the shared table tests.
type providerSpec struct {
	name string
	new  func(base string, extra ...Option) Provider
	key  func(ip string) string // the fake's key for an IP's main request
	// fixtures
	posIP, posFile string
	posSev         Severity
	posDetail      string // a substring of Details
	negIP, negFile string
	nfIP           string
	nfStatus       int
	nfFile         string
	authFile       string
}

func specs() []providerSpec {
	return []providerSpec{
		{
			name: "OTX",
			new: func(b string, o ...Option) Provider {
				return NewOTX(testKey, append(testOpts(b), o...)...)
			},
			key:   func(ip string) string { return "/api/v1/indicators/IPv4/" + ip + "/general" },
			posIP: "203.0.113.66", posFile: "otx_general_positive.json", posSev: High, posDetail: "pulse_count: 2",
			negIP: "192.0.2.10", negFile: "otx_general_negative.json",
			nfIP: "192.0.2.99", nfStatus: 400, nfFile: "otx_invalid.json",
			authFile: "vt_unauthorized.json",
		},
		{
			name: "VirusTotal",
			new: func(b string, o ...Option) Provider {
				return NewVirusTotal(testKey, append(testOpts(b), o...)...)
			},
			key:   func(ip string) string { return "/api/v3/ip_addresses/" + ip },
			posIP: "203.0.113.66", posFile: "vt_ip_malicious.json", posSev: High, posDetail: "malicious: 7",
			negIP: "192.0.2.10", negFile: "vt_ip_clean.json",
			nfIP: "192.0.2.99", nfStatus: 404, nfFile: "vt_notfound.json",
			authFile: "vt_unauthorized.json",
		},
		{
			name: "GreyNoise",
			new: func(b string, o ...Option) Provider {
				return NewGreyNoise(testKey, append(testOpts(b), o...)...)
			},
			key:   func(ip string) string { return "/v3/community/" + ip },
			posIP: "203.0.113.66", posFile: "greynoise_malicious.json", posSev: High, posDetail: "classification: malicious",
			negIP: "192.0.2.53", negFile: "greynoise_benign_riot.json",
			nfIP: "192.0.2.10", nfStatus: 404, nfFile: "greynoise_notfound.json",
			authFile: "greynoise_unauthorized.json",
		},
		{
			name: "AbuseIPDB",
			new: func(b string, o ...Option) Provider {
				return NewAbuseIPDB(testKey, append(testOpts(b), o...)...)
			},
			key:   func(ip string) string { return "/api/v2/check?" + ip },
			posIP: "203.0.113.66", posFile: "abuseipdb_high.json", posSev: High, posDetail: "abuseConfidenceScore: 100",
			negIP: "192.0.2.10", negFile: "abuseipdb_zero.json",
			nfIP: "192.0.2.99", nfStatus: 422, nfFile: "abuseipdb_422.json",
			authFile: "abuseipdb_unauthorized.json",
		},
	}
}

func lookupOne(t *testing.T, p Provider, ioc string) (Result, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	res, err := p.Lookup(ctx, []string{ioc})
	if len(res) != 1 {
		t.Fatalf("%s: got %d results, want 1 (err %v)", p.Name(), len(res), err)
	}
	return res[0], err
}

func TestRemoteProviders(t *testing.T) {
	for _, sp := range specs() {
		t.Run(sp.name, func(t *testing.T) {
			t.Run("positive", func(t *testing.T) {
				f := newFake(t, reply{status: 404, body: `{}`})
				f.on(sp.key(sp.posIP), reply{file: sp.posFile})
				r, err := lookupOne(t, sp.new(f.srv.URL), sp.posIP)
				if err != nil || r.Err != "" {
					t.Fatalf("err %v / %q", err, r.Err)
				}
				if !r.Positive || r.Severity != sp.posSev || !strings.Contains(r.Details, sp.posDetail) {
					t.Errorf("got %+v, want positive %v with %q", r, sp.posSev, sp.posDetail)
				}
				if r.Provider != sp.name || r.Ioc != sp.posIP || r.IocType != TypeIPv4 || r.Reference == "" {
					t.Errorf("got %+v", r)
				}
			})
			t.Run("negative", func(t *testing.T) {
				f := newFake(t, reply{status: 404, body: `{}`})
				f.on(sp.key(sp.negIP), reply{file: sp.negFile})
				r, err := lookupOne(t, sp.new(f.srv.URL), sp.negIP)
				if err != nil || r.Err != "" || r.Positive || r.Severity != Information {
					t.Errorf("got %+v, %v; want negative information", r, err)
				}
			})
			t.Run("not found", func(t *testing.T) {
				f := newFake(t, reply{status: 404, body: `{}`})
				f.on(sp.key(sp.nfIP), reply{status: sp.nfStatus, file: sp.nfFile})
				r, err := lookupOne(t, sp.new(f.srv.URL), sp.nfIP)
				if err != nil || r.Err != "" || r.Positive || !strings.HasPrefix(r.Details, "Not found") {
					t.Errorf("got %+v, %v; want negative Not found", r, err)
				}
			})
			t.Run("401 bad key stops the batch", func(t *testing.T) {
				f := newFake(t, reply{status: 401, file: sp.authFile})
				p := sp.new(f.srv.URL, WithWorkers(1))
				res, err := p.Lookup(context.Background(), []string{sp.posIP, sp.negIP, sp.nfIP})
				if !errors.Is(err, ErrUnauthorized) {
					t.Fatalf("err = %v, want ErrUnauthorized", err)
				}
				if len(res) != 3 {
					t.Fatalf("%d results", len(res))
				}
				for _, r := range res {
					if r.Err == "" || r.Positive {
						t.Errorf("got %+v, want Err", r)
					}
				}
				if n := f.count(sp.key(sp.negIP)); n != 0 {
					t.Errorf("made %d requests after a 401", n)
				}
			})
			t.Run("429 then success", func(t *testing.T) {
				f := newFake(t, reply{status: 404, body: `{}`})
				f.on(sp.key(sp.posIP),
					reply{status: 429, body: `{"message":"slow down"}`, header: map[string]string{"Retry-After": "1"}},
					reply{file: sp.posFile})
				start := time.Now()
				r, err := lookupOne(t, sp.new(f.srv.URL), sp.posIP)
				if err != nil || r.Err != "" || !r.Positive {
					t.Fatalf("got %+v, %v", r, err)
				}
				if d := time.Since(start); d < 900*time.Millisecond {
					t.Errorf("Retry-After: 1 not honoured: retried after %v", d)
				}
				if n := f.count(sp.key(sp.posIP)); n != 2 {
					t.Errorf("%d requests, want 2", n)
				}
			})
			t.Run("429 Retry-After too long", func(t *testing.T) {
				f := newFake(t, reply{status: 429, body: `{}`, header: map[string]string{"Retry-After": "3600"}})
				r, err := lookupOne(t, sp.new(f.srv.URL), sp.posIP)
				// The service will not answer within the lookup: the provider
				// is unavailable for it (the batch error stops Lookup asking).
				if !errors.Is(err, ErrProviderUnavailable) || !strings.Contains(r.Err, ErrRateLimited.Error()) || r.Positive {
					t.Errorf("got %+v, %v; want rate limited, provider unavailable", r, err)
				}
				if n := f.count(sp.key(sp.posIP)); n != 1 {
					t.Errorf("%d requests, want 1", n)
				}
			})
			t.Run("5xx retried then fails", func(t *testing.T) {
				f := newFake(t, reply{status: 503, body: `<html>Service Unavailable</html>`})
				r, err := lookupOne(t, sp.new(f.srv.URL), sp.posIP)
				if err != nil || !strings.Contains(r.Err, ErrUnavailable.Error()) || r.Positive {
					t.Errorf("got %+v, %v; want unavailable", r, err)
				}
				if n := f.count(sp.key(sp.posIP)); n != 3 {
					t.Errorf("%d requests, want 3 (1 + 2 retries)", n)
				}
			})
			t.Run("5xx then success", func(t *testing.T) {
				f := newFake(t, reply{status: 404, body: `{}`})
				f.on(sp.key(sp.posIP), reply{status: 502, body: "bad gateway"}, reply{file: sp.posFile})
				r, err := lookupOne(t, sp.new(f.srv.URL), sp.posIP)
				if err != nil || r.Err != "" || !r.Positive {
					t.Errorf("got %+v, %v", r, err)
				}
			})
			t.Run("garbage JSON", func(t *testing.T) {
				f := newFake(t, reply{status: 404, body: `{}`})
				f.on(sp.key(sp.posIP), reply{body: `{"data": [1, 2, <<<`})
				r, err := lookupOne(t, sp.new(f.srv.URL), sp.posIP)
				if err != nil || !strings.Contains(r.Err, ErrBadResponse.Error()) || r.Positive {
					t.Errorf("got %+v, %v; want bad response", r, err)
				}
			})
			t.Run("wrong JSON shape", func(t *testing.T) {
				f := newFake(t, reply{status: 404, body: `{}`})
				f.on(sp.key(sp.posIP), reply{body: `{"unexpected": true}`})
				r, _ := lookupOne(t, sp.new(f.srv.URL), sp.posIP)
				if !strings.Contains(r.Err, ErrBadResponse.Error()) || r.Positive {
					t.Errorf("got %+v; want bad response", r)
				}
			})
			t.Run("timeout", func(t *testing.T) {
				f := newFake(t, reply{status: 404, body: `{}`})
				f.on(sp.key(sp.posIP), reply{delay: 2 * time.Second, file: sp.posFile})
				p := sp.new(f.srv.URL, WithTimeout(50*time.Millisecond), WithRetries(1, time.Millisecond))
				start := time.Now()
				r, err := lookupOne(t, p, sp.posIP)
				if err != nil || !strings.Contains(r.Err, ErrTimeout.Error()) {
					t.Errorf("got %+v, %v; want timeout", r, err)
				}
				if d := time.Since(start); d > time.Second {
					t.Errorf("took %v", d)
				}
				if n := f.count(sp.key(sp.posIP)); n != 2 {
					t.Errorf("%d requests, want 2", n)
				}
			})
			t.Run("context deadline", func(t *testing.T) {
				f := newFake(t, reply{delay: 2 * time.Second, body: `{}`})
				p := sp.new(f.srv.URL, WithTimeout(5*time.Second))
				ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
				defer cancel()
				res, _ := p.Lookup(ctx, []string{sp.posIP})
				if len(res) != 1 || !strings.Contains(res[0].Err, ErrTimeout.Error()) {
					t.Errorf("got %+v; want timeout", res)
				}
			})
			t.Run("not an IP", func(t *testing.T) {
				f := newFake(t, reply{status: 500})
				r, err := lookupOne(t, sp.new(f.srv.URL), "evil.example.com")
				if err != nil || !strings.Contains(r.Err, ErrUnsupported.Error()) {
					t.Errorf("got %+v, %v", r, err)
				}
				if len(f.hdrs()) != 0 {
					t.Errorf("made a request for a domain")
				}
			})
			t.Run("key sent in header, not URL", func(t *testing.T) {
				f := newFake(t, reply{status: 404, body: `{}`})
				f.on(sp.key(sp.posIP), reply{file: sp.posFile})
				lookupOne(t, sp.new(f.srv.URL), sp.posIP)
				found := false
				for _, h := range f.hdrs() {
					for _, vs := range h {
						for _, v := range vs {
							if v == testKey {
								found = true
							}
						}
					}
				}
				if !found {
					t.Errorf("key not sent in any header: %v", f.hdrs())
				}
			})
		})
	}
}

// TestSeverityMappings checks each remote provider's severity table (see
// the package doc) on example answers in testdata, and that Positive is
// IsPositive: medium and high only.
func TestSeverityMappings(t *testing.T) {
	type tc struct {
		name, file string
		status     int
		key        string
		p          func(string) Provider
		ip         string
		want       Severity
	}
	otx := func(b string) Provider { return NewOTX(testKey, testOpts(b)...) }
	vt := func(b string) Provider { return NewVirusTotal(testKey, testOpts(b)...) }
	gn := func(b string) Provider { return NewGreyNoise("", testOpts(b)...) }
	ab := func(b string) Provider { return NewAbuseIPDB(testKey, testOpts(b)...) }
	tor := func(b string) Provider { return NewTor(testOpts(b + "/exit-addresses")...) }
	cases := []tc{
		{"otx one pulse", "otx_general_one_pulse.json", 200, "/api/v1/indicators/IPv4/198.51.100.7/general", otx, "198.51.100.7", Medium},
		{"otx two pulses", "otx_general_positive.json", 200, "/api/v1/indicators/IPv4/203.0.113.66/general", otx, "203.0.113.66", High},
		{"otx none", "otx_general_negative.json", 200, "/api/v1/indicators/IPv4/192.0.2.10/general", otx, "192.0.2.10", Information},
		{"vt 7 malicious", "vt_ip_malicious.json", 200, "/api/v3/ip_addresses/203.0.113.66", vt, "203.0.113.66", High},
		{"vt 1 malicious", "vt_ip_one.json", 200, "/api/v3/ip_addresses/198.51.100.7", vt, "198.51.100.7", Medium},
		{"vt suspicious only", "vt_ip_suspicious.json", 200, "/api/v3/ip_addresses/198.51.100.8", vt, "198.51.100.8", Low},
		{"vt clean", "vt_ip_clean.json", 200, "/api/v3/ip_addresses/192.0.2.10", vt, "192.0.2.10", Information},
		{"greynoise malicious", "greynoise_malicious.json", 200, "/v3/community/203.0.113.66", gn, "203.0.113.66", High},
		{"greynoise riot benign", "greynoise_benign_riot.json", 200, "/v3/community/192.0.2.53", gn, "192.0.2.53", Information},
		{"abuseipdb 100", "abuseipdb_high.json", 200, "/api/v2/check?203.0.113.66", ab, "203.0.113.66", High},
		{"abuseipdb 23", "abuseipdb_medium.json", 200, "/api/v2/check?198.51.100.7", ab, "198.51.100.7", Medium},
		{"abuseipdb 0", "abuseipdb_zero.json", 200, "/api/v2/check?192.0.2.10", ab, "192.0.2.10", Information},
		// Our extra Low level: kept, not positive (msticpy says information).
		{"greynoise suspicious", "greynoise_suspicious.json", 200, "/v3/community/198.51.100.21", gn, "198.51.100.21", Low},
		{"otx pulse count without pulses", "otx_general_count_only.json", 200, "/api/v1/indicators/IPv4/198.51.100.22/general", otx, "198.51.100.22", Low},
		{"tor exit node", "tor_exit_addresses.txt", 200, "/exit-addresses", tor, "198.51.100.200", Medium},
		{"tor not an exit", "tor_exit_addresses.txt", 200, "/exit-addresses", tor, "192.0.2.10", Information},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			f := newFake(t, reply{status: 404, body: `{}`})
			f.on(c.key, reply{status: c.status, file: c.file})
			r, err := lookupOne(t, c.p(f.srv.URL), c.ip)
			if err != nil || r.Err != "" {
				t.Fatalf("%v %q", err, r.Err)
			}
			if r.Severity != c.want || r.Positive != (c.want >= Medium) || r.Positive != IsPositive(r) {
				t.Errorf("severity %v positive %v, want %v", r.Severity, r.Positive, c.want)
			}
		})
	}
}

func TestOTXReputationRaisesInformation(t *testing.T) {
	f := newFake(t, reply{status: 404, body: `{}`})
	f.on("/api/v1/indicators/IPv4/192.0.2.10/general", reply{file: "otx_general_negative.json"})
	f.on("/api/v1/indicators/IPv4/192.0.2.10/reputation", reply{file: "otx_reputation.json"})
	r, _ := lookupOne(t, NewOTX(testKey, testOpts(f.srv.URL)...), "192.0.2.10")
	if r.Severity != Low || !strings.Contains(r.Details, "Malicious Host") {
		t.Errorf("got %+v", r)
	}
	// IPv6 goes to the IPv6 endpoint.
	f.on("/api/v1/indicators/IPv6/2001:db8::1/general", reply{file: "otx_general_one_pulse.json"})
	r, _ = lookupOne(t, NewOTX(testKey, testOpts(f.srv.URL)...), "2001:DB8::1")
	if r.Severity != Medium || r.IocType != TypeIPv6 || r.Ioc != "2001:db8::1" {
		t.Errorf("got %+v", r)
	}
}

func TestGreyNoiseWithoutKeyAndIPv6(t *testing.T) {
	f := newFake(t, reply{status: 404, body: `{}`})
	f.on("/v3/community/203.0.113.66", reply{file: "greynoise_malicious.json"})
	p := NewGreyNoise("", testOpts(f.srv.URL)...)
	r, _ := lookupOne(t, p, "203.0.113.66")
	if !r.Positive {
		t.Errorf("got %+v", r)
	}
	if k := f.hdrs()[0].Get("Key"); k != "" {
		t.Errorf("sent key header %q without a key", k)
	}
	r, _ = lookupOne(t, p, "2001:db8::1")
	if !strings.Contains(r.Err, ErrUnsupported.Error()) {
		t.Errorf("IPv6: got %+v", r)
	}
}

func TestTor(t *testing.T) {
	f := newFake(t, reply{file: "tor_exit_addresses.txt"})
	p := NewTor(testOpts(f.srv.URL + "/exit-addresses")...)
	res, err := p.Lookup(context.Background(), []string{"198.51.100.200", "192.0.2.10", "2001:db8::9", "evil.example.com"})
	if err != nil {
		t.Fatal(err)
	}
	got := []Severity{res[0].Severity, res[1].Severity, res[2].Severity}
	if diff := cmp.Diff([]Severity{Medium, Information, Medium}, got); diff != "" {
		t.Errorf("severities (-want +got):\n%s", diff)
	}
	if !strings.Contains(res[0].Details, "0011BD2485AD45D984EC4159C88FC066E5E3300E") || res[1].Details != "Not found." {
		t.Errorf("details: %q / %q", res[0].Details, res[1].Details)
	}
	if !strings.Contains(res[3].Err, ErrUnsupported.Error()) {
		t.Errorf("domain: %+v", res[3])
	}
	// The list is fetched once and cached.
	p.Lookup(context.Background(), []string{"203.0.113.9"})
	if n := f.count("/exit-addresses"); n != 1 {
		t.Errorf("fetched the list %d times", n)
	}
}

func TestTorPlainListAndFailures(t *testing.T) {
	f := newFake(t, reply{file: "tor_plain_list.txt"})
	p := NewTor(testOpts(f.srv.URL)...)
	r, err := lookupOne(t, p, "203.0.113.10")
	if err != nil || r.Severity != Medium {
		t.Errorf("plain list: %+v %v", r, err)
	}
	for _, c := range []reply{{status: 503, body: "down"}, {body: "<html>not a list</html>"}, {delay: 2 * time.Second}} {
		f := newFake(t, c)
		p := NewTor(append(testOpts(f.srv.URL), WithTimeout(50*time.Millisecond))...)
		res, err := p.Lookup(context.Background(), []string{"203.0.113.10", "192.0.2.1"})
		if err == nil || len(res) != 2 || res[0].Err == "" || res[0].Positive {
			t.Errorf("%+v: got %+v, %v", c, res, err)
		}
	}
}

func TestRetryAfterParsing(t *testing.T) {
	if d := retryAfter("7"); d != 7*time.Second {
		t.Errorf("7 → %v", d)
	}
	if d := retryAfter(time.Now().Add(3 * time.Second).UTC().Format(http1123)); d < time.Second || d > 4*time.Second {
		t.Errorf("date → %v", d)
	}
	for _, s := range []string{"", "soon", "-3"} {
		if d := retryAfter(s); d != 0 {
			t.Errorf("%q → %v", s, d)
		}
	}
}

const http1123 = "Mon, 02 Jan 2006 15:04:05 GMT"

func TestLimiterSpacesRequests(t *testing.T) {
	f := newFake(t, reply{file: "vt_ip_clean.json"})
	p := NewVirusTotal(testKey, append(testOpts(f.srv.URL), WithMinInterval(60*time.Millisecond), WithWorkers(4))...)
	start := time.Now()
	res, err := p.Lookup(context.Background(), []string{"192.0.2.1", "192.0.2.2", "192.0.2.3", "192.0.2.4"})
	if err != nil || len(res) != 4 {
		t.Fatal(err)
	}
	if d := time.Since(start); d < 180*time.Millisecond {
		t.Errorf("4 requests at 60ms spacing took only %v", d)
	}
}

func TestTorKeepsStaleListWhenRefreshFails(t *testing.T) {
	f := newFake(t, reply{status: 503, body: "down"})
	f.on("/list", reply{file: "tor_exit_addresses.txt"}, reply{status: 503, body: "down"})
	p := NewTor(testOpts(f.srv.URL + "/list")...)
	if r, err := lookupOne(t, p, "203.0.113.9"); err != nil || !r.Positive {
		t.Fatalf("%+v %v", r, err)
	}
	p.ttl = 0 // expire: next lookup refetches, fails, and keeps the old list
	if r, err := lookupOne(t, p, "203.0.113.9"); err != nil || !r.Positive {
		t.Errorf("stale list not used: %+v %v", r, err)
	}
	if n := f.count("/list"); n < 2 {
		t.Errorf("list fetched %d times", n)
	}
}

func TestLookupWithRemotePartialResults(t *testing.T) {
	otx := newFake(t, reply{status: 404, body: `{}`})
	otx.on("/api/v1/indicators/IPv4/203.0.113.66/general", reply{file: "otx_general_positive.json"})
	otx.on("/api/v1/indicators/IPv4/203.0.113.66/reputation", reply{file: "otx_reputation_null.json"})
	otx.on("/api/v1/indicators/IPv4/198.51.100.7/general", reply{status: 503, body: "busy"})
	vt := newFake(t, reply{status: 401, file: "vt_unauthorized.json"})
	local, _ := LocalBytes("feed.csv", []byte("ioc,severity\n198.51.100.7,medium\n"))
	provs := []Provider{NewOTX(testKey, testOpts(otx.srv.URL)...), NewVirusTotal(testKey, testOpts(vt.srv.URL)...), local}
	res, err := Lookup(context.Background(), provs, []string{"203.0.113.66", "198.51.100.7", "192.0.2.10"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	var pos []string
	for _, r := range res.Positive() {
		pos = append(pos, r.Provider+" "+r.Ioc+" "+r.Severity.String())
	}
	if diff := cmp.Diff([]string{"OTX 203.0.113.66 high", "feed.csv 198.51.100.7 medium"}, pos); diff != "" {
		t.Errorf("positives (-want +got):\n%s", diff)
	}
	var failed []string
	for _, f := range res.Failures {
		for _, ioc := range f.Iocs {
			failed = append(failed, f.Provider+" "+ioc)
		}
		if strings.Contains(f.Reason, testKey) {
			t.Errorf("key in %q", f.Reason)
		}
	}
	if diff := cmp.Diff([]string{"OTX 198.51.100.7", "VirusTotal 203.0.113.66", "VirusTotal 198.51.100.7", "VirusTotal 192.0.2.10"}, failed,
		cmpopts.SortSlices(func(a, b string) bool { return a < b })); diff != "" {
		t.Errorf("failures (-want +got):\n%s", diff)
	}
}

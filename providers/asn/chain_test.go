package asn

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gonotebooklets/notebooklets/internal/mmdbgen"
	"github.com/gonotebooklets/notebooklets/internal/sample/samplegen"
	"github.com/google/go-cmp/cmp"
)

func asnDB(t testing.TB) *DB {
	t.Helper()
	var buf bytes.Buffer
	err := mmdbgen.WriteASN(&buf, []mmdbgen.ASNRecord{
		{Network: netip.MustParsePrefix("13.107.0.0/16"), ASN: 8075, Org: "MICROSOFT-CORP-MSN-AS-BLOCK"},
		{Network: netip.MustParsePrefix("2a01:111::/32"), ASN: 8075, Org: "MICROSOFT-CORP-MSN-AS-BLOCK"},
		{Network: netip.MustParsePrefix("5.188.0.0/16"), ASN: 65537, Org: "BULLETPROOF-EXAMPLE-HOSTING"},
	})
	if err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(t.TempDir(), "GeoLite2-ASN.mmdb")
	if err := os.WriteFile(p, buf.Bytes(), 0o600); err != nil {
		t.Fatal(err)
	}
	db, err := OpenDB(p)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

func TestDB(t *testing.T) {
	db := asnDB(t)
	res, err := db.Resolve(context.Background(), []string{"13.107.4.50", "::ffff:5.188.13.66", "2a01:111::9", "8.8.8.8", "10.0.3.5", "fe80::1", "junk"})
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]Info{
		"13.107.4.50":        {IP: "13.107.4.50", ASN: 8075, Name: "MICROSOFT-CORP-MSN-AS-BLOCK", CIDR: "13.107.0.0/16", Source: "geolite2-asn"},
		"::ffff:5.188.13.66": {IP: "::ffff:5.188.13.66", ASN: 65537, Name: "BULLETPROOF-EXAMPLE-HOSTING", CIDR: "::ffff:5.188.0.0/112", Source: "geolite2-asn"},
		"2a01:111::9":        {IP: "2a01:111::9", ASN: 8075, Name: "MICROSOFT-CORP-MSN-AS-BLOCK", CIDR: "2a01:111::/32", Source: "geolite2-asn"},
		"10.0.3.5":           {IP: "10.0.3.5", Name: PrivateName, Source: "private"},
		"fe80::1":            {IP: "fe80::1", Name: PrivateName, Source: "private"},
	}
	if d := cmp.Diff(want, res.Found); d != "" {
		t.Errorf("(-want +got):\n%s", d)
	}
	if !errors.Is(res.Missing["8.8.8.8"], ErrNotFound) || !errors.Is(res.Missing["junk"], ErrInvalidIP) || len(res.Missing) != 2 {
		t.Errorf("missing: %v", res.Missing)
	}
	if got := res.Found["13.107.4.50"].Label(); got != "AS8075 MICROSOFT-CORP-MSN-AS-BLOCK" {
		t.Errorf("label %q", got)
	}
	db.Close()
	if _, err := db.Resolve(context.Background(), []string{"13.107.4.50"}); err != nil {
		t.Fatal(err)
	} else if r, _ := db.Resolve(context.Background(), []string{"13.107.4.50"}); !errors.Is(r.Missing["13.107.4.50"], ErrClosed) {
		t.Errorf("after Close: %v", r.Missing)
	}
}

func TestOpenDBErrors(t *testing.T) {
	dir := t.TempDir()
	var city bytes.Buffer
	mmdbgen.WriteCity(&city, []mmdbgen.CityRecord{{Network: netip.MustParsePrefix("13.107.0.0/16"), CountryISO: "US"}})
	cityPath := filepath.Join(dir, "GeoLite2-City.mmdb")
	os.WriteFile(cityPath, city.Bytes(), 0o600)
	broken := filepath.Join(dir, "broken.mmdb")
	os.WriteFile(broken, []byte("\xab\xcd\xefMaxMind.com garbage"), 0o600)
	for path, want := range map[string]string{
		filepath.Join(dir, "missing.mmdb"): "missing.mmdb",
		broken:                             "broken.mmdb",
		cityPath:                           `"GeoLite2-City" database, not an ASN database`,
	} {
		if db, err := OpenDB(path); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("OpenDB(%s): %v, want error containing %q", path, err, want)
			if db != nil {
				db.Close()
			}
		}
	}
}

func TestSample(t *testing.T) {
	var ips []string
	for _, o := range samplegen.Orgs {
		ips = append(ips, o.Prefix.Addr().Next().String())
	}
	ips = append(ips, samplegen.Host.PrivateIP)
	res, err := Sample().Resolve(context.Background(), ips)
	if err != nil {
		t.Fatal(err)
	}
	for _, o := range samplegen.Orgs {
		ip := o.Prefix.Addr().Next().String()
		if got := res.Found[ip]; got.ASN != Number(o.ASN) || got.Name != o.Name {
			t.Errorf("%s: %+v, want AS%d %s", ip, got, o.ASN, o.Name)
		}
	}
	if res.Found[samplegen.Host.PrivateIP].Label() != PrivateName {
		t.Errorf("host: %+v", res.Found[samplegen.Host.PrivateIP])
	}
}

// stub is a scripted Resolver.
type stub struct {
	name  string
	found map[string]Info
	err   error // whole-batch error
	mu    sync.Mutex
	asked [][]string
}

func (s *stub) Resolve(ctx context.Context, ips []string) (Results, error) {
	s.mu.Lock()
	s.asked = append(s.asked, append([]string(nil), ips...))
	s.mu.Unlock()
	res := newResults(len(ips))
	if s.err != nil {
		return res, s.err
	}
	for _, ip := range ips {
		if inf, ok := s.found[ip]; ok {
			res.Found[ip] = inf
		} else {
			res.Missing[ip] = fmt.Errorf("%s: %s %w", s.name, ip, ErrNotFound)
		}
	}
	return res, nil
}

func TestChain(t *testing.T) {
	db := asnDB(t)
	// Team Cymru on loopback knows 8.8.8.8 and 1.0.0.1 (see cymruWorld).
	f := newTCPFake(t, func(n int, c net.Conn) {
		defer c.Close()
		ips, _ := readBulk(c)
		c.Write([]byte(cymruAnswer(ips)))
	})
	cymru := &Cymru{Addr: f.addr(), Timeout: time.Second, Retry: fastRetry}
	rd := newRDAPFake(t)
	var progress [][2]int
	cache := NewCache(t.TempDir(), time.Hour)
	ch := Chain(db, cymru).Details(rd.client()).Cache(cache).Progress(func(d, n int) { progress = append(progress, [2]int{d, n}) })
	ips := []string{"13.107.4.50", "8.8.8.8", "10.0.3.5", "13.107.4.50", "9.9.9.9", "bad ip", "5.188.13.66"}
	res, err := ch.Resolve(context.Background(), ips)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]Info{
		"13.107.4.50": {IP: "13.107.4.50", ASN: 8075, Name: "MICROSOFT-CORP-MSN-AS-BLOCK", Country: "US", CIDR: "13.107.0.0/16", Registry: "arin", Handle: "NET-13-64-0-0-1", Org: "Microsoft Corporation", Abuse: "abuse@microsoft.example", Source: "geolite2-asn+rdap"},
		"5.188.13.66": {IP: "5.188.13.66", ASN: 65537, Name: "BULLETPROOF-EXAMPLE-HOSTING", Country: "RO", CIDR: "5.188.0.0/16", Registry: "ripencc", Handle: "5.188.0.0 - 5.188.255.255", Org: "Bulletproof Example SRL", Abuse: "Abuse Desk", Source: "geolite2-asn+rdap"},
		"8.8.8.8":     {IP: "8.8.8.8", ASN: 15169, Name: "GOOGLE, US", Country: "US", CIDR: "8.8.8.0/24", Registry: "arin", Source: "cymru"}, // RDAP 404: details stay empty
		"10.0.3.5":    {IP: "10.0.3.5", Name: PrivateName, Source: "private"},
	}
	if d := cmp.Diff(want, res.Found); d != "" {
		t.Errorf("found (-want +got):\n%s", d)
	}
	if len(res.Missing) != 2 || !errors.Is(res.Missing["bad ip"], ErrInvalidIP) {
		t.Errorf("missing: %v", res.Missing)
	}
	why := res.Missing["9.9.9.9"]
	if !errors.Is(why, ErrNotFound) || !strings.Contains(why.Error(), "geolite2-asn") || !strings.Contains(why.Error(), "cymru") {
		t.Errorf("9.9.9.9 reason should list every stage: %v", why)
	}
	// Private and invalid at once; 9.9.9.9 given up after the last stage;
	// the three found count as RDAP answers for them.
	if d := cmp.Diff([][2]int{{2, 6}, {3, 6}, {4, 6}, {5, 6}, {6, 6}}, progress); d != "" {
		t.Errorf("progress (-want +got):\n%s", d)
	}

	// Second run: the cache answers without any lookup, private needs none.
	st := &stub{name: "never"}
	ch2 := Chain(st).Cache(NewCache(cache.Dir, time.Hour))
	res, err = ch2.Resolve(context.Background(), []string{"13.107.4.50", "8.8.8.8", "10.9.9.9"})
	if err != nil {
		t.Fatal(err)
	}
	if len(st.asked) != 0 {
		t.Errorf("asked %v despite the cache", st.asked)
	}
	// A cached answer keeps the source that gave it.
	if g := res.Found["8.8.8.8"]; g.ASN != 15169 || g.Source != SourceCymru || !g.Cached {
		t.Errorf("from cache: %+v", g)
	}
	fi, err := os.Stat(filepath.Join(cache.Dir, CacheFile))
	if err != nil || fi.Mode().Perm() != 0o600 {
		t.Errorf("cache file: %v %v", fi, err)
	}
}

func TestChainStageErrorsAndCancel(t *testing.T) {
	a := &stub{name: "a", err: errors.New("a is down")}
	b := &stub{name: "b", found: map[string]Info{"8.8.8.8": {IP: "8.8.8.8", ASN: 15169, Source: "b"}}}
	res, err := Chain(a, b).Resolve(context.Background(), []string{"8.8.8.8", "1.1.1.1"})
	if err != nil {
		t.Fatal(err)
	}
	if res.Found["8.8.8.8"].ASN != 15169 {
		t.Errorf("fallback: %v", res.Found)
	}
	if m := res.Missing["1.1.1.1"]; m == nil || !strings.Contains(m.Error(), "a is down") || !strings.Contains(m.Error(), "b: 1.1.1.1 not found") {
		t.Errorf("reasons: %v", m)
	}
	if d := cmp.Diff([][]string{{"8.8.8.8", "1.1.1.1"}}, b.asked); d != "" {
		t.Errorf("b asked (-want +got):\n%s", d)
	}

	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	res, err = Chain(b).Resolve(ctx, []string{"8.8.8.8", "192.168.1.1"})
	if !errors.Is(err, context.Canceled) || !errors.Is(res.Missing["8.8.8.8"], context.Canceled) || res.Found["192.168.1.1"].Source != "private" {
		t.Errorf("cancelled: %v %v %v", res.Found, res.Missing, err)
	}
	res, _ = Chain().Resolve(context.Background(), []string{"8.8.8.8"})
	if res.Missing["8.8.8.8"] == nil {
		t.Error("empty chain should report the IP missing")
	}
}

func TestCache(t *testing.T) {
	dir := t.TempDir()
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	c := &Cache{Dir: dir, TTL: time.Hour, now: func() time.Time { return now }}
	c.Put(Info{IP: "8.8.8.8", ASN: 15169}, Info{ASN: 1}) // no IP: ignored
	if err := c.Save(); err != nil {
		t.Fatal(err)
	}
	c2 := &Cache{Dir: dir, TTL: time.Hour, now: func() time.Time { return now.Add(30 * time.Minute) }}
	if inf, ok := c2.Get("8.8.8.8"); !ok || inf.ASN != 15169 {
		t.Errorf("reload: %+v %v", inf, ok)
	}
	c3 := &Cache{Dir: dir, TTL: time.Hour, now: func() time.Time { return now.Add(2 * time.Hour) }}
	if _, ok := c3.Get("8.8.8.8"); ok {
		t.Error("expired entry returned")
	}
	// a corrupt file is reported and replaced
	os.WriteFile(filepath.Join(dir, CacheFile), []byte("{not json"), 0o600)
	c4 := NewCache(dir, 0)
	if _, ok := c4.Get("8.8.8.8"); ok || c4.LoadErr() == nil {
		t.Errorf("corrupt cache: ok=%v err=%v", ok, c4.LoadErr())
	}
	c4.Put(Info{IP: "1.1.1.1", ASN: 13335})
	if err := c4.Save(); err != nil {
		t.Fatal(err)
	}
	if inf, ok := NewCache(dir, 0).Get("1.1.1.1"); !ok || inf.ASN != 13335 {
		t.Errorf("after rewrite: %+v %v", inf, ok)
	}
	// memory-only
	m := NewCache("", 0)
	m.Put(Info{IP: "1.1.1.1"})
	if _, ok := m.Get("1.1.1.1"); !ok || m.Save() != nil {
		t.Error("memory cache")
	}
	// unwritable folder: Save fails with an error, the chain reports a warning
	ro := filepath.Join(t.TempDir(), "file")
	os.WriteFile(ro, nil, 0o600)
	bad := NewCache(filepath.Join(ro, "sub"), 0)
	ch := Chain(&stub{found: map[string]Info{"8.8.8.8": {ASN: 1}}}).Cache(bad)
	if _, err := ch.Resolve(context.Background(), []string{"8.8.8.8"}); err != nil || len(ch.Warnings()) == 0 ||
		!strings.Contains(ch.Warnings()[len(ch.Warnings())-1], "mkdir") {
		t.Errorf("warnings: %v %v", ch.Warnings(), err)
	}
}

func TestOpenDefault(t *testing.T) {
	home := t.TempDir()
	t.Setenv("HOME", home)
	t.Setenv("USERPROFILE", home)
	t.Setenv("NOTEBOOKLETS_GEOIP_ASN", "")
	if _, err := OpenDefault("", ""); err == nil || !strings.Contains(err.Error(), "GeoLite2-ASN") || !strings.Contains(err.Error(), "maxmind.com") {
		t.Errorf("nothing there: %v", err)
	}
	src := asnDB(t).name
	b, _ := os.ReadFile(src)
	dir := filepath.Join(home, ".msticpy", "GeoLite2")
	os.MkdirAll(dir, 0o700)
	os.WriteFile(filepath.Join(dir, "GeoLite2-ASN.mmdb"), b, 0o600)
	db, err := OpenDefault("", "")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if inf, ok, _ := db.Lookup(mustAddr("13.107.4.50")); !ok || inf.ASN != 8075 {
		t.Errorf("%+v %v", inf, ok)
	}
}

func TestUnresolvedAndClose(t *testing.T) {
	db := asnDB(t)
	ch := Chain(db, Unresolved("offline and no GeoLite2-ASN database"))
	res, err := ch.Resolve(context.Background(), []string{"13.107.4.50", "9.9.9.9", "10.1.1.1"})
	if err != nil {
		t.Fatal(err)
	}
	if res.Found["13.107.4.50"].ASN != 8075 || res.Found["10.1.1.1"].Source != SourcePrivate {
		t.Errorf("found %v", res.Found)
	}
	if why := res.Missing["9.9.9.9"]; !errors.Is(why, ErrNotLookedUp) || !strings.Contains(why.Error(), "offline and no GeoLite2-ASN database") {
		t.Errorf("9.9.9.9: %v", why)
	}
	if err := ch.Close(); err != nil {
		t.Fatal(err)
	}
	if _, _, err := db.Lookup(mustAddr("13.107.4.50")); !errors.Is(err, ErrClosed) {
		t.Errorf("the chain's Close did not close its database: %v", err)
	}
}

// A database's answers are never cached: a chain over another database
// (a newer GeoLite2 edition, another case's file) says what that file says,
// not what an earlier run's file said. Online answers are cached.
func TestChainCacheHoldsOnlineAnswersNotTheFiles(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	first := Chain(asnDB(t)).Cache(NewCache(dir, 0))
	if r, _ := first.Resolve(ctx, []string{"13.107.4.50"}); r.Found["13.107.4.50"].ASN != 8075 {
		t.Fatalf("first file: %+v", r.Found)
	}
	var buf bytes.Buffer
	if err := mmdbgen.WriteASN(&buf, []mmdbgen.ASNRecord{{Network: netip.MustParsePrefix("13.107.0.0/16"), ASN: 64497, Org: "OTHER-EDITION"}}); err != nil {
		t.Fatal(err)
	}
	other, err := OpenDBBytes(buf.Bytes())
	if err != nil {
		t.Fatal(err)
	}
	r, _ := Chain(other).Cache(NewCache(dir, 0)).Resolve(ctx, []string{"13.107.4.50"})
	if got := r.Found["13.107.4.50"]; got.ASN != 64497 || got.Cached {
		t.Errorf("another file's answer: %+v, want AS64497 from the file, not the cache", got)
	}
	// An online stage's answer is cached and reused without asking again.
	asked := 0
	online := resolverFunc(func(_ context.Context, ips []string) (Results, error) {
		asked++
		r := newResults(len(ips))
		for _, ip := range ips {
			r.Found[ip] = Info{IP: ip, ASN: 15169, Name: "GOOGLE", Source: SourceCymru}
		}
		return r, nil
	})
	for range 2 {
		r, _ := Chain(other, online).Cache(NewCache(dir, 0)).Resolve(ctx, []string{"8.8.8.8"})
		if r.Found["8.8.8.8"].ASN != 15169 {
			t.Fatalf("online answer: %+v", r.Found)
		}
	}
	if asked != 1 {
		t.Errorf("the online stage was asked %d times, want once (then the cache)", asked)
	}
}

type resolverFunc func(ctx context.Context, ips []string) (Results, error)

func (f resolverFunc) Resolve(ctx context.Context, ips []string) (Results, error) { return f(ctx, ips) }

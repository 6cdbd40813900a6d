package asn

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/netip"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/gonotebooklets/notebooklets/providers/provenance"

	"github.com/gonotebooklets/notebooklets/providers/ipaddr"
)

// IANA's RDAP bootstrap files for IP addresses.
const (
	DefaultBootstrapV4 = "https://data.iana.org/rdap/ipv4.json"
	DefaultBootstrapV6 = "https://data.iana.org/rdap/ipv6.json"
)

// RDAP looks up registration details (network name, handle, country, CIDR,
// registrant organisation) from the regional registry that IANA's bootstrap
// file names for the address.
type RDAP struct {
	BootstrapV4, BootstrapV6 string            // bootstrap file URLs; IANA's by default
	BaseURLs                 map[string]string // registry name → base URL, overriding the bootstrap's (e.g. for tests or mirrors)
	Client                   *http.Client      // default: a client without its own timeout (Timeout applies per request)
	Timeout                  time.Duration     // per request; default 15s
	Retry                    Retry             // zero = DefaultRetry
	Workers                  int               // concurrent lookups; default 4

	mu        sync.Mutex
	bootstrap []bootEntry
}

type bootEntry struct {
	prefix netip.Prefix
	base   string
}

// NewRDAP returns an RDAP client using IANA's bootstrap files.
func NewRDAP() *RDAP { return &RDAP{} }

type httpStatusError struct {
	code       int
	url        string
	retryAfter time.Duration
}

func (e *httpStatusError) Error() string {
	return fmt.Sprintf("%s: HTTP %d %s", e.url, e.code, http.StatusText(e.code))
}
func (e *httpStatusError) Temporary() bool { return e.code == 429 || e.code >= 500 }
func (e *httpStatusError) Is(t error) bool { return t == ErrNotFound && e.code == 404 }

func (r *RDAP) client() *http.Client {
	if r.Client != nil {
		return r.Client
	}
	return http.DefaultClient
}

// get fetches u as JSON into v with a deadline and retries on timeouts, 429
// (honouring Retry-After) and 5xx.
func (r *RDAP) get(ctx context.Context, u string, v any) error {
	rt := r.Retry
	if rt.Attempts == 0 {
		rt = DefaultRetry
	}
	timeout := r.Timeout
	if timeout <= 0 {
		timeout = 15 * time.Second
	}
	var err error
	var hint time.Duration
	for n := 1; n <= rt.attempts(); n++ {
		if n > 1 {
			if werr := rt.wait(ctx, n-1, hint); werr != nil {
				return fmt.Errorf("%w (after: %v)", werr, err)
			}
		}
		hint = 0
		err = r.getOnce(ctx, u, timeout, v)
		var se *httpStatusError
		if errors.As(err, &se) {
			hint = se.retryAfter
		}
		if err == nil || ctx.Err() != nil || !retryable(err) {
			break
		}
	}
	if ctx.Err() != nil {
		return ctx.Err()
	}
	return err
}

func (r *RDAP) getOnce(ctx context.Context, u string, timeout time.Duration, v any) error {
	rctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(rctx, http.MethodGet, u, nil)
	if err != nil {
		return err
	}
	req.Header.Set("Accept", "application/rdap+json, application/json")
	resp, err := r.client().Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
		se := &httpStatusError{code: resp.StatusCode, url: u}
		if s, err := strconv.Atoi(resp.Header.Get("Retry-After")); err == nil && s >= 0 {
			se.retryAfter = time.Duration(s) * time.Second
		}
		return se
	}
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxRDAPBody+1))
	if err != nil {
		return fmt.Errorf("%s: reading the answer: %w", u, err)
	}
	if len(body) > maxRDAPBody {
		return fmt.Errorf("%s: answer truncated at %d bytes (the limit; the answer is longer)", u, maxRDAPBody)
	}
	if err := json.Unmarshal(body, v); err != nil {
		return fmt.Errorf("%s: bad JSON: %w", u, err)
	}
	return nil
}

// maxRDAPBody bounds an RDAP answer (bootstrap files are about 10 KB,
// network objects a few KB).
const maxRDAPBody = 8 << 20

// bootstrapFile is IANA's RDAP bootstrap format (RFC 9224).
type bootstrapFile struct {
	Services [][][]string `json:"services"`
}

func (r *RDAP) loadBootstrap(ctx context.Context) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.bootstrap != nil {
		return nil
	}
	var entries []bootEntry
	for _, u := range []string{or(r.BootstrapV4, DefaultBootstrapV4), or(r.BootstrapV6, DefaultBootstrapV6)} {
		var f bootstrapFile
		if err := r.get(ctx, u, &f); err != nil {
			return fmt.Errorf("rdap bootstrap: %w", err)
		}
		for _, svc := range f.Services {
			if len(svc) < 2 || len(svc[1]) == 0 {
				continue
			}
			base := svc[1][0]
			for _, b := range svc[1] { // prefer https
				if strings.HasPrefix(b, "https://") {
					base = b
					break
				}
			}
			for _, p := range svc[0] {
				if pp, err := netip.ParsePrefix(p); err == nil {
					entries = append(entries, bootEntry{pp.Masked(), base})
				}
			}
		}
	}
	if len(entries) == 0 {
		return errors.New("rdap bootstrap: no services in the bootstrap files")
	}
	r.bootstrap = entries
	return nil
}

func or(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

// registryOf names the registry from its RDAP base URL
// (https://rdap.arin.net/registry/ → "arin", https://rdap.db.ripe.net/ →
// "ripencc"); an unknown URL gives its host name.
func registryOf(base string) string {
	l := strings.ToLower(base)
	for _, n := range []string{"arin", "ripe", "apnic", "lacnic", "afrinic"} {
		if strings.Contains(l, n) {
			if n == "ripe" {
				return "ripencc"
			}
			return n
		}
	}
	if u, err := url.Parse(base); err == nil && u.Hostname() != "" {
		return u.Hostname()
	}
	return base
}

// baseFor returns the RDAP base URL and registry for a.
func (r *RDAP) baseFor(ctx context.Context, a netip.Addr) (string, string, error) {
	if err := r.loadBootstrap(ctx); err != nil {
		return "", "", err
	}
	best := -1
	var base string
	for _, e := range r.bootstrap {
		if e.prefix.Contains(a) && e.prefix.Bits() > best {
			best, base = e.prefix.Bits(), e.base
		}
	}
	if best < 0 {
		return "", "", fmt.Errorf("rdap: no registry for %s in the bootstrap files (%w)", a, ErrNotFound)
	}
	reg := registryOf(base)
	if o, ok := r.BaseURLs[reg]; ok {
		base = o
	}
	return base, reg, nil
}

// rdapNetwork is the part of an RDAP IP network object (RFC 9083) we use.
type rdapNetwork struct {
	Handle       string `json:"handle"`
	Name         string `json:"name"`
	Country      string `json:"country"`
	StartAddress string `json:"startAddress"`
	EndAddress   string `json:"endAddress"`
	Cidr0        []struct {
		V4Prefix string `json:"v4prefix"`
		V6Prefix string `json:"v6prefix"`
		Length   int    `json:"length"`
	} `json:"cidr0_cidrs"`
	Entities []rdapEntity `json:"entities"`
}

type rdapEntity struct {
	Roles      []string        `json:"roles"`
	VCardArray json.RawMessage `json:"vcardArray"`
	Entities   []rdapEntity    `json:"entities"`
}

// fn returns the vCard "fn" (formatted name) of a jCard
// ["vcard", [["version",{},"text","4.0"], ["fn",{},"text","Name"], ...]].
func (e rdapEntity) fn() string { return e.vcard("fn") }

// vcard returns the first text value of the named property of the entity's
// jCard ("" when none).
func (e rdapEntity) vcard(prop string) string {
	var card []json.RawMessage
	if json.Unmarshal(e.VCardArray, &card) != nil || len(card) < 2 {
		return ""
	}
	var props [][]json.RawMessage
	if json.Unmarshal(card[1], &props) != nil {
		return ""
	}
	for _, p := range props {
		var name, val string
		if len(p) >= 4 && json.Unmarshal(p[0], &name) == nil && name == prop && json.Unmarshal(p[3], &val) == nil {
			return val
		}
	}
	return ""
}

// abuse finds the abuse contact: the email (else the name) of the first
// entity with the "abuse" role, searched through nested entities.
func abuse(ents []rdapEntity) string {
	var walk func([]rdapEntity, int) string
	walk = func(es []rdapEntity, depth int) string {
		for _, e := range es {
			if slices.Contains(e.Roles, "abuse") {
				if v := cmp.Or(e.vcard("email"), e.fn()); v != "" {
					return v
				}
			}
		}
		if depth >= 3 {
			return ""
		}
		for _, e := range es {
			if v := walk(e.Entities, depth+1); v != "" {
				return v
			}
		}
		return ""
	}
	return walk(ents, 0)
}

// org finds the registrant's (else any entity's) name.
func org(ents []rdapEntity) string {
	var any string
	var walk func([]rdapEntity, int)
	var reg string
	walk = func(es []rdapEntity, depth int) {
		for _, e := range es {
			n := e.fn()
			for _, role := range e.Roles {
				if role == "registrant" && n != "" && reg == "" {
					reg = n
				}
			}
			if any == "" && n != "" {
				any = n
			}
			if depth < 3 {
				walk(e.Entities, depth+1)
			}
		}
	}
	walk(ents, 0)
	if reg != "" {
		return reg
	}
	return any
}

// ParseRDAPNetwork turns an RDAP IP network object into an Info (Handle,
// Name, Country, CIDR, Org); registry is the registry's name.
func ParseRDAPNetwork(b []byte, registry string) (Info, error) {
	var n rdapNetwork
	if err := json.Unmarshal(b, &n); err != nil {
		return Info{}, fmt.Errorf("rdap: bad network object: %w", err)
	}
	return n.info(registry), nil
}

func (n rdapNetwork) info(registry string) Info {
	inf := Info{Source: SourceRDAP, Registry: registry, Handle: n.Handle, Name: n.Name, Country: n.Country, Org: org(n.Entities), Abuse: abuse(n.Entities)}
	var cidrs []string
	for _, c := range n.Cidr0 {
		p := c.V4Prefix
		if p == "" {
			p = c.V6Prefix
		}
		if pp, err := netip.ParsePrefix(p + "/" + strconv.Itoa(c.Length)); err == nil {
			cidrs = append(cidrs, pp.String())
		}
	}
	if len(cidrs) == 0 {
		cidrs = rangeToCIDRs(n.StartAddress, n.EndAddress)
	}
	inf.CIDR = strings.Join(cidrs, ", ")
	return inf
}

// rangeToCIDRs covers start..end with prefixes (at most 8, else the range
// as "start - end").
func rangeToCIDRs(start, end string) []string {
	s, err1 := netip.ParseAddr(start)
	e, err2 := netip.ParseAddr(end)
	if err1 != nil || err2 != nil || s.BitLen() != e.BitLen() || e.Less(s) {
		return nil
	}
	var out []string
	for s.IsValid() && !e.Less(s) {
		bits := s.BitLen()
		for bits > 0 {
			p := netip.PrefixFrom(s, bits-1).Masked()
			if p.Addr() != s || lastOf(p).Compare(e) > 0 {
				break
			}
			bits--
		}
		p := netip.PrefixFrom(s, bits)
		out = append(out, p.String())
		if len(out) > 8 {
			return []string{start + " - " + end}
		}
		last := lastOf(p)
		if last == e {
			break
		}
		s = last.Next()
	}
	return out
}

func lastOf(p netip.Prefix) netip.Addr {
	b := p.Masked().Addr().AsSlice()
	for i := p.Bits(); i < len(b)*8; i++ {
		b[i/8] |= 0x80 >> (i % 8)
	}
	a, _ := netip.AddrFromSlice(b)
	return a
}

// Lookup fetches the registration details of one public address.
func (r *RDAP) Lookup(ctx context.Context, a netip.Addr) (Info, error) {
	inf, _, err := r.lookupNet(ctx, a)
	return inf, err
}

// rdapRange is a network RDAP described: later addresses inside it reuse
// the answer.
type rdapRange struct {
	first, last netip.Addr
	info        Info
}

func (g rdapRange) contains(a netip.Addr) bool {
	return g.first.IsValid() && g.first.BitLen() == a.BitLen() && g.first.Compare(a) <= 0 && a.Compare(g.last) <= 0
}

// lookupNet fetches the network of a and its address range.
func (r *RDAP) lookupNet(ctx context.Context, a netip.Addr) (Info, rdapRange, error) {
	a = a.Unmap().WithZone("")
	base, reg, err := r.baseFor(ctx, a)
	if err != nil {
		return Info{}, rdapRange{}, err
	}
	u := strings.TrimSuffix(base, "/") + "/ip/" + a.String()
	var n rdapNetwork
	if err := r.get(ctx, u, &n); err != nil {
		return Info{}, rdapRange{}, fmt.Errorf("rdap: %w", err)
	}
	inf := n.info(reg)
	inf.IP = a.String()
	var g rdapRange
	first, err1 := netip.ParseAddr(n.StartAddress)
	last, err2 := netip.ParseAddr(n.EndAddress)
	if err1 == nil && err2 == nil && first.BitLen() == last.BitLen() && first.Compare(last) <= 0 && first.Compare(a) <= 0 && a.Compare(last) <= 0 {
		g = rdapRange{first: first, last: last, info: inf}
	}
	return inf, g, nil
}

// Resolve looks up every public address (Workers at a time). Results carry
// the registration details; RDAP has no AS number, so ASN is 0 (the Chain
// merges these details into what the DB or Team Cymru found).
func (r *RDAP) Resolve(ctx context.Context, ips []string) (Results, error) {
	return r.resolveProgress(ctx, ips, nil)
}

// resolveProgress is Resolve telling done (if set) how many of ips are
// settled after each one.
func (r *RDAP) resolveProgress(ctx context.Context, ips []string, done func(n int)) (Results, error) {
	res := newResults(len(ips))
	query := publicToQuery(ips, res)
	if len(query) > 0 {
		if err := r.loadBootstrap(ctx); err != nil {
			for _, s := range query {
				res.Missing[s] = fmt.Errorf("rdap: %s: %w", s, err)
			}
			return res, ctx.Err()
		}
	}
	workers := r.Workers
	if workers <= 0 {
		workers = 4
	}
	// Addresses inside a network already described reuse its answer: a
	// hundred addresses of one provider cost one query, not a hundred.
	var mu sync.Mutex
	var known []rdapRange
	settled := 0
	tick := func() { // under mu
		settled++
		if done != nil {
			done(settled)
		}
	}
	reuse := func(s string, a netip.Addr) bool {
		mu.Lock()
		defer mu.Unlock()
		for _, g := range known {
			if g.contains(a) {
				inf := g.info
				inf.IP = s
				res.Found[s] = inf
				tick()
				return true
			}
		}
		return false
	}
	sem := make(chan struct{}, workers)
	var wg sync.WaitGroup
	for _, s := range query {
		if ctx.Err() != nil {
			mu.Lock()
			res.Missing[s] = fmt.Errorf("rdap: %s: %w", s, ctx.Err())
			tick()
			mu.Unlock()
			continue
		}
		a, _ := ipaddr.Parse(s)
		a = a.Unmap().WithZone("")
		if reuse(s, a) {
			continue
		}
		sem <- struct{}{}
		wg.Add(1)
		go func(s string) {
			defer func() { <-sem; wg.Done() }()
			if reuse(s, a) { // answered while waiting for a slot
				return
			}
			inf, g, err := r.lookupNet(ctx, a)
			mu.Lock()
			defer mu.Unlock()
			defer tick()
			if err != nil {
				res.Missing[s] = fmt.Errorf("rdap: %s: %w", s, err)
				return
			}
			inf.IP = s
			res.Found[s] = inf
			if g.first.IsValid() {
				known = append(known, g)
			}
		}(s)
	}
	wg.Wait()
	return res, ctx.Err()
}

// Provenance implements provenance.Describer.
func (r *RDAP) Provenance() provenance.Info {
	return provenance.Info{Kind: SourceRDAP, Name: "RDAP", Location: cmp.Or(r.BootstrapV4, DefaultBootstrapV4)}
}

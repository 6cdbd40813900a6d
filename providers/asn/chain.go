package asn

import (
	"context"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/gonotebooklets/notebooklets/providers/provenance"

	"github.com/gonotebooklets/notebooklets/providers/ipaddr"
)

// ChainResolver asks its resolvers in turn, each for the addresses the
// previous ones did not find; optionally adds registration details (RDAP)
// to what was found, and caches answers. Build it with Chain.
type ChainResolver struct {
	stages   []Resolver
	details  Resolver
	cache    *Cache
	progress func(done, total int)
	warnings []string
}

// Chain returns a resolver that tries resolvers in order, e.g.
// Chain(db, NewCymru(""), NewRDAP()).
func Chain(resolvers ...Resolver) *ChainResolver {
	return &ChainResolver{stages: resolvers}
}

// Details sets a resolver (normally an *RDAP) whose answers fill the empty
// fields (Handle, Org, CIDR, Registry, Country) of what was found.
func (c *ChainResolver) Details(r Resolver) *ChainResolver { c.details = r; return c }

// Cache sets the cache: cached answers are used without a lookup, new ones
// are stored, and the cache is saved after each Resolve.
func (c *ChainResolver) Cache(cache *Cache) *ChainResolver { c.cache = cache; return c }

// Progress sets a callback told how many of the (distinct) addresses are
// settled — found (with their registration details when a details resolver
// is set, counted one by one as RDAP answers) or given up — after each stage.
func (c *ChainResolver) Progress(fn func(done, total int)) *ChainResolver { c.progress = fn; return c }

// Warnings are the problems of the last Resolve that did not stop it
// (cache file unreadable or not saved, registration details missing).
func (c *ChainResolver) Warnings() []string { return c.warnings }

// stageErrors collects the reasons each stage gave for an address.
type stageErrors []error

func (s stageErrors) Error() string {
	parts := make([]string, len(s))
	for i, e := range s {
		parts[i] = e.Error()
	}
	return strings.Join(parts, "; ")
}
func (s stageErrors) Unwrap() []error { return s }

// Resolve resolves ips: private and other non-public addresses are found as
// Info{Source: SourcePrivate, Name: PrivateName} without any lookup; invalid
// strings are Missing with ErrInvalidIP; the rest go through the cache and
// the stages. Addresses no stage found are Missing with every stage's
// reason. A cancelled context returns what was found so far, the rest
// Missing with the context's error, and that error.
func (c *ChainResolver) Resolve(ctx context.Context, ips []string) (Results, error) {
	c.warnings = nil
	res := newResults(len(ips))
	reasons := map[string]stageErrors{}
	var todo []string
	seen := make(map[string]bool, len(ips))
	for _, s := range ips {
		if seen[s] {
			continue
		}
		seen[s] = true
		a, ok := ipaddr.Parse(s)
		switch {
		case !ok:
			res.Missing[s] = fmt.Errorf("%q: %w", s, ErrInvalidIP)
		case !ipaddr.IsPublicAddr(a):
			res.Found[s] = privateInfo(s)
		default:
			todo = append(todo, s)
		}
	}
	if c.cache != nil {
		if err := c.cache.LoadErr(); err != nil {
			c.warnings = append(c.warnings, err.Error())
		}
	}
	// An address is settled when it is found and, if it needs registration
	// details, has them; progress counts settled addresses.
	total := len(seen)
	needDetails := func(inf Info) bool {
		return c.details != nil && (inf.Handle == "" || inf.Org == "" || inf.Abuse == "")
	}
	pending := 0 // found, waiting for details
	last := -1
	report := func(done int) {
		if c.progress != nil && done != last {
			last = done
			c.progress(done, total)
		}
	}
	// The local stages (a GeoLite2-ASN file) answer first and are never
	// cached: their answers are what the file says now, whatever an earlier
	// run with another file said. The cache stands in for the online stages
	// only, and gives a local answer the registration details an earlier
	// run found for the same AS number.
	nLocal := 0
	for nLocal < len(c.stages) && isLocal(c.stages[nLocal]) {
		nLocal++
	}
	var fresh []Info // answers of this Resolve, to cache
	found := func(s string, inf Info) {
		inf.IP = s
		if needDetails(inf) && c.cache != nil {
			if x, ok := c.cache.Get(s); ok && x.ASN == inf.ASN && x.Handle != "" {
				inf = merge(inf, Info{Handle: x.Handle, Org: x.Org, Abuse: x.Abuse, CIDR: x.CIDR, Registry: x.Registry, Country: x.Country})
				inf.Cached = true
			}
		}
		res.Found[s] = inf
		fresh = append(fresh, inf)
		if needDetails(inf) {
			pending++
		}
	}
	runStage := func(i int) {
		st := c.stages[i]
		r, err := st.Resolve(ctx, todo)
		var rest []string
		for _, s := range todo {
			if inf, ok := r.Found[s]; ok {
				found(s, inf)
				continue
			}
			why := r.Missing[s]
			if why == nil {
				why = err
			}
			if why == nil {
				why = fmt.Errorf("stage %d (%T): no answer for %s", i+1, st, s)
			}
			reasons[s] = append(reasons[s], why)
			rest = append(rest, s)
		}
		todo = rest
		if i < len(c.stages)-1 {
			report(total - len(todo) - pending)
		}
	}
	report(total - len(todo))
	for i := 0; i < nLocal && len(todo) > 0 && ctx.Err() == nil; i++ {
		runStage(i)
	}
	if c.cache != nil && nLocal < len(c.stages) {
		var rest []string
		for _, s := range todo {
			if inf, ok := c.cache.Get(s); ok {
				inf.IP, inf.Cached = s, true
				res.Found[s] = inf
				continue
			}
			rest = append(rest, s)
		}
		todo = rest
		report(total - len(todo) - pending)
	}
	for i := nLocal; i < len(c.stages) && len(todo) > 0 && ctx.Err() == nil; i++ {
		runStage(i)
	}
	// Addresses no stage found are settled now.
	report(total - pending)
	if c.details != nil && ctx.Err() == nil && pending > 0 {
		var need []string
		for _, inf := range fresh {
			if needDetails(inf) {
				need = append(need, inf.IP)
			}
		}
		var d Results
		if pr, ok := c.details.(progressResolver); ok {
			d, _ = pr.resolveProgress(ctx, need, func(n int) { report(total - pending + n) })
		} else {
			d, _ = c.details.Resolve(ctx, need)
		}
		for i, inf := range fresh {
			if x, ok := d.Found[inf.IP]; ok {
				fresh[i] = merge(inf, x)
				res.Found[inf.IP] = fresh[i]
			}
		}
		if n := len(d.Missing); n > 0 {
			first := ""
			for _, ip := range need {
				if why, ok := d.Missing[ip]; ok {
					first = why.Error()
					break
				}
			}
			c.warnings = append(c.warnings, fmt.Sprintf("registration details (RDAP) missing for %d of %d addresses (first: %s)", n, len(need), first))
		}
	}
	for _, s := range todo {
		if err := ctx.Err(); err != nil && len(reasons[s]) < len(c.stages) {
			reasons[s] = append(reasons[s], err)
		}
		if len(reasons[s]) == 0 {
			reasons[s] = stageErrors{errors.New("no resolver configured")}
		}
		res.Missing[s] = reasons[s]
	}
	// What is cached: the online answers, and the registration details of
	// local answers (reused only for the same AS number). A local answer
	// without details is not cached: the file answers it again.
	if c.cache != nil {
		var keep []Info
		for _, inf := range fresh {
			if !inf.Cached && (!isLocalSource(inf.Source) || inf.Handle != "") {
				keep = append(keep, inf)
			}
		}
		if len(keep) > 0 {
			c.cache.Put(keep...)
			if err := c.cache.Save(); err != nil {
				c.warnings = append(c.warnings, err.Error())
			}
		}
	}
	report(total)
	return res, ctx.Err()
}

// isLocal reports whether a stage answers from local data (a database
// file), so that it is asked before the cache and never cached.
func isLocal(r Resolver) bool {
	_, ok := r.(*DB)
	return ok
}

// isLocalSource reports whether an answer came from a local stage alone.
func isLocalSource(source string) bool { return source == SourceGeoLite2 }

// progressResolver is a Resolver that reports each address it settles.
type progressResolver interface {
	resolveProgress(ctx context.Context, ips []string, done func(n int)) (Results, error)
}

// Close closes the stages and the details resolver that hold resources (an
// open database).
func (c *ChainResolver) Close() error {
	var errs []error
	for _, r := range append(slices.Clone(c.stages), c.details) {
		if cl, ok := r.(io.Closer); ok {
			errs = append(errs, cl.Close())
		}
	}
	return errors.Join(errs...)
}

// merge fills a's empty fields from b (registration details).
func merge(a, b Info) Info {
	set := func(dst *string, v string) {
		if *dst == "" {
			*dst = v
		}
	}
	set(&a.Handle, b.Handle)
	set(&a.Org, b.Org)
	set(&a.Abuse, b.Abuse)
	set(&a.CIDR, b.CIDR)
	set(&a.Registry, b.Registry)
	set(&a.Country, b.Country)
	set(&a.Name, b.Name)
	if a.ASN == 0 {
		a.ASN = b.ASN
	}
	if b.Source != "" && b.Source != a.Source {
		a.Source += "+" + b.Source
	}
	return a
}

// Provenance implements provenance.Describer: the stages in order, then
// the details resolver.
func (c *ChainResolver) Provenance() provenance.Info {
	out := provenance.Info{Kind: "asn-chain", Name: "ASN chain"}
	var parts []string
	for _, s := range c.stages {
		p := provenance.Of(s)
		parts = append(parts, p.String())
		out.Sample = out.Sample || p.Sample
	}
	if c.details != nil {
		parts = append(parts, "details: "+provenance.Of(c.details).String())
	}
	out.Location = strings.Join(parts, " → ")
	return out
}

// ErrNotLookedUp is matched (errors.Is) by the reasons of Unresolved.
var ErrNotLookedUp = errors.New("not looked up")

// Unresolved returns a Resolver that looks nothing up: private addresses
// are found as private, invalid strings are Missing with ErrInvalidIP, and
// every public address is Missing with the reason (e.g. "offline and no
// GeoLite2-ASN database"), wrapping ErrNotLookedUp.
func Unresolved(reason string) Resolver { return unresolved{reason} }

type unresolved struct{ reason string }

func (u unresolved) Resolve(ctx context.Context, ips []string) (Results, error) {
	res := newResults(len(ips))
	for _, s := range publicToQuery(ips, res) {
		res.Missing[s] = fmt.Errorf("%s: %w (%s)", s, ErrNotLookedUp, u.reason)
	}
	return res, ctx.Err()
}

// Provenance implements provenance.Describer.
func (u unresolved) Provenance() provenance.Info {
	return provenance.Info{Kind: "none", Name: "no ASN lookup", Location: u.reason}
}

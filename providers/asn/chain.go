package asn

import (
	"context"
	"errors"
	"fmt"
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
// settled, after each stage.
func (c *ChainResolver) Progress(fn func(done, total int)) *ChainResolver { c.progress = fn; return c }

// Warnings are the problems of the last Resolve that did not stop it
// (cache file unreadable or not saved).
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
// Info{Source: "private", Name: PrivateName} without any lookup; invalid
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
			if c.cache != nil {
				if inf, ok := c.cache.Get(s); ok {
					inf.IP, inf.Source = s, "cache"
					res.Found[s] = inf
					continue
				}
			}
			todo = append(todo, s)
		}
	}
	if c.cache != nil {
		if err := c.cache.LoadErr(); err != nil {
			c.warnings = append(c.warnings, err.Error())
		}
	}
	total := len(seen)
	report := func() {
		if c.progress != nil {
			c.progress(total-len(todo), total)
		}
	}
	report()
	var fresh []Info
	for i, st := range c.stages {
		if len(todo) == 0 || ctx.Err() != nil {
			break
		}
		r, err := st.Resolve(ctx, todo)
		var rest []string
		for _, s := range todo {
			if inf, ok := r.Found[s]; ok {
				inf.IP = s
				res.Found[s] = inf
				fresh = append(fresh, inf)
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
		if i == len(c.stages)-1 {
			break
		}
		report()
	}
	if c.details != nil && ctx.Err() == nil {
		var need []string
		for _, inf := range fresh {
			if inf.Handle == "" || inf.Org == "" {
				need = append(need, inf.IP)
			}
		}
		if len(need) > 0 {
			d, _ := c.details.Resolve(ctx, need)
			for i, inf := range fresh {
				if x, ok := d.Found[inf.IP]; ok {
					fresh[i] = merge(inf, x)
					res.Found[inf.IP] = fresh[i]
				}
			}
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
	if c.cache != nil && len(fresh) > 0 {
		c.cache.Put(fresh...)
		if err := c.cache.Save(); err != nil {
			c.warnings = append(c.warnings, err.Error())
		}
	}
	todo = nil
	report()
	return res, ctx.Err()
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

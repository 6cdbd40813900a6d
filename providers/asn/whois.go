package asn

import (
	"bufio"
	"cmp"
	"context"
	"fmt"
	"net"
	"net/netip"
	"strconv"
	"strings"
	"time"

	"github.com/gonotebooklets/notebooklets/providers/provenance"

	"github.com/gonotebooklets/notebooklets/providers/ipaddr"
	"github.com/likexian/whois"
)

// DefaultWhoisServer is where port-43 queries start; IANA refers to the
// registry that holds the address.
const DefaultWhoisServer = "whois.iana.org:43"

// Whois is a port-43 whois client (github.com/likexian/whois) that follows
// the referral in the answer ("refer:", "ReferralServer:", "whois:") once,
// with a deadline on the whole query and context cancellation.
type Whois struct {
	Server  string        // host[:port] to ask first; DefaultWhoisServer when empty
	Timeout time.Duration // per connection; default 15s
	Retry   Retry         // zero = DefaultRetry
	Workers int           // concurrent lookups in Resolve; default 2
}

// NewWhois returns a client that starts at server ("" = IANA).
func NewWhois(server string) *Whois { return &Whois{Server: server} }

// ctxDialer makes likexian/whois's dials honour a context: the dial uses it
// and a cancelled context ends any read or write at once.
type ctxDialer struct {
	ctx     context.Context
	timeout time.Duration
}

func (d ctxDialer) Dial(network, addr string) (net.Conn, error) {
	dctx, cancel := context.WithDeadline(d.ctx, deadline(d.ctx, d.timeout))
	defer cancel()
	var nd net.Dialer
	conn, err := nd.DialContext(dctx, network, addr)
	if err != nil {
		return nil, err
	}
	context.AfterFunc(d.ctx, func() { conn.SetDeadline(time.Unix(1, 0)) })
	return conn, nil
}

// Query sends q (an IP address or "AS8075") and returns the raw answer of
// the first server followed by the referred server's, if any.
func (w *Whois) Query(ctx context.Context, q string) (string, error) {
	timeout := w.Timeout
	if timeout <= 0 {
		timeout = 15 * time.Second
	}
	rt := w.Retry
	if rt.Attempts == 0 {
		rt = DefaultRetry
	}
	server := or(w.Server, DefaultWhoisServer)
	var out string
	var err error
	for n := 1; n <= rt.attempts(); n++ {
		if n > 1 {
			if werr := rt.wait(ctx, n-1, 0); werr != nil {
				break
			}
		}
		c := whois.NewClient().SetDialer(ctxDialer{ctx, timeout}).SetTimeout(timeout).SetDisableStats(true)
		out, err = c.Whois(q, server)
		if err == nil || ctx.Err() != nil || !retryable(err) {
			break
		}
	}
	if ctx.Err() != nil {
		return out, ctx.Err()
	}
	if err != nil {
		return out, fmt.Errorf("whois %s: %w", q, err)
	}
	return out, nil
}

// Lookup queries a public address and parses the answer.
func (w *Whois) Lookup(ctx context.Context, a netip.Addr) (Info, error) {
	txt, err := w.Query(ctx, a.Unmap().WithZone("").String())
	if err != nil {
		return Info{}, err
	}
	inf := ParseWhois(txt)
	if inf.CIDR == "" && inf.Name == "" && inf.Org == "" && inf.ASN == 0 {
		return Info{}, fmt.Errorf("whois %s: no network record in the answer (%w)", a, ErrNotFound)
	}
	inf.IP = a.String()
	return inf, nil
}

// Resolve looks up every public address (Workers at a time).
func (w *Whois) Resolve(ctx context.Context, ips []string) (Results, error) {
	res := newResults(len(ips))
	workers := w.Workers
	if workers <= 0 {
		workers = 2
	}
	type out struct {
		ip  string
		inf Info
		err error
	}
	jobs := make(chan string)
	outs := make(chan out)
	for range workers {
		go func() {
			for s := range jobs {
				a, _ := ipaddr.Parse(s)
				inf, err := w.Lookup(ctx, a)
				inf.IP = s
				outs <- out{s, inf, err}
			}
		}()
	}
	query := publicToQuery(ips, res)
	go func() {
		for _, s := range query {
			jobs <- s
		}
		close(jobs)
	}()
	for range query {
		o := <-outs
		if o.err != nil {
			res.Missing[o.ip] = o.err
		} else {
			res.Found[o.ip] = o.inf
		}
	}
	return res, ctx.Err()
}

// ParseWhois reads the network record of a whois answer in ARIN's
// (NetRange, CIDR, NetName, NetHandle, OriginAS, OrgName, Country) or the
// RIPE/APNIC/AFRINIC/LACNIC style (inetnum, inet6num, route, netname,
// nic-hdl/handle, origin, org-name, descr, country). With a referral chain,
// later (more specific) values win.
func ParseWhois(text string) Info {
	inf := Info{Source: SourceWhois}
	var descr string
	sc := bufio.NewScanner(strings.NewReader(text))
	sc.Buffer(make([]byte, 0, 4096), 1<<20)
	for sc.Scan() {
		line := sc.Text()
		if strings.HasPrefix(line, "%") || strings.HasPrefix(line, "#") {
			continue
		}
		k, v, ok := strings.Cut(line, ":")
		if !ok {
			continue
		}
		k, v = strings.ToLower(strings.TrimSpace(k)), strings.TrimSpace(v)
		if v == "" {
			continue
		}
		switch k {
		case "cidr", "route", "route6":
			inf.CIDR = v
		case "inetnum", "inet6num", "netrange":
			if p, err := netip.ParsePrefix(v); err == nil {
				inf.CIDR = p.String()
			} else if lo, hi, ok := strings.Cut(v, "-"); ok {
				inf.CIDR = strings.Join(rangeToCIDRs(strings.TrimSpace(lo), strings.TrimSpace(hi)), ", ")
			}
		case "netname":
			inf.Name = v
		case "nethandle", "handle":
			inf.Handle = v
		case "originas", "origin":
			n, err := strconv.ParseUint(strings.TrimPrefix(strings.ToUpper(strings.Fields(v)[0]), "AS"), 10, 32)
			if err == nil {
				inf.ASN = Number(n)
			}
		case "orgname", "org-name", "organization":
			inf.Org = v
		case "descr":
			if descr == "" {
				descr = v
			}
		case "country":
			inf.Country = strings.ToUpper(v)
		case "source":
			inf.Registry = strings.ToLower(v)
		}
	}
	if inf.Org == "" {
		inf.Org = descr
	}
	return inf
}

// Provenance implements provenance.Describer.
func (w *Whois) Provenance() provenance.Info {
	return provenance.Info{Kind: SourceWhois, Name: "whois", Location: cmp.Or(w.Server, DefaultWhoisServer)}
}

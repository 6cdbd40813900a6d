package asn

import (
	"bufio"
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/netip"
	"strconv"
	"strings"
	"time"

	"github.com/gonotebooklets/notebooklets/providers/provenance"
)

// DefaultCymruAddr is Team Cymru's IP-to-ASN whois service.
const DefaultCymruAddr = "whois.cymru.com:43"

var errShortAnswer = errors.New("connection closed before every address was answered")

// Cymru is a client of Team Cymru's bulk IP-to-ASN whois: each batch of
// addresses goes over one TCP connection ("begin / verbose / ips / end").
type Cymru struct {
	Addr      string        // host:port; DefaultCymruAddr when empty
	Timeout   time.Duration // per connection (dial, send, read); default 30s
	BatchSize int           // addresses per connection; default 1000
	Retry     Retry         // zero value = DefaultRetry
	Dialer    *net.Dialer   // optional
}

// NewCymru returns a client of addr ("" = DefaultCymruAddr).
func NewCymru(addr string) *Cymru { return &Cymru{Addr: addr} }

func (c *Cymru) addr() string {
	if c.Addr == "" {
		return DefaultCymruAddr
	}
	return c.Addr
}

// Resolve looks up the public addresses in ips. Non-public addresses are
// found as private without a query; invalid strings, addresses Team Cymru
// has no ASN for ("NA"), and addresses left unanswered after the retries
// are Missing with the reason. Only a cancelled context is an error.
func (c *Cymru) Resolve(ctx context.Context, ips []string) (Results, error) {
	res := newResults(len(ips))
	query := publicToQuery(ips, res)
	size := c.BatchSize
	if size <= 0 {
		size = 1000
	}
	for i := 0; i < len(query); i += size {
		if err := c.batch(ctx, query[i:min(i+size, len(query))], &res); err != nil {
			return res, err
		}
	}
	return res, nil
}

// batch resolves one batch with retries; unanswered addresses are retried
// on a new connection.
func (c *Cymru) batch(ctx context.Context, ips []string, res *Results) error {
	r := c.Retry
	if r.Attempts == 0 {
		r = DefaultRetry
	}
	todo := ips
	var lastErr error
	for n := 1; n <= r.attempts() && len(todo) > 0; n++ {
		if n > 1 {
			if err := r.wait(ctx, n-1, 0); err != nil {
				break
			}
		}
		answers, err := c.query(ctx, todo)
		var rest []string
		for _, s := range todo {
			if inf, ok := answers[key(s)]; ok {
				if inf.ASN == 0 {
					res.Missing[s] = fmt.Errorf("cymru: %s: no ASN (%w)", s, ErrNotFound)
				} else {
					inf.IP = s
					res.Found[s] = inf
				}
				continue
			}
			rest = append(rest, s)
		}
		todo, lastErr = rest, err
		if ctx.Err() != nil {
			break
		}
		if err == nil && len(rest) > 0 {
			lastErr = errShortAnswer // the server said "end" without them: retry once more
		}
		if lastErr != nil && !retryable(lastErr) {
			break
		}
	}
	if ctx.Err() != nil {
		for _, s := range todo {
			res.Missing[s] = fmt.Errorf("cymru: %s: %w", s, ctx.Err())
		}
		return ctx.Err()
	}
	for _, s := range todo {
		if lastErr == nil {
			lastErr = errShortAnswer
		}
		res.Missing[s] = fmt.Errorf("cymru %s: %s: %w", c.addr(), s, lastErr)
	}
	return nil
}

// key normalises an address so answers match questions ("::ffff:1.2.3.4"
// and "1.2.3.4" are different questions but Team Cymru answers in IPv4).
func key(s string) string {
	if a, err := netip.ParseAddr(strings.TrimSpace(s)); err == nil {
		return a.Unmap().WithZone("").String()
	}
	return strings.TrimSpace(s)
}

// query sends one bulk request and parses what comes back, even when the
// connection fails half-way (the partial answers are returned with the error).
func (c *Cymru) query(ctx context.Context, ips []string) (map[string]Info, error) {
	timeout := c.Timeout
	if timeout <= 0 {
		timeout = 30 * time.Second
	}
	d := c.Dialer
	if d == nil {
		d = &net.Dialer{}
	}
	dctx, cancel := context.WithDeadline(ctx, deadline(ctx, timeout))
	defer cancel()
	conn, err := d.DialContext(dctx, "tcp", c.addr())
	if err != nil {
		return nil, fmt.Errorf("connecting: %w", err)
	}
	defer conn.Close()
	stop := context.AfterFunc(ctx, func() { conn.SetDeadline(time.Unix(1, 0)) })
	defer stop()
	conn.SetDeadline(deadline(ctx, timeout))

	var req strings.Builder
	req.WriteString("begin\nverbose\n")
	for _, s := range ips {
		req.WriteString(key(s)) // IPv4-mapped addresses as plain IPv4
		req.WriteByte('\n')
	}
	req.WriteString("end\n")
	if _, err := io.WriteString(conn, req.String()); err != nil {
		return nil, fmt.Errorf("sending: %w", err)
	}
	answers, err := ParseCymru(bufio.NewReader(io.LimitReader(conn, 64<<20)))
	if err != nil && ctx.Err() != nil {
		err = ctx.Err()
	}
	return answers, err
}

// ParseCymru parses a Team Cymru verbose bulk answer:
//
//	Bulk mode; whois.cymru.com [2024-01-02 10:00:00 +0000]
//	8075    | 13.107.4.50      | 13.107.0.0/16       | US | arin     | 2015-03-26 | MICROSOFT-CORP-MSN-AS-BLOCK, US
//	NA      | 10.0.0.1         | NA                  |    | other    |            | NA
//
// keyed by the normalised IP; "NA" ASNs are returned with ASN 0. Lines that
// are not answers (the banner, a header, errors, garbage) are skipped.
// Reading stops at EOF; a read error is returned with what was parsed.
func ParseCymru(r io.Reader) (map[string]Info, error) {
	out := map[string]Info{}
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 4096), 1<<20)
	for sc.Scan() {
		f := strings.Split(sc.Text(), "|")
		if len(f) < 3 {
			continue
		}
		for i := range f {
			f[i] = strings.TrimSpace(f[i])
		}
		ipStr := f[1]
		a, err := netip.ParseAddr(ipStr)
		if err != nil {
			continue // header ("AS | IP | ...") or garbage
		}
		inf := Info{Source: SourceCymru}
		if f[0] != "NA" {
			// multi-origin prefixes list several ASNs: "15169 36040"
			n, err := strconv.ParseUint(strings.Fields(f[0] + " x")[0], 10, 32)
			if err != nil {
				continue
			}
			inf.ASN = Number(n)
		}
		if len(f) > 2 && f[2] != "NA" {
			if p, err := netip.ParsePrefix(f[2]); err == nil {
				inf.CIDR = p.String()
			}
		}
		if len(f) > 3 {
			inf.Country = f[3]
		}
		if len(f) > 4 && f[4] != "other" {
			inf.Registry = f[4]
		}
		if len(f) > 6 && f[6] != "NA" {
			inf.Name = strings.Join(f[6:], "|")
		}
		out[a.Unmap().WithZone("").String()] = inf
	}
	return out, sc.Err()
}

// Provenance implements provenance.Describer.
func (c *Cymru) Provenance() provenance.Info {
	return provenance.Info{Kind: SourceCymru, Name: "Team Cymru whois", Location: cmp.Or(c.Addr, DefaultCymruAddr)}
}

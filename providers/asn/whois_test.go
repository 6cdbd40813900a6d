package asn

import (
	"bufio"
	"context"
	"errors"
	"io"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	whoisparser "github.com/likexian/whois-parser"
)

const arinWhois = `#
# ARIN WHOIS data and services are subject to the Terms of Use
#

NetRange:       13.64.0.0 - 13.107.255.255
CIDR:           13.64.0.0/11, 13.96.0.0/13, 13.104.0.0/14
NetName:        MSFT
NetHandle:      NET-13-64-0-0-1
Parent:         NET13 (NET-13-0-0-0-0)
NetType:        Direct Allocation
OriginAS:       AS8075
Organization:   Microsoft Corporation (MSFT)
RegDate:        2015-03-26

OrgName:        Microsoft Corporation
OrgId:          MSFT
City:           Redmond
Country:        US
`

const ripeWhois = `% This is the RIPE Database query service.

inetnum:        5.188.0.0 - 5.188.255.255
netname:        BULLETPROOF-NET
descr:          Bulletproof Example hosting
country:        RO
status:         ALLOCATED PA
source:         RIPE

route:          5.188.0.0/16
origin:         AS65537
source:         RIPE
`

const ripeAutNum = `aut-num:        AS3333
as-name:        RIPE-NCC-AS
org:            ORG-RIEN1-RIPE
source:         RIPE

organisation:   ORG-RIEN1-RIPE
org-name:       Reseaux IP Europeens Network Coordination Centre (RIPE NCC)
country:        NL
`

func readQuery(c net.Conn) string {
	c.SetReadDeadline(time.Now().Add(5 * time.Second))
	l, _ := bufio.NewReader(c).ReadString('\n')
	return strings.TrimSpace(l)
}

func TestWhoisFollowsReferral(t *testing.T) {
	var got []string
	// likexian/whois follows a referral only to another host (it compares
	// host names, not ports), so the referred fake listens on 127.0.0.2.
	ripe := newTCPFakeOn(t, "127.0.0.2", func(n int, c net.Conn) {
		defer c.Close()
		got = append(got, "ripe:"+readQuery(c))
		io.WriteString(c, ripeWhois)
	})
	iana := newTCPFake(t, func(n int, c net.Conn) {
		defer c.Close()
		q := readQuery(c)
		got = append(got, "iana:"+q)
		io.WriteString(c, "% IANA WHOIS server\n\ninetnum:      5.0.0.0 - 5.255.255.255\norganisation: RIPE NCC\nrefer:        "+ripe.addr()+"\n")
	})
	w := &Whois{Server: iana.addr(), Timeout: time.Second, Retry: fastRetry}
	inf, err := w.Lookup(context.Background(), mustAddr("5.188.13.66"))
	if err != nil {
		t.Fatal(err)
	}
	want := Info{IP: "5.188.13.66", ASN: 65537, Name: "BULLETPROOF-NET", Country: "RO", CIDR: "5.188.0.0/16", Registry: "ripe", Org: "RIPE NCC", Source: "whois"}
	// "organisation: RIPE NCC" in IANA's part is not an org-name; the RIPE
	// part has no org-name, so descr is used only when nothing else is.
	want.Org = "Bulletproof Example hosting"
	if d := cmp.Diff(want, inf); d != "" {
		t.Errorf("(-want +got):\n%s", d)
	}
	if d := cmp.Diff([]string{"iana:5.188.13.66", "ripe:5.188.13.66"}, got); d != "" {
		t.Errorf("queries (-want +got):\n%s", d)
	}
}

func TestWhoisFailures(t *testing.T) {
	t.Run("timeout", func(t *testing.T) {
		f := newTCPFake(t, func(n int, c net.Conn) { defer c.Close(); readQuery(c); time.Sleep(time.Second) })
		w := &Whois{Server: f.addr(), Timeout: 100 * time.Millisecond, Retry: Retry{Attempts: 2, Base: time.Millisecond}}
		start := time.Now()
		_, err := w.Query(context.Background(), "13.107.4.50")
		if err == nil || !strings.Contains(err.Error(), "timeout") {
			t.Errorf("err = %v", err)
		}
		if f.conns.Load() != 2 {
			t.Errorf("%d connections, want 2 (one retry)", f.conns.Load())
		}
		if time.Since(start) > 800*time.Millisecond {
			t.Errorf("took %v", time.Since(start))
		}
	})
	t.Run("reset then success", func(t *testing.T) {
		f := newTCPFake(t, func(n int, c net.Conn) {
			readQuery(c)
			if n == 1 {
				reset(c)
				return
			}
			defer c.Close()
			io.WriteString(c, arinWhois)
		})
		w := &Whois{Server: f.addr(), Timeout: time.Second, Retry: fastRetry}
		inf, err := w.Lookup(context.Background(), mustAddr("13.107.4.50"))
		if err != nil || inf.ASN != 8075 || inf.Org != "Microsoft Corporation" {
			t.Errorf("%+v %v", inf, err)
		}
	})
	t.Run("cancel", func(t *testing.T) {
		f := newTCPFake(t, func(n int, c net.Conn) { defer c.Close(); readQuery(c); time.Sleep(2 * time.Second) })
		ctx, cancel := context.WithCancel(context.Background())
		time.AfterFunc(50*time.Millisecond, cancel)
		start := time.Now()
		_, err := (&Whois{Server: f.addr(), Timeout: 10 * time.Second}).Query(ctx, "13.107.4.50")
		if !errors.Is(err, context.Canceled) || time.Since(start) > time.Second {
			t.Errorf("err = %v after %v", err, time.Since(start))
		}
	})
	t.Run("garbage", func(t *testing.T) {
		f := newTCPFake(t, func(n int, c net.Conn) {
			defer c.Close()
			readQuery(c)
			io.WriteString(c, "\x00\x01 nothing useful here\n")
		})
		_, err := (&Whois{Server: f.addr(), Timeout: time.Second}).Lookup(context.Background(), mustAddr("13.107.4.50"))
		if !errors.Is(err, ErrNotFound) {
			t.Errorf("err = %v", err)
		}
	})
	t.Run("resolve batch", func(t *testing.T) {
		f := newTCPFake(t, func(n int, c net.Conn) {
			defer c.Close()
			if q := readQuery(c); strings.HasPrefix(q, "13.") {
				io.WriteString(c, arinWhois)
			}
		})
		res, err := (&Whois{Server: f.addr(), Timeout: time.Second, Retry: fastRetry}).Resolve(context.Background(), []string{"13.107.4.50", "13.64.1.1", "9.9.9.9", "192.168.0.1", "x"})
		if err != nil || len(res.Found) != 3 || len(res.Missing) != 2 || res.Found["13.64.1.1"].ASN != 8075 || res.Found["192.168.0.1"].Source != "private" {
			t.Errorf("found %v missing %v err %v", res.Found, res.Missing, err)
		}
	})
}

func TestParseWhois(t *testing.T) {
	tests := []struct {
		name, in string
		want     Info
	}{
		{"arin", arinWhois, Info{ASN: 8075, Name: "MSFT", Country: "US", CIDR: "13.64.0.0/11, 13.96.0.0/13, 13.104.0.0/14", Handle: "NET-13-64-0-0-1", Org: "Microsoft Corporation", Source: "whois"}},
		{"ripe", ripeWhois, Info{ASN: 65537, Name: "BULLETPROOF-NET", Country: "RO", CIDR: "5.188.0.0/16", Registry: "ripe", Org: "Bulletproof Example hosting", Source: "whois"}},
		{"aut-num", ripeAutNum, Info{Country: "NL", Registry: "ripe", Org: "Reseaux IP Europeens Network Coordination Centre (RIPE NCC)", Source: "whois"}},
		{"empty", "", Info{Source: "whois"}},
		{"odd origin", "origin: ASX\nOriginAS: \n", Info{Source: "whois"}},
	}
	for _, tt := range tests {
		if d := cmp.Diff(tt.want, ParseWhois(tt.in)); d != "" {
			t.Errorf("%s (-want +got):\n%s", tt.name, d)
		}
	}
}

// TestWhoisParserOnIPRecords records where github.com/likexian/whois-parser
// fits: it parses domain records only; IP network and aut-num records are
// rejected as invalid domain data, so ParseWhois does that job.
func TestWhoisParserOnIPRecords(t *testing.T) {
	for name, rec := range map[string]string{"arin ip": arinWhois, "ripe ip": ripeWhois, "ripe aut-num": ripeAutNum} {
		if _, err := whoisparser.Parse(rec); !errors.Is(err, whoisparser.ErrDomainDataInvalid) {
			t.Errorf("%s: whois-parser err = %v; if it parses IP records now, reconsider using it", name, err)
		}
	}
	domain := "Domain Name: EXAMPLE.COM\nRegistry Domain ID: 2336799_DOMAIN_COM-VRSN\nRegistrar: RESERVED-Internet Assigned Numbers Authority\nCreation Date: 1995-08-14T04:00:00Z\nName Server: A.IANA-SERVERS.NET\n"
	info, err := whoisparser.Parse(domain)
	if err != nil || info.Domain == nil || !strings.EqualFold(info.Domain.Domain, "example.com") {
		t.Errorf("domain record: %+v %v", info.Domain, err)
	}
}

func FuzzParseWhois(f *testing.F) {
	f.Add(arinWhois)
	f.Add(ripeWhois)
	f.Add("inetnum: 1.2.3.4 - \norigin:\n")
	f.Fuzz(func(t *testing.T, s string) { ParseWhois(s) })
}

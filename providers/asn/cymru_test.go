package asn

import (
	"context"
	"errors"
	"io"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

var fastRetry = Retry{Attempts: 3, Base: 5 * time.Millisecond, Max: 20 * time.Millisecond}

func TestCymruSuccessOneConnectionPerBatch(t *testing.T) {
	var mu sync.Mutex
	var got [][]string
	f := newTCPFake(t, func(n int, c net.Conn) {
		defer c.Close()
		ips, _ := readBulk(c)
		mu.Lock()
		got = append(got, ips)
		mu.Unlock()
		io.WriteString(c, cymruAnswer(ips))
	})
	cl := &Cymru{Addr: f.addr(), Timeout: 2 * time.Second, BatchSize: 3, Retry: fastRetry}
	ips := []string{"13.107.4.50", "5.188.13.66", "10.0.3.5", "8.8.8.8", "2a01:111::1", "::ffff:1.0.0.1", "bogus", "9.9.9.9"}
	res, err := cl.Resolve(context.Background(), ips)
	if err != nil {
		t.Fatal(err)
	}
	mu.Lock()
	defer mu.Unlock()
	if n := f.conns.Load(); n != 2 { // 6 public addresses, batches of 3
		t.Errorf("%d connections, want 2", n)
	}
	want := map[string]Info{
		"13.107.4.50":    {IP: "13.107.4.50", ASN: 8075, Name: "MICROSOFT-CORP-MSN-AS-BLOCK, US", Country: "US", CIDR: "13.107.0.0/16", Registry: "arin", Source: "cymru"},
		"5.188.13.66":    {IP: "5.188.13.66", ASN: 65537, Name: "BULLETPROOF-EXAMPLE-HOSTING, RO", Country: "RO", CIDR: "5.188.0.0/16", Registry: "ripencc", Source: "cymru"},
		"8.8.8.8":        {IP: "8.8.8.8", ASN: 15169, Name: "GOOGLE, US", Country: "US", CIDR: "8.8.8.0/24", Registry: "arin", Source: "cymru"},
		"2a01:111::1":    {IP: "2a01:111::1", ASN: 8075, Name: "MICROSOFT-CORP-MSN-AS-BLOCK, US", Country: "US", CIDR: "2a01:111::/32", Registry: "ripencc", Source: "cymru"},
		"::ffff:1.0.0.1": {IP: "::ffff:1.0.0.1", ASN: 13335, Name: "CLOUDFLARENET, US", Country: "AU", CIDR: "1.0.0.0/24", Registry: "apnic", Source: "cymru"},
		"10.0.3.5":       {IP: "10.0.3.5", Name: PrivateName, Source: "private"},
	}
	if d := cmp.Diff(want, res.Found); d != "" {
		t.Errorf("found (-want +got):\n%s", d)
	}
	if !errors.Is(res.Missing["bogus"], ErrInvalidIP) || !errors.Is(res.Missing["9.9.9.9"], ErrNotFound) || len(res.Missing) != 2 {
		t.Errorf("missing = %v", res.Missing)
	}
	for _, batch := range got {
		for _, ip := range batch {
			if ip == "10.0.3.5" || ip == "bogus" {
				t.Errorf("%s was sent to Team Cymru", ip)
			}
		}
	}
}

func TestCymruFailures(t *testing.T) {
	ips := []string{"13.107.4.50", "5.188.13.66", "8.8.8.8"}
	tests := []struct {
		name      string
		handle    func(n int, c net.Conn)
		wantFound int
		wantErr   string // in every Missing reason
		wantConns int32
	}{
		{
			name: "timeout then success",
			handle: func(n int, c net.Conn) {
				defer c.Close()
				ips, _ := readBulk(c)
				if n == 1 {
					time.Sleep(400 * time.Millisecond) // longer than the client's timeout
					return
				}
				io.WriteString(c, cymruAnswer(ips))
			},
			wantFound: 3, wantConns: 2,
		},
		{
			name:    "always timing out",
			handle:  func(n int, c net.Conn) { defer c.Close(); readBulk(c); time.Sleep(400 * time.Millisecond) },
			wantErr: "timeout", wantConns: 3,
		},
		{
			name: "reset then success",
			handle: func(n int, c net.Conn) {
				ips, _ := readBulk(c)
				if n == 1 {
					reset(c)
					return
				}
				defer c.Close()
				io.WriteString(c, cymruAnswer(ips))
			},
			wantFound: 3, wantConns: 2,
		},
		{
			name:    "always reset",
			handle:  func(n int, c net.Conn) { readBulk(c); reset(c) },
			wantErr: "reset", wantConns: 3,
		},
		{
			name: "partial answer then the rest",
			handle: func(n int, c net.Conn) {
				defer c.Close()
				ips, _ := readBulk(c)
				if n == 1 {
					io.WriteString(c, cymruAnswer(ips[:1]))
					return
				}
				if len(ips) != 2 {
					io.WriteString(c, "Error: expected only the unanswered addresses\n")
					return
				}
				io.WriteString(c, cymruAnswer(ips))
			},
			wantFound: 3, wantConns: 2,
		},
		{
			name: "garbage",
			handle: func(n int, c net.Conn) {
				defer c.Close()
				readBulk(c)
				io.WriteString(c, "Error: no ASN for you\n\x00\xff|||\nAS | IP | BGP\n")
			},
			wantErr: "closed before every address was answered", wantConns: 3,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newTCPFake(t, tt.handle)
			cl := &Cymru{Addr: f.addr(), Timeout: 150 * time.Millisecond, Retry: fastRetry}
			res, err := cl.Resolve(context.Background(), ips)
			if err != nil {
				t.Fatal(err)
			}
			if len(res.Found) != tt.wantFound || len(res.Found)+len(res.Missing) != len(ips) {
				t.Errorf("found %d missing %v", len(res.Found), res.Missing)
			}
			for ip, e := range res.Missing {
				if !strings.Contains(e.Error(), tt.wantErr) || !strings.Contains(e.Error(), ip) {
					t.Errorf("%s: reason %q, want it to name the IP and contain %q", ip, e, tt.wantErr)
				}
			}
			if got := f.conns.Load(); got != tt.wantConns {
				t.Errorf("%d connections, want %d", got, tt.wantConns)
			}
		})
	}
}

func TestCymruRefusedAndCancelled(t *testing.T) {
	ln, _ := net.Listen("tcp", "127.0.0.1:0")
	addr := ln.Addr().String()
	ln.Close() // nothing listens: connection refused
	res, err := (&Cymru{Addr: addr, Timeout: time.Second, Retry: fastRetry}).Resolve(context.Background(), []string{"8.8.8.8"})
	if err != nil || !strings.Contains(res.Missing["8.8.8.8"].Error(), "refused") {
		t.Errorf("refused: %v %v", res.Missing, err)
	}

	f := newTCPFake(t, func(n int, c net.Conn) { defer c.Close(); readBulk(c); time.Sleep(time.Second) })
	ctx, cancel := context.WithCancel(context.Background())
	time.AfterFunc(50*time.Millisecond, cancel)
	start := time.Now()
	res, err = (&Cymru{Addr: f.addr(), Timeout: 10 * time.Second}).Resolve(ctx, []string{"8.8.8.8", "10.1.1.1"})
	if !errors.Is(err, context.Canceled) || !errors.Is(res.Missing["8.8.8.8"], context.Canceled) {
		t.Errorf("cancel: %v %v", res.Missing, err)
	}
	if res.Found["10.1.1.1"].Source != "private" {
		t.Errorf("private address lost on cancel: %v", res.Found)
	}
	if time.Since(start) > 500*time.Millisecond {
		t.Errorf("cancel took %v", time.Since(start))
	}
}

func TestParseCymru(t *testing.T) {
	in := "Bulk mode; whois.cymru.com [2026-01-02 10:00:00 +0000]\n" +
		"AS      | IP               | BGP Prefix          | CC | Registry | Allocated  | AS Name\n" +
		cymruWorld["8.8.8.8"] + "\n" +
		cymruWorld["192.0.2.200"] + "\n" +
		"garbage | not-an-ip | x\n" +
		"12x | 9.9.9.9 | 9.9.9.0/24 | US | arin | | QUAD9\n" +
		"19281 | 9.9.9.10 | 9.9.9.0/24 | US | arin | 2017 | QUAD9-AS-1, CH | extra\n" +
		"64500|198.51.100.1\n"
	got, err := ParseCymru(strings.NewReader(in))
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]Info{
		"8.8.8.8":     {ASN: 15169, Name: "GOOGLE, US", Country: "US", CIDR: "8.8.8.0/24", Registry: "arin", Source: "cymru"},
		"192.0.2.200": {Source: "cymru"},
		"9.9.9.10":    {ASN: 19281, Name: "QUAD9-AS-1, CH|extra", Country: "US", CIDR: "9.9.9.0/24", Registry: "arin", Source: "cymru"},
	}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("(-want +got):\n%s", d)
	}
}

func FuzzParseCymru(f *testing.F) {
	f.Add(cymruAnswer([]string{"8.8.8.8", "1.0.0.1", "192.0.2.200"}))
	f.Add("a|b|c\n|||||||\n")
	f.Fuzz(func(t *testing.T, s string) { ParseCymru(strings.NewReader(s)) })
}

// Package asntest has loopback fakes of the online ASN services, for tests
// of code that builds ASN resolvers: Team Cymru's bulk whois and RDAP (with
// IANA-style bootstrap files). Both count the connections they get, so a
// test can assert that an offline resolver made none.
package asntest

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// Cymru is a fake of Team Cymru's bulk whois ("begin / verbose / ips / end")
// on loopback. World maps an address to its verbose answer line, e.g.
// "8075 | 13.107.4.50 | 13.107.0.0/16 | US | arin | 2015-03-26 | MICROSOFT-CORP-MSN-AS-BLOCK, US";
// unknown addresses get an NA line.
type Cymru struct {
	World map[string]string

	ln    net.Listener
	conns atomic.Int32
	wg    sync.WaitGroup
}

// NewCymru starts the fake; it stops when the test ends.
func NewCymru(t testing.TB, world map[string]string) *Cymru {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	c := &Cymru{World: world, ln: ln}
	c.wg.Add(1)
	go func() {
		defer c.wg.Done()
		for {
			conn, err := ln.Accept()
			if err != nil {
				return
			}
			c.conns.Add(1)
			c.wg.Add(1)
			go func() { defer c.wg.Done(); c.serve(conn) }()
		}
	}()
	t.Cleanup(func() { ln.Close(); c.wg.Wait() })
	return c
}

// Addr is the fake's host:port.
func (c *Cymru) Addr() string { return c.ln.Addr().String() }

// Connections is the number of connections accepted so far.
func (c *Cymru) Connections() int { return int(c.conns.Load()) }

func (c *Cymru) serve(conn net.Conn) {
	defer conn.Close()
	conn.SetDeadline(time.Now().Add(10 * time.Second))
	sc := bufio.NewScanner(conn)
	var b strings.Builder
	b.WriteString("Bulk mode; whois.cymru.com [2026-01-02 10:00:00 +0000]\n")
	for sc.Scan() {
		switch l := strings.TrimSpace(sc.Text()); l {
		case "begin", "verbose", "":
		case "end":
			io.WriteString(conn, b.String())
			return
		default:
			if line, ok := c.World[l]; ok {
				b.WriteString(line + "\n")
			} else {
				b.WriteString("NA      | " + l + " | NA | | other | | NA\n")
			}
		}
	}
}

// RDAP is a fake RDAP service with its own bootstrap files: Registries
// maps a registry path ("arin", "ripe", ...) to the prefixes it serves and
// Networks maps it to the network object (RDAP JSON) it answers for every
// address.
type RDAP struct {
	srv      *httptest.Server
	requests atomic.Int32

	mu         sync.Mutex
	registries map[string][]string
	networks   map[string]string
}

// NewRDAP starts the fake; it stops when the test ends.
func NewRDAP(t testing.TB, registries map[string][]string, networks map[string]string) *RDAP {
	t.Helper()
	r := &RDAP{registries: registries, networks: networks}
	r.srv = httptest.NewServer(http.HandlerFunc(r.serve))
	t.Cleanup(r.srv.Close)
	return r
}

// BootstrapV4 and BootstrapV6 are the bootstrap file URLs to configure.
func (r *RDAP) BootstrapV4() string { return r.srv.URL + "/ipv4.json" }

// BootstrapV6 is the IPv6 bootstrap file URL.
func (r *RDAP) BootstrapV6() string { return r.srv.URL + "/ipv6.json" }

// Requests is the number of requests received so far (bootstrap included).
func (r *RDAP) Requests() int { return int(r.requests.Load()) }

func (r *RDAP) serve(w http.ResponseWriter, req *http.Request) {
	r.requests.Add(1)
	r.mu.Lock()
	defer r.mu.Unlock()
	base := "http://" + req.Host
	switch req.URL.Path {
	case "/ipv4.json", "/ipv6.json":
		v6 := req.URL.Path == "/ipv6.json"
		var services []string
		for reg, prefixes := range r.registries {
			var ps []string
			for _, p := range prefixes {
				if strings.Contains(p, ":") == v6 {
					ps = append(ps, fmt.Sprintf("%q", p))
				}
			}
			if len(ps) > 0 {
				services = append(services, fmt.Sprintf(`[[%s],[%q]]`, strings.Join(ps, ","), base+"/"+reg+"/"))
			}
		}
		fmt.Fprintf(w, `{"version":"1.0","services":[%s]}`, strings.Join(services, ","))
		return
	}
	parts := strings.Split(strings.Trim(req.URL.Path, "/"), "/")
	if len(parts) == 3 && parts[1] == "ip" {
		if body, ok := r.networks[parts[0]]; ok {
			w.Header().Set("Content-Type", "application/rdap+json")
			io.WriteString(w, body)
			return
		}
	}
	w.WriteHeader(http.StatusNotFound)
	io.WriteString(w, `{"errorCode":404,"title":"Not Found"}`)
}

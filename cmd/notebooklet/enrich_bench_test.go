package main

import (
	"context"
	"fmt"
	"math/rand/v2"
	"net/netip"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/gonotebooklets/notebooklets/internal/mmdbgen"
	"github.com/gonotebooklets/notebooklets/providers/asn"
	"github.com/gonotebooklets/notebooklets/providers/geoip"
	"github.com/gonotebooklets/notebooklets/providers/ipaddr"
)

// benchDBs builds City and ASN databases of realistic size with mmdbgen
// once per process: $NOTEBOOKLETS_BENCH_NETWORKS networks (default 400,000;
// 85% IPv4 /24s, 15% IPv6 /48s) over 20,000 cities and 60,000 ASNs, and
// 10,000 unique addresses to look up (90% in the databases, the rest
// unknown or non-public).
var benchDBs = sync.OnceValues(func() (bench benchData, err error) {
	n := 400_000
	if v, _ := strconv.Atoi(os.Getenv("NOTEBOOKLETS_BENCH_NETWORKS")); v > 0 {
		n = v
	}
	rng := rand.New(rand.NewPCG(1, 2))
	var cities []mmdbgen.CityRecord
	var asns []mmdbgen.ASNRecord
	seen := map[netip.Prefix]bool{}
	var nets []netip.Prefix
	for len(nets) < n {
		var p netip.Prefix
		if rng.IntN(100) < 85 {
			a := netip.AddrFrom4([4]byte{byte(1 + rng.IntN(222)), byte(rng.IntN(256)), byte(rng.IntN(256)), 0})
			p = netip.PrefixFrom(a, 24)
		} else {
			var b [16]byte
			b[0], b[1] = 0x24, byte(rng.IntN(256)) // 2400::/8, global unicast
			b[2], b[3], b[4], b[5] = byte(rng.IntN(256)), byte(rng.IntN(256)), byte(rng.IntN(256)), byte(rng.IntN(256))
			p = netip.PrefixFrom(netip.AddrFrom16(b), 48)
		}
		if seen[p] || !ipaddr.IsPublicAddr(p.Addr()) || p.Addr() == sixToFourRelay {
			continue
		}
		seen[p] = true
		nets = append(nets, p)
		c := rng.IntN(20_000)
		cities = append(cities, mmdbgen.CityRecord{Network: p, CountryISO: fmt.Sprintf("C%d", c%250), Country: fmt.Sprintf("Country %d", c%250),
			City: fmt.Sprintf("City %d", c), Lat: float64(c%180) - 89.5, Lon: float64(c%360) - 179.5})
		as := rng.IntN(60_000)
		asns = append(asns, mmdbgen.ASNRecord{Network: p, ASN: uint32(1000 + as), Org: fmt.Sprintf("EXAMPLE-NETWORK-%d, XX", as)})
	}
	dir, err := os.MkdirTemp("", "enrich-bench-")
	if err != nil {
		return bench, err
	}
	bench.dir = dir
	benchBuiltDir = dir
	start := time.Now()
	for _, w := range []struct {
		name  string
		write func(f *os.File) error
	}{
		{"GeoLite2-City.mmdb", func(f *os.File) error { return mmdbgen.WriteCity(f, cities) }},
		{"GeoLite2-ASN.mmdb", func(f *os.File) error { return mmdbgen.WriteASN(f, asns) }},
	} {
		f, err := os.Create(filepath.Join(dir, w.name))
		if err != nil {
			return bench, err
		}
		if err := w.write(f); err != nil {
			f.Close()
			return bench, err
		}
		f.Close()
	}
	bench.build = time.Since(start)
	uniq := map[string]bool{}
	for len(bench.ips) < 10_000 {
		var s string
		switch r := rng.IntN(100); {
		case r < 90:
			p := nets[rng.IntN(len(nets))]
			b := p.Addr().AsSlice()
			b[len(b)-1] = byte(1 + rng.IntN(254))
			a, _ := netip.AddrFromSlice(b)
			s = a.String()
		case r < 95:
			s = netip.AddrFrom4([4]byte{10, byte(rng.IntN(256)), byte(rng.IntN(256)), byte(rng.IntN(256))}).String()
		default:
			s = netip.AddrFrom4([4]byte{byte(1 + rng.IntN(222)), byte(rng.IntN(256)), byte(rng.IntN(256)), byte(rng.IntN(256))}).String()
		}
		if !uniq[s] {
			uniq[s] = true
			bench.ips = append(bench.ips, s)
		}
	}
	return bench, nil
})

// sixToFourRelay (192.88.99.0/24) is global for Python's ipaddress but
// reserved for mmdbwriter.
var sixToFourRelay = netip.MustParseAddr("192.88.99.0")

type benchData struct {
	dir   string
	ips   []string
	build time.Duration
}

// BenchmarkEnrich10k is the enrich command's lookup path (parse, classify,
// ASN and City lookups) for 10,000 unique addresses; one op = 10,000 IPs.
//
//	go test -run '^$' -bench Enrich10k -benchtime 20x ./cmd/notebooklet/
func BenchmarkEnrich10k(b *testing.B) {
	data, err := benchDBs()
	if err != nil {
		b.Fatal(err)
	}
	geo, err := geoip.Open(filepath.Join(data.dir, "GeoLite2-City.mmdb"))
	if err != nil {
		b.Fatal(err)
	}
	defer geo.Close()
	adb, err := asn.OpenDB(filepath.Join(data.dir, "GeoLite2-ASN.mmdb"))
	if err != nil {
		b.Fatal(err)
	}
	defer adb.Close()
	e := enricher{geo: geo, asn: adb}
	if fi, err := os.Stat(filepath.Join(data.dir, "GeoLite2-City.mmdb")); err == nil {
		b.Logf("City DB %.1f MB, built (both DBs) in %v", float64(fi.Size())/1e6, data.build.Round(time.Millisecond))
	}
	addrs := make([]netip.Addr, len(data.ips))
	for i, s := range data.ips {
		a, ok := ipaddr.Parse(s)
		if !ok {
			b.Fatalf("bad ip %s", s)
		}
		addrs[i] = a
	}
	runtime.GC() // the garbage of building the databases is not the lookups' cost
	for _, workers := range []int{1, runtime.GOMAXPROCS(0)} {
		b.Run(fmt.Sprintf("workers=%d", workers), func(b *testing.B) {
			var found int
			cpu0 := cpuTime()
			for b.Loop() {
				rows, errs := e.enrichN(context.Background(), addrs, workers)
				if len(errs) > 0 {
					b.Fatal(errs[0])
				}
				found = 0
				for _, r := range rows {
					if r.ASN != nil && r.Latitude != nil {
						found++
					}
				}
			}
			if found < 8_500 {
				b.Fatalf("only %d of %d addresses found in the databases", found, len(data.ips))
			}
			b.ReportMetric(float64(b.Elapsed().Microseconds())/1000/float64(b.N), "ms/10k-IPs")
			// CPU time of the process (all threads) per op: steadier than
			// wall time on a shared, loaded machine.
			b.ReportMetric(float64((cpuTime()-cpu0).Microseconds())/1000/float64(b.N), "cpu-ms/10k-IPs")
		})
	}
}

func cpuTime() time.Duration {
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// benchBuiltDir is the temporary folder of the benchmark databases, if built.
var benchBuiltDir string

func TestMain(m *testing.M) {
	code := m.Run()
	if benchBuiltDir != "" {
		os.RemoveAll(benchBuiltDir)
	}
	os.Exit(code)
}

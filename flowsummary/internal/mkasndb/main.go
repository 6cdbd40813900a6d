// Command mkasndb writes the benchmark's GeoLite2-ASN-layout database: every
// public /8 a.0.0.0/8 belongs to AS(64512+a), as pandas_baseline.py's
// in-memory table says.
//
//	go run ./flowsummary/internal/mkasndb OUT.mmdb
package main

import (
	"fmt"
	"net/netip"
	"os"

	"github.com/gonotebooklets/notebooklets/internal/mmdbgen"
)

func main() {
	if len(os.Args) != 2 {
		fmt.Fprintln(os.Stderr, "usage: mkasndb OUT.mmdb")
		os.Exit(2)
	}
	if err := write(os.Args[1]); err != nil {
		fmt.Fprintln(os.Stderr, "mkasndb:", err)
		os.Exit(1)
	}
}

func write(path string) error {
	var recs []mmdbgen.ASNRecord
	for a := 1; a <= 223; a++ {
		if a == 10 || a == 127 {
			continue // private and loopback: never looked up
		}
		recs = append(recs, mmdbgen.ASNRecord{
			Network: netip.PrefixFrom(netip.AddrFrom4([4]byte{byte(a)}), 8),
			ASN:     uint32(64512 + a),
			Org:     fmt.Sprintf("BENCH-NET-%d", a),
		})
	}
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	if err := (mmdbgen.Options{IncludeReservedNetworks: true}).WriteASN(f, recs); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

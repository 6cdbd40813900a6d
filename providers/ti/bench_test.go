package ti

import (
	"context"
	"fmt"
	"strings"
	"testing"
)

// BenchmarkLocalLookup10k: 10,000 unique IPs through Lookup against a
// 10,000-row indicator file.
func BenchmarkLocalLookup10k(b *testing.B) {
	var sb strings.Builder
	sb.WriteString("ioc,severity\n")
	var iocs []string
	for i := 0; i < 10000; i++ {
		ip := fmt.Sprintf("10.%d.%d.%d", i>>16&255, i>>8&255, i&255)
		iocs = append(iocs, ip)
		fmt.Fprintf(&sb, "%s,%s\n", ip, []string{"information", "low", "medium", "high"}[i%4])
	}
	l, err := LocalBytes("bench.csv", []byte(sb.String()))
	if err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		res, err := Lookup(context.Background(), []Provider{l}, iocs, nil)
		if err != nil || len(res.Results) != 10000 {
			b.Fatal(err)
		}
	}
}

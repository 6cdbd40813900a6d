package ipaddr_test

import (
	"fmt"

	"github.com/gonotebooklets/notebooklets/providers/ipaddr"
)

func ExampleTypeOf() {
	for _, ip := range []string{"13.107.4.50", "10.0.3.5", "::ffff:127.0.0.1", "ff02::1", "100.64.0.1", "bogus"} {
		fmt.Printf("%-16s %s\n", ip, ipaddr.TypeOf(ip))
	}
	// Output:
	// 13.107.4.50      Public
	// 10.0.3.5         Private
	// ::ffff:127.0.0.1 Loopback
	// ff02::1          Multicast
	// 100.64.0.1       Unspecified
	// bogus            Invalid
}

// Addresses are compared in one form: an IPv4-mapped address is the IPv4
// address.
func ExampleCanonical() {
	for _, s := range []string{"::ffff:10.0.3.5", " 2001:DB8::1 ", "fe80::1%eth0", "host"} {
		c, ok := ipaddr.Canonical(s)
		fmt.Printf("%q %v\n", c, ok)
	}
	// Output:
	// "10.0.3.5" true
	// "2001:db8::1" true
	// "fe80::1" true
	// "host" false
}

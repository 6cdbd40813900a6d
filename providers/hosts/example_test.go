package hosts_test

import (
	"context"
	"fmt"

	"github.com/gonotebooklets/notebooklets/providers/hosts"
)

// Resolve the sample host by its private address.
func Example() {
	var r hosts.Resolver = hosts.Sample()
	h, err := r.Resolve(context.Background(), "10.0.3.5")
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(h.Name, h.PrivateIPs, h.PublicIPs, h.OSType, h.ResourceGroup)
	// Output: msticalertswin1 [10.0.3.5] [40.124.45.19] Windows asihuntomsworkspacerg
}

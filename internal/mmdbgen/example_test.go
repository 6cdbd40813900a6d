package mmdbgen_test

import (
	"bytes"
	"fmt"
	"net/netip"

	"github.com/gonotebooklets/notebooklets/internal/mmdbgen"
	"github.com/oschwald/geoip2-golang/v2"
)

func Example() {
	var buf bytes.Buffer
	err := mmdbgen.WriteASN(&buf, []mmdbgen.ASNRecord{
		{Network: netip.MustParsePrefix("13.107.0.0/16"), ASN: 8075, Org: "MICROSOFT-CORP-MSN-AS-BLOCK"},
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	db, err := geoip2.OpenBytes(buf.Bytes())
	if err != nil {
		fmt.Println(err)
		return
	}
	defer db.Close()
	rec, _ := db.ASN(netip.MustParseAddr("13.107.4.50"))
	fmt.Println(rec.AutonomousSystemNumber, rec.AutonomousSystemOrganization)
	// Output: 8075 MICROSOFT-CORP-MSN-AS-BLOCK
}

// Package asn finds the autonomous system and registration details of IP
// addresses: a GeoLite2-ASN database first, Team Cymru's bulk whois next, RDAP
// for registration details, with a cache in memory and on disk.
package asn

import "context"

// PrivateName is the ASN name given to private addresses, as msticnb does.
const PrivateName = "private address"

// Info is what is known of the network an IP address belongs to.
type Info struct {
	IP       string `json:"ip"`
	ASN      uint32 `json:"asn,omitempty"`      // 0 when unknown
	Name     string `json:"asn_name,omitempty"` // AS name / organisation, e.g. "MICROSOFT-CORP-MSN-AS-BLOCK, US"
	Country  string `json:"asn_country,omitempty"`
	CIDR     string `json:"cidr,omitempty"`
	Registry string `json:"registry,omitempty"` // arin, ripencc, ...
	Handle   string `json:"handle,omitempty"`   // RDAP network handle
	Org      string `json:"org,omitempty"`      // RDAP registrant organisation
	Source   string `json:"source,omitempty"`   // "geolite2-asn", "cymru", "rdap", "private", "cache"
}

// Label is the text shown for the ASN in tables and selectors, msticnb style:
// "AS8075 MICROSOFT-CORP-MSN-AS-BLOCK, US", "private address" for private
// addresses, and "unknown" when nothing was found.
func (i Info) Label() string {
	switch {
	case i.Source == "private":
		return PrivateName
	case i.ASN == 0 && i.Name == "":
		return "unknown"
	case i.ASN == 0:
		return i.Name
	case i.Name == "":
		return "AS" + itoa(i.ASN)
	}
	return "AS" + itoa(i.ASN) + " " + i.Name
}

func itoa(n uint32) string {
	var b [10]byte
	i := len(b)
	for {
		i--
		b[i] = byte('0' + n%10)
		n /= 10
		if n == 0 {
			break
		}
	}
	return string(b[i:])
}

// Results is the answer to a batch lookup: what was found, and for each IP
// that could not be looked up, why. An IP is in exactly one of the two maps.
type Results struct {
	Found   map[string]Info  `json:"found"`
	Missing map[string]error `json:"-"`
}

// Resolver looks up many IPs at once. It returns partial results with the
// reasons for what is missing; the error is for failures of the whole batch
// (such as a cancelled context).
type Resolver interface {
	Resolve(ctx context.Context, ips []string) (Results, error)
}

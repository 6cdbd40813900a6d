// Package asn finds the autonomous system and registration details of IP
// addresses: a GeoLite2-ASN database first, Team Cymru's bulk whois next, RDAP
// for registration details, with a cache in memory and on disk.
package asn

import (
	"context"
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
)

// PrivateName is the ASN name given to private addresses, as msticnb does.
const PrivateName = "private address"

// Sources of an Info (Info.Source). Registration details added by RDAP to
// another source's answer give "<source>+rdap", e.g. "cymru+rdap".
const (
	SourceGeoLite2 = "geolite2-asn" // a GeoLite2-ASN (or GeoIP2-ASN/ISP) database
	SourceCymru    = "cymru"        // Team Cymru's bulk whois
	SourceRDAP     = "rdap"         // the registry's RDAP service
	SourceWhois    = "whois"        // port-43 whois
	SourcePrivate  = "private"      // a private or other non-public address: no lookup
)

// Info is what is known of the network an IP address belongs to.
type Info struct {
	IP       string `json:"ip"`
	ASN      Number `json:"asn,omitempty"`      // Unknown (0) when unknown
	Name     string `json:"asn_name,omitempty"` // AS name / organisation, e.g. "MICROSOFT-CORP-MSN-AS-BLOCK, US"
	Country  string `json:"asn_country,omitempty"`
	CIDR     string `json:"cidr,omitempty"`
	Registry string `json:"registry,omitempty"` // arin, ripencc, ...
	Handle   string `json:"handle,omitempty"`   // RDAP network handle
	Org      string `json:"org,omitempty"`      // RDAP registrant organisation
	// Abuse is the network's abuse contact (RDAP's abuse entity: its email,
	// else its name).
	Abuse string `json:"abuse_contact,omitempty"`
	// Source says which source answered (SourceGeoLite2, SourceCymru, ...,
	// or "cymru+rdap" when RDAP added the registration details).
	Source string `json:"source,omitempty"`
	// Cached is true when the answer came from the cache (Source is still
	// the source that gave it).
	Cached bool `json:"cached,omitempty"`
}

// Number is an autonomous system number. Two reserved numbers stand for
// the pseudo-ASNs of a flow summary: Unknown (0, AS0 of RFC 7607: no ASN was
// found) and Private (4294967295, reserved by RFC 7300: private, loopback
// and other non-public addresses). A Number identifies an ASN; names are only
// labels.
type Number uint32

// The pseudo-ASNs.
const (
	Unknown Number = 0
	Private Number = math.MaxUint32
)

// String returns "AS8075", "unknown" or "private address".
func (n Number) String() string {
	switch n {
	case Unknown:
		return "unknown"
	case Private:
		return PrivateName
	}
	return "AS" + strconv.FormatUint(uint64(n), 10)
}

// ErrBadNumber is matched (errors.Is) by the errors of ParseNumber.
var ErrBadNumber = errors.New("not an AS number")

// ParseNumber reads an AS number as people write it: "AS8075", "as8075",
// "8075", or the pseudo-ASNs "unknown" and "private" ("private address").
func ParseNumber(s string) (Number, error) {
	t := strings.TrimSpace(s)
	switch strings.ToLower(t) {
	case "unknown":
		return Unknown, nil
	case "private", PrivateName:
		return Private, nil
	}
	if len(t) > 2 && strings.EqualFold(t[:2], "AS") {
		t = t[2:]
	}
	n, err := strconv.ParseUint(t, 10, 32)
	if err != nil || n == 0 || n == math.MaxUint32 {
		return 0, fmt.Errorf("%w: %q (want AS8075, 8075, unknown or private)", ErrBadNumber, s)
	}
	return Number(n), nil
}

// Number returns the ASN that identifies i in a flow summary: Private for
// private addresses, else i.ASN (Unknown when none was found).
func (i Info) Number() Number {
	if i.Source == SourcePrivate {
		return Private
	}
	return i.ASN
}

// Label is the text shown for the ASN in tables and selectors, msticnb style:
// "AS8075 MICROSOFT-CORP-MSN-AS-BLOCK, US", "private address" for private
// addresses, and "unknown" when nothing was found.
func (i Info) Label() string {
	switch {
	case i.Source == SourcePrivate:
		return PrivateName
	case i.ASN == 0 && i.Name == "":
		return "unknown"
	case i.ASN == 0:
		return i.Name
	case i.Name == "":
		return i.ASN.String()
	}
	return i.ASN.String() + " " + i.Name
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

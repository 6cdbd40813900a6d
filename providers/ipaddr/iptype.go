// Package ipaddr classifies IP addresses the way msticpy's get_ip_type does
// (Python's ipaddress module properties, in msticpy's order of precedence).
package ipaddr

// Type is the category of an IP address.
type Type string

// The categories, named as msticpy names them.
const (
	Multicast   Type = "Multicast"
	Public      Type = "Public"
	Loopback    Type = "Loopback"
	LinkLocal   Type = "Link Local"
	Unspecified Type = "Unspecified"
	Private     Type = "Private"
	Reserved    Type = "Reserved"
	// Invalid is returned for strings that are not IP addresses.
	Invalid Type = "Invalid"
)

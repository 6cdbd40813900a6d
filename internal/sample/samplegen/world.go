// Package samplegen defines the synthetic world of the embedded sample
// dataset (one Azure VM, its peers, their ASNs, locations and a few threat
// indicators) and writes the sample files from it, deterministically.
//
// Everything here is made up. AS numbers are from the documentation ranges
// of RFC 5398 (64496-64511, 65536-65551), organisation names are the
// fictional companies used in Microsoft documentation, and the threat
// indicators mark addresses chosen for the sample, not real attackers.
package samplegen

import (
	"fmt"
	"net/netip"
)

// Host is the sample VM.
var Host = HostInfo{
	Name:           "msticalertswin1",
	PrivateIP:      "10.0.3.5",
	PublicIP:       "40.124.45.19",
	ResourceGroup:  "asihuntomsworkspacerg",
	SubscriptionID: "3c1bb38c-82e3-4f8d-a115-a7110ba70d05",
	TenantID:       "52b1ab41-869e-4138-9e40-2a4457f09bf0",
	Region:         "eastus",
	OSType:         "Windows",
	OSName:         "Windows Server 2016 Datacenter",
	OSVersion:      "10.0.14393",
	VMID:           "9d1d6bb4-0c2a-4f3e-9a55-0b1c2f3e4d5a",
	FQDN:           "msticalertswin1.internal.cloudapp.net",
}

// HostInfo describes the sample VM.
type HostInfo struct {
	Name, PrivateIP, PublicIP, ResourceGroup, SubscriptionID, TenantID string
	Region, OSType, OSName, OSVersion, VMID, FQDN                      string
}

// ResourceID is the VM's Azure resource ID.
func (h HostInfo) ResourceID() string {
	return fmt.Sprintf("/subscriptions/%s/resourceGroups/%s/providers/Microsoft.Compute/virtualMachines/%s",
		h.SubscriptionID, h.ResourceGroup, h.Name)
}

// Place is a city with its coordinates.
type Place struct {
	CountryISO, Country, City string
	Lat, Lon                  float64
}

// Org is one autonomous system of the sample world.
type Org struct {
	ASN    uint32
	Name   string // as GeoLite2-ASN writes autonomous_system_organization
	Prefix netip.Prefix
	Place  Place
	// Weight is the share of outbound traffic; Inbound the share of
	// inbound connections (scanners, partners).
	Weight, Inbound int
	// Peers is how many addresses of the prefix talk to the host.
	Peers int
	// Rare ASNs carry only a handful of flows.
	Rare bool
	// AzureLike peers produce FlowType "AzurePublic", others "ExternalPublic".
	AzureLike bool
}

// Indicator is a line of the sample TI file.
type Indicator struct {
	IOC, Type, Severity, Details, Reference, Provider string
}

var (
	redmond   = Place{"US", "United States", "Redmond", 47.674, -122.1215}
	ashburn   = Place{"US", "United States", "Ashburn", 39.0437, -77.4875}
	sanjose   = Place{"US", "United States", "San Jose", 37.3382, -121.8863}
	dublin    = Place{"IE", "Ireland", "Dublin", 53.3498, -6.2603}
	amsterdam = Place{"NL", "Netherlands", "Amsterdam", 52.3676, 4.9041}
	frankfurt = Place{"DE", "Germany", "Frankfurt am Main", 50.1109, 8.6821}
	london    = Place{"GB", "United Kingdom", "London", 51.5072, -0.1276}
	paris     = Place{"FR", "France", "Paris", 48.8566, 2.3522}
	tokyo     = Place{"JP", "Japan", "Tokyo", 35.6762, 139.6503}
	singapore = Place{"SG", "Singapore", "Singapore", 1.3521, 103.8198}
	saopaulo  = Place{"BR", "Brazil", "São Paulo", -23.5505, -46.6333}
	sydney    = Place{"AU", "Australia", "Sydney", -33.8688, 151.2093}
	toronto   = Place{"CA", "Canada", "Toronto", 43.6532, -79.3832}
	mumbai    = Place{"IN", "India", "Mumbai", 19.076, 72.8777}
	seoul     = Place{"KR", "South Korea", "Seoul", 37.5665, 126.978}
	bucharest = Place{"RO", "Romania", "Bucharest", 44.4268, 26.1025}
	lagos     = Place{"NG", "Nigeria", "Lagos", 6.5244, 3.3792}
	kyiv      = Place{"UA", "Ukraine", "Kyiv", 50.4501, 30.5234}
	hanoi     = Place{"VN", "Vietnam", "Hanoi", 21.0278, 105.8342}
)

func pfx(s string) netip.Prefix { return netip.MustParsePrefix(s) }

// Orgs is the sample's ASN table. The host's own public address is in the
// first one.
var Orgs = []Org{
	{ASN: 64496, Name: "CONTOSO-CLOUD", Prefix: pfx("40.124.0.0/16"), Place: ashburn, Weight: 120, Inbound: 6, Peers: 6, AzureLike: true},
	{ASN: 64497, Name: "CONTOSO-CLOUD-EDGE", Prefix: pfx("13.107.0.0/16"), Place: redmond, Weight: 220, Peers: 8, AzureLike: true},
	{ASN: 64498, Name: "FABRIKAM-CDN", Prefix: pfx("151.101.0.0/16"), Place: sanjose, Weight: 140, Peers: 6},
	{ASN: 64499, Name: "NORTHWIND-TRADERS-NET", Prefix: pfx("52.114.0.0/16"), Place: dublin, Weight: 90, Inbound: 4, Peers: 5, AzureLike: true},
	{ASN: 64500, Name: "WOODGROVE-BANK", Prefix: pfx("104.44.0.0/16"), Place: amsterdam, Weight: 60, Inbound: 3, Peers: 4},
	{ASN: 64501, Name: "TAILSPIN-TOYS-HOSTING", Prefix: pfx("185.23.0.0/16"), Place: frankfurt, Weight: 55, Inbound: 8, Peers: 5},
	{ASN: 64502, Name: "LITWARE-INC", Prefix: pfx("195.154.0.0/16"), Place: paris, Weight: 40, Inbound: 3, Peers: 4},
	{ASN: 64503, Name: "ADVENTURE-WORKS-TELECOM", Prefix: pfx("212.58.0.0/16"), Place: london, Weight: 45, Peers: 4},
	{ASN: 64504, Name: "PROSEWARE-NETWORKS", Prefix: pfx("23.96.0.0/16"), Place: toronto, Weight: 35, Peers: 3, AzureLike: true},
	{ASN: 64505, Name: "FOURTH-COFFEE-ISP", Prefix: pfx("126.78.0.0/16"), Place: tokyo, Weight: 30, Inbound: 2, Peers: 3},
	{ASN: 64506, Name: "ALPINE-SKI-HOUSE-DC", Prefix: pfx("103.21.0.0/16"), Place: singapore, Weight: 28, Inbound: 5, Peers: 3},
	{ASN: 64507, Name: "BLUE-YONDER-AIRLINES", Prefix: pfx("177.54.0.0/16"), Place: saopaulo, Weight: 22, Inbound: 2, Peers: 2},
	{ASN: 64508, Name: "COHO-WINERY-NET", Prefix: pfx("203.14.0.0/16"), Place: sydney, Weight: 20, Peers: 2},
	{ASN: 64509, Name: "WINGTIP-TOYS-BROADBAND", Prefix: pfx("49.36.0.0/16"), Place: mumbai, Weight: 18, Inbound: 3, Peers: 2},
	{ASN: 64510, Name: "TREY-RESEARCH", Prefix: pfx("211.234.0.0/16"), Place: seoul, Weight: 16, Peers: 2},
	{ASN: 64511, Name: "MARGIES-TRAVEL", Prefix: pfx("20.42.0.0/16"), Place: redmond, Weight: 25, Peers: 2, AzureLike: true},
	{ASN: 65536, Name: "GRAPHIC-DESIGN-INSTITUTE", Prefix: pfx("89.248.0.0/16"), Place: amsterdam, Weight: 10, Inbound: 6, Peers: 2},
	// Rare ASNs: a few flows each; the malicious addresses live here.
	{ASN: 65537, Name: "BULLETPROOF-EXAMPLE-HOSTING", Prefix: pfx("5.188.0.0/16"), Place: bucharest, Weight: 1, Inbound: 1, Peers: 2, Rare: true},
	{ASN: 65538, Name: "LUCERNE-PUBLISHING-VPS", Prefix: pfx("41.203.0.0/16"), Place: lagos, Weight: 1, Peers: 1, Rare: true},
	{ASN: 65539, Name: "HUMONGOUS-INSURANCE-NET", Prefix: pfx("176.32.0.0/16"), Place: kyiv, Weight: 1, Inbound: 1, Peers: 1, Rare: true},
	{ASN: 65540, Name: "A-DATUM-CORP-ASIA", Prefix: pfx("113.160.0.0/16"), Place: hanoi, Weight: 1, Peers: 1, Rare: true},
}

// Private peers of the host on its virtual network.
var PrivatePeers = []struct {
	IP    string
	Role  string
	Proto []string // L7 protocols used with this peer
}{
	{"10.0.3.9", "domain controller", []string{"ldap", "kerberos", "dns", "msrpc", "smb"}},
	{"10.0.0.4", "DNS forwarder", []string{"dns"}},
	{"10.0.3.10", "file server", []string{"smb", "msrpc"}},
	{"10.0.1.20", "SQL server", []string{"mssql"}},
}

// Proto is an L7 protocol with its transport and port.
type Proto struct {
	L4, L7 string
	Port   int
}

// Protocols are the L7 protocols of the sample (a dozen).
var Protocols = map[string]Proto{
	"https":    {"T", "https", 443},
	"http":     {"T", "http", 80},
	"dns":      {"U", "dns", 53},
	"ntp":      {"U", "ntp", 123},
	"smtp":     {"T", "smtp", 25},
	"imaps":    {"T", "imaps", 993},
	"ssh":      {"T", "ssh", 22},
	"rdp":      {"T", "rdp", 3389},
	"smb":      {"T", "smb", 445},
	"ldap":     {"T", "ldap", 389},
	"kerberos": {"T", "kerberos", 88},
	"msrpc":    {"T", "msrpc", 135},
	"mssql":    {"T", "mssql", 1433},
	"unknown":  {"T", "unknown", 8443},
}

// Malicious are the sample's bad addresses: the ids index Orgs, the host
// part is added to the prefix. Each appears in the flows and in the TI file.
var Malicious = []struct {
	Org      int    // index into Orgs
	Host     uint32 // offset within the prefix
	Severity string
	Details  string
	Inbound  bool // the address connects to the host (else the host connects out)
	L7       string
}{
	{Org: 17, Host: 0x0d42, Severity: "high", Details: "Synthetic sample: command-and-control server", L7: "https"},
	{Org: 17, Host: 0x2a07, Severity: "high", Details: "Synthetic sample: RDP brute-force source", Inbound: true, L7: "rdp"},
	{Org: 19, Host: 0x1163, Severity: "medium", Details: "Synthetic sample: SSH scanner", Inbound: true, L7: "ssh"},
}

// addrIn returns the address at offset n within p.
func addrIn(p netip.Prefix, n uint32) netip.Addr {
	b := p.Addr().As4()
	v := uint32(b[0])<<24 | uint32(b[1])<<16 | uint32(b[2])<<8 | uint32(b[3])
	v += n
	return netip.AddrFrom4([4]byte{byte(v >> 24), byte(v >> 16), byte(v >> 8), byte(v)})
}

// MaliciousIPs returns the malicious addresses in Malicious order.
func MaliciousIPs() []string {
	var out []string
	for _, m := range Malicious {
		out = append(out, addrIn(Orgs[m.Org].Prefix, m.Host).String())
	}
	return out
}

// Indicators is the content of the sample TI file: the malicious addresses
// plus a few entries that must not change the result (an informational
// entry for a common peer, a domain, an address not in the flows).
func Indicators() []Indicator {
	var out []Indicator
	for i, m := range Malicious {
		ip := MaliciousIPs()[i]
		out = append(out, Indicator{IOC: ip, Type: "ipv4", Severity: m.Severity, Details: m.Details,
			Reference: "https://ti.example.org/indicator/" + ip, Provider: "SampleTI"})
	}
	out = append(out,
		Indicator{IOC: InfoIP(), Type: "ipv4", Severity: "information",
			Details: "Synthetic sample: popular content delivery address (not malicious)", Provider: "SampleTI"},
		Indicator{IOC: "malware-updates.example.com", Type: "dns", Severity: "high",
			Details: "Synthetic sample: domain indicator (not in the flows)", Provider: "SampleTI"},
		Indicator{IOC: "5.188.250.250", Type: "ipv4", Severity: "high",
			Details: "Synthetic sample: address in a rare ASN that the host never contacted", Provider: "SampleTI"},
	)
	return out
}

// InfoIP is a busy, benign peer that the TI file lists with severity
// "information" (which must not count as a positive result).
func InfoIP() string { return addrIn(Orgs[1].Prefix, 0x0432).String() }

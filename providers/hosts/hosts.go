// Package hosts finds the details of a host — name, private and public
// addresses, operating system, Azure resource — from the records Log
// Analytics keeps about it: Heartbeat, VMComputer (VM insights) and the
// NetworkInterface rows of AzureNetworkAnalytics_CL, and the device or VM
// each flow table carries: the SrcVm/DestVm sides of NTANetAnalytics (VNet
// flow logs), Defender for Endpoint's DeviceInfo, DeviceNetworkInfo and
// DeviceNetworkEvents, and the Src/Dst/Dvc hosts of ASIM network sessions.
// The notebooklets use it to resolve the host a query names (by name or by
// IP address).
package hosts

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"net/netip"
	"slices"
	"strings"
	"time"

	"github.com/gonotebooklets/notebooklets/providers/ipaddr"
)

// Host is what the records say about one machine.
type Host struct {
	Name       string   `json:"HostName"` // short name, e.g. "msticalertswin1"
	FQDN       string   `json:"FQDN,omitempty"`
	PrivateIPs []string `json:"PrivateIPs,omitempty"`
	PublicIPs  []string `json:"PublicIPs,omitempty"`
	OSType     string   `json:"OSType,omitempty"` // "Windows", "Linux"
	OSName     string   `json:"OSName,omitempty"`
	OSVersion  string   `json:"OSVersion,omitempty"`
	// Environment is "Azure" or "Non-Azure" (Heartbeat's ComputerEnvironment).
	Environment    string `json:"Environment,omitempty"`
	ResourceID     string `json:"ResourceId,omitempty"`
	SubscriptionID string `json:"SubscriptionId,omitempty"`
	ResourceGroup  string `json:"ResourceGroup,omitempty"`
	VMID           string `json:"VMId,omitempty"`
	Region         string `json:"Region,omitempty"`
	VMSize         string `json:"VMSize,omitempty"`
	MACAddress     string `json:"MACAddress,omitempty"`
	// DeviceID is Defender for Endpoint's device identifier.
	DeviceID string `json:"DeviceId,omitempty"`
	// LastSeen is the newest TimeGenerated of the records used.
	LastSeen time.Time `json:"LastSeen,omitzero"`
	// Sources lists the record types that contributed ("Heartbeat", ...).
	Sources []string `json:"Sources,omitempty"`
}

// IPs returns the private then the public addresses.
func (h Host) IPs() []string { return append(slices.Clone(h.PrivateIPs), h.PublicIPs...) }

// HasIP reports whether ip is one of the host's addresses.
func (h Host) HasIP(ip string) bool {
	return slices.Contains(h.PrivateIPs, ip) || slices.Contains(h.PublicIPs, ip)
}

// Resolver finds a host by name (case-insensitive; a short name matches an
// FQDN) or by one of its IP addresses.
type Resolver interface {
	Resolve(ctx context.Context, value string) (Host, error)
}

// ErrNotFound is matched (errors.Is) when no record describes the host.
var ErrNotFound = errors.New("host not found")

// Table is a Resolver over a set of records held in memory.
type Table struct {
	name  string
	hosts []*Host
}

// Hosts returns the hosts in the table, ordered by name.
func (t *Table) Hosts() []Host {
	out := make([]Host, len(t.hosts))
	for i, h := range t.hosts {
		out[i] = *h
	}
	return out
}

// Resolve implements Resolver.
func (t *Table) Resolve(ctx context.Context, value string) (Host, error) {
	if err := ctx.Err(); err != nil {
		return Host{}, err
	}
	v := strings.TrimSpace(value)
	if v == "" {
		return Host{}, fmt.Errorf("hosts: empty host name or IP address")
	}
	if ip, ok := ipaddr.Canonical(v); ok {
		for _, h := range t.hosts {
			if h.HasIP(ip) {
				return *h, nil
			}
		}
		return Host{}, fmt.Errorf("hosts: %w: no record of %s has address %s", ErrNotFound, t.name, ip)
	}
	short := shortName(v)
	for _, h := range t.hosts {
		if strings.EqualFold(h.Name, v) || strings.EqualFold(h.FQDN, v) || strings.EqualFold(h.Name, short) {
			return *h, nil
		}
	}
	return Host{}, fmt.Errorf("hosts: %w: no record of %s names %q", ErrNotFound, t.name, v)
}

func shortName(s string) string {
	if i := strings.IndexByte(s, '.'); i > 0 {
		if _, err := netip.ParseAddr(s); err != nil {
			return s[:i]
		}
	}
	return s
}

// builder merges records into hosts keyed by short lower-case name.
type builder struct {
	byName map[string]*Host
	newest map[string]time.Time // per host: time of the record that set the scalar fields
}

func (b *builder) host(name string) *Host {
	key := strings.ToLower(shortName(name))
	h, ok := b.byName[key]
	if !ok {
		h = &Host{Name: shortName(name)}
		b.byName[key] = h
	}
	return h
}

// addIP adds an address (canonical, see ipaddr.Canonical) to PublicIPs
// when ipaddr.IsPublic says so, else to PrivateIPs; text that is not an
// address is ignored.
func (h *Host) addIP(s string) {
	ip, ok := ipaddr.Canonical(s)
	if !ok || h.HasIP(ip) {
		return
	}
	if ipaddr.IsPublic(ip) {
		h.PublicIPs = append(h.PublicIPs, ip)
	} else {
		h.PrivateIPs = append(h.PrivateIPs, ip)
	}
}

func (h *Host) addSource(s string) {
	if !slices.Contains(h.Sources, s) {
		h.Sources = append(h.Sources, s)
	}
}

// set assigns v to *dst unless v is empty or *dst is set by a newer record.
func set(dst *string, v string, newer bool) {
	if v != "" && (newer || *dst == "") {
		*dst = v
	}
}

func (b *builder) table(name string) *Table {
	t := &Table{name: name}
	for _, h := range b.byName {
		t.hosts = append(t.hosts, h)
	}
	slices.SortFunc(t.hosts, func(a, b *Host) int { return cmp.Compare(strings.ToLower(a.Name), strings.ToLower(b.Name)) })
	return t
}

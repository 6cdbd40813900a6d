package hosts

import (
	"cmp"
	"encoding/json"
	"strings"

	"github.com/gonotebooklets/notebooklets/providers/ipaddr"
)

// The record kinds of the flow tables (see FromRecords).
const (
	kindNTANetAnalytics     = "NTANetAnalytics"
	kindDeviceInfo          = "DeviceInfo"
	kindDeviceNetworkInfo   = "DeviceNetworkInfo"
	kindDeviceNetworkEvents = "DeviceNetworkEvents"
	kindASIM                = "ASIM network session"
)

// flowKind recognises the records of the flow tables: by the Type column,
// else by their columns. ASIM sessions come first: _Im_NetworkSession
// keeps the Type of the table it normalised.
func flowKind(r Record) string {
	if str(r, "EventSchema") == "NetworkSession" || (has(r, "SrcIpAddr") && has(r, "DstIpAddr")) {
		return kindASIM
	}
	switch t := str(r, "Type"); t {
	case kindNTANetAnalytics, kindDeviceInfo, kindDeviceNetworkInfo, kindDeviceNetworkEvents:
		return t
	}
	switch {
	case (has(r, "SrcVm") || has(r, "DestVm")) && (has(r, "SrcIp") || has(r, "DestIp")):
		return kindNTANetAnalytics
	case has(r, "DeviceName") && has(r, "ActionType") && has(r, "LocalIP"):
		return kindDeviceNetworkEvents
	case has(r, "DeviceName") && has(r, "IPAddresses"):
		return kindDeviceNetworkInfo
	case has(r, "DeviceName") && (has(r, "OSPlatform") || has(r, "PublicIP")):
		return kindDeviceInfo
	}
	return ""
}

// vmPath splits a Traffic Analytics VM reference ("rg/vm" or
// "subscription/rg/vm") into its resource group and VM name.
func vmPath(s string) (rg, vm string) {
	parts := strings.Split(strings.Trim(s, "/"), "/")
	vm = parts[len(parts)-1]
	if len(parts) >= 2 {
		rg = parts[len(parts)-2]
	}
	return rg, vm
}

// ntaNetAnalytics takes both sides of a VNet flow record: each side names
// a VM (SrcVm, DestVm) with its address, region and subscription; the MAC
// address is the captured side's (the source of an outbound flow, the
// destination of an inbound one). A side's packed public addresses count
// only when its private address is empty (they are then the VM's own).
func (b *builder) ntaNetAnalytics(r Record) bool {
	out := strings.EqualFold(str(r, "FlowDirection"), "O") || strings.EqualFold(str(r, "FlowDirection"), "Outbound")
	used := false
	for _, side := range []struct {
		vm, ip, public, region, sub string
		captured                    bool
	}{
		{"SrcVm", "SrcIp", "SrcPublicIps", "SrcRegion", "SrcSubscription", out},
		{"DestVm", "DestIp", "DestPublicIps", "DestRegion", "DestSubscription", !out},
	} {
		rg, name := vmPath(str(r, side.vm))
		if name == "" {
			continue
		}
		used = true
		h := b.host(name)
		newer := b.touch(h, r, kindNTANetAnalytics)
		h.addIP(str(r, side.ip))
		if str(r, side.ip) == "" {
			for _, e := range list(r, side.public) {
				ip, _, _ := strings.Cut(e, "|")
				h.addIP(ip)
			}
		}
		set(&h.ResourceGroup, rg, false)
		set(&h.Region, str(r, side.region), newer)
		set(&h.SubscriptionID, str(r, side.sub), false)
		set(&h.Environment, "Azure", false)
		if side.captured {
			set(&h.MACAddress, str(r, "MacAddress"), newer)
		}
	}
	return used
}

// defenderHost is the host of a Defender for Endpoint record, named by
// DeviceName (the device's FQDN).
func (b *builder) defenderHost(r Record, source string) (*Host, bool, bool) {
	name := str(r, "DeviceName")
	if name == "" {
		return nil, false, false
	}
	h := b.host(name)
	newer := b.touch(h, r, source)
	if strings.Contains(name, ".") {
		set(&h.FQDN, name, newer)
	}
	set(&h.DeviceID, str(r, "DeviceId"), newer)
	return h, newer, true
}

// addDeviceIP adds a device's own address, leaving out the unspecified
// and loopback addresses of listening sockets and local connections.
func (h *Host) addDeviceIP(s string) {
	ip, ok := ipaddr.Canonical(s)
	if !ok || ip == "0.0.0.0" || ip == "::" || ipaddr.TypeOf(ip) == ipaddr.Loopback {
		return
	}
	h.addIP(ip)
}

// deviceNetworkEvents takes the device of a Defender connection event:
// its name, ID and local address.
func (b *builder) deviceNetworkEvents(r Record) bool {
	h, _, ok := b.defenderHost(r, kindDeviceNetworkEvents)
	if ok {
		h.addDeviceIP(str(r, "LocalIP"))
	}
	return ok
}

// deviceInfo takes Defender's device record: operating system and the
// public address the device reaches the service from.
func (b *builder) deviceInfo(r Record) bool {
	h, newer, ok := b.defenderHost(r, kindDeviceInfo)
	if !ok {
		return false
	}
	platform := str(r, "OSPlatform")
	switch l := strings.ToLower(platform); {
	case strings.HasPrefix(l, "windows"):
		set(&h.OSType, "Windows", newer)
	case l == "linux":
		set(&h.OSType, "Linux", newer)
	case l != "":
		set(&h.OSType, platform, newer)
	}
	set(&h.OSName, strings.TrimSpace(cmp.Or(str(r, "OSDistribution"), platform)), newer)
	set(&h.OSVersion, str(r, "OSVersion"), newer)
	h.addDeviceIP(str(r, "PublicIP"))
	return true
}

// deviceNetworkInfo takes a Defender adapter record: its addresses
// (IPAddresses, a JSON array of {"IPAddress": …} objects) and MAC address.
func (b *builder) deviceNetworkInfo(r Record) bool {
	h, newer, ok := b.defenderHost(r, kindDeviceNetworkInfo)
	if !ok {
		return false
	}
	var addrs []struct{ IPAddress string }
	switch v := r["IPAddresses"].(type) {
	case string:
		_ = json.Unmarshal([]byte(v), &addrs)
	case []any:
		bs, _ := json.Marshal(v)
		_ = json.Unmarshal(bs, &addrs)
	}
	for _, a := range addrs {
		h.addDeviceIP(a.IPAddress)
	}
	set(&h.MACAddress, str(r, "MacAddress"), newer)
	return true
}

// asimSession takes the named systems of an ASIM network session: source,
// destination and reporting device, each a host name (Hostname, else the
// first label of FQDN) with its address. A "host name" that is an address
// (some parsers copy DstIpAddr into DstHostname) names no host.
func (b *builder) asimSession(r Record) bool {
	used := false
	for _, side := range [][3]string{{"SrcHostname", "SrcFQDN", "SrcIpAddr"}, {"DstHostname", "DstFQDN", "DstIpAddr"}, {"DvcHostname", "DvcFQDN", "DvcIpAddr"}} {
		fqdn := str(r, side[1])
		name := cmp.Or(str(r, side[0]), shortName(fqdn))
		if name == "" {
			continue
		}
		if _, isAddr := ipaddr.Canonical(name); isAddr {
			continue
		}
		used = true
		h := b.host(name)
		newer := b.touch(h, r, "ASIM")
		if strings.Contains(fqdn, ".") {
			set(&h.FQDN, fqdn, newer)
		}
		h.addDeviceIP(str(r, side[2]))
	}
	return used
}

package samplegen

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"maps"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"time"
)

// Seed makes the sample reproducible; change it only on purpose.
const Seed = 20190212

// Days of the sample: flows start from Start and end before End.
var (
	Start = time.Date(2019, 2, 12, 0, 0, 0, 0, time.UTC)
	End   = time.Date(2019, 2, 17, 0, 0, 0, 0, time.UTC)
)

// File names written into the data directory.
const (
	FlowsFile = "flows.csv"
	HostsFile = "hosts.json"
	TIFile    = "ti-indicators.csv"
	CityFile  = "GeoLite2-City-sample.mmdb"
	ASNFile   = "GeoLite2-ASN-sample.mmdb"
)

// Peer is one remote address of the sample.
type Peer struct {
	IP  string
	Org int // index into Orgs
}

// Peers returns the public peers of the host: Org.Peers addresses per ASN
// (deterministic), the malicious ones included.
func Peers() []Peer {
	rnd := rand.New(rand.NewPCG(Seed, 1))
	var out []Peer
	mal := map[int][]string{} // addresses every run must include
	for i, m := range Malicious {
		mal[m.Org] = append(mal[m.Org], MaliciousIPs()[i])
	}
	mal[1] = append(mal[1], InfoIP())
	for i, o := range Orgs {
		seen := map[string]bool{}
		for _, ip := range mal[i] {
			seen[ip] = true
			out = append(out, Peer{ip, i})
		}
		for n := len(mal[i]); n < o.Peers; {
			ip := addrIn(o.Prefix, uint32(256+rnd.IntN(65536-512))).String()
			if seen[ip] || ip[len(ip)-2:] == ".0" {
				continue
			}
			seen[ip] = true
			out = append(out, Peer{ip, i})
			n++
		}
	}
	return out
}

// Every address in the world that needs geo and ASN data: the peers, the
// host's public address and the informational TI entry.
func publicAddrs() []Peer {
	ps := Peers()
	ps = append(ps, Peer{Host.PublicIP, 0})
	return ps
}

var flowColumns = []string{"TenantId", "TimeGenerated", "FlowStartTime", "FlowEndTime", "FlowIntervalEndTime",
	"FlowType", "ResourceGroup", "VMName", "VMIPAddress", "PublicIPs", "SrcIP", "DestIP", "L4Protocol",
	"L7Protocol", "DestPort", "FlowDirection", "AllowedOutFlows", "AllowedInFlows", "DeniedInFlows",
	"DeniedOutFlows", "RemoteRegion", "VMRegion", "AllExtIPs"}

type row struct {
	start, end time.Time
	flowType   string
	ext        string
	private    bool
	p          Proto
	dir        string
	allowed    int
	denied     int
	region     string
}

// FlowsCSV returns the sample flows in the projected schema of msticpy's
// Azure network flow query, sorted by FlowStartTime.
func FlowsCSV() []byte {
	rnd := rand.New(rand.NewPCG(Seed, 2))
	peers := Peers()
	byOrg := map[int][]string{}
	for _, p := range peers {
		byOrg[p.Org] = append(byOrg[p.Org], p.IP)
	}
	malIPs := map[string]bool{}
	for _, ip := range MaliciousIPs() {
		malIPs[ip] = true
	}
	span := int(End.Sub(Start) / time.Second)
	when := func() (time.Time, time.Time) {
		// Office-hours bias: half the flows between 08:00 and 20:00.
		s := Start.Add(time.Duration(rnd.IntN(span-7200)) * time.Second)
		if rnd.IntN(2) == 0 {
			day := Start.AddDate(0, 0, rnd.IntN(5))
			s = day.Add(8*time.Hour + time.Duration(rnd.IntN(12*3600))*time.Second)
		}
		return s, s.Add(time.Duration(60+rnd.IntN(3540)) * time.Second)
	}
	outProtos := []string{"https", "https", "https", "https", "http", "http", "dns", "ntp", "smtp", "imaps", "unknown"}
	inProtos := []string{"rdp", "rdp", "ssh", "https", "http", "unknown"}
	var rows []row
	pickOrg := func(weight func(Org) int) int {
		total := 0
		for _, o := range Orgs {
			total += weight(o)
		}
		n := rnd.IntN(total)
		for i, o := range Orgs {
			if n < weight(o) {
				return i
			}
			n -= weight(o)
		}
		return 0
	}
	publicRow := func(org int, ip string, dir string, l7 string) row {
		o := Orgs[org]
		s, e := when()
		ft := "ExternalPublic"
		region := ""
		if o.AzureLike {
			ft, region = "AzurePublic", []string{"eastus", "westeurope", "westus2"}[rnd.IntN(3)]
		}
		if malIPs[ip] {
			ft = "MaliciousFlow"
		}
		n := 1 + rnd.IntN(30)
		if o.Rare {
			n = 1 + rnd.IntN(2)
		}
		r := row{start: s, end: e, flowType: ft, ext: ip, p: Protocols[l7], dir: dir, allowed: n, region: region}
		if dir == "I" && rnd.IntN(5) == 0 {
			r.denied = 1 + rnd.IntN(5)
		}
		return r
	}
	// Outbound to public peers.
	for range 1700 {
		org := pickOrg(func(o Org) int {
			if o.Rare {
				return 0
			}
			return o.Weight
		})
		ips := byOrg[org]
		ip := ips[rnd.IntN(len(ips))]
		if malIPs[ip] {
			continue
		}
		rows = append(rows, publicRow(org, ip, "O", outProtos[rnd.IntN(len(outProtos))]))
	}
	// Inbound from public peers.
	for range 450 {
		org := pickOrg(func(o Org) int {
			if o.Rare {
				return 0
			}
			return o.Inbound
		})
		ips := byOrg[org]
		ip := ips[rnd.IntN(len(ips))]
		if malIPs[ip] {
			continue
		}
		rows = append(rows, publicRow(org, ip, "I", inProtos[rnd.IntN(len(inProtos))]))
	}
	// Rare ASNs: a handful of flows each, the malicious addresses included.
	for i, o := range Orgs {
		if !o.Rare {
			continue
		}
		for _, ip := range byOrg[i] {
			if malIPs[ip] {
				continue
			}
			for range 1 + rnd.IntN(2) {
				rows = append(rows, publicRow(i, ip, "O", "https"))
			}
		}
	}
	for i, m := range Malicious {
		ip := MaliciousIPs()[i]
		dir := "O"
		if m.Inbound {
			dir = "I"
		}
		for range 2 + rnd.IntN(3) {
			rows = append(rows, publicRow(m.Org, ip, dir, m.L7))
		}
	}
	// Private peers on the virtual network, both ways.
	for range 900 {
		pp := PrivatePeers[rnd.IntN(len(PrivatePeers))]
		s, e := when()
		dir := "O"
		if rnd.IntN(4) == 0 {
			dir = "I"
		}
		rows = append(rows, row{start: s, end: e, flowType: "IntraVNet", ext: pp.IP, private: true,
			p: Protocols[pp.Proto[rnd.IntN(len(pp.Proto))]], dir: dir, allowed: 1 + rnd.IntN(60)})
	}
	slices.SortStableFunc(rows, func(a, b row) int { return a.start.Compare(b.start) })

	var buf bytes.Buffer
	w := csv.NewWriter(&buf)
	_ = w.Write(flowColumns)
	for _, r := range rows {
		pub, src, dst := "[]", "", ""
		if r.private {
			if r.dir == "I" {
				src = r.ext
			} else {
				dst = r.ext
			}
		} else {
			b, _ := json.Marshal([]string{r.ext})
			pub = string(b)
		}
		out, in := r.allowed, 0
		deniedIn, deniedOut := 0, 0
		if r.dir == "I" {
			out, in, deniedIn = 0, r.allowed, r.denied
		} else {
			deniedOut = r.denied
		}
		_ = w.Write([]string{Host.TenantID,
			r.end.Add(17 * time.Minute).Format("2006-01-02T15:04:05.000Z"),
			r.start.Format(time.RFC3339), r.end.Format(time.RFC3339),
			r.end.Truncate(time.Hour).Add(time.Hour).Format(time.RFC3339),
			r.flowType, Host.ResourceGroup, Host.Name, Host.PrivateIP, pub, src, dst,
			r.p.L4, r.p.L7, strconv.Itoa(r.p.Port), r.dir,
			strconv.Itoa(out), strconv.Itoa(in), strconv.Itoa(deniedIn), strconv.Itoa(deniedOut),
			r.region, Host.Region, r.ext})
	}
	w.Flush()
	return buf.Bytes()
}

// HostsJSON returns the host records: a Heartbeat row, a VMComputer row and
// an AzureNetworkAnalytics_CL NetworkInterface row, as Log Analytics
// returns them (a JSON array of objects with a "Type" column).
func HostsJSON() []byte {
	last := End.Add(-7 * time.Minute).Format("2006-01-02T15:04:05.000Z")
	recs := []map[string]any{
		{
			"Type": "Heartbeat", "TimeGenerated": last, "Computer": Host.Name, "ComputerIP": Host.PublicIP,
			"ComputerPrivateIPs": []string{Host.PrivateIP}, "OSType": Host.OSType, "OSName": Host.OSName,
			"OSMajorVersion": "10", "OSMinorVersion": "0", "Version": "10.20.18053.0",
			"ResourceId": Host.ResourceID(), "ResourceGroup": Host.ResourceGroup, "SubscriptionId": Host.SubscriptionID,
			"ResourceProvider": "Microsoft.Compute", "ResourceType": "virtualMachines", "Resource": Host.Name,
			"ComputerEnvironment": "Azure", "Solutions": "security, changeTracking, updates",
			"VMUUID": Host.VMID, "RemoteIPCountry": Orgs[0].Place.Country,
			"RemoteIPLatitude": Orgs[0].Place.Lat, "RemoteIPLongitude": Orgs[0].Place.Lon, "TenantId": Host.TenantID,
		},
		{
			"Type": "VMComputer", "TimeGenerated": last, "Computer": Host.FQDN, "HostName": Host.Name,
			"Ipv4Addresses": []string{Host.PrivateIP}, "Ipv6Addresses": []string{},
			"OperatingSystemFamily": "windows", "OperatingSystemFullName": Host.OSName + " " + Host.OSVersion,
			"AzureResourceGroup": Host.ResourceGroup, "AzureSubscriptionId": Host.SubscriptionID,
			"AzureLocation": Host.Region, "AzureVmId": Host.VMID, "AzureSize": "Standard_D2s_v3",
			"AzureResourceName": Host.Name, "AzureCloudServiceName": "", "Cpus": 2, "PhysicalMemoryMB": 8192,
			"TenantId": Host.TenantID,
		},
		{
			"Type": "AzureNetworkAnalytics_CL", "TimeGenerated": last, "SubType_s": "Topology",
			"ResourceType": "NetworkInterface", "Name_s": Host.Name + "-nic",
			"VirtualMachine_s":     Host.ResourceGroup + "/" + Host.Name,
			"PrivateIPAddresses_s": Host.PrivateIP, "PublicIPAddresses_s": Host.PublicIP,
			"MACAddress_s": "00-0D-3A-1B-2C-3D", "Subnet1_s": Host.SubscriptionID + "/" + Host.ResourceGroup + "/asihuntvnet/default",
			"Region_s": Host.Region, "Subscription1_g": Host.SubscriptionID, "TenantId": Host.TenantID,
		},
	}
	b, err := json.MarshalIndent(recs, "", "  ")
	if err != nil {
		panic(err) // static data
	}
	return append(b, '\n')
}

// TICSV returns the sample indicator file (ioc,ioc_type,severity,details,
// reference,provider).
func TICSV() []byte {
	var buf bytes.Buffer
	w := csv.NewWriter(&buf)
	_ = w.Write([]string{"ioc", "ioc_type", "severity", "details", "reference", "provider"})
	for _, in := range Indicators() {
		_ = w.Write([]string{in.IOC, in.Type, in.Severity, in.Details, in.Reference, in.Provider})
	}
	w.Flush()
	return buf.Bytes()
}

// Generate writes every sample file into dir.
func Generate(dir string) error {
	city, asn, err := MMDBs()
	if err != nil {
		return err
	}
	files := map[string][]byte{
		FlowsFile: FlowsCSV(),
		HostsFile: HostsJSON(),
		TIFile:    TICSV(),
		CityFile:  city,
		ASNFile:   asn,
	}
	for _, name := range slices.Sorted(maps.Keys(files)) {
		if err := os.WriteFile(filepath.Join(dir, name), files[name], 0o644); err != nil {
			return fmt.Errorf("samplegen: %w", err)
		}
	}
	return nil
}

package hosts

import (
	"bufio"
	"bytes"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/gonotebooklets/notebooklets/providers/provenance"

	"github.com/gonotebooklets/notebooklets/internal/sample"
)

// Record is one row of Heartbeat, VMComputer or AzureNetworkAnalytics_CL
// as Log Analytics returns it: column name → value (string, number, array or
// JSON text of an array).
type Record map[string]any

// FromRecords builds a Table from records of Heartbeat, VMComputer and the
// NetworkInterface rows of AzureNetworkAnalytics_CL, and from the flow
// tables' records: NTANetAnalytics (both VM sides), DeviceInfo,
// DeviceNetworkInfo, DeviceNetworkEvents (the device) and ASIM network
// sessions (their named systems). The kind is taken from the "Type" column
// when present, else from the columns. Records of other kinds are ignored;
// if none is usable the error says so.
func FromRecords(name string, recs []Record) (*Table, error) {
	b := &builder{byName: map[string]*Host{}, newest: map[string]time.Time{}}
	used := 0
	for _, r := range recs {
		r = normalize(r)
		var ok bool
		switch k := kind(r); k {
		case "Heartbeat":
			ok = b.heartbeat(r)
		case "VMComputer":
			ok = b.vmComputer(r)
		case "NetworkInterface":
			ok = b.nic(r)
		case kindNTANetAnalytics:
			ok = b.ntaNetAnalytics(r)
		case kindDeviceInfo:
			ok = b.deviceInfo(r)
		case kindDeviceNetworkInfo:
			ok = b.deviceNetworkInfo(r)
		case kindDeviceNetworkEvents:
			ok = b.deviceNetworkEvents(r)
		case kindASIM:
			ok = b.asimSession(r)
		}
		if ok {
			used++
		}
	}
	if used == 0 {
		return nil, fmt.Errorf("hosts: %s: no host records (Heartbeat, VMComputer, NetworkInterface, NTANetAnalytics, DeviceInfo, DeviceNetworkInfo, DeviceNetworkEvents or ASIM network sessions; %d records read)", name, len(recs))
	}
	return b.table(name), nil
}

// normalize strips portal suffixes such as " [UTC]" from column names.
func normalize(r Record) Record {
	out := make(Record, len(r))
	for k, v := range r {
		k = strings.TrimSpace(strings.TrimPrefix(k, "\ufeff"))
		if i := strings.LastIndexByte(k, '['); i > 0 && strings.HasSuffix(k, "]") {
			k = strings.TrimSpace(k[:i])
		}
		out[k] = v
	}
	return out
}

func kind(r Record) string {
	if k := flowKind(r); k != "" {
		return k
	}
	switch str(r, "Type") {
	case "Heartbeat":
		return "Heartbeat"
	case "VMComputer":
		return "VMComputer"
	case "AzureNetworkAnalytics_CL":
		if str(r, "ResourceType") == "NetworkInterface" {
			return "NetworkInterface"
		}
		return ""
	}
	switch {
	case has(r, "VirtualMachine_s") && (has(r, "PrivateIPAddresses_s") || has(r, "PrivateIPAddresses")):
		return "NetworkInterface"
	case has(r, "AzureVmId") || has(r, "Ipv4Addresses") || has(r, "OperatingSystemFullName"):
		return "VMComputer"
	case has(r, "Computer") && (has(r, "ComputerIP") || has(r, "OSType")):
		return "Heartbeat"
	}
	return ""
}

func has(r Record, k string) bool { _, ok := r[k]; return ok }

// str returns a column as text ("" when absent or null).
func str(r Record, k string) string {
	switch v := r[k].(type) {
	case nil:
		return ""
	case string:
		return strings.TrimSpace(v)
	case float64:
		return strconv.FormatFloat(v, 'f', -1, 64)
	case json.Number:
		return v.String()
	case bool:
		return strconv.FormatBool(v)
	}
	return fmt.Sprint(r[k])
}

// list returns a column holding several values: a JSON array, the JSON text
// of one, or text separated by spaces, commas or semicolons.
func list(r Record, k string) []string {
	switch v := r[k].(type) {
	case []any:
		var out []string
		for _, e := range v {
			if s, ok := e.(string); ok && strings.TrimSpace(s) != "" {
				out = append(out, strings.TrimSpace(s))
			}
		}
		return out
	case []string:
		return v
	}
	s := str(r, k)
	if strings.HasPrefix(s, "[") {
		var arr []string
		if json.Unmarshal([]byte(s), &arr) == nil {
			return arr
		}
	}
	return strings.FieldsFunc(s, func(c rune) bool { return c == ' ' || c == ',' || c == ';' })
}

func recTime(r Record) time.Time {
	s := str(r, "TimeGenerated")
	for _, l := range []string{time.RFC3339Nano, "1/2/2006, 3:04:05.000 PM", "2006-01-02 15:04:05"} {
		if t, err := time.Parse(l, s); err == nil {
			return t.UTC()
		}
	}
	return time.Time{}
}

// touch records the record's time and reports whether it is the newest so
// far for the host (its scalar fields then win).
func (b *builder) touch(h *Host, r Record, source string) bool {
	h.addSource(source)
	t := recTime(r)
	key := strings.ToLower(h.Name)
	newer := t.After(b.newest[key]) || (t.IsZero() && b.newest[key].IsZero())
	if newer {
		b.newest[key] = t
	}
	if t.After(h.LastSeen) {
		h.LastSeen = t
	}
	return newer
}

func (b *builder) heartbeat(r Record) bool {
	name := str(r, "Computer")
	if name == "" {
		return false
	}
	h := b.host(name)
	newer := b.touch(h, r, "Heartbeat")
	if strings.Contains(name, ".") {
		set(&h.FQDN, name, newer)
	}
	for _, ip := range list(r, "ComputerPrivateIPs") {
		h.addIP(ip)
	}
	h.addIP(str(r, "ComputerIP"))
	set(&h.OSType, str(r, "OSType"), newer)
	set(&h.OSName, str(r, "OSName"), newer)
	if maj := str(r, "OSMajorVersion"); maj != "" {
		set(&h.OSVersion, maj+"."+str(r, "OSMinorVersion"), newer)
	}
	set(&h.Environment, str(r, "ComputerEnvironment"), newer)
	set(&h.ResourceID, str(r, "ResourceId"), newer)
	set(&h.SubscriptionID, str(r, "SubscriptionId"), newer)
	set(&h.ResourceGroup, str(r, "ResourceGroup"), newer)
	set(&h.VMID, str(r, "VMUUID"), newer)
	return true
}

func (b *builder) vmComputer(r Record) bool {
	name := str(r, "HostName")
	fqdn := str(r, "Computer")
	if name == "" {
		name = fqdn
	}
	if name == "" {
		return false
	}
	h := b.host(name)
	newer := b.touch(h, r, "VMComputer")
	if strings.Contains(fqdn, ".") {
		set(&h.FQDN, fqdn, newer)
	}
	for _, k := range []string{"Ipv4Addresses", "Ipv6Addresses"} {
		for _, ip := range list(r, k) {
			h.addIP(ip)
		}
	}
	if fam := str(r, "OperatingSystemFamily"); fam != "" {
		set(&h.OSType, strings.ToUpper(fam[:1])+fam[1:], newer)
	}
	set(&h.OSName, str(r, "OperatingSystemFullName"), newer)
	set(&h.ResourceGroup, str(r, "AzureResourceGroup"), newer)
	set(&h.SubscriptionID, str(r, "AzureSubscriptionId"), newer)
	set(&h.Region, str(r, "AzureLocation"), newer)
	set(&h.VMID, str(r, "AzureVmId"), newer)
	set(&h.VMSize, str(r, "AzureSize"), newer)
	if str(r, "AzureVmId") != "" {
		set(&h.Environment, "Azure", false)
	}
	return true
}

func (b *builder) nic(r Record) bool {
	vm := str(r, "VirtualMachine_s")
	if vm == "" {
		vm = str(r, "VirtualMachine")
	}
	rg, name, ok := strings.Cut(vm, "/")
	if !ok {
		name, rg = vm, ""
	}
	if i := strings.LastIndexByte(name, '/'); i >= 0 {
		name = name[i+1:]
	}
	if name == "" {
		return false
	}
	h := b.host(name)
	newer := b.touch(h, r, "NetworkInterface")
	for _, k := range []string{"PrivateIPAddresses_s", "PrivateIPAddresses", "PublicIPAddresses_s", "PublicIPAddresses"} {
		for _, ip := range list(r, k) {
			h.addIP(ip)
		}
	}
	set(&h.ResourceGroup, rg, false)
	set(&h.Region, str(r, "Region_s"), newer)
	set(&h.SubscriptionID, str(r, "Subscription1_g"), false)
	set(&h.MACAddress, str(r, "MACAddress_s"), newer)
	return true
}

// Parse reads host records from data: a JSON array of objects, NDJSON, or
// CSV with a header row (a Log Analytics portal export). name is used in
// messages.
func Parse(name string, data []byte) (*Table, error) {
	recs, err := parseRecords(name, data)
	if err != nil {
		return nil, err
	}
	return FromRecords(name, recs)
}

// OpenFile reads host records from a local file (see Parse).
func OpenFile(path string) (*Table, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("hosts: %w", err)
	}
	return Parse(path, data)
}

// Sample returns the host records of the embedded sample dataset
// (msticalertswin1).
func Sample() *Table {
	t, err := Parse(sample.HostsName, sample.Hosts)
	if err != nil {
		panic("hosts: embedded sample: " + err.Error()) // tested; cannot happen
	}
	return t
}

func parseRecords(name string, data []byte) ([]Record, error) {
	trimmed := bytes.TrimSpace(bytes.TrimPrefix(data, []byte("\ufeff")))
	if len(trimmed) == 0 {
		return nil, fmt.Errorf("hosts: %s: empty file", name)
	}
	switch trimmed[0] {
	case '[':
		var recs []Record
		if err := json.Unmarshal(trimmed, &recs); err != nil {
			return nil, fmt.Errorf("hosts: %s: %w", name, err)
		}
		return recs, nil
	case '{':
		var recs []Record
		sc := bufio.NewScanner(bytes.NewReader(trimmed))
		sc.Buffer(nil, 16<<20)
		line := 0
		for sc.Scan() {
			line++
			l := bytes.TrimSpace(sc.Bytes())
			if len(l) == 0 {
				continue
			}
			var r Record
			if err := json.Unmarshal(l, &r); err != nil {
				return nil, fmt.Errorf("hosts: %s:%d: %w", name, line, err)
			}
			recs = append(recs, r)
		}
		if err := sc.Err(); err != nil {
			return nil, fmt.Errorf("hosts: %s: %w", name, err)
		}
		return recs, nil
	}
	cr := csv.NewReader(bytes.NewReader(trimmed))
	cr.FieldsPerRecord = -1
	header, err := cr.Read()
	if err != nil {
		return nil, fmt.Errorf("hosts: %s: header: %w", name, err)
	}
	var recs []Record
	for {
		row, err := cr.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("hosts: %s: %w", name, err)
		}
		r := Record{}
		for i, v := range row {
			if i < len(header) {
				r[header[i]] = v
			}
		}
		recs = append(recs, r)
	}
	return recs, nil
}

// Provenance implements provenance.Describer: the file, or the embedded
// sample.
func (t *Table) Provenance() provenance.Info {
	return provenance.Info{Kind: "files", Name: "host records", Location: t.name, Sample: t.name == sample.HostsName}
}

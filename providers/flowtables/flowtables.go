// Package flowtables is the one entry point to the four tables network flows
// come from in Microsoft Sentinel, all mapped onto one flow schema
// (flows.Flow):
//
//   - AzureNetworkAnalytics_CL: NSG flow logs through Traffic Analytics
//     (providers/flows; retiring: no new NSG flow logs can be created);
//   - NTANetAnalytics: VNet flow logs through Traffic Analytics, their
//     successor (package vnetflow);
//   - ASIM: the _Im_NetworkSession parser, the normalised view over
//     firewalls, Zeek, VNet flows, Defender and many more (package
//     asimsession);
//   - DeviceNetworkEvents: Microsoft Defender for Endpoint's connection
//     events (package devicenetwork).
//
// Open reads local exports of any of them, recognising each file's table
// from its header. LogAnalytics queries a workspace for one table or, with
// Auto, for the table that has the host's flows in the time range (see
// AutoSource for how it chooses); every Log Analytics source groups the flow index
// and the time buckets in KQL (flows.Aggregator).
package flowtables

import (
	"errors"
	"fmt"
	"strings"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"

	"github.com/gonotebooklets/notebooklets/providers/flows"
	"github.com/gonotebooklets/notebooklets/providers/flowtables/asimsession"
	"github.com/gonotebooklets/notebooklets/providers/flowtables/devicenetwork"
	"github.com/gonotebooklets/notebooklets/providers/flowtables/internal/tablerows"
	"github.com/gonotebooklets/notebooklets/providers/flowtables/vnetflow"
	"github.com/gonotebooklets/notebooklets/providers/provenance"
)

// Table names a flow table, as the flow_table setting and the --flow-table
// flag write it.
type Table string

// The flow tables, and Auto.
const (
	Auto                  Table = "auto"
	AzureNetworkAnalytics Table = flows.DefaultTable  // "AzureNetworkAnalytics_CL"
	NTANetAnalytics       Table = vnetflow.Table      // "NTANetAnalytics"
	ASIM                  Table = asimsession.Table   // "ASIM"
	DeviceNetworkEvents   Table = devicenetwork.Table // "DeviceNetworkEvents"
)

// Tables are the four tables, in the order Auto prefers them.
var Tables = []Table{NTANetAnalytics, AzureNetworkAnalytics, DeviceNetworkEvents, ASIM}

// ParseTable reads a flow-table setting: "auto" (or empty), or one of the
// four table names, in any case; "_Im_NetworkSession" is read as ASIM.
func ParseTable(s string) (Table, error) {
	s = strings.TrimSpace(s)
	if s == "" || strings.EqualFold(s, string(Auto)) {
		return Auto, nil
	}
	if strings.EqualFold(s, asimsession.Parser) {
		return ASIM, nil
	}
	for _, t := range Tables {
		if strings.EqualFold(s, string(t)) {
			return t, nil
		}
	}
	return "", fmt.Errorf("flowtables: unknown flow table %q (want auto, %s, %s, %s or %s)", s,
		AzureNetworkAnalytics, NTANetAnalytics, ASIM, DeviceNetworkEvents)
}

// nsgDistinctive are AzureNetworkAnalytics_CL columns, raw or as msticpy
// projects them, that the other tables do not have.
var nsgDistinctive = []string{
	"FlowStartTime_t", "FlowEndTime_t", "FlowType_s", "VM_s", "VMIP_s", "PublicIPs_s", "SrcIP_s", "DestIP_s",
	"FlowDirection_s", "AllowedOutFlows_d", "AllowedInFlows_d", "SubType_s", "L7Protocol_s",
	"VMName", "VMIPAddress", "PublicIPs", "AllExtIPs", "VMRegion", "RemoteRegion",
}

// DetectHeader names the table a local export's columns come from: the
// table with the most columns only it has; AzureNetworkAnalytics_CL when no
// other table's columns are there (its reader then says what is missing).
func DetectHeader(header []string) Table {
	best, score := AzureNetworkAnalytics, tablerows.Score(header, nsgDistinctive...)
	for _, c := range []struct {
		t Table
		n int
	}{{NTANetAnalytics, vnetflow.Score(header)}, {DeviceNetworkEvents, devicenetwork.Score(header)}, {ASIM, asimsession.Score(header)}} {
		if c.n > score {
			best, score = c.t, c.n
		}
	}
	return best
}

// Detect names the table of a local export (CSV, JSON array or NDJSON) from
// its header (see DetectHeader).
func Detect(path string) (Table, error) {
	_, hdr, err := tablerows.Sniff(path)
	if err != nil {
		return "", fmt.Errorf("flowtables: %w", err)
	}
	return DetectHeader(hdr), nil
}

// OpenFile returns a source over one local export of table t (Auto: the
// table Detect names). AzureNetworkAnalytics_CL files are read by
// flows.OpenFile.
func OpenFile(path string, t Table) (flows.Source, error) {
	if t == Auto || t == "" {
		var err error
		if t, err = Detect(path); err != nil {
			return nil, err
		}
	}
	var (
		src flows.Source
		err error
	)
	switch t {
	case AzureNetworkAnalytics:
		return flows.OpenFile(path)
	case NTANetAnalytics:
		src, err = vnetflow.OpenFile(path)
	case ASIM:
		src, err = asimsession.OpenFile(path)
	case DeviceNetworkEvents:
		src, err = devicenetwork.OpenFile(path)
	default:
		return nil, fmt.Errorf("flowtables: unknown flow table %q", t)
	}
	if err != nil {
		return nil, fmt.Errorf("flowtables: %s export: %w", t, err)
	}
	return src, nil
}

// Open returns a source over local exports of any of the four tables, each
// file's table recognised from its header (Detect), streamed in the order
// given (their Stats merged, see flows.Concat).
func Open(paths ...string) (flows.Source, error) {
	if len(paths) == 0 {
		return nil, errors.New("flowtables: no files given")
	}
	srcs := make([]flows.Source, 0, len(paths))
	for _, p := range paths {
		s, err := OpenFile(p, Auto)
		if err != nil {
			return nil, err
		}
		srcs = append(srcs, s)
	}
	if len(srcs) == 1 {
		return srcs[0], nil
	}
	return flows.Concat(srcs...), nil
}

// Source is what LogAnalytics returns: flows streamed or grouped in the
// workspace, and a description for the run's provenance.
type Source interface {
	flows.Source
	flows.Aggregator
	provenance.Describer
}

// counter is a Log Analytics source that can count a query's flows.
type counter interface {
	Source
	CountKQL(q flows.Query) (string, error)
}

// newSource returns the Log Analytics source of one table.
func newSource(workspaceID string, cred azcore.TokenCredential, t Table, opts *flows.LogAnalyticsOptions) (counter, error) {
	switch t {
	case AzureNetworkAnalytics:
		o := flows.LogAnalyticsOptions{}
		if opts != nil {
			o = *opts
		}
		o.Table = flows.DefaultTable
		return flows.LogAnalytics(workspaceID, cred, &o)
	case NTANetAnalytics:
		return vnetflow.LogAnalytics(workspaceID, cred, opts)
	case ASIM:
		return asimsession.LogAnalytics(workspaceID, cred, opts)
	case DeviceNetworkEvents:
		return devicenetwork.LogAnalytics(workspaceID, cred, opts)
	}
	return nil, fmt.Errorf("flowtables: unknown flow table %q", t)
}

// LogAnalytics returns a source over a workspace's table t, or with Auto one
// that asks the workspace which table has the host's flows (an
// *AutoSource).
// cred nil means azidentity's DefaultAzureCredential; opts.Table is not
// used.
func LogAnalytics(workspaceID string, cred azcore.TokenCredential, t Table, opts *flows.LogAnalyticsOptions) (Source, error) {
	if t == Auto || t == "" {
		return newAuto(workspaceID, cred, opts)
	}
	return newSource(workspaceID, cred, t, opts)
}

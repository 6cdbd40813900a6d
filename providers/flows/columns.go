package flows

import (
	"errors"
	"fmt"
	"strings"
)

// field identifies one input column the readers understand.
type field int

const (
	fTimeGenerated field = iota
	fFlowStartTime
	fFlowEndTime
	fFlowType
	fVMName
	fVM // raw VM_s, "resourcegroup/vmname"
	fVMIPAddress
	fPublicIPs
	fSrcIP
	fDestIP
	fL4Protocol
	fL7Protocol
	fDestPort
	fFlowDirection
	fAllowedOutFlows
	fAllowedInFlows
	fDeniedInFlows
	fDeniedOutFlows
	fRemoteRegion
	fVMRegion
	fAllExtIPs
	nFields
)

// fieldNames are the projected (msticpy) column names, used in messages.
var fieldNames = [nFields]string{
	"TimeGenerated", "FlowStartTime", "FlowEndTime", "FlowType", "VMName", "VM_s",
	"VMIPAddress", "PublicIPs", "SrcIP", "DestIP", "L4Protocol", "L7Protocol", "DestPort",
	"FlowDirection", "AllowedOutFlows", "AllowedInFlows", "DeniedInFlows", "DeniedOutFlows",
	"RemoteRegion", "VMRegion", "AllExtIPs",
}

// columnAliases maps lower-cased column names to fields: the projected names
// of msticpy's Azure network flow query and the raw AzureNetworkAnalytics_CL
// names it projects from (AzureRegion_s → RemoteRegion, Region_s → VMRegion).
var columnAliases = map[string]field{
	"timegenerated":     fTimeGenerated,
	"flowstarttime":     fFlowStartTime,
	"flowstarttime_t":   fFlowStartTime,
	"flowendtime":       fFlowEndTime,
	"flowendtime_t":     fFlowEndTime,
	"flowtype":          fFlowType,
	"flowtype_s":        fFlowType,
	"vmname":            fVMName,
	"vm_s":              fVM,
	"vmipaddress":       fVMIPAddress,
	"vmip_s":            fVMIPAddress,
	"publicips":         fPublicIPs,
	"publicips_s":       fPublicIPs,
	"srcip":             fSrcIP,
	"srcip_s":           fSrcIP,
	"destip":            fDestIP,
	"destip_s":          fDestIP,
	"l4protocol":        fL4Protocol,
	"l4protocol_s":      fL4Protocol,
	"l7protocol":        fL7Protocol,
	"l7protocol_s":      fL7Protocol,
	"destport":          fDestPort,
	"destport_d":        fDestPort,
	"flowdirection":     fFlowDirection,
	"flowdirection_s":   fFlowDirection,
	"allowedoutflows":   fAllowedOutFlows,
	"allowedoutflows_d": fAllowedOutFlows,
	"allowedinflows":    fAllowedInFlows,
	"allowedinflows_d":  fAllowedInFlows,
	"deniedinflows":     fDeniedInFlows,
	"deniedinflows_d":   fDeniedInFlows,
	"deniedoutflows":    fDeniedOutFlows,
	"deniedoutflows_d":  fDeniedOutFlows,
	"remoteregion":      fRemoteRegion,
	"azureregion_s":     fRemoteRegion,
	"vmregion":          fVMRegion,
	"region_s":          fVMRegion,
	"allextips":         fAllExtIPs,
}

// normalizeColumn strips a UTF-8 byte order mark, surrounding spaces and a
// Log Analytics portal unit suffix such as " [UTC]", and lower-cases the name.
func normalizeColumn(name string) string {
	name = strings.TrimPrefix(name, "\ufeff")
	name = strings.TrimSpace(name)
	if i := strings.LastIndexByte(name, '['); i > 0 && strings.HasSuffix(name, "]") {
		name = strings.TrimSpace(name[:i])
	}
	return strings.ToLower(name)
}

// ErrMissingColumn is matched (errors.Is) by a *MissingColumnError.
var ErrMissingColumn = errors.New("missing required column")

// MissingColumnError says that a file lacks a column the reader needs.
type MissingColumnError struct {
	File   string
	Column string // the projected name, with alternatives ("VMIPAddress|SrcIP|…")
}

func (e *MissingColumnError) Error() string {
	return fmt.Sprintf("%s: missing required column %s (accepted: projected names such as FlowStartTime, raw AzureNetworkAnalytics_CL names such as FlowStartTime_t, or portal export names such as \"FlowStartTime [UTC]\")", e.File, e.Column)
}

// Is reports whether target is ErrMissingColumn.
func (e *MissingColumnError) Is(target error) bool { return target == ErrMissingColumn }

// schema maps fields to column positions (-1: absent).
type schema struct {
	cols  [nFields]int
	ncols int
	names []string // the file's own column names
}

// newSchema builds a schema from a header row and checks the required columns.
func newSchema(file string, header []string) (*schema, error) {
	s := &schema{ncols: len(header), names: header}
	for i := range s.cols {
		s.cols[i] = -1
	}
	for i, h := range header {
		if f, ok := columnAliases[normalizeColumn(h)]; ok && s.cols[f] < 0 {
			s.cols[f] = i
		}
	}
	if err := s.check(file); err != nil {
		return nil, err
	}
	return s, nil
}

func (s *schema) has(f field) bool { return s.cols[f] >= 0 }

// check reports the first missing required column.
func (s *schema) check(file string) error {
	for _, f := range []field{fFlowStartTime, fFlowEndTime, fFlowDirection, fAllowedOutFlows, fAllowedInFlows} {
		if !s.has(f) {
			return &MissingColumnError{File: file, Column: fieldNames[f]}
		}
	}
	if !s.has(fVMIPAddress) && !s.has(fAllExtIPs) && !s.has(fSrcIP) && !s.has(fDestIP) {
		return &MissingColumnError{File: file, Column: "VMIPAddress|AllExtIPs|SrcIP|DestIP"}
	}
	return nil
}

// checkQuery reports a query the file's columns cannot answer.
func (s *schema) checkQuery(file string, q Query) error {
	if q.Host != "" && !s.has(fVMName) && !s.has(fVM) {
		return &MissingColumnError{File: file, Column: "VMName (or VM_s) to select by host name"}
	}
	return nil
}

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
	fBytesSrcToDest
	fBytesDestToSrc
	nFields
)

// fieldNames are the projected (msticpy) column names, used in messages.
var fieldNames = [nFields]string{
	"TimeGenerated", "FlowStartTime", "FlowEndTime", "FlowType", "VMName", "VM_s",
	"VMIPAddress", "PublicIPs", "SrcIP", "DestIP", "L4Protocol", "L7Protocol", "DestPort",
	"FlowDirection", "AllowedOutFlows", "AllowedInFlows", "DeniedInFlows", "DeniedOutFlows",
	"RemoteRegion", "VMRegion", "AllExtIPs", "BytesSrcToDest", "BytesDestToSrc",
}

// columnAliases maps lower-cased column names to fields: the projected names
// of msticpy's Azure network flow query and the raw AzureNetworkAnalytics_CL
// names it projects from (AzureRegion_s → RemoteRegion, Region_s → VMRegion),
// and the bytes columns of NTANetAnalytics (VNet flow logs).
//
// When a file has two columns for one field (AllowedOutFlows and
// AllowedOutFlows_d, or the same name twice), the first one wins: the
// leftmost CSV header column, the first key of a JSON object. The others
// are ignored and reported in Stats.Warnings.
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
	"bytessrctodest":    fBytesSrcToDest,
	"bytesdesttosrc":    fBytesDestToSrc,
}

// isTimeField reports the fields holding times; a portal unit suffix on
// their header says the zone of the times (see columnZone).
func isTimeField(f field) bool {
	return f == fTimeGenerated || f == fFlowStartTime || f == fFlowEndTime
}

// normalizeColumn strips a UTF-8 byte order mark, surrounding spaces and a
// Log Analytics portal unit suffix such as " [UTC]", and lower-cases the name.
func normalizeColumn(name string) string {
	base, _ := splitColumn(name)
	return strings.ToLower(base)
}

// splitColumn splits a header into its name and its portal unit suffix
// ("FlowStartTime [UTC+05:30]" → "FlowStartTime", "UTC+05:30").
func splitColumn(name string) (base, unit string) {
	name = strings.TrimPrefix(name, "\ufeff")
	name = strings.TrimSpace(name)
	if i := strings.LastIndexByte(name, '['); i > 0 && strings.HasSuffix(name, "]") {
		return strings.TrimSpace(name[:i]), strings.TrimSpace(name[i+1 : len(name)-1])
	}
	return name, ""
}

// ErrLocalTime is matched (errors.Is) by the error for a time column whose
// header says its times are in an unstated local zone ("[Local Time]").
var ErrLocalTime = errors.New("times in an unstated local time zone")

// columnZone reads the zone a portal export states in a time column's
// header: none or "[UTC]" is UTC, "[UTC+05:30]" or "[UTC-3]" an offset east
// of UTC in seconds (the times are local at that offset and are converted
// to UTC). "[Local Time]" or any other zone is an error that says how to
// export in UTC.
func columnZone(header string) (offset int64, err error) {
	_, unit := splitColumn(header)
	u := strings.ToUpper(strings.ReplaceAll(unit, " ", ""))
	switch {
	case u == "" || u == "UTC" || u == "GMT" || u == "Z":
		return 0, nil
	case (strings.HasPrefix(u, "UTC") || strings.HasPrefix(u, "GMT")) && len(u) > 4 && (u[3] == '+' || u[3] == '-'):
		if off, ok := parseOffset(u[4:]); ok {
			if u[3] == '-' {
				off = -off
			}
			return off, nil
		}
	}
	hint := "export the results with the display time zone set to UTC (the header then reads \"[UTC]\"), or with times in ISO 8601 carrying a zone (2019-02-14T00:10:00Z)"
	if strings.Contains(strings.ToLower(unit), "local") {
		return 0, fmt.Errorf("column %q: %w: the export does not say which zone, so the times cannot be converted to UTC; %s", header, ErrLocalTime, hint)
	}
	return 0, fmt.Errorf("column %q: unknown time zone %q; %s", header, unit, hint)
}

// parseOffset reads "5", "05", "5:30", "05:30" or "0530" as seconds (at
// most 14 hours, the widest zone offset in use).
func parseOffset(s string) (int64, bool) {
	h, m := s, ""
	if i := strings.IndexByte(s, ':'); i >= 0 {
		h, m = s[:i], s[i+1:]
	} else if len(s) == 4 {
		h, m = s[:2], s[2:]
	}
	if len(h) == 0 || len(h) > 2 || (m != "" && len(m) != 2) {
		return 0, false
	}
	hv, ok := digits([]byte(h))
	if !ok {
		return 0, false
	}
	mv := 0
	if m != "" {
		if mv, ok = digits([]byte(m)); !ok || mv > 59 {
			return 0, false
		}
	}
	off := int64(hv*3600 + mv*60)
	return off, off <= 14*3600
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
	// zone is the UTC offset (seconds east) of each time field's column.
	zone [nFields]int64
	// warnings say what the header made the reader ignore (duplicate
	// columns, a local-time optional column).
	warnings []string
}

// newSchema builds a schema from a header row and checks the required
// columns. The first column naming a field wins (see columnAliases).
func newSchema(file string, header []string) (*schema, error) {
	s := &schema{ncols: len(header), names: header}
	for i := range s.cols {
		s.cols[i] = -1
	}
	for i, h := range header {
		f, ok := columnAliases[normalizeColumn(h)]
		if !ok {
			continue
		}
		if first := s.cols[f]; first >= 0 {
			s.warnings = append(s.warnings, duplicateColumn(file, header[first], h, f))
			continue
		}
		if isTimeField(f) {
			off, err := columnZone(h)
			if err != nil {
				if f == fTimeGenerated {
					// Optional: read the file without it, and say so.
					s.warnings = append(s.warnings, fmt.Sprintf("%s: %v (the column is ignored)", file, err))
					continue
				}
				return nil, fmt.Errorf("%s: %w", file, err)
			}
			s.zone[f] = off
		}
		s.cols[f] = i
	}
	if err := s.check(file); err != nil {
		return nil, err
	}
	return s, nil
}

// duplicateColumn is the warning for a second column of one field.
func duplicateColumn(file, first, dup string, f field) string {
	if first == dup {
		return fmt.Sprintf("%s: column %q appears twice; the first one is read", file, first)
	}
	return fmt.Sprintf("%s: columns %q and %q both give %s; %q (the first) is read", file, first, dup, fieldNames[f], first)
}

func (s *schema) has(f field) bool { return s.cols[f] >= 0 }

// hasBytes reports whether the file records bytes (Stats.HasBytes).
func (s *schema) hasBytes() bool { return s.has(fBytesSrcToDest) || s.has(fBytesDestToSrc) }

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

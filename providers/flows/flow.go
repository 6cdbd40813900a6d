package flows

import (
	"context"
	"math"
	"time"
)

// Flow is one row of the projected AzureNetworkAnalytics schema.
type Flow struct {
	TimeGenerated   time.Time `json:"TimeGenerated"`
	FlowStartTime   time.Time `json:"FlowStartTime"`
	FlowEndTime     time.Time `json:"FlowEndTime"`
	FlowType        string    `json:"FlowType"`
	VMName          string    `json:"VMName"`
	VMIPAddress     string    `json:"VMIPAddress"`
	PublicIPs       []string  `json:"PublicIPs"`
	SrcIP           string    `json:"SrcIP"`
	DestIP          string    `json:"DestIP"`
	L4Protocol      string    `json:"L4Protocol"`
	L7Protocol      string    `json:"L7Protocol"`
	DestPort        int       `json:"DestPort"`
	FlowDirection   Direction `json:"FlowDirection"`
	AllowedOutFlows int64     `json:"AllowedOutFlows"`
	AllowedInFlows  int64     `json:"AllowedInFlows"`
	DeniedInFlows   int64     `json:"DeniedInFlows"`
	DeniedOutFlows  int64     `json:"DeniedOutFlows"`
	RemoteRegion    string    `json:"RemoteRegion"`
	VMRegion        string    `json:"VMRegion"`
	AllExtIPs       string    `json:"AllExtIPs"`
	// BytesSrcToDest and BytesDestToSrc are the bytes sent each way, for
	// sources that record them (VNet flow logs, some ASIM sources); 0
	// otherwise. Stats.HasBytes says whether the source had them at all.
	BytesSrcToDest int64 `json:"BytesSrcToDest,omitempty"`
	BytesDestToSrc int64 `json:"BytesDestToSrc,omitempty"`
}

// Direction is a flow's direction as seen from the host: Outbound ("O") or
// Inbound ("I"), the values of AzureNetworkAnalytics_CL's FlowDirection_s.
type Direction string

// The flow directions.
const (
	Outbound Direction = "O"
	Inbound  Direction = "I"
)

// TotalBytes is BytesSrcToDest + BytesDestToSrc (saturated at the int64
// limits, never wrapped).
func (f *Flow) TotalBytes() int64 { return AddCounts(f.BytesSrcToDest, f.BytesDestToSrc) }

// TotalAllowedFlows is AllowedOutFlows + AllowedInFlows (saturated at the
// int64 limits, never wrapped).
func (f *Flow) TotalAllowedFlows() int64 { return AddCounts(f.AllowedOutFlows, f.AllowedInFlows) }

// AddCounts returns a+b saturated at the int64 limits: a sum of counts that
// would overflow stays at the largest value instead of wrapping negative.
func AddCounts(a, b int64) int64 {
	s := a + b
	if (a^s)&(b^s) >= 0 { // no overflow: s has the sign of a or of b
		return s
	}
	if b > 0 {
		return math.MaxInt64
	}
	return math.MinInt64
}

// Source returns the flow's source address: for outbound flows the host's
// address (VMIPAddress, else SrcIP), for inbound flows the remote one
// (AllExtIPs, else DestIP).
func (f *Flow) Source() string {
	if f.FlowDirection == Outbound {
		return firstNonEmpty(f.VMIPAddress, f.SrcIP)
	}
	return firstNonEmpty(f.AllExtIPs, f.DestIP)
}

// Dest returns the flow's destination address, the mirror of Source.
func (f *Flow) Dest() string {
	if f.FlowDirection == Outbound {
		return firstNonEmpty(f.AllExtIPs, f.DestIP)
	}
	return firstNonEmpty(f.VMIPAddress, f.SrcIP)
}

func firstNonEmpty(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

// Query selects the flows of one host in a time range. Exactly one of Host and
// IP is normally set; Host matches VMName case-insensitively, IP matches
// VMIPAddress, AllExtIPs, SrcIP or DestIP. A zero Start or End leaves that side
// of the range open.
type Query struct {
	Host  string
	IP    string
	Start time.Time
	End   time.Time
}

// Stats describes what a read saw: rows read, rows kept by the query, rows
// skipped as unparsable (with the first few row numbers and reasons), and the
// time range of the kept rows.
type Stats struct {
	RowsRead    int64
	RowsKept    int64
	RowsSkipped int64
	// Skipped holds up to the first 5 skipped rows, each "file:row: reason".
	Skipped []string
	// First and Last are the earliest FlowStartTime and latest FlowEndTime kept.
	First, Last time.Time
	// HasBytes is true when the source records bytes (Flow.TotalBytes).
	HasBytes bool
	// Warnings says what may be missing from an otherwise successful read,
	// e.g. a Log Analytics partial result (row or size limit, timeout).
	Warnings []string
}

// Source is anything that yields flows for a query. Stream calls fn for each
// matching flow in input order; the *Flow is only valid during the call (it may
// be reused), so fn copies what it keeps. An error from fn stops the stream and
// is returned.
type Source interface {
	Stream(ctx context.Context, q Query, fn func(*Flow) error) (Stats, error)
}

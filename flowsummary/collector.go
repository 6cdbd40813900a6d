package flowsummary

import (
	"context"
	"slices"
	"strings"
	"time"

	"github.com/gonotebooklets/notebooklets/providers/flows"
)

// DefaultMaxFlowsKept is how many raw flow records a Collector keeps for the
// result when no other cap is given.
const DefaultMaxFlowsKept = 10000

// Collector consumes a stream of flows once and builds everything the
// notebooklet shows from it: the flow index, the bucketed series for the
// plots, and the first MaxKept raw flows. Flows outside [Start, End]
// (FlowStartTime before Start or FlowEndTime after End, as msticpy's query
// selects them; a zero bound is open) are counted in Dropped and otherwise
// ignored.
type Collector struct {
	Start, End time.Time
	MaxKept    int

	Index       *FlowIndex // nil: no flow index
	ByProtocol  *SeriesSet // records and flows by L7Protocol; nil: none
	ByDirection *SeriesSet // records by FlowDirection; nil: none

	Kept      []flows.Flow
	Truncated int64 // flows not kept because of MaxKept
	Dropped   int64 // flows outside the time span
	Seen      int64 // flows accepted
	// First and Last are the earliest FlowStartTime and latest FlowEndTime
	// of the accepted flows.
	First, Last time.Time

	// Host is what the flows say of the queried host (Collect fills it).
	Host HostFacts
}

// HostFacts is what the flows tell about the queried host: its VM name,
// address and region, from the first flows that name them.
type HostFacts struct {
	Name, IP, Region string
}

// Collect streams the flows of q from src once into the collector (see Add)
// and learns the host's facts from them: flows of the host named by q.Host
// (case-insensitive) or q.IP give its VMName, VMIPAddress and VMRegion. It
// returns the source's statistics.
func (c *Collector) Collect(ctx context.Context, src flows.Source, q flows.Query) (flows.Stats, error) {
	q = q.Normalized()
	return src.Stream(ctx, q, func(f *flows.Flow) error {
		c.learnHost(f, q)
		return c.Add(f)
	})
}

func (c *Collector) learnHost(f *flows.Flow, q flows.Query) {
	h := &c.Host
	if h.Name != "" && h.IP != "" && h.Region != "" {
		return
	}
	if q.Host != "" && !strings.EqualFold(f.VMName, q.Host) {
		return
	}
	if q.IP != "" && f.VMIPAddress != q.IP {
		return
	}
	if h.Name == "" && f.VMName != "" {
		h.Name = strings.Clone(f.VMName)
	}
	if h.IP == "" && f.VMIPAddress != "" {
		h.IP = strings.Clone(f.VMIPAddress)
	}
	if h.Region == "" && f.VMRegion != "" {
		h.Region = strings.Clone(f.VMRegion)
	}
}

// NewCollector returns a collector for [start, end] with all parts enabled.
func NewCollector(start, end time.Time, maxKept int) *Collector {
	return &Collector{
		Start: start, End: end, MaxKept: maxKept,
		Index: NewFlowIndex(), ByProtocol: NewSeriesSet(0), ByDirection: NewSeriesSet(0),
	}
}

// Add consumes one flow. It never keeps f itself (f may be reused).
func (c *Collector) Add(f *flows.Flow) error {
	if (!c.Start.IsZero() && f.FlowStartTime.Before(c.Start)) || (!c.End.IsZero() && f.FlowEndTime.After(c.End)) {
		c.Dropped++
		return nil
	}
	c.Seen++
	if c.First.IsZero() || f.FlowStartTime.Before(c.First) {
		c.First = f.FlowStartTime
	}
	if f.FlowEndTime.After(c.Last) {
		c.Last = f.FlowEndTime
	}
	if c.Index != nil {
		c.Index.Add(f)
	}
	n := f.TotalAllowedFlows()
	if c.ByProtocol != nil {
		c.ByProtocol.Add(f.L7Protocol, f.FlowStartTime, n, f.AllExtIPs)
	}
	if c.ByDirection != nil {
		c.ByDirection.Add(string(f.FlowDirection), f.FlowStartTime, n, f.AllExtIPs)
	}
	if len(c.Kept) < c.MaxKept {
		c.Kept = append(c.Kept, cloneFlow(f))
	} else {
		c.Truncated++
	}
	return nil
}

func cloneFlow(f *flows.Flow) flows.Flow {
	g := *f
	g.FlowType = strings.Clone(f.FlowType)
	g.VMName = strings.Clone(f.VMName)
	g.VMIPAddress = strings.Clone(f.VMIPAddress)
	g.SrcIP = strings.Clone(f.SrcIP)
	g.DestIP = strings.Clone(f.DestIP)
	g.L4Protocol = strings.Clone(f.L4Protocol)
	g.L7Protocol = strings.Clone(f.L7Protocol)
	g.FlowDirection = flows.Direction(strings.Clone(string(f.FlowDirection)))
	g.RemoteRegion = strings.Clone(f.RemoteRegion)
	g.VMRegion = strings.Clone(f.VMRegion)
	g.AllExtIPs = strings.Clone(f.AllExtIPs)
	g.PublicIPs = slices.Clone(f.PublicIPs)
	for i, s := range g.PublicIPs {
		g.PublicIPs[i] = strings.Clone(s)
	}
	return g
}

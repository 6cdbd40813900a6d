package flows

import (
	"context"
	"strings"

	"github.com/gonotebooklets/notebooklets/providers/ipaddr"
	"github.com/gonotebooklets/notebooklets/providers/provenance"
)

// Normalized returns q with its IP in the canonical form the readers store
// addresses in (ipaddr.Canonical: "::ffff:10.0.3.5" is 10.0.3.5), so that
// it matches the flows of that address however either side spelled it.
// Every Source normalizes the query it is given.
func (q Query) Normalized() Query {
	if q.IP != "" {
		q.IP, _ = ipaddr.Canonical(q.IP)
	}
	return q
}

// match reports whether f is selected by q: VMName equal to Host ignoring
// case, IP equal to one of VMIPAddress, AllExtIPs, SrcIP or DestIP,
// FlowStartTime ≥ Start and FlowEndTime ≤ End (msticpy's query bounds).
// q is normalized (Normalized); the flow's addresses are canonical.
func (q *Query) match(f *Flow) bool {
	if q.Host != "" && !strings.EqualFold(f.VMName, q.Host) {
		return false
	}
	if q.IP != "" && f.VMIPAddress != q.IP && f.AllExtIPs != q.IP && f.SrcIP != q.IP && f.DestIP != q.IP {
		return false
	}
	return q.InSpan(f)
}

// InSpan reports whether f lies in q's time span: FlowStartTime ≥ Start
// and FlowEndTime ≤ End (a zero bound is open).
func (q *Query) InSpan(f *Flow) bool {
	return (q.Start.IsZero() || !f.FlowStartTime.Before(q.Start)) && (q.End.IsZero() || !f.FlowEndTime.After(q.End))
}

// Match reports whether f is selected by q (see Query); q's IP is compared
// in canonical form (Normalized), f's addresses as they are.
func (q Query) Match(f *Flow) bool {
	q = q.Normalized()
	return q.match(f)
}

// keep adds a kept flow to the stats.
func (s *Stats) keep(f *Flow) {
	s.RowsKept++
	if !f.FlowStartTime.IsZero() && (s.First.IsZero() || f.FlowStartTime.Before(s.First)) {
		s.First = f.FlowStartTime
	}
	if f.FlowEndTime.After(s.Last) {
		s.Last = f.FlowEndTime
	}
}

// merge adds the counts and range of t to s and keeps the first
// maxReported skipped-row messages.
func (s *Stats) merge(t Stats) {
	s.RowsRead += t.RowsRead
	s.RowsKept += t.RowsKept
	s.RowsSkipped += t.RowsSkipped
	for _, m := range t.Skipped {
		if len(s.Skipped) >= maxReported {
			break
		}
		s.Skipped = append(s.Skipped, m)
	}
	s.Warnings = append(s.Warnings, t.Warnings...)
	if !t.First.IsZero() && (s.First.IsZero() || t.First.Before(s.First)) {
		s.First = t.First
	}
	if t.Last.After(s.Last) {
		s.Last = t.Last
	}
}

type sliceSource []Flow

// Slice returns a Source over flows held in memory (handy in tests). Stream
// passes a copy of each element, so fn cannot change the slice.
func Slice(fl []Flow) Source { return sliceSource(fl) }

func (s sliceSource) Stream(ctx context.Context, q Query, fn func(*Flow) error) (Stats, error) {
	q = q.Normalized()
	var st Stats
	var f Flow
	for i := range s {
		if i&1023 == 0 {
			if err := ctx.Err(); err != nil {
				return st, err
			}
		}
		st.RowsRead++
		f = s[i]
		if !q.match(&f) {
			continue
		}
		st.keep(&f)
		if err := fn(&f); err != nil {
			return st, err
		}
	}
	return st, nil
}

type multiSource []Source

// Concat returns a Source that streams each source in turn, merging their
// Stats.
func Concat(sources ...Source) Source { return multiSource(sources) }

func (m multiSource) Stream(ctx context.Context, q Query, fn func(*Flow) error) (Stats, error) {
	var st Stats
	for _, s := range m {
		t, err := s.Stream(ctx, q, fn)
		st.merge(t)
		if err != nil {
			return st, err
		}
	}
	return st, nil
}

// Provenance implements provenance.Describer.
func (s sliceSource) Provenance() provenance.Info {
	return provenance.Info{Kind: "memory", Name: "flows in memory"}
}

// Provenance implements provenance.Describer: the sources' locations
// joined; Sample when any source is the sample.
func (m multiSource) Provenance() provenance.Info {
	out := provenance.Info{Kind: "files", Name: "flow files"}
	var locs []string
	for i, s := range m {
		p := provenance.Of(s)
		if i == 0 {
			out.Kind = p.Kind
		} else if p.Kind != out.Kind {
			out.Kind = "mixed"
		}
		if p.Location != "" {
			locs = append(locs, p.Location)
		}
		out.Sample = out.Sample || p.Sample
	}
	out.Location = strings.Join(locs, ", ")
	return out
}

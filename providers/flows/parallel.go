package flows

import (
	"context"
	"slices"
)

// Position orders the flows of one StreamParallel call: of two flows, the
// one with the smaller Position came first in the source's input (files in
// the order given, rows in file order, the flows of one row in order).
// Positions are not contiguous.
type Position uint64

// Bits of a Position: the file (of a Files or Concat list), the chunk of
// the file, the flow within the chunk.
const (
	posFlowBits  = 24
	posChunkBits = 24
	posFileShift = posFlowBits + posChunkBits
)

// A Consumer takes the flows of one parse goroutine of
// ParallelSource.StreamParallel, in input order (their Positions
// increase), with the IDs of their addresses and protocol in that
// goroutine's Interner. The address and protocol strings of f are the
// Interner's (stable); its other strings and its PublicIPs slice are valid
// only during the call (they may point into the reader's buffers), so a
// consumer that keeps a flow deep copies it.
//
// A consumer that keeps few flows whole (an aggregation) may also have a
// method KeepsFirst() int: the number of flows, in input order, it may keep
// whole (negative: any). The reader then reads whole only the rows holding
// the first KeepsFirst() flows; in the others it projects: the columns no
// aggregate uses (TimeGenerated, FlowType, L4Protocol, DestPort,
// DeniedInFlows, DeniedOutFlows, RemoteRegion, and PublicIPs when AllExtIPs
// is a column of its own) are not read — left zero, and a malformed value
// there does not make the row skipped. Every other column is checked as
// always. Which rows are read whole depends on the input only.
type Consumer interface {
	Add(f *Flow, k *Keys, at Position)
}

// A BatchConsumer is a Consumer that takes a few flows at once (fs[i] with
// ks[i], at Positions at, at+1, …), as the parse goroutines decode them, so
// that it can look up all their table rows before it adds to any: lookups
// that miss the cache then overlap instead of waiting one after another.
// Its result must be what Add of each flow in turn gives.
type BatchConsumer interface {
	Consumer
	AddBatch(fs []Flow, ks []Keys, at Position)
}

// ParallelSource is a Source that can parse on several goroutines at once
// and hand each goroutine's flows to a consumer of its own, for consumers
// that aggregate (the flow index, the series) and merge their partial
// results at the end. Flow files implement it; so do Files and Concat.
type ParallelSource interface {
	Source
	// StreamParallel streams the flows matching q to consumers made by
	// newConsumer, which it calls on the calling goroutine before any flow
	// is delivered, once for each parse goroutine (at least once), with
	// that goroutine's Interner. Each flow goes to exactly one consumer;
	// Positions say the input order. It returns when every consumer has
	// had its last flow.
	StreamParallel(ctx context.Context, q Query, newConsumer func(*Interner) Consumer) (Stats, error)
}

// StreamParallel is src.StreamParallel when src is a ParallelSource, and
// otherwise streams src into a single consumer, with Positions in the order
// src delivers its flows and its strings interned as it goes.
func StreamParallel(ctx context.Context, src Source, q Query, newConsumer func(*Interner) Consumer) (Stats, error) {
	ws := &workerSet{newConsumer: newConsumer}
	return streamParallelAt(ctx, src, q, ws, 0)
}

// workerSet hands each parse goroutine (by number) its Interner and
// consumer, the same ones for every file of a list.
type workerSet struct {
	newConsumer func(*Interner) Consumer
	ins         []*Interner
	cs          []Consumer
	flowsBefore int64 // flows of the files already read (for KeepsFirst)
}

func (w *workerSet) get(i int) (*Interner, Consumer) {
	for len(w.cs) <= i {
		in := NewInterner()
		w.ins = append(w.ins, in)
		w.cs = append(w.cs, w.newConsumer(in))
	}
	return w.ins[i], w.cs[i]
}

// parallelAt is implemented by the sources StreamParallel parses in
// parallel; base is added to their Positions.
type parallelAt interface {
	streamParallel(ctx context.Context, q Query, ws *workerSet, base Position) (Stats, error)
}

func streamParallelAt(ctx context.Context, src Source, q Query, ws *workerSet, base Position) (Stats, error) {
	if p, ok := src.(parallelAt); ok {
		return p.streamParallel(ctx, q, ws, base)
	}
	in, c := ws.get(0)
	at := base
	var g Flow
	return src.Stream(ctx, q, func(f *Flow) error {
		k := in.KeysOf(f)
		g = *f
		g.VMIPAddress, g.SrcIP, g.DestIP, g.AllExtIPs = in.Addr(k.VMIPAddress), in.Addr(k.SrcIP), in.Addr(k.DestIP), in.Addr(k.AllExtIPs)
		g.L7Protocol = in.Proto(k.L7Protocol)
		c.Add(&g, &k, at)
		at++
		return nil
	})
}

// StreamParallel implements ParallelSource: the sources in turn, each
// parsed in parallel when it can be.
func (m multiSource) StreamParallel(ctx context.Context, q Query, newConsumer func(*Interner) Consumer) (Stats, error) {
	return m.streamParallel(ctx, q, &workerSet{newConsumer: newConsumer}, 0)
}

func (m multiSource) streamParallel(ctx context.Context, q Query, ws *workerSet, base Position) (Stats, error) {
	var st Stats
	for i, s := range m {
		t, err := streamParallelAt(ctx, s, q, ws, base|Position(i)<<posFileShift)
		ws.flowsBefore += t.RowsKept
		st.merge(t)
		if err != nil {
			return st, err
		}
	}
	return st, nil
}

// StreamParallel implements ParallelSource.
func (s *fileSet) StreamParallel(ctx context.Context, q Query, newConsumer func(*Interner) Consumer) (Stats, error) {
	return s.streamParallel(ctx, q, &workerSet{newConsumer: newConsumer}, 0)
}

func (s *fileSet) streamParallel(ctx context.Context, q Query, ws *workerSet, base Position) (Stats, error) {
	st, err := s.srcs.streamParallel(ctx, q, ws, base)
	st.Warnings = append(slices.Clone(s.warnings), st.Warnings...)
	return st, err
}

package flows

import (
	"bufio"
	"bytes"
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"runtime"
	"slices"
	"sync"
)

const (
	// defaultChunkSize is how much input one parse job covers. 1 MiB of
	// input fits a core's L2 cache with the tokenizer's output.
	defaultChunkSize = 1 << 20
	// maxRecordSize bounds one line of CSV.
	maxRecordSize = 64 << 20
	// maxHeaderSize bounds the header record.
	maxHeaderSize = 1 << 20
)

// ErrRecordTooLong is returned when a CSV line exceeds 64 MiB.
var ErrRecordTooLong = errors.New("CSV line longer than 64 MiB")

// csvHeader is what the start of a CSV file says: its columns, where the
// data starts and how its lines end.
type csvHeader struct {
	names  []string
	lines  int  // lines the header (and blank lines before it) take
	size   int  // bytes they take
	crOnly bool // lines end with a lone CR (old Mac / Excel exports)
}

// readCSVHeader reads the header record from the start of br (which it
// does not consume). CR-only line ends are recognized on the header line.
func readCSVHeader(name string, br *bufio.Reader) (*csvHeader, error) {
	head, err := br.Peek(maxHeaderSize)
	if err != nil && err != io.EOF && err != bufio.ErrBufferFull {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	h := &csvHeader{}
	if cr := bytes.IndexByte(head, '\r'); cr >= 0 {
		lf := bytes.IndexByte(head, '\n')
		if (lf < 0 || cr < lf) && (cr+1 == len(head) || head[cr+1] != '\n') {
			h.crOnly = true
			head = bytes.ReplaceAll(head, []byte{'\r'}, []byte{'\n'})
		}
	}
	var t tokenizer
	for pos := 0; pos < len(head); {
		mark := len(t.ends)
		next, nls, bad, open := t.slowRecord(head, pos)
		if open {
			if len(head) >= maxHeaderSize {
				return nil, fmt.Errorf("%s:%d: header: longer than %d bytes (unbalanced quote?)", name, h.lines+1, maxHeaderSize)
			}
			return nil, fmt.Errorf("%s:%d: header: unterminated quoted field", name, h.lines+1)
		}
		if bad != recordOK {
			r := record{bad: bad}
			return nil, fmt.Errorf("%s:%d: header: %s", name, h.lines+1, r.reason(0))
		}
		if next == len(head) && len(head) >= maxHeaderSize && head[next-1] != '\n' {
			return nil, fmt.Errorf("%s: header longer than %d bytes", name, maxHeaderSize)
		}
		fields := t.ends[mark:]
		if len(fields) == 1 && int(fields[0]) == pos {
			h.lines += nls // a blank line
			pos = next
			continue
		}
		scratch := []byte(nil)
		start := pos
		for _, end := range fields {
			var v []byte
			v, scratch = unquote(head[start:end], scratch)
			h.names = append(h.names, string(v))
			start = int(end) + 1
		}
		h.lines += nls
		h.size = next
		return h, nil
	}
	return nil, fmt.Errorf("%s: empty file (no header row)", name)
}

// crToLF turns the lone CRs of a CR-only file into LFs as it reads.
type crToLF struct{ r io.Reader }

func (c crToLF) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	for i := bytes.IndexByte(p[:n], '\r'); i >= 0; {
		p[i] = '\n'
		j := bytes.IndexByte(p[i+1:n], '\r')
		if j < 0 {
			break
		}
		i += 1 + j
	}
	return n, err
}

// csvSource is one CSV stream being read: the header, the schema and the
// reader positioned after the header.
type csvSource struct {
	name  string
	sc    *schema
	r     io.Reader
	line  int64 // line number of the first data line
	chunk int
}

// openCSV reads the header of r and checks it against the query.
func openCSV(name string, r io.Reader, chunkSize int, q Query) (*csvSource, error) {
	if chunkSize <= 0 {
		chunkSize = defaultChunkSize
	}
	br := bufio.NewReaderSize(r, maxHeaderSize)
	h, err := readCSVHeader(name, br)
	if err != nil {
		return nil, err
	}
	if _, err := br.Discard(h.size); err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	// Read what the header peek buffered, then the rest directly (through
	// bufio every byte would be copied once more).
	head, _ := br.Peek(br.Buffered())
	var body io.Reader = io.MultiReader(bytes.NewReader(bytes.Clone(head)), r)
	if h.crOnly {
		body = crToLF{body}
	}
	sc, err := newSchema(name, h.names)
	if err != nil {
		return nil, err
	}
	if err := sc.checkQuery(name, q); err != nil {
		return nil, err
	}
	if h.crOnly {
		sc.warnings = append(sc.warnings, fmt.Sprintf("%s: lines end with a lone CR (an old Excel or Mac export); read as line ends", name))
	}
	return &csvSource{name: name, sc: sc, r: body, line: int64(h.lines) + 1, chunk: chunkSize}, nil
}

// csvStream reads CSV from r and streams the flows matching q to fn, in
// input order, on the calling goroutine.
func csvStream(ctx context.Context, name string, r io.Reader, chunkSize int, q Query, fn func(*Flow) error) (Stats, error) {
	cs, err := openCSV(name, r, chunkSize, q)
	if err != nil {
		return Stats{}, err
	}
	p := newPipeline(cs, q)
	return p.runOrdered(ctx, fn)
}

// A CSV file is cut into chunks of whole lines, parsed by several
// goroutines. Whether a chunk starts at a record start (rather than inside
// a quoted field holding newlines) is only known once the chunk before it
// is tokenized: each job tokenizes its chunk as if it did, then waits for
// the previous job's handover, which says the line number the chunk starts
// at and carries the incomplete record that ran into it, if any (the job
// then tokenizes again with it in front). The wait costs nothing in
// practice: jobs are handed out in order and tokenizing is the first step.
type csvJob struct {
	seq  int64
	data []byte // whole lines (the last chunk may end without a newline)
	buf  []byte // data's buffer, to recycle
	eof  bool   // the last chunk
	err  error  // a read error, instead of data
	prev chan handover
	next chan handover
	// wholePrev gives the number of flows of the chunks before this one,
	// or allRead once they are more than the consumers keep whole (see
	// pipeline.whole); wholeNext passes this job's count on.
	wholePrev, wholeNext chan int64
	res                  chan *batch // ordered mode: the job's flows
}

// handover passes what the next chunk needs from the one before it.
type handover struct {
	line     int64  // line number of the chunk's first byte
	tail     []byte // a copy of an incomplete record that runs into the chunk
	tailLine int64  // its line number
	failed   bool   // an earlier job failed: stop
}

type pipeline struct {
	// whole is how many flows, in input order, the consumers keep whole
	// (Consumer.KeepsFirst; negative: all). The rows holding the first
	// whole flows are read whole, the others only on the columns the
	// consumers aggregate; wholeBefore counts the flows of earlier files.
	// The split depends only on the input, never on timing.
	whole, wholeBefore int64
	cs                 *csvSource
	q                  Query
	workers            int
	bufs               chan []byte
}

func newPipeline(cs *csvSource, q Query) *pipeline {
	nw := min(runtime.GOMAXPROCS(0), 8)
	return &pipeline{cs: cs, q: q, workers: nw, bufs: make(chan []byte, 2*nw+4)}
}

var bufPool sync.Pool

func (p *pipeline) getBuf() []byte {
	select {
	case b := <-p.bufs:
		return b[:0]
	default:
	}
	if b, ok := bufPool.Get().(*[]byte); ok && cap(*b) >= p.cs.chunk {
		return (*b)[:0]
	}
	return make([]byte, 0, p.cs.chunk+p.cs.chunk/4)
}

func (p *pipeline) putBuf(b []byte) {
	if b == nil {
		return
	}
	select {
	case p.bufs <- b:
	default:
		bufPool.Put(&b)
	}
}

// drainBufs keeps the buffers for the next Stream (a notebook often reads
// twice).
func (p *pipeline) drainBufs() {
	for {
		select {
		case b := <-p.bufs:
			bufPool.Put(&b)
		default:
			return
		}
	}
}

// read cuts the input into jobs and sends each to send (in order); it
// stops early when send returns false.
func (p *pipeline) read(send func(*csvJob) bool) {
	r := p.cs.r
	var carry []byte
	prev := make(chan handover, 1)
	prev <- handover{line: p.cs.line}
	wholePrev := make(chan int64, 1)
	wholePrev <- p.wholeBefore
	for seq := int64(0); ; seq++ {
		buf := append(p.getBuf(), carry...)
		want := max(p.cs.chunk, len(carry)+1)
		eof := false
		var rerr error
		cut := -1
		for {
			for len(buf) < want && !eof {
				if cap(buf) < want {
					nb := make([]byte, len(buf), want)
					copy(nb, buf)
					buf = nb
				}
				n, err := r.Read(buf[len(buf):want])
				buf = buf[:len(buf)+n]
				if err == io.EOF {
					eof = true
				} else if err != nil {
					rerr = err
					break
				}
			}
			if rerr != nil || eof {
				break
			}
			if cut = bytes.LastIndexByte(buf, '\n'); cut >= 0 {
				break
			}
			if want >= maxRecordSize {
				rerr = ErrRecordTooLong
				break
			}
			want = min(2*want, maxRecordSize)
		}
		j := &csvJob{seq: seq, prev: prev, next: make(chan handover, 1), wholePrev: wholePrev, wholeNext: make(chan int64, 1)}
		prev, wholePrev = j.next, j.wholeNext
		switch {
		case rerr != nil:
			j.err = rerr
		case eof:
			j.data, j.buf, j.eof = buf, buf, true
		default:
			carry = append(carry[:0], buf[cut+1:]...)
			j.data, j.buf = buf[:cut+1], buf
		}
		if !send(j) || j.eof || j.err != nil {
			return
		}
	}
}

// parser is one parse goroutine's state.
type parser struct {
	p   *pipeline
	tok tokenizer
	dec *decoder
	// cols are the columns read, in order, with the field each gives.
	cols []colField
	// leanCols are the columns read from a row the consumer will not keep
	// whole: cols without those no aggregate uses (leanSkip).
	leanCols []colField
	joined   []byte // a carried-over record joined to a chunk
	scratch  []byte
	v        [nFields][]byte
	row      batch // one row's flows (parallel mode)
}

// newParser returns a parse goroutine's state; with an Interner, it
// decodes in keyed mode (ephemeral strings, Keys per flow).
func (p *pipeline) newParser(in *Interner) *parser {
	w := &parser{p: p, dec: newDecoder(p.cs.sc, p.q)}
	for _, pr := range p.cs.sc.present() {
		w.cols = append(w.cols, colField{int32(pr.col), pr.f})
	}
	slices.SortFunc(w.cols, func(a, b colField) int { return cmp.Compare(a.col, b.col) })
	for _, c := range w.cols {
		if !slices.Contains(leanSkip, c.f) || (c.f == fPublicIPs && !p.cs.sc.has(fAllExtIPs)) {
			w.leanCols = append(w.leanCols, c)
		}
	}
	if in != nil {
		w.dec.ephemeral = true
		w.dec.setKeyed(in)
	}
	w.tok.ncols = p.cs.sc.ncols
	return w
}

// settle tokenizes the job's chunk, takes the previous job's handover,
// passes its own on, and returns the data whose records t now holds and the
// line number of its first byte.
func (w *parser) settle(j *csvJob) ([]byte, int64, error) {
	tail, tailLine, lines := w.tok.tokenize(j.data, j.eof)
	h := <-j.prev
	if h.failed {
		j.next <- h
		return nil, 0, errStopped
	}
	data, line := j.data, h.line
	chunkLines := int64(lines)
	if len(h.tail) > 0 {
		w.joined = append(append(w.joined[:0], h.tail...), j.data...)
		data, line = w.joined, h.tailLine
		tail, tailLine, lines = w.tok.tokenize(data, j.eof)
		chunkLines = int64(lines - bytes.Count(h.tail, nlByte))
	}
	next := handover{line: h.line + chunkLines}
	if tail < len(data) {
		next.tail = slices.Clone(data[tail:])
		next.tailLine = line + int64(tailLine)
	}
	j.next <- next
	return data, line, nil
}

var errStopped = errors.New("stopped")

// colField is a column read and the field it gives.
type colField struct {
	col int32
	f   field
}

// leanSkip are the fields not read for a row an aggregating consumer will
// not keep whole (PublicIPs only when AllExtIPs is a column).
var leanSkip = []field{fTimeGenerated, fFlowType, fPublicIPs, fL4Protocol, fDestPort, fDeniedInFlows, fDeniedOutFlows, fRemoteRegion}

// emitBatch is how many flows rows decodes before it hands them on: a
// BatchConsumer looks up the table rows of all of them first, and those
// cache misses overlap (at 10M rows, the flow index's lookups took 0.45 s
// of CPU one at a time, 0.23 s in batches of 64), which one flow between
// two rows' decoding cannot.
const emitBatch = 64

// rows decodes the records of data (line: the line number of its first
// byte) and passes the flows to emit, a few at a time (emitBatch) and all
// before it returns. whole, when set, is how many more flows are read
// whole; once it is 0, rows are read only on the columns the consumers
// aggregate (leanField).
func (w *parser) rows(data []byte, line int64, st *chunkStats, b *batch, emit func(*batch), whole *int64) {
	t := &w.tok
	sc := w.p.cs.sc
	name := w.p.cs.name
	for i := range t.recs {
		r := &t.recs[i]
		at := line + int64(r.line)
		if r.bad != recordOK {
			st.stats.RowsRead++
			st.skip(name, at, &rowError{reason: r.reason(sc.ncols)})
			continue
		}
		if int(r.nf) != sc.ncols {
			st.stats.RowsRead++
			st.skip(name, at, &rowError{reason: fmt.Sprintf("%d fields, header has %d", r.nf, sc.ncols)})
			continue
		}
		if len(b.flows) == 0 {
			w.scratch = w.scratch[:0] // strings of batched flows may point here
		}
		w.dec.pubQuoted = false
		lean := whole != nil && *whole <= 0
		cols := w.cols
		if lean {
			cols = w.leanCols
			if !w.dec.lean {
				for _, f := range leanSkip {
					w.v[f] = nil
				}
			}
		}
		w.dec.lean = lean
		// The record has sc.ncols fields (checked above), so every column
		// read is one of them; field c spans ends[c-1]+1 to ends[c].
		ends := t.ends[r.field : int(r.field)+int(r.nf)]
		for _, c := range cols {
			start := r.start
			if c.col > 0 {
				start = ends[c.col-1] + 1
			}
			fld := data[start:ends[c.col]]
			if len(fld) > 0 && fld[0] == '"' {
				if c.f == fPublicIPs {
					w.dec.pubQuoted = true // read as it is (appendQuotedIPs)
				} else {
					fld, w.scratch = unquote(fld, w.scratch)
				}
			}
			w.v[c.f] = fld
		}
		n0 := len(b.flows)
		if e := w.dec.decode(&w.v, b); e != nil {
			st.stats.RowsRead++
			st.skip(name, at, e)
			continue
		}
		st.stats.RowsRead++
		for k := n0; k < len(b.flows); k++ {
			st.stats.keep(&b.flows[k])
		}
		if whole != nil && !lean {
			*whole -= int64(len(b.flows) - n0)
		}
		if emit != nil && len(b.flows) >= emitBatch {
			emit(b)
		}
	}
	if emit != nil && len(b.flows) > 0 {
		emit(b)
	}
}

// chunkStats is the Stats of part of a file, with the line numbers of its
// skipped rows (to keep the first few of the whole file).
type chunkStats struct {
	stats Stats
	skips []skipped
}

type skipped struct {
	line int64
	msg  string
}

func (s *chunkStats) skip(file string, line int64, e *rowError) {
	s.stats.RowsSkipped++
	if len(s.skips) < maxReported {
		s.skips = append(s.skips, skipped{line, e.format(file, line)})
	}
}

// add merges t (of later lines, or any lines: skips are kept by line).
func (s *chunkStats) add(t *chunkStats) {
	skips := s.skips
	s.stats.merge(t.stats)
	skips = append(skips, t.skips...)
	slices.SortFunc(skips, func(a, b skipped) int { return cmp.Compare(a.line, b.line) })
	s.skips = skips[:min(len(skips), maxReported)]
}

func (s *chunkStats) result() Stats {
	st := s.stats
	st.Skipped = nil
	for _, k := range s.skips {
		st.Skipped = append(st.Skipped, k.msg)
	}
	return st
}

// runOrdered parses on several goroutines and calls fn for each flow, in
// input order, on the calling goroutine (Stream).
func (p *pipeline) runOrdered(ctx context.Context, fn func(*Flow) error) (Stats, error) {
	nw := p.workers
	jobs := make(chan *csvJob, nw)
	order := make(chan *csvJob, nw+2)
	batches := make(chan *batch, 2*nw+4)
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Go(func() {
		defer close(order)
		defer close(jobs)
		p.read(func(j *csvJob) bool {
			j.res = make(chan *batch, 1)
			select {
			case order <- j:
			case <-done:
				return false
			}
			select {
			case jobs <- j:
				return true
			case <-done:
				return false
			}
		})
	})
	for range nw {
		wg.Go(func() {
			w := p.newParser(nil)
			for j := range jobs {
				var b *batch
				select {
				case b = <-batches:
				default:
					b = &batch{}
				}
				if j.err != nil {
					<-j.prev
					j.next <- handover{failed: true}
					b.err = fmt.Errorf("%s: %w", p.cs.name, j.err)
					j.res <- b
					continue
				}
				data, line, err := w.settle(j)
				if err != nil {
					b.err = err
				} else {
					if est := len(data)/192 + 16; cap(b.flows) < est {
						b.flows = make([]Flow, 0, est)
						b.ips = make([]string, 0, est)
					}
					var cst chunkStats
					w.rows(data, line, &cst, b, nil, nil)
					b.stats = cst.stats
					for _, k := range cst.skips {
						b.errs = append(b.errs, k.msg)
					}
				}
				p.putBuf(j.buf)
				j.res <- b
			}
		})
	}

	var st Stats
	var err error
	stop := func(e error) {
		if err == nil {
			err = e
		}
	}
loop:
	for j := range order {
		var b *batch
		select {
		case b = <-j.res:
		case <-ctx.Done():
			stop(ctx.Err())
			break loop
		}
		if b.err != nil {
			stop(b.err)
			break
		}
		b.stats.Skipped = b.errs
		st.merge(b.stats)
		for i := range b.flows {
			if e := fn(&b.flows[i]); e != nil {
				stop(e)
				break loop
			}
		}
		if e := ctx.Err(); e != nil {
			stop(e)
			break
		}
		b.reset()
		select {
		case batches <- b:
		default:
		}
	}
	close(done)
	// Let the workers finish what they hold, then wait for everyone.
	go func() {
		for range order {
		}
	}()
	wg.Wait()
	p.drainBufs()
	return p.finish(st), err
}

// finish adds what the header said to the stats.
func (p *pipeline) finish(st Stats) Stats {
	st.Warnings = append(slices.Clone(p.cs.sc.warnings), st.Warnings...)
	st.HasBytes = p.cs.sc.hasBytes()
	return st
}

// allRead is the count handed on once the flows kept whole are all read.
const allRead = math.MaxInt64

// runParallel parses on several goroutines, each passing its flows to its
// own consumer (from ws) as it decodes them; base is added to Positions.
func (p *pipeline) runParallel(ctx context.Context, ws *workerSet, base Position) (Stats, error) {
	nw := p.workers
	ins := make([]*Interner, nw)
	consumers := make([]Consumer, nw)
	p.whole = -1
	for i := range consumers {
		ins[i], consumers[i] = ws.get(i)
		k, ok := consumers[i].(interface{ KeepsFirst() int })
		if i == 0 && ok && k.KeepsFirst() >= 0 {
			p.whole = int64(k.KeepsFirst())
		} else if !ok || k.KeepsFirst() < 0 {
			p.whole = -1
		}
	}
	p.wholeBefore = ws.flowsBefore
	jobs := make(chan *csvJob, nw)
	done := make(chan struct{})
	var once sync.Once
	var firstErr error
	fail := func(e error) {
		once.Do(func() {
			firstErr = e
			close(done)
		})
	}
	var wg sync.WaitGroup
	wg.Go(func() {
		defer close(jobs)
		p.read(func(j *csvJob) bool {
			select {
			case jobs <- j:
				return true
			case <-done:
				return false
			}
		})
	})
	parts := make([]chunkStats, nw)
	for i := range nw {
		wg.Go(func() {
			w := p.newParser(ins[i])
			c := consumers[i]
			st := &parts[i]
			for j := range jobs {
				if j.err != nil {
					<-j.prev
					j.next <- handover{failed: true}
					j.wholeNext <- allRead
					fail(fmt.Errorf("%s: %w", p.cs.name, j.err))
					continue
				}
				if err := ctx.Err(); err != nil {
					<-j.prev
					j.next <- handover{failed: true}
					j.wholeNext <- allRead
					fail(err)
					p.putBuf(j.buf)
					continue
				}
				data, line, err := w.settle(j)
				if err != nil {
					p.putBuf(j.buf)
					j.wholeNext <- allRead
					continue
				}
				var whole *int64
				var before, left int64
				if p.whole >= 0 {
					// Until the first p.whole flows are read, this chunk
					// needs the count of those before it.
					if before = <-j.wholePrev; before >= p.whole {
						j.wholeNext <- allRead
					}
					left = max(p.whole-before, 0)
					whole = &left
				}
				at := base | Position(j.seq)<<posFlowBits
				first := at
				bc, batched := c.(BatchConsumer)
				w.rows(data, line, st, &w.row, func(b *batch) {
					if batched {
						bc.AddBatch(b.flows, b.keys, at)
						at += Position(len(b.flows))
					} else {
						for k := range b.flows {
							c.Add(&b.flows[k], &b.keys[k], at)
							at++
						}
					}
					b.flows, b.keys, b.ips = b.flows[:0], b.keys[:0], b.ips[:0]
				}, whole)
				if p.whole >= 0 && before < p.whole {
					j.wholeNext <- before + int64(at-first)
				}
				p.putBuf(j.buf)
			}
		})
	}
	wg.Wait()
	p.drainBufs()
	var all chunkStats
	for i := range parts {
		all.add(&parts[i])
	}
	if firstErr != nil {
		return p.finish(all.result()), firstErr
	}
	return p.finish(all.result()), nil
}

type colPair struct {
	f   field
	col int
}

func (s *schema) present() []colPair {
	var ps []colPair
	for f, c := range s.cols {
		if c >= 0 {
			ps = append(ps, colPair{field(f), c})
		}
	}
	return ps
}

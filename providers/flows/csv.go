package flows

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"runtime"
	"sync"
)

const (
	// defaultChunkSize is how much input one parse job covers. 1 MiB of
	// input and its batch of decoded flows (about 1.7 MB) fit a core's L2
	// cache, so the decoder's writes and the consumer's reads mostly hit
	// cache; 4 MiB chunks cost ~15% more CPU on the 1M-row benchmark.
	defaultChunkSize = 1 << 20
	// maxRecordSize bounds one CSV record (a quoted field may hold newlines).
	maxRecordSize = 64 << 20
)

// ErrRecordTooLong is returned when a CSV record exceeds 64 MiB, which
// usually means an unbalanced quote.
var ErrRecordTooLong = errors.New("CSV record longer than 64 MiB (unbalanced quote?)")

// rowParser splits RFC 4180 CSV records: comma separated, fields optionally
// quoted with "..." where "" stands for one quote and newlines may appear
// inside quotes; LF or CRLF line ends. Returned fields point into the input
// or into the parser's scratch buffer and are valid until the next call.
type rowParser struct {
	fields  [][]byte
	scratch []byte
}

// record parses the record at the start of buf. It returns the fields (nil
// for a blank line), the bytes consumed, the newlines consumed and, for a
// malformed record, a reason (the record is then skipped whole).
func (p *rowParser) record(buf []byte) (fields [][]byte, n int, nl int, bad string) {
	p.fields = p.fields[:0]
	p.scratch = p.scratch[:0]
	end := bytes.IndexByte(buf, '\n')
	line := buf
	n = len(buf)
	if end >= 0 {
		line, n, nl = buf[:end], end+1, 1
	}
	if bytes.IndexByte(line, '"') >= 0 {
		return p.quoted(buf, len(line))
	}
	if len(line) > 0 && line[len(line)-1] == '\r' {
		line = line[:len(line)-1]
	}
	if len(line) == 0 {
		return nil, n, nl, ""
	}
	for {
		i := indexComma(line)
		if i < 0 {
			p.fields = append(p.fields, line)
			return p.fields, n, nl, ""
		}
		p.fields = append(p.fields, line[:i])
		line = line[i+1:]
	}
}

// quoted is the general state machine for records that contain quotes. eol
// is the index of buf's first newline, or len(buf) if it has none.
func (p *rowParser) quoted(buf []byte, eol int) ([][]byte, int, int, string) {
	pos, nl := 0, 0
	for {
		if pos < len(buf) && buf[pos] == '"' {
			pos++
			start, sStart, esc := pos, len(p.scratch), false
			var fld []byte
			for {
				i := bytes.IndexByte(buf[pos:], '"')
				if i < 0 {
					return nil, len(buf), nl + bytes.Count(buf[pos:], nlByte), "unterminated quoted field"
				}
				if eol < pos {
					if eol = bytes.IndexByte(buf[pos:], '\n'); eol < 0 {
						eol = len(buf)
					} else {
						eol += pos
					}
				}
				if pos+i > eol {
					nl += bytes.Count(buf[pos:pos+i], nlByte)
				}
				if pos+i+1 < len(buf) && buf[pos+i+1] == '"' {
					p.scratch = append(p.scratch, buf[pos:pos+i+1]...)
					esc = true
					pos += i + 2
					continue
				}
				if esc {
					p.scratch = append(p.scratch, buf[pos:pos+i]...)
					fld = p.scratch[sStart:len(p.scratch):len(p.scratch)]
				} else {
					fld = buf[start : pos+i]
				}
				pos += i + 1
				break
			}
			p.fields = append(p.fields, fld)
			if pos >= len(buf) {
				return p.fields, pos, nl, ""
			}
			switch buf[pos] {
			case ',':
				pos++
				continue
			case '\n':
				return p.fields, pos + 1, nl + 1, ""
			case '\r':
				if pos+1 == len(buf) {
					return p.fields, pos + 1, nl, ""
				}
				if buf[pos+1] == '\n' {
					return p.fields, pos + 2, nl + 1, ""
				}
			}
			j := bytes.IndexByte(buf[pos:], '\n')
			if j < 0 {
				return nil, len(buf), nl, "unexpected character after a closing quote"
			}
			return nil, pos + j + 1, nl + 1, "unexpected character after a closing quote"
		}
		// Unquoted field (a stray quote inside it is kept as text).
		if eol < pos {
			if eol = bytes.IndexByte(buf[pos:], '\n'); eol < 0 {
				eol = len(buf)
			} else {
				eol += pos
			}
		}
		i := indexComma(buf[pos:eol])
		if i < 0 {
			i = eol
		} else {
			i += pos
		}
		fld := buf[pos:i]
		if i == len(buf) || buf[i] == '\n' {
			if len(fld) > 0 && fld[len(fld)-1] == '\r' {
				fld = fld[:len(fld)-1]
			}
			p.fields = append(p.fields, fld)
			if i == len(buf) {
				return p.fields, i, nl, ""
			}
			return p.fields, i + 1, nl + 1, ""
		}
		p.fields = append(p.fields, fld)
		pos = i + 1
	}
}

// indexComma is bytes.IndexByte(b, ','), inlined: fields are short, and
// for them a plain loop beats the call into the vector routine.
func indexComma(b []byte) int {
	for i, c := range b {
		if c == ',' {
			return i
		}
	}
	return -1
}

var nlByte = []byte{'\n'}

// chunker cuts a reader into pieces that hold whole records: each piece ends
// at a newline outside quotes, so pieces can be parsed independently.
type chunker struct {
	r     io.Reader
	size  int
	carry []byte
	line  int64 // line number of carry's first byte
	eof   bool
	err   error
}

// next fills buf with the next piece; an empty result means the end.
func (c *chunker) next(buf []byte) (data []byte, line int64, err error) {
	buf = append(buf[:0], c.carry...)
	want := c.size
	for {
		for len(buf) < want && !c.eof {
			if cap(buf)-len(buf) < want-len(buf) {
				nb := make([]byte, len(buf), want)
				copy(nb, buf)
				buf = nb
			}
			n, err := c.r.Read(buf[len(buf):want])
			buf = buf[:len(buf)+n]
			if err == io.EOF {
				c.eof = true
			} else if err != nil {
				return nil, 0, err
			}
		}
		cut := -1
		if c.eof {
			cut = len(buf)
		} else if last := bytes.LastIndexByte(buf, '\n'); last >= 0 {
			if _, ok := quotesClosed(buf[:last]); ok {
				cut = last + 1
			} else {
				cut = lastNewlineOutsideQuotes(buf)
			}
		}
		if cut >= 0 {
			c.carry = append(c.carry[:0], buf[cut:]...)
			line = c.line
			c.line += int64(bytes.Count(buf[:cut], nlByte))
			return buf[:cut], line, nil
		}
		if want >= maxRecordSize {
			return nil, 0, ErrRecordTooLong
		}
		want *= 2
	}
}

// quotesClosed visits only the quotes of b (which starts at a record
// start) and reports whether they are all well placed — opening at a field
// start, closing before a separator, or doubled inside — and all closed, with
// the index of the last one (-1 if none). When it says yes, every newline
// after that index ends a record; otherwise the caller scans byte by byte.
func quotesClosed(b []byte) (last int, ok bool) {
	last = -1
	inq := false
	for i := 0; i < len(b); {
		j := bytes.IndexByte(b[i:], '"')
		if j < 0 {
			break
		}
		i += j
		last = i
		if !inq {
			if i > 0 && b[i-1] != ',' && b[i-1] != '\n' {
				return last, false // a stray quote: text to the parser
			}
			inq = true
			i++
			continue
		}
		if i+1 < len(b) && b[i+1] == '"' {
			last = i + 1
			i += 2
			continue
		}
		if i+1 < len(b) && b[i+1] != ',' && b[i+1] != '\n' && b[i+1] != '\r' {
			return last, false // text after a closing quote: a bad record
		}
		inq = false
		i++
	}
	return last, !inq
}

// lastNewlineOutsideQuotes returns the index after the last newline that
// ends a record, or -1. It follows the record parser exactly: a quote opens
// a quoted field only at the start of a field, "" inside one is a quote, and
// other quotes are text — so a stray quote cannot make the cut go wrong.
func lastNewlineOutsideQuotes(b []byte) int {
	inq, start, cut := false, true, -1
	for i := 0; i < len(b); i++ {
		c := b[i]
		if inq {
			if c == '"' {
				if i+1 < len(b) && b[i+1] == '"' {
					i++
				} else {
					inq = false
				}
			}
			continue
		}
		switch c {
		case '"':
			if start {
				inq = true
			}
			start = false
		case ',':
			start = true
		case '\n':
			start = true
			cut = i + 1
		default:
			start = false
		}
	}
	return cut
}

// csvStream reads CSV from r and streams the flows matching q to fn. Input is
// cut into chunks parsed by several goroutines; batches are delivered to fn
// in input order on the calling goroutine.
func csvStream(ctx context.Context, name string, r io.Reader, chunkSize int, q Query, fn func(*Flow) error) (Stats, error) {
	if chunkSize <= 0 {
		chunkSize = defaultChunkSize
	}
	ch := &chunker{r: r, size: chunkSize, line: 1}
	first, line, err := ch.next(make([]byte, 0, chunkSize))
	if err != nil {
		return Stats{}, fmt.Errorf("%s: %w", name, err)
	}
	var p rowParser
	var hdr [][]byte
	var n, nl int
	for len(first) > 0 && hdr == nil {
		var bad string
		hdr, n, nl, bad = p.record(first)
		if bad != "" {
			return Stats{}, fmt.Errorf("%s:%d: header: %s", name, line, bad)
		}
		first, line = first[n:], line+int64(nl)
	}
	if hdr == nil {
		return Stats{}, fmt.Errorf("%s: empty file (no header row)", name)
	}
	header := make([]string, len(hdr))
	for i, h := range hdr {
		header[i] = string(h)
	}
	sc, err := newSchema(name, header)
	if err != nil {
		return Stats{}, err
	}
	if err := sc.checkQuery(name, q); err != nil {
		return Stats{}, err
	}
	st, err := runPipeline(ctx, name, sc, q, ch, first, line, fn)
	st.Warnings = append(sc.warnings, st.Warnings...)
	st.HasBytes = sc.hasBytes()
	return st, err
}

type csvJob struct {
	data []byte
	buf  []byte // to recycle
	line int64
	res  chan *batch
}

func runPipeline(ctx context.Context, name string, sc *schema, q Query, ch *chunker, first []byte, firstLine int64, fn func(*Flow) error) (Stats, error) {
	nw := min(runtime.GOMAXPROCS(0), 8)
	depth := nw + 2
	jobs := make(chan *csvJob, nw)
	order := make(chan *csvJob, depth)
	bufs := make(chan []byte, depth+nw+2)
	batches := make(chan *batch, depth+nw+2)
	done := make(chan struct{})
	var wg sync.WaitGroup

	// Reader: cut chunks, queue them for the workers and, in order, for us.
	wg.Add(1)
	go func() {
		defer wg.Done()
		defer close(order)
		defer close(jobs)
		send := func(j *csvJob) bool {
			select {
			case order <- j:
			case <-done:
				return false
			}
			if j.data == nil {
				return true
			}
			select {
			case jobs <- j:
				return true
			case <-done:
				return false
			}
		}
		// The first chunk (after the header) is already read.
		if !send(&csvJob{data: first, line: firstLine, res: make(chan *batch, 1)}) {
			return
		}
		for !ch.eof {
			var buf []byte
			select {
			case buf = <-bufs:
			default:
				if p, ok := bufPool.Get().(*[]byte); ok && cap(*p) >= ch.size {
					buf = (*p)[:0]
				} else {
					buf = make([]byte, 0, ch.size)
				}
			}
			data, line, err := ch.next(buf)
			if err != nil {
				j := &csvJob{res: make(chan *batch, 1)}
				j.res <- &batch{err: fmt.Errorf("%s: line %d: %w", name, ch.line, err)}
				send(j)
				return
			}
			if len(data) == 0 {
				continue
			}
			if !send(&csvJob{data: data, buf: data, line: line, res: make(chan *batch, 1)}) {
				return
			}
		}
	}()

	// Workers: parse chunks into batches.
	for range nw {
		wg.Add(1)
		go func() {
			defer wg.Done()
			w := worker{name: name, sc: sc, dec: newDecoder(sc, q), pairs: sc.present()}
			for j := range jobs {
				var b *batch
				select {
				case b = <-batches:
				default:
					if p, ok := batchPool.Get().(*batch); ok {
						b = p
					} else {
						b = &batch{}
					}
				}
				w.parse(j.data, j.line, b)
				if j.buf != nil {
					select {
					case bufs <- j.buf[:0]:
					default:
					}
				}
				j.res <- b
			}
		}()
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
	// Keep the buffers for the next Stream (a notebook often reads twice).
	for {
		select {
		case b := <-bufs:
			bufPool.Put(&b)
			continue
		case b := <-batches:
			batchPool.Put(b)
			continue
		default:
		}
		break
	}
	return st, err
}

var bufPool, batchPool sync.Pool

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

// worker parses chunks with its own parser, decoder and string table.
type worker struct {
	name  string
	sc    *schema
	dec   *decoder
	p     rowParser
	pairs []colPair
}

func (w *worker) parse(data []byte, line int64, b *batch) {
	var v [nFields][]byte
	// Size the batch once from the bytes (flow rows are rarely under 192 bytes)
	// rather than growing it by doubling.
	if est := len(data)/192 + 16; cap(b.flows) < est {
		b.flows = make([]Flow, 0, est)
		b.ips = make([]string, 0, est)
	}
	for len(data) > 0 {
		fields, n, nl, bad := w.p.record(data)
		rec := line
		data, line = data[n:], line+int64(nl)
		if bad != "" {
			b.stats.RowsRead++
			b.skip(w.name, rec, &rowError{reason: bad})
			continue
		}
		if fields == nil {
			continue
		}
		if len(fields) != w.sc.ncols {
			b.stats.RowsRead++
			b.skip(w.name, rec, &rowError{reason: fmt.Sprintf("%d fields, header has %d", len(fields), w.sc.ncols)})
			continue
		}
		for _, p := range w.pairs {
			v[p.f] = fields[p.col]
		}
		n0 := len(b.flows)
		if e := w.dec.decode(&v, b); e != nil {
			b.skip(w.name, rec, e)
			continue
		}
		for i := n0; i < len(b.flows); i++ {
			b.stats.keep(&b.flows[i])
		}
	}
}

package flows

import (
	"bytes"
	"fmt"
	"math/bits"
	"slices"
)

// maxRecordSpan bounds a record whose quoted field holds newlines: a quote
// still open this far from the start of its record is taken as unterminated
// (the line it opened on is lost, and reading resumes at the next line)
// rather than allowed to swallow the rest of the file.
const maxRecordSpan = 1 << 20

// badRecord says why the tokenizer could not read a line as a record.
type badRecord uint8

const (
	recordOK badRecord = iota
	badAfterQuote
	badUnterminated
	badSpan
)

// record is one record (or one unreadable line) found by the tokenizer.
type record struct {
	start int32 // offset of its first byte
	field int32 // index in tokenizer.ends of its first field's end
	nf    int32 // number of fields
	line  int32 // newlines before it, from the start of the data
	lines int32 // lines it covers (1, more for quoted fields holding newlines)
	bad   badRecord
	nfBad int32 // for a bad multi-line record: its field count (0: not that reason)
}

// reason is the message for a bad record.
func (r *record) reason(ncols int) string {
	switch r.bad {
	case badAfterQuote:
		return "unexpected character after a closing quote"
	case badUnterminated:
		if r.nfBad > 0 {
			return fmt.Sprintf("a quoted field runs on past this line into a record of %d fields (header has %d): taken as an unterminated quote", r.nfBad, ncols)
		}
		return "unterminated quoted field"
	case badSpan:
		return fmt.Sprintf("quoted field still open %d bytes on: taken as an unterminated quote", maxRecordSpan)
	}
	return ""
}

// tokenizer finds the records and fields of CSV input (RFC 4180: comma
// separated; a field starting with a quote is quoted, "" in it stands for a
// quote and it may hold commas and newlines; quotes elsewhere are text; LF
// or CRLF line ends). It marks the commas, quotes and newlines of each 64
// bytes in one pass (structMasks: AVX2 where the CPU has it), works out
// which of them are inside quoted fields from the parity of the quotes
// before them, and checks that every quote is one a quoted field can hold
// (opening at a field start, closing before a separator, or doubled); a
// record with any other quote is read by the exact byte-wise state machine
// instead (slowRecord), so both give the same records for any input.
//
// A malformed record (text after a closing quote, a quote never closed)
// that spans several lines loses only its first line: reading resumes at
// the next line, so one bad quote cannot swallow what follows.
//
// Fields are the raw spans: a quoted field keeps its quotes (see unquote);
// the CR of a CRLF line end is not part of the last field.
type tokenizer struct {
	ncols int // the header's field count (multi-line records must match it); 0: any
	ends  []int32
	recs  []record
	masks [maskBatch]blockMasks
	out   [maskBatch]blockOut
	pad   [64]byte
}

// prefixXor sets bit i of the result to the parity of bits 0..i of x.
func prefixXor(x uint64) uint64 {
	x ^= x << 1
	x ^= x << 2
	x ^= x << 4
	x ^= x << 8
	x ^= x << 16
	x ^= x << 32
	return x
}

// tokenize finds the records of data, which starts at a record start, and
// counts its newlines (lines). When data ends inside a quoted field and
// more data follows (!eof), the record is incomplete: tokenize returns its
// start and line (the tail, for the caller to join to what follows);
// otherwise tail is len(data).
func (t *tokenizer) tokenize(data []byte, eof bool) (tail, tailLine, lines int) {
	t.ends, t.recs = t.ends[:0], t.recs[:0]
	n := len(data)
	pos, line := 0, 0
	for pos < n {
		var open bool
		pos, line, open = t.fast(data, pos, line)
		if !open {
			continue
		}
		// data ended inside a quoted field of the record at pos.
		if !eof && n-pos <= maxRecordSpan {
			return pos, line, line + bytes.Count(data[pos:], nlByte)
		}
		reason := badUnterminated
		if n-pos > maxRecordSpan {
			reason = badSpan
		}
		pos, line = t.lose(data, pos, line, reason, 0)
	}
	return n, line, line
}

// fast tokenizes from pos (a record start, line newlines before it) as
// far as it can go with the masks; it returns where it stopped, the line
// count there, and whether it stopped because data ended inside quotes (pos
// is then that record's start). Otherwise it stopped at the end of data or
// after handing one record to the slow path.
func (t *tokenizer) fast(data []byte, pos, line int) (int, int, bool) {
	n := len(data)
	recStart, recField, recLine := pos, len(t.ends), line
	base := pos
	lines := line  // newlines before base
	var inq uint64 // all ones when base is inside quotes
	// prevOK is 1 when the byte before base is a separator outside quotes
	// or a quote (a quote may open a field after it).
	prevOK := uint64(1)
	batch, bi := 0, 0
	goBlock := false // the assembly stopped before this block: the Go path takes it
	for base < n {
		if hasTokBlocks && !goBlock && bi == batch && n-base >= 64 {
			var stop bool
			var next, nextLine int
			base, lines, recStart, recField, recLine, inq, prevOK, goBlock, next, nextLine, stop = t.asmBlocks(data, base, lines, recStart, recField, recLine, inq, prevOK)
			if stop {
				return next, nextLine, false
			}
			continue
		}
		goBlock = false
		if bi == batch {
			batch, bi = min((n-base)/64, maskBatch), 0
			if hasTokBlocks {
				batch = min(batch, 1) // one block, then the assembly again
			}
			if batch > 0 {
				structMasks(data[base:base+64*batch], t.masks[:batch])
			} else {
				t.pad = [64]byte{}
				copy(t.pad[:], data[base:])
				structMasks(t.pad[:], t.masks[:1])
				batch = 1
			}
		}
		m := t.masks[bi]
		bi++
		c, q, nl := m.comma, m.quote, m.nl
		if n-base < 64 {
			valid := uint64(1)<<(n-base) - 1
			c, q, nl = c&valid, q&valid, nl&valid
		}
		// Without a branch on whether the block has quotes: it would be
		// mispredicted about every other block of flow exports.
		inside := prefixXor(q) ^ inq
		{
			seps := c | nl
			opener, closer := q&inside, q&^inside
			bad := opener &^ ((seps|q)<<1 | prevOK)
			badClose := closer &^ ((seps | q) >> 1)
			for bc := badClose; bc != 0; bc &= bc - 1 {
				b := bits.TrailingZeros64(bc)
				if closeOK(data, base+b+1) {
					badClose &^= 1 << b
				}
			}
			if bad |= badClose; bad != 0 {
				// Every quote before the first bad one is sound: keep the
				// separators before it, then read the record byte-wise.
				first := bits.TrailingZeros64(bad)
				sep := (c | nl) &^ inside & (uint64(1)<<first - 1)
				var stop bool
				var next, nextLine int
				recStart, _, recLine, next, nextLine, stop = t.rest(data, base, sep, nl, lines, recStart, recField, recLine)
				if stop {
					return next, nextLine, false
				}
				return t.slow(data, recStart, recLine)
			}
			inq = -(inside >> 63)
		}
		sep := (c | nl) &^ inside
		prevOK = (sep | q) >> 63
		// Write every separator's offset without a branch per separator
		// (most blocks hold at most 8), then close the records at the
		// newlines among them.
		ends := t.ends
		k := len(ends)
		if cap(ends)-k < 64 {
			ends = slices.Grow(ends, 64+k/2)
		}
		e := ends[k : k+64]
		cnt := bits.OnesCount64(sep)
		w := sep
		for i := 0; i < 8; i++ {
			e[i&63] = int32(base + bits.TrailingZeros64(w)) // w = 0 writes 64: beyond cnt, unused
			w &= w - 1
		}
		if cnt > 8 {
			for i := 8; i < 16; i++ {
				e[i&63] = int32(base + bits.TrailingZeros64(w))
				w &= w - 1
			}
			for i := 16; i < cnt; i++ {
				e[i&63] = int32(base + bits.TrailingZeros64(w))
				w &= w - 1
			}
		}
		ends = ends[:k+cnt]
		for r := nl &^ inside; r != 0; r &= r - 1 {
			b := bits.TrailingZeros64(r)
			p := base + b
			below := uint64(1)<<b - 1
			idx := k + bits.OnesCount64(sep&below)
			lineAt := lines + bits.OnesCount64(nl&below)
			end := p
			if end > recStart && data[end-1] == '\r' {
				end--
			}
			if nf := idx - recField + 1; lineAt != recLine || (nf == 1 && end == recStart) {
				// A record holding newlines, or a blank line: finish the
				// block separator by separator from here.
				t.ends = ends[:idx]
				var stop bool
				var next, nextLine int
				recStart, recField, recLine, next, nextLine, stop = t.rest(data, base, sep&^below, nl, lines, recStart, recField, recLine)
				if stop {
					return next, nextLine, false
				}
				ends = t.ends
				break
			}
			ends[idx] = int32(end)
			t.recs = append(t.recs, record{start: int32(recStart), field: int32(recField), nf: int32(idx - recField + 1), line: int32(recLine), lines: 1})
			recStart, recField, recLine = p+1, idx+1, lineAt+1
		}
		t.ends = ends
		lines += bits.OnesCount64(nl)
		base += 64
	}
	if recStart >= n {
		return n, lines, false
	}
	if inq != 0 {
		t.ends = t.ends[:recField]
		return recStart, recLine, true
	}
	// The last line has no newline (the end of the file).
	end := n
	if data[end-1] == '\r' {
		end--
	}
	t.ends = append(t.ends, int32(end))
	if next, nextLine, ok := t.finish(data, recStart, recField, recLine, lines-recLine, end); !ok {
		return next, nextLine, false
	}
	return n, lines, false
}

// blockOut is what the assembly fast path gives for one block: the
// separators and newlines outside quotes, all newlines, and the quote
// state after it (bit 0: inside quotes, bit 1: prevOK).
type blockOut struct {
	sep, nl, nlAll, state uint64
}

// quoteState is the quote state between blocks: inq all ones inside
// quotes, prevOK as in fast.
type quoteState struct {
	inq, prevOK uint64
}

// asmBlocks runs the assembly fast path (tokBlocks) over the whole blocks
// from base and closes the records at their newlines, as fast's Go path
// does. It returns the state after the blocks it took; goBlock says the
// next block must take the Go path (its quotes need it); stop, with next and
// nextLine, that a record was dropped for recovery.
func (t *tokenizer) asmBlocks(data []byte, base, lines, recStart, recField, recLine int, inq, prevOK uint64) (nbase, nlines, nrecStart, nrecField, nrecLine int, ninq, nprevOK uint64, goBlock bool, next, nextLine int, stop bool) {
	nb := min((len(data)-base)/64, maskBatch)
	t.ends = slices.Grow(t.ends, 64*nb+64)
	k0 := len(t.ends)
	qs := quoteState{inq, prevOK}
	done, nends := tokBlocks(data[base:], nb, base, t.ends[k0:cap(t.ends)], t.out[:nb], &qs)
	ends := t.ends[:k0+nends]
	k := k0
	for i := 0; i < done; i++ {
		o := &t.out[i]
		bb := base + 64*i
		for r := o.nl; r != 0; r &= r - 1 {
			b := bits.TrailingZeros64(r)
			p := bb + b
			below := uint64(1)<<b - 1
			idx := k + bits.OnesCount64(o.sep&below)
			lineAt := lines + bits.OnesCount64(o.nlAll&below)
			end := p
			if end > recStart && data[end-1] == '\r' {
				end--
			}
			if nf := idx - recField + 1; lineAt != recLine || (nf == 1 && end == recStart) {
				// A record holding newlines, or a blank line: this block
				// separator by separator, then on from the next.
				t.ends = ends[:idx]
				recStart, recField, recLine, next, nextLine, stop = t.rest(data, bb, o.sep&^below, o.nlAll, lines, recStart, recField, recLine)
				if stop {
					return
				}
				return bb + 64, lines + bits.OnesCount64(o.nlAll), recStart, recField, recLine, -(o.state & 1), o.state >> 1, false, 0, 0, false
			}
			ends[idx] = int32(end)
			t.recs = append(t.recs, record{start: int32(recStart), field: int32(recField), nf: int32(idx - recField + 1), line: int32(recLine), lines: 1})
			recStart, recField, recLine = p+1, idx+1, lineAt+1
		}
		k += bits.OnesCount64(o.sep)
		lines += bits.OnesCount64(o.nlAll)
	}
	t.ends = ends
	return base + 64*done, lines, recStart, recField, recLine, qs.inq, qs.prevOK, done < nb, 0, 0, false
}

// rest handles the separators sep of the block at base one by one (the
// general path: records holding newlines, blank lines), from the record at
// recStart. stop says a record was dropped for recovery: resume at next.
func (t *tokenizer) rest(data []byte, base int, sep, nl uint64, lines, recStart, recField, recLine int) (int, int, int, int, int, bool) {
	for ; sep != 0; sep &= sep - 1 {
		b := bits.TrailingZeros64(sep)
		p := base + b
		if nl>>b&1 == 0 {
			t.ends = append(t.ends, int32(p))
			continue
		}
		lineAt := lines + bits.OnesCount64(nl&(uint64(1)<<b-1))
		if next, nextLine, ok := t.end(data, recStart, recField, recLine, lineAt, p); !ok {
			return 0, 0, 0, next, nextLine, true
		}
		recStart, recField, recLine = p+1, len(t.ends), lineAt+1
	}
	return recStart, recField, recLine, 0, 0, false
}

// closeOK reports whether a closing quote may be followed by data[i:]:
// the end of data, or a CR that ends the line (CRLF, or the last byte).
// (A comma, a newline or another quote was checked with the masks.)
func closeOK(data []byte, i int) bool {
	switch {
	case i >= len(data):
		return true
	case data[i] == ',' || data[i] == '\n' || data[i] == '"':
		return true
	case data[i] == '\r':
		return i+1 == len(data) || data[i+1] == '\n'
	}
	return false
}

// end completes the record from recStart whose line-ending newline is at
// p (lineAt newlines before p). ok is false when the record had to be
// dropped for recovery: next and nextLine then say where to resume.
func (t *tokenizer) end(data []byte, recStart, recField, recLine, lineAt, p int) (next, nextLine int, ok bool) {
	end := p
	if end > recStart && data[end-1] == '\r' {
		end--
	}
	t.ends = append(t.ends, int32(end))
	return t.finish(data, recStart, recField, recLine, lineAt-recLine, end)
}

// finish adds the record from recStart whose fields' ends are
// t.ends[recField:] (the last at end), nlInside newlines inside its quoted
// fields. A record spanning lines that does not fit the header is taken as
// an unterminated quote: ok is false, its first line is lost, and next and
// nextLine say where to resume.
func (t *tokenizer) finish(data []byte, recStart, recField, recLine, nlInside, end int) (next, nextLine int, ok bool) {
	if nf := len(t.ends) - recField; nlInside > 0 && t.ncols > 0 && nf != t.ncols {
		t.ends = t.ends[:recField]
		next, nextLine = t.lose(data, recStart, recLine, badUnterminated, nf)
		return next, nextLine, false
	}
	t.add(recStart, recField, recLine, nlInside, end)
	return 0, 0, true
}

// add appends the record whose fields' ends are t.ends[recField:]; a
// single empty field is a blank line, which is not a record.
func (t *tokenizer) add(recStart, recField, recLine, nlInside, end int) {
	nf := len(t.ends) - recField
	if nf == 1 && end == recStart {
		t.ends = t.ends[:recField]
		return
	}
	t.recs = append(t.recs, record{start: int32(recStart), field: int32(recField), nf: int32(nf), line: int32(recLine), lines: int32(nlInside + 1)})
}

// lose records the line at start (line newlines before it) as unreadable
// and returns where the next line starts.
func (t *tokenizer) lose(data []byte, start, line int, why badRecord, nf int) (int, int) {
	t.recs = append(t.recs, record{start: int32(start), field: int32(len(t.ends)), line: int32(line), lines: 1, bad: why, nfBad: int32(nf)})
	i := bytes.IndexByte(data[start:], '\n')
	if i < 0 {
		return len(data), line
	}
	return start + i + 1, line + 1
}

// slow reads the record at start byte by byte (slowRecord) and returns
// where the next record starts (and the newlines before it), or that data
// ended inside its quoted field.
func (t *tokenizer) slow(data []byte, start, line int) (int, int, bool) {
	recField := len(t.ends)
	next, nls, bad, open := t.slowRecord(data, start)
	if open {
		t.ends = t.ends[:recField]
		return start, line, true
	}
	nlInside := nls
	if data[next-1] == '\n' {
		nlInside--
	}
	if bad != recordOK {
		t.ends = t.ends[:recField]
		if nlInside > 0 {
			// it ran over several lines: lose only the first
			p, l := t.lose(data, start, line, bad, 0)
			return p, l, false
		}
		t.recs = append(t.recs, record{start: int32(start), field: int32(recField), line: int32(line), lines: 1, bad: bad})
		return next, line + nls, false
	}
	if p, l, ok := t.finish(data, start, recField, line, nlInside, int(t.ends[len(t.ends)-1])); !ok {
		return p, l, false
	}
	return next, line + nls, false
}

// slowRecord reads one record at data[start:] with the exact state
// machine, appending its fields' ends to t.ends. It returns the offset
// after the record (after its newline, or len(data)), the newlines it
// consumed (including the ending one), why it is malformed (it then
// consumed its line or lines up to the next newline) and whether data ended
// inside a quoted field.
func (t *tokenizer) slowRecord(data []byte, start int) (next, nls int, bad badRecord, open bool) {
	n := len(data)
	pos := start
	for {
		if pos < n && data[pos] == '"' {
			i := pos + 1
			for {
				j := bytes.IndexByte(data[i:], '"')
				if j < 0 {
					return n, nls + bytes.Count(data[i:], nlByte), recordOK, true
				}
				nls += bytes.Count(data[i:i+j], nlByte)
				i += j + 1
				if i < n && data[i] == '"' {
					i++
					continue
				}
				break
			}
			if i >= n {
				t.ends = append(t.ends, int32(i))
				return n, nls, recordOK, false
			}
			switch data[i] {
			case ',':
				t.ends = append(t.ends, int32(i))
				pos = i + 1
				continue
			case '\n':
				t.ends = append(t.ends, int32(i))
				return i + 1, nls + 1, recordOK, false
			case '\r':
				if i+1 == n {
					t.ends = append(t.ends, int32(i))
					return n, nls, recordOK, false
				}
				if data[i+1] == '\n' {
					t.ends = append(t.ends, int32(i))
					return i + 2, nls + 1, recordOK, false
				}
			}
			k := bytes.IndexByte(data[i:], '\n')
			if k < 0 {
				return n, nls, badAfterQuote, false
			}
			return i + k + 1, nls + 1, badAfterQuote, false
		}
		// An unquoted field (a quote inside it is text).
		k := pos
		for k < n && data[k] != ',' && data[k] != '\n' {
			k++
		}
		if k < n && data[k] == ',' {
			t.ends = append(t.ends, int32(k))
			pos = k + 1
			continue
		}
		end := k
		if end > pos && data[end-1] == '\r' {
			end--
		}
		t.ends = append(t.ends, int32(end))
		if k == n {
			return n, nls, recordOK, false
		}
		return k + 1, nls + 1, recordOK, false
	}
}

var nlByte = []byte{'\n'}

// fieldSpan returns the raw bytes of field i of r.
func (t *tokenizer) fieldSpan(data []byte, r *record, i int) []byte {
	end := t.ends[int(r.field)+i]
	start := r.start
	if i > 0 {
		start = t.ends[int(r.field)+i-1] + 1
	}
	return data[start:end]
}

// unquote returns a field's value: a quoted field without its quotes, with
// "" read as one quote (into scratch, which it returns grown).
func unquote(f []byte, scratch []byte) ([]byte, []byte) {
	if len(f) < 2 || f[0] != '"' {
		return f, scratch
	}
	in := f[1 : len(f)-1]
	if bytes.IndexByte(in, '"') < 0 {
		return in, scratch
	}
	s := len(scratch)
	for {
		i := bytes.IndexByte(in, '"')
		if i < 0 {
			scratch = append(scratch, in...)
			break
		}
		scratch = append(scratch, in[:i+1]...)
		in = in[i+1:]
		if len(in) > 0 && in[0] == '"' {
			in = in[1:]
		}
	}
	return scratch[s:len(scratch):len(scratch)], scratch
}

package flows

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"math/bits"
	"strconv"
	"strings"
	"time"
	"unsafe"

	"github.com/gonotebooklets/notebooklets/providers/ipaddr"
)

// maxInterned bounds each decoder's string table so that inputs with
// millions of distinct values cannot grow it without limit.
const maxInterned = 1 << 16

// maxReported is how many skipped rows Stats.Skipped holds.
const maxReported = 5

// rowError is why one input row was skipped.
type rowError struct {
	column string
	value  string
	reason string
}

func (e *rowError) format(file string, line int64) string {
	if e.column == "" {
		return fmt.Sprintf("%s:%d: %s", file, line, e.reason)
	}
	v := e.value
	if len(v) > 60 {
		v = v[:60] + "…"
	}
	return fmt.Sprintf("%s:%d: column %s: value %q: %s", file, line, e.column, v, e.reason)
}

// decoder turns one row's column values into flows. Each parsing goroutine
// has its own: it interns repeated strings and reuses its buffers.
type decoder struct {
	s      *schema
	q      Query
	intern map[string]string
	last   [nFields]string // last value per field, a one-entry cache before intern
	// lastRaw and lastCanon are the text and canonical form of the last
	// address per field that needed ipaddr.Canonical; plain the last plain
	// IPv4 address per field.
	lastRaw, lastCanon [nFields]string
	plain              [nFields]plainSeen
	days               dayCache
	extBuf             []string
	derived            bool // AllExtIPs is not a column: expand PublicIPs + ExtIP as msticpy does
	// ephemeral makes str return strings that point into the input (valid
	// until the next row), for consumers that copy what they keep.
	ephemeral bool
	// pubQuoted says the row's PublicIPs value is the raw quoted CSV field.
	pubQuoted bool
	// lean says the consumer will not keep the row's flows whole
	// (Consumer.WantsAll): the columns no aggregate uses (leanSkip) are
	// then not read, their values are nil.
	lean       bool
	pubScratch []byte
	// in, when set, numbers the addresses and protocols (parallel mode):
	// decode then sets Keys for each flow, and those strings are the
	// Interner's; lastKey remembers each field's last text and ID.
	in     *Interner
	pubIDs []uint32
	keys   Keys
	qIP    uint32 // the query's IP as an ID (0: none)
	hostOK lastText
}

// lastText is a copy of a field's last text and what it gave.
type lastText struct {
	b  []byte
	id uint32
	s  string
	ok bool
}

func (l *lastText) is(b []byte) bool { return l.ok && string(l.b) == string(b) }

func (l *lastText) set(b []byte, id uint32, s string) {
	l.b, l.id, l.s, l.ok = append(l.b[:0], b...), id, s, true
}

// addrKey returns the ID and canonical string of the address in b (keyed
// mode).
func (d *decoder) addrKey(b []byte) (uint32, string) {
	if len(b) == 0 {
		return 0, ""
	}
	id := d.in.addrCache.idBytes(&d.in.addrs, b, true)
	return id, d.in.addrs.strs[id]
}

// protoKey returns the ID and string of an L7 protocol (keyed mode).
func (d *decoder) protoKey(b []byte) (uint32, string) {
	if len(b) == 0 {
		return 0, ""
	}
	id := d.in.protoCache.idBytes(&d.in.protos, b, false)
	return id, d.in.protos.strs[id]
}

// setKeyed makes the decoder number addresses and protocols with in.
func (d *decoder) setKeyed(in *Interner) {
	d.in = in
	if d.q.IP != "" {
		d.qIP = in.AddrID(d.q.IP)
	}
}

// matchKeyed is Query.match for a keyed flow: IDs compared, the host name
// match remembered for the last VMName.
func (d *decoder) matchKeyed(f *Flow, k *Keys) bool {
	q := &d.q
	if q.Host != "" {
		if !d.hostOK.is([]byte(f.VMName)) {
			ok := uint32(0)
			if strings.EqualFold(f.VMName, q.Host) {
				ok = 1
			}
			d.hostOK.set([]byte(f.VMName), ok, "")
		}
		if d.hostOK.id == 0 {
			return false
		}
	}
	if q.IP != "" && (d.qIP == 0 || (k.VMIPAddress != d.qIP && k.AllExtIPs != d.qIP && k.SrcIP != d.qIP && k.DestIP != d.qIP)) {
		return false
	}
	return q.InSpan(f)
}

func newDecoder(s *schema, q Query) *decoder {
	return &decoder{s: s, q: q, intern: make(map[string]string, 1024), derived: !s.has(fAllExtIPs)}
}

// str returns b as a string: interned, or for an ephemeral decoder
// pointing into b.
func (d *decoder) str(f field, b []byte) string {
	if len(b) == 0 {
		return ""
	}
	if d.ephemeral {
		return unsafe.String(unsafe.SliceData(b), len(b))
	}
	if string(b) == d.last[f] {
		return d.last[f]
	}
	// An address is often repeated across columns of one row (PublicIPs
	// and AllExtIPs; SrcIP or DestIP and AllExtIPs).
	if f == fAllExtIPs {
		for _, g := range [...]field{fPublicIPs, fSrcIP, fDestIP} {
			if string(b) == d.last[g] {
				d.last[f] = d.last[g]
				return d.last[g]
			}
		}
	}
	s, ok := d.intern[string(b)]
	if !ok {
		s = string(b)
		if len(d.intern) < maxInterned {
			d.intern[s] = s
		}
	}
	d.last[f] = s
	return s
}

// addr returns the address in b in its canonical form (ipaddr.Canonical:
// "::ffff:10.0.3.5" is 10.0.3.5, IPv6 in RFC 5952 form), interned; a value
// that is not an address is kept as it is. Plain dotted-quad IPv4, the
// usual case, is checked without parsing, and the last such value of each
// column is remembered (the host's address repeats, AllExtIPs repeats
// PublicIPs).
func (d *decoder) addr(f field, b []byte) string {
	if len(b) == 0 {
		return ""
	}
	if d.plain[f].is(b) || (f == fAllExtIPs && d.plain[fPublicIPs].is(b)) {
		return d.str(f, b)
	}
	if plainIPv4(b) {
		d.plain[f].set(b)
		return d.str(f, b)
	}
	if string(b) == d.lastRaw[f] {
		return d.lastCanon[f]
	}
	c, _ := ipaddr.Canonical(string(b))
	s := d.str(f, []byte(c))
	d.lastRaw[f], d.lastCanon[f] = strings.Clone(string(b)), s
	return s
}

// pubAddr is addr for an element of PublicIPs, which in keyed mode also
// records its ID.
func (d *decoder) pubAddr(b []byte) string {
	if d.in == nil {
		return d.addr(fPublicIPs, b)
	}
	id, s := d.addrKey(b)
	d.pubIDs = append(d.pubIDs, id)
	return s
}

// plainSeen holds a copy of the last plain IPv4 address of a column.
type plainSeen struct {
	b [15]byte
	n uint8
}

func (p *plainSeen) is(b []byte) bool {
	return int(p.n) == len(b) && string(p.b[:p.n]) == string(b)
}

func (p *plainSeen) set(b []byte) {
	if len(b) <= len(p.b) {
		p.n = uint8(copy(p.b[:], b))
	}
}

// plainIPv4 reports whether b is an IPv4 address in canonical dotted-quad
// form: four decimal parts of at most 255 with no leading zeros.
func plainIPv4(b []byte) bool {
	parts, n, digits := 0, 0, 0
	for i, c := range b {
		switch {
		case c >= '0' && c <= '9':
			if digits == 1 && n == 0 {
				return false // leading zero
			}
			n = n*10 + int(c-'0')
			digits++
			if n > 255 {
				return false
			}
		case c == '.' && digits > 0 && i+1 < len(b):
			parts++
			n, digits = 0, 0
		default:
			return false
		}
	}
	return parts == 3 && digits > 0
}

// batch is what a parser hands to the consumer: flows plus the backing
// store of their PublicIPs slices. Both are reused once consumed.
type batch struct {
	flows []Flow
	keys  []Keys // per flow, in keyed mode
	ips   []string
	stats Stats
	errs  []string // first few skipped rows, formatted
	err   error    // fatal error (I/O, record too long)
}

func (b *batch) reset() {
	b.flows = b.flows[:0]
	b.keys = b.keys[:0]
	b.ips = b.ips[:0]
	b.stats = Stats{}
	b.errs = b.errs[:0]
	b.err = nil
}

func (b *batch) skip(file string, line int64, e *rowError) {
	b.stats.RowsSkipped++
	if len(b.errs) < maxReported {
		b.errs = append(b.errs, e.format(file, line))
	}
}

// decode parses one row, applies the query and appends the kept flows to b.
func (d *decoder) decode(v *[nFields][]byte, b *batch) *rowError {
	b.stats.RowsRead++
	n0 := len(b.flows)
	b.flows = append(b.flows, Flow{})
	f := &b.flows[n0]
	var err *rowError
	if f.FlowStartTime, err = d.time(fFlowStartTime, v[fFlowStartTime], true); err != nil {
		b.flows = b.flows[:n0]
		return err
	}
	if f.FlowEndTime, err = d.time(fFlowEndTime, v[fFlowEndTime], true); err != nil {
		b.flows = b.flows[:n0]
		return err
	}
	if !d.lean { // TimeGenerated is shown only in the flows kept whole
		if f.TimeGenerated, err = d.time(fTimeGenerated, v[fTimeGenerated], false); err != nil {
			b.flows = b.flows[:n0]
			return err
		}
	}
	dir := v[fFlowDirection]
	if len(dir) != 1 {
		dir = bytes.TrimSpace(dir)
	}
	if len(dir) != 1 || (dir[0] != 'I' && dir[0] != 'O') {
		b.flows = b.flows[:n0]
		return &rowError{column: d.colName(fFlowDirection), value: string(v[fFlowDirection]), reason: `want "I" or "O"`}
	}
	if dir[0] == 'O' {
		f.FlowDirection = Outbound
	} else {
		f.FlowDirection = Inbound
	}
	var ok1, ok2, ok3, ok4, ok5, ok6 bool
	f.AllowedOutFlows, ok1 = smallInt(v[fAllowedOutFlows])
	f.AllowedInFlows, ok2 = smallInt(v[fAllowedInFlows])
	f.DeniedInFlows, ok3 = smallInt(v[fDeniedInFlows])
	f.DeniedOutFlows, ok4 = smallInt(v[fDeniedOutFlows])
	f.BytesSrcToDest, ok5 = smallInt(v[fBytesSrcToDest])
	f.BytesDestToSrc, ok6 = smallInt(v[fBytesDestToSrc])
	if !(ok1 && ok2 && ok3 && ok4 && ok5 && ok6) || (f.AllowedOutFlows|f.AllowedInFlows|f.DeniedInFlows|f.DeniedOutFlows|f.BytesSrcToDest|f.BytesDestToSrc) < 0 {
		b.flows = b.flows[:n0]
		return d.countError(v)
	}
	port, ok := smallInt(v[fDestPort])
	if !ok || port < 0 || port > 65535 {
		b.flows = b.flows[:n0]
		return &rowError{column: d.colName(fDestPort), value: string(v[fDestPort]), reason: "not a port number"}
	}
	f.DestPort = int(port)
	f.FlowType = d.str(fFlowType, v[fFlowType])
	if d.s.has(fVMName) {
		vm := v[fVMName]
		if len(vm) > 0 && (vm[0] <= ' ' || vm[len(vm)-1] <= ' ') {
			vm = bytes.TrimSpace(vm)
		}
		f.VMName = d.str(fVMName, vm)
	} else if vm := v[fVM]; len(vm) > 0 {
		// VM_s is "resourcegroup/vmname": msticpy takes split(VM_s, "/")[1].
		if i := bytes.IndexByte(vm, '/'); i >= 0 {
			vm = vm[i+1:]
			if j := bytes.IndexByte(vm, '/'); j >= 0 {
				vm = vm[:j]
			}
		}
		f.VMName = d.str(fVMName, vm)
	}
	k := &d.keys
	if d.in != nil {
		k.VMIPAddress, f.VMIPAddress = d.addrKey(v[fVMIPAddress])
		k.SrcIP, f.SrcIP = d.addrKey(v[fSrcIP])
		k.DestIP, f.DestIP = d.addrKey(v[fDestIP])
		k.L7Protocol, f.L7Protocol = d.protoKey(v[fL7Protocol])
		d.pubIDs = d.pubIDs[:0]
	} else {
		f.VMIPAddress = d.addr(fVMIPAddress, v[fVMIPAddress])
		f.SrcIP = d.addr(fSrcIP, v[fSrcIP])
		f.DestIP = d.addr(fDestIP, v[fDestIP])
		f.L7Protocol = d.str(fL7Protocol, v[fL7Protocol])
	}
	f.L4Protocol = d.str(fL4Protocol, v[fL4Protocol])
	f.RemoteRegion = d.str(fRemoteRegion, v[fRemoteRegion])
	f.VMRegion = d.str(fVMRegion, v[fVMRegion])
	if pv := v[fPublicIPs]; len(pv) > 0 {
		if d.lean && !d.derived {
			// Not kept whole, and AllExtIPs is a column: not read.
		} else {
			start := len(b.ips)
			var perr *rowError
			b.ips, perr = d.appendIPs(b.ips, pv)
			if perr != nil {
				b.flows = b.flows[:n0]
				return perr
			}
			if len(b.ips) > start && !(d.lean && !d.derived) {
				f.PublicIPs = b.ips[start:len(b.ips):len(b.ips)]
			}
		}
	}
	if !d.derived {
		if d.in != nil {
			k.AllExtIPs, f.AllExtIPs = d.addrKey(v[fAllExtIPs])
			if !d.matchKeyed(f, k) {
				b.flows = b.flows[:n0]
			} else {
				b.keys = append(b.keys, *k)
			}
			return nil
		}
		f.AllExtIPs = d.addr(fAllExtIPs, v[fAllExtIPs])
		if !d.q.match(f) {
			b.flows = b.flows[:n0]
		}
		return nil
	}
	// msticpy: ExtIP = iif(FlowDirection == "I", SrcIP, DestIP);
	// AllExtIPs = PublicIPs (+ ExtIP), or [ExtIP]; then mv-expand.
	ext := f.DestIP
	if f.FlowDirection == Inbound {
		ext = f.SrcIP
	}
	all := append(d.extBuf[:0], f.PublicIPs...)
	if len(all) == 0 || ext != "" {
		all = append(all, ext)
	}
	d.extBuf = all
	proto := *f
	b.flows = b.flows[:n0]
	if d.in != nil {
		extID := k.DestIP
		if f.FlowDirection == Inbound {
			extID = k.SrcIP
		}
		ids := append(d.pubIDs, extID)[:len(all)]
		for i, ip := range all {
			g := proto
			g.AllExtIPs = ip
			kk := *k
			kk.AllExtIPs = ids[i]
			if d.matchKeyed(&g, &kk) {
				b.flows = append(b.flows, g)
				b.keys = append(b.keys, kk)
			}
		}
		return nil
	}
	for _, ip := range all {
		g := proto
		g.AllExtIPs = ip
		if d.q.match(&g) {
			b.flows = append(b.flows, g)
		}
	}
	return nil
}

// countError says which count column of a row is bad (the first).
func (d *decoder) countError(v *[nFields][]byte) *rowError {
	for _, f := range [...]field{fAllowedOutFlows, fAllowedInFlows, fDeniedInFlows, fDeniedOutFlows, fBytesSrcToDest, fBytesDestToSrc} {
		n, ok := parseInt(v[f])
		if !ok {
			return &rowError{column: d.colName(f), value: string(v[f]), reason: "not an integer"}
		}
		if n < 0 {
			return &rowError{column: d.colName(f), value: string(v[f]), reason: "a negative count"}
		}
	}
	return &rowError{reason: "bad count"}
}

func (d *decoder) colName(f field) string {
	if c := d.s.cols[f]; c >= 0 && c < len(d.s.names) {
		return d.s.names[c]
	}
	return fieldNames[f]
}

// time parses a timestamp column; an empty optional column is the zero time.
func (d *decoder) time(f field, b []byte, required bool) (time.Time, *rowError) {
	if len(b) == 0 {
		if required {
			return time.Time{}, &rowError{column: d.colName(f), reason: "empty time"}
		}
		return time.Time{}, nil
	}
	t, zoned, ok := d.days.parseISOZoned(b)
	if !ok {
		t, zoned, ok = parseTimeSlow(string(b))
	}
	if ok {
		if off := d.s.zone[f]; off != 0 && !zoned {
			t = t.Add(-time.Duration(off) * time.Second)
		}
		return t, nil
	}
	return time.Time{}, &rowError{column: d.colName(f), value: string(b), reason: "not a time (want RFC 3339 or a Log Analytics export time such as \"2/14/2019, 4:24:41.000 AM\")"}
}

// appendIPs parses a PublicIPs value: a JSON array of strings (the projected
// form and portal exports), the raw PublicIPs_s form "ip|n|n|n ip2|n|n|n", or
// a plain list separated by spaces, commas or semicolons.
func (d *decoder) appendIPs(dst []string, b []byte) ([]string, *rowError) {
	if d.pubQuoted {
		// b is the raw CSV field, "[""a"",""b""]": read it as it is when
		// it has that simple form, else unquote it first.
		n := len(d.pubIDs)
		if out, ok := d.appendQuotedIPs(dst, b); ok {
			return out, nil
		}
		d.pubIDs = d.pubIDs[:n]
		b, d.pubScratch = unquote(b, d.pubScratch[:0])
	}
	b = bytes.TrimSpace(b)
	if len(b) == 0 {
		return dst, nil
	}
	if b[0] == '[' {
		start, startIDs := len(dst), len(d.pubIDs)
		if bytes.IndexByte(b, '\\') < 0 {
			// Fast path: ["a","b"] with no escapes.
			in := b[1:]
			for {
				for len(in) > 0 && (in[0] == ' ' || in[0] == ',' || in[0] == '\t' || in[0] == '\r' || in[0] == '\n') {
					in = in[1:]
				}
				if len(in) == 0 {
					return dst, &rowError{column: d.colName(fPublicIPs), value: string(b), reason: "unterminated JSON array"}
				}
				if in[0] == ']' {
					if len(bytes.TrimSpace(in[1:])) != 0 {
						break
					}
					return dst, nil
				}
				if in[0] != '"' {
					break
				}
				end := bytes.IndexByte(in[1:], '"')
				if end < 0 {
					break
				}
				if s := in[1 : 1+end]; len(s) > 0 {
					dst = append(dst, d.pubAddr(s))
				}
				in = in[end+2:]
			}
		}
		dst, d.pubIDs = dst[:start], d.pubIDs[:startIDs]
		var arr []string
		if err := json.Unmarshal(b, &arr); err != nil {
			return dst, &rowError{column: d.colName(fPublicIPs), value: string(b), reason: "not a JSON array of strings"}
		}
		for _, s := range arr {
			if s != "" {
				dst = append(dst, d.pubAddr([]byte(s)))
			}
		}
		return dst, nil
	}
	for len(b) > 0 {
		i := bytes.IndexAny(b, " ,;\t")
		tok := b
		if i >= 0 {
			tok, b = b[:i], b[i+1:]
		} else {
			b = nil
		}
		if j := bytes.IndexByte(tok, '|'); j >= 0 {
			tok = tok[:j]
		}
		if len(tok) > 0 {
			dst = append(dst, d.pubAddr(tok))
		}
	}
	return dst, nil
}

// appendQuotedIPs reads a quoted CSV field holding a JSON array of plain
// strings, "[""a"",""b""]", without unquoting it first; ok is false for
// any other form (spaces, escapes, other values), left to the general path.
func (d *decoder) appendQuotedIPs(dst []string, b []byte) ([]string, bool) {
	if len(b) < 4 || b[1] != '[' || b[len(b)-2] != ']' || b[len(b)-1] != '"' {
		return dst, false
	}
	start := len(dst)
	in := b[2 : len(b)-2]
	for len(in) > 0 {
		if len(in) < 4 || in[0] != '"' || in[1] != '"' {
			return dst[:start], false
		}
		in = in[2:]
		end := bytes.IndexByte(in, '"')
		if end < 0 || end+1 >= len(in) || in[end+1] != '"' || bytes.IndexByte(in[:end], '\\') >= 0 {
			return dst[:start], false
		}
		if end > 0 {
			dst = append(dst, d.pubAddr(in[:end]))
		}
		in = in[end+2:]
		if len(in) > 0 {
			if in[0] != ',' || len(in) == 1 {
				return dst[:start], false
			}
			in = in[1:]
		}
	}
	return dst, true
}

// checkQuotedIPs reports whether appendQuotedIPs would read b, in one
// pass: "[" then strings ""...""  separated by commas, then "]".
func checkQuotedIPs(b []byte) bool {
	if len(b) < 4 || b[1] != '[' || b[len(b)-2] != ']' || b[len(b)-1] != '"' {
		return false
	}
	in := b[2 : len(b)-2]
	i := 0
	for i < len(in) {
		if i+4 > len(in) || in[i] != '"' || in[i+1] != '"' {
			return false
		}
		i += 2
		for i < len(in) && in[i] != '"' {
			if in[i] == '\\' {
				return false
			}
			i++
		}
		if i+1 >= len(in) || in[i+1] != '"' {
			return false
		}
		i += 2
		if i < len(in) {
			if in[i] != ',' || i+1 == len(in) {
				return false
			}
			i++
		}
	}
	return true
}

// smallInt is parseInt with the common cases (empty, 1 to 4 plain digits)
// inline.
func smallInt(b []byte) (int64, bool) {
	switch len(b) {
	case 0:
		return 0, true
	case 1:
		if d := b[0] - '0'; d <= 9 {
			return int64(d), true
		}
	case 2:
		if d0, d1 := b[0]-'0', b[1]-'0'; d0 <= 9 && d1 <= 9 {
			return int64(d0)*10 + int64(d1), true
		}
	}
	return parseInt(b)
}

// parseInt parses a count or port: an integer, or a float with no fraction
// ("443.0", as raw _d columns and some exports write them). Empty is 0.
func parseInt(b []byte) (int64, bool) {
	if len(b) == 0 {
		return 0, true
	}
	if len(b) <= 18 {
		var n int64
		i := 0
		neg := false
		if b[0] == '-' {
			neg = true
			i = 1
		}
		if i < len(b) {
			for ; i < len(b); i++ {
				c := b[i] - '0'
				if c > 9 {
					break
				}
				n = n*10 + int64(c)
			}
			if i == len(b) {
				if neg {
					n = -n
				}
				return n, true
			}
		}
	}
	s := strings.TrimSpace(string(b))
	if n, err := strconv.ParseInt(s, 10, 64); err == nil {
		return n, true
	}
	fl, err := strconv.ParseFloat(s, 64)
	if err != nil || fl != float64(int64(fl)) || fl > 1<<53 || fl < -(1<<53) {
		return 0, false
	}
	return int64(fl), true
}

// dayCache remembers the day numbers of the last dates parsed, a few at
// once: the flows of one export share few dates, and their rows mix them.
type dayCache struct {
	e [dayCacheSize]dayEntry
}

const dayCacheSize = 16

// dayEntry is one date: its 8 bytes "YYYY-MM-", its day "DD" and its day
// number; ok says the entry is used.
type dayEntry struct {
	date uint64
	dd   uint16
	ok   bool
	days int64
}

// day returns the day number of the date at b[0:10] ("YYYY-MM-DD", the
// separators checked by the caller).
func (c *dayCache) day(b []byte) (int64, bool) {
	date, dd := binary.LittleEndian.Uint64(b), binary.LittleEndian.Uint16(b[8:])
	// The second digits of the day and the month tell most dates apart.
	e := &c.e[(uint(dd>>8)^uint(date>>48)^uint(dd)<<2)%dayCacheSize]
	if e.ok && e.date == date && e.dd == dd {
		return e.days, true
	}
	y, ok1 := digits(b[0:4])
	mo, ok2 := two(b[5:])
	d, ok3 := two(b[8:])
	if !(ok1 && ok2 && ok3) || mo < 1 || mo > 12 || d < 1 || d > daysIn(mo, y) {
		return 0, false
	}
	*e = dayEntry{date, dd, true, daysFromCivil(y, mo, d)}
	return e.days, true
}

// clock parses "HH:MM:SS" at b[0:8] (the colons checked by the caller) into
// seconds of the day, all six digits at once.
func clock(b []byte) (int, bool) {
	x := binary.LittleEndian.Uint64(b)
	x = x&^(0xff<<16|0xff<<40) | (0x30<<16 | 0x30<<40) // the colons as '0'
	if leadingDigits(x) != 8 {
		return 0, false
	}
	y := x - 0x3030303030303030
	y = y*10 + y>>8 // bytes 0, 3 and 6: HH, MM and SS
	h, m, s := int(y&0xff), int(y>>24&0xff), int(y>>48&0xff)
	if h > 23 || m > 59 || s > 59 {
		return 0, false
	}
	return h*3600 + m*60 + s, true
}

// parseISO parses "YYYY-MM-DDTHH:MM:SS[.fffffffff][Z|±hh:mm]" (a space may
// replace the T; no zone means UTC) without allocating.
func (c *dayCache) parseISO(b []byte) (time.Time, bool) {
	t, _, ok := c.parseISOZoned(b)
	return t, ok
}

// two parses the two digits at b[0:2].
func two(b []byte) (int, bool) {
	x, y := b[0]-'0', b[1]-'0'
	return int(x)*10 + int(y), x <= 9 && y <= 9
}

// parseISOZoned is parseISO that also reports whether the text has a zone.
// The date of the last call is remembered: flows of one export share few.
func (c *dayCache) parseISOZoned(b []byte) (t time.Time, zoned, ok bool) {
	if len(b) < 19 || b[4] != '-' || b[7] != '-' || (b[10] != 'T' && b[10] != ' ') || b[13] != ':' || b[16] != ':' {
		return time.Time{}, false, false
	}
	days, ok1 := c.day(b)
	secs, ok2 := clock(b[11:])
	if !ok1 || !ok2 {
		return time.Time{}, false, false
	}
	rest := b[19:]
	var nsec int
	if len(rest) > 0 && rest[0] == '.' {
		i := 1
		if len(rest) >= 9 {
			// Up to 8 digits at once (SWAR); more go on byte by byte.
			x := binary.LittleEndian.Uint64(rest[1:9])
			nd := leadingDigits(x)
			if nd > 0 {
				nsec = int(digits8(x, nd)) * pow10[9-nd]
				i += nd
			}
			if nd == 8 && len(rest) > 9 && rest[9] >= '0' && rest[9] <= '9' {
				nsec += int(rest[9] - '0')
				i++
			}
		}
		if i == 1 || (i > 1 && i < len(rest) && i <= 9 && rest[i] >= '0' && rest[i] <= '9') {
			// A short tail (fewer than 8 bytes after the dot) or more digits.
			i, nsec = 1, 0
			for ; i < len(rest) && rest[i] >= '0' && rest[i] <= '9'; i++ {
				if i <= 9 {
					nsec = nsec*10 + int(rest[i]-'0')
				}
			}
			if i == 1 {
				return time.Time{}, false, false
			}
			if i <= 9 {
				nsec *= pow10[10-i]
			}
		}
		for i < len(rest) && rest[i] >= '0' && rest[i] <= '9' {
			i++ // digits beyond nanoseconds are dropped
		}
		rest = rest[i:]
	}
	var off int64
	switch {
	case len(rest) == 0:
	case len(rest) == 1 && (rest[0] == 'Z' || rest[0] == 'z'):
		zoned = true
	case len(rest) == 6 && (rest[0] == '+' || rest[0] == '-') && rest[3] == ':':
		oh, ok1 := two(rest[1:])
		om, ok2 := two(rest[4:])
		if !ok1 || !ok2 || oh > 23 || om > 59 {
			return time.Time{}, false, false
		}
		off = int64(oh*3600 + om*60)
		if rest[0] == '-' {
			off = -off
		}
		zoned = true
	default:
		return time.Time{}, false, false
	}
	sec := days*86400 + int64(secs) - off
	return time.Unix(sec, int64(nsec)).UTC(), zoned, true
}

// leadingDigits returns how many of the 8 bytes of x, first byte lowest,
// are ASCII digits before the first byte that is not. (The borrows of the
// byte-wise compares only go upward, so the lowest non-digit is exact.)
func leadingDigits(x uint64) int {
	below := (x - 0x3030303030303030) & ^x & 0x8080808080808080  // byte < '0'
	above := ((x + 0x4646464646464646) | x) & 0x8080808080808080 // byte > '9'
	return bits.TrailingZeros64(below|above) / 8
}

// digits8 returns the value of the first n (1..8) digit bytes of x.
func digits8(x uint64, n int) uint64 {
	x <<= 8 * (8 - n)                  // the digits to the top bytes,
	x |= 0x3030303030303030 >> (8 * n) // leading '0's below them
	x -= 0x3030303030303030
	x = x*10 + x>>8 // pairs
	x = ((x&0x000000ff000000ff)*(100+1000000<<32) + (x>>16&0x000000ff000000ff)*(1+10000<<32)) >> 32
	return x
}

var pow10 = [...]int{1, 10, 100, 1000, 10000, 100000, 1000000, 10000000, 100000000, 1000000000}

func digits(b []byte) (int, bool) {
	n := 0
	for _, c := range b {
		c -= '0'
		if c > 9 {
			return 0, false
		}
		n = n*10 + int(c)
	}
	return n, true
}

func daysIn(m, y int) int {
	switch m {
	case 2:
		if y%4 == 0 && (y%100 != 0 || y%400 == 0) {
			return 29
		}
		return 28
	case 4, 6, 9, 11:
		return 30
	}
	return 31
}

// daysFromCivil returns days since 1970-01-01 (Howard Hinnant's algorithm).
func daysFromCivil(y, m, d int) int64 {
	if m <= 2 {
		y--
	}
	era := y / 400
	if y < 0 && y%400 != 0 {
		era = (y - 399) / 400
	}
	yoe := y - era*400
	mp := (m + 9) % 12
	doy := (153*mp+2)/5 + d - 1
	doe := yoe*365 + yoe/4 - yoe/100 + doy
	return int64(era)*146097 + int64(doe) - 719468
}

// slowLayouts are the other time forms seen in exports; those without a
// zone are UTC unless the column's header states an offset.
var slowLayouts = []struct {
	layout string
	zoned  bool
}{
	{time.RFC3339Nano, true},
	{"1/2/2006, 3:04:05.000 PM", false}, // Log Analytics portal CSV export
	{"1/2/2006, 3:04:05 PM", false},
	{"1/2/2006 3:04:05 PM", false},
	{"1/2/2006 15:04:05", false},
	{"2006-01-02 15:04:05.999999999 -0700 MST", true},
	{"2006-01-02 15:04:05Z07:00", true},
	{"2006-01-02T15:04:05.999999999", false},
	{"2006-01-02", false},
}

func parseTimeSlow(s string) (t time.Time, zoned, ok bool) {
	s = strings.TrimSpace(s)
	for _, l := range slowLayouts {
		if t, err := time.Parse(l.layout, s); err == nil {
			return t.UTC(), l.zoned, true
		}
	}
	return time.Time{}, false, false
}

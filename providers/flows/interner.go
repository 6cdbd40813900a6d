package flows

import (
	"encoding/binary"
	"strings"

	"github.com/gonotebooklets/notebooklets/providers/ipaddr"
)

// Interner numbers the distinct addresses and L7 protocols one parse
// goroutine has seen, so that consumers aggregate on small integer IDs
// (Keys) instead of hashing the strings again. ID 0 is the empty string.
// Addresses are numbered in their canonical form: "::ffff:10.0.3.5" and
// "10.0.3.5" get one ID. An Interner belongs to one goroutine; its strings
// are stable (a consumer may keep them without copying).
type Interner struct {
	addrs, protos strTable
	// cache maps short texts (up to 16 bytes: every IPv4 address, most
	// protocols) to IDs without hashing them with the maps.
	addrCache, protoCache textCache
}

// NewInterner returns an empty Interner.
func NewInterner() *Interner {
	in := &Interner{}
	in.addrs.init()
	in.protos.init()
	return in
}

// Addr returns the address with ID id.
func (in *Interner) Addr(id uint32) string { return in.addrs.strs[id] }

// Proto returns the L7 protocol with ID id.
func (in *Interner) Proto(id uint32) string { return in.protos.strs[id] }

// AddrID returns the ID of address s (interning it in canonical form).
func (in *Interner) AddrID(s string) uint32 { return in.addrs.id(s, true) }

// ProtoID returns the ID of L7 protocol s (interning it).
func (in *Interner) ProtoID(s string) uint32 { return in.protos.id(s, false) }

// Keys are a flow's address and protocol strings as IDs of the Interner
// of the goroutine that decoded it.
type Keys struct {
	VMIPAddress, SrcIP, DestIP, AllExtIPs, L7Protocol uint32
}

// Source is Flow.Source as an ID.
func (k *Keys) Source(f *Flow) uint32 {
	if f.FlowDirection == Outbound {
		return cmpOr(k.VMIPAddress, k.SrcIP)
	}
	return cmpOr(k.AllExtIPs, k.DestIP)
}

// Dest is Flow.Dest as an ID.
func (k *Keys) Dest(f *Flow) uint32 {
	if f.FlowDirection == Outbound {
		return cmpOr(k.AllExtIPs, k.DestIP)
	}
	return cmpOr(k.VMIPAddress, k.SrcIP)
}

func cmpOr(a, b uint32) uint32 {
	if a != 0 {
		return a
	}
	return b
}

// KeysOf interns f's strings (for sources that do not decode with an
// Interner).
func (in *Interner) KeysOf(f *Flow) Keys {
	return Keys{in.AddrID(f.VMIPAddress), in.AddrID(f.SrcIP), in.AddrID(f.DestIP), in.AddrID(f.AllExtIPs), in.ProtoID(f.L7Protocol)}
}

// strTable maps texts to IDs of their (canonical) strings.
type strTable struct {
	raw   map[string]uint32 // text as read → ID
	canon map[string]uint32 // canonical string → ID
	strs  []string          // ID → canonical string
}

func (t *strTable) init() {
	t.raw = map[string]uint32{"": 0}
	t.canon = map[string]uint32{"": 0}
	t.strs = []string{""}
}

// id returns the ID of s; addresses are interned by their canonical form.
func (t *strTable) id(s string, addr bool) uint32 {
	if id, ok := t.raw[s]; ok {
		return id
	}
	return t.add(s, addr)
}

// idBytes is id for text that may point into a reused buffer.
func (t *strTable) idBytes(b []byte, addr bool) uint32 {
	if id, ok := t.raw[string(b)]; ok {
		return id
	}
	return t.add(string(b), addr)
}

func (t *strTable) add(s string, addr bool) uint32 {
	c := strings.Clone(s)
	if addr && !plainIPv4([]byte(s)) {
		c, _ = ipaddr.Canonical(c)
	}
	id, ok := t.canon[c]
	if !ok {
		id = uint32(len(t.strs))
		t.strs = append(t.strs, c)
		t.canon[c] = id
	}
	t.raw[strings.Clone(s)] = id
	return id
}

// textCache is a direct-mapped cache of texts of at most 16 bytes and
// their IDs: a probe is two loads, a multiply and three compares.
type textCache struct {
	e [1 << textCacheBits]textEntry
}

const textCacheBits = 13

type textEntry struct {
	w0, w1 uint64
	n      uint32 // text length + 1 (0: empty entry)
	id     uint32
}

// words packs the text b (at most 16 bytes) into two words.
func words(b []byte) (w0, w1 uint64) {
	var buf [16]byte
	if cap(b) >= 16 {
		full := b[:16]
		w0, w1 = binary.LittleEndian.Uint64(full), binary.LittleEndian.Uint64(full[8:])
	} else {
		copy(buf[:], b)
		w0, w1 = binary.LittleEndian.Uint64(buf[:]), binary.LittleEndian.Uint64(buf[8:])
	}
	switch n := len(b); {
	case n < 8:
		w0 &= 1<<(8*n) - 1
		w1 = 0
	case n < 16:
		w1 &= 1<<(8*(n-8)) - 1
	}
	return w0, w1
}

func slotOf(w0, w1 uint64, n int) int {
	return int((w0*0x9e3779b97f4a7c15 ^ w1*0xc2b2ae3d27d4eb4f ^ uint64(n)) >> (64 - textCacheBits))
}

// idBytes returns the ID of text b in t, through the cache c.
func (c *textCache) idBytes(t *strTable, b []byte, addr bool) uint32 {
	if len(b) > 16 {
		return t.idBytes(b, addr)
	}
	w0, w1 := words(b)
	i := slotOf(w0, w1, len(b))
	e := &c.e[i]
	n := uint32(len(b)) + 1
	if e.n == n && e.w0 == w0 && e.w1 == w1 {
		return e.id
	}
	// Two ways: the slot and its neighbour.
	e2 := &c.e[i^1]
	if e2.n == n && e2.w0 == w0 && e2.w1 == w1 {
		return e2.id
	}
	id := t.idBytes(b, addr)
	if e.n != 0 {
		*e2 = *e // the older entry moves over
	}
	*e = textEntry{w0, w1, n, id}
	return id
}

package flows

import "encoding/binary"

// blockMasks marks, for one 64-byte block of CSV input, the bytes that are
// commas, quotes and newlines (bit i for byte i).
type blockMasks struct {
	comma, quote, nl uint64
}

// maskBatch is how many blocks one call of structMasks fills.
const maskBatch = 64

// structMasksGo fills out[i] for the 64-byte blocks of b (len(b) is
// 64*len(out)), eight bytes at a time.
func structMasksGo(b []byte, out []blockMasks) {
	for i := range out {
		blk := b[i*64 : i*64+64]
		var c, q, n uint64
		for w := 0; w < 8; w++ {
			x := binary.LittleEndian.Uint64(blk[w*8:])
			c |= gather(eqBytes(x, ','*lowBytes)) << (8 * w)
			q |= gather(eqBytes(x, '"'*lowBytes)) << (8 * w)
			n |= gather(eqBytes(x, '\n'*lowBytes)) << (8 * w)
		}
		out[i] = blockMasks{c, q, n}
	}
}

const (
	lowBytes  = 0x0101010101010101
	low7Bits  = 0x7f7f7f7f7f7f7f7f
	highBits  = 0x8080808080808080
	gatherMul = 0x0002040810204081
)

// eqBytes sets the high bit of each byte of x equal to the byte of c (c is
// the byte repeated), exactly (no false positives from borrows).
func eqBytes(x, c uint64) uint64 {
	x ^= c
	t := ((x & low7Bits) + low7Bits) | x
	return ^(t | low7Bits)
}

// gather packs the high bits of the bytes of m into the low 8 bits.
func gather(m uint64) uint64 { return (m & highBits) * gatherMul >> 56 }

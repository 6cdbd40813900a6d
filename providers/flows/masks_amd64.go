package flows

import "golang.org/x/sys/cpu"

// structMasksAVX2 is structMasksGo in AVX2 (masks_amd64.s): n blocks of
// 64 bytes from p into out.
//
//go:noescape
func structMasksAVX2(p *byte, n int, out *blockMasks)

// structMasksAVX512 is structMasksAVX2 with AVX-512BW.
//
//go:noescape
func structMasksAVX512(p *byte, n int, out *blockMasks)

// tokBlocksAVX512 is the tokenizer's fast path over whole blocks (see
// masks_amd64.s and tokenizer.fast).
//
//go:noescape
func tokBlocksAVX512(p *byte, n int, base int32, ends *int32, out *blockOut, st *quoteState) (blocks, nends int)

var (
	hasAVX2   = cpu.X86.HasAVX2
	hasAVX512 = cpu.X86.HasAVX512F && cpu.X86.HasAVX512BW
	// hasTokBlocks: tokBlocksAVX512 needs VPCOMPRESSB (VBMI2) and
	// PCLMULQDQ besides AVX-512BW.
	hasTokBlocks = hasAVX512 && cpu.X86.HasAVX512VBMI2 && cpu.X86.HasPCLMULQDQ && cpu.X86.HasPOPCNT && cpu.X86.HasBMI1
)

// tokBlocks runs tokBlocksAVX512 (hasTokBlocks must be true).
func tokBlocks(data []byte, n int, base int, ends []int32, out []blockOut, st *quoteState) (blocks, nends int) {
	_ = data[64*n-1]
	_ = ends[64*n+63]
	_ = out[n-1]
	return tokBlocksAVX512(&data[0], n, int32(base), &ends[0], &out[0], st)
}

// structMasks fills out[i] with the masks of the 64-byte block i of b.
func structMasks(b []byte, out []blockMasks) {
	switch {
	case len(out) == 0:
	case hasAVX512:
		_ = b[64*len(out)-1]
		structMasksAVX512(&b[0], len(out), &out[0])
	case hasAVX2:
		_ = b[64*len(out)-1]
		structMasksAVX2(&b[0], len(out), &out[0])
	default:
		structMasksGo(b, out)
	}
}

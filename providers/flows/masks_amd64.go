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

var (
	hasAVX2   = cpu.X86.HasAVX2
	hasAVX512 = cpu.X86.HasAVX512F && cpu.X86.HasAVX512BW
)

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

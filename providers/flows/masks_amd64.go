package flows

import "golang.org/x/sys/cpu"

// structMasksAVX2 is structMasksGo in AVX2 (masks_amd64.s): n blocks of
// 64 bytes from p into out.
//
//go:noescape
func structMasksAVX2(p *byte, n int, out *blockMasks)

var hasAVX2 = cpu.X86.HasAVX2

// structMasks fills out[i] with the masks of the 64-byte block i of b.
func structMasks(b []byte, out []blockMasks) {
	if hasAVX2 && len(out) > 0 {
		_ = b[64*len(out)-1]
		structMasksAVX2(&b[0], len(out), &out[0])
		return
	}
	structMasksGo(b, out)
}

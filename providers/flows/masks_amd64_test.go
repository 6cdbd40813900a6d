package flows

type maskImpl struct {
	name string
	fn   func([]byte, []blockMasks)
}

// asmMasks lists the assembly mask builders this CPU can run.
func asmMasks() []maskImpl {
	var out []maskImpl
	if hasAVX2 {
		out = append(out, maskImpl{"AVX2", func(b []byte, m []blockMasks) { structMasksAVX2(&b[0], len(m), &m[0]) }})
	}
	if hasAVX512 {
		out = append(out, maskImpl{"AVX-512", func(b []byte, m []blockMasks) { structMasksAVX512(&b[0], len(m), &m[0]) }})
	}
	return out
}

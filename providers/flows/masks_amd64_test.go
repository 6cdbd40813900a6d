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

// withoutTokBlocks runs fn with the tokenizer's assembly path off (the Go
// path of every CPU without AVX-512 VBMI2).
func withoutTokBlocks(fn func()) {
	was := hasTokBlocks
	hasTokBlocks = false
	defer func() { hasTokBlocks = was }()
	fn()
}

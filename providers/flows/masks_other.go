//go:build !amd64

package flows

// structMasks fills out[i] with the masks of the 64-byte block i of b.
func structMasks(b []byte, out []blockMasks) { structMasksGo(b, out) }

const hasTokBlocks = false

func tokBlocks(data []byte, n int, base int, ends []int32, out []blockOut, st *quoteState) (blocks, nends int) {
	panic("tokBlocks without assembly")
}

//go:build !amd64

package flows

type maskImpl struct {
	name string
	fn   func([]byte, []blockMasks)
}

func asmMasks() []maskImpl { return nil }

func withoutTokBlocks(fn func()) { fn() }

package flows

import (
	"math/rand/v2"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// TestStructMasks: the assembly masks equal the portable ones.
func TestStructMasks(t *testing.T) {
	rnd := rand.New(rand.NewPCG(1, 1))
	b := make([]byte, 64*maskBatch)
	for i := range b {
		b[i] = ",\"\nab\r\x00\xff"[rnd.IntN(8)]
	}
	want := make([]blockMasks, maskBatch)
	structMasksGo(b, want)
	got := make([]blockMasks, maskBatch)
	structMasks(b, got)
	for _, impl := range asmMasks() {
		alt := make([]blockMasks, maskBatch)
		impl.fn(b, alt)
		if d := cmp.Diff(want, alt, cmp.AllowUnexported(blockMasks{})); d != "" {
			t.Errorf("%s (-go +asm):\n%s", impl.name, d)
		}
	}
	for i := range want {
		if want[i] != got[i] {
			t.Fatalf("block %d: got %+v, want %+v", i, got[i], want[i])
		}
		for j := 0; j < 64; j++ {
			c := b[i*64+j]
			if (want[i].comma>>j&1 == 1) != (c == ',') || (want[i].quote>>j&1 == 1) != (c == '"') || (want[i].nl>>j&1 == 1) != (c == '\n') {
				t.Fatalf("block %d byte %d (%q): masks %+v", i, j, c, want[i])
			}
		}
	}
}

func BenchmarkStructMasks(b *testing.B) {
	data := genCSV(20000, 1)
	n := len(data) / 64
	out := make([]blockMasks, maskBatch)
	b.SetBytes(int64(n * 64))
	for b.Loop() {
		for i := 0; i+maskBatch <= n; i += maskBatch {
			structMasks(data[i*64:], out)
		}
	}
}

func BenchmarkStructMasksGo(b *testing.B) {
	data := genCSV(20000, 1)
	n := len(data) / 64
	out := make([]blockMasks, maskBatch)
	b.SetBytes(int64(n * 64))
	for b.Loop() {
		for i := 0; i+maskBatch <= n; i += maskBatch {
			structMasksGo(data[i*64:i*64+64*maskBatch], out)
		}
	}
}

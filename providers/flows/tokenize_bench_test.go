package flows

import (
	"bytes"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// BenchmarkTokenize measures the tokenizer alone on 1 MiB of gen_flows.py
// rows (90% with a quoted PublicIPs array); ns/row is per CSV record.
func BenchmarkTokenize(b *testing.B) {
	data := genCSV(5000, 1)
	data = data[bytes.IndexByte(data, '\n')+1:]
	data = data[:bytes.LastIndexByte(data[:1<<20], '\n')+1]
	var t tokenizer
	t.ncols = 23
	b.SetBytes(int64(len(data)))
	for b.Loop() {
		t.tokenize(data, false)
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*len(t.recs)), "ns/row")
}

// BenchmarkParseChunk measures tokenizing and decoding (no consumer) of
// 1 MiB of rows.
func BenchmarkParseChunk(b *testing.B) {
	data := genCSV(5000, 1)
	hdr := data[:bytes.IndexByte(data, '\n')+1]
	body := data[len(hdr):]
	body = body[:bytes.LastIndexByte(body[:1<<20], '\n')+1]
	cs, err := openCSV("b.csv", bytes.NewReader(hdr), 0, Query{})
	if err != nil {
		b.Fatal(err)
	}
	p := newPipeline(cs, Query{})
	w := p.newParser(NewInterner())
	var st chunkStats
	var rows int
	b.SetBytes(int64(len(body)))
	for b.Loop() {
		w.tok.tokenize(body, false)
		rows = len(w.tok.recs)
		w.rows(body, 2, &st, &w.row, func(b *batch) { b.flows, b.keys, b.ips = b.flows[:0], b.keys[:0], b.ips[:0] }, nil)
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*rows), "ns/row")
}

// TestTokenizeLongRandom: on long inputs (where the assembly path runs,
// when the CPU has it) the tokenizer gives what the byte-wise state
// machine gives, for random mixes of separators, quotes, CRs and text,
// with and without a header field count.
func TestTokenizeLongRandom(t *testing.T) {
	rnd := rand.New(rand.NewPCG(3, 4))
	alphabets := []string{",,,\"\n\rab", "abcdefgh,\n", "abc,\"\"\"\n", ",\n\"x", "abcdefghijklmnopqrstuvwxyz0123456789,\n"}
	for iter := range 400 {
		al := alphabets[iter%len(alphabets)]
		n := 64 + rnd.IntN(4000)
		data := make([]byte, n)
		for i := range data {
			data[i] = al[rnd.IntN(len(al))]
		}
		if iter%3 == 0 {
			// mostly well-formed rows with quoted fields
			var sb bytes.Buffer
			for sb.Len() < n {
				sb.WriteString(`a,"b,c",d,"e""f",` + strings.Repeat("x", rnd.IntN(70)) + "\n")
				if rnd.IntN(20) == 0 {
					sb.WriteString(`g,"h` + "\n") // an unterminated quote
				}
			}
			data = sb.Bytes()
		}
		for _, ncols := range []int{0, 5} {
			var slow tokenizer
			slow.ncols = ncols
			slow.tokenizeSlow(data)
			want := tokRecords(&slow, data)
			check := func(path string) {
				var fast tokenizer
				fast.ncols = ncols
				fast.tokenize(data, true)
				if d := cmp.Diff(want, tokRecords(&fast, data)); d != "" {
					t.Fatalf("%s path, iteration %d, ncols %d, %q (-slow +fast):\n%s", path, iter, ncols, data, d)
				}
			}
			check("default")
			withoutTokBlocks(func() { check("Go") })
		}
	}
}

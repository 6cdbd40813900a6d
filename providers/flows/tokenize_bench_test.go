package flows

import (
	"bytes"
	"testing"
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

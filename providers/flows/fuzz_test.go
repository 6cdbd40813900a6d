package flows

import (
	"bytes"
	"context"
	"encoding/csv"
	"fmt"
	"io"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// tokenizeSlow is tokenize with every record read by the exact state
// machine (the reference for the mask-based fast path).
func (t *tokenizer) tokenizeSlow(data []byte) {
	t.ends, t.recs = t.ends[:0], t.recs[:0]
	pos, line := 0, 0
	for pos < len(data) {
		var open bool
		pos, line, open = t.slow(data, pos, line)
		if open {
			reason := badUnterminated
			if len(data)-pos > maxRecordSpan {
				reason = badSpan
			}
			pos, line = t.lose(data, pos, line, reason, 0)
		}
	}
}

type tokRecord struct {
	Line, Lines int
	Bad         badRecord
	Fields      []string
}

func tokRecords(t *tokenizer, data []byte) []tokRecord {
	var out []tokRecord
	for i := range t.recs {
		r := &t.recs[i]
		tr := tokRecord{Line: int(r.line), Lines: int(r.lines), Bad: r.bad}
		for k := 0; k < int(r.nf); k++ {
			tr.Fields = append(tr.Fields, string(t.fieldSpan(data, r, k)))
		}
		out = append(out, tr)
	}
	return out
}

// FuzzTokenizer checks the mask-based tokenizer against the byte-wise
// state machine on any input (with and without a header field count), and
// the fields against encoding/csv on input both accept.
func FuzzTokenizer(f *testing.F) {
	for _, s := range []string{"a,b,c\n", "\"a,\"\"b\",c\r\n", "\"x\ny\",z", "a,,\n\n", "\"unterminated", "\"a\"b,c\n",
		// issue 10 item 3: an unterminated quote before good lines, with and without later quotes
		"a,\"b,c\nd,e,f\ng,h,i\n", "a,\"b,c\nd,\"e\",f\ng,h,i\n", "a,b,\"c\nd,e,f\n\"g\",h,i\n",
		// stray quotes, quotes at block boundaries, CRLF after a closing quote
		"6\" pipe,b,c\n", strings.Repeat("x", 62) + "\"q\",b\n", "\"a\"\r\n\"b\"\r\n", "\"a\"\rb\n",
		// more than 8 and 16 separators in one 64-byte block, blank lines
		strings.Repeat(",", 20) + "\n\n" + strings.Repeat("a,", 30) + "\n",
		// long enough for the assembly path: quotes across blocks, a closing
		// quote at a block's last byte, CRLF, a multi-line field, damage
		strings.Repeat("abc,\"d,e\",f\n", 20), strings.Repeat("x", 63) + "\"" + strings.Repeat(",\"y\"\r\n", 30),
		strings.Repeat("a,\"b\nc\",d\n", 15) + "e,\"f\n" + strings.Repeat("g,h,i\n", 20),
	} {
		f.Add([]byte(s), uint8(0))
		f.Add([]byte(s), uint8(3))
	}
	f.Fuzz(func(t *testing.T, data []byte, ncols uint8) {
		var fast, slow tokenizer
		fast.ncols, slow.ncols = int(ncols), int(ncols)
		tail, _, lines := fast.tokenize(data, true)
		if tail != len(data) || lines != bytes.Count(data, nlByte) {
			t.Fatalf("tail %d of %d, lines %d", tail, len(data), lines)
		}
		slow.tokenizeSlow(data)
		got, want := tokRecords(&fast, data), tokRecords(&slow, data)
		if d := cmp.Diff(want, got); d != "" {
			t.Fatalf("%q (-slow +fast):\n%s", data, d)
		}
		withoutTokBlocks(func() { // the Go path of CPUs without the assembly one
			var gofast tokenizer
			gofast.ncols = int(ncols)
			gofast.tokenize(data, true)
			if d := cmp.Diff(want, tokRecords(&gofast, data)); d != "" {
				t.Fatalf("%q (-slow +Go fast):\n%s", data, d)
			}
		})
		// Not at the end of the file: a record still open at the end is
		// handed on, and what comes before it is the same.
		tail2, _, _ := fast.tokenize(data, false)
		got2 := tokRecords(&fast, data)
		if tail2 == len(data) {
			if d := cmp.Diff(want, got2); d != "" {
				t.Fatalf("%q not eof (-eof +not eof):\n%s", data, d)
			}
		} else if len(got2) > len(want) || (len(got2) > 0 && cmp.Diff(want[:len(got2)], got2) != "") {
			t.Fatalf("%q: tail at %d, records %v, want a prefix of %v", data, tail2, got2, want)
		}
		if ncols != 0 || bytes.IndexByte(data, '\r') >= 0 {
			return // encoding/csv drops \r before \n inside quoted fields
		}
		var ours [][]string
		for _, r := range want {
			if r.Bad != recordOK {
				return
			}
			rec := make([]string, len(r.Fields))
			for i, fl := range r.Fields {
				v, _ := unquote([]byte(fl), nil)
				rec[i] = string(v)
			}
			ours = append(ours, rec)
		}
		r := csv.NewReader(bytes.NewReader(data))
		r.FieldsPerRecord = -1
		var theirs [][]string
		for {
			rec, err := r.Read()
			if err == io.EOF {
				break
			}
			if err != nil {
				return // encoding/csv rejects what we accept leniently (bare quotes)
			}
			theirs = append(theirs, rec)
		}
		if d := cmp.Diff(theirs, ours); d != "" {
			t.Errorf("%q (-encoding/csv +ours):\n%s", data, d)
		}
	})
}

// FuzzStream feeds arbitrary bytes through format detection and every
// reader; nothing may panic, and the stats must add up.
func FuzzStream(f *testing.F) {
	hdr := "FlowStartTime,FlowEndTime,VMName,VMIPAddress,PublicIPs,L7Protocol,DestPort,FlowDirection,AllowedOutFlows,AllowedInFlows\n"
	f.Add([]byte(hdr+"2019-02-14T00:10:00Z,2019-02-14T00:50:00Z,h,10.0.3.5,\"[\"\"1.2.3.4\"\"]\",https,443,O,1,0\n"), uint8(0))
	f.Add([]byte(hdr+"2/14/2019, 4:24:41.000 AM,x,h,10.0.3.5,1.2.3.4|1|0|0 5.6.7.8|1|1|1,https,443.0,I,1,2\n"), uint8(1))
	f.Add([]byte(`[{"FlowStartTime":"2019-02-14T00:10:00Z","FlowEndTime":"2019-02-14T00:10:00Z","FlowDirection":"O","AllowedOutFlows":1,"AllowedInFlows":0,"VMIPAddress":"10.0.3.5","PublicIPs":["1.2.3.4"]}]`), uint8(2))
	f.Add([]byte(`{"FlowStartTime_t":"2019-02-14T00:10:00Z","FlowEndTime_t":"2019-02-14T00:10:00Z","FlowDirection_s":"O","AllowedOutFlows_d":1,"AllowedInFlows_d":0,"VMIP_s":"10.0.3.5","VM_s":"rg/h"}`+"\n{}\n"), uint8(3))
	// issue 10 item 3: an unterminated quote, CR-only line ends, a duplicate header column
	row := "2019-02-14T00:10:00Z,2019-02-14T00:50:00Z,h,10.0.3.5,\"[\"\"1.2.3.4\"\"]\",https,443,O,1,0\n"
	f.Add([]byte(hdr+row+"2019-02-14T00:10:00Z,2019-02-14T00:50:00Z,h,10.0.3.5,\"[,https,443,O,1,0\n"+row+row), uint8(7))
	f.Add([]byte(hdr+"2019-02-14T00:10:00Z,2019-02-14T00:50:00Z,h,\"10.0.3.5,[],https,443,O,1,0\n"+strings.ReplaceAll(row, `"`, "")), uint8(40))
	f.Add([]byte(strings.ReplaceAll(hdr+row+row, "\n", "\r")), uint8(9))
	f.Add([]byte(strings.Replace(hdr, "VMName", "VMName,VMName", 1)+strings.Replace(row, ",h,", ",h,h,", 1)), uint8(0))
	f.Fuzz(func(t *testing.T, data []byte, chunk uint8) {
		for _, format := range []Format{FormatAuto, FormatCSV, FormatJSON, FormatNDJSON} {
			s, err := OpenBytes("fuzz", data, format)
			if err != nil {
				continue
			}
			s.(*File).ChunkSize = 1 + int(chunk)
			var n int64
			st, err := s.Stream(context.Background(), Query{Host: "h"}, func(f *Flow) error { n++; return nil })
			if err == nil && (st.RowsKept != n || len(st.Skipped) > maxReported) {
				t.Fatalf("stats %+v, delivered %d", st, n)
			}
			if err != nil || s.(*File).Format() != FormatCSV {
				continue
			}
			// Cutting into chunks must not change the result.
			s.(*File).ChunkSize = 1 << 30
			var one []Flow
			keep := func(dst *[]Flow) func(*Flow) error {
				return func(f *Flow) error { // a deep copy: f and its slices are reused
					g := *f
					g.PublicIPs = slices.Clone(f.PublicIPs)
					*dst = append(*dst, g)
					return nil
				}
			}
			st1, err1 := s.Stream(context.Background(), Query{Host: "h"}, keep(&one))
			s.(*File).ChunkSize = 1 + int(chunk)
			var many []Flow
			st2, err2 := s.Stream(context.Background(), Query{Host: "h"}, keep(&many))
			if (err1 == nil) != (err2 == nil) || st1.RowsRead != st2.RowsRead || st1.RowsSkipped != st2.RowsSkipped {
				t.Fatalf("chunk %d: %+v %v vs one chunk: %+v %v", 1+int(chunk), st2, err2, st1, err1)
			}
			if d := cmp.Diff(one, many); d != "" {
				t.Fatalf("chunk %d differs (-one +many):\n%s", 1+int(chunk), d)
			}
			// The parallel path (keyed decode, one consumer per goroutine)
			// gives the same flows in Position order, and the same stats.
			par, stp, errp := streamParallelAll(s.(*File), Query{Host: "h"})
			if (errp == nil) != (err2 == nil) || stp.RowsRead != st2.RowsRead || stp.RowsKept != st2.RowsKept || !slices.Equal(stp.Skipped, st2.Skipped) {
				t.Fatalf("parallel: %+v %v vs ordered %+v %v", stp, errp, st2, err2)
			}
			if d := cmp.Diff(many, par); d != "" {
				t.Fatalf("parallel differs (-ordered +parallel):\n%s", d)
			}
		}
	})
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

type consumerFunc func(f *Flow, k *Keys, at Position)

func (c consumerFunc) Add(f *Flow, k *Keys, at Position) { c(f, k, at) }

// streamParallelAll collects what StreamParallel delivers, in Position
// order, checking each flow's Keys against its strings.
func streamParallelAll(s ParallelSource, q Query) ([]Flow, Stats, error) {
	type posFlow struct {
		at Position
		f  Flow
	}
	var mu sync.Mutex
	var all []posFlow
	var bad error
	st, err := s.StreamParallel(context.Background(), q, func(in *Interner) Consumer {
		return consumerFunc(func(f *Flow, k *Keys, at Position) {
			g := *f
			g.PublicIPs = slices.Clone(f.PublicIPs)
			for _, p := range []*string{&g.FlowType, &g.VMName, &g.L4Protocol, &g.RemoteRegion, &g.VMRegion} {
				*p = strings.Clone(*p)
			}
			mu.Lock()
			defer mu.Unlock()
			if in.Addr(k.VMIPAddress) != f.VMIPAddress || in.Addr(k.AllExtIPs) != f.AllExtIPs || in.Addr(k.SrcIP) != f.SrcIP ||
				in.Addr(k.DestIP) != f.DestIP || in.Proto(k.L7Protocol) != f.L7Protocol || in.Addr(k.Source(f)) != f.Source() || in.Addr(k.Dest(f)) != f.Dest() {
				bad = fmt.Errorf("keys %+v do not match flow %+v", k, f)
			}
			all = append(all, posFlow{at, g})
		})
	})
	if bad != nil {
		return nil, st, bad
	}
	slices.SortFunc(all, func(a, b posFlow) int { return boolInt(a.at > b.at) - boolInt(a.at < b.at) })
	var out []Flow
	for i, p := range all {
		if i > 0 && p.at == all[i-1].at {
			return nil, st, fmt.Errorf("position %d twice", p.at)
		}
		out = append(out, p.f)
	}
	return out, st, err
}

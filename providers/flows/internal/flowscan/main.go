// Command flowscan streams flow files through the flows reader and, with
// -summary, through the notebooklet's data path (Collector.Collect: flow
// index, plot series, kept flows; then the ASN summary, with ASNs from an
// in-memory /8 table as ../shared/bench/pandas_baseline.py does). It prints
// row counts and the elapsed time; run it under /usr/bin/time -v to see the
// peak memory. -dump writes every output as JSON, to compare two builds of
// the engine on the same file.
//
//	go build -o /tmp/flowscan ./providers/flows/internal/flowscan
//	/usr/bin/time -v /tmp/flowscan -summary /tmp/flows1m.csv
//	/tmp/flowscan -ip 10.0.3.5 -dump /tmp/out.json /tmp/flows1m.csv
package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"net/netip"
	"os"
	"runtime/pprof"
	"time"

	"github.com/gonotebooklets/notebooklets/flowsummary"
	"github.com/gonotebooklets/notebooklets/providers/asn"
	"github.com/gonotebooklets/notebooklets/providers/flows"
)

func main() {
	host := flag.String("host", "", "select flows of this host name")
	summary := flag.Bool("summary", false, "build the flow index and ASN summary as well")
	ip := flag.String("ip", "", "select flows of this IP address")
	series := flag.Bool("series", true, "build the plot series too (run --options flow_summary does not)")
	dump := flag.String("dump", "", "write every output of the summary as JSON to this file (implies -summary)")
	cpuprofile := flag.String("cpuprofile", "", "write a CPU profile to this file")
	flag.Parse()
	if *cpuprofile != "" {
		f, err := os.Create(*cpuprofile)
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		if err := pprof.StartCPUProfile(f); err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		defer pprof.StopCPUProfile()
	}
	if flag.NArg() == 0 {
		fmt.Fprintln(os.Stderr, "usage: flowscan [-host NAME] [-summary] FILE...")
		os.Exit(2)
	}
	t0 := time.Now()
	src, err := flows.Files(flag.Args()...)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	var col *flowsummary.Collector
	var sum int64
	q := flows.Query{Host: *host, IP: *ip}
	var st flows.Stats
	if *summary || *dump != "" {
		col = flowsummary.NewCollector(time.Time{}, time.Time{}, flowsummary.DefaultMaxFlowsKept)
		if !*series {
			col.ByProtocol, col.ByDirection = nil, nil
		}
		st, err = col.Collect(context.Background(), src, q)
	} else {
		st, err = src.Stream(context.Background(), q, func(f *flows.Flow) error { sum += f.TotalAllowedFlows(); return nil })
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	t1 := time.Now()
	fmt.Printf("rows_read=%d rows_kept=%d rows_skipped=%d first=%s last=%s\n", st.RowsRead, st.RowsKept, st.RowsSkipped,
		st.First.Format(time.RFC3339), st.Last.Format(time.RFC3339))
	for _, s := range st.Skipped {
		fmt.Println("skipped:", s)
	}
	if col == nil {
		fmt.Printf("total_allowed_flows=%d read_s=%.3f\n", sum, t1.Sub(t0).Seconds())
		pprof.StopCPUProfile()
		return
	}
	rows := col.Index.Rows()
	found := map[string]asn.Info{}
	for _, ip := range flowsummary.PublicIPs(rows) {
		a, err := netip.ParseAddr(ip)
		if err != nil || !a.Is4() {
			continue
		}
		n := asn.Number(64512) + asn.Number(a.As4()[0])
		found[ip] = asn.Info{IP: ip, ASN: n, Name: fmt.Sprintf("AS%d", n)}
	}
	s := flowsummary.SummarizeASNs(rows, found)
	t2 := time.Now()
	if *dump != "" {
		out := map[string]any{
			"stats": st, "seen": col.Seen, "dropped": col.Dropped, "truncated": col.Truncated, "first": col.First, "last": col.Last,
			"host": col.Host, "flow_index": rows, "flow_index_first_seen": col.Index.FirstSeen(), "flow_summary": s,
			"kept": col.Kept,
		}
		if col.ByProtocol != nil {
			out["by_protocol"], out["by_direction"] = col.ByProtocol.Series(), col.ByDirection.Series()
		}
		b, err := json.MarshalIndent(out, "", " ")
		if err == nil {
			err = os.WriteFile(*dump, b, 0o600)
		}
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
	}
	fmt.Printf("index_rows=%d asn_ips=%d asns=%d read_index_s=%.3f summary_s=%.3f total_s=%.3f\n",
		len(rows), len(found), len(s.ASNs()), t1.Sub(t0).Seconds(), t2.Sub(t1).Seconds(), t2.Sub(t0).Seconds())
}

package flows

import (
	"context"
	"testing"
	"time"

	"github.com/gonotebooklets/notebooklets/internal/sample/samplegen"
)

func TestSample(t *testing.T) {
	got, st := collect(t, Sample(), Query{Host: "MSTICALERTSWIN1"})
	if st.RowsSkipped != 0 || st.RowsRead < 2000 || st.RowsKept != st.RowsRead || int64(len(got)) != st.RowsKept {
		t.Fatalf("stats %+v", st)
	}
	if st.First.Before(samplegen.Start) || st.Last.After(samplegen.End) || st.Last.Sub(st.First) < 4*24*time.Hour {
		t.Errorf("range %v .. %v", st.First, st.Last)
	}
	protos, dirs, ext := map[string]bool{}, map[string]bool{}, map[string]bool{}
	for _, f := range got {
		protos[f.L7Protocol] = true
		dirs[string(f.FlowDirection)] = true
		ext[f.AllExtIPs] = true
	}
	if len(protos) < 12 || len(dirs) != 2 {
		t.Errorf("%d protocols, directions %v", len(protos), dirs)
	}
	for _, ip := range samplegen.MaliciousIPs() {
		if !ext[ip] {
			t.Errorf("malicious %s not in the sample flows", ip)
		}
	}
	// By IP gives the same rows as by host.
	st2, err := Sample().Stream(context.Background(), Query{IP: samplegen.Host.PrivateIP}, func(*Flow) error { return nil })
	if err != nil || st2.RowsKept != st.RowsKept {
		t.Errorf("by IP: %+v, %v", st2, err)
	}
}

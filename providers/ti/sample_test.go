package ti

import (
	"bytes"
	"context"
	"encoding/csv"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/gonotebooklets/notebooklets/internal/sample"
)

// TestSample checks Sample against the embedded file itself, so that
// regenerating the sample data does not break it: every row comes back
// with its severity, and the host's own address is not found.
func TestSample(t *testing.T) {
	s := Sample()
	if s.Name() != SampleName || s.Len() == 0 || len(s.Warnings()) != 0 {
		t.Fatalf("name %q, %d indicators, warnings %v", s.Name(), s.Len(), s.Warnings())
	}
	rows, err := csv.NewReader(bytes.NewReader(sample.TIIndicators)).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	var iocs []string
	want := map[string]string{}
	positives := 0
	for _, r := range rows[1:] {
		iocs = append(iocs, r[0])
		want[r[0]] = r[2]
		if r[2] != "information" {
			positives++
		}
	}
	res, err := Lookup(context.Background(), []Provider{s}, append(iocs, "10.0.3.5"), nil)
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]string{}
	for _, r := range res.Results {
		if r.Ioc != "10.0.3.5" {
			got[r.Ioc] = r.Severity.String()
		} else if r.Positive || r.Details != "Not found." {
			t.Errorf("host address: %+v", r)
		}
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("severities (-want +got):\n%s", diff)
	}
	if n := len(res.Positive()); n != positives || n < 2 {
		t.Errorf("%d positives, want %d (and at least 2)", n, positives)
	}
}

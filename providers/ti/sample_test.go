package ti

import (
	"context"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestSample(t *testing.T) {
	s := Sample()
	if s.Name() != SampleName || s.Len() == 0 || len(s.Warnings()) != 0 {
		t.Fatalf("name %q, %d indicators, warnings %v", s.Name(), s.Len(), s.Warnings())
	}
	res, err := Lookup(context.Background(), []Provider{s},
		[]string{"5.188.13.66", "5.188.42.7", "176.32.17.99", "13.107.4.50", "10.0.3.5"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, r := range res.Positive() {
		got = append(got, r.Ioc+" "+r.Severity.String())
	}
	want := []string{"5.188.13.66 high", "5.188.42.7 high", "176.32.17.99 medium"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("sample positives (-want +got):\n%s", diff)
	}
}

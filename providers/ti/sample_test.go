package ti

import (
	"context"
	"testing"
)

func TestSample(t *testing.T) {
	s := Sample()
	if s.Name() != SampleName || s.Len() == 0 || len(s.Warnings()) != 0 {
		t.Fatalf("name %q, %d indicators, warnings %v", s.Name(), s.Len(), s.Warnings())
	}
	res, err := Lookup(context.Background(), []Provider{s}, []string{"203.0.113.66", "192.0.2.200"}, nil)
	if err != nil || len(res.Positive()) != 1 {
		t.Errorf("%+v %v", res, err)
	}
}

package provenance_test

import (
	"testing"

	"github.com/gonotebooklets/notebooklets/providers/provenance"
)

type described struct{ i provenance.Info }

func (d described) Provenance() provenance.Info { return d.i }

func TestInfoString(t *testing.T) {
	tests := []struct {
		in   provenance.Info
		want string
	}{
		{provenance.Info{Kind: "files", Name: "flow files", Location: "a.csv, b.csv"}, "flow files (a.csv, b.csv)"},
		{provenance.Info{Kind: "local-indicators", Name: "SampleTI", Location: "SampleTI", Sample: true}, "SampleTI (sample data)"},
		{provenance.Info{Kind: "cymru"}, "cymru"},
		{provenance.Info{}, "unknown provider"},
	}
	for _, tt := range tests {
		if got := tt.in.String(); got != tt.want {
			t.Errorf("%+v.String() = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestOf(t *testing.T) {
	i := provenance.Info{Kind: "x", Sample: true}
	if got := provenance.Of(described{i}); got != i {
		t.Errorf("Of(describer) = %+v", got)
	}
	if got := provenance.Of(42); got.Kind != "unknown" {
		t.Errorf("Of(non-describer) = %+v", got)
	}
	if got := provenance.Of(nil); got != (provenance.Info{}) {
		t.Errorf("Of(nil) = %+v", got)
	}
	if !provenance.AnySample(provenance.Info{}, i) || provenance.AnySample(provenance.Info{}) {
		t.Error("AnySample")
	}
}

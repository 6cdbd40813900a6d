package nb

import (
	"context"
	"errors"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestShowSection(t *testing.T) {
	m := mustLoadFile(t, filepath.Join("testdata", "msticnb", "network_flow_summary.yaml"))
	render := func(ctx context.Context, s Sink) error { s.Show("<table/>", "table"); return nil }
	tests := []struct {
		name    string
		sec     Section
		silent  bool
		ctx     func() context.Context
		want    []string
		wantErr error
	}{
		{name: "title text and content", sec: Section{"plot_flows_by_direction", render},
			want: []string{"heading 2 Timeline of network flows by direction.", "text md=false I = inbound, O = outbound.", "show <table/> | table"}},
		{name: "no text", sec: Section{"plot_flows_by_protocol", render},
			want: []string{"heading 2 Timeline of network flows by protocol type.", "show <table/> | table"}},
		{name: "level 1", sec: Section{"run", nil},
			want: []string{"heading 1 Host Network Summary", "text md=false This shows a summary of network flows for this endpoint.\nData and plots are stored in the result class returned by this function."}},
		{name: "silent shows only content", sec: Section{"plot_flows_by_direction", render}, silent: true,
			want: []string{"show <table/> | table"}},
		{name: "unknown key", sec: Section{"nope", render}, wantErr: ErrUnknownSection},
		{name: "silent unknown key still renders", sec: Section{"nope", render}, silent: true, want: []string{"show <table/> | table"}},
		{name: "render error", sec: Section{"run", func(context.Context, Sink) error { return errProbe }}, wantErr: errProbe,
			want: []string{"heading 1 Host Network Summary", "text md=false This shows a summary of network flows for this endpoint.\nData and plots are stored in the result class returned by this function."}},
		{name: "cancelled", sec: Section{"run", render}, ctx: func() context.Context {
			ctx, cancel := context.WithCancel(context.Background())
			cancel()
			return ctx
		}, wantErr: context.Canceled},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx := context.Background()
			if tt.ctx != nil {
				ctx = tt.ctx()
			}
			r := &recSink{}
			err := ShowSection(ctx, r, m, tt.sec, tt.silent)
			if !errors.Is(err, tt.wantErr) {
				t.Fatalf("err = %v, want %v", err, tt.wantErr)
			}
			if err != nil && tt.wantErr == ErrUnknownSection && !strings.Contains(err.Error(), "plot_flow_values") {
				t.Errorf("error %q does not list the sections", err)
			}
			if diff := cmp.Diff(tt.want, r.events); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}

var errProbe = errors.New("probe")

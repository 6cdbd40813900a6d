package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"testing"

	"github.com/gonotebooklets/notebooklets/nb"
	"github.com/google/go-cmp/cmp"
)

// runner is a test notebooklet with a command line.
type runner struct{ md *nb.Metadata }

func (r runner) Metadata() *nb.Metadata { return r.md }

func (r runner) run(_ context.Context, args []string, stdout, _ io.Writer) error {
	switch {
	case len(args) > 0 && args[0] == "--bad":
		return fmt.Errorf("%w: flag provided but not defined: --bad", nb.ErrUsage)
	case len(args) > 0 && args[0] == "--fail":
		return errors.New("provider down")
	}
	fmt.Fprintf(stdout, "ran with %q\n", args)
	return nil
}

// plain is a test notebooklet without a command line.
type plain struct{ md *nb.Metadata }

func (p plain) Metadata() *nb.Metadata { return p.md }

func init() {
	md, err := nb.LoadMetadata([]byte("metadata:\n  name: TestRunner\n  description: Runs <things>\n  keywords: [zebra]\n"))
	if err != nil {
		panic(err)
	}
	nb.Register(runner{md})
	runners["TestRunner"] = runner{md}.run
	md2, _ := nb.LoadMetadata([]byte("metadata:\n  name: TestPlain\n  description: Cannot run\n"))
	nb.Register(plain{md2})
}

func TestCLI(t *testing.T) {
	sectionTitles := []string{"Host Network Summary", "Timeline of network flows by protocol type.", "Timeline of network flows by direction.",
		"Timeline of network flows quantity.", "Flow Index.", "Flow Summary with ASN details.", "Select the ASNs to process.",
		"TI Lookup for IP Addresses in selected ASNs.", "Map of geographic location of selected IPs communicating with host",
		"Map of geographic location of all IPs communicating with host"}
	helpWants := append([]string{"plot_flows", "plot_flow_values", "flow_summary", "resolve_host", "geo_map",
		"Default options", "Other options", "run", "select_asns", "lookup_ti_for_asn_ips", "show_selected_asn_map"}, sectionTitles...)
	tests := []struct {
		name     string
		args     []string
		wantCode int
		wantOut  []string // substrings of stdout
		wantErr  []string // substrings of stderr
		notOut   []string
		exactOut string
	}{
		{name: "no args", args: nil, wantCode: 2, wantErr: []string{"Usage:", "help NAME"}},
		{name: "usage", args: []string{"--help"}, wantOut: []string{"list [TERMS...]", "options NAME", "run NAME", "--version"}},
		{name: "unknown command", args: []string{"frobnicate"}, wantCode: 2, wantErr: []string{`unknown command "frobnicate"`}},
		{name: "version", args: []string{"--version"}, wantOut: []string{"notebooklet " + version}},
		{name: "list", args: []string{"list"}, wantOut: []string{"NetworkFlowSummary  Network Flow Summary for a host or IP Address", "TestRunner", "TestPlain"}},
		{name: "list find", args: []string{"list", "zebra"}, wantOut: []string{"TestRunner", "matched: zebra"}, notOut: []string{"NetworkFlowSummary"}},
		{name: "list find network flow", args: []string{"list", "network", "flow"}, wantOut: []string{"NetworkFlowSummary"}},
		{name: "list find none", args: []string{"list", "qqqq"}, wantCode: 1, wantErr: []string{`no notebooklet matches "qqqq"`}},
		{name: "help md", args: []string{"help", "NetworkFlowSummary"}, wantOut: append([]string{"# NetworkFlowSummary"}, helpWants...)},
		{name: "help text", args: []string{"help", "NetworkFlowSummary", "--format", "text"}, wantOut: append([]string{"NetworkFlowSummary\n=================="}, helpWants...)},
		{name: "help html flag first", args: []string{"help", "--format=html", "NetworkFlowSummary"}, wantOut: append([]string{"<!DOCTYPE html>", "<h1>NetworkFlowSummary</h1>"}, helpWants...)},
		{name: "help html escapes", args: []string{"help", "TestRunner", "--format", "html"}, wantOut: []string{"Runs &lt;things&gt;"}, notOut: []string{"<things>"}},
		{name: "help case-insensitive", args: []string{"help", "networkflowsummary"}, wantOut: []string{"# NetworkFlowSummary"}},
		{name: "help unknown", args: []string{"help", "NoSuch"}, wantCode: 2, wantErr: []string{`unknown notebooklet "NoSuch"`, "NetworkFlowSummary"}},
		{name: "help close name", args: []string{"help", "NetworkFlowSumary"}, wantCode: 2, wantErr: []string{"did you mean NetworkFlowSummary?"}},
		{name: "help bad format", args: []string{"help", "NetworkFlowSummary", "--format", "pdf"}, wantCode: 2, wantErr: []string{`unknown format "pdf"`}},
		{name: "help bad flag", args: []string{"help", "--nope", "NetworkFlowSummary"}, wantCode: 2, wantErr: []string{"flag provided but not defined"}},
		{name: "help two names", args: []string{"help", "A", "B"}, wantCode: 2, wantErr: []string{"one notebooklet name expected"}},
		{name: "help no name", args: []string{"help"}, wantOut: []string{"Usage:"}},
		{name: "help on a command", args: []string{"help", "run"}, wantOut: []string{"usage: notebooklet run NAME [flags]"}},
		{name: "options", args: []string{"options", "NetworkFlowSummary"}, wantOut: []string{"Default options:\n  plot_flows", "Other options:\n", "geo_map", "+name adds"}},
		{name: "options no name", args: []string{"options"}, wantCode: 2, wantErr: []string{"one notebooklet name expected"}},
		{name: "options unknown", args: []string{"options", "Nope"}, wantCode: 2, wantErr: []string{`unknown notebooklet "Nope"`}},
		{name: "run delegates", args: []string{"run", "TestRunner", "--value", "h1", "--options", "+geo_map"}, exactOut: "ran with [\"--value\" \"h1\" \"--options\" \"+geo_map\"]\n"},
		{name: "run usage error", args: []string{"run", "TestRunner", "--bad"}, wantCode: 2, wantErr: []string{"flag provided but not defined: --bad"}},
		{name: "run failure", args: []string{"run", "TestRunner", "--fail"}, wantCode: 1, wantErr: []string{"provider down"}},
		{name: "run no name", args: []string{"run"}, wantCode: 2, wantErr: []string{"name comes first"}},
		{name: "run flag first", args: []string{"run", "--value", "x"}, wantCode: 2, wantErr: []string{"name comes first"}},
		{name: "run unknown", args: []string{"run", "Nope"}, wantCode: 2, wantErr: []string{`unknown notebooklet "Nope"`}},
		{name: "run without commander", args: []string{"run", "TestPlain"}, wantCode: 1, wantErr: []string{"TestPlain cannot be run from the command line yet"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			code := run(context.Background(), tt.args, &stdout, &stderr)
			if code != tt.wantCode {
				t.Errorf("exit %d, want %d\nstdout:\n%s\nstderr:\n%s", code, tt.wantCode, stdout.String(), stderr.String())
			}
			for _, w := range tt.wantOut {
				if !strings.Contains(stdout.String(), w) {
					t.Errorf("stdout lacks %q:\n%s", w, stdout.String())
				}
			}
			for _, w := range tt.notOut {
				if strings.Contains(stdout.String(), w) {
					t.Errorf("stdout contains %q", w)
				}
			}
			for _, w := range tt.wantErr {
				if !strings.Contains(stderr.String(), w) {
					t.Errorf("stderr lacks %q:\n%s", w, stderr.String())
				}
			}
			if tt.exactOut != "" {
				if diff := cmp.Diff(tt.exactOut, stdout.String()); diff != "" {
					t.Errorf("stdout (-want +got):\n%s", diff)
				}
			}
		})
	}
}

func TestParseFlags(t *testing.T) {
	tests := []struct {
		args    []string
		wantPos []string
		wantF   string
	}{
		{[]string{"A", "--format", "x"}, []string{"A"}, "x"},
		{[]string{"--format", "x", "A", "B"}, []string{"A", "B"}, "x"},
		{[]string{"A", "--", "--format"}, []string{"A", "--format"}, ""},
		{nil, nil, ""},
	}
	for _, tt := range tests {
		fs := newFlagSet("t", io.Discard)
		f := fs.String("format", "", "")
		pos, err := parseFlags(fs, tt.args)
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(tt.wantPos, pos); diff != "" || *f != tt.wantF {
			t.Errorf("parseFlags(%q) = %q, format %q; diff %s", tt.args, pos, *f, diff)
		}
	}
}

func TestRegisterDuplicatePanics(t *testing.T) {
	defer func() {
		if recover() == nil {
			t.Error("no panic")
		}
	}()
	register(command{name: "list", run: cmdList})
}

// Command notebooklet runs notebooklets from a terminal and answers
// questions about them.
//
//	notebooklet list [TERMS...]          list the notebooklets (matching TERMS, ranked)
//	notebooklet help NAME [--format md|html|text]
//	notebooklet options NAME             the default and other options
//	notebooklet run NAME [flags]         run a notebooklet (flags: run NAME --help)
//	notebooklet --version
//
// Exit status: 0 on success, 1 on failure, 2 on a usage error.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"runtime/debug"
	"sort"
	"strings"
	"syscall"
	"text/tabwriter"

	_ "github.com/gonotebooklets/notebooklets/flowsummary" // registers NetworkFlowSummary
	"github.com/gonotebooklets/notebooklets/nb"
)

// version is the release of this command; the module version and VCS
// revision from the build info are shown beside it.
const version = "0.1.0"

// command is one subcommand. Subcommands register themselves from init
// functions in this package's files.
type command struct {
	name, usage, summary string
	run                  func(ctx context.Context, args []string, stdout, stderr io.Writer) error
}

var commands = map[string]command{}

// register adds a subcommand; it panics on a duplicate name (a programming
// error).
func register(c command) {
	if _, dup := commands[c.name]; dup || c.name == "" || c.run == nil {
		panic("notebooklet: bad or duplicate command " + c.name)
	}
	commands[c.name] = c
}

// usageError marks a usage error (exit status 2).
func usageError(format string, args ...any) error {
	return fmt.Errorf("%w: "+format, append([]any{nb.ErrUsage}, args...)...)
}

func main() {
	// The first Ctrl-C or SIGTERM ends the context: the run stops and writes
	// what it has. A second one ends the process at once.
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	go func() {
		<-ctx.Done()
		stop()
	}()
	code := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

// run is the whole command, in-process testable; it returns the exit
// status.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		printUsage(stderr)
		return 2
	}
	switch args[0] {
	case "-h", "--help", "-help":
		printUsage(stdout)
		return 0
	case "--version", "-version", "-v", "version":
		fmt.Fprintln(stdout, versionString())
		return 0
	}
	c, ok := commands[args[0]]
	if !ok {
		fmt.Fprintf(stderr, "notebooklet: unknown command %q\n\n", args[0])
		printUsage(stderr)
		return 2
	}
	err := c.run(ctx, args[1:], stdout, stderr)
	// Errors can quote data (a host name, a file's content): they reach the
	// terminal with their control characters escaped.
	msg := ""
	if err != nil {
		msg = nb.TerminalSafe(err.Error())
	}
	switch {
	case err == nil, errors.Is(err, flag.ErrHelp):
		return 0
	case errors.Is(err, nb.ErrUsage):
		fmt.Fprintf(stderr, "notebooklet %s: %s\nusage: notebooklet %s\n", c.name, msg, c.usage)
		return 2
	case errors.Is(err, nb.ErrUnknownNotebooklet):
		fmt.Fprintf(stderr, "notebooklet %s: %s\n", c.name, msg)
		return 2
	case errors.Is(err, context.Canceled) && ctx.Err() != nil:
		fmt.Fprintf(stderr, "notebooklet %s: interrupted: %s\n", c.name, msg)
		return 130
	default:
		fmt.Fprintf(stderr, "notebooklet %s: %s\n", c.name, msg)
		return 1
	}
}

func printUsage(w io.Writer) {
	fmt.Fprintln(w, "notebooklet: security investigation notebooklets (a Go port of msticnb)")
	fmt.Fprintln(w, "\nUsage:")
	names := make([]string, 0, len(commands))
	for n := range commands {
		names = append(names, n)
	}
	sort.Strings(names)
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	for _, n := range names {
		fmt.Fprintf(tw, "  notebooklet %s\t%s\n", commands[n].usage, commands[n].summary)
	}
	fmt.Fprintf(tw, "  notebooklet --version\tprint the version\n")
	tw.Flush()
}

// versionString is the version const, the module version and VCS revision
// from the build info, and the Go version.
func versionString() string {
	s := "notebooklet " + version
	bi, ok := debug.ReadBuildInfo()
	if !ok {
		return s
	}
	if v := bi.Main.Version; v != "" && v != "(devel)" {
		s += " (module " + v + ")"
	}
	var rev, modified string
	for _, kv := range bi.Settings {
		switch kv.Key {
		case "vcs.revision":
			rev = kv.Value
		case "vcs.modified":
			if kv.Value == "true" {
				modified = "+dirty"
			}
		}
	}
	if rev != "" {
		s += " revision " + rev[:min(12, len(rev))] + modified
	}
	return s + " " + bi.GoVersion
}

// parseFlags parses flags placed anywhere among the positional arguments
// ("help NAME --format html" and "help --format html NAME" both work); "--"
// ends the flags.
func parseFlags(fs *flag.FlagSet, args []string) ([]string, error) {
	var pos []string
	for {
		if err := fs.Parse(args); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				return nil, err
			}
			return nil, usageError("%v", err)
		}
		rest := fs.Args()
		if len(rest) == 0 {
			return pos, nil
		}
		if len(args) > 0 && len(rest) < len(args) && args[len(args)-len(rest)-1] == "--" {
			return append(pos, rest...), nil
		}
		pos = append(pos, rest[0])
		args = rest[1:]
	}
}

func newFlagSet(name string, stderr io.Writer) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	return fs
}

func init() {
	register(command{name: "list", usage: "list [TERMS...]", summary: "list the notebooklets, or those matching TERMS (ranked)", run: cmdList})
	register(command{name: "help", usage: "help NAME [--format md|html|text]", summary: "show a notebooklet's help", run: cmdHelp})
	register(command{name: "options", usage: "options NAME", summary: "show a notebooklet's default and other options", run: cmdOptions})
	register(command{name: "run", usage: "run NAME [flags]", summary: "run a notebooklet (see run NAME --help)", run: cmdRun})
}

func cmdList(_ context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("list", stderr)
	terms, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	tw := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
	defer tw.Flush()
	if len(terms) == 0 {
		for _, n := range nb.All() {
			m := n.Metadata()
			fmt.Fprintf(tw, "%s\t%s\n", m.Name, m.Description)
		}
		return nil
	}
	matches := nb.Find(strings.Join(terms, " "))
	if len(matches) == 0 {
		return fmt.Errorf("no notebooklet matches %q", strings.Join(terms, " "))
	}
	for _, m := range matches {
		fmt.Fprintf(tw, "%s\t%s\t(matched: %s)\n", m.Name, m.Notebooklet.Metadata().Description, strings.Join(m.Terms, ", "))
	}
	return nil
}

func cmdHelp(_ context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("help", stderr)
	format := fs.String("format", "md", "output format: md (Markdown), html (a full page) or text")
	pos, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	if len(pos) == 0 {
		printUsage(stdout)
		return nil
	}
	if len(pos) > 1 {
		return usageError("one notebooklet name expected, got %q", pos)
	}
	if c, ok := commands[pos[0]]; ok {
		fmt.Fprintf(stdout, "usage: notebooklet %s\n%s\n", c.usage, c.summary)
		return nil
	}
	n, err := nb.Get(pos[0])
	if err != nil {
		return err
	}
	m := n.Metadata()
	switch *format {
	case "md", "markdown":
		_, err = io.WriteString(stdout, m.Markdown())
	case "text", "txt":
		_, err = io.WriteString(stdout, m.Text(100))
	case "html":
		r := nb.NewHTMLReport(m.Name + " — help")
		r.Show(m.HTML(), "")
		_, err = r.WriteTo(stdout)
	default:
		return usageError("unknown format %q (use md, html or text)", *format)
	}
	return err
}

func cmdOptions(_ context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("options", stderr)
	pos, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		return usageError("one notebooklet name expected")
	}
	n, err := nb.Get(pos[0])
	if err != nil {
		return err
	}
	_, err = io.WriteString(stdout, n.Metadata().OptionsText())
	return err
}

// runners are the notebooklets that run from the command line, by name:
// each parses its own flags (in this package) and drives the
// notebooklet's Go API.
var runners = map[string]func(ctx context.Context, args []string, stdout, stderr io.Writer) error{}

func cmdRun(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 || strings.HasPrefix(args[0], "-") {
		return usageError("the notebooklet name comes first (notebooklet list shows the names)")
	}
	n, err := nb.Get(args[0])
	if err != nil {
		return err
	}
	r, ok := runners[n.Metadata().Name]
	if !ok {
		return fmt.Errorf("notebooklet %s cannot be run from the command line yet; use its Go API", n.Metadata().Name)
	}
	return r(ctx, args[1:], stdout, stderr)
}

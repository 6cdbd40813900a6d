package nb_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"github.com/gonotebooklets/notebooklets/nb"
)

const exampleYAML = `
metadata:
  name: ExampleSummary
  description: An example notebooklet
  default_options:
    - table: Show a table.
  other_options:
    - map: Show a map.
output:
  run:
    title: Example Summary
    hd_level: 1
    text: This shows an example.
`

func ExampleLoadMetadata() {
	md, err := nb.LoadMetadata([]byte(exampleYAML))
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(md.Name, "-", md.Description)
	for _, o := range md.Options() {
		fmt.Printf("%s: %s\n", o.Name, o.Description)
	}
	// Output:
	// ExampleSummary - An example notebooklet
	// table: Show a table.
	// map: Show a map.
}

func ExampleMetadata_ResolveOptions() {
	md, _ := nb.LoadMetadata([]byte(exampleYAML))
	opts, warnings, err := md.ResolveOptions("+map", "-table", "+colour")
	fmt.Println(opts.Names(), err)
	fmt.Println(warnings)
	_, _, err = md.ResolveOptions("map", "+table")
	fmt.Println(errors.Is(err, nb.ErrOptions))
	// Output:
	// [map] <nil>
	// [unknown option(s) ignored: +colour (ExampleSummary options: table, map)]
	// true
}

func ExampleParseTimeSpan() {
	ts, err := nb.ParseTimeSpan("2019-02-12", "", "2d")
	fmt.Println(ts, err)
	// Output: 2019-02-12T00:00:00Z – 2019-02-14T00:00:00Z <nil>
}

func ExampleShowSection() {
	md, _ := nb.LoadMetadata([]byte(exampleYAML))
	sink := nb.NewTextSink(os.Stdout)
	err := nb.ShowSection(context.Background(), sink, md, nb.Section{
		Key: "run",
		Render: func(ctx context.Context, s nb.Sink) error {
			s.Show("<table><tr><td>42</td></tr></table>", "answer: 42")
			return nil
		},
	}, false)
	sink.Close()
	fmt.Println(err)
	// Output:
	// Example Summary
	// ===============
	//
	// This shows an example.
	//
	// answer: 42
	// <nil>
}

func ExampleStateStore() {
	dir, _ := os.MkdirTemp("", "state")
	defer os.RemoveAll(dir)
	store := nb.StateStore{Dir: filepath.Join(dir, ".notebooklets")}
	type last struct{ Host string }
	if err := store.Save("example", 1, "run-42", last{Host: "msticalertswin1"}); err != nil {
		fmt.Println(err)
	}
	var got last
	info, err := store.Load("example", 1, &got)
	fmt.Println(err, got.Host, info.Run)
	_, err = store.Load("example", 2, &got)
	fmt.Println(errors.Is(err, nb.ErrStateVersion))
	// Output:
	// <nil> msticalertswin1 run-42
	// true
}

func ExampleNewHTMLReport() {
	report := nb.NewHTMLReport("Example")
	report.Heading(1, "Flows for <host>")
	report.Text("Data from `sample`.", true)
	path := filepath.Join(os.TempDir(), "nb-example-report.html")
	defer os.Remove(path)
	fmt.Println(report.WriteFile(path))
	// Output: <nil>
}

func ExampleGet() {
	_, err := nb.Get("NoSuchNotebooklet")
	fmt.Println(errors.Is(err, nb.ErrUnknownNotebooklet))
	// Output: true
}

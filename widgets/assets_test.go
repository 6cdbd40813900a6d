package widgets

import (
	"bytes"
	"encoding/json"
	"html/template"
	"io/fs"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"
	"golang.org/x/net/html"
)

// pins reads the "dependencies" of a package.json.
func pins(t *testing.T, path string) map[string]string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var p struct {
		Dependencies map[string]string `json:"dependencies"`
	}
	if err := json.Unmarshal(b, &p); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return p.Dependencies
}

// nodeModulesDirs are the npm installs the embedded files can be compared with.
func nodeModulesDirs() []string {
	var out []string
	for _, d := range []string{os.Getenv("NOTEBOOKLETS_NODE_MODULES"), filepath.Join("assets", "node_modules"), filepath.Join("..", "e2e", "node_modules")} {
		if st, err := os.Stat(d); d != "" && err == nil && st.IsDir() {
			out = append(out, d)
		}
	}
	return out
}

var unsafeInline = regexp.MustCompile(`(?i)</script|<!--|</style`)

// TestEmbeddedAssets checks the embedded files against their pins and
// against an npm install when one is present, and that each can be inlined
// in a <script> or <style> element.
func TestEmbeddedAssets(t *testing.T) {
	// The Go constants, EmbeddedPackages, assets/package.json and its lock agree.
	want := map[string]string{}
	for _, p := range EmbeddedPackages() {
		want[p.Name] = p.Version
	}
	if diff := cmp.Diff(want, pins(t, filepath.Join("assets", "package.json"))); diff != "" {
		t.Errorf("assets/package.json vs EmbeddedPackages (-want +got):\n%s", diff)
	}
	var lock struct {
		Packages map[string]struct{ Version string } `json:"packages"`
	}
	b, err := os.ReadFile(filepath.Join("assets", "package-lock.json"))
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, &lock); err != nil {
		t.Fatal(err)
	}
	for name, v := range want {
		if got := lock.Packages["node_modules/"+name].Version; got != v {
			t.Errorf("package-lock.json has %s %q, want %q", name, got, v)
		}
	}
	for _, c := range []string{EChartsPkg, LeafletPkg, MarkerClusterPkg, TopoJSONPkg, WorldAtlasPkg} {
		name, v, _ := strings.Cut(c, "@")
		if want[name] != v {
			t.Errorf("constant %s, embedded %s@%s", c, name, want[name])
		}
	}
	// e2e/package.json (the assets the end-to-end tests serve) pins the same versions.
	for name, v := range pins(t, filepath.Join("..", "e2e", "package.json")) {
		if w, ok := want[name]; ok && w != v {
			t.Errorf("e2e/package.json pins %s %s, the widgets embed %s", name, v, w)
		}
	}

	// Every embedded file is an asset or a licence; every asset is embedded and safe to inline.
	known := map[string]bool{}
	for _, p := range EmbeddedPackages() {
		for _, f := range p.LicenseFiles {
			known[p.Name+"@"+p.Version+"/"+f] = true
		}
	}
	for _, x := range allAssets {
		known[x.name()] = true
		c := x.content()
		if len(c) == 0 {
			t.Errorf("%s is empty", x.name())
		}
		if loc := unsafeInline.FindIndex(c); loc != nil {
			t.Errorf("%s cannot be inlined: %q at byte %d", x.name(), c[loc[0]:loc[1]], loc[0])
		}
		if x.kind == kindJSON && !json.Valid(c) {
			t.Errorf("%s is not valid JSON", x.name())
		}
	}
	var files []string
	err = fs.WalkDir(assetFiles, "assets/dist", func(p string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			files = append(files, strings.TrimPrefix(p, "assets/dist/"))
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range files {
		if !known[f] {
			t.Errorf("embedded file %s is neither an asset nor a licence", f)
		}
		delete(known, f)
	}
	for f := range known {
		t.Errorf("%s is not embedded", f)
	}

	// The embedded files are those of the npm packages (when an install is at hand).
	compared := 0
	for _, dir := range nodeModulesDirs() {
		for _, f := range files {
			pkgver, file, _ := strings.Cut(f, "/")
			at := strings.LastIndex(pkgver, "@")
			pkg, ver := pkgver[:at], pkgver[at+1:]
			var meta struct{ Version string }
			mb, err := os.ReadFile(filepath.Join(dir, pkg, "package.json"))
			if err != nil || json.Unmarshal(mb, &meta) != nil {
				continue // not installed there
			}
			if meta.Version != ver {
				t.Errorf("%s has %s %s, the widgets embed %s", dir, pkg, meta.Version, ver)
				continue
			}
			installed, err := os.ReadFile(filepath.Join(dir, pkg, filepath.FromSlash(file)))
			if err != nil {
				t.Errorf("%s: %v", f, err)
				continue
			}
			emb, _ := assetFiles.ReadFile("assets/dist/" + f)
			if !bytes.Equal(installed, emb) {
				t.Errorf("embedded %s differs from %s (run go generate)", f, filepath.Join(dir, pkg, file))
			}
			compared++
		}
	}
	t.Logf("%d embedded files compared with an npm install", compared)
}

// TestInlineAssets checks the markup a report's head gets: a licence
// comment, one <style> per style sheet, one <script> per script and data
// file, each registered under its asset name, and nothing else.
func TestInlineAssets(t *testing.T) {
	h := string(InlineAssets())
	doc, err := html.Parse(strings.NewReader("<html><head>" + h + "</head><body></body></html>"))
	if err != nil {
		t.Fatal(err)
	}
	var styles, scripts []string
	comments := 0
	var walk func(n *html.Node)
	walk = func(n *html.Node) {
		switch {
		case n.Type == html.CommentNode:
			comments++
		case n.Type == html.ElementNode && n.Data == "style":
			for _, a := range n.Attr {
				if a.Key == "data-nbl-asset" {
					styles = append(styles, a.Val)
				}
			}
		case n.Type == html.ElementNode && n.Data == "script":
			m := regexp.MustCompile(`^\(globalThis\.__nblEmbedded=globalThis\.__nblEmbedded\|\|\{\}\)\[("[^"]+")\]=\{(run|json):`).FindStringSubmatch(n.FirstChild.Data)
			if m == nil {
				t.Errorf("script does not register an embedded asset: %.100q", n.FirstChild.Data)
				break
			}
			var name string
			_ = json.Unmarshal([]byte(m[1]), &name)
			scripts = append(scripts, name)
		case n.Type == html.ElementNode && !map[string]bool{"html": true, "head": true, "body": true}[n.Data]:
			t.Errorf("unexpected element <%s>", n.Data)
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c)
		}
	}
	walk(doc)
	var wantStyles, wantScripts []string
	for _, x := range allAssets {
		if x.kind == kindCSS {
			wantStyles = append(wantStyles, x.name())
		} else {
			wantScripts = append(wantScripts, x.name())
		}
	}
	sort.Strings(styles)
	sort.Strings(scripts)
	sort.Strings(wantStyles)
	sort.Strings(wantScripts)
	if diff := cmp.Diff(wantStyles, styles); diff != "" {
		t.Errorf("styles (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(wantScripts, scripts); diff != "" {
		t.Errorf("scripts (-want +got):\n%s", diff)
	}
	if comments != 1 || !strings.Contains(h, "Apache License") || !strings.Contains(h, "Natural Earth") {
		t.Errorf("%d comments; want one with the licences", comments)
	}
	t.Logf("InlineAssets: %d bytes", len(h))
}

// withNotebook makes the widgets believe they run in a GoNB cell (or not)
// until the test ends, with fresh probe and embedding state.
func withNotebook(t *testing.T, in bool) {
	t.Helper()
	old := inNotebook
	inNotebook = func() bool { return in }
	resetEmbedding()
	t.Cleanup(func() { inNotebook = old; resetEmbedding() })
}

func resetEmbedding() {
	embedState.Lock()
	embedState.sent = map[string]bool{}
	embedState.Unlock()
	probes.Range(func(k, _ any) bool { probes.Delete(k); return true })
}

// embeddedNames lists the assets whose embedded copies h carries.
func embeddedNames(h template.HTML) []string {
	var out []string
	for _, m := range regexp.MustCompile(`__nblEmbedded\|\|\{\}\)\[("[^"]+")\]=\{gz:`).FindAllStringSubmatch(string(h), -1) {
		var s string
		_ = json.Unmarshal([]byte(m[1]), &s)
		out = append(out, s)
	}
	return out
}

// assetSite serves the embedded copies, except those named in missing, and
// counts the requests.
type assetSite struct {
	mu       sync.Mutex
	requests int
	missing  map[string]bool
}

func (s *assetSite) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	s.requests++
	s.mu.Unlock()
	if s.missing[strings.TrimPrefix(r.URL.Path, "/")] {
		http.NotFound(w, r)
		return
	}
	AssetServer("").ServeHTTP(w, r)
}

func TestEmbedPolicy(t *testing.T) {
	site := &assetSite{missing: map[string]bool{worldJSON.name(): true}}
	srv := httptest.NewServer(site)
	defer srv.Close()
	dead := httptest.NewServer(http.NotFoundHandler())
	deadURL := dead.URL
	dead.Close() // nothing listens there any more

	chart, mapList := chartAssets, append(append([]asset(nil), mapAssets...), outlineAssets...)
	names := func(l []asset) []string {
		var out []string
		for _, x := range l {
			out = append(out, x.name())
		}
		return out
	}
	tests := []struct {
		name     string
		notebook bool
		a        Assets
		list     []asset
		want     []string
	}{
		{"report: the page inlines", false, Assets{BaseURL: deadURL}, chart, nil},
		{"cell, URL answers", true, Assets{BaseURL: srv.URL}, chart, nil},
		{"cell, URL answers but lacks a file", true, Assets{BaseURL: srv.URL}, mapList, []string{worldJSON.name()}},
		{"cell, URL does not answer", true, Assets{BaseURL: deadURL}, mapList, names(mapList)},
		{"embedded by name", false, Assets{BaseURL: EmbeddedBaseURL}, chart, names(chart)},
		{"always", false, Assets{BaseURL: srv.URL, Embed: EmbedAlways}, chart, names(chart)},
		{"never", true, Assets{BaseURL: deadURL, Embed: EmbedNever}, chart, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			withNotebook(t, tc.notebook)
			if diff := cmp.Diff(tc.want, embeddedNames(tc.a.embedded(tc.list, false))); diff != "" {
				t.Errorf("embedded copies (-want +got):\n%s", diff)
			}
			// Shown outputs carry each copy once per process (a GoNB cell).
			first := embeddedNames(tc.a.embedded(tc.list, true))
			again := embeddedNames(tc.a.embedded(tc.list, true))
			if diff := cmp.Diff(tc.want, first); diff != "" || len(again) != 0 {
				t.Errorf("shown twice: first %v, again %v; want %v then none", first, again, tc.want)
			}
		})
	}
	// Each URL is asked once per process.
	withNotebook(t, true)
	site.requests = 0
	for range 3 {
		Assets{BaseURL: srv.URL}.embedded(chart, false)
	}
	if site.requests != 1 {
		t.Errorf("%d requests for one asset asked about three times, want 1", site.requests)
	}
}

// TestEmbeddedCopyDecodes checks that what an output carries is the asset, gzipped.
func TestEmbeddedCopyDecodes(t *testing.T) {
	withNotebook(t, false)
	h := string(Assets{BaseURL: EmbeddedBaseURL}.embedded([]asset{topoJSONJS}, false))
	m := regexp.MustCompile(`\{gz:"([A-Za-z0-9+/=]+)"\}`).FindStringSubmatch(h)
	if m == nil {
		t.Fatalf("no gz copy in %.200q", h)
	}
	got, err := gunzipBase64(m[1])
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, topoJSONJS.content()) {
		t.Error("the embedded copy is not the asset")
	}
}

// TestProbesAtOnce checks that a cell asks for all the assets of an output
// at once (so that a network that drops packets costs ProbeTimeout once).
func TestProbesAtOnce(t *testing.T) {
	list := append(append([]asset(nil), mapAssets...), outlineAssets...)
	var mu sync.Mutex
	inFlight, most := 0, 0
	all := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		inFlight++
		most = max(most, inFlight)
		if inFlight == len(list) {
			close(all)
		}
		mu.Unlock()
		select { // answer once every probe is in flight (or give up: then they were not)
		case <-all:
		case <-r.Context().Done():
		}
		w.WriteHeader(http.StatusNotFound)
	}))
	defer srv.Close()
	withNotebook(t, true)
	got := embeddedNames(Assets{BaseURL: srv.URL}.embedded(list, false))
	if most != len(list) || len(got) != len(list) {
		t.Errorf("%d probes in flight at most, %d copies embedded; want %d and %d", most, len(got), len(list), len(list))
	}
}

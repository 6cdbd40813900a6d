package widgets

//go:generate go run ./assets/gen.go

import (
	"bytes"
	"compress/gzip"
	"context"
	"embed"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"html/template"
	"io/fs"
	"net/http"
	"os"
	"path"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/janpfeifer/gonb/gonbui"
)

// Pinned asset packages, in jsDelivr's npm layout: <BaseURL>/<pkg>@<version>/<file>.
// Their files are embedded in the module (assets/dist, from assets/package.json).
const (
	EChartsPkg       = "echarts@5.5.1"
	LeafletPkg       = "leaflet@1.9.4"
	MarkerClusterPkg = "leaflet.markercluster@1.5.3"
	TopoJSONPkg      = "topojson-client@3.1.0"
	WorldAtlasPkg    = "world-atlas@2.0.2"
)

// DefaultBaseURL is the CDN the assets load from unless configured otherwise.
const DefaultBaseURL = "https://cdn.jsdelivr.net/npm"

// EmbeddedBaseURL as Assets.BaseURL (or NOTEBOOKLETS_ASSETS_URL) means: load
// nothing from the network; every output carries the embedded copies it needs.
const EmbeddedBaseURL = "embedded"

// DefaultTileURL is the map tile template used unless configured otherwise.
const DefaultTileURL = "https://{s}.tile.openstreetmap.org/{z}/{x}/{y}.png"

// NoTiles as Assets.TileURL draws maps on the embedded country outlines only.
const NoTiles = "none"

// Embed says when a widget's output carries embedded copies of its assets.
type Embed int

const (
	// EmbedAuto (the default): in a GoNB cell, the output carries the
	// embedded copy of each asset that BaseURL does not serve (the cell
	// asks once per process, within ProbeTimeout), once per cell; elsewhere
	// it carries none (a page built outside a notebook includes
	// InlineAssets, as the HTML report does).
	EmbedAuto Embed = iota
	// EmbedAlways: every output carries what it needs (once per cell when
	// shown with Done), whatever the network.
	EmbedAlways
	// EmbedNever: the page loads everything from BaseURL.
	EmbedNever
)

// ProbeTimeout bounds the check, from a GoNB cell, that BaseURL serves the assets.
const ProbeTimeout = 1500 * time.Millisecond

// Assets says where the JavaScript, styles and map tiles of the widgets come from.
type Assets struct {
	// BaseURL is the root of a jsDelivr-style npm tree ("<BaseURL>/<pkg>@<version>/<file>");
	// EmbeddedBaseURL for none.
	BaseURL string
	// TileURL is the Leaflet tile template; NoTiles draws the country outlines only.
	TileURL string
	// Embed says when outputs carry embedded copies of the assets.
	Embed Embed
}

// DefaultAssets returns the CDN locations, overridden by the environment
// variables NOTEBOOKLETS_ASSETS_URL (a URL, or "embedded") and
// NOTEBOOKLETS_TILE_URL (a tile template, or "none").
func DefaultAssets() Assets {
	a := Assets{BaseURL: DefaultBaseURL, TileURL: DefaultTileURL}
	if v := strings.TrimSpace(os.Getenv("NOTEBOOKLETS_ASSETS_URL")); v != "" {
		a.BaseURL = v
	}
	if v := strings.TrimSpace(os.Getenv("NOTEBOOKLETS_TILE_URL")); v != "" {
		a.TileURL = v
	}
	return a
}

func (a Assets) withDefaults() Assets {
	d := DefaultAssets()
	if a.BaseURL == "" {
		a.BaseURL = d.BaseURL
	}
	if a.TileURL == "" {
		a.TileURL = d.TileURL
	}
	if strings.EqualFold(a.BaseURL, EmbeddedBaseURL) {
		a.BaseURL, a.Embed = "", EmbedAlways
	}
	return a
}

// tiles is the tile template for the map script: "" for none.
func (a Assets) tiles() string {
	t := a.withDefaults().TileURL
	if strings.EqualFold(t, NoTiles) {
		return ""
	}
	return t
}

func (a Assets) url(x asset) string {
	a = a.withDefaults()
	if a.BaseURL == "" {
		return ""
	}
	return strings.TrimRight(a.BaseURL, "/") + "/" + x.pkg + "/" + x.file
}

// ---- the embedded files ----

//go:embed assets/dist
var assetFiles embed.FS

//go:embed js/*.js
var scriptFiles embed.FS

//go:embed css/*.css
var styleFiles embed.FS

type assetKind string

const (
	kindJS   assetKind = "js"
	kindCSS  assetKind = "css"
	kindJSON assetKind = "json"
)

// asset is one embedded file: a script (with the global it defines), a
// style sheet or JSON data.
type asset struct {
	pkg, file string
	kind      assetKind
	global    string
}

func (x asset) name() string { return x.pkg + "/" + x.file }

func (x asset) content() []byte {
	b, err := assetFiles.ReadFile("assets/dist/" + x.name())
	if err != nil {
		panic("widgets: embedded asset missing: " + x.name()) // caught by TestEmbeddedAssets
	}
	return b
}

var (
	echartsJS         = asset{EChartsPkg, "dist/echarts.min.js", kindJS, "echarts"}
	leafletCSS        = asset{LeafletPkg, "dist/leaflet.css", kindCSS, ""}
	leafletJS         = asset{LeafletPkg, "dist/leaflet.js", kindJS, "L"}
	markerClusterCSS  = asset{MarkerClusterPkg, "dist/MarkerCluster.css", kindCSS, ""}
	markerClusterCSS2 = asset{MarkerClusterPkg, "dist/MarkerCluster.Default.css", kindCSS, ""}
	markerClusterJS   = asset{MarkerClusterPkg, "dist/leaflet.markercluster.js", kindJS, "L.MarkerClusterGroup"}
	topoJSONJS        = asset{TopoJSONPkg, "dist/topojson-client.min.js", kindJS, "topojson"}
	worldJSON         = asset{WorldAtlasPkg, "countries-110m.json", kindJSON, ""}

	chartAssets   = []asset{echartsJS}
	mapAssets     = []asset{leafletCSS, markerClusterCSS, markerClusterCSS2, leafletJS, markerClusterJS}
	outlineAssets = []asset{topoJSONJS, worldJSON}
	allAssets     = []asset{echartsJS, leafletCSS, markerClusterCSS, markerClusterCSS2, leafletJS, markerClusterJS, topoJSONJS, worldJSON}
)

// Package is an npm package whose files are embedded.
type Package struct {
	Name, Version string
	// License is its SPDX licence; LicenseFiles are embedded with it.
	License      string
	LicenseFiles []string
}

// EmbeddedPackages lists the embedded npm packages and their licences. The
// country outlines (world-atlas) are Natural Earth data, in the public domain.
func EmbeddedPackages() []Package {
	return []Package{
		{"echarts", "5.5.1", "Apache-2.0", []string{"LICENSE", "NOTICE"}},
		{"leaflet", "1.9.4", "BSD-2-Clause", []string{"LICENSE"}},
		{"leaflet.markercluster", "1.5.3", "MIT", []string{"MIT-LICENCE.txt"}},
		{"topojson-client", "3.1.0", "ISC", []string{"LICENSE"}},
		{"world-atlas", "2.0.2", "ISC", []string{"LICENSE"}},
	}
}

// ---- scripts and styles of the widgets ----

var (
	scriptOnce sync.Once
	scripts    map[string]string
	styles     map[string]string
)

// script returns js/<name>.js without its comment lines and indentation
// (the files are written for people; outputs stay small).
func script(name string) string {
	scriptOnce.Do(loadScripts)
	return scripts[name]
}

// style returns css/<name>.css without its comments.
func style(name string) template.CSS {
	scriptOnce.Do(loadScripts)
	return template.CSS(styles[name]) //nolint:gosec // our own files
}

func loadScripts() {
	scripts, styles = map[string]string{}, map[string]string{}
	_ = fs.WalkDir(scriptFiles, "js", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := scriptFiles.ReadFile(p)
		if err != nil {
			return err
		}
		var out []string
		for _, line := range strings.Split(string(b), "\n") {
			t := strings.TrimSpace(line)
			if t == "" || strings.HasPrefix(t, "//") {
				continue
			}
			out = append(out, t)
		}
		scripts[strings.TrimSuffix(path.Base(p), ".js")] = strings.Join(out, "\n")
		return nil
	})
	_ = fs.WalkDir(styleFiles, "css", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := styleFiles.ReadFile(p)
		if err != nil {
			return err
		}
		s := string(b)
		for {
			i := strings.Index(s, "/*")
			if i < 0 {
				break
			}
			j := strings.Index(s[i:], "*/")
			if j < 0 {
				break
			}
			s = s[:i] + s[i+j+2:]
		}
		styles[strings.TrimSuffix(path.Base(p), ".css")] = strings.TrimSpace(s)
		return nil
	})
}

// widgetCall is the JavaScript of one widget output: the loader, then the
// widget's script called with cfg (JSON, safe inside <script>).
func widgetCall(name string, cfg any) (template.JS, error) {
	b, err := json.Marshal(cfg)
	if err != nil {
		return "", fmt.Errorf("widgets: %s data: %w", name, err)
	}
	return template.JS(script("loader") + "\n" + script(name) + "(" + string(b) + ");"), nil //nolint:gosec // JSON from json.Marshal
}

// jsAsset is how the loader sees an asset.
type jsAsset struct {
	Name   string    `json:"name"`
	URL    string    `json:"url,omitempty"`
	Kind   assetKind `json:"kind"`
	Global string    `json:"global,omitempty"`
}

func (a Assets) loaderList(list []asset) []jsAsset {
	out := make([]jsAsset, len(list))
	for i, x := range list {
		out[i] = jsAsset{Name: x.name(), URL: a.url(x), Kind: x.kind, Global: x.global}
	}
	return out
}

// ---- embedding ----

// embedState remembers which embedded copies this process has already put
// in a shown output: GoNB runs each cell as a new process, so this is "once
// per cell".
var embedState = struct {
	sync.Mutex
	sent map[string]bool
}{sent: map[string]bool{}}

// embedded returns the markup that registers the embedded copies of list
// that this output must carry, and marks them sent when shown is true.
func (a Assets) embedded(list []asset, shown bool) template.HTML {
	a = a.withDefaults()
	var need []asset
	switch a.Embed {
	case EmbedNever:
		return ""
	case EmbedAuto:
		if !inNotebook() {
			return ""
		}
		// Ask for all of them at once: with a network that drops packets a
		// cell waits ProbeTimeout once, not once per asset.
		ok := make([]bool, len(list))
		var wg sync.WaitGroup
		for i, x := range list {
			wg.Go(func() { ok[i] = probe(a.url(x)) })
		}
		wg.Wait()
		for i, x := range list {
			if !ok[i] {
				need = append(need, x)
			}
		}
	default:
		need = list
	}
	embedState.Lock()
	defer embedState.Unlock()
	var b strings.Builder
	for _, x := range need {
		if embedState.sent[x.name()] {
			continue
		}
		if shown {
			embedState.sent[x.name()] = true
		}
		b.WriteString(`<script>(globalThis.__nblEmbedded=globalThis.__nblEmbedded||{})[`)
		b.WriteString(jsValue(x.name()))
		b.WriteString(`]={gz:"`)
		b.WriteString(gzipped(x))
		b.WriteString(`"};</script>`)
		b.WriteByte('\n')
	}
	return template.HTML(b.String()) //nolint:gosec // names are ours; base64 has no markup
}

var gzCache sync.Map // name → *gzEntry

type gzEntry struct {
	once sync.Once
	b64  string
}

// gzipped returns the base64 of the gzip of x, computed once per process.
func gzipped(x asset) string {
	v, _ := gzCache.LoadOrStore(x.name(), &gzEntry{})
	e := v.(*gzEntry)
	e.once.Do(func() {
		var buf bytes.Buffer
		zw, _ := gzip.NewWriterLevel(&buf, gzip.BestCompression)
		_, _ = zw.Write(x.content())
		_ = zw.Close()
		e.b64 = base64.StdEncoding.EncodeToString(buf.Bytes())
	})
	return e.b64
}

// inNotebook reports whether this process is a GoNB cell; tests replace it.
var inNotebook = func() bool { return gonbui.IsNotebook }

// probeClient asks whether BaseURL serves an asset; tests replace it.
var probeClient = &http.Client{Timeout: ProbeTimeout}

var probes sync.Map // url → *probeEntry

type probeEntry struct {
	once sync.Once
	ok   bool
}

// probe reports whether url answers a one-byte GET with 200 or 206, once
// per process per URL.
func probe(url string) bool {
	if url == "" {
		return false
	}
	v, _ := probes.LoadOrStore(url, &probeEntry{})
	e := v.(*probeEntry)
	e.once.Do(func() {
		ctx, cancel := context.WithTimeout(context.Background(), ProbeTimeout)
		defer cancel()
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
		if err != nil {
			return
		}
		req.Header.Set("Range", "bytes=0-0")
		resp, err := probeClient.Do(req)
		if err != nil {
			return
		}
		resp.Body.Close()
		e.ok = resp.StatusCode == http.StatusOK || resp.StatusCode == http.StatusPartialContent
	})
	return e.ok
}

// InlineAssets returns the markup, for a page's <head>, that carries every
// embedded asset (ECharts, Leaflet, markercluster, topojson-client, the
// world-atlas country outlines; about 1.4 MB) and their licences, so that
// the widgets on the page draw with no network: the widgets' loader takes
// them before any URL. nb.HTMLReport.AddHead(widgets.InlineAssets()) makes
// a report self-contained.
func InlineAssets() template.HTML {
	var b strings.Builder
	b.WriteString("<!-- notebooklets: embedded copies of the widgets' assets.\n")
	for _, p := range EmbeddedPackages() {
		fmt.Fprintf(&b, "\n%s %s (%s)", p.Name, p.Version, p.License)
		if p.Name == "world-atlas" {
			b.WriteString("; the data: Natural Earth, public domain")
		}
		b.WriteString("\n")
		for _, f := range p.LicenseFiles {
			lic, err := assetFiles.ReadFile("assets/dist/" + p.Name + "@" + p.Version + "/" + f)
			if err == nil {
				b.WriteString(strings.NewReplacer("--", "- -", "<", "&lt;", ">", "&gt;").Replace(string(lic)))
			}
		}
	}
	b.WriteString("-->\n")
	for _, x := range allAssets {
		switch x.kind {
		case kindCSS:
			fmt.Fprintf(&b, "<style data-nbl-asset=%q>\n%s\n</style>\n", x.name(), x.content())
		case kindJSON:
			var data json.RawMessage = x.content()
			j, err := json.Marshal(data) // compact, with <, > and & escaped
			if err != nil {
				continue
			}
			fmt.Fprintf(&b, "<script>(globalThis.__nblEmbedded=globalThis.__nblEmbedded||{})[%s]={json:%s};</script>\n", jsValue(x.name()), j)
		default:
			fmt.Fprintf(&b, "<script>(globalThis.__nblEmbedded=globalThis.__nblEmbedded||{})[%s]={run:function(){(function(define,module,exports){\n%s\n}).call(globalThis);}};</script>\n", jsValue(x.name()), x.content())
		}
	}
	return template.HTML(b.String()) //nolint:gosec // our embedded files, checked by TestEmbeddedAssets
}

// jsValue marshals v for use inside a <script> element; json.Marshal escapes
// <, > and & so the result cannot close the element.
func jsValue(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		return "null"
	}
	return string(b)
}

// AssetServer serves the pinned assets from a node_modules directory, mapping
// "<pkg>@<version>/<file>" to "<nodeModulesDir>/<pkg>/<file>" (the version is
// not checked). With nodeModulesDir "" it serves the embedded copies (exact
// versions only). Use it for tests and air-gapped setups with
// NOTEBOOKLETS_ASSETS_URL pointing at it.
func AssetServer(nodeModulesDir string) http.Handler {
	if nodeModulesDir == "" {
		sub, _ := fs.Sub(assetFiles, "assets/dist")
		fsrv := http.FileServerFS(sub)
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Access-Control-Allow-Origin", "*")
			fsrv.ServeHTTP(w, r)
		})
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p := path.Clean("/" + r.URL.Path)[1:]
		first, rest, ok := strings.Cut(p, "/")
		if strings.HasPrefix(first, "@") && ok { // scoped package: @scope/name@ver/file
			var second string
			second, rest, ok = strings.Cut(rest, "/")
			first = first + "/" + second
		}
		at := strings.LastIndex(first, "@")
		if !ok || at <= 0 || rest == "" {
			http.NotFound(w, r)
			return
		}
		pkg := first[:at]
		file := filepath.Join(nodeModulesDir, filepath.FromSlash(pkg), filepath.FromSlash(rest))
		if !strings.HasPrefix(file, filepath.Clean(nodeModulesDir)+string(filepath.Separator)) {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Access-Control-Allow-Origin", "*")
		http.ServeFile(w, r, file)
	})
}

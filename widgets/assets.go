package widgets

import (
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"net/http"
	"os"
	"path"
	"path/filepath"
	"strings"
)

// Pinned asset versions, in jsdelivr's npm layout: <BaseURL>/<pkg>@<version>/<file>.
const (
	EChartsPkg       = "echarts@5.5.1"
	LeafletPkg       = "leaflet@1.9.4"
	MarkerClusterPkg = "leaflet.markercluster@1.5.3"
)

// DefaultBaseURL is the CDN the assets load from unless configured otherwise.
const DefaultBaseURL = "https://cdn.jsdelivr.net/npm"

// DefaultTileURL is the map tile template used unless configured otherwise.
const DefaultTileURL = "https://{s}.tile.openstreetmap.org/{z}/{x}/{y}.png"

// Assets says where the JavaScript and CSS of the widgets come from.
type Assets struct {
	// BaseURL is the root of a jsdelivr-style npm tree ("<BaseURL>/<pkg>@<version>/<file>").
	BaseURL string
	// TileURL is the Leaflet tile template; "none" draws the map without tiles.
	TileURL string
}

// DefaultAssets returns the CDN locations, overridden by the environment
// variables NOTEBOOKLETS_ASSETS_URL and NOTEBOOKLETS_TILE_URL.
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
	return a
}

func (a Assets) url(pkg, file string) string {
	return strings.TrimRight(a.withDefaults().BaseURL, "/") + "/" + pkg + "/" + file
}

// asset is one script (with the global it defines) or stylesheet to load.
type asset struct {
	URL    string `json:"url"`
	Global string `json:"global,omitempty"` // set for scripts
	CSS    bool   `json:"css,omitempty"`
}

func (a Assets) echarts() []asset {
	return []asset{{URL: a.url(EChartsPkg, "dist/echarts.min.js"), Global: "echarts"}}
}

func (a Assets) leaflet() []asset {
	return []asset{
		{URL: a.url(LeafletPkg, "dist/leaflet.css"), CSS: true},
		{URL: a.url(MarkerClusterPkg, "dist/MarkerCluster.css"), CSS: true},
		{URL: a.url(MarkerClusterPkg, "dist/MarkerCluster.Default.css"), CSS: true},
		{URL: a.url(LeafletPkg, "dist/leaflet.js"), Global: "L"},
		{URL: a.url(MarkerClusterPkg, "dist/leaflet.markercluster.js"), Global: "L.MarkerClusterGroup"},
	}
}

// loaderJS defines globalThis.__nblLoad(assets, callback) once per page. Each
// asset loads once (promises are kept per URL). With RequireJS present
// (classic Notebook), scripts go through require() so their UMD wrappers
// register with AMD, and the module is copied to the expected global; without
// it, a plain script tag is used.
const loaderJS = `(function(){var g=globalThis;if(g.__nblLoad)return;var done={};
function has(name){var o=g;var ps=name.split(".");for(var i=0;i<ps.length;i++){if(o==null)return false;o=o[ps[i]];}return o!=null;}
function one(a){if(done[a.url])return done[a.url];var p;
if(a.css){p=new Promise(function(res){var l=document.createElement("link");l.rel="stylesheet";l.href=a.url;l.onload=res;l.onerror=res;document.head.appendChild(l);});}
else if(has(a.global)){p=Promise.resolve();}
else if(typeof g.require==="function"&&typeof g.define==="function"&&g.define.amd){p=new Promise(function(res,rej){g.require([a.url],function(m){if(!has(a.global)&&m&&a.global.indexOf(".")<0){g[a.global]=m;}res();},function(e){rej(new Error("cannot load "+a.url+": "+e));});});}
else{p=new Promise(function(res,rej){var s=document.createElement("script");s.src=a.url;s.onload=function(){res();};s.onerror=function(){rej(new Error("cannot load "+a.url));};document.head.appendChild(s);});}
done[a.url]=p;p.catch(function(){delete done[a.url];});return p;}
g.__nblLoad=function(list,cb,onerr){var p=Promise.resolve();list.forEach(function(a){p=p.then(function(){return one(a);});});
p.then(cb).catch(function(e){if(onerr){onerr(e);}else if(g.console){console.warn("notebooklets:",e.message);}});};})();`

// loadCall returns a script statement that loads list then runs body (JS source
// of a function body).
func loadCall(list []asset, body, errBody string) string {
	b, _ := json.Marshal(list)
	return loaderJS + "\nglobalThis.__nblLoad(" + string(b) + ",function(){" + body + "},function(e){" + errBody + "});"
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

// uniqueID makes a DOM id from prefix that does not clash when a widget is
// shown twice on one page.
func uniqueID(prefix string) string {
	var b [5]byte
	_, _ = rand.Read(b[:])
	p := strings.Map(func(r rune) rune {
		if r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '_' {
			return r
		}
		return '-'
	}, prefix)
	if p == "" {
		p = "nbl"
	}
	return p + "-" + hex.EncodeToString(b[:])
}

// AssetServer serves the pinned assets from a node_modules directory, mapping
// "<pkg>@<version>/<file>" to "<nodeModulesDir>/<pkg>/<file>" (the version is
// not checked). Use it for tests and air-gapped setups with
// NOTEBOOKLETS_ASSETS_URL pointing at it.
func AssetServer(nodeModulesDir string) http.Handler {
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

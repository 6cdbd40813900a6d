//go:build e2e

package e2e

import (
	"bytes"
	"encoding/json"
	"image"
	"image/color"
	"image/png"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
)

// nodeModules is $NOTEBOOKLETS_NODE_MODULES or e2e/node_modules.
func nodeModules(t testing.TB) string {
	if d := os.Getenv("NOTEBOOKLETS_NODE_MODULES"); d != "" {
		return d
	}
	return filepath.Join(repoRoot(t), "e2e", "node_modules")
}

// assetHandler serves the jsdelivr layout `<pkg>@<version>/<file>` from
// `<nodeModules>/<pkg>/<file>` (404 when the installed version differs), and
// `tiles/{z}/{x}/{y}.png` as one plain tile so maps draw without any outside host.
// Every request path is recorded.
type assetHandler struct {
	dir  string
	mu   sync.Mutex
	seen []string
}

var (
	tileOnce sync.Once
	tilePNG  []byte
)

func tile() []byte {
	tileOnce.Do(func() {
		img := image.NewRGBA(image.Rect(0, 0, 256, 256))
		for y := 0; y < 256; y++ {
			for x := 0; x < 256; x++ {
				c := color.RGBA{0xe8, 0xee, 0xf2, 0xff}
				if x == 0 || y == 0 {
					c = color.RGBA{0xc8, 0xd0, 0xd8, 0xff}
				}
				img.Set(x, y, c)
			}
		}
		var b bytes.Buffer
		_ = png.Encode(&b, img)
		tilePNG = b.Bytes()
	})
	return tilePNG
}

func (h *assetHandler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	h.mu.Lock()
	h.seen = append(h.seen, r.URL.Path)
	h.mu.Unlock()
	w.Header().Set("Access-Control-Allow-Origin", "*")
	p := strings.TrimPrefix(r.URL.Path, "/")
	if strings.HasPrefix(p, "tiles/") {
		w.Header().Set("Content-Type", "image/png")
		_, _ = w.Write(tile())
		return
	}
	pkgver, file, ok := strings.Cut(p, "/")
	at := strings.LastIndex(pkgver, "@")
	if !ok || at <= 0 || strings.Contains(file, "..") {
		http.NotFound(w, r)
		return
	}
	pkg, ver := pkgver[:at], pkgver[at+1:]
	var meta struct{ Version string }
	b, err := os.ReadFile(filepath.Join(h.dir, pkg, "package.json"))
	if err != nil || json.Unmarshal(b, &meta) != nil || meta.Version != ver {
		http.Error(w, "not installed: "+pkgver, http.StatusNotFound)
		return
	}
	http.ServeFile(w, r, filepath.Join(h.dir, pkg, filepath.FromSlash(file)))
}

func (h *assetHandler) Requests() []string {
	h.mu.Lock()
	defer h.mu.Unlock()
	return append([]string(nil), h.seen...)
}

// startAssetServer serves the JS assets on loopback until the test ends; env holds
// NOTEBOOKLETS_ASSETS_URL and NOTEBOOKLETS_TILE_URL for the kernel.
func startAssetServer(t testing.TB) (h *assetHandler, env []string) {
	t.Helper()
	h = &assetHandler{dir: nodeModules(t)}
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return h, assetEnv(srv.URL)
}

// newAssetServer is startAssetServer for the whole test binary (closed at exit).
func newAssetServer(dir string) (*assetHandler, []string) {
	h := &assetHandler{dir: dir}
	srv := httptest.NewServer(h)
	return h, assetEnv(srv.URL)
}

func assetEnv(url string) []string {
	return []string{
		"NOTEBOOKLETS_ASSETS_URL=" + url,
		"NOTEBOOKLETS_TILE_URL=" + url + "/tiles/{z}/{x}/{y}.png",
	}
}

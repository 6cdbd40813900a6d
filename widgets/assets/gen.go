//go:build ignore

// gen copies the files the widgets embed from an npm install of
// assets/package.json into assets/dist/<pkg>@<version>/<file>. Run it from
// the widgets directory after `npm ci` in widgets/assets:
//
//	(cd assets && npm ci) && go generate
//
// or point it at another node_modules with -node_modules DIR.
package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"
)

// files lists, per npm package, the files embedded (their licences included).
var files = map[string][]string{
	"echarts":               {"dist/echarts.min.js", "LICENSE", "NOTICE"},
	"leaflet":               {"dist/leaflet.js", "dist/leaflet.css", "LICENSE"},
	"leaflet.markercluster": {"dist/leaflet.markercluster.js", "dist/MarkerCluster.css", "dist/MarkerCluster.Default.css", "MIT-LICENCE.txt"},
	"topojson-client":       {"dist/topojson-client.min.js", "LICENSE"},
	"world-atlas":           {"countries-110m.json", "LICENSE"},
}

func main() {
	nodeModules := flag.String("node_modules", filepath.Join("assets", "node_modules"), "node_modules directory of `npm ci` in widgets/assets")
	out := flag.String("out", filepath.Join("assets", "dist"), "output directory")
	flag.Parse()
	if err := run(*nodeModules, *out); err != nil {
		fmt.Fprintln(os.Stderr, "gen:", err)
		os.Exit(1)
	}
}

func run(nodeModules, out string) error {
	var pins struct {
		Dependencies map[string]string `json:"dependencies"`
	}
	b, err := os.ReadFile(filepath.Join("assets", "package.json"))
	if err != nil {
		return err
	}
	if err := json.Unmarshal(b, &pins); err != nil {
		return fmt.Errorf("assets/package.json: %w", err)
	}
	if err := os.RemoveAll(out); err != nil {
		return err
	}
	for pkg, list := range files {
		want, ok := pins.Dependencies[pkg]
		if !ok {
			return fmt.Errorf("assets/package.json does not pin %s", pkg)
		}
		var meta struct{ Version string }
		b, err := os.ReadFile(filepath.Join(nodeModules, pkg, "package.json"))
		if err != nil {
			return fmt.Errorf("%s is not installed (run npm ci in widgets/assets): %w", pkg, err)
		}
		if err := json.Unmarshal(b, &meta); err != nil {
			return fmt.Errorf("%s/package.json: %w", pkg, err)
		}
		if meta.Version != want {
			return fmt.Errorf("%s: node_modules has %s, assets/package.json pins %s", pkg, meta.Version, want)
		}
		for _, f := range list {
			b, err := os.ReadFile(filepath.Join(nodeModules, pkg, filepath.FromSlash(f)))
			if err != nil {
				return err
			}
			dst := filepath.Join(out, pkg+"@"+want, filepath.FromSlash(f))
			if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
				return err
			}
			if err := os.WriteFile(dst, b, 0o644); err != nil {
				return err
			}
		}
	}
	return nil
}

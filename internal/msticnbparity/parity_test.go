//go:build msticnb

package msticnbparity

import (
	"encoding/json"
	"fmt"
	"net/netip"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/gonotebooklets/notebooklets/internal/mmdbgen"
)

// parityCase is one entry of flowsummary/testdata/msticnb/cases.json.
type parityCase struct {
	Name    string   `json:"name"`
	Flows   string   `json:"flows"`
	Value   string   `json:"value"`
	DB      string   `json:"db"`
	Options []string `json:"options"`
	Start   string   `json:"start"`
	// Select is what both select: "default" (ours' default, by name for
	// msticnb) or "all".
	Select string `json:"select"`
	End    string `json:"end"`
}

// dbFiles are the databases and the indicator file a case runs with.
type dbFiles struct{ ASN, City, TI string }

const (
	fixtureDir = "flowsummary/testdata/msticnb"
	tablePath  = "flowsummary/testdata/msticnb-differences.md"
)

// repoRoot is the module root (two levels above this package).
func repoRoot(t *testing.T) string {
	t.Helper()
	abs, err := filepath.Abs("../..")
	if err != nil {
		t.Fatal(err)
	}
	return abs
}

// harnessPython is the reference venv's interpreter: $MSTICNB_PYTHON, or the
// one scripts/msticnb/install.sh prints (it installs when needed and is a
// no-op when the venv is current).
func harnessPython(t *testing.T, root string) string {
	t.Helper()
	if p := os.Getenv("MSTICNB_PYTHON"); p != "" {
		return p
	}
	cmd := exec.Command("bash", filepath.Join(root, "scripts/msticnb/install.sh"))
	cmd.Stderr = os.Stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("scripts/msticnb/install.sh: %v", err)
	}
	lines := strings.Split(strings.TrimSpace(string(out)), "\n")
	return lines[len(lines)-1]
}

// writeFixtureDBs writes networks.json as GeoLite2-ASN and GeoLite2-City
// format databases into dir.
func writeFixtureDBs(t *testing.T, root, dir string) dbFiles {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(root, fixtureDir, "networks.json"))
	if err != nil {
		t.Fatal(err)
	}
	var nets struct {
		ASN []struct {
			Network string `json:"network"`
			ASN     uint32 `json:"asn"`
			Org     string `json:"org"`
		} `json:"asn"`
		City []struct {
			Network    string  `json:"network"`
			CountryISO string  `json:"country_iso"`
			Country    string  `json:"country"`
			City       string  `json:"city"`
			Lat        float64 `json:"lat"`
			Lon        float64 `json:"lon"`
		} `json:"city"`
	}
	if err := json.Unmarshal(b, &nets); err != nil {
		t.Fatalf("networks.json: %v", err)
	}
	var asns []mmdbgen.ASNRecord
	for _, r := range nets.ASN {
		asns = append(asns, mmdbgen.ASNRecord{Network: netip.MustParsePrefix(r.Network), ASN: r.ASN, Org: r.Org})
	}
	var cities []mmdbgen.CityRecord
	for _, r := range nets.City {
		cities = append(cities, mmdbgen.CityRecord{Network: netip.MustParsePrefix(r.Network), CountryISO: r.CountryISO,
			Country: r.Country, City: r.City, Lat: r.Lat, Lon: r.Lon})
	}
	files := dbFiles{ASN: filepath.Join(dir, "fixture-asn.mmdb"), City: filepath.Join(dir, "fixture-city.mmdb"),
		TI: filepath.Join(root, fixtureDir, "ti.csv")}
	for path, write := range map[string]func(*os.File) error{
		files.ASN:  func(f *os.File) error { return mmdbgen.WriteASN(f, asns) },
		files.City: func(f *os.File) error { return mmdbgen.WriteCity(f, cities) },
	} {
		f, err := os.Create(path)
		if err != nil {
			t.Fatal(err)
		}
		if err := write(f); err != nil {
			t.Fatalf("%s: %v", path, err)
		}
		if err := f.Close(); err != nil {
			t.Fatal(err)
		}
	}
	return files
}

func TestMsticnbParity(t *testing.T) {
	root := repoRoot(t)
	tmp := t.TempDir()
	table, err := readTable(filepath.Join(root, tablePath))
	if err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(filepath.Join(root, fixtureDir, "cases.json"))
	if err != nil {
		t.Fatal(err)
	}
	var manifest struct {
		Cases []parityCase `json:"cases"`
	}
	if err := json.Unmarshal(b, &manifest); err != nil {
		t.Fatalf("cases.json: %v", err)
	}
	dbs := map[string]dbFiles{
		"sample": {
			ASN:  filepath.Join(root, "internal/sample/data/GeoLite2-ASN-sample.mmdb"),
			City: filepath.Join(root, "internal/sample/data/GeoLite2-City-sample.mmdb"),
			TI:   filepath.Join(root, "internal/sample/data/ti-indicators.csv"),
		},
		"fixture": writeFixtureDBs(t, root, tmp),
	}

	// Ours first: msticnb is then given the ASNs we selected by default
	// (by name), so both look up threat intel for the same ASNs.
	bin := filepath.Join(tmp, "notebooklet")
	build := exec.Command("go", "build", "-o", bin, "./cmd/notebooklet")
	build.Dir = root
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build ./cmd/notebooklet: %v\n%s", err, out)
	}
	ours := map[string]outcome{}
	var harnessCases []map[string]any
	for _, c := range manifest.Cases {
		db, ok := dbs[c.DB]
		if !ok {
			t.Fatalf("case %s: unknown db %q", c.Name, c.DB)
		}
		o, err := runOurs(bin, root, tmp, c, db)
		if err != nil {
			t.Fatalf("case %s: ours: %v", c.Name, err)
		}
		ours[c.Name] = o
		hc := map[string]any{
			"name": c.Name, "flows": filepath.Join(root, c.Flows), "value": c.Value,
			"asn_db": db.ASN, "city_db": db.City, "ti_file": db.TI, "options": c.Options,
			"lookup_ti": true, "auto_patch": true, "kql_time_filter": true,
			"select": asnNames(o.SelectedASNs),
		}
		if c.Start != "" {
			hc["start"], hc["end"] = c.Start, c.End
		}
		harnessCases = append(harnessCases, hc)
	}

	theirs, err := runHarness(harnessPython(t, root), root, tmp, harnessCases)
	if err != nil {
		t.Fatal(err)
	}

	seen := map[string][]string{} // difference id → cases
	for _, c := range manifest.Cases {
		t.Run(c.Name, func(t *testing.T) {
			th, ok := theirs.Cases[c.Name]
			if !ok {
				t.Fatalf("the harness wrote no result for %s", c.Name)
			}
			diffs := compareCase(c, ours[c.Name], th)
			for _, d := range diffs {
				if d.ID == "" {
					t.Errorf("%s: unexplained difference (not in %s): %s", d.Field, tablePath, d.Detail)
					continue
				}
				if _, ok := table[d.ID]; !ok {
					t.Errorf("%s: difference %s is not a row of %s: %s", d.Field, d.ID, tablePath, d.Detail)
				}
				if !slices.Contains(seen[d.ID], c.Name) {
					seen[d.ID] = append(seen[d.ID], c.Name)
				}
				t.Logf("%-34s %-22s %s", d.ID, d.Field, d.Detail)
			}
		})
	}
	var unseen []string
	for id := range table {
		if len(seen[id]) == 0 {
			unseen = append(unseen, id)
		}
	}
	sort.Strings(unseen)
	if len(unseen) > 0 {
		t.Errorf("rows of %s that no case shows (remove them, or add the case that shows them): %s", tablePath, strings.Join(unseen, ", "))
	}
	ids := make([]string, 0, len(seen))
	for id := range seen {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	for _, id := range ids {
		t.Logf("difference %-34s in %s", id, strings.Join(seen[id], ", "))
	}
	t.Logf("reference: msticnb %s, msticpy %s, pandas %s", theirs.Msticnb, theirs.Msticpy, theirs.Pandas)
}

// runHarness runs scripts/msticnb/harness.py once over all cases.
func runHarness(python, root, tmp string, cases []map[string]any) (*harnessOutput, error) {
	manifest := filepath.Join(tmp, "harness-manifest.json")
	b, err := json.MarshalIndent(map[string]any{"cases": cases}, "", " ")
	if err != nil {
		return nil, err
	}
	if err := os.WriteFile(manifest, b, 0o644); err != nil {
		return nil, err
	}
	outPath := filepath.Join(tmp, "harness-out.json")
	cmd := exec.Command(python, filepath.Join(root, "scripts/msticnb/harness.py"), manifest, outPath)
	if out, err := cmd.CombinedOutput(); err != nil {
		return nil, fmt.Errorf("harness.py: %v\n%s", err, tail(string(out), 4000))
	}
	b, err = os.ReadFile(outPath)
	if err != nil {
		return nil, err
	}
	var h harnessOutput
	if err := json.Unmarshal(b, &h); err != nil {
		return nil, fmt.Errorf("harness output %s: %w", outPath, err)
	}
	return &h, nil
}

func tail(s string, n int) string {
	if len(s) > n {
		return "…" + s[len(s)-n:]
	}
	return s
}

//go:build e2e

package e2e

import (
	"context"
	"encoding/json"
	"fmt"
	"html"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gonotebooklets/notebooklets/internal/sample/samplegen"
	"github.com/gonotebooklets/notebooklets/nb"
	"github.com/gonotebooklets/notebooklets/providers/asn"
)

// The end-to-end tests of notebooks/NetworkFlowSummary.ipynb (issue 6):
//   - TestNotebookHeadless: nbconvert --execute on GoNB; no errors, every section title, the
//     ASN selector fell back to its defaults and said so, the TI lookup found the sample's
//     malicious IPs;
//   - TestNotebookLive: classic Notebook in headless Chromium; in the ASN selector untick all,
//     tick two ASNs, Apply; the next cell's TI lookup used exactly those ASNs' IPs;
//   - TestNotebookRenderedHTML: the executed notebook exported to HTML has echarts canvases,
//     Leaflet markers/clusters, the flow table with bars, no script errors; a screenshot per
//     section goes to $ARTIFACTS_DIR.
// The notebook reads state through nb.StateStore, so these tests read the saved result too
// (with a mirror of the fields they check, in savedResult).

const (
	flowNotebook = "notebooks/NetworkFlowSummary.ipynb"
	stateKind    = "NetworkFlowSummary"
	stateVersion = 2
)

// savedResult mirrors the fields of flowsummary.Result (its JSON) that the tests check.
type savedResult struct {
	FlowSummary *struct {
		Rows []struct {
			DestASN   string     `json:"DestASN"`
			SourceASN string     `json:"SourceASN"`
			DestNum   asn.Number `json:"DestASNumber"`
			SourceNum asn.Number `json:"SourceASNumber"`
			SourceIPs []string   `json:"source_ips"`
			DestIPs   []string   `json:"dest_ips"`
		} `json:"rows"`
	} `json:"flow_summary"`
	DefaultASNSelection struct {
		Choices []struct {
			ASN     asn.Number `json:"asn"`
			Default bool       `json:"default"`
		} `json:"choices"`
	} `json:"default_asn_selection"`
	HostEntity struct {
		IPAddress string   `json:"IpAddress"`
		PublicIPs []string `json:"PublicIpAddresses"`
	} `json:"host_entity"`
	GeoMapSelData *struct {
		Points []struct {
			IP   string `json:"ip"`
			Role string `json:"role"`
		} `json:"points"`
	} `json:"geo_map_selected"`
	SelectedASNs  asnIDs `json:"selected_asns"`
	SelectionNote string `json:"selection_note"`
	Selected      bool   `json:"selected"`
	TIResults     *struct {
		IPs       []string `json:"ips"`
		Positives []struct {
			Ioc      string `json:"Ioc"`
			Severity any    `json:"Severity"`
		} `json:"positives"`
	} `json:"ti_results"`
}

// asnIDs reads saved AS numbers as the selector's ids ("AS8075").
type asnIDs []string

func (a *asnIDs) UnmarshalJSON(b []byte) error {
	var ns []asn.Number
	if err := json.Unmarshal(b, &ns); err != nil {
		return err
	}
	*a = nil
	for _, n := range ns {
		*a = append(*a, n.String())
	}
	return nil
}

// loadSaved reads the notebook's saved result: the one state file of the
// notebooklet in dir (its name carries the notebook's key when Jupyter
// gives the kernel the notebook's path).
func loadSaved(t testing.TB, dir string) *savedResult {
	t.Helper()
	files, _ := filepath.Glob(filepath.Join(dir, stateKind+"*.state"))
	if len(files) != 1 {
		t.Fatalf("want one saved result in %s, found %v", dir, files)
	}
	kind := strings.TrimSuffix(filepath.Base(files[0]), ".state")
	var r savedResult
	if _, err := (nb.StateStore{Dir: dir}).Load(kind, stateVersion, &r); err != nil {
		t.Fatalf("load the saved result from %s: %v", dir, err)
	}
	return &r
}

// allASNs are the ASNs of the flow summary's rows.
func (r *savedResult) allASNs() []string {
	set := map[string]bool{}
	for _, row := range r.FlowSummary.Rows {
		if row.DestASN != "" {
			set[row.DestNum.String()] = true
		}
		if row.SourceASN != "" {
			set[row.SourceNum.String()] = true
		}
	}
	return sortedKeys(set)
}

// ipsOfASNs: the dest_ips of rows whose DestASN is chosen and the source_ips of rows whose
// SourceASN is chosen (what LookupTIForASNIPs must look up), as a sorted set.
func (r *savedResult) ipsOfASNs(chosen []string) []string {
	set := map[string]bool{}
	for _, row := range r.FlowSummary.Rows {
		if row.DestASN != "" && slices.Contains(chosen, row.DestNum.String()) {
			for _, ip := range row.DestIPs {
				set[ip] = true
			}
		}
		if row.SourceASN != "" && slices.Contains(chosen, row.SourceNum.String()) {
			for _, ip := range row.SourceIPs {
				set[ip] = true
			}
		}
	}
	return sortedKeys(set)
}

func sortedKeys(m map[string]bool) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

func sortedCopy(s []string) []string {
	out := append([]string(nil), s...)
	sort.Strings(out)
	return out
}

// sectionTitles are the display sections' titles from the notebooklet's YAML.
func sectionTitles(t testing.TB) []string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(repoRoot(t), "flowsummary", "network_flow_summary.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	md, err := nb.LoadMetadata(b)
	if err != nil {
		t.Fatal(err)
	}
	var titles []string
	for _, s := range md.Sections {
		if s.Title != "" {
			titles = append(titles, s.Title)
		}
	}
	if len(titles) < 8 {
		t.Fatalf("only %d section titles in the YAML: %v", len(titles), titles)
	}
	return titles
}

var tagRE = regexp.MustCompile(`(?s)<style.*?</style>|<script.*?</script>|<[^>]+>`)

// visibleText is a cell's text with HTML tags removed and entities decoded.
func visibleText(s string) string {
	return html.UnescapeString(tagRE.ReplaceAllString(s, " "))
}

// headless is the notebook executed once by nbconvert, shared by the headless and HTML tests.
var headless struct {
	once     sync.Once
	nb       *notebook
	path     string // executed notebook (in $ARTIFACTS_DIR)
	state    string
	assets   *assetHandler
	assetEnv []string
	log      string
	err      error
	elapsed  time.Duration
}

func executedNotebook(t *testing.T) {
	t.Helper()
	requireTools(t)
	headless.once.Do(func() {
		root := repoRoot(t)
		// Not t.TempDir: the directory outlives the first test that uses it.
		headless.state, headless.err = os.MkdirTemp("", "e2e-state-")
		if headless.err != nil {
			return
		}
		headless.assets, headless.assetEnv = startSharedAssetServer(t)
		headless.path = filepath.Join(artifactsDir(t), "NetworkFlowSummary.executed.ipynb")
		ctx, cancel := context.WithTimeout(context.Background(), 8*time.Minute)
		defer cancel()
		t0 := time.Now()
		headless.nb, headless.log, headless.err = executeNotebook(ctx, t, filepath.Join(root, filepath.FromSlash(flowNotebook)),
			headless.path, append([]string{"NOTEBOOKLETS_STATE_DIR=" + headless.state}, headless.assetEnv...))
		headless.elapsed = time.Since(t0)
	})
	if headless.err != nil {
		t.Fatalf("executing %s: %v", flowNotebook, headless.err)
	}
}

func TestNotebookHeadless(t *testing.T) {
	executedNotebook(t)
	nbk := headless.nb
	t.Logf("nbconvert --execute: %v (executed notebook: %s)", headless.elapsed.Round(time.Millisecond), headless.path)

	var all strings.Builder
	for i, c := range nbk.Cells {
		if c.CellType != "code" {
			continue
		}
		text := c.Text()
		if !strings.Contains(string(c.Source), "nb.Help(") { // help lists every section title too
			all.WriteString(visibleText(text))
		}
		for _, e := range c.Errors() {
			t.Errorf("cell %d (%s…): error output: %s", i, firstLine(string(c.Source)), tail(visibleText(e), 2000))
		}
		for _, o := range c.Outputs {
			if o.OutputType == "stream" && o.Name == "stderr" && strings.Contains(string(o.Text), "error") {
				t.Errorf("cell %d: stderr: %s", i, tail(string(o.Text), 2000))
			}
		}
		t.Logf("cell %2d %-60q %5.1fs (nbclient, 1 s resolution)", i, firstLine(string(c.Source)), c.executionSeconds())
	}
	text := all.String()
	for _, title := range sectionTitles(t) {
		if !strings.Contains(text, title) {
			t.Errorf("section title %q not in the executed notebook", title)
		}
	}

	saved := loadSaved(t, headless.state)
	var defaults []string
	for _, c := range saved.DefaultASNSelection.Choices {
		if c.Default {
			defaults = append(defaults, c.ASN.String())
		}
	}
	if !saved.Selected || !slices.Equal(sortedCopy(saved.SelectedASNs), sortedCopy(defaults)) {
		t.Errorf("saved selection %v (selected=%v), want the defaults %v", saved.SelectedASNs, saved.Selected, defaults)
	}
	if saved.SelectionNote == "" || !strings.Contains(text, saved.SelectionNote) {
		t.Errorf("the ASN selector did not say it kept the defaults (note %q)", saved.SelectionNote)
	}
	selectCell := cellWith(nbk, "SelectASNs(")
	if selectCell < 0 || !strings.Contains(strings.ToLower(visibleText(nbk.Cells[selectCell].Text())), "default") {
		t.Errorf("the SelectASNs cell does not mention the defaults")
	}

	if saved.TIResults == nil {
		t.Fatal("no TI results saved")
	}
	positives := map[string]bool{}
	for _, p := range saved.TIResults.Positives {
		positives[p.Ioc] = true
	}
	tiText := ""
	if i := cellWith(nbk, "LookupTIForASNIPs("); i >= 0 {
		tiText = visibleText(nbk.Cells[i].Text())
	}
	for _, ip := range samplegen.MaliciousIPs() {
		if !positives[ip] {
			t.Errorf("malicious sample IP %s not among the positives %v", ip, sortedKeys(positives))
		}
		if !strings.Contains(tiText, ip) {
			t.Errorf("malicious sample IP %s not shown by the LookupTIForASNIPs cell", ip)
		}
	}
	if want := saved.ipsOfASNs(saved.SelectedASNs); !slices.Equal(sortedCopy(saved.TIResults.IPs), want) {
		t.Errorf("TI looked up %d IPs, want the %d IPs of the selected ASNs", len(saved.TIResults.IPs), len(want))
	}
	if i := cellWith(nbk, "ShowSelectedASNMap("); i >= 0 {
		checkThreatsOnMap(t, visibleText(nbk.Cells[i].Text()), saved)
	}
}

var threatsRE = regexp.MustCompile(`Threats \((\d+)\)`)

// checkThreatsOnMap: the selected-ASN map's legend counts as threats (red) exactly the distinct
// positive TI addresses.
func checkThreatsOnMap(t *testing.T, mapText string, saved *savedResult) {
	t.Helper()
	want := map[string]bool{}
	for _, p := range saved.TIResults.Positives {
		want[p.Ioc] = true
	}
	m := threatsRE.FindAllStringSubmatch(mapText, -1)
	if len(m) == 0 {
		t.Errorf("the selected-ASN map shows no threat count (legend \"Threats (N)\")")
		return
	}
	if got := m[len(m)-1][1]; got != fmt.Sprint(len(want)) {
		t.Errorf("the selected-ASN map shows %s threats, want the %d positive addresses %v", got, len(want), sortedKeys(want))
	}
}

// cellWith is the index of the first code cell whose source contains s, or -1.
func cellWith(n *notebook, s string) int {
	for i, c := range n.Cells {
		if c.CellType == "code" && strings.Contains(string(c.Source), s) && !strings.HasPrefix(strings.TrimSpace(string(c.Source)), "//") {
			return i
		}
	}
	return -1
}

func firstLine(s string) string {
	for _, l := range strings.Split(s, "\n") {
		l = strings.TrimSpace(l)
		if l != "" && l != "%%" && !strings.HasPrefix(l, "//") {
			return l
		}
	}
	return "(comments only)"
}

var (
	sharedAssetsOnce sync.Once
	sharedAssets     *assetHandler
	sharedAssetEnv   []string
)

// startSharedAssetServer is one asset server for the whole test binary (the executed notebook
// points at its URL, and the HTML test opens that notebook later).
func startSharedAssetServer(t testing.TB) (*assetHandler, []string) {
	sharedAssetsOnce.Do(func() {
		sharedAssets, sharedAssetEnv = newAssetServer(nodeModules(t))
	})
	return sharedAssets, sharedAssetEnv
}

func codeCells(n *notebook) []int {
	var out []int
	for i, c := range n.Cells {
		if c.CellType == "code" {
			out = append(out, i)
		}
	}
	return out
}

func fmtDur(d time.Duration) string { return fmt.Sprintf("%.2fs", d.Seconds()) }

package config

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"gopkg.in/yaml.v3"

	"github.com/gonotebooklets/notebooklets/providers/ti"
)

const fakeKey = "SECRET-KEY-123"

func loadFixture(t *testing.T) *Config {
	t.Helper()
	t.Setenv("NBTEST_OTX_KEY", "OTX-"+fakeKey)
	t.Setenv("NBTEST_CITY_DB", "/data/GeoLite2-City.mmdb")
	c, err := Load(filepath.Join("testdata", "msticpyconfig.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestLoadFixture(t *testing.T) {
	c := loadFixture(t)
	if got := c.TIProviders["OTX"].Arg("AuthKey").Reveal(); got != "OTX-"+fakeKey {
		t.Errorf("OTX key from env = %q", got)
	}
	if got := c.TIProviders["VirusTotal"].Arg("authkey").Reveal(); got != fakeKey {
		t.Errorf("VT key = %q", got)
	}
	if !c.TIProviders["OTX"].Primary || c.TIProviders["GreyNoise"].Primary || c.TIProviders["Tor"].Args != nil {
		t.Errorf("primary flags: %+v", c.TIProviders)
	}
	w, err := c.Workspace("")
	if err != nil || w.WorkspaceID != "d973e3d2-28e6-458e-b2cf-d38876fb1ba4" || w.TenantID != "4cdf87a8-f0fc-40bb-9d85-68bcf4ac8e61" {
		t.Errorf("default workspace %+v %v", w, err)
	}
	w, err = c.Workspace("workspace2")
	want := Workspace{WorkspaceID: "c88dd3c2-d657-4eb3-b913-58d58d811a41", TenantID: "f1f64e65-ff7c-4d71-ad5b-091b6ab39d51",
		SubscriptionID: "40dcc8bf-0478-4f3b-b275-ed0a94f2c013", ResourceGroup: "soc-rg", WorkspaceName: "soc-ws"}
	if diff := cmp.Diff(want, w); diff != "" || err != nil {
		t.Errorf("Workspace2 (-want +got):\n%s %v", diff, err)
	}
	if _, err := c.Workspace("nope"); err == nil || !strings.Contains(err.Error(), "Default, Workspace2") {
		t.Errorf("unknown workspace error: %v", err)
	}
	home, _ := os.UserHomeDir()
	g, ok := c.GeoIPLite()
	if !ok || g.AuthKey.Reveal() != fakeKey || g.DBFolder != filepath.Join(home, ".msticpy/GeoLite2") {
		t.Errorf("GeoIPLite %+v %v", g, ok)
	}
	wantNB := Notebooklets{
		StateDir: "/tmp/nb-state", AssetsURL: "http://127.0.0.1:8000/npm", TileURL: "http://127.0.0.1:8000/tiles/{z}/{x}/{y}.png",
		FlowFiles:   []string{filepath.Join(home, "flows/week1.csv"), "/data/flows/week2.ndjson"},
		GeoIPCityDB: "/data/GeoLite2-City.mmdb", ASNDB: "/data/GeoLite2-ASN.mmdb", TIFile: "testdata/indicators.csv",
	}
	if diff := cmp.Diff(wantNB, c.Notebooklets); diff != "" {
		t.Errorf("Notebooklets (-want +got):\n%s", diff)
	}
	wantWarn := []string{
		"OtherProviders.IPStack.Args.AuthKey: KeyVault secrets are not supported; use EnvironmentVar (setting left empty)",
		"Notebooklets.colour (line 69): unknown setting, ignored",
	}
	if diff := cmp.Diff(wantWarn, c.Warnings); diff != "" {
		t.Errorf("warnings (-want +got):\n%s", diff)
	}
}

func TestMissingEnvVar(t *testing.T) {
	os.Unsetenv("NBTEST_UNSET_VARIABLE")
	_, err := Load(filepath.Join("testdata", "missing_env.yaml"))
	var me *MissingEnvError
	if !errors.As(err, &me) || !errors.Is(err, ErrMissingEnv) {
		t.Fatalf("err = %v", err)
	}
	if me.Variable != "NBTEST_UNSET_VARIABLE" || me.Setting != "TIProviders.OTX.Args.AuthKey" {
		t.Errorf("%+v", me)
	}
	if got := err.Error(); got != "config: TIProviders.OTX.Args.AuthKey: the variable named in EnvironmentVar (NBTEST_UNSET_VARIABLE) is not set" {
		t.Errorf("message %q", got)
	}
}

func TestKeyPastedInEnvironmentVarIsNotPrinted(t *testing.T) {
	keys := []string{
		"4d8a0f1c9e2b7a6d5c3f8e1a0b9c7d6e5f4a3b2c1d0e9f8a7b6c5d4e3f2a1b0c", // VirusTotal-style hex
		"a1b2c3d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f60718293a4b5c6d7e8f90",
		"AbCdEf0123456789",                     // a licence key
		"K3yW1thMixedCase",                     // mixed case and digits
		"sk-live-0123456789abcdef",             // not a variable name at all
		"Bearer eyJhbGciOiJIUzI1NiJ9.e30.ZRrH", // pasted header
	}
	for _, key := range keys {
		os.Unsetenv(key)
		yml := "TIProviders:\n  VirusTotal:\n    Args:\n      AuthKey:\n        EnvironmentVar: \"" + key + "\"\n    Primary: True\n"
		_, err := Parse("msticpyconfig.yaml", []byte(yml))
		var me *MissingEnvError
		if !errors.As(err, &me) {
			t.Fatalf("%s: err = %v", key, err)
		}
		msg := err.Error()
		if strings.Contains(msg, key) || me.Variable != "" {
			t.Errorf("the key is printed: %q", msg)
		}
		if !strings.Contains(msg, "TIProviders.VirusTotal.Args.AuthKey: the variable named in EnvironmentVar is not set") {
			t.Errorf("message %q", msg)
		}
	}
	// Ordinary variable names are shown.
	for _, name := range []string{"VT_AUTH_KEY", "OTXKEY", "MSTICPY_GREYNOISE_KEY_2", "abuse_key"} {
		os.Unsetenv(name)
		_, err := Parse("m.yaml", []byte("TIProviders:\n  OTX:\n    Args:\n      AuthKey:\n        EnvironmentVar: "+name+"\n"))
		if err == nil || !strings.Contains(err.Error(), "("+name+") is not set") {
			t.Errorf("%s: %v", name, err)
		}
	}
}

func TestFindOrder(t *testing.T) {
	dir := t.TempDir()
	home := filepath.Join(dir, "home")
	work := filepath.Join(dir, "work")
	for _, d := range []string{home, work, filepath.Join(home, ".msticpy")} {
		os.MkdirAll(d, 0o755)
	}
	t.Setenv("HOME", home)
	t.Setenv(EnvVar, "")
	wd, _ := os.Getwd()
	t.Cleanup(func() { os.Chdir(wd) })
	os.Chdir(work)
	write := func(p, body string) {
		if err := os.WriteFile(p, []byte(body), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	// nothing → empty config, no error
	c, err := Load("")
	if err != nil || c.Path != "" {
		t.Fatalf("no file: %+v %v", c, err)
	}
	steps := []struct {
		create, want string
	}{
		{filepath.Join(home, ".msticpy", FileName), filepath.Join(home, ".msticpy", FileName)},
		{filepath.Join(home, "."+FileName), filepath.Join(home, "."+FileName)},
		{filepath.Join(work, FileName), FileName},
	}
	for _, s := range steps {
		write(s.create, "Notebooklets:\n  state_dir: "+s.create+"\n")
		p, _, err := Find("")
		if err != nil || p != s.want {
			t.Errorf("after creating %s: Find = %q, %v; want %q", s.create, p, err, s.want)
		}
	}
	env := filepath.Join(dir, "env.yaml")
	write(env, "")
	t.Setenv(EnvVar, env)
	if p, _, _ := Find(""); p != env {
		t.Errorf("MSTICPYCONFIG ignored: %q", p)
	}
	explicit := filepath.Join(dir, "explicit.yaml")
	write(explicit, "")
	if p, _, _ := Find(explicit); p != explicit {
		t.Errorf("explicit ignored: %q", p)
	}
	// named but missing → ErrNotFound naming the path (and the variable)
	if _, err := Load(filepath.Join(dir, "nope.yaml")); !errors.Is(err, ErrNotFound) || !strings.Contains(err.Error(), "nope.yaml") {
		t.Errorf("explicit missing: %v", err)
	}
	t.Setenv(EnvVar, filepath.Join(dir, "gone.yaml"))
	if _, err := Load(""); !errors.Is(err, ErrNotFound) || !strings.Contains(err.Error(), EnvVar) || !strings.Contains(err.Error(), "gone.yaml") {
		t.Errorf("env missing: %v", err)
	}
}

func TestInvalidFilesNeverShowValues(t *testing.T) {
	for _, f := range []string{"bad_types.yaml", "bad_notebooklets.yaml", "bad_primary.yaml", "not_yaml.yaml"} {
		t.Run(f, func(t *testing.T) {
			_, err := Load(filepath.Join("testdata", f))
			if !errors.Is(err, ErrInvalid) {
				t.Fatalf("err = %v, want ErrInvalid", err)
			}
			if strings.Contains(err.Error(), fakeKey) || !strings.Contains(err.Error(), f) {
				t.Errorf("error %q shows the value or does not name the file", err)
			}
		})
	}
	for _, body := range []string{"- a\n- b\n", "TIProviders: 3\n", "TIProviders:\n  OTX: [1]\n", "AzureSentinel:\n  Workspaces:\n    Default: x\n", "Notebooklets: [1]\n"} {
		if _, err := Parse("x.yaml", []byte(body)); !errors.Is(err, ErrInvalid) {
			t.Errorf("%q: err = %v", body, err)
		}
	}
	if c, err := Parse("empty.yaml", nil); err != nil || c == nil {
		t.Errorf("empty file: %v", err)
	}
}

func TestSecretNeverPrinted(t *testing.T) {
	c := loadFixture(t)
	s := NewSecret(fakeKey)
	var outs []string
	for _, f := range []string{"%v", "%+v", "%#v", "%s", "%q", "%x", "%X", "%d", "%10s", "%T"} {
		outs = append(outs, fmt.Sprintf(f, s), fmt.Sprintf(f, c), fmt.Sprintf(f, *c), fmt.Sprintf(f, c.TIProviders))
	}
	outs = append(outs, fmt.Sprint(s), fmt.Sprintln(c), s.String(), s.GoString(), c.Redacted(), c.String())
	b, _ := json.Marshal(c)
	outs = append(outs, string(b))
	b, _ = json.MarshalIndent(map[string]any{"k": s, "p": c.TIProviders}, "", " ")
	outs = append(outs, string(b))
	b, _ = s.MarshalText()
	outs = append(outs, string(b))
	b, _ = yaml.Marshal(c)
	outs = append(outs, string(b))
	_, warns := TIProviders(c)
	outs = append(outs, warns...)
	for _, o := range outs {
		if strings.Contains(o, fakeKey) {
			t.Errorf("secret printed: %s", o)
		}
	}
	if !strings.Contains(c.Redacted(), "AuthKey: '[redacted]'") && !strings.Contains(c.Redacted(), "AuthKey: \"[redacted]\"") {
		t.Errorf("Redacted does not show the redaction:\n%s", c.Redacted())
	}
	if s.Reveal() != fakeKey || NewSecret("").String() != "" || !NewSecret("").IsZero() {
		t.Error("Reveal / empty secret")
	}
}

func TestTIProvidersFromFixture(t *testing.T) {
	c := loadFixture(t)
	provs, warns := TIProviders(c)
	var names []string
	for _, p := range provs {
		names = append(names, p.Name())
	}
	if diff := cmp.Diff([]string{"AbuseIPDB", "OTX", "Tor", "VirusTotal", "indicators.csv"}, names); diff != "" {
		t.Errorf("providers (-want +got):\n%s", diff)
	}
	wantW := []string{
		"TIProviders.GreyNoise: not Primary; not used by default",
		`TIProviders.XForce: provider "XForce" is not supported here (supported: OTX, VirusTotal, GreyNoise, AbuseIPDB, Tor, AzSTI); skipped`,
		`Notebooklets.ti_file: 1 rows skipped (first: indicators.csv: row 3, column severity, value "unknownsev": unknown severity (want information, low, medium or high))`,
	}
	if diff := cmp.Diff(wantW, warns); diff != "" {
		t.Errorf("warnings (-want +got):\n%s", diff)
	}
}

func TestTIProvidersDefaultsAndKeys(t *testing.T) {
	provs, warns := TIProviders(nil)
	if len(provs) != 0 || len(warns) != 0 {
		t.Errorf("nil config: %v %v, want no provider (never the sample)", provs, warns)
	}
	c, err := Parse("k.yaml", []byte("TIProviders:\n  OTX:\n    Primary: true\n  GN:\n    Provider: GreyNoise\n    Primary: yes\nNotebooklets:\n  ti_file: /nonexistent/x.csv\n"))
	if err != nil {
		t.Fatal(err)
	}
	provs, warns = TIProviders(c)
	if len(provs) != 1 || provs[0].Name() != "GreyNoise" {
		t.Errorf("providers %v", provs)
	}
	if len(warns) != 2 || warns[0] != "TIProviders.OTX: no Args.AuthKey; skipped" || !strings.Contains(warns[1], "x.csv") {
		t.Errorf("warnings %q", warns)
	}
}

// TestConfiguredKeyReachesService checks the key read through
// EnvironmentVar is what the provider sends, and never what it prints.
func TestConfiguredKeyReachesService(t *testing.T) {
	c := loadFixture(t)
	var sent []string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		sent = append(sent, r.Header.Get("X-Otx-Api-Key"))
		w.WriteHeader(http.StatusServiceUnavailable)
		io.WriteString(w, "echo: "+r.Header.Get("X-Otx-Api-Key"))
	}))
	defer srv.Close()
	var otx ti.Provider
	provs, _ := TIProviders(c, ti.WithBaseURL(srv.URL), ti.WithRetries(0, 0), ti.WithTimeout(time.Second), ti.WithMinInterval(0))
	for _, p := range provs {
		if p.Name() == "OTX" {
			otx = p
		}
	}
	if otx == nil {
		t.Fatal("no OTX provider")
	}
	res, err := otx.Lookup(context.Background(), []string{"203.0.113.66"})
	if err != nil || len(res) != 1 || res[0].Err == "" {
		t.Fatalf("%+v %v", res, err)
	}
	if len(sent) == 0 || sent[0] != "OTX-"+fakeKey {
		t.Errorf("sent key %q", sent)
	}
	if strings.Contains(res[0].Err, fakeKey) {
		t.Errorf("key in error: %s", res[0].Err)
	}
}

func TestTIProvidersArgsSetRateAndConcurrency(t *testing.T) {
	c, err := Parse("m.yaml", []byte(`TIProviders:
  VirusTotal:
    Args: {AuthKey: k1}
    Primary: true
  OTX:
    Args: {AuthKey: k2, RequestsPerMinute: 600, Concurrency: 3}
    Primary: true
  AbuseIPDB:
    Args: {AuthKey: k3, RequestsPerMinute: "lots", Concurrency: 500}
    Primary: true
  GreyNoise:
    Args: {RequestsPerMinute: -1, Concurrency: 1.5}
    Primary: true
`))
	if err != nil {
		t.Fatal(err)
	}
	provs, warns := TIProviders(c)
	type limited interface{ Limits() ti.Limits }
	got := map[string]ti.Limits{}
	for _, p := range provs {
		got[p.Name()] = p.(limited).Limits()
	}
	want := map[string]ti.Limits{
		"VirusTotal": {Interval: 15 * time.Second, Workers: 1}, // the public API's 4 a minute
		"OTX":        {Interval: 100 * time.Millisecond, Workers: 3},
		"AbuseIPDB":  {Interval: time.Second, Workers: 16},
		"GreyNoise":  {Interval: time.Second, Workers: 2},
	}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("limits (-want +got):\n%s", d)
	}
	wantWarns := []string{
		"TIProviders.AbuseIPDB.Args.RequestsPerMinute: not a number; using the default",
		"TIProviders.AbuseIPDB.Args.Concurrency: more than 16; using 16",
		"TIProviders.GreyNoise.Args.RequestsPerMinute: not a positive number; using 60 a minute",
		"TIProviders.GreyNoise.Args.Concurrency: not a whole number of at least 1; using 2",
	}
	if d := cmp.Diff(wantWarns, warns); d != "" {
		t.Errorf("warnings (-want +got):\n%s", d)
	}
	for _, w := range warns {
		if strings.Contains(w, "lots") || strings.Contains(w, "500") {
			t.Errorf("a value is echoed: %q", w)
		}
	}
}

func TestTIProvidersAzSTI(t *testing.T) {
	const ws = `AzureSentinel:
  Workspaces:
    Default:
      WorkspaceId: d973e3d2-28e6-458e-b2cf-d38876fb1ba4
      TenantId: 4cdf87a8-f0fc-40bb-9d85-68bcf4ac8e61
    Other:
      WorkspaceId: c88dd3c2-d657-4eb3-b913-58d58d811a41
      TenantId: f1f64e65-ff7c-4d71-ad5b-091b6ab39d51
`
	tests := []struct {
		name      string
		yaml      string
		o         TIOptions
		providers []string
		location  string
		warn      string
	}{
		{name: "msticpy's AzureSentinel entry", yaml: ws + "TIProviders:\n  AzureSentinel:\n    Args:\n      WorkspaceID: 11111111-2222-3333-4444-555555555555\n      TenantID: t\n    Primary: True\n    Provider: AzSTI\n",
			providers: []string{"AzSTI"}, location: "workspace 11111111-2222-3333-4444-555555555555 (ThreatIntelIndicators, ThreatIntelligenceIndicator)"},
		{name: "entry without Args: the configured workspace", yaml: ws + "TIProviders:\n  AzureSentinel:\n    Primary: True\n    Provider: AzSTI\n",
			providers: []string{"AzSTI"}, location: "workspace d973e3d2-28e6-458e-b2cf-d38876fb1ba4 (ThreatIntelIndicators, ThreatIntelligenceIndicator)"},
		{name: "entry naming a workspace", yaml: ws + "TIProviders:\n  AzureSentinel:\n    Args: {Workspace: Other}\n    Primary: True\n    Provider: AzSTI\n",
			providers: []string{"AzSTI"}, location: "workspace c88dd3c2-d657-4eb3-b913-58d58d811a41 (ThreatIntelIndicators, ThreatIntelligenceIndicator)"},
		{name: "the default with a workspace and no provider", yaml: ws,
			providers: []string{"AzSTI"}, location: "workspace d973e3d2-28e6-458e-b2cf-d38876fb1ba4 (ThreatIntelIndicators, ThreatIntelligenceIndicator)",
			warn: "no threat-intelligence provider configured: using the workspace's own (AzSTI: workspace d973e3d2-28e6-458e-b2cf-d38876fb1ba4"},
		{name: "the default follows Options.Workspace", yaml: ws, o: TIOptions{Workspace: "Other"},
			providers: []string{"AzSTI"}, location: "workspace c88dd3c2-d657-4eb3-b913-58d58d811a41 (ThreatIntelIndicators, ThreatIntelligenceIndicator)"},
		{name: "not the default when another provider is configured", yaml: ws + "TIProviders:\n  Tor:\n    Primary: True\n",
			providers: []string{"Tor"}},
		{name: "offline: no AzSTI, no provider", yaml: ws, o: TIOptions{Offline: true}, providers: nil},
		{name: "offline key skips remote entries", yaml: ws + "TIProviders:\n  Tor:\n    Primary: True\nNotebooklets:\n  offline: true\n  ti_file: testdata/indicators.csv\n",
			providers: []string{"indicators.csv"}, warn: "TIProviders.Tor: offline; not used"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := Parse("m.yaml", []byte(tt.yaml))
			if err != nil {
				t.Fatal(err)
			}
			provs, warns := TIProvidersWith(c, tt.o)
			var names []string
			for _, p := range provs {
				names = append(names, p.Name())
			}
			if d := cmp.Diff(tt.providers, names); d != "" {
				t.Fatalf("providers (-want +got):\n%s (warnings %q)", d, warns)
			}
			if tt.location != "" {
				if loc := provs[0].(*ti.AzSTI).Provenance().Location; loc != tt.location {
					t.Errorf("location %q, want %q", loc, tt.location)
				}
			}
			if tt.warn != "" && !slices.ContainsFunc(warns, func(w string) bool { return strings.HasPrefix(w, tt.warn) }) {
				t.Errorf("warnings %q lack %q", warns, tt.warn)
			}
		})
	}
}

func TestTIFileLostLinesWarning(t *testing.T) {
	dir := t.TempDir()
	f := filepath.Join(dir, "feed.csv")
	os.WriteFile(f, []byte("ioc,severity\n203.0.113.1,high\n203.0.113.2,\"high\n203.0.113.3,high\n,high\n"), 0o600)
	provs, warns := TIProviders(&Config{Notebooklets: Notebooklets{TIFile: f}})
	if len(provs) != 1 {
		t.Fatalf("providers %v", provs)
	}
	want := []string{
		"Notebooklets.ti_file: 1 lines lost to malformed CSV (lines 3); reading resumed after each",
		"Notebooklets.ti_file: 1 rows skipped (first: feed.csv: row 5, column ioc: empty indicator)",
	}
	if d := cmp.Diff(want, warns); d != "" {
		t.Errorf("warnings (-want +got):\n%s", d)
	}
}

func FuzzParse(f *testing.F) {
	b, _ := os.ReadFile(filepath.Join("testdata", "msticpyconfig.yaml"))
	f.Add(b)
	f.Add([]byte("TIProviders:\n  OTX:\n    Args:\n      AuthKey: {EnvironmentVar: X}\n"))
	f.Fuzz(func(t *testing.T, b []byte) {
		c, err := Parse("f.yaml", b)
		if err != nil {
			return
		}
		_ = c.Redacted()
		TIProviders(c)
	})
}

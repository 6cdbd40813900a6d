package config

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
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
	if got := err.Error(); got != "config: TIProviders.OTX.Args.AuthKey: environment variable NBTEST_UNSET_VARIABLE is not set" {
		t.Errorf("message %q", got)
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
		`TIProviders.XForce: provider "XForce" is not supported here (supported: OTX, VirusTotal, GreyNoise, AbuseIPDB, Tor); skipped`,
		`Notebooklets.ti_file: 1 rows skipped (first: indicators.csv: row 3, column severity, value "unknownsev": unknown severity (want information, low, medium or high))`,
	}
	if diff := cmp.Diff(wantW, warns); diff != "" {
		t.Errorf("warnings (-want +got):\n%s", diff)
	}
}

func TestTIProvidersDefaultsAndKeys(t *testing.T) {
	provs, warns := TIProviders(nil)
	if len(provs) != 1 || provs[0].Name() != ti.SampleName || len(warns) != 1 {
		t.Errorf("nil config: %v %v", provs, warns)
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
	var otx ti.Provider
	provs, _ := TIProviders(c, ti.WithBaseURL("http://127.0.0.1:1"), ti.WithRetries(0, 0), ti.WithTimeout(time.Second), ti.WithMinInterval(0))
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
	if strings.Contains(res[0].Err, fakeKey) {
		t.Errorf("key in error: %s", res[0].Err)
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

package main

import (
	"bytes"
	"context"
	"encoding/json"
	"net/netip"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/gonotebooklets/notebooklets/internal/mmdbgen"
	"github.com/google/go-cmp/cmp"
)

// enrichEnv isolates the command from the machine: no config, no GeoLite2
// folder, no database variables.
func enrichEnv(t *testing.T) string {
	t.Helper()
	home := t.TempDir()
	t.Setenv("HOME", home)
	t.Setenv("USERPROFILE", home)
	t.Setenv("MSTICPYCONFIG", "")
	t.Setenv("NOTEBOOKLETS_GEOIP_CITY", "")
	t.Setenv("NOTEBOOKLETS_GEOIP_ASN", "")
	t.Chdir(home) // no ./msticpyconfig.yaml
	return home
}

func writeTestDBs(t *testing.T, dir string) (city, asnPath string) {
	t.Helper()
	var c, a bytes.Buffer
	if err := mmdbgen.WriteCity(&c, []mmdbgen.CityRecord{
		{Network: netip.MustParsePrefix("13.107.0.0/16"), CountryISO: "US", Country: "United States", City: "Redmond", Lat: 47.674, Lon: -122.1215},
		{Network: netip.MustParsePrefix("81.2.69.0/24"), CountryISO: "GB", Country: "United Kingdom", NoLocation: true},
		{Network: netip.MustParsePrefix("2a01:111::/32"), CountryISO: "IE", Country: "Ireland", City: "Dublin", Lat: 53.3498, Lon: -6.2603},
	}); err != nil {
		t.Fatal(err)
	}
	if err := mmdbgen.WriteASN(&a, []mmdbgen.ASNRecord{
		{Network: netip.MustParsePrefix("13.107.0.0/16"), ASN: 8075, Org: "MICROSOFT-CORP-MSN-AS-BLOCK"},
		{Network: netip.MustParsePrefix("2a01:111::/32"), ASN: 8075, Org: "MICROSOFT-CORP-MSN-AS-BLOCK"},
		{Network: netip.MustParsePrefix("81.2.69.0/24"), ASN: 20712, Org: "Andrews & Arnold\tLtd"},
	}); err != nil {
		t.Fatal(err)
	}
	city, asnPath = filepath.Join(dir, "GeoLite2-City.mmdb"), filepath.Join(dir, "GeoLite2-ASN.mmdb")
	os.WriteFile(city, c.Bytes(), 0o600)
	os.WriteFile(asnPath, a.Bytes(), 0o600)
	return city, asnPath
}

func runCLI(args ...string) (int, string, string) {
	var out, errb bytes.Buffer
	code := run(context.Background(), args, &out, &errb)
	return code, out.String(), errb.String()
}

func TestEnrichTable(t *testing.T) {
	enrichEnv(t)
	city, asnPath := writeTestDBs(t, t.TempDir())
	code, out, stderr := runCLI("enrich", "--geoip-city", city, "--asn-db", asnPath,
		"13.107.4.50", "::ffff:13.107.4.50", "2a01:111::5", "81.2.69.142", "8.8.8.8", "10.0.3.5", "fe80::1", "100.64.0.1", "13.107.4.50")
	if code != 0 || stderr != "" {
		t.Fatalf("exit %d, stderr %q", code, stderr)
	}
	want := `ip                  ip_type      asn    asn_org                      country_iso  country         city     latitude  longitude
13.107.4.50         Public       8075   MICROSOFT-CORP-MSN-AS-BLOCK  US           United States   Redmond  47.6740   -122.1215
::ffff:13.107.4.50  Public       8075   MICROSOFT-CORP-MSN-AS-BLOCK  US           United States   Redmond  47.6740   -122.1215
2a01:111::5         Public       8075   MICROSOFT-CORP-MSN-AS-BLOCK  IE           Ireland         Dublin   53.3498   -6.2603
81.2.69.142         Public       20712  Andrews & Arnold Ltd         GB           United Kingdom
8.8.8.8             Public
10.0.3.5            Private
fe80::1             Link Local
100.64.0.1          Unspecified
`
	if d := cmp.Diff(want, out); d != "" {
		t.Errorf("(-want +got):\n%s", d)
	}
}

func TestEnrichJSON(t *testing.T) {
	enrichEnv(t)
	city, asnPath := writeTestDBs(t, t.TempDir())
	code, out, _ := runCLI("enrich", "--json", "--geoip-city", city, "--asn-db", asnPath, "13.107.4.50", "8.8.8.8", "192.168.1.1")
	if code != 0 {
		t.Fatalf("exit %d", code)
	}
	var rows []map[string]any
	if err := json.Unmarshal([]byte(out), &rows); err != nil {
		t.Fatalf("%v in %s", err, out)
	}
	if len(rows) != 3 {
		t.Fatalf("%d rows", len(rows))
	}
	for _, r := range rows {
		var keys []string
		for k := range r {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		want := append([]string(nil), enrichColumns...)
		sort.Strings(want)
		if d := cmp.Diff(want, keys); d != "" {
			t.Errorf("keys (-want +got):\n%s", d)
		}
	}
	want := []map[string]any{
		{"ip": "13.107.4.50", "ip_type": "Public", "asn": 8075.0, "asn_org": "MICROSOFT-CORP-MSN-AS-BLOCK", "country_iso": "US", "country": "United States", "city": "Redmond", "latitude": 47.674, "longitude": -122.1215},
		{"ip": "8.8.8.8", "ip_type": "Public", "asn": nil, "asn_org": "", "country_iso": "", "country": "", "city": "", "latitude": nil, "longitude": nil},
		{"ip": "192.168.1.1", "ip_type": "Private", "asn": nil, "asn_org": "", "country_iso": "", "country": "", "city": "", "latitude": nil, "longitude": nil},
	}
	if d := cmp.Diff(want, rows); d != "" {
		t.Errorf("(-want +got):\n%s", d)
	}
}

func TestEnrichErrors(t *testing.T) {
	home := enrichEnv(t)
	dir := t.TempDir()
	city, asnPath := writeTestDBs(t, dir)
	broken := filepath.Join(dir, "broken.mmdb")
	os.WriteFile(broken, []byte("not a database at all"), 0o600)
	cityBytes, _ := os.ReadFile(city)
	truncated := filepath.Join(dir, "truncated.mmdb")
	os.WriteFile(truncated, cityBytes[:len(cityBytes)*2/3], 0o600)
	tests := []struct {
		name       string
		args       []string
		code       int
		outHas     []string
		stderrHas  []string
		stdoutNone bool
	}{
		{"invalid IPs among good ones", []string{"--geoip-city", city, "--asn-db", asnPath, "13.107.4.50", "999.1.1.1", "8.8.8.8", "bogus"},
			1, []string{"13.107.4.50", "8.8.8.8"}, []string{`invalid IP addresses "999.1.1.1", "bogus"`}, false},
		{"one invalid IP", []string{"--geoip-city", city, "--asn-db", asnPath, "1.2.3"}, 1, []string{"ip  "}, []string{`invalid IP address "1.2.3"`}, false},
		{"broken city DB", []string{"--geoip-city", broken, "--asn-db", asnPath, "8.8.8.8"}, 1, nil, []string{"broken.mmdb"}, true},
		{"truncated city DB", []string{"--geoip-city", truncated, "--asn-db", asnPath, "8.8.8.8"}, 1, nil, []string{"truncated.mmdb"}, true},
		{"city DB given as ASN DB", []string{"--geoip-city", city, "--asn-db", city, "8.8.8.8"}, 1, nil, []string{"not an ASN database"}, true},
		{"missing DB file", []string{"--geoip-city", filepath.Join(dir, "nope.mmdb"), "8.8.8.8"}, 1, nil, []string{"nope.mmdb", "MaxMind"}, true},
		{"no IPs", []string{"--json"}, 2, nil, []string{"no IP addresses", "usage: notebooklet enrich"}, true},
		{"bad flag", []string{"--frobnicate", "8.8.8.8"}, 2, nil, []string{"frobnicate"}, true},
		{"missing config", []string{"--config", filepath.Join(home, "none.yaml"), "8.8.8.8"}, 1, nil, []string{"none.yaml"}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, out, stderr := runCLI(append([]string{"enrich"}, tt.args...)...)
			if code != tt.code {
				t.Errorf("exit %d, want %d (stderr %q)", code, tt.code, stderr)
			}
			for _, s := range tt.outHas {
				if !strings.Contains(out, s) {
					t.Errorf("stdout %q lacks %q", out, s)
				}
			}
			for _, s := range tt.stderrHas {
				if !strings.Contains(stderr, s) {
					t.Errorf("stderr %q lacks %q", stderr, s)
				}
			}
			if tt.stdoutNone && out != "" {
				t.Errorf("stdout %q, want nothing", out)
			}
		})
	}
}

func TestEnrichDefaultsAndConfig(t *testing.T) {
	home := enrichEnv(t)
	// nothing configured: the embedded samples, said on stderr
	code, out, stderr := runCLI("enrich", "5.188.13.66")
	if code != 0 || !strings.Contains(out, "BULLETPROOF-EXAMPLE-HOSTING") || !strings.Contains(out, "Bucharest") {
		t.Errorf("sample: exit %d out %q", code, out)
	}
	for _, s := range []string{"embedded synthetic sample", "--geoip-city", "--asn-db", filepath.Join(home, ".msticpy", "GeoLite2")} {
		if !strings.Contains(stderr, s) {
			t.Errorf("stderr %q lacks %q", stderr, s)
		}
	}

	// msticpyconfig OtherProviders.GeoIPLite.DBFolder holds both databases
	folder := filepath.Join(home, "geo")
	os.MkdirAll(folder, 0o700)
	writeTestDBs(t, folder)
	cfg := filepath.Join(home, "msticpyconfig.yaml")
	os.WriteFile(cfg, []byte("OtherProviders:\n  GeoIPLite:\n    Args:\n      AuthKey: \"SECRET-LICENCE-KEY\"\n      DBFolder: \""+folder+"\"\n    Provider: GeoLiteLookup\n"), 0o600)
	code, out, stderr = runCLI("enrich", "--config", cfg, "13.107.4.50")
	if code != 0 || stderr != "" || !strings.Contains(out, "Redmond") || !strings.Contains(out, "8075") {
		t.Errorf("DBFolder: exit %d out %q stderr %q", code, out, stderr)
	}
	if strings.Contains(out+stderr, "SECRET-LICENCE-KEY") {
		t.Error("licence key leaked")
	}

	// Notebooklets: geoip_city_db names a file; a missing one is an error, not the sample
	cfg2 := filepath.Join(home, "nb.yaml")
	os.WriteFile(cfg2, []byte("Notebooklets:\n  geoip_city_db: "+filepath.Join(home, "gone.mmdb")+"\n"), 0o600)
	code, _, stderr = runCLI("enrich", "--config", cfg2, "13.107.4.50")
	if code != 1 || !strings.Contains(stderr, "gone.mmdb") {
		t.Errorf("config path missing: exit %d stderr %q", code, stderr)
	}

	// $NOTEBOOKLETS_GEOIP_CITY
	t.Setenv("NOTEBOOKLETS_GEOIP_CITY", filepath.Join(folder, "GeoLite2-City.mmdb"))
	code, out, stderr = runCLI("enrich", "2a01:111::1")
	if code != 0 || !strings.Contains(out, "Dublin") || strings.Contains(stderr, "GeoLite2-City database given") {
		t.Errorf("env: exit %d out %q stderr %q", code, out, stderr)
	}
}

func TestSanitizeCells(t *testing.T) {
	got := sanitizeCells([]string{"Evil\x1b[2J\tCity\nX", "ok", "\u202eexe.txt\u009b"})
	want := []string{`Evil\x1b[2J City X`, "ok", `\u202eexe.txt\u009b`}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("sanitizeCells (-want +got):\n%s", d)
	}
}

package config

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/gonotebooklets/notebooklets/internal/sample"
	"github.com/gonotebooklets/notebooklets/providers/asn"
	"github.com/gonotebooklets/notebooklets/providers/asn/asntest"
	"github.com/gonotebooklets/notebooklets/providers/geoip"
)

// asnWorld is what the fake online services know.
func asnFakes(t *testing.T) (*asntest.Cymru, *asntest.RDAP) {
	t.Helper()
	cymru := asntest.NewCymru(t, map[string]string{
		"13.107.4.50": "8075    | 13.107.4.50      | 13.107.0.0/16       | US | arin     | 2015-03-26 | MICROSOFT-CORP-MSN-AS-BLOCK, US",
		"5.188.13.66": "65537   | 5.188.13.66      | 5.188.0.0/16        | RO | ripencc  | 2012-01-01 | BULLETPROOF-EXAMPLE-HOSTING, RO",
	})
	rdap := asntest.NewRDAP(t, map[string][]string{"arin": {"13.0.0.0/8"}, "ripe": {"5.0.0.0/8"}}, map[string]string{
		"arin": `{"objectClassName": "ip network", "handle": "NET-13-64-0-0-1", "name": "MSFT", "country": "US",
			"startAddress": "13.64.0.0", "endAddress": "13.107.255.255",
			"entities": [{"roles": ["registrant"], "vcardArray": ["vcard", [["fn", {}, "text", "Microsoft Corporation"]]],
				"entities": [{"roles": ["abuse"], "vcardArray": ["vcard", [["fn", {}, "text", "Abuse"], ["email", {}, "text", "abuse@microsoft.example"]]]}]}]}`,
		"ripe": `{"handle": "5.188.0.0 - 5.188.255.255", "name": "BULLETPROOF-NET", "country": "RO",
			"startAddress": "5.188.0.0", "endAddress": "5.188.255.255",
			"entities": [{"roles": ["abuse"], "vcardArray": ["vcard", [["email", {}, "text", "abuse@bulletproof.example"]]]},
				{"roles": ["registrant"], "vcardArray": ["vcard", [["fn", {}, "text", "Bulletproof Example SRL"]]]}]}`,
	})
	return cymru, rdap
}

// noASNFile makes sure no GeoLite2-ASN file is found by the default search.
func noASNFile(t *testing.T) {
	t.Helper()
	t.Setenv("HOME", t.TempDir())
	t.Setenv(geoip.EnvASNDB, "")
}

func fakeASNOptions(cymru *asntest.Cymru, rdap *asntest.RDAP, cacheDir string) ASNOptions {
	return ASNOptions{CymruAddr: cymru.Addr(), RDAPBootstrapV4: rdap.BootstrapV4(), RDAPBootstrapV6: rdap.BootstrapV6(),
		CacheDir: cacheDir, Timeout: 2 * time.Second, Retry: asn.Retry{Attempts: 2, Base: time.Millisecond}}
}

func TestASNResolverWithoutFileGoesOnline(t *testing.T) {
	noASNFile(t)
	cymru, rdap := asnFakes(t)
	cache := t.TempDir()
	o := fakeASNOptions(cymru, rdap, cache)
	var progress [][2]int
	o.Progress = func(d, n int) { progress = append(progress, [2]int{d, n}) }
	r, warns, err := ASNResolver(&Config{}, o)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	if len(warns) != 1 || !strings.Contains(warns[0], "no GeoLite2-ASN database found") || !strings.Contains(warns[0], "looked up online") {
		t.Errorf("warnings %q", warns)
	}
	res, err := r.Resolve(context.Background(), []string{"13.107.4.50", "5.188.13.66", "10.0.3.5"})
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]asn.Info{
		"13.107.4.50": {IP: "13.107.4.50", ASN: 8075, Name: "MICROSOFT-CORP-MSN-AS-BLOCK, US", Country: "US", CIDR: "13.107.0.0/16",
			Registry: "arin", Handle: "NET-13-64-0-0-1", Org: "Microsoft Corporation", Abuse: "abuse@microsoft.example", Source: "cymru+rdap"},
		"5.188.13.66": {IP: "5.188.13.66", ASN: 65537, Name: "BULLETPROOF-EXAMPLE-HOSTING, RO", Country: "RO", CIDR: "5.188.0.0/16",
			Registry: "ripencc", Handle: "5.188.0.0 - 5.188.255.255", Org: "Bulletproof Example SRL", Abuse: "abuse@bulletproof.example", Source: "cymru+rdap"},
		"10.0.3.5": {IP: "10.0.3.5", Name: asn.PrivateName, Source: asn.SourcePrivate},
	}
	if d := cmp.Diff(want, res.Found); d != "" {
		t.Errorf("found (-want +got):\n%s", d)
	}
	if cymru.Connections() != 1 || rdap.Requests() == 0 {
		t.Errorf("cymru connections %d, rdap requests %d", cymru.Connections(), rdap.Requests())
	}
	if len(progress) == 0 || progress[len(progress)-1] != [2]int{3, 3} {
		t.Errorf("progress %v", progress)
	}
	if _, err := os.Stat(filepath.Join(cache, asn.CacheFile)); err != nil {
		t.Errorf("cache not written: %v", err)
	}
	if p := r.Provenance(); !strings.Contains(p.Location, cymru.Addr()) || !strings.Contains(p.Location, "details: RDAP") {
		t.Errorf("provenance %+v", p)
	}
}

func TestASNResolverOfflineMakesNoConnection(t *testing.T) {
	dbFile := filepath.Join(t.TempDir(), "GeoLite2-ASN.mmdb")
	if err := os.WriteFile(dbFile, sample.ASNDB, 0o600); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name    string
		cfg     *Config
		o       func(ASNOptions) ASNOptions
		warn    string
		found   string // an address the local stage knows
		missing string
		reason  error
	}{
		{name: "option, no file", cfg: &Config{}, o: func(o ASNOptions) ASNOptions { o.Offline = true; return o },
			warn: "offline and no GeoLite2-ASN database found", missing: "13.107.4.50", reason: asn.ErrNotLookedUp},
		{name: "config key, no file", cfg: &Config{Notebooklets: Notebooklets{Offline: true}}, o: func(o ASNOptions) ASNOptions { return o },
			warn: "offline and no GeoLite2-ASN database found", missing: "5.188.13.66", reason: asn.ErrNotLookedUp},
		{name: "option, with a file", cfg: &Config{}, o: func(o ASNOptions) ASNOptions { o.Offline, o.DBPath = true, dbFile; return o },
			found: "13.107.4.50", missing: "9.9.9.9", reason: asn.ErrNotFound},
		{name: "the sample", cfg: &Config{}, o: func(o ASNOptions) ASNOptions { o.Sample = true; return o },
			found: "13.107.4.50", missing: "9.9.9.9", reason: asn.ErrNotFound},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			noASNFile(t)
			cymru, rdap := asnFakes(t)
			r, warns, err := ASNResolver(tt.cfg, tt.o(fakeASNOptions(cymru, rdap, t.TempDir())))
			if err != nil {
				t.Fatal(err)
			}
			defer r.Close()
			if tt.warn != "" && (len(warns) != 1 || !strings.Contains(warns[0], tt.warn)) || tt.warn == "" && len(warns) != 0 {
				t.Errorf("warnings %q, want %q", warns, tt.warn)
			}
			ips := []string{tt.missing, "10.1.2.3"}
			if tt.found != "" {
				ips = append(ips, tt.found)
			}
			res, err := r.Resolve(context.Background(), ips)
			if err != nil {
				t.Fatal(err)
			}
			if tt.found != "" && res.Found[tt.found].Source != asn.SourceGeoLite2 {
				t.Errorf("%s: %+v, want an answer from the local file", tt.found, res.Found[tt.found])
			}
			if why := res.Missing[tt.missing]; !errors.Is(why, tt.reason) {
				t.Errorf("%s: %v, want %v", tt.missing, why, tt.reason)
			}
			if n, m := cymru.Connections(), rdap.Requests(); n != 0 || m != 0 {
				t.Errorf("offline made %d Team Cymru connections and %d RDAP requests", n, m)
			}
		})
	}
}

func TestASNResolverExplicitFileErrors(t *testing.T) {
	noASNFile(t)
	if _, _, err := ASNResolver(&Config{}, ASNOptions{DBPath: filepath.Join(t.TempDir(), "missing.mmdb")}); err == nil || !strings.Contains(err.Error(), "missing.mmdb") {
		t.Errorf("missing file: %v", err)
	}
	city := filepath.Join(t.TempDir(), "GeoLite2-City.mmdb")
	os.WriteFile(city, sample.CityDB, 0o600)
	if _, _, err := ASNResolver(&Config{Notebooklets: Notebooklets{ASNDB: city}}, ASNOptions{}); err == nil || !strings.Contains(err.Error(), "not an ASN database") {
		t.Errorf("a City file: %v", err)
	}
}

func TestOfflineAndDeadlineKeys(t *testing.T) {
	c, err := Parse("m.yaml", []byte("Notebooklets:\n  offline: true\n  cache_dir: ~/nb-cache\n  ti_deadline: 90s\n"))
	if err != nil {
		t.Fatal(err)
	}
	home, _ := os.UserHomeDir()
	want := Notebooklets{Offline: true, CacheDir: filepath.Join(home, "nb-cache"), TIDeadline: 90 * time.Second}
	if d := cmp.Diff(want, c.Notebooklets); d != "" || len(c.Warnings) != 0 {
		t.Errorf("(-want +got):\n%s %q", d, c.Warnings)
	}
	// Mirrors of the online ASN services, from the config: the chain asks
	// them.
	cymru, rdap := asnFakes(t)
	noASNFile(t)
	m, err := Parse("m.yaml", []byte("Notebooklets:\n  cymru_addr: "+cymru.Addr()+"\n  rdap_bootstrap_v4: "+rdap.BootstrapV4()+
		"\n  rdap_bootstrap_v6: "+rdap.BootstrapV6()+"\n  cache_dir: "+t.TempDir()+"\n"))
	if err != nil || len(m.Warnings) != 0 {
		t.Fatal(err, m.Warnings)
	}
	r, _, err := ASNResolver(m, ASNOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	res, _ := r.Resolve(context.Background(), []string{"13.107.4.50"})
	if res.Found["13.107.4.50"].Registry != "arin" || cymru.Connections() != 1 || rdap.Requests() == 0 {
		t.Errorf("the configured mirrors were not asked: %+v, %d connections, %d requests", res.Found, cymru.Connections(), rdap.Requests())
	}
	for _, bad := range []string{"ti_deadline: soon", "ti_deadline: -5s", "offline: perhaps"} {
		if _, err := Parse("m.yaml", []byte("Notebooklets:\n  "+bad+"\n")); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
}

package geoip

import (
	"errors"
	"path/filepath"
	"strings"
	"testing"
)

func TestFind(t *testing.T) {
	city := cityBytes(t)
	home := t.TempDir()
	t.Setenv("HOME", home)
	t.Setenv("USERPROFILE", home)
	t.Setenv(EnvCityDB, "")

	// nothing anywhere: the error says where it looked and how to get GeoLite2
	_, err := FindCity("", "")
	var nf *NotFoundError
	if !errors.As(err, &nf) || !errors.Is(err, ErrNoDatabase) {
		t.Fatalf("err = %v, want *NotFoundError", err)
	}
	for _, s := range []string{filepath.Join(home, ".msticpy", "GeoLite2"), "maxmind.com", "licence key", "GeoIPLite", "AuthKey", "DBFolder", EnvCityDB, "GeoLite2-City"} {
		if !strings.Contains(err.Error(), s) {
			t.Errorf("error %q does not mention %q", err, s)
		}
	}

	// msticpy's default folder, as a MaxMind tarball unpacks (newest wins)
	writeFile(t, home, ".msticpy/GeoLite2/GeoLite2-City_20240101/GeoLite2-City.mmdb", city)
	newest := writeFile(t, home, ".msticpy/GeoLite2/GeoLite2-City_20240301/GeoLite2-City.mmdb", city)
	if p, err := FindCity("", ""); err != nil || p != newest {
		t.Errorf("tarball layout: %q %v, want %q", p, err, newest)
	}
	direct := writeFile(t, home, ".msticpy/GeoLite2/GeoLite2-City.mmdb", city)
	if p, err := FindCity("", ""); err != nil || p != direct {
		t.Errorf("default folder: %q %v", p, err)
	}

	// the config's DBFolder comes before the default folder
	cfgDir := t.TempDir()
	if _, err := FindCity("", cfgDir); err != nil {
		t.Errorf("empty DBFolder should fall back to the default folder: %v", err)
	}
	inCfg := writeFile(t, cfgDir, "GeoIP2-City.mmdb", city) // paid edition name
	if p, err := FindCity("", cfgDir); err != nil || p != inCfg {
		t.Errorf("DBFolder: %q %v", p, err)
	}
	if p, err := FindCity("", "~/.msticpy/GeoLite2"); err != nil || p != direct {
		t.Errorf("~ in DBFolder: %q %v", p, err)
	}

	// the environment variable comes before the folders
	envFile := writeFile(t, t.TempDir(), "env.mmdb", city)
	t.Setenv(EnvCityDB, envFile)
	if p, err := FindCity("", cfgDir); err != nil || p != envFile {
		t.Errorf("env: %q %v", p, err)
	}
	t.Setenv(EnvCityDB, filepath.Join(home, "missing.mmdb"))
	if _, err := FindCity("", cfgDir); err == nil || !strings.Contains(err.Error(), "$"+EnvCityDB) || !strings.Contains(err.Error(), "missing.mmdb") {
		t.Errorf("env naming a missing file: %v", err)
	}

	// an explicit path wins, and a missing one is an error (no fall-back)
	explicit := writeFile(t, t.TempDir(), "x.mmdb", city)
	if p, err := FindCity(explicit, cfgDir); err != nil || p != explicit {
		t.Errorf("explicit: %q %v", p, err)
	}
	if _, err := FindCity(filepath.Join(home, "nope.mmdb"), ""); err == nil || !strings.Contains(err.Error(), "nope.mmdb (given path)") {
		t.Errorf("explicit missing: %v", err)
	}
	// an explicit folder is searched
	if p, err := FindCity(cfgDir, ""); err != nil || p != inCfg {
		t.Errorf("explicit folder: %q %v", p, err)
	}
	if _, err := FindCity(t.TempDir(), ""); err == nil || !strings.Contains(err.Error(), "folder without GeoLite2-City.mmdb") {
		t.Errorf("explicit empty folder: %v", err)
	}

	// OpenCity opens what it finds
	t.Setenv(EnvCityDB, "")
	db, err := OpenCity("", "")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if loc, _ := db.LocateString("13.107.4.50"); loc.City != "Redmond" {
		t.Errorf("OpenCity: %+v", loc)
	}

	// ASN edition and its own variable
	t.Setenv(EnvASNDB, "")
	_, err = Lookup{Edition: EditionASN}.Find()
	if err == nil || !strings.Contains(err.Error(), "GeoLite2-ASN") || !strings.Contains(err.Error(), EnvASNDB) {
		t.Errorf("ASN not found: %v", err)
	}
	asnFile := writeFile(t, home, ".msticpy/GeoLite2-ASN.mmdb", city)
	if p, err := (Lookup{Edition: EditionASN}).Find(); err != nil || p != asnFile {
		t.Errorf("ASN in ~/.msticpy: %q %v", p, err)
	}
}

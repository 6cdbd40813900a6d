package geoip

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/gonotebooklets/notebooklets/internal/homedir"
)

// Environment variables naming database files.
const (
	EnvCityDB = "NOTEBOOKLETS_GEOIP_CITY"
	EnvASNDB  = "NOTEBOOKLETS_GEOIP_ASN"
)

// Database editions, as MaxMind names the files (<edition>.mmdb).
const (
	EditionCity = "GeoLite2-City"
	EditionASN  = "GeoLite2-ASN"
)

// ErrNoDatabase is matched (errors.Is) by *NotFoundError.
var ErrNoDatabase = errors.New("geoip: database not found")

// NotFoundError says which database was not found, where it was looked
// for, and how to get it.
type NotFoundError struct {
	Edition string   // "GeoLite2-City", "GeoLite2-ASN"
	Looked  []string // the places looked at, in order
	Reason  string   // set when an explicitly named file is missing or unreadable
}

func (e *NotFoundError) Error() string {
	var b strings.Builder
	if e.Reason != "" {
		fmt.Fprintf(&b, "geoip: %s database: %s", e.Edition, e.Reason)
	} else {
		fmt.Fprintf(&b, "geoip: no %s database found; looked in: %s", e.Edition, strings.Join(e.Looked, ", "))
	}
	fmt.Fprintf(&b, ". To get %[1]s: sign up for a free MaxMind GeoLite2 account "+
		"(https://www.maxmind.com/en/geolite2/signup), create a licence key, download the %[1]s "+
		"database (mmdb) and put %[1]s.mmdb in ~/.msticpy/GeoLite2 (msticpy's folder), or set "+
		"OtherProviders: GeoIPLite: Args: {AuthKey, DBFolder} in msticpyconfig.yaml and put it in DBFolder; "+
		"or name the file with a command flag or $%[2]s", e.Edition, envFor(e.Edition))
	return b.String()
}

// Is matches ErrNoDatabase.
func (e *NotFoundError) Is(target error) bool { return target == ErrNoDatabase }

func envFor(edition string) string {
	if edition == EditionASN {
		return EnvASNDB
	}
	return EnvCityDB
}

// Lookup says where to look for a database. The first of Explicit, $Env,
// DBFolder and msticpy's default folders (~/.msticpy/GeoLite2, ~/.msticpy)
// that is set or holds the file wins. An explicit path or variable naming a
// missing file is an error (no silent fall-back to another database).
type Lookup struct {
	Edition  string // EditionCity or EditionASN
	Explicit string // a file named by a flag or the Notebooklets config
	Env      string // environment variable naming a file; "" = EnvCityDB/EnvASNDB by edition
	DBFolder string // msticpyconfig OtherProviders.GeoIPLite DBFolder
}

// FindCity finds the City database: explicit (flag/config) path, then
// $NOTEBOOKLETS_GEOIP_CITY, then dbFolder, then msticpy's default folders.
func FindCity(explicit, dbFolder string) (string, error) {
	return Lookup{Edition: EditionCity, Explicit: explicit, DBFolder: dbFolder}.Find()
}

// OpenCity finds the City database as FindCity does and opens it.
func OpenCity(explicit, dbFolder string) (*DB, error) {
	p, err := FindCity(explicit, dbFolder)
	if err != nil {
		return nil, err
	}
	return Open(p)
}

// Find returns the path of the database file.
func (l Lookup) Find() (string, error) {
	if l.Edition == "" {
		l.Edition = EditionCity
	}
	if l.Env == "" {
		l.Env = envFor(l.Edition)
	}
	nf := &NotFoundError{Edition: l.Edition}
	named := func(p, from string) (string, error) {
		p = homedir.Expand(p)
		nf.Looked = append(nf.Looked, p+" ("+from+")")
		st, err := os.Stat(p)
		switch {
		case err != nil:
			cause := err
			if u := errors.Unwrap(err); u != nil {
				cause = u
			}
			nf.Reason = fmt.Sprintf("%s (%s): %v", p, from, cause)
			return "", nf
		case st.IsDir():
			if f := inFolder(p, l.Edition); f != "" {
				return f, nil
			}
			nf.Reason = fmt.Sprintf("%s (%s) is a folder without %s.mmdb", p, from, l.Edition)
			return "", nf
		}
		return p, nil
	}
	if l.Explicit != "" {
		return named(l.Explicit, "given path")
	}
	if v := os.Getenv(l.Env); v != "" {
		return named(v, "$"+l.Env)
	}
	var folders []string
	if l.DBFolder != "" {
		folders = append(folders, homedir.Expand(l.DBFolder))
	}
	if home, err := os.UserHomeDir(); err == nil {
		folders = append(folders, filepath.Join(home, ".msticpy", "GeoLite2"), filepath.Join(home, ".msticpy"))
	}
	seen := map[string]bool{}
	for _, d := range folders {
		if seen[d] {
			continue
		}
		seen[d] = true
		nf.Looked = append(nf.Looked, d)
		if f := inFolder(d, l.Edition); f != "" {
			return f, nil
		}
	}
	return "", nf
}

// inFolder finds <edition>.mmdb (or the GeoIP2 paid edition) in dir or in
// one of its sub-folders as MaxMind's tarballs unpack them
// (GeoLite2-City_20240102/GeoLite2-City.mmdb; the newest name wins).
func inFolder(dir, edition string) string {
	names := []string{edition + ".mmdb"}
	if paid := strings.Replace(edition, "GeoLite2", "GeoIP2", 1); paid != edition && edition != EditionASN {
		names = append(names, paid+".mmdb")
	}
	for _, n := range names {
		p := filepath.Join(dir, n)
		if st, err := os.Stat(p); err == nil && !st.IsDir() {
			return p
		}
	}
	for _, n := range names {
		m, _ := filepath.Glob(filepath.Join(dir, "*", n))
		sort.Sort(sort.Reverse(sort.StringSlice(m)))
		for _, p := range m {
			if st, err := os.Stat(p); err == nil && !st.IsDir() {
				return p
			}
		}
	}
	return ""
}

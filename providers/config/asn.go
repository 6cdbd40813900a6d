package config

import (
	"cmp"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/gonotebooklets/notebooklets/providers/asn"
	"github.com/gonotebooklets/notebooklets/providers/geoip"
)

// ASNOptions say how ASNResolver builds the ASN chain; the zero value is
// the default (a GeoLite2-ASN file when one is found, then Team Cymru's
// bulk whois, RDAP for registration details, the on-disk cache).
type ASNOptions struct {
	// DBPath names a GeoLite2-ASN file explicitly (a command-line flag); ""
	// looks where geoip.Lookup looks: Notebooklets.asn_db,
	// $NOTEBOOKLETS_GEOIP_ASN, the GeoIPLite DBFolder, ~/.msticpy.
	DBPath string
	// Offline keeps every lookup local: the file and the cache, no network
	// (Notebooklets.offline sets it too).
	Offline bool
	// Sample says the flows are the embedded sample: without a file the
	// embedded sample database is the local stage, and nothing is looked up
	// online (the sample's addresses are synthetic).
	Sample bool
	// CacheDir holds asn-cache.json ("" = Notebooklets.cache_dir, else the
	// user's cache folder + "/notebooklets"); NoCache disables the cache.
	CacheDir string
	NoCache  bool
	// CacheTTL is how long answers are kept (default asn.DefaultCacheTTL).
	CacheTTL time.Duration
	// CymruAddr, the RDAP bootstrap URLs and base URLs replace the public
	// services (tests, mirrors); Notebooklets.cymru_addr,
	// rdap_bootstrap_v4 and rdap_bootstrap_v6 set them too.
	CymruAddr                        string
	RDAPBootstrapV4, RDAPBootstrapV6 string
	RDAPBaseURLs                     map[string]string
	// HTTPClient is RDAP's client; Dialer is Team Cymru's (tests hook them).
	HTTPClient *http.Client
	Dialer     *net.Dialer
	// Timeout bounds one Team Cymru connection or one RDAP request
	// (defaults 30 s and 15 s); Retry the retries (default asn.DefaultRetry).
	Timeout time.Duration
	Retry   asn.Retry
	// Progress is told how many addresses are settled (see
	// asn.ChainResolver.Progress).
	Progress func(done, total int)
}

// ASNResolver builds THE ASN resolver for flowsummary.FromConfig and the
// command line: the GeoLite2-ASN file when configured or found; then,
// unless offline (or the sample), Team Cymru's bulk whois for what the file
// does not know, and RDAP for registration details (country, registry,
// CIDR, organisation, abuse contact) — only unanswered addresses go to the
// next source; answers are cached on disk. Each answer's Source says which
// source gave it.
//
// The warnings say what the chain cannot do (no file found: lookups go
// online; offline without a file: ASNs stay unknown; cache folder not
// usable). The error is for an explicitly named file that is missing or is
// not an ASN database. Close the resolver to close the file.
func ASNResolver(cfg *Config, o ASNOptions) (*asn.ChainResolver, []string, error) {
	if cfg == nil {
		cfg = &Config{}
	}
	offline := o.Offline || cfg.Notebooklets.Offline
	var warns []string

	var folder string
	if g, ok := cfg.GeoIPLite(); ok {
		folder = g.DBFolder
	}
	var stages []asn.Resolver
	path, err := geoip.Lookup{Edition: geoip.EditionASN, Explicit: cmp.Or(o.DBPath, cfg.Notebooklets.ASNDB), DBFolder: folder}.Find()
	var nf *geoip.NotFoundError
	switch {
	case err == nil:
		db, err := asn.OpenDB(path)
		if err != nil {
			return nil, nil, err
		}
		stages = append(stages, db)
	case errors.As(err, &nf) && nf.Reason == "":
		looked := strings.Join(nf.Looked, ", ")
		switch {
		case o.Sample:
			stages = append(stages, asn.Sample())
		case offline:
			stages = append(stages, asn.Unresolved("offline, and no GeoLite2-ASN database"))
			warns = append(warns, fmt.Sprintf("offline and no GeoLite2-ASN database found (looked in %s): ASNs not in the cache stay unknown; set Notebooklets.asn_db", looked))
		default:
			warns = append(warns, fmt.Sprintf("no GeoLite2-ASN database found (looked in %s): ASNs are looked up online (Team Cymru whois, then RDAP for registration details); set Notebooklets.asn_db to keep them local", looked))
		}
	default:
		return nil, nil, err
	}

	online := !offline && !o.Sample
	if online {
		stages = append(stages, &asn.Cymru{Addr: cmp.Or(o.CymruAddr, cfg.Notebooklets.CymruAddr), Timeout: o.Timeout, Retry: o.Retry, Dialer: o.Dialer})
	}
	ch := asn.Chain(stages...)
	if online {
		ch.Details(&asn.RDAP{BootstrapV4: cmp.Or(o.RDAPBootstrapV4, cfg.Notebooklets.RDAPBootstrapV4), BootstrapV6: cmp.Or(o.RDAPBootstrapV6, cfg.Notebooklets.RDAPBootstrapV6), BaseURLs: o.RDAPBaseURLs,
			Client: o.HTTPClient, Timeout: o.Timeout, Retry: o.Retry})
	}
	if !o.NoCache {
		dir := cmp.Or(o.CacheDir, cfg.Notebooklets.CacheDir)
		if dir == "" {
			if base, err := os.UserCacheDir(); err == nil {
				dir = filepath.Join(base, "notebooklets")
			} else {
				warns = append(warns, "no cache folder for ASN answers ("+err.Error()+"); set Notebooklets.cache_dir; answers are kept in memory only")
			}
		}
		ch.Cache(asn.NewCache(dir, o.CacheTTL))
	}
	if o.Progress != nil {
		ch.Progress(o.Progress)
	}
	return ch, warns, nil
}

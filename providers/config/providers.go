package config

import (
	"fmt"
	"sort"
	"strings"

	"github.com/gonotebooklets/notebooklets/providers/ti"
)

// TIProviders builds the threat-intelligence providers the config asks
// for: every Primary entry of TIProviders that this package supports
// (OTX, VirusTotal, GreyNoise, AbuseIPDB, Tor; the entry's Provider key,
// else its name, says which), plus a local indicator file when
// Notebooklets.ti_file is set. With none of these, it returns the embedded
// sample indicator file (ti.Sample). Entries that are skipped — not
// Primary, unsupported, missing their AuthKey, an unreadable ti_file —
// produce warnings (which never contain secret values). opts apply to
// every remote provider (tests use them to point at fakes).
func TIProviders(cfg *Config, opts ...ti.Option) ([]ti.Provider, []string) {
	if cfg == nil {
		cfg = &Config{}
	}
	var provs []ti.Provider
	var warns []string
	names := make([]string, 0, len(cfg.TIProviders))
	for n := range cfg.TIProviders {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, name := range names {
		e := cfg.TIProviders[name]
		kind := e.Provider
		if kind == "" {
			kind = name
		}
		where := "TIProviders." + name
		if !e.Primary {
			warns = append(warns, where+": not Primary; not used by default")
			continue
		}
		key := e.Arg("AuthKey").Reveal()
		needKey := func() bool {
			if key == "" {
				warns = append(warns, where+": no Args.AuthKey; skipped")
				return false
			}
			return true
		}
		switch norm(kind) {
		case "otx", "alienvault", "alienvaultotx":
			if needKey() {
				provs = append(provs, ti.NewOTX(key, opts...))
			}
		case "virustotal", "vt":
			if needKey() {
				provs = append(provs, ti.NewVirusTotal(key, opts...))
			}
		case "greynoise":
			provs = append(provs, ti.NewGreyNoise(key, opts...))
		case "abuseipdb":
			if needKey() {
				provs = append(provs, ti.NewAbuseIPDB(key, opts...))
			}
		case "tor":
			provs = append(provs, ti.NewTor(opts...))
		default:
			warns = append(warns, fmt.Sprintf("%s: provider %q is not supported here (supported: OTX, VirusTotal, GreyNoise, AbuseIPDB, Tor); skipped", where, kind))
		}
	}
	if f := cfg.Notebooklets.TIFile; f != "" {
		l, err := ti.LocalFile(f)
		if err != nil {
			warns = append(warns, "Notebooklets.ti_file: "+err.Error())
		} else {
			provs = append(provs, l)
			if n := l.Skipped(); n > 0 {
				w := fmt.Sprintf("Notebooklets.ti_file: %d rows skipped", n)
				if ws := l.Warnings(); len(ws) > 0 {
					w += " (first: " + ws[0].Error() + ")"
				}
				warns = append(warns, w)
			}
		}
	}
	if len(provs) == 0 {
		provs = append(provs, ti.Sample())
		warns = append(warns, "no threat-intelligence provider configured; using the embedded sample indicator file")
	}
	return provs, warns
}

func norm(s string) string {
	return strings.Map(func(r rune) rune {
		switch r {
		case ' ', '_', '-', '.':
			return -1
		}
		return r
	}, strings.ToLower(strings.TrimSpace(s)))
}

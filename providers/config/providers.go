package config

import (
	"cmp"
	"fmt"
	"math"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"

	"github.com/gonotebooklets/notebooklets/providers/ti"
)

// TI provider Args read by this package, besides msticpy's AuthKey (msticpy
// ignores the others). Values are numbers.
const (
	// ArgRequestsPerMinute is a remote provider's rate limit (VirusTotal's
	// public API: 4 a minute).
	ArgRequestsPerMinute = "RequestsPerMinute"
	// ArgConcurrency is how many requests a remote provider has in flight.
	ArgConcurrency = "Concurrency"
	// ArgLookbackDays is how far back AzSTI reads indicators.
	ArgLookbackDays = "LookbackDays"
	// ArgBatchSize is the number of IPs per AzSTI query.
	ArgBatchSize = "BatchSize"
)

// Bounds of the Args, so that a typo cannot hammer a service.
const (
	maxConcurrency       = 16
	maxRequestsPerMinute = 6000
	maxAzSTIBatch        = 1000
	maxLookbackDays      = 365
)

// remoteDefaults are the per-provider defaults, shown in warnings.
var remoteDefaults = map[string]struct {
	perMinute   float64
	concurrency int
}{
	"VirusTotal": {4, 1},
	"OTX":        {150, 4},
	"GreyNoise":  {60, 2},
	"AbuseIPDB":  {60, 2},
}

// TIOptions tune TIProvidersWith; the zero value is the default.
type TIOptions struct {
	// Offline uses local indicator files only: every remote provider and
	// AzSTI are skipped (Notebooklets.offline sets it too).
	Offline bool
	// Remote options apply to every HTTP provider after the config's Args
	// (tests point them at fakes).
	Remote []ti.Option
	// Credential is AzSTI's Azure credential (nil: DefaultAzureCredential).
	Credential azcore.TokenCredential
	// AzSTI tunes AzSTI's client (Endpoint and ClientOptions for tests);
	// Args LookbackDays and BatchSize override its Lookback and BatchSize.
	AzSTI ti.AzSTIOptions
	// Workspace names the AzureSentinel workspace for AzSTI when its Args
	// do not ("" = Notebooklets.workspace, Default, or the only one).
	Workspace string
}

// TIProviders is TIProvidersWith with opts applied to every remote provider.
func TIProviders(cfg *Config, opts ...ti.Option) ([]ti.Provider, []string) {
	return TIProvidersWith(cfg, TIOptions{Remote: opts})
}

// TIProvidersWith builds the threat-intelligence providers the config asks
// for: every Primary entry of TIProviders that this package supports (OTX,
// VirusTotal, GreyNoise, AbuseIPDB, Tor, and AzSTI — msticpy's
// "AzureSentinel" entry with Provider: AzSTI — over the AzureSentinel
// workspace; the entry's Provider key, else its name, says which), plus a
// local indicator file when Notebooklets.ti_file is set. With none of these,
// AzSTI over the configured workspace when there is one, else the embedded
// none: the caller decides whether the embedded sample stands in (only when
// nothing at all is configured).
//
// Remote providers take their rate limit and concurrency from the entry's
// Args (RequestsPerMinute, Concurrency; bounded, with safe defaults:
// VirusTotal 4 a minute, one at a time). Entries that are skipped — not
// Primary, unsupported, missing their AuthKey, remote while offline, an
// unreadable ti_file — produce warnings, which never contain secret values.
func TIProvidersWith(cfg *Config, o TIOptions) ([]ti.Provider, []string) {
	if cfg == nil {
		cfg = &Config{}
	}
	offline := o.Offline || cfg.Notebooklets.Offline
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
		k := norm(kind)
		if offline && isRemoteKind(k) {
			warns = append(warns, where+": offline; not used")
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
		remote := func(provider string) []ti.Option {
			return append(remoteArgs(where, provider, e, &warns), o.Remote...)
		}
		switch k {
		case "otx", "alienvault", "alienvaultotx":
			if needKey() {
				provs = append(provs, ti.NewOTX(key, remote("OTX")...))
			}
		case "virustotal", "vt":
			if needKey() {
				provs = append(provs, ti.NewVirusTotal(key, remote("VirusTotal")...))
			}
		case "greynoise":
			provs = append(provs, ti.NewGreyNoise(key, remote("GreyNoise")...))
		case "abuseipdb":
			if needKey() {
				provs = append(provs, ti.NewAbuseIPDB(key, remote("AbuseIPDB")...))
			}
		case "tor":
			provs = append(provs, ti.NewTor(o.Remote...))
		case "azsti", "azuresentinel", "sentinel", "microsoftsentinel":
			if p, err := azsti(cfg, e, o, &warns); err != nil {
				warns = append(warns, where+": "+err.Error()+"; skipped")
			} else {
				provs = append(provs, p)
			}
		default:
			warns = append(warns, fmt.Sprintf("%s: provider %q is not supported here (supported: OTX, VirusTotal, GreyNoise, AbuseIPDB, Tor, AzSTI); skipped", where, kind))
		}
	}
	if f := cfg.Notebooklets.TIFile; f != "" {
		l, err := ti.LocalFile(f)
		if err != nil {
			warns = append(warns, "Notebooklets.ti_file: "+err.Error())
		} else {
			provs = append(provs, l)
			warns = append(warns, localFileWarnings("Notebooklets.ti_file", l)...)
		}
	}
	if len(provs) == 0 && len(cfg.AzureSentinel.Workspaces) > 0 && !offline {
		if p, err := azsti(cfg, Provider{}, o, &warns); err != nil {
			warns = append(warns, "AzSTI (the default with a workspace): "+err.Error()+"; skipped")
		} else {
			provs = append(provs, p)
			warns = append(warns, "no threat-intelligence provider configured: using the workspace's own (AzSTI: "+p.Provenance().Location+")")
		}
	}
	// No provider is no provider: the embedded sample stands in only for a
	// notebooklet with nothing configured at all, which its caller decides.
	return provs, warns
}

// localFileWarnings reports what an indicator file lost.
func localFileWarnings(where string, l *ti.Local) []string {
	var warns []string
	if lost, first := l.LostLines(); lost > 0 {
		nums := make([]string, len(first))
		for i, n := range first {
			nums[i] = strconv.Itoa(n)
		}
		more := ""
		if lost > len(first) {
			more = ", …"
		}
		warns = append(warns, fmt.Sprintf("%s: %d lines lost to malformed CSV (lines %s%s); reading resumed after each", where, lost, strings.Join(nums, ", "), more))
	}
	lost, _ := l.LostLines()
	if n := l.Skipped() - lost; n > 0 {
		w := fmt.Sprintf("%s: %d rows skipped", where, n)
		for _, e := range l.Warnings() {
			if !strings.HasPrefix(e.Reason, "malformed CSV") {
				w += " (first: " + e.Error() + ")"
				break
			}
		}
		warns = append(warns, w)
	}
	return warns
}

func isRemoteKind(k string) bool {
	switch k {
	case "otx", "alienvault", "alienvaultotx", "virustotal", "vt", "greynoise", "abuseipdb", "tor",
		"azsti", "azuresentinel", "sentinel", "microsoftsentinel":
		return true
	}
	return false
}

// remoteArgs turns the entry's RequestsPerMinute and Concurrency into
// options, with the provider's defaults when absent and bounds when not.
// Values are never echoed (Args are secrets).
func remoteArgs(where, provider string, e Provider, warns *[]string) []ti.Option {
	def := remoteDefaults[provider]
	perMinute, concurrency := def.perMinute, def.concurrency
	if v, ok := numArg(where, e, ArgRequestsPerMinute, warns); ok {
		switch {
		case v <= 0:
			*warns = append(*warns, fmt.Sprintf("%s.Args.%s: not a positive number; using %g a minute", where, ArgRequestsPerMinute, def.perMinute))
		case v > maxRequestsPerMinute:
			*warns = append(*warns, fmt.Sprintf("%s.Args.%s: more than %d; using %d a minute", where, ArgRequestsPerMinute, maxRequestsPerMinute, maxRequestsPerMinute))
			perMinute = maxRequestsPerMinute
		default:
			perMinute = v
		}
	}
	if v, ok := numArg(where, e, ArgConcurrency, warns); ok {
		switch {
		case v < 1 || v != math.Trunc(v):
			*warns = append(*warns, fmt.Sprintf("%s.Args.%s: not a whole number of at least 1; using %d", where, ArgConcurrency, def.concurrency))
		case v > maxConcurrency:
			*warns = append(*warns, fmt.Sprintf("%s.Args.%s: more than %d; using %d", where, ArgConcurrency, maxConcurrency, maxConcurrency))
			concurrency = maxConcurrency
		default:
			concurrency = int(v)
		}
	}
	return []ti.Option{ti.WithRequestsPerMinute(perMinute), ti.WithWorkers(concurrency)}
}

// numArg reads a numeric Arg; ok is false when it is absent or not a
// number (then a warning says so, without the value).
func numArg(where string, e Provider, name string, warns *[]string) (float64, bool) {
	s := strings.TrimSpace(e.Arg(name).Reveal())
	if s == "" {
		return 0, false
	}
	v, err := strconv.ParseFloat(s, 64)
	if err != nil || math.IsNaN(v) || math.IsInf(v, 0) {
		*warns = append(*warns, fmt.Sprintf("%s.Args.%s: not a number; using the default", where, name))
		return 0, false
	}
	return v, true
}

// azsti builds the Sentinel TI provider for an entry (zero Provider: the
// default over the configured workspace).
func azsti(cfg *Config, e Provider, o TIOptions, warns *[]string) (*ti.AzSTI, error) {
	id := strings.TrimSpace(cmp.Or(e.Arg("WorkspaceID").Reveal(), e.Arg("workspace_id").Reveal()))
	if id == "" {
		ws, err := cfg.Workspace(cmp.Or(e.Arg("Workspace").Reveal(), o.Workspace))
		if err != nil {
			return nil, err
		}
		id = ws.WorkspaceID
	}
	if id == "" {
		return nil, fmt.Errorf("no WorkspaceId")
	}
	ao := o.AzSTI
	where := "TIProviders.AzSTI"
	if v, ok := numArg(where, e, ArgLookbackDays, warns); ok && v > 0 {
		ao.Lookback = time.Duration(math.Min(v, maxLookbackDays) * float64(24*time.Hour))
	}
	if v, ok := numArg(where, e, ArgBatchSize, warns); ok && v >= 1 {
		ao.BatchSize = int(math.Min(v, maxAzSTIBatch))
	}
	return ti.NewAzSTI(id, o.Credential, &ao)
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

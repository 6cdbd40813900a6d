package flowsummary

import (
	"cmp"
	"errors"
	"fmt"
	"os"
	"strings"

	"github.com/gonotebooklets/notebooklets/providers/config"
	"github.com/gonotebooklets/notebooklets/providers/flowtables"
	"github.com/gonotebooklets/notebooklets/providers/geoip"
	"github.com/gonotebooklets/notebooklets/providers/hosts"
	"github.com/gonotebooklets/notebooklets/providers/ti"
	"github.com/gonotebooklets/notebooklets/widgets"
)

// Sources names data sources explicitly (command-line flags); an empty field
// falls back to the configuration.
type Sources struct {
	// Flows are flow export files (CSV, JSON, NDJSON).
	Flows []string
	// HostsFile is a file of host records (see hosts.Parse).
	HostsFile string
	// GeoIPCity and ASNDB are GeoLite2 City and ASN databases.
	GeoIPCity, ASNDB string
	// TIFile is a local threat-intel indicator file, used with the
	// configured TI providers.
	TIFile string
	// Workspace names an AzureSentinel workspace of the configuration.
	Workspace string
	// Offline keeps every lookup local: ASNs from the database and the cache
	// only, threat intel from indicator files only (Notebooklets.offline
	// sets it too).
	Offline bool
	// FlowTable is the workspace table the flows come from ("" or "auto":
	// the one with the host's flows; AzureNetworkAnalytics_CL,
	// NTANetAnalytics, ASIM, DeviceNetworkEvents); it overrides
	// Notebooklets.flow_table.
	FlowTable string
}

// FromConfigFile configures the notebooklet from the msticpyconfig.yaml at
// path ("" = msticpy's search order: $MSTICPYCONFIG, ./msticpyconfig.yaml,
// ~/.msticpyconfig.yaml, ~/.msticpy/msticpyconfig.yaml), as FromConfig
// does. No file found is no configuration: then New uses the embedded
// sample. A file that cannot be read is an error that every step returns
// and shows.
func FromConfigFile(path string) Setting {
	return func(o *settings) {
		cfg, err := config.Load(path)
		if err != nil {
			o.err = fmt.Errorf("flowsummary: configuration: %w", err)
			return
		}
		FromConfig(cfg, Sources{})(o)
	}
}

// FromConfig configures the notebooklet from a msticpyconfig
// (providers/config.Load) and sources named explicitly (command-line
// flags):
//   - flows: src.Flows, else Notebooklets.flow_files (exports of any of the
//     four flow tables, see providers/flowtables), else the AzureSentinel
//     workspace (src.Workspace, Notebooklets.workspace, Default or the only
//     one) through Log Analytics, from the table src.FlowTable or
//     Notebooklets.flow_table names (default auto), with host details from
//     it;
//   - host details: src.HostsFile, else the workspace's;
//   - geo-IP database: src, else Notebooklets.geoip_city_db, else
//     $NOTEBOOKLETS_GEOIP_CITY, else the GeoIPLite DBFolder or ~/.msticpy;
//   - ASNs: the chain of config.ASNResolver: the GeoLite2-ASN database found
//     the same way, then (unless offline) Team Cymru's bulk whois and RDAP
//     for registration details, cached on disk;
//   - threat intel: the Primary TIProviders, Notebooklets.ti_file and
//     src.TIFile, else AzSTI over the workspace (see
//     config.TIProvidersWith); Notebooklets.ti_deadline bounds the step;
//   - Notebooklets.assets_url / tile_url (unless the environment sets them)
//     and state_dir.
//
// When the configuration names no provider at all, nothing is set and New
// uses the embedded sample. Otherwise what is not configured stays unset
// (it is never replaced by the sample): the steps that need it say so. A
// file named explicitly that is missing or broken is an error, returned
// and shown by every step. cfg may be nil.
func FromConfig(cfg *config.Config, src Sources) Setting {
	return func(o *settings) {
		if err := fromConfig(o, cfg, src); err != nil {
			o.err = err
		}
	}
}

func fromConfig(o *settings, cfg *config.Config, src Sources) error {
	if cfg == nil {
		cfg = &config.Config{}
	}
	o.warnings = append(o.warnings, cfg.Warnings...)
	nbs := cfg.Notebooklets

	// Flows and hosts.
	files := src.Flows
	if len(files) == 0 {
		files = nbs.FlowFiles
	}
	switch {
	case len(files) > 0:
		fs, err := flowtables.Open(files...)
		if err != nil {
			return err
		}
		o.flows = fs
	case src.Workspace != "" || nbs.Workspace != "" || len(cfg.AzureSentinel.Workspaces) > 0:
		ws, err := cfg.Workspace(src.Workspace)
		if err != nil {
			return fmt.Errorf("flowsummary: workspace: %w", err)
		}
		table, err := flowtables.ParseTable(cmp.Or(src.FlowTable, nbs.FlowTable))
		if err != nil {
			return fmt.Errorf("flowsummary: %w", err)
		}
		la, err := flowtables.LogAnalytics(ws.WorkspaceID, nil, table, nil)
		if err != nil {
			return err
		}
		o.flows = la
		if src.HostsFile == "" {
			h, err := hosts.LogAnalytics(ws.WorkspaceID, nil, nil)
			if err != nil {
				return err
			}
			o.hosts = h
		}
	}
	if src.HostsFile != "" {
		h, err := hosts.OpenFile(src.HostsFile)
		if err != nil {
			return err
		}
		o.hosts = h
	}

	// Geo-IP database.
	var folder string
	if g, ok := cfg.GeoIPLite(); ok {
		folder = g.DBFolder
	}
	cityPath, err := findDB(geoip.EditionCity, cmp.Or(src.GeoIPCity, nbs.GeoIPCityDB), folder)
	if err != nil {
		return err
	}
	if cityPath != "" {
		db, err := geoip.Open(cityPath)
		if err != nil {
			return err
		}
		o.closers = append(o.closers, db)
		o.geo = db
	}

	// Threat intel.
	tcfg := *cfg
	if src.TIFile != "" {
		if _, err := ti.LocalFile(src.TIFile); err != nil {
			return err
		}
		tcfg.Notebooklets.TIFile = src.TIFile
	}
	provs, warns := config.TIProvidersWith(&tcfg, config.TIOptions{Offline: src.Offline, Workspace: src.Workspace})
	o.warnings = append(o.warnings, warns...)
	if len(provs) > 0 {
		o.ti, o.tiSet = provs, true
	}

	// ASNs: the chain (a GeoLite2-ASN file, Team Cymru, RDAP) for a
	// configured notebooklet; none at all leaves everything to the sample.
	asnPath, err := findDB(geoip.EditionASN, cmp.Or(src.ASNDB, nbs.ASNDB), folder)
	if err != nil {
		return err
	}
	if o.flows == nil && o.hosts == nil && o.geo == nil && !o.tiSet && asnPath == "" {
		return nil
	}
	chain, warns, err := config.ASNResolver(cfg, config.ASNOptions{DBPath: asnPath, Offline: src.Offline})
	if err != nil {
		return err
	}
	o.warnings = append(o.warnings, warns...)
	o.closers = append(o.closers, chain)
	o.asn = chain
	if o.lookupDeadline == 0 && nbs.TIDeadline > 0 {
		o.lookupDeadline = nbs.TIDeadline
	}

	// Assets and state.
	a := widgets.DefaultAssets()
	if nbs.AssetsURL != "" && os.Getenv("NOTEBOOKLETS_ASSETS_URL") == "" {
		a.BaseURL = strings.TrimRight(nbs.AssetsURL, "/")
	}
	if nbs.TileURL != "" && os.Getenv("NOTEBOOKLETS_TILE_URL") == "" {
		a.TileURL = nbs.TileURL
	}
	if nbs.AssetsURL != "" || nbs.TileURL != "" {
		o.assets = &a
	}
	if nbs.StateDir != "" && o.state == nil {
		dir := nbs.StateDir
		o.state = &dir
	}
	return nil
}

// findDB finds a GeoLite2 database of edition: the explicit path (which
// must exist), else the environment and msticpy's folders; "" with no error
// means none was found.
func findDB(edition, explicit, folder string) (string, error) {
	p, err := geoip.Lookup{Edition: edition, Explicit: explicit, DBFolder: folder}.Find()
	var nf *geoip.NotFoundError
	if errors.As(err, &nf) && nf.Reason == "" {
		return "", nil
	}
	return p, err
}

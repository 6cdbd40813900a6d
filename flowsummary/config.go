package flowsummary

import (
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/gonotebooklets/notebooklets/providers/asn"
	"github.com/gonotebooklets/notebooklets/providers/config"
	"github.com/gonotebooklets/notebooklets/providers/flows"
	"github.com/gonotebooklets/notebooklets/providers/geoip"
	"github.com/gonotebooklets/notebooklets/providers/hosts"
	"github.com/gonotebooklets/notebooklets/providers/ti"
	"github.com/gonotebooklets/notebooklets/widgets"
)

// Sources names data sources explicitly (command-line flags); an empty field
// falls back to the configuration, then to the embedded sample.
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
}

// Configured is what FromConfig built: the settings for New, the warnings
// about what was skipped or fell back to the sample (also in Settings, so
// they reach the result), and the open databases to Close.
type Configured struct {
	Settings []Setting
	Warnings []string
	// StateDir is Notebooklets.state_dir of the configuration ("" = unset).
	StateDir string
	// LogAnalytics is true when the flows come from a Log Analytics
	// workspace, which needs a time span.
	LogAnalytics bool

	closers []io.Closer
}

// Close closes the databases FromConfig opened.
func (c *Configured) Close() error {
	var errs []error
	for _, cl := range c.closers {
		errs = append(errs, cl.Close())
	}
	c.closers = nil
	return errors.Join(errs...)
}

// FromConfig turns a msticpyconfig (providers/config.Load) and explicit
// sources into settings for New:
//   - flows: src.Flows, else Notebooklets.flow_files, else the AzureSentinel
//     workspace (src.Workspace, Notebooklets.workspace, Default or the only
//     one) through Log Analytics with host details from it, else the sample;
//   - host details: src.HostsFile, else the workspace's, else (sample flows)
//     the sample's host table;
//   - geo-IP and ASN databases: src, else Notebooklets.geoip_city_db/asn_db,
//     else $NOTEBOOKLETS_GEOIP_CITY/$NOTEBOOKLETS_GEOIP_ASN, else the
//     GeoIPLite DBFolder or ~/.msticpy; with none found the embedded sample is
//     used, with a warning when the flows are not the sample's;
//   - TI: the Primary TIProviders, Notebooklets.ti_file and src.TIFile (else
//     the sample indicator file), see config.TIProviders;
//   - Notebooklets.assets_url/tile_url (unless the environment sets them) and
//     state_dir.
//
// A file named explicitly that is missing or broken is an error. cfg may be
// nil (no configuration).
func FromConfig(cfg *config.Config, src Sources) (_ *Configured, err error) {
	if cfg == nil {
		cfg = &config.Config{}
	}
	c := &Configured{StateDir: cfg.Notebooklets.StateDir}
	defer func() {
		if err != nil {
			c.Close()
		}
	}()
	c.Warnings = append(c.Warnings, cfg.Warnings...)
	nbs := cfg.Notebooklets

	// Flows and hosts.
	sampleFlows := false
	files := src.Flows
	if len(files) == 0 {
		files = nbs.FlowFiles
	}
	switch {
	case len(files) > 0:
		fs, err := flows.Files(files...)
		if err != nil {
			return nil, err
		}
		c.Settings = append(c.Settings, WithFlows(fs))
	case src.Workspace != "" || nbs.Workspace != "" || len(cfg.AzureSentinel.Workspaces) > 0:
		ws, err := cfg.Workspace(src.Workspace)
		if err != nil {
			return nil, fmt.Errorf("flowsummary: workspace: %w", err)
		}
		la, err := flows.LogAnalytics(ws.WorkspaceID, nil, nil)
		if err != nil {
			return nil, err
		}
		c.Settings = append(c.Settings, WithFlows(la))
		c.LogAnalytics = true
		if src.HostsFile == "" {
			h, err := hosts.LogAnalytics(ws.WorkspaceID, nil, nil)
			if err != nil {
				return nil, err
			}
			c.Settings = append(c.Settings, WithHosts(h))
		}
	default:
		sampleFlows = true
	}
	if src.HostsFile != "" {
		h, err := hosts.OpenFile(src.HostsFile)
		if err != nil {
			return nil, err
		}
		c.Settings = append(c.Settings, WithHosts(h))
	}

	// Geo-IP and ASN databases.
	var folder string
	if g, ok := cfg.GeoIPLite(); ok {
		folder = g.DBFolder
	}
	cityPath, err := findDB(geoip.EditionCity, src.GeoIPCity, nbs.GeoIPCityDB, folder, "--geoip-city", sampleFlows, &c.Warnings)
	if err != nil {
		return nil, err
	}
	if cityPath != "" {
		db, err := geoip.Open(cityPath)
		if err != nil {
			return nil, err
		}
		c.closers = append(c.closers, db)
		c.Settings = append(c.Settings, WithGeo(db))
	}
	asnPath, err := findDB(geoip.EditionASN, src.ASNDB, nbs.ASNDB, folder, "--asn-db", sampleFlows, &c.Warnings)
	if err != nil {
		return nil, err
	}
	if asnPath != "" {
		db, err := asn.OpenDB(asnPath)
		if err != nil {
			return nil, err
		}
		c.closers = append(c.closers, db)
		c.Settings = append(c.Settings, WithASN(db))
	}

	// Threat intel.
	tcfg := *cfg
	if src.TIFile != "" {
		if _, err := ti.LocalFile(src.TIFile); err != nil {
			return nil, err
		}
		tcfg.Notebooklets.TIFile = src.TIFile
	}
	provs, warns := config.TIProviders(&tcfg)
	c.Warnings = append(c.Warnings, warns...)
	c.Settings = append(c.Settings, WithTI(provs...))

	// Assets and state.
	a := widgets.DefaultAssets()
	if nbs.AssetsURL != "" && os.Getenv("NOTEBOOKLETS_ASSETS_URL") == "" {
		a.BaseURL = strings.TrimRight(nbs.AssetsURL, "/")
	}
	if nbs.TileURL != "" && os.Getenv("NOTEBOOKLETS_TILE_URL") == "" {
		a.TileURL = nbs.TileURL
	}
	c.Settings = append(c.Settings, WithAssets(a))
	if c.StateDir != "" {
		c.Settings = append(c.Settings, WithStateDir(c.StateDir))
	}
	if len(c.Warnings) > 0 {
		c.Settings = append(c.Settings, WithWarnings(c.Warnings...))
	}
	return c, nil
}

// findDB finds a GeoLite2 database of edition; "" with no error means none
// was found (the sample is used; a warning says so unless the flows are the
// sample too).
func findDB(edition, flagPath, cfgPath, folder, flagName string, sampleFlows bool, warns *[]string) (string, error) {
	explicit := flagPath
	if explicit == "" {
		explicit = cfgPath
	}
	p, err := geoip.Lookup{Edition: edition, Explicit: explicit, DBFolder: folder}.Find()
	var nf *geoip.NotFoundError
	switch {
	case err == nil:
		return p, nil
	case errors.As(err, &nf) && nf.Reason == "":
		if !sampleFlows {
			*warns = append(*warns, fmt.Sprintf("no %s database given or found (looked in %s): using the embedded synthetic sample, which knows only the sample's addresses; pass %s FILE for real data",
				edition, strings.Join(nf.Looked, ", "), flagName))
		}
		return "", nil
	}
	return "", err
}

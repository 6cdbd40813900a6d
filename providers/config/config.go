// Package config reads msticpy's msticpyconfig.yaml, so analysts reuse the
// file they already have: TIProviders, OtherProviders (GeoIPLite),
// AzureSentinel workspaces, with msticpy's EnvironmentVar indirection for
// any value, plus our own settings under a separate Notebooklets key.
//
// Provider arguments (API keys and the like) are Secrets: printing or
// encoding a Config never shows them, and no error of this package
// contains a value from the file.
package config

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/gonotebooklets/notebooklets/internal/homedir"

	"gopkg.in/yaml.v3"
)

// EnvVar is the environment variable naming the config file, as in msticpy.
const EnvVar = "MSTICPYCONFIG"

// FileName is the config file's name.
const FileName = "msticpyconfig.yaml"

// Errors; match with errors.Is.
var (
	// ErrNotFound: an explicitly named config file (argument or
	// MSTICPYCONFIG) does not exist.
	ErrNotFound = errors.New("config file not found")
	// ErrInvalid: the file is not a valid msticpyconfig.yaml.
	ErrInvalid = errors.New("invalid config")
	// ErrMissingEnv: an EnvironmentVar names a variable that is not set.
	ErrMissingEnv = errors.New("environment variable not set")
)

// MissingEnvError says which setting names which unset variable. It never
// holds a value, nor a name that looks like a key (an analyst may paste the
// key itself in the EnvironmentVar slot): such a name is left out.
type MissingEnvError struct {
	Setting  string // e.g. "TIProviders.OTX.Args.AuthKey"
	Variable string // e.g. "OTX_KEY"; "" when the name was not shown
}

func (e *MissingEnvError) Error() string {
	if e.Variable == "" {
		return fmt.Sprintf("config: %s: the variable named in EnvironmentVar is not set (its name is not shown: it does not look like a variable name; "+
			"if that is the key itself, put the key in an environment variable and that variable's name in EnvironmentVar)", e.Setting)
	}
	return fmt.Sprintf("config: %s: the variable named in EnvironmentVar (%s) is not set", e.Setting, e.Variable)
}

// varName matches what shells accept as an environment variable name.
var varName = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]{0,63}$`)

// showableVarName reports whether name may be printed: a variable name
// that does not look like a key (long, letters and digits, no underscore,
// as API keys and licence keys are).
func showableVarName(name string) bool {
	if !varName.MatchString(name) {
		return false
	}
	hasDigit := strings.ContainsAny(name, "0123456789")
	hasLower := strings.ToUpper(name) != name
	if len(name) >= 12 && hasDigit && !strings.Contains(name, "_") {
		return false
	}
	if hasDigit && hasLower && strings.ToLower(name) != name && len(name) >= 12 {
		return false // mixed case and digits: a key, not a variable
	}
	return true
}

// Is makes errors.Is(err, ErrMissingEnv) true.
func (e *MissingEnvError) Is(target error) bool { return target == ErrMissingEnv }

// Config is a loaded msticpyconfig.yaml.
type Config struct {
	// Path is the file read ("" when none was found and the zero config
	// is used).
	Path string `json:"Path,omitempty" yaml:"Path,omitempty"`
	// TIProviders by their key in the file (OTX, VirusTotal, …).
	TIProviders map[string]Provider `json:"TIProviders,omitempty" yaml:"TIProviders,omitempty"`
	// OtherProviders by key (GeoIPLite, …).
	OtherProviders map[string]Provider `json:"OtherProviders,omitempty" yaml:"OtherProviders,omitempty"`
	// AzureSentinel holds the workspaces.
	AzureSentinel AzureSentinel `json:"AzureSentinel" yaml:"AzureSentinel"`
	// Notebooklets holds this project's own settings.
	Notebooklets Notebooklets `json:"Notebooklets" yaml:"Notebooklets"`
	// Warnings about settings that were ignored (never holding values).
	Warnings []string `json:"Warnings,omitempty" yaml:"Warnings,omitempty"`
}

// Provider is one entry of TIProviders or OtherProviders.
type Provider struct {
	// Provider names the implementation (msticpy's "Provider" key); when
	// empty the entry's key is used.
	Provider string `json:"Provider,omitempty" yaml:"Provider,omitempty"`
	// Primary providers are used by default (msticpy's meaning).
	Primary bool `json:"Primary" yaml:"Primary"`
	// Args are the provider's arguments (AuthKey, ApiID, DBFolder, …). All
	// are kept as Secrets: use Reveal to read one.
	Args map[string]Secret `json:"Args,omitempty" yaml:"Args,omitempty"`
}

// Arg returns the named argument (case-insensitively).
func (p Provider) Arg(name string) Secret {
	if s, ok := p.Args[name]; ok {
		return s
	}
	for k, s := range p.Args {
		if strings.EqualFold(k, name) {
			return s
		}
	}
	return Secret{}
}

// AzureSentinel holds msticpy's AzureSentinel section.
type AzureSentinel struct {
	Workspaces map[string]Workspace `json:"Workspaces,omitempty" yaml:"Workspaces,omitempty"`
}

// Workspace is a Log Analytics workspace of the AzureSentinel section.
type Workspace struct {
	WorkspaceID    string `json:"WorkspaceId" yaml:"WorkspaceId"`
	TenantID       string `json:"TenantId" yaml:"TenantId"`
	SubscriptionID string `json:"SubscriptionId,omitempty" yaml:"SubscriptionId,omitempty"`
	ResourceGroup  string `json:"ResourceGroup,omitempty" yaml:"ResourceGroup,omitempty"`
	WorkspaceName  string `json:"WorkspaceName,omitempty" yaml:"WorkspaceName,omitempty"`
}

// Notebooklets holds our own settings (YAML key "Notebooklets").
type Notebooklets struct {
	StateDir    string   `json:"state_dir,omitempty" yaml:"state_dir,omitempty"`
	AssetsURL   string   `json:"assets_url,omitempty" yaml:"assets_url,omitempty"`
	TileURL     string   `json:"tile_url,omitempty" yaml:"tile_url,omitempty"`
	FlowFiles   []string `json:"flow_files,omitempty" yaml:"flow_files,omitempty"`
	GeoIPCityDB string   `json:"geoip_city_db,omitempty" yaml:"geoip_city_db,omitempty"`
	ASNDB       string   `json:"asn_db,omitempty" yaml:"asn_db,omitempty"`
	TIFile      string   `json:"ti_file,omitempty" yaml:"ti_file,omitempty"`
	Workspace   string   `json:"workspace,omitempty" yaml:"workspace,omitempty"`
	// FlowTable is the Log Analytics flow table: auto (default),
	// AzureNetworkAnalytics_CL, NTANetAnalytics, ASIM or DeviceNetworkEvents
	// (see flowtables.ParseTable).
	FlowTable string `json:"flow_table,omitempty" yaml:"flow_table,omitempty"`
	// Offline keeps every lookup local: ASNs from the GeoLite2-ASN file and
	// the cache only (no Team Cymru, no RDAP), threat intel from local
	// indicator files only.
	Offline bool `json:"offline,omitempty" yaml:"offline,omitempty"`
	// CacheDir holds the ASN cache (default: the user's cache folder,
	// e.g. ~/.cache/notebooklets).
	CacheDir string `json:"cache_dir,omitempty" yaml:"cache_dir,omitempty"`
	// TIDeadline bounds the threat-intel lookup step ("90s", "2m"; default
	// ti.DefaultDeadline, a minute).
	TIDeadline time.Duration `json:"ti_deadline,omitempty" yaml:"ti_deadline,omitempty"`
	// CymruAddr and the RDAP bootstrap files replace Team Cymru's bulk whois
	// service (host:port) and IANA's RDAP bootstrap files: an
	// organisation's mirrors or proxies of them.
	CymruAddr       string `json:"cymru_addr,omitempty" yaml:"cymru_addr,omitempty"`
	RDAPBootstrapV4 string `json:"rdap_bootstrap_v4,omitempty" yaml:"rdap_bootstrap_v4,omitempty"`
	RDAPBootstrapV6 string `json:"rdap_bootstrap_v6,omitempty" yaml:"rdap_bootstrap_v6,omitempty"`
}

// Find returns the config file to read: explicit if not empty, else the
// file named by $MSTICPYCONFIG, else ./msticpyconfig.yaml, else
// ~/.msticpyconfig.yaml, else ~/.msticpy/msticpyconfig.yaml (msticpy's
// own default). It returns "" and no error when none of the default places
// has a file, and ErrNotFound when an explicitly named file (argument or
// variable) is missing. searched lists the places looked at.
func Find(explicit string) (path string, searched []string, err error) {
	check := func(p, why string) (string, bool, error) {
		searched = append(searched, p)
		st, err := os.Stat(p)
		if err == nil && !st.IsDir() {
			return p, true, nil
		}
		if why != "" {
			if err == nil {
				err = errors.New("is a directory")
			}
			return "", false, fmt.Errorf("config: %s %s: %w (%v)", why, p, ErrNotFound, statReason(err))
		}
		return "", false, nil
	}
	if explicit != "" {
		p, _, err := check(homedir.Expand(explicit), "file")
		return p, searched, err
	}
	if v := os.Getenv(EnvVar); v != "" {
		p, _, err := check(homedir.Expand(v), EnvVar+" names")
		return p, searched, err
	}
	cands := []string{FileName}
	if home, err := os.UserHomeDir(); err == nil {
		cands = append(cands, filepath.Join(home, "."+FileName), filepath.Join(home, ".msticpy", FileName))
	}
	for _, c := range cands {
		if p, ok, _ := check(c, ""); ok {
			return p, searched, nil
		}
	}
	return "", searched, nil
}

func statReason(err error) string {
	if errors.Is(err, os.ErrNotExist) {
		return "no such file"
	}
	var pe *os.PathError
	if errors.As(err, &pe) {
		return pe.Err.Error()
	}
	return err.Error()
}

// Load finds (see Find) and reads the config. With no file found it
// returns an empty Config (Path "") and no error: everything then uses
// the built-in defaults.
func Load(explicit string) (*Config, error) {
	p, _, err := Find(explicit)
	if err != nil {
		return nil, err
	}
	if p == "" {
		return &Config{}, nil
	}
	b, err := os.ReadFile(p)
	if err != nil {
		return nil, fmt.Errorf("config: reading %s: %w", p, err)
	}
	c, err := Parse(p, b)
	if err != nil {
		return nil, err
	}
	return c, nil
}

// Parse reads a config from bytes; name is used in errors and as Path.
// EnvironmentVar indirections are resolved from the process environment.
func Parse(name string, b []byte) (*Config, error) {
	c := &Config{Path: name}
	var doc yaml.Node
	if err := yaml.Unmarshal(b, &doc); err != nil {
		return nil, fmt.Errorf("config: %s: %w: %s", name, ErrInvalid, scrubYAML(err.Error()))
	}
	if doc.Kind == 0 || len(doc.Content) == 0 {
		return c, nil // empty file
	}
	root := doc.Content[0]
	if root.Kind != yaml.MappingNode {
		return nil, fmt.Errorf("config: %s: %w: the top level is a %s, want a mapping", name, ErrInvalid, kindName(root.Kind))
	}
	var errs []error
	resolveEnv(root, "", &errs, &c.Warnings)
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	for i := 0; i+1 < len(root.Content); i += 2 {
		key, val := root.Content[i].Value, root.Content[i+1]
		var err error
		switch key {
		case "TIProviders":
			c.TIProviders, err = decodeProviders(key, val)
		case "OtherProviders":
			c.OtherProviders, err = decodeProviders(key, val)
		case "AzureSentinel":
			err = decodeSentinel(val, &c.AzureSentinel)
		case "Notebooklets":
			err = decodeNotebooklets(val, &c.Notebooklets, &c.Warnings)
		}
		if err != nil {
			errs = append(errs, fmt.Errorf("config: %s: %w: %v", name, ErrInvalid, err))
		}
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	return c, nil
}

// backticked matches the values yaml.v3 quotes in its type errors.
var backticked = regexp.MustCompile("`[^`]*`")

// scrubYAML removes quoted values from a yaml error message.
func scrubYAML(s string) string { return backticked.ReplaceAllString(s, "`…`") }

// resolveEnv replaces every mapping {EnvironmentVar: NAME} with a scalar
// holding $NAME, recording unset variables as errors. {KeyVault: …}
// mappings (msticpy's Key Vault references) become empty values with a
// warning: Key Vault is not supported here.
func resolveEnv(n *yaml.Node, path string, errs *[]error, warnings *[]string) {
	switch n.Kind {
	case yaml.MappingNode:
		for i := 0; i+1 < len(n.Content); i += 2 {
			k, v := n.Content[i], n.Content[i+1]
			p := k.Value
			if path != "" {
				p = path + "." + k.Value
			}
			if v.Kind == yaml.MappingNode && len(v.Content) == 2 && v.Content[1].Kind == yaml.ScalarNode {
				switch v.Content[0].Value {
				case "EnvironmentVar":
					name := strings.TrimSpace(v.Content[1].Value)
					val, ok := os.LookupEnv(name)
					if !ok || name == "" {
						me := &MissingEnvError{Setting: p}
						if showableVarName(name) {
							me.Variable = name
						}
						*errs = append(*errs, me)
						continue
					}
					*v = yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: val, Line: v.Line, Column: v.Column}
					continue
				case "KeyVault":
					*warnings = append(*warnings, p+": KeyVault secrets are not supported; use EnvironmentVar (setting left empty)")
					*v = yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: "", Line: v.Line, Column: v.Column}
					continue
				}
			}
			resolveEnv(v, p, errs, warnings)
		}
	case yaml.SequenceNode:
		for i, c := range n.Content {
			resolveEnv(c, path+"["+strconv.Itoa(i)+"]", errs, warnings)
		}
	}
}

func decodeProviders(section string, n *yaml.Node) (map[string]Provider, error) {
	if n.Kind == yaml.ScalarNode && (n.Tag == "!!null" || n.Value == "") {
		return nil, nil
	}
	if n.Kind != yaml.MappingNode {
		return nil, fmt.Errorf("%s (line %d) is a %s, want a mapping", section, n.Line, kindName(n.Kind))
	}
	out := map[string]Provider{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		name, v := n.Content[i].Value, n.Content[i+1]
		where := section + "." + name
		if v.Kind == yaml.ScalarNode && v.Tag == "!!null" {
			out[name] = Provider{}
			continue
		}
		if v.Kind != yaml.MappingNode {
			return nil, fmt.Errorf("%s (line %d) is a %s, want a mapping", where, v.Line, kindName(v.Kind))
		}
		var p Provider
		for j := 0; j+1 < len(v.Content); j += 2 {
			k, fv := v.Content[j].Value, v.Content[j+1]
			switch k {
			case "Provider":
				if fv.Kind != yaml.ScalarNode {
					return nil, fmt.Errorf("%s.Provider (line %d) is a %s, want a name", where, fv.Line, kindName(fv.Kind))
				}
				p.Provider = fv.Value
			case "Primary":
				if fv.Kind != yaml.ScalarNode {
					return nil, fmt.Errorf("%s.Primary (line %d) is a %s, want true or false", where, fv.Line, kindName(fv.Kind))
				}
				b, err := parseBool(fv.Value)
				if err != nil {
					return nil, fmt.Errorf("%s.Primary (line %d): want true or false", where, fv.Line)
				}
				p.Primary = b
			case "Args":
				if fv.Kind == yaml.ScalarNode && (fv.Tag == "!!null" || fv.Value == "") {
					continue
				}
				if fv.Kind != yaml.MappingNode {
					return nil, fmt.Errorf("%s.Args (line %d) is a %s, want a mapping", where, fv.Line, kindName(fv.Kind))
				}
				p.Args = map[string]Secret{}
				for a := 0; a+1 < len(fv.Content); a += 2 {
					an, av := fv.Content[a].Value, fv.Content[a+1]
					var s Secret
					if err := s.UnmarshalYAML(av); err != nil {
						return nil, fmt.Errorf("%s.Args.%s: %v", where, an, err)
					}
					p.Args[an] = s
				}
			}
		}
		out[name] = p
	}
	return out, nil
}

func parseBool(s string) (bool, error) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "true", "yes", "on", "1":
		return true, nil
	case "false", "no", "off", "0", "":
		return false, nil
	}
	return false, errors.New("not a boolean")
}

func decodeSentinel(n *yaml.Node, out *AzureSentinel) error {
	if n.Kind == yaml.ScalarNode && (n.Tag == "!!null" || n.Value == "") {
		return nil
	}
	if n.Kind != yaml.MappingNode {
		return fmt.Errorf("AzureSentinel (line %d) is a %s, want a mapping", n.Line, kindName(n.Kind))
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		if n.Content[i].Value != "Workspaces" {
			continue
		}
		ws := n.Content[i+1]
		if ws.Kind == yaml.ScalarNode && (ws.Tag == "!!null" || ws.Value == "") {
			continue
		}
		if ws.Kind != yaml.MappingNode {
			return fmt.Errorf("AzureSentinel.Workspaces (line %d) is a %s, want a mapping", ws.Line, kindName(ws.Kind))
		}
		out.Workspaces = map[string]Workspace{}
		for j := 0; j+1 < len(ws.Content); j += 2 {
			name, v := ws.Content[j].Value, ws.Content[j+1]
			if v.Kind != yaml.MappingNode {
				return fmt.Errorf("AzureSentinel.Workspaces.%s (line %d) is a %s, want a mapping", name, v.Line, kindName(v.Kind))
			}
			var w Workspace
			for k := 0; k+1 < len(v.Content); k += 2 {
				fk, fv := v.Content[k].Value, v.Content[k+1]
				if fv.Kind != yaml.ScalarNode {
					return fmt.Errorf("AzureSentinel.Workspaces.%s.%s (line %d) is a %s, want a value", name, fk, fv.Line, kindName(fv.Kind))
				}
				switch strings.ToLower(fk) {
				case "workspaceid":
					w.WorkspaceID = fv.Value
				case "tenantid":
					w.TenantID = fv.Value
				case "subscriptionid":
					w.SubscriptionID = fv.Value
				case "resourcegroup":
					w.ResourceGroup = fv.Value
				case "workspacename":
					w.WorkspaceName = fv.Value
				}
			}
			out.Workspaces[name] = w
		}
	}
	return nil
}

func decodeNotebooklets(n *yaml.Node, out *Notebooklets, warnings *[]string) error {
	if n.Kind == yaml.ScalarNode && (n.Tag == "!!null" || n.Value == "") {
		return nil
	}
	if n.Kind != yaml.MappingNode {
		return fmt.Errorf("Notebooklets (line %d) is a %s, want a mapping", n.Line, kindName(n.Kind))
	}
	known := map[string]bool{"state_dir": true, "assets_url": true, "tile_url": true, "flow_files": true,
		"geoip_city_db": true, "asn_db": true, "ti_file": true, "workspace": true, "flow_table": true,
		"offline": true, "cache_dir": true, "ti_deadline": true,
		"cymru_addr": true, "rdap_bootstrap_v4": true, "rdap_bootstrap_v6": true}
	for i := 0; i+1 < len(n.Content); i += 2 {
		if k := n.Content[i].Value; !known[k] {
			*warnings = append(*warnings, fmt.Sprintf("Notebooklets.%s (line %d): unknown setting, ignored", k, n.Content[i].Line))
		}
	}
	// flow_files may be one path or a list.
	for i := 0; i+1 < len(n.Content); i += 2 {
		if n.Content[i].Value == "flow_files" && n.Content[i+1].Kind == yaml.ScalarNode {
			v := n.Content[i+1]
			*v = yaml.Node{Kind: yaml.SequenceNode, Tag: "!!seq", Content: []*yaml.Node{{Kind: yaml.ScalarNode, Tag: "!!str", Value: v.Value}}}
		}
	}
	if err := n.Decode(out); err != nil {
		return errors.New("Notebooklets: " + scrubYAML(err.Error()))
	}
	out.StateDir = homedir.Expand(out.StateDir)
	out.GeoIPCityDB = homedir.Expand(out.GeoIPCityDB)
	out.ASNDB = homedir.Expand(out.ASNDB)
	out.TIFile = homedir.Expand(out.TIFile)
	out.CacheDir = homedir.Expand(out.CacheDir)
	if out.TIDeadline < 0 {
		return errors.New("Notebooklets.ti_deadline: want a positive duration such as 90s or 2m")
	}
	for i, f := range out.FlowFiles {
		out.FlowFiles[i] = homedir.Expand(f)
	}
	return nil
}

// Workspace returns the named AzureSentinel workspace; "" means "Default"
// (or the only workspace, or Notebooklets.workspace when set).
func (c *Config) Workspace(name string) (Workspace, error) {
	ws := c.AzureSentinel.Workspaces
	if name == "" {
		name = c.Notebooklets.Workspace
	}
	if name == "" {
		if w, ok := ws["Default"]; ok {
			return w, nil
		}
		if len(ws) == 1 {
			for _, w := range ws {
				return w, nil
			}
		}
		return Workspace{}, fmt.Errorf("config: no Default workspace under AzureSentinel.Workspaces (have: %s)", strings.Join(workspaceNames(ws), ", "))
	}
	if w, ok := ws[name]; ok {
		return w, nil
	}
	for k, w := range ws {
		if strings.EqualFold(k, name) {
			return w, nil
		}
	}
	return Workspace{}, fmt.Errorf("config: no workspace %q under AzureSentinel.Workspaces (have: %s)", name, strings.Join(workspaceNames(ws), ", "))
}

func workspaceNames(ws map[string]Workspace) []string {
	names := make([]string, 0, len(ws))
	for k := range ws {
		names = append(names, k)
	}
	sort.Strings(names)
	if len(names) == 0 {
		return []string{"none"}
	}
	return names
}

// GeoIPLite is the OtherProviders.GeoIPLite entry.
type GeoIPLite struct {
	AuthKey  Secret // MaxMind licence key
	DBFolder string // where the GeoLite2 databases are (~ expanded)
}

// DefaultGeoIPFolder is msticpy's default GeoLite2 folder.
const DefaultGeoIPFolder = "~/.msticpy/GeoLite2"

// GeoIPLite returns the GeoIPLite settings; DBFolder defaults to msticpy's
// ~/.msticpy/GeoLite2 (expanded). ok is false when the entry is absent.
func (c *Config) GeoIPLite() (g GeoIPLite, ok bool) {
	var p Provider
	for k, v := range c.OtherProviders {
		if strings.EqualFold(k, "GeoIPLite") {
			p, ok = v, true
		}
	}
	g.AuthKey = p.Arg("AuthKey")
	g.DBFolder = p.Arg("DBFolder").Reveal()
	if g.DBFolder == "" {
		g.DBFolder = DefaultGeoIPFolder
	}
	g.DBFolder = homedir.Expand(g.DBFolder)
	return g, ok
}

// Redacted returns the config as YAML with every secret shown as
// "[redacted]". It is safe to print or log.
func (c *Config) Redacted() string {
	var buf bytes.Buffer
	enc := yaml.NewEncoder(&buf)
	enc.SetIndent(2)
	if err := enc.Encode(c); err != nil {
		return "config: " + err.Error()
	}
	enc.Close()
	return buf.String()
}

// String implements fmt.Stringer with Redacted.
func (c *Config) String() string { return c.Redacted() }

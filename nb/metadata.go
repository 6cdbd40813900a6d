package nb

import (
	"bytes"
	"errors"
	"fmt"
	"strings"

	"gopkg.in/yaml.v3"
)

// DefaultSectionLevel is the heading level of a section whose YAML entry
// has no hd_level.
const DefaultSectionLevel = 2

// Option is one notebooklet option: a name and what it does.
type Option struct {
	Name        string `json:"name"`
	Description string `json:"description"`
}

// SectionText is the title and explanatory text of one display section, from
// the `output:` mapping of a notebooklet's YAML file. Key is the mapping key
// (for example "plot_flows_by_protocol").
type SectionText struct {
	Key      string `json:"key"`
	Title    string `json:"title"`
	Text     string `json:"text,omitempty"`
	Markdown bool   `json:"markdown,omitempty"`
	Level    int    `json:"level"`
}

// Method is a method of a notebooklet that an analyst calls, from the YAML
// key `methods`: its msticnb-style name (select_asns), its Go name
// (SelectASNs) and a one-line doc.
type Method struct {
	Name   string `json:"name"`
	GoName string `json:"go_name"`
	Doc    string `json:"doc"`
}

// Field is one field of a notebooklet's result, from the YAML key `result`.
type Field struct {
	Name   string `json:"name"`
	GoName string `json:"go_name"`
	Doc    string `json:"doc"`
}

// Param is a parameter of a notebooklet's Run, from the YAML key
// `run_params`, or a construction setting, from the YAML key `settings`.
type Param struct {
	Name string `json:"name"`
	Doc  string `json:"doc"`
}

// Metadata describes a notebooklet: everything its help, the CLI and the
// package documentation show. It is loaded from the notebooklet's YAML file
// with LoadMetadata.
type Metadata struct {
	Name, Description string
	DefaultOptions    []Option
	OtherOptions      []Option
	Keywords          []string
	EntityTypes       []string
	ReqProviders      []string
	// Sections are the entries of the YAML `output:` mapping, in file order.
	Sections  []SectionText
	Methods   []Method
	Result    []Field
	RunParams []Param
	// Settings are the construction settings (YAML key `settings`), for
	// example WithFlows. Optional.
	Settings []Param
}

// yamlFile mirrors the layout of a notebooklet YAML file. The metadata and
// output parts are msticnb's schema; methods, result, run_params and
// settings are ours and optional.
type yamlFile struct {
	Metadata struct {
		Name           string    `yaml:"name"`
		Description    string    `yaml:"description"`
		DefaultOptions yaml.Node `yaml:"default_options"`
		OtherOptions   yaml.Node `yaml:"other_options"`
		Keywords       []string  `yaml:"keywords"`
		EntityTypes    []string  `yaml:"entity_types"`
		ReqProviders   []string  `yaml:"req_providers"`
	} `yaml:"metadata"`
	Output  yaml.Node `yaml:"output"`
	Methods []struct {
		Name   string `yaml:"name"`
		GoName string `yaml:"go_name"`
		Doc    string `yaml:"doc"`
	} `yaml:"methods"`
	Result []struct {
		Name   string `yaml:"name"`
		GoName string `yaml:"go_name"`
		Doc    string `yaml:"doc"`
	} `yaml:"result"`
	RunParams []Param `yaml:"run_params"`
	Settings  []Param `yaml:"settings"`
}

type yamlSection struct {
	Title   string `yaml:"title"`
	HdLevel int    `yaml:"hd_level"`
	Text    string `yaml:"text"`
	MD      bool   `yaml:"md"`
}

// ErrMetadata is matched (errors.Is) by every error LoadMetadata returns.
var ErrMetadata = errors.New("notebooklet metadata")

func metaErr(line int, format string, args ...any) error {
	msg := fmt.Sprintf(format, args...)
	if line > 0 {
		return fmt.Errorf("%w: line %d: %s", ErrMetadata, line, msg)
	}
	return fmt.Errorf("%w: %s", ErrMetadata, msg)
}

// LoadMetadata parses a notebooklet YAML file. It accepts msticnb's own
// notebooklet YAML files unchanged (metadata: and output:) and our
// additional top-level keys methods, result, run_params and settings.
//
// Errors name the problem and, where known, the line. A file without
// metadata.name, an option named twice, or a section without a title is an
// error.
func LoadMetadata(data []byte) (*Metadata, error) {
	if len(bytes.TrimSpace(data)) == 0 {
		return nil, metaErr(0, "empty YAML document")
	}
	var f yamlFile
	if err := yaml.Unmarshal(data, &f); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrMetadata, err)
	}
	m := &Metadata{
		Name:         strings.TrimSpace(f.Metadata.Name),
		Description:  strings.TrimSpace(f.Metadata.Description),
		Keywords:     f.Metadata.Keywords,
		EntityTypes:  f.Metadata.EntityTypes,
		ReqProviders: f.Metadata.ReqProviders,
	}
	if m.Name == "" {
		return nil, metaErr(0, "metadata.name is missing")
	}
	var err error
	if m.DefaultOptions, err = parseOptions("default_options", &f.Metadata.DefaultOptions); err != nil {
		return nil, err
	}
	if m.OtherOptions, err = parseOptions("other_options", &f.Metadata.OtherOptions); err != nil {
		return nil, err
	}
	seen := map[string]string{}
	for _, group := range []struct {
		name string
		opts []Option
	}{{"default_options", m.DefaultOptions}, {"other_options", m.OtherOptions}} {
		for _, o := range group.opts {
			if prev, dup := seen[o.Name]; dup {
				return nil, metaErr(0, "option %q is listed twice (in %s and %s)", o.Name, prev, group.name)
			}
			seen[o.Name] = group.name
		}
	}
	if m.Sections, err = parseSections(&f.Output); err != nil {
		return nil, err
	}
	for i, x := range f.Methods {
		if x.Name == "" {
			return nil, metaErr(0, "methods[%d]: name is missing", i)
		}
		m.Methods = append(m.Methods, Method{Name: x.Name, GoName: x.GoName, Doc: strings.TrimSpace(x.Doc)})
	}
	for i, x := range f.Result {
		if x.Name == "" {
			return nil, metaErr(0, "result[%d]: name is missing", i)
		}
		m.Result = append(m.Result, Field{Name: x.Name, GoName: x.GoName, Doc: strings.TrimSpace(x.Doc)})
	}
	for i, x := range f.RunParams {
		if x.Name == "" {
			return nil, metaErr(0, "run_params[%d]: name is missing", i)
		}
		m.RunParams = append(m.RunParams, Param{Name: x.Name, Doc: strings.TrimSpace(x.Doc)})
	}
	for i, x := range f.Settings {
		if x.Name == "" {
			return nil, metaErr(0, "settings[%d]: name is missing", i)
		}
		m.Settings = append(m.Settings, Param{Name: x.Name, Doc: strings.TrimSpace(x.Doc)})
	}
	return m, nil
}

// parseOptions reads msticnb's option list: a sequence whose items are
// single-key mappings (name: description) or plain names.
func parseOptions(key string, n *yaml.Node) ([]Option, error) {
	if n.Kind == 0 || (n.Kind == yaml.ScalarNode && n.Tag == "!!null") {
		return nil, nil
	}
	if n.Kind != yaml.SequenceNode {
		return nil, metaErr(n.Line, "metadata.%s must be a list", key)
	}
	var out []Option
	for _, item := range n.Content {
		switch item.Kind {
		case yaml.ScalarNode:
			name := strings.TrimSpace(item.Value)
			if name == "" {
				return nil, metaErr(item.Line, "metadata.%s: empty option name", key)
			}
			out = append(out, Option{Name: name})
		case yaml.MappingNode:
			if len(item.Content) != 2 {
				return nil, metaErr(item.Line, "metadata.%s: each item must be one \"name: description\" pair", key)
			}
			k, v := item.Content[0], item.Content[1]
			name := strings.TrimSpace(k.Value)
			if k.Kind != yaml.ScalarNode || name == "" {
				return nil, metaErr(k.Line, "metadata.%s: option name must be a non-empty string", key)
			}
			var desc string
			if v.Kind == yaml.ScalarNode {
				desc = strings.TrimSpace(v.Value)
				if v.Tag == "!!null" {
					desc = ""
				}
			} else {
				return nil, metaErr(v.Line, "metadata.%s: description of option %q must be text", key, name)
			}
			out = append(out, Option{Name: name, Description: desc})
		default:
			return nil, metaErr(item.Line, "metadata.%s: unexpected item", key)
		}
	}
	return out, nil
}

// parseSections reads the output mapping in file order.
func parseSections(n *yaml.Node) ([]SectionText, error) {
	if n.Kind == 0 || (n.Kind == yaml.ScalarNode && n.Tag == "!!null") {
		return nil, nil
	}
	if n.Kind != yaml.MappingNode {
		return nil, metaErr(n.Line, "output must be a mapping of section keys")
	}
	var out []SectionText
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		var ys yamlSection
		if err := v.Decode(&ys); err != nil {
			return nil, metaErr(v.Line, "output.%s: %v", k.Value, err)
		}
		if strings.TrimSpace(ys.Title) == "" {
			return nil, metaErr(v.Line, "output.%s: title is missing", k.Value)
		}
		lvl := ys.HdLevel
		if lvl == 0 {
			lvl = DefaultSectionLevel
		}
		if lvl < 1 || lvl > 6 {
			return nil, metaErr(v.Line, "output.%s: hd_level %d is not between 1 and 6", k.Value, ys.HdLevel)
		}
		out = append(out, SectionText{
			Key:      k.Value,
			Title:    strings.TrimSpace(ys.Title),
			Text:     strings.TrimSpace(ys.Text),
			Markdown: ys.MD,
			Level:    lvl,
		})
	}
	return out, nil
}

// Section returns the section text with the given key.
func (m *Metadata) Section(key string) (SectionText, bool) {
	if m == nil {
		return SectionText{}, false
	}
	for _, s := range m.Sections {
		if s.Key == key {
			return s, true
		}
	}
	return SectionText{}, false
}

// Options returns all options: the defaults first, then the others.
func (m *Metadata) Options() []Option {
	out := make([]Option, 0, len(m.DefaultOptions)+len(m.OtherOptions))
	out = append(out, m.DefaultOptions...)
	return append(out, m.OtherOptions...)
}

// Option returns the option with the given name and whether it is a
// default option.
func (m *Metadata) Option(name string) (opt Option, isDefault, ok bool) {
	for _, o := range m.DefaultOptions {
		if o.Name == name {
			return o, true, true
		}
	}
	for _, o := range m.OtherOptions {
		if o.Name == name {
			return o, false, true
		}
	}
	return Option{}, false, false
}

// Method returns the method with the given name (msticnb-style or Go name).
func (m *Metadata) Method(name string) (Method, bool) {
	for _, x := range m.Methods {
		if x.Name == name || x.GoName == name {
			return x, true
		}
	}
	return Method{}, false
}

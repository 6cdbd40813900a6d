package config

import (
	"fmt"

	"gopkg.in/yaml.v3"
)

// Redacted is what a Secret prints as.
const Redacted = "[redacted]"

// Secret holds a sensitive value (an API key, say). Every way of printing
// or encoding it — String, GoString, fmt verbs, JSON, text, YAML — gives
// "[redacted]"; Reveal returns the value. The field is unexported so that
// reflection-based encoders cannot see it either.
type Secret struct{ value string }

// NewSecret wraps a value.
func NewSecret(v string) Secret { return Secret{value: v} }

// Reveal returns the secret value. Use it only to hand the value to the
// service it is for.
func (s Secret) Reveal() string { return s.value }

// IsZero reports whether the secret is empty.
func (s Secret) IsZero() bool { return s.value == "" }

// String implements fmt.Stringer: "[redacted]" (or "" when empty).
func (s Secret) String() string {
	if s.value == "" {
		return ""
	}
	return Redacted
}

// GoString implements fmt.GoStringer.
func (s Secret) GoString() string { return "config.Secret{" + Redacted + "}" }

// Format implements fmt.Formatter, so that no verb shows the value.
func (s Secret) Format(f fmt.State, verb rune) {
	switch verb {
	case 'v':
		if f.Flag('#') {
			fmt.Fprint(f, s.GoString())
			return
		}
	}
	fmt.Fprint(f, s.String())
}

// MarshalJSON implements json.Marshaler.
func (s Secret) MarshalJSON() ([]byte, error) { return []byte(`"` + s.String() + `"`), nil }

// MarshalText implements encoding.TextMarshaler.
func (s Secret) MarshalText() ([]byte, error) { return []byte(s.String()), nil }

// MarshalYAML implements yaml.Marshaler.
func (s Secret) MarshalYAML() (any, error) { return s.String(), nil }

// UnmarshalYAML reads a scalar (EnvironmentVar indirection has been
// resolved before decoding). Errors never include the value.
func (s *Secret) UnmarshalYAML(n *yaml.Node) error {
	if n.Kind != yaml.ScalarNode {
		return fmt.Errorf("line %d: want a single value, found a %s", n.Line, kindName(n.Kind))
	}
	s.value = n.Value
	return nil
}

func kindName(k yaml.Kind) string {
	switch k {
	case yaml.MappingNode:
		return "mapping"
	case yaml.SequenceNode:
		return "list"
	case yaml.ScalarNode:
		return "value"
	case yaml.AliasNode:
		return "alias"
	}
	return "document"
}

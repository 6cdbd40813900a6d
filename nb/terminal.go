package nb

import (
	"fmt"
	"strings"
	"unicode/utf8"
)

// TerminalSafe returns s with every character that a terminal would act on
// instead of print made visible: C0 controls other than newline and tab
// (ESC starts the sequences that clear screens and retitle windows), DEL,
// the C1 controls (U+0080–U+009F; U+009B is a one-byte CSI), and the
// Unicode bidirectional overrides and isolates (U+202A–U+202E,
// U+2066–U+2069), which reorder what is shown. Each becomes a Go escape
// such as \x1b or \u202e; invalid UTF-8 bytes become \xNN. Everything else
// is kept as is.
//
// Strings from data (host names, whois records, TI details, file contents)
// can come from an attacker: the text sink and the command line pass every
// such string through TerminalSafe.
func TerminalSafe(s string) string {
	if !needsEscape(s) {
		return s
	}
	var b strings.Builder
	b.Grow(len(s) + 16)
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && size == 1:
			fmt.Fprintf(&b, `\x%02x`, s[i])
		case unsafeRune(r):
			if r < 0x80 {
				fmt.Fprintf(&b, `\x%02x`, r)
			} else {
				fmt.Fprintf(&b, `\u%04x`, r)
			}
		default:
			b.WriteString(s[i : i+size])
		}
		i += size
	}
	return b.String()
}

func needsEscape(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < 0x20 && c != '\n' && c != '\t' || c == 0x7f || c >= 0x80 {
			// Non-ASCII needs a closer look; most of it is fine.
			if c >= 0x80 {
				return !utf8.ValidString(s) || strings.IndexFunc(s, unsafeRune) >= 0
			}
			return true
		}
	}
	return false
}

func unsafeRune(r rune) bool {
	switch {
	case r < 0x20:
		return r != '\n' && r != '\t'
	case r == 0x7f, r >= 0x80 && r <= 0x9f:
		return true
	case r >= 0x202a && r <= 0x202e, r >= 0x2066 && r <= 0x2069:
		return true
	}
	return false
}

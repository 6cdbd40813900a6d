package widgets

import (
	"crypto/rand"
	"encoding/hex"
	"strings"
)

// uniqueID makes a DOM id from prefix that does not clash when a widget is
// shown twice on one page: the prefix's letters, digits, '-' and '_' (others
// become '-'), a dash and 10 random hex digits.
func uniqueID(prefix string) string {
	var b [5]byte
	_, _ = rand.Read(b[:])
	p := strings.Map(func(r rune) rune {
		if r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '_' {
			return r
		}
		return '-'
	}, prefix)
	if p == "" {
		p = "nbl"
	}
	return p + "-" + hex.EncodeToString(b[:])
}

// oneLine replaces line breaks and tabs with spaces.
func oneLine(s string) string {
	return strings.NewReplacer("\n", " ", "\r", " ", "\t", " ").Replace(s)
}

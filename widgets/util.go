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
	p := strings.Map(func(r rune) rune {
		if r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '_' {
			return r
		}
		return '-'
	}, prefix)
	if p == "" {
		p = "nbl"
	}
	return p + "-" + randomHex()
}

// randomHex returns 10 random hex digits.
func randomHex() string {
	var b [5]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// oneLine replaces line breaks and tabs with spaces.
func oneLine(s string) string {
	return strings.NewReplacer("\n", " ", "\r", " ", "\t", " ").Replace(s)
}

// stringTable interns strings: outputs carry each distinct string once and
// refer to it by index.
type stringTable struct {
	list  []string
	index map[string]int
}

func (t *stringTable) id(s string) int {
	if i, ok := t.index[s]; ok {
		return i
	}
	if t.index == nil {
		t.index = map[string]int{}
	}
	t.index[s] = len(t.list)
	t.list = append(t.list, s)
	return len(t.list) - 1
}

// strings returns the interned strings in index order (never nil).
func (t *stringTable) strings() []string {
	if t.list == nil {
		return []string{}
	}
	return t.list
}

// Package homedir expands a leading ~ in paths the way a shell does for the
// current user, for paths that come from configuration files and flags.
package homedir

import (
	"os"
	"path/filepath"
	"strings"
)

// Expand returns p with a leading "~", "~/" or `~\` replaced by the user's
// home directory; other paths (and p when there is no home directory) are
// returned unchanged. "~user" forms are not expanded.
func Expand(p string) string {
	if p == "~" || strings.HasPrefix(p, "~/") || strings.HasPrefix(p, `~\`) {
		if home, err := os.UserHomeDir(); err == nil {
			return filepath.Join(home, p[1:])
		}
	}
	return p
}

//go:build msticnb

package msticnbparity

import (
	"bufio"
	"fmt"
	"os"
	"regexp"
	"strings"
)

// tableRow is one row of the difference table.
type tableRow struct{ ID, Field, Msticnb, Ours, Cause string }

// tableID matches a row's first cell: a backticked id.
var tableID = regexp.MustCompile("^`([a-z0-9-]+)`$")

// readTable reads the Markdown table of deliberate differences: rows
// "| `id` | field | msticnb | ours | cause |"; other lines are prose.
func readTable(path string) (map[string]tableRow, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	rows := map[string]tableRow{}
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<16), 1<<20)
	for line := 1; sc.Scan(); line++ {
		text := strings.TrimSpace(sc.Text())
		if !strings.HasPrefix(text, "|") {
			continue
		}
		// "\\|" is a pipe inside a cell.
		cells := strings.Split(strings.Trim(strings.ReplaceAll(text, `\|`, "\x00"), "|"), "|")
		for i := range cells {
			cells[i] = strings.TrimSpace(strings.ReplaceAll(cells[i], "\x00", "|"))
		}
		m := tableID.FindStringSubmatch(cells[0])
		if m == nil {
			continue // header, separator or a harness note
		}
		if len(cells) != 5 {
			return nil, fmt.Errorf("%s:%d: row %s has %d cells, want 5 (id, field, msticnb, ours, cause)", path, line, m[1], len(cells))
		}
		if _, dup := rows[m[1]]; dup {
			return nil, fmt.Errorf("%s:%d: id %s listed twice", path, line, m[1])
		}
		rows[m[1]] = tableRow{m[1], cells[1], cells[2], cells[3], cells[4]}
	}
	return rows, sc.Err()
}

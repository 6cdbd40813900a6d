package widgets

import (
	"cmp"
	"fmt"
	"html/template"
	"math"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"
	"unicode/utf8"
)

// Column describes a table column. Bar draws an inline bar proportional to
// the value (like pandas' Styler.bar); Numeric right-aligns and sorts numerically.
type Column struct {
	Title   string
	Bar     bool
	Numeric bool
}

// Bounds of a table's output, whatever the size of the data.
const (
	// DefaultMaxRows is how many rows a table holds for sorting, filtering,
	// paging and CSV download: 40 times the 500 rows a static table could
	// show. Past it an analyst needs the exported data, not a browser table.
	DefaultMaxRows = 20_000
	// MaxTableBytes bounds the cell text a table holds; rows past it are left
	// out as rows past MaxRows are. A flow index row is about 45 bytes, so
	// the bound holds some 11,000 of them; with it, three full tables, two
	// full maps (DefaultMaxMarkers), three charts and the inlined assets stay
	// within the 5 MB an HTML report of a million flows may take.
	MaxTableBytes = 512 << 10
	// DefaultStaticRows is how many rows show as plain HTML (what is seen
	// when scripts do not run: a reopened, untrusted notebook) and in the
	// text form, within MaxStaticBytes of cell text.
	DefaultStaticRows = 100
	// MaxStaticBytes bounds the cell text of the plain HTML rows.
	MaxStaticBytes = 64 << 10
	// MaxCellChars bounds the text of one cell; longer text is cut with "…".
	MaxCellChars = 1000
	// DefaultPageSize is how many rows a page of an interactive table shows.
	DefaultPageSize = 100
)

// TableBuilder builds a table: plain HTML rows, made interactive (sort,
// filter, pages, sticky header, download CSV) by its script. Create it with
// NewTable.
type TableBuilder struct {
	id         string
	cols       []Column
	rows       [][]any
	maxRows    int
	staticRows int
	caption    string
	display    displayTarget
}

// NewTable starts a table with the given columns; id prefixes its DOM id
// and names its CSV download.
func NewTable(id string, cols ...Column) *TableBuilder {
	return &TableBuilder{id: id, cols: cols, maxRows: DefaultMaxRows, staticRows: DefaultStaticRows}
}

// Row adds a row. Values may be string, any integer or float type, []string
// (shown as a comma list), time.Time, nil, a fmt.Stringer or anything fmt
// can print; missing values are empty.
func (t *TableBuilder) Row(values ...any) *TableBuilder {
	t.rows = append(t.rows, values)
	return t
}

// MaxRows sets how many rows the table holds (n ≤ 0: DefaultMaxRows); a
// note says how many more the data has.
func (t *TableBuilder) MaxRows(n int) *TableBuilder {
	if n <= 0 {
		n = DefaultMaxRows
	}
	t.maxRows = n
	return t
}

// StaticRows sets how many rows show as plain HTML and in the text form
// (n ≤ 0: DefaultStaticRows).
func (t *TableBuilder) StaticRows(n int) *TableBuilder {
	if n <= 0 {
		n = DefaultStaticRows
	}
	t.staticRows = n
	return t
}

// Caption sets the table caption.
func (t *TableBuilder) Caption(s string) *TableBuilder { t.caption = s; return t }

// On sets where Done shows the table (nil: nowhere). The default is the
// GoNB cell in a notebook (GoNBCell), else nowhere.
func (t *TableBuilder) On(d Display) *TableBuilder { t.display.on(d); return t }

// Done renders the table and shows it on its Display.
func (t *TableBuilder) Done() error {
	h, err := t.HTML()
	if err != nil {
		return err
	}
	if d := t.display.get(); d != nil {
		d.Show(h, t.Text())
	}
	return nil
}

// cellValue is one formatted cell: its text and, when it is a number or a
// time, its sort value.
type cellValue struct {
	text  string
	num   float64
	isNum bool
	// exact: text is what JavaScript's String(num) gives, so the data can
	// carry the number alone.
	exact bool
}

func formatValue(v any) cellValue {
	switch x := v.(type) {
	case nil:
		return cellValue{}
	case string:
		return cellValue{text: x}
	case int:
		return intValue(int64(x))
	case int8:
		return intValue(int64(x))
	case int16:
		return intValue(int64(x))
	case int32:
		return intValue(int64(x))
	case int64:
		return intValue(x)
	case uint:
		return uintValue(uint64(x))
	case uint8:
		return uintValue(uint64(x))
	case uint16:
		return uintValue(uint64(x))
	case uint32:
		return uintValue(uint64(x))
	case uint64:
		return uintValue(x)
	case float64:
		return floatValue(x)
	case float32:
		return floatValue(float64(x))
	case []string:
		return cellValue{text: strings.Join(x, ", ")}
	case time.Time:
		if x.IsZero() {
			return cellValue{}
		}
		return cellValue{text: x.UTC().Format("2006-01-02 15:04:05"), num: float64(x.UnixMilli()), isNum: true}
	case fmt.Stringer:
		return cellValue{text: x.String()}
	}
	return cellValue{text: fmt.Sprint(v)}
}

// maxExact is the largest integer a JavaScript number holds exactly.
const maxExact = 1 << 53

func intValue(i int64) cellValue {
	return cellValue{text: strconv.FormatInt(i, 10), num: float64(i), isNum: true, exact: i > -maxExact && i < maxExact}
}

func uintValue(u uint64) cellValue {
	return cellValue{text: strconv.FormatUint(u, 10), num: float64(u), isNum: true, exact: u < maxExact}
}

func floatValue(f float64) cellValue {
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return cellValue{text: strconv.FormatFloat(f, 'g', -1, 64)}
	}
	return cellValue{text: formatFloat(f), num: f, isNum: true, exact: f == math.Trunc(f) && math.Abs(f) < maxExact}
}

func formatFloat(f float64) string {
	if f == math.Trunc(f) && math.Abs(f) < 1e15 {
		return strconv.FormatFloat(f, 'f', -1, 64)
	}
	return strconv.FormatFloat(f, 'g', 6, 64)
}

// clip cuts s to MaxCellChars characters.
func clip(s string) string {
	if utf8.RuneCountInString(s) <= MaxCellChars {
		return s
	}
	n := 0
	for i := range s {
		if n == MaxCellChars-1 {
			return s[:i] + "…"
		}
		n++
	}
	return s
}

// tableData is a table formatted once for the HTML, the script and the text.
type tableData struct {
	cells [][]cellValue // the rows held, formatted
	total int           // rows in the data
	max   []float64     // per bar column, the largest |value| held
}

// static is how many of the rows held show as plain HTML: at most n, within
// MaxStaticBytes (and at least one).
func (d tableData) static(n int) int {
	size := 0
	for i, r := range d.cells {
		if i >= n {
			return n
		}
		for _, c := range r {
			size += len(c.text)
		}
		if size > MaxStaticBytes && i > 0 {
			return i
		}
	}
	return len(d.cells)
}

func (t *TableBuilder) data() tableData {
	d := tableData{total: len(t.rows), max: make([]float64, len(t.cols))}
	size := 0
	for _, r := range t.rows {
		if len(d.cells) >= t.maxRows || size > MaxTableBytes {
			break
		}
		row := make([]cellValue, len(t.cols))
		for i := range t.cols {
			if i < len(r) {
				row[i] = formatValue(r[i])
				row[i].text = clip(row[i].text)
			}
			size += len(row[i].text) + 3
			if t.cols[i].Bar && row[i].isNum && math.Abs(row[i].num) > d.max[i] {
				d.max[i] = math.Abs(row[i].num)
			}
		}
		d.cells = append(d.cells, row)
	}
	return d
}

// jsTableColumn is a column as table.js sees it.
type jsTableColumn struct {
	Title string `json:"title"`
	Num   bool   `json:"num,omitempty"`   // sorts as numbers
	Right bool   `json:"right,omitempty"` // right-aligned
	Bar   bool   `json:"bar,omitempty"`
}

type jsTable struct {
	ID    string          `json:"id"`
	Cols  []jsTableColumn `json:"cols"`
	Rows  [][]any         `json:"rows"`
	Total int             `json:"total"`
	Page  int             `json:"page"`
	File  string          `json:"file"`
	Label string          `json:"label"`
}

// barStyle is the inline bar of a cell: the same in the static rows and
// those drawn by the script (no CSS variables: a sanitised, untrusted
// notebook output keeps only literal colours).
func barStyle(v, max float64) template.CSS {
	pct := math.Abs(v) / max * 100
	return template.CSS(fmt.Sprintf("background:linear-gradient(90deg,rgba(95,186,125,0.55) %.1f%%,transparent %.1f%%)", pct, pct)) //nolint:gosec // numbers only
}

type staticCell struct {
	Text  string
	Num   bool
	Style template.CSS
}

const tableTmpl = `<div class="nbl-table" id="{{.ID}}">
<style>{{.CommonCSS}}{{.CSS}}</style>
<div class="nbl-scroll"><table>{{if .Caption}}<caption>{{.Caption}}</caption>{{end}}
<thead><tr>{{range .Cols}}<th{{if .Numeric}} class="num"{{end}}>{{.Title}}</th>{{end}}</tr></thead>
<tbody>{{range .Rows}}<tr>{{range .}}<td{{if .Num}} class="num"{{end}}{{if .Style}} style="{{.Style}}"{{end}}>{{.Text}}</td>{{end}}</tr>
{{end}}</tbody></table></div>{{if .More}}
<p class="nbl-more"><i>{{.More}}</i></p>{{end}}{{if .Bound}}
<p class="nbl-bound"><i>{{.Bound}}</i></p>{{end}}
</div>
<script>{{.Script}}</script>
`

var tableT = template.Must(template.New("table").Parse(tableTmpl))

// HTML renders the table: the first StaticRows rows as plain HTML, and the
// script that makes all the rows held (up to MaxRows) interactive.
func (t *TableBuilder) HTML() (template.HTML, error) {
	d := t.data()
	id := uniqueID(t.id)
	cfg := jsTable{ID: id, Total: d.total, Page: DefaultPageSize, File: csvName(t.id), Label: cmp.Or(t.caption, t.id)}
	for _, c := range t.cols {
		cfg.Cols = append(cfg.Cols, jsTableColumn{Title: c.Title, Num: c.Numeric || c.Bar, Right: c.Numeric, Bar: c.Bar})
	}
	cfg.Rows = make([][]any, len(d.cells))
	for ri, r := range d.cells {
		row := make([]any, len(r))
		for i, c := range r {
			switch {
			case !cfg.Cols[i].Num:
				row[i] = c.text
			case !c.isNum && c.text == "":
				row[i] = nil
			case !c.isNum:
				row[i] = []any{nil, c.text}
			case c.exact:
				row[i] = c.num
			default:
				row[i] = []any{c.num, c.text}
			}
		}
		cfg.Rows[ri] = row
	}
	static := d.cells[:d.static(t.staticRows)]
	rows := make([][]staticCell, len(static))
	for ri, r := range static {
		rows[ri] = make([]staticCell, len(r))
		for i, c := range r {
			sc := staticCell{Text: c.text, Num: t.cols[i].Numeric}
			if t.cols[i].Bar && c.isNum && d.max[i] > 0 {
				sc.Style = barStyle(c.num, d.max[i])
			}
			rows[ri][i] = sc
		}
	}
	var more, bound string
	if len(d.cells) > len(static) {
		more = fmt.Sprintf("Only the first %d of %d rows are shown: the page's scripts did not run. Re-run the cell, or trust the notebook, to sort, filter, page through and download all of them.", len(static), len(d.cells))
	}
	if d.total > len(d.cells) {
		bound = fmt.Sprintf("The table holds the first %d of %d rows.", len(d.cells), d.total)
	}
	js, err := widgetCall("table", cfg)
	if err != nil {
		return "", err
	}
	var sb strings.Builder
	err = tableT.Execute(&sb, struct {
		ID             string
		CommonCSS, CSS template.CSS
		Caption        string
		Cols           []Column
		Rows           [][]staticCell
		More, Bound    string
		Script         template.JS
	}{id, style("common"), style("table"), t.caption, t.cols, rows, more, bound, js})
	if err != nil {
		return "", fmt.Errorf("widgets: table %q: %w", t.id, err)
	}
	return template.HTML(sb.String()), nil //nolint:gosec // html/template output
}

// Text renders the first StaticRows rows as aligned columns, with a note
// of how many more there are.
func (t *TableBuilder) Text() string {
	d := t.data()
	shown := d.cells[:d.static(t.staticRows)]
	var sb strings.Builder
	if t.caption != "" {
		sb.WriteString(t.caption + "\n")
	}
	tw := tabwriter.NewWriter(&sb, 0, 0, 2, ' ', 0)
	for i, c := range t.cols {
		if i > 0 {
			fmt.Fprint(tw, "\t")
		}
		fmt.Fprint(tw, oneLine(c.Title))
	}
	fmt.Fprintln(tw)
	for _, r := range shown {
		for i, c := range r {
			if i > 0 {
				fmt.Fprint(tw, "\t")
			}
			fmt.Fprint(tw, oneLine(c.text))
		}
		fmt.Fprintln(tw)
	}
	_ = tw.Flush()
	if hidden := d.total - len(shown); hidden > 0 {
		fmt.Fprintf(&sb, "%d more rows not shown.\n", hidden)
	}
	return sb.String()
}

// csvName is the download name of a table: its id's safe characters.
func csvName(id string) string {
	s := strings.Map(func(r rune) rune {
		if r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '_' || r == '.' {
			return r
		}
		return '-'
	}, id)
	return cmp.Or(strings.Trim(s, "."), "table") + ".csv"
}

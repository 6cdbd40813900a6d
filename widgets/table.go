package widgets

import (
	"fmt"
	"html/template"
	"math"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"
)

// Column describes a table column. Bar draws an inline bar proportional to
// the value (like pandas' Styler.bar); Numeric right-aligns and sorts numerically.
type Column struct {
	Key, Title string
	Bar        bool
	Numeric    bool
}

// TableBuilder builds an HTML table; create it with NewTable.
type TableBuilder struct {
	id      string
	cols    []Column
	rows    [][]any
	maxRows int
	caption string
}

// NewTable starts a table with the given columns; id prefixes its DOM id.
func NewTable(id string, cols ...Column) *TableBuilder {
	return &TableBuilder{id: id, cols: cols}
}

// Row adds a row. Values may be string, int, int64, float64, []string (shown
// as a comma list), time.Time, nil or anything fmt can print; missing values are empty.
func (t *TableBuilder) Row(values ...any) *TableBuilder {
	t.rows = append(t.rows, values)
	return t
}

// MaxRows shows only the first n rows and a note of how many are hidden (n ≤ 0: all).
func (t *TableBuilder) MaxRows(n int) *TableBuilder { t.maxRows = n; return t }

// Caption sets the table caption.
func (t *TableBuilder) Caption(s string) *TableBuilder { t.caption = s; return t }

type cell struct {
	Text  string
	Sort  string // numeric sort key, empty if not numeric
	Style template.CSS
	Num   bool
}

func formatValue(v any) (string, float64, bool) {
	switch x := v.(type) {
	case nil:
		return "", 0, false
	case string:
		return x, 0, false
	case int:
		return strconv.Itoa(x), float64(x), true
	case int64:
		return strconv.FormatInt(x, 10), float64(x), true
	case int32:
		return strconv.FormatInt(int64(x), 10), float64(x), true
	case uint64:
		return strconv.FormatUint(x, 10), float64(x), true
	case float64:
		return formatFloat(x), x, !math.IsNaN(x) && !math.IsInf(x, 0)
	case float32:
		return formatFloat(float64(x)), float64(x), true
	case []string:
		return strings.Join(x, ", "), 0, false
	case time.Time:
		if x.IsZero() {
			return "", 0, false
		}
		return x.UTC().Format("2006-01-02 15:04:05"), float64(x.UnixMilli()), true
	case fmt.Stringer:
		return x.String(), 0, false
	}
	return fmt.Sprint(v), 0, false
}

func formatFloat(f float64) string {
	if f == math.Trunc(f) && math.Abs(f) < 1e15 {
		return strconv.FormatFloat(f, 'f', -1, 64)
	}
	return strconv.FormatFloat(f, 'g', 6, 64)
}

func (t *TableBuilder) shown() ([][]any, int) {
	if t.maxRows > 0 && len(t.rows) > t.maxRows {
		return t.rows[:t.maxRows], len(t.rows) - t.maxRows
	}
	return t.rows, 0
}

const tableTmpl = `<div class="nbl-table" id="{{.ID}}">
<style>#{{.ID}} table{border-collapse:collapse;font-size:12px}#{{.ID}} th,#{{.ID}} td{border-bottom:1px solid #ddd;padding:2px 6px;text-align:left;vertical-align:top}#{{.ID}} td.num{text-align:right}#{{.ID}} th{cursor:pointer;user-select:none;background:#f5f5f5}#{{.ID}} th[aria-sort=ascending]::after{content:" \25B2"}#{{.ID}} th[aria-sort=descending]::after{content:" \25BC"}</style>
<table>{{if .Caption}}<caption style="caption-side:top;text-align:left">{{.Caption}}</caption>{{end}}
<thead><tr>{{range $i, $c := .Cols}}<th data-col="{{$i}}" tabindex="0" title="click to sort">{{$c.Title}}</th>{{end}}</tr></thead>
<tbody>{{range .Rows}}<tr>{{range .}}<td{{if .Num}} class="num"{{end}}{{if .Sort}} data-v="{{.Sort}}"{{end}}{{if .Style}} style="{{.Style}}"{{end}}>{{.Text}}</td>{{end}}</tr>
{{end}}</tbody></table>{{if .Hidden}}
<p class="nbl-more"><i>{{.Hidden}} more rows not shown.</i></p>{{end}}
</div>
<script>{{.Script}}</script>
`

var tableT = template.Must(template.New("table").Parse(tableTmpl))

const tableJS = `(function(){var root=document.getElementById(ID);if(!root)return;var tb=root.querySelector("tbody");
root.querySelectorAll("th").forEach(function(th){function sort(){var i=+th.dataset.col;var asc=th.getAttribute("aria-sort")!=="ascending";
root.querySelectorAll("th").forEach(function(o){o.removeAttribute("aria-sort");});th.setAttribute("aria-sort",asc?"ascending":"descending");
var rows=Array.prototype.slice.call(tb.rows);rows.sort(function(a,b){var x=a.cells[i],y=b.cells[i];if(!x||!y)return 0;var r;
if(x.dataset.v!==undefined&&y.dataset.v!==undefined){r=parseFloat(x.dataset.v)-parseFloat(y.dataset.v);}else{r=x.textContent.localeCompare(y.textContent);}return asc?r:-r;});
rows.forEach(function(r){tb.appendChild(r);});}
th.addEventListener("click",sort);th.addEventListener("keydown",function(e){if(e.key==="Enter"||e.key===" "){e.preventDefault();sort();}});});})();`

// Done renders the table as HTML and as plain text (aligned columns).
func (t *TableBuilder) Done() (template.HTML, string) {
	rows, hidden := t.shown()
	max := make([]float64, len(t.cols))
	for _, r := range rows {
		for i, c := range t.cols {
			if c.Bar && i < len(r) {
				if _, f, ok := formatValue(r[i]); ok && math.Abs(f) > max[i] {
					max[i] = math.Abs(f)
				}
			}
		}
	}
	cells := make([][]cell, len(rows))
	for ri, r := range rows {
		cells[ri] = make([]cell, len(t.cols))
		for i, c := range t.cols {
			var v any
			if i < len(r) {
				v = r[i]
			}
			s, f, ok := formatValue(v)
			ce := cell{Text: s, Num: c.Numeric}
			if ok && (c.Numeric || c.Bar) {
				ce.Sort = strconv.FormatFloat(f, 'g', -1, 64)
			}
			if c.Bar && ok && max[i] > 0 {
				pct := math.Abs(f) / max[i] * 100
				ce.Style = template.CSS(fmt.Sprintf("background:linear-gradient(90deg,#5fba7d %.1f%%,transparent %.1f%%)", pct, pct))
			}
			cells[ri][i] = ce
		}
	}
	id := uniqueID(t.id)
	var sb htmlBuilder
	err := tableT.Execute(&sb, struct {
		ID      string
		Caption string
		Cols    []Column
		Rows    [][]cell
		Hidden  int
		Script  template.JS
	}{id, t.caption, t.cols, cells, hidden, template.JS(strings.Replace(tableJS, "ID", jsValue(id), 1))})
	if err != nil {
		return template.HTML(template.HTMLEscapeString("table not rendered: " + err.Error())), t.text(cells, hidden)
	}
	return template.HTML(sb.String()), t.text(cells, hidden)
}

func (t *TableBuilder) text(cells [][]cell, hidden int) string {
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
	for _, r := range cells {
		for i, c := range r {
			if i > 0 {
				fmt.Fprint(tw, "\t")
			}
			fmt.Fprint(tw, oneLine(c.Text))
		}
		fmt.Fprintln(tw)
	}
	_ = tw.Flush()
	if hidden > 0 {
		fmt.Fprintf(&sb, "%d more rows not shown.\n", hidden)
	}
	return sb.String()
}

func oneLine(s string) string {
	return strings.NewReplacer("\n", " ", "\r", " ", "\t", " ").Replace(s)
}

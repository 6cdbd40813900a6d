package widgets

import (
	"errors"
	"fmt"
	"html/template"
	"sort"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/go-echarts/go-echarts/v2/charts"
	"github.com/go-echarts/go-echarts/v2/opts"
)

// Point is one event or value at a time, with tooltip rows (name, value).
type Point struct {
	Time    time.Time
	Value   float64
	Tooltip [][2]string
}

// Series is a named group of points (one legend entry).
type Series struct {
	Name   string
	Points []Point
}

// DefaultMaxPoints bounds the points drawn by a chart; above it, points are
// bucketed in time.
const DefaultMaxPoints = 2000

type chartKind int

const (
	kindTimeline chartKind = iota
	kindValues
)

// TimelineBuilder builds a timeline chart or a values plot. Create it with
// NewTimeline or NewValuesPlot.
type TimelineBuilder struct {
	kind      chartKind
	title     string
	series    []Series
	height    int
	maxPoints int
	assets    Assets
	display   displayTarget
}

// NewTimeline starts a timeline of events: one row per series, time on x,
// tooltips with the point's rows, legend on the right, zoom.
func NewTimeline(title string) *TimelineBuilder {
	return &TimelineBuilder{kind: kindTimeline, title: title, height: 300, maxPoints: DefaultMaxPoints}
}

// NewValuesPlot starts a plot of values over time per series, drawn as bars
// and points.
func NewValuesPlot(title string) *TimelineBuilder {
	return &TimelineBuilder{kind: kindValues, title: title, height: 400, maxPoints: DefaultMaxPoints}
}

// Series adds series.
func (b *TimelineBuilder) Series(s ...Series) *TimelineBuilder {
	b.series = append(b.series, s...)
	return b
}

// Height sets the chart height in pixels (ignored if not positive).
func (b *TimelineBuilder) Height(px int) *TimelineBuilder {
	if px > 0 {
		b.height = px
	}
	return b
}

// MaxPoints sets the bound above which points are bucketed in time (ignored if not positive).
func (b *TimelineBuilder) MaxPoints(n int) *TimelineBuilder {
	if n > 0 {
		b.maxPoints = n
	}
	return b
}

// Assets sets where the scripts load from.
func (b *TimelineBuilder) Assets(a Assets) *TimelineBuilder { b.assets = a; return b }

// On sets where Done shows the chart (nil: nowhere). The default is the
// GoNB cell in a notebook (GoNBCell), else nowhere.
func (b *TimelineBuilder) On(d Display) *TimelineBuilder { b.display.on(d); return b }

// ErrNoData is returned by charts given no points.
var ErrNoData = errors.New("widgets: no data to draw")

// maxTipValues is how many distinct values of one tooltip row a bucket lists.
const maxTipValues = 3

// tipAcc gathers the distinct values of one tooltip row within a bucket.
type tipAcc struct {
	key  string
	vals []string
	more bool
}

// bucketAcc is one bucket of one series being merged.
type bucketAcc struct {
	t     time.Time
	value float64
	count int
	rows  []tipAcc
}

func (a *bucketAcc) add(p Point) {
	a.value += p.Value
	a.count++
rows:
	for _, kv := range p.Tooltip {
		for i := range a.rows {
			r := &a.rows[i]
			if r.key != kv[0] {
				continue
			}
			for _, v := range r.vals {
				if v == kv[1] {
					continue rows
				}
			}
			if len(r.vals) < maxTipValues {
				r.vals = append(r.vals, kv[1])
			} else {
				r.more = true
			}
			continue rows
		}
		a.rows = append(a.rows, tipAcc{key: kv[0], vals: []string{kv[1]}})
	}
}

func (a *bucketAcc) point(width time.Duration) Point {
	tip := make([][2]string, 0, len(a.rows)+2)
	for _, r := range a.rows {
		v := strings.Join(r.vals, ", ")
		if r.more {
			v += ", …"
		}
		tip = append(tip, [2]string{r.key, v})
	}
	tip = append(tip, [2]string{"events in bucket", strconv.Itoa(a.count)}, [2]string{"bucket", width.Round(time.Second).String()})
	return Point{Time: a.t, Value: a.value, Tooltip: tip}
}

// bucket reduces the series so that the total points are at most max: the
// time span is cut into equal buckets and each bucket's points are merged
// into one at the bucket's start (values summed; each tooltip row lists up to
// maxTipValues distinct values; rows with the event count and bucket width
// added).
func bucket(ss []Series, max int) []Series {
	total := 0
	var lo, hi time.Time
	for _, s := range ss {
		for _, p := range s.Points {
			if total == 0 || p.Time.Before(lo) {
				lo = p.Time
			}
			if total == 0 || p.Time.After(hi) {
				hi = p.Time
			}
			total++
		}
	}
	if total <= max || len(ss) == 0 {
		return ss
	}
	n := max / len(ss)
	if n < 1 {
		n = 1
	}
	width := hi.Sub(lo) / time.Duration(n)
	if width <= 0 {
		width = time.Nanosecond
	}
	out := make([]Series, len(ss))
	for i, s := range ss {
		m := map[int]*bucketAcc{}
		for _, p := range s.Points {
			k := int(p.Time.Sub(lo) / width)
			if k >= n {
				k = n - 1
			}
			a := m[k]
			if a == nil {
				a = &bucketAcc{t: lo.Add(time.Duration(k) * width)}
				m[k] = a
			}
			a.add(p)
		}
		keys := make([]int, 0, len(m))
		for k := range m {
			keys = append(keys, k)
		}
		sort.Ints(keys)
		out[i] = Series{Name: s.Name, Points: make([]Point, 0, len(keys))}
		for _, k := range keys {
			out[i].Points = append(out[i].Points, m[k].point(width))
		}
	}
	return out
}

// tooltipTable holds the tooltip rows of every point compactly: each
// distinct string once in Strs, and per series and point the list name,
// value, name, value... as indices into Strs.
type tooltipTable struct {
	Strs []string  `json:"strs"`
	Rows [][][]int `json:"rows"`
}

func newTooltipTable(ss []Series) tooltipTable {
	var strs stringTable
	t := tooltipTable{Rows: make([][][]int, len(ss))}
	for i, s := range ss {
		t.Rows[i] = make([][]int, len(s.Points))
		for j, p := range s.Points {
			row := make([]int, 0, 2*len(p.Tooltip))
			for _, kv := range p.Tooltip {
				row = append(row, strs.id(kv[0]), strs.id(kv[1]))
			}
			t.Rows[i][j] = row
		}
	}
	t.Strs = strs.strings()
	return t
}

// options builds the ECharts options with go-echarts and the per-point
// tooltips kept apart from them (see tooltipTable). A timeline is a
// scatter chart with one category row per series; a values plot is a bar
// chart of the values with the same points overlapped as a scatter chart
// (each series name twice, so the legend toggles both).
func (b *TimelineBuilder) options(ss []Series) (map[string]any, tooltipTable) {
	names := make([]string, len(ss))
	for i, s := range ss {
		names[i] = s.Name
	}
	global := []charts.GlobalOpts{
		charts.WithTitleOpts(opts.Title{Title: b.title}),
		charts.WithLegendOpts(opts.Legend{Show: opts.Bool(true), Type: "scroll", Orient: "vertical", Right: "0", Top: "30"}),
		charts.WithTooltipOpts(opts.Tooltip{Show: opts.Bool(true), Trigger: "item"}),
		charts.WithDataZoomOpts(opts.DataZoom{Type: "inside", XAxisIndex: []int{0}}, opts.DataZoom{Type: "slider", XAxisIndex: []int{0}}),
		charts.WithXAxisOpts(opts.XAxis{Type: "time", Name: "time"}),
		charts.WithGridOpts(opts.Grid{Left: "3%", Right: "180", ContainLabel: opts.Bool(true)}),
	}
	tips := newTooltipTable(ss)
	if b.kind == kindTimeline {
		c := charts.NewScatter()
		c.SetGlobalOptions(append(global, charts.WithYAxisOpts(opts.YAxis{Type: "category", Data: names}))...)
		for i, s := range ss {
			data := make([]opts.ScatterData, len(s.Points))
			for j, p := range s.Points {
				// y is the series' row: its index on the category axis.
				data[j] = opts.ScatterData{Value: []any{p.Time.UnixMilli(), i, p.Value}}
			}
			c.AddSeries(s.Name, data, charts.WithScatterChartOpts(opts.ScatterChart{SymbolSize: 8}))
		}
		c.Validate()
		return c.JSON(), tips
	}
	bars := charts.NewBar()
	bars.SetGlobalOptions(append(global, charts.WithYAxisOpts(opts.YAxis{Type: "value", Name: "value"}))...)
	points := charts.NewScatter()
	for _, s := range ss {
		bd := make([]opts.BarData, len(s.Points))
		pd := make([]opts.ScatterData, len(s.Points))
		for j, p := range s.Points {
			v := []any{p.Time.UnixMilli(), p.Value}
			bd[j], pd[j] = opts.BarData{Value: v}, opts.ScatterData{Value: v}
		}
		bars.AddSeries(s.Name, bd, charts.WithBarChartOpts(opts.BarChart{BarWidth: "4"}))
		points.AddSeries(s.Name, pd, charts.WithScatterChartOpts(opts.ScatterChart{SymbolSize: 7}))
	}
	bars.Overlap(points)
	bars.Validate()
	return bars.JSON(), tips // series i and len(ss)+i share the tooltips of ss[i]
}

// Text is the text form of the chart: per series, its points, time range
// and total value.
func (b *TimelineBuilder) Text() string {
	var sb strings.Builder
	if b.title != "" {
		sb.WriteString(b.title + "\n")
	}
	tw := tabwriter.NewWriter(&sb, 0, 0, 2, ' ', 0)
	for _, s := range b.series {
		if len(s.Points) == 0 {
			fmt.Fprintf(tw, "%s\tno points\n", oneLine(s.Name))
			continue
		}
		lo, hi, total := s.Points[0].Time, s.Points[0].Time, 0.0
		for _, p := range s.Points {
			if p.Time.Before(lo) {
				lo = p.Time
			}
			if p.Time.After(hi) {
				hi = p.Time
			}
			total += p.Value
		}
		fmt.Fprintf(tw, "%s\t%d points\t%s to %s\ttotal %s\n", oneLine(s.Name), len(s.Points),
			lo.UTC().Format("2006-01-02 15:04:05"), hi.UTC().Format("2006-01-02 15:04:05"), formatFloat(total))
	}
	_ = tw.Flush()
	return sb.String()
}

type jsChart struct {
	ID     string         `json:"id"`
	Option map[string]any `json:"option"`
	Tips   tooltipTable   `json:"tips"`
	Height int            `json:"height"`
	Assets []jsAsset      `json:"assets"`
}

// untrustedHint is what a chart or map placeholder says when the page's
// scripts do not run (a reopened notebook is untrusted in JupyterLab).
const untrustedHint = "the notebook's scripts did not run (a reopened notebook is not trusted). Re-run the cell, or trust the notebook (JupyterLab: the command palette's \"Trust Notebook\"; a terminal: jupyter trust NOTEBOOK.ipynb), to draw it."

const chartTmpl = `<div class="nbl-chart-wrap" id="{{.ID}}">
<style>{{.CommonCSS}}{{.CSS}}</style>
<div class="nbl-chart"></div>
<div class="nbl-placeholder"><b>Chart{{if .Title}} “{{.Title}}”{{end}} not drawn:</b> {{.Hint}}
<pre>{{.Text}}</pre></div>
</div>
{{.Embedded}}<script>{{.Script}}</script>
`

var chartT = template.Must(template.New("chart").Parse(chartTmpl))

// HTML renders the chart (self-contained: it carries the embedded copies
// its assets need, see Assets). It fails with ErrNoData when no series has
// points.
func (b *TimelineBuilder) HTML() (template.HTML, error) { return b.render(false) }

// Done renders the chart and shows it on its Display. In a GoNB cell the
// embedded copies of the assets go in the first output of the cell that
// needs them only.
func (b *TimelineBuilder) Done() error {
	d := b.display.get()
	h, err := b.render(d != nil)
	if err != nil {
		return err
	}
	if d != nil {
		d.Show(h, b.Text())
	}
	return nil
}

func (b *TimelineBuilder) render(shown bool) (template.HTML, error) {
	n := 0
	for _, s := range b.series {
		n += len(s.Points)
	}
	if n == 0 {
		return "", fmt.Errorf("%w: chart %q", ErrNoData, b.title)
	}
	o, tips := b.options(bucket(b.series, b.maxPoints))
	id := uniqueID("nbl-chart")
	js, err := widgetCall("chart", jsChart{ID: id, Option: o, Tips: tips, Height: b.height, Assets: b.assets.loaderList(chartAssets)})
	if err != nil {
		return "", err
	}
	var sb strings.Builder
	err = chartT.Execute(&sb, struct {
		ID             string
		CommonCSS, CSS template.CSS
		Title, Hint    string
		Text           string
		Embedded       template.HTML
		Script         template.JS
	}{id, style("common"), style("chart"), b.title, untrustedHint, b.Text(), b.assets.embedded(chartAssets, shown), js})
	if err != nil {
		return "", fmt.Errorf("widgets: chart %q: %w", b.title, err)
	}
	return template.HTML(sb.String()), nil //nolint:gosec // html/template output
}

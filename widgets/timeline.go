package widgets

import (
	"errors"
	"fmt"
	"html/template"
	"sort"
	"strconv"
	"strings"
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
}

// ValuesBuilder builds a values-over-time plot; it has the methods of TimelineBuilder.
type ValuesBuilder = TimelineBuilder

// NewTimeline starts a timeline of events: one row per series, time on x,
// tooltips with the point's rows, legend on the right, zoom.
func NewTimeline(title string) *TimelineBuilder {
	return &TimelineBuilder{kind: kindTimeline, title: title, height: 300, maxPoints: DefaultMaxPoints}
}

// NewValuesPlot starts a plot of values over time per series, drawn as bars
// and points.
func NewValuesPlot(title string) *ValuesBuilder {
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

// options builds the ECharts options with go-echarts and the per-point
// tooltips (indexed [series][point]) kept apart from them.
func (b *TimelineBuilder) options() (map[string]any, [][][][2]string) {
	ss := bucket(b.series, b.maxPoints)
	names := make([]string, len(ss))
	for i, s := range ss {
		names[i] = s.Name
	}
	c := charts.NewScatter()
	c.SetGlobalOptions(
		charts.WithTitleOpts(opts.Title{Title: b.title}),
		charts.WithLegendOpts(opts.Legend{Show: opts.Bool(true), Type: "scroll", Orient: "vertical", Right: "0", Top: "30"}),
		charts.WithTooltipOpts(opts.Tooltip{Show: opts.Bool(true), Trigger: "item"}),
		charts.WithDataZoomOpts(opts.DataZoom{Type: "inside", XAxisIndex: []int{0}}, opts.DataZoom{Type: "slider", XAxisIndex: []int{0}}),
		charts.WithXAxisOpts(opts.XAxis{Type: "time", Name: "time"}),
		charts.WithGridOpts(opts.Grid{Left: "3%", Right: "180", ContainLabel: opts.Bool(true)}),
	)
	if b.kind == kindTimeline {
		c.SetGlobalOptions(charts.WithYAxisOpts(opts.YAxis{Type: "category", Data: names}))
	} else {
		c.SetGlobalOptions(charts.WithYAxisOpts(opts.YAxis{Type: "value", Name: "value"}))
	}
	tips := make([][][][2]string, 0, len(ss)*2)
	for _, s := range ss {
		data := make([]opts.ScatterData, len(s.Points))
		tip := make([][][2]string, len(s.Points))
		for j, p := range s.Points {
			ms := p.Time.UnixMilli()
			if b.kind == kindTimeline {
				data[j] = opts.ScatterData{Value: []any{ms, s.Name, p.Value}}
			} else {
				data[j] = opts.ScatterData{Value: []any{ms, p.Value}}
			}
			tip[j] = p.Tooltip
		}
		c.AddSeries(s.Name, data)
		tips = append(tips, tip)
	}
	c.Validate()
	o := c.JSON()
	if b.kind == kindValues {
		// Bars of the same values under the points; same series name so the
		// legend toggles both.
		series, _ := o["series"].([]any)
		if series == nil {
			series = []any{}
			for _, v := range toAnySlice(o["series"]) {
				series = append(series, v)
			}
		}
		for i, s := range ss {
			data := make([][]any, len(s.Points))
			for j, p := range s.Points {
				data[j] = []any{p.Time.UnixMilli(), p.Value}
			}
			series = append(series, map[string]any{"name": s.Name, "type": "bar", "data": data, "barMaxWidth": 6})
			tips = append(tips, tips[i])
		}
		o["series"] = series
	}
	return o, tips
}

func toAnySlice(v any) []any {
	switch s := v.(type) {
	case []any:
		return s
	case nil:
		return nil
	}
	// go-echarts keeps series as its own slice type; round-trip through JSON.
	var out []any
	_ = jsonRoundTrip(v, &out)
	return out
}

const chartTmpl = `<div class="nbl-chart" id="{{.ID}}" style="width:100%;height:{{.Height}}px"></div>
<script>{{.Script}}</script>
`

var chartT = template.Must(template.New("chart").Parse(chartTmpl))

// Done renders the chart. It fails with ErrNoData when no series has points.
func (b *TimelineBuilder) Done() (template.HTML, error) {
	n := 0
	for _, s := range b.series {
		n += len(s.Points)
	}
	if n == 0 {
		return "", fmt.Errorf("%w: chart %q", ErrNoData, b.title)
	}
	o, tips := b.options()
	id := uniqueID("nbl-chart")
	body := `var el=document.getElementById(` + jsValue(id) + `);if(!el)return;
var o=` + jsValue(o) + `;var tips=` + jsValue(tips) + `;
function esc(s){return String(s).replace(/[&<>"']/g,function(c){return {"&":"&amp;","<":"&lt;",">":"&gt;","\"":"&quot;","'":"&#39;"}[c];});}
o.xAxis=[{type:"time",name:"time"}];
o.tooltip={trigger:"item",confine:true,formatter:function(p){var v=p.value||[];var h="<b>"+esc(p.seriesName)+"</b><br>"+esc(new Date(v[0]).toISOString().replace("T"," ").slice(0,19));
var t=(tips[p.seriesIndex]||[])[p.dataIndex]||[];if(t.length===0&&v.length>1){h+="<br>value: "+esc(v[v.length-1]);}
t.forEach(function(kv){h+="<br>"+esc(kv[0])+": "+esc(kv[1]);});return h;}};
var c=echarts.init(el);c.setOption(o);if(typeof ResizeObserver!=="undefined"){new ResizeObserver(function(){c.resize();}).observe(el);}`
	errBody := `var el=document.getElementById(` + jsValue(id) + `);if(el){el.textContent="chart not drawn: "+((e&&e.message)||e);}`
	js := loadCall(b.assets.echarts(), body, errBody)
	var sb htmlBuilder
	err := chartT.Execute(&sb, struct {
		ID     string
		Height int
		Script template.JS
	}{id, b.height, template.JS(js)})
	return template.HTML(sb.String()), err
}

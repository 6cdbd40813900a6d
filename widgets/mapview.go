package widgets

import (
	"fmt"
	"html/template"
	"math"
	"strings"
	"time"
)

// Marker is one point on a map, in a named layer, with a hover tooltip and
// click popup rows (name, value).
type Marker struct {
	Lat, Lon       float64
	Layer, Tooltip string
	Popup          [][2]string
}

// Layer is a category of markers with a colour (a CSS colour name or #rgb).
type Layer struct{ Name, Color string }

// MapBuilder builds a Leaflet map with clustered markers; create it with NewMap.
type MapBuilder struct {
	id      string
	layers  []Layer
	markers []Marker
	notes   []string
	assets  Assets
	height  int
	display displayTarget
	// maxMarkers bounds the markers drawn.
	maxMarkers int
}

// NewMap starts a map; id prefixes its DOM id.
func NewMap(id string) *MapBuilder {
	return &MapBuilder{id: id, height: 500, maxMarkers: DefaultMaxMarkers}
}

// DefaultMaxMarkers bounds the markers a map draws (about 1 MB of page with
// their popups); the others are counted in a note.
const DefaultMaxMarkers = 5000

// MaxMarkers sets how many markers the map draws (n ≤ 0: DefaultMaxMarkers).
func (m *MapBuilder) MaxMarkers(n int) *MapBuilder {
	if n <= 0 {
		n = DefaultMaxMarkers
	}
	m.maxMarkers = n
	return m
}

// Layer adds a layer (markers naming an unknown layer get one, in grey).
func (m *MapBuilder) Layer(l Layer) *MapBuilder { m.layers = append(m.layers, l); return m }

// Marker adds a marker; markers with invalid coordinates are counted in a note, not drawn.
func (m *MapBuilder) Marker(mk Marker) *MapBuilder { m.markers = append(m.markers, mk); return m }

// Note adds a line of text under the map.
func (m *MapBuilder) Note(s string) *MapBuilder { m.notes = append(m.notes, s); return m }

// Height sets the map height in pixels.
func (m *MapBuilder) Height(px int) *MapBuilder {
	if px > 0 {
		m.height = px
	}
	return m
}

// Assets sets where scripts and tiles load from.
func (m *MapBuilder) Assets(a Assets) *MapBuilder { m.assets = a; return m }

// On sets where Done shows the map (nil: nowhere). The default is the GoNB
// cell in a notebook (GoNBCell), else nowhere.
func (m *MapBuilder) On(d Display) *MapBuilder { m.display.on(d); return m }

// safeColor keeps colours that cannot break out of a style: names and #hex.
func safeColor(c string) string {
	if c == "" || len(c) > 20 {
		return "gray"
	}
	for i, r := range c {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '#' && i == 0) {
			return "gray"
		}
	}
	return c
}

type jsMarker struct {
	Lat   float64 `json:"lat"`
	Lon   float64 `json:"lon"`
	Layer int     `json:"layer"`
	Tip   string  `json:"tip"`
	Popup []int   `json:"popup,omitempty"` // name, value, name, value... (indices into strs)
}

type jsLayer struct {
	Name  string `json:"name"`
	Color string `json:"color"`
}

// OutlineWait is how long a map waits for its first tile before it draws
// the country outlines under the markers (it draws them at once on a tile
// error, or with no tiles).
const OutlineWait = 4 * time.Second

type jsMap struct {
	ID          string     `json:"id"`
	Height      int        `json:"height"`
	Layers      []jsLayer  `json:"layers"`
	Points      []jsMarker `json:"pts"`
	Strs        []string   `json:"strs"`
	Tiles       string     `json:"tiles"`
	Assets      []jsAsset  `json:"assets"`
	Outlines    []jsAsset  `json:"outlines"`
	OutlineWait int64      `json:"outlineWait"`
}

type legendEntry struct {
	Name  string
	Color template.CSS
	Count int
}

// mapData is a map formatted once for the HTML, the script and the text.
type mapData struct {
	layers []jsLayer
	legend []legendEntry
	points []jsMarker
	strs   []string // the popups' strings
	notes  []string
}

func (m *MapBuilder) data() mapData {
	layers := append([]Layer(nil), m.layers...)
	idx := map[string]int{}
	for i, l := range layers {
		if _, ok := idx[l.Name]; !ok {
			idx[l.Name] = i
		}
	}
	var d mapData
	var strs stringTable
	bad, over := 0, 0
	for _, mk := range m.markers {
		if math.IsNaN(mk.Lat) || math.IsNaN(mk.Lon) || mk.Lat < -90 || mk.Lat > 90 || mk.Lon < -180 || mk.Lon > 180 {
			bad++
			continue
		}
		if len(d.points) >= m.maxMarkers {
			over++
			continue
		}
		i, ok := idx[mk.Layer]
		if !ok {
			i = len(layers)
			idx[mk.Layer] = i
			layers = append(layers, Layer{Name: mk.Layer, Color: "gray"})
		}
		var popup []int
		for _, kv := range mk.Popup {
			popup = append(popup, strs.id(kv[0]), strs.id(kv[1]))
		}
		d.points = append(d.points, jsMarker{mk.Lat, mk.Lon, i, mk.Tooltip, popup})
	}
	d.strs = strs.strings()
	counts := make([]int, len(layers))
	for _, p := range d.points {
		counts[p.Layer]++
	}
	d.layers = make([]jsLayer, len(layers))
	d.legend = make([]legendEntry, len(layers))
	for i, l := range layers {
		c := safeColor(l.Color)
		d.layers[i] = jsLayer{l.Name, c}
		d.legend[i] = legendEntry{l.Name, template.CSS(c), counts[i]} //nolint:gosec // safeColor
	}
	d.notes = append([]string(nil), m.notes...)
	if bad > 0 {
		d.notes = append(d.notes, fmt.Sprintf("%d markers with invalid coordinates were not drawn.", bad))
	}
	if over > 0 {
		d.notes = append(d.notes, fmt.Sprintf("%d markers over the limit of %d were not drawn.", over, m.maxMarkers))
	}
	return d
}

const mapTmpl = `<div class="nbl-map-wrap" id="{{.ID}}">
<style>{{.CommonCSS}}{{.CSS}}</style>
<div class="nbl-map"></div>
<div class="nbl-placeholder"><b>Map not drawn:</b> {{.Hint}}</div>
<div class="nbl-legend">{{range .Legend}}<span style="margin-right:12px"><span class="nbl-dot" style="display:inline-block;width:10px;height:10px;border-radius:50%;margin-right:4px;background:{{.Color}}"></span>{{.Name}} ({{.Count}})</span> {{end}}</div>
{{range .Notes}}<p class="nbl-note"><i>{{.}}</i></p>
{{end}}</div>
{{.Embedded}}<script>{{.Script}}</script>
`

var mapT = template.Must(template.New("map").Parse(mapTmpl))

// HTML renders the map (self-contained: it carries the embedded copies its
// assets need, see Assets).
func (m *MapBuilder) HTML() (template.HTML, error) { return m.render(false) }

// Done renders the map and shows it on its Display. In a GoNB cell the
// embedded copies of the assets go in the first output of the cell that
// needs them only.
func (m *MapBuilder) Done() error {
	d := m.display.get()
	h, err := m.render(d != nil)
	if err != nil {
		return err
	}
	if d != nil {
		d.Show(h, m.Text())
	}
	return nil
}

// Text is the text form of the map: markers per layer, and the notes.
func (m *MapBuilder) Text() string {
	d := m.data()
	var sb strings.Builder
	for _, l := range d.legend {
		fmt.Fprintf(&sb, "%s: %d\n", oneLine(l.Name), l.Count)
	}
	for _, n := range d.notes {
		sb.WriteString(oneLine(n) + "\n")
	}
	return sb.String()
}

func (m *MapBuilder) render(shown bool) (template.HTML, error) {
	d := m.data()
	id := uniqueID(m.id)
	tiles := m.assets.tiles()
	list := append(append([]asset(nil), mapAssets...), outlineAssets...)
	js, err := widgetCall("map", jsMap{ID: id, Height: m.height, Layers: d.layers, Points: d.points, Strs: d.strs, Tiles: tiles,
		Assets: m.assets.loaderList(mapAssets), Outlines: m.assets.loaderList(outlineAssets), OutlineWait: OutlineWait.Milliseconds()})
	if err != nil {
		return "", err
	}
	var sb strings.Builder
	err = mapT.Execute(&sb, struct {
		ID             string
		CommonCSS, CSS template.CSS
		Hint           string
		Legend         []legendEntry
		Notes          []string
		Embedded       template.HTML
		Script         template.JS
	}{id, style("common"), style("map"), untrustedHint, d.legend, d.notes, m.assets.embedded(list, shown), js})
	if err != nil {
		return "", fmt.Errorf("widgets: map %q: %w", m.id, err)
	}
	return template.HTML(sb.String()), nil //nolint:gosec // html/template output
}

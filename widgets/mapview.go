package widgets

import (
	"fmt"
	"html/template"
	"math"
	"strings"
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
}

// NewMap starts a map; id prefixes its DOM id.
func NewMap(id string) *MapBuilder { return &MapBuilder{id: id, height: 500} }

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
	Lat   float64     `json:"lat"`
	Lon   float64     `json:"lon"`
	Layer int         `json:"layer"`
	Tip   string      `json:"tip"`
	Popup [][2]string `json:"popup"`
}

type jsLayer struct {
	Name  string `json:"name"`
	Color string `json:"color"`
}

const mapTmpl = `<div class="nbl-map-wrap" id="{{.ID}}-wrap">
<div class="nbl-map" id="{{.ID}}" style="width:100%;height:{{.Height}}px;background:#e8eef3"></div>
<div class="nbl-legend" style="font-size:12px;margin:4px 0">{{range .Layers}}<span style="margin-right:12px"><span style="display:inline-block;width:10px;height:10px;border-radius:50%;background:{{.Color}};margin-right:4px"></span>{{.Name}} ({{.Count}})</span>{{end}}</div>
{{range .Notes}}<p class="nbl-note" style="font-size:12px;margin:2px 0"><i>{{.}}</i></p>{{end}}</div>
<script>{{.Script}}</script>
`

var mapT = template.Must(template.New("map").Parse(mapTmpl))

// Done renders the map.
func (m *MapBuilder) Done() (template.HTML, error) {
	layers := append([]Layer(nil), m.layers...)
	idx := map[string]int{}
	for i, l := range layers {
		if _, ok := idx[l.Name]; !ok {
			idx[l.Name] = i
		}
	}
	var pts []jsMarker
	bad := 0
	for _, mk := range m.markers {
		if math.IsNaN(mk.Lat) || math.IsNaN(mk.Lon) || mk.Lat < -90 || mk.Lat > 90 || mk.Lon < -180 || mk.Lon > 180 {
			bad++
			continue
		}
		i, ok := idx[mk.Layer]
		if !ok {
			i = len(layers)
			idx[mk.Layer] = i
			layers = append(layers, Layer{Name: mk.Layer, Color: "gray"})
		}
		pts = append(pts, jsMarker{mk.Lat, mk.Lon, i, mk.Tooltip, mk.Popup})
	}
	counts := make([]int, len(layers))
	for _, p := range pts {
		counts[p.Layer]++
	}
	type legend struct {
		Name  string
		Color template.CSS
		Count int
	}
	jl := make([]jsLayer, len(layers))
	lg := make([]legend, len(layers))
	for i, l := range layers {
		c := safeColor(l.Color)
		jl[i] = jsLayer{l.Name, c}
		lg[i] = legend{l.Name, template.CSS(c), counts[i]}
	}
	notes := append([]string(nil), m.notes...)
	if bad > 0 {
		notes = append(notes, fmt.Sprintf("%d markers with invalid coordinates were not drawn.", bad))
	}
	a := m.assets.withDefaults()
	tiles := a.TileURL
	if strings.EqualFold(tiles, "none") {
		tiles = ""
	}
	id := uniqueID(m.id)
	body := `var el=document.getElementById(` + jsValue(id) + `);if(!el||el.dataset.drawn)return;el.dataset.drawn="1";
var layers=` + jsValue(jl) + `,pts=` + jsValue(pts) + `,tiles=` + jsValue(tiles) + `;
var map=L.map(el,{worldCopyJump:true,preferCanvas:false,minZoom:1,maxZoom:18});
if(tiles){L.tileLayer(tiles,{maxZoom:18,attribution:"&copy; OpenStreetMap contributors"}).addTo(map);}
var groups=layers.map(function(l){var g=L.markerClusterGroup({showCoverageOnHover:false,maxClusterRadius:40,iconCreateFunction:function(c){
var d=document.createElement("div");d.style.cssText="background:"+l.color+";color:#fff;text-shadow:0 0 2px #000;opacity:0.85;box-shadow:0 0 0 4px rgba(255,255,255,0.6)";var sp=document.createElement("span");sp.textContent=c.getChildCount();d.appendChild(sp);
return L.divIcon({html:d,className:"marker-cluster nbl-cluster",iconSize:L.point(40,40)});}});g.addTo(map);return g;});
var bounds=[];
pts.forEach(function(p){var l=layers[p.layer];var mk=L.circleMarker([p.lat,p.lon],{radius:7,color:l.color,fillColor:l.color,fillOpacity:0.8,weight:1});
var t=document.createElement("span");t.textContent=p.tip;mk.bindTooltip(t);
if(p.popup&&p.popup.length){var tb=document.createElement("table");p.popup.forEach(function(kv){var tr=tb.insertRow();var a=tr.insertCell();var b=tr.insertCell();a.textContent=kv[0];a.style.fontWeight="bold";b.textContent=kv[1];});mk.bindPopup(tb);}
groups[p.layer].addLayer(mk);bounds.push([p.lat,p.lon]);});
var ov={};layers.forEach(function(l,i){var s=document.createElement("span");var dot=document.createElement("span");dot.style.cssText="display:inline-block;width:9px;height:9px;border-radius:50%;margin:0 4px";dot.style.background=l.color;s.appendChild(dot);s.appendChild(document.createTextNode(l.name));
var k=s.outerHTML;while(ov[k]){k+=" ";}ov[k]=groups[i];});
L.control.layers(null,ov,{collapsed:false}).addTo(map);
if(bounds.length>1){map.fitBounds(bounds,{padding:[20,20],maxZoom:10});}else if(bounds.length===1){map.setView(bounds[0],5);}else{map.setView([20,0],2);}
if(typeof ResizeObserver!=="undefined"){new ResizeObserver(function(){map.invalidateSize();}).observe(el);}`
	errBody := `var el=document.getElementById(` + jsValue(id) + `);if(el){el.textContent="map not drawn: "+((e&&e.message)||e);}`
	js := loadCall(m.assets.leaflet(), body, errBody)
	var sb htmlBuilder
	err := mapT.Execute(&sb, struct {
		ID     string
		Height int
		Layers []legend
		Notes  []string
		Script template.JS
	}{id, m.height, lg, notes, template.JS(js)})
	return template.HTML(sb.String()), err
}

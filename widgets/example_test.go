package widgets_test

import (
	"context"
	"fmt"
	"html/template"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"time"

	"github.com/gonotebooklets/notebooklets/widgets"
)

func ExampleNewTable() {
	t := widgets.NewTable("asns",
		widgets.Column{Title: "ASN"},
		widgets.Column{Title: "TotalAllowedFlows", Bar: true, Numeric: true},
		widgets.Column{Title: "L7Protocols"},
	).Row("AS8075", int64(120), []string{"https", "dns"}).Row("AS15169", int64(30), []string{"https"})
	// In a GoNB cell, t.Done() shows it there; t.On(sink).Done() shows it
	// on any Display (an nb.Sink: an HTML report, a terminal).
	if err := t.On(widgets.NewTextDisplay(os.Stdout)).Done(); err != nil {
		fmt.Println(err)
	}
	// Output:
	// ASN      TotalAllowedFlows  L7Protocols
	// AS8075   120                https, dns
	// AS15169  30                 https
}

func ExampleNewChecklist() {
	// In GoNB, Done shows the list in the cell (subscribed to its answers)
	// and Wait waits for Apply. Outside GoNB the selection is the defaults
	// (or Preset).
	cl := widgets.NewChecklist("asn-select",
		widgets.Item{ID: "AS8075", Label: "AS8075", Details: []string{"120"}},
		widgets.Item{ID: "AS64500", Label: "AS64500", Details: []string{"3"}, Default: true, Reason: "rare"},
	).Columns("ASN", "flows").Title("Select the ASNs")
	if err := cl.Done(); err != nil {
		fmt.Println(err)
	}
	sel, err := cl.Wait(context.Background())
	fmt.Println(sel.IDs, sel.FellBack, err)
	// Output: [AS64500] false <nil>
}

func ExampleNewTimeline() {
	t0 := time.Date(2019, 2, 12, 10, 0, 0, 0, time.UTC)
	https := widgets.Series{Name: "https", Points: []widgets.Point{
		{Time: t0, Value: 1, Tooltip: [][2]string{{"L7Protocol", "https"}, {"AllExtIPs", "13.67.143.117"}, {"FlowDirection", "O"}}},
		{Time: t0.Add(time.Hour), Value: 1, Tooltip: [][2]string{{"L7Protocol", "https"}, {"AllExtIPs", "40.77.232.95"}, {"FlowDirection", "O"}}},
	}}
	dns := widgets.Series{Name: "dns", Points: []widgets.Point{{Time: t0.Add(30 * time.Minute), Value: 1}}}
	chart := widgets.NewTimeline("Flows by protocol").Series(https, dns).Height(250)
	h, err := chart.HTML() // or chart.Done() to show it in the GoNB cell
	fmt.Println(strings.Contains(string(h), `class="nbl-chart"`), err)
	fmt.Print(chart.Text())
	fmt.Println(widgets.NewTimeline("nothing").Done())
	// Output:
	// true <nil>
	// Flows by protocol
	// https  2 points  2019-02-12 10:00:00 to 2019-02-12 11:00:00  total 2
	// dns    1 points  2019-02-12 10:30:00 to 2019-02-12 10:30:00  total 1
	// widgets: no data to draw: chart "nothing"
}

func ExampleNewValuesPlot() {
	t0 := time.Date(2019, 2, 12, 0, 0, 0, 0, time.UTC)
	var pts []widgets.Point
	for i := 0; i < 100_000; i++ { // many points: bucketed in time under MaxPoints
		pts = append(pts, widgets.Point{Time: t0.Add(time.Duration(i) * time.Second), Value: 3})
	}
	h, err := widgets.NewValuesPlot("TotalAllowedFlows per protocol").
		Series(widgets.Series{Name: "https", Points: pts}).MaxPoints(500).HTML()
	fmt.Println(len(h) < 200_000, err)
	// Output: true <nil>
}

func ExampleNewMap() {
	h, err := widgets.NewMap("flows-map").
		Layer(widgets.Layer{Name: "Host", Color: "green"}).
		Layer(widgets.Layer{Name: "Outbound", Color: "blue"}).
		Marker(widgets.Marker{Lat: 47.6, Lon: -122.3, Layer: "Host", Tooltip: "40.124.45.19 (Seattle, US)"}).
		Marker(widgets.Marker{Lat: 51.5, Lon: -0.1, Layer: "Outbound", Tooltip: "81.2.69.142 (London, GB)",
			Popup: [][2]string{{"ASN", "AS2856 BT"}, {"L7Protocol", "https"}, {"TotalAllowedFlows", "12"}}}).
		Note("3 private addresses are not placed on the map.").
		Assets(widgets.Assets{TileURL: widgets.NoTiles}). // no tiles (air-gapped): country outlines under the markers
		HTML()
	fmt.Println(strings.Contains(string(h), "Outbound (1)"), err)
	// Output: true <nil>
}

// printer is a Display that prints the text form of each update without the
// rate and times (they vary from run to run).
type printer struct{}

func (printer) Show(_ template.HTML, text string) { fmt.Print(text) }

func (printer) Update(id string, _ template.HTML, text string) {
	bar, _, _ := strings.Cut(text, ",")
	fmt.Println(id+": "+bar, strings.HasSuffix(text, ", done"))
}

func ExampleNewProgress() {
	// In a notebook pass the nb.Sink; in a terminal widgets.NewTextDisplay(os.Stderr).
	p := widgets.NewProgress(printer{}, "whois", "ASN lookup", 4)
	p.Add(1) // updates are throttled to one per ProgressInterval
	p.Done()
	// Output:
	// whois: ASN lookup [------------------------------] 0/4 false
	// whois: ASN lookup [#######-----------------------] 1/4 true
}

func ExampleAssetServer() {
	// Serve echarts/leaflet from a node_modules directory and point the widgets at it.
	srv := httptest.NewServer(widgets.AssetServer(os.TempDir()))
	defer srv.Close()
	a := widgets.Assets{BaseURL: srv.URL, TileURL: "none"}
	h, _ := widgets.NewMap("m").Assets(a).Marker(widgets.Marker{Lat: 1, Lon: 1}).HTML()
	fmt.Println(strings.Contains(string(h), srv.URL+"/"+widgets.LeafletPkg+"/dist/leaflet.js"))
	resp, err := http.Get(srv.URL + "/" + widgets.EChartsPkg + "/no/such/file.js")
	if err == nil {
		resp.Body.Close()
		fmt.Println(resp.StatusCode)
	}
	// Output:
	// true
	// 404
}

func ExampleChecklistBuilder_Preset() {
	// Outside GoNB (a script, the CLI, a test) the selection is set from code.
	sel, _ := widgets.NewChecklist("asn-select",
		widgets.Item{ID: "AS8075"}, widgets.Item{ID: "AS64500", Default: true},
	).Preset([]string{"AS8075"}).Wait(context.Background())
	fmt.Println(sel.IDs)
	// Output: [AS8075]
}

package widgets_test

import (
	"bytes"
	"fmt"
	"html/template"
	"strings"
	"testing"
	"time"

	"github.com/gonotebooklets/notebooklets/nb"
	"github.com/gonotebooklets/notebooklets/widgets"
)

// maxReportBytes is issue 15's bound on the HTML report of a million flows.
const maxReportBytes = 5 << 20

// millionRowReport is the report a host with a million flows could give, at
// the widgets' bounds: the assets inlined, three charts over a million
// points each (ten protocols), the flow index with a million rows, an ASN
// summary of 20,000 rows with long address lists, 2,000 TI matches, and two
// maps of 6,000 peers each.
func millionRowReport(tb testing.TB) *nb.HTMLReport {
	tb.Helper()
	r := nb.NewHTMLReport("a million flows")
	millionRowWidgets(tb, r)
	return r
}

// millionRowWidgets shows the widgets of millionRowReport on d.
func millionRowWidgets(tb testing.TB, r interface {
	widgets.Display
	AddHead(template.HTML)
}) {
	const n = 1_000_000
	r.AddHead(widgets.InlineAssets())
	t0 := time.Date(2019, 2, 12, 0, 0, 0, 0, time.UTC)
	protocols := []string{"https", "http", "dns", "ntp", "smb", "ldap", "kerberos", "rdp", "ssh", "smtp"}
	series := make([]widgets.Series, len(protocols))
	for i, p := range protocols {
		series[i] = widgets.Series{Name: p, Points: make([]widgets.Point, 0, n/len(protocols))}
	}
	for i := range n {
		s := &series[i%len(protocols)]
		s.Points = append(s.Points, widgets.Point{Time: t0.Add(time.Duration(i) * 3 * time.Second), Value: float64(i%7 + 1),
			Tooltip: [][2]string{{"group", s.Name}, {"flow records", "12"}, {"AllExtIPs (first)", ip(i)}}})
	}
	for _, b := range []*widgets.TimelineBuilder{
		widgets.NewTimeline("Network Flows by Protocol"), widgets.NewTimeline("Network Flows by Direction"), widgets.NewValuesPlot("Network flows by Layer 7 Protocol"),
	} {
		if err := b.Series(series...).On(r).Done(); err != nil {
			tb.Fatal(err)
		}
	}
	index := widgets.NewTable("flow-index", widgets.Column{Title: "source"}, widgets.Column{Title: "dest"}, widgets.Column{Title: "L7Protocol"},
		widgets.Column{Title: "FlowDirection"}, widgets.Column{Title: "TotalAllowedFlows", Bar: true, Numeric: true})
	for i := range n {
		index.Row("10.0.3.5", ip(i), protocols[i%len(protocols)], "O", int64(i%97+1))
	}
	if err := index.On(r).Done(); err != nil {
		tb.Fatal(err)
	}
	ips := make([]string, 300)
	for i := range ips {
		ips[i] = ip(i * 7)
	}
	summary := widgets.NewTable("flow-summary", widgets.Column{Title: "DestASN"}, widgets.Column{Title: "TotalAllowedFlows", Bar: true, Numeric: true},
		widgets.Column{Title: "L7Protocols"}, widgets.Column{Title: "source_ips"}, widgets.Column{Title: "dest_ips"}, widgets.Column{Title: "ASN details"})
	for i := range 20_000 {
		summary.Row(fmt.Sprintf("AS%d", 64500+i), int64(i*13%1000), protocols, []string{"10.0.3.5"}, ips, "dest: US, 13.64.0.0/11, arin, MSFT")
	}
	if err := summary.On(r).Done(); err != nil {
		tb.Fatal(err)
	}
	ti := widgets.NewTable("ti", widgets.Column{Title: "Ioc"}, widgets.Column{Title: "source"}, widgets.Column{Title: "dest"},
		widgets.Column{Title: "TotalAllowedFlows", Numeric: true}, widgets.Column{Title: "Provider"}, widgets.Column{Title: "Severity"}, widgets.Column{Title: "Details"})
	for i := range 2000 {
		ti.Row(ip(i), "10.0.3.5", ip(i), int64(i), "OTX", "high", strings.Repeat("pulse ", 20))
	}
	if err := ti.On(r).Done(); err != nil {
		tb.Fatal(err)
	}
	for _, name := range []string{"geo-all", "geo-selected"} {
		m := widgets.NewMap(name).Layer(widgets.Layer{Name: "Host", Color: "green"}).Layer(widgets.Layer{Name: "Outbound", Color: "blue"})
		for i := range 6000 {
			m.Marker(widgets.Marker{Lat: float64(i%170) - 85, Lon: float64(i%350) - 175, Layer: "Outbound", Tooltip: ip(i) + " US",
				Popup: [][2]string{{"IP", ip(i)}, {"role", "outbound"}, {"country", "United States"}, {"city", "Redmond"}, {"ASN", "AS8075 MICROSOFT-CORP-MSN-AS-BLOCK"}, {"protocols", "https, dns"}, {"TotalAllowedFlows", "12"}}})
		}
		if err := m.On(r).Done(); err != nil {
			tb.Fatal(err)
		}
	}
}

func ip(i int) string { return fmt.Sprintf("%d.%d.%d.%d", 13+i>>24&63, i>>16&255, i>>8&255, i&255) }

// TestMillionRowReportSize checks issue 15's bound: the report of a million
// flows, assets inlined, stays under 5 MB.
func TestMillionRowReportSize(t *testing.T) {
	var buf bytes.Buffer
	if _, err := millionRowReport(t).WriteTo(&buf); err != nil {
		t.Fatal(err)
	}
	inline := len(widgets.InlineAssets())
	t.Logf("report of a million rows: %d bytes (%.2f MB), of which inlined assets %d bytes", buf.Len(), float64(buf.Len())/(1<<20), inline)
	if buf.Len() >= maxReportBytes {
		t.Errorf("report is %d bytes, want < %d", buf.Len(), maxReportBytes)
	}
}

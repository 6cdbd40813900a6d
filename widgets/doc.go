// Package widgets renders what notebooklets draw into a notebook cell or an
// HTML report: time-line charts and values plots (ECharts, options built
// with go-echarts), interactive tables with inline bars, Leaflet maps with
// clustered markers over tiles or embedded country outlines, an interactive
// checklist (the ASN selector) that talks to a GoNB cell, and a progress
// bar. Widgets know nothing about flows: they take plain data.
//
// # Builders
//
// Every widget is a builder, as in GoNB's gonbui/widgets: NewTable,
// NewTimeline, NewValuesPlot, NewMap and NewChecklist return one; its
// setters return it; On(d) says where it shows (a Display: nb.Sink, the
// GoNB cell, a terminal; by default the GoNB cell in a notebook, else
// nowhere); Done() error renders it and shows it there. HTML() and Text()
// render it without showing it (HTML for a page, Text for a terminal). The
// checklist's Wait(ctx) then returns the selection.
//
// Every string from data is escaped for where it goes: html/template for
// the markup, json.Marshal for the data given to the scripts, DOM text
// nodes (never innerHTML) for what the scripts draw. The JavaScript of each
// widget is in its own file under js/, its style sheet under css/; both are
// embedded with go:embed. Colours come from JupyterLab's --jp-* theme
// variables (Light and Dark) with fallbacks for plain HTML pages; charts
// switch to ECharts' dark theme when the text around them is light.
//
// # Assets
//
// The pinned ECharts, Leaflet, markercluster, topojson-client and the
// world-atlas country outlines (Natural Earth 1:110m, public domain) are
// embedded in the module (assets/dist, pinned by assets/package.json, with
// their licences; EmbeddedPackages lists them). A page gets them from, in
// this order: what it already has (InlineAssets in an HTML report's head:
// about 1.4 MB, the report then draws with the network off); an embedded
// copy carried by an earlier output on the page; Assets.BaseURL (a
// jsDelivr-style npm tree: the CDN by default, NOTEBOOKLETS_ASSETS_URL, or
// AssetServer). In a GoNB cell (Assets.Embed EmbedAuto) the cell asks
// BaseURL for each asset it needs (ProbeTimeout) and the first output of the
// cell that needs an asset BaseURL does not serve carries its embedded copy,
// gzipped and base64-encoded: about 448 KB for a chart (ECharts), 128 KB for
// a map (Leaflet, markercluster, topojson-client, outlines); the cell's later
// outputs carry none. The cell asks for all the assets of an output at once,
// so a network that drops packets costs ProbeTimeout once per cell. Besides
// its data, an output carries its script and style: about 9 KB for a chart,
// 13 KB for a map, 14 KB for a table, 5 KB for the checklist. NOTEBOOKLETS_ASSETS_URL=embedded (EmbeddedBaseURL) skips the
// network altogether. With RequireJS on the page (classic Notebook) scripts
// from a URL load through require() (UMD modules register with AMD and set
// no global; the loader copies them to their globals); embedded copies run
// with define hidden, so they set their globals. Map tiles come from
// Assets.TileURL (NOTEBOOKLETS_TILE_URL); with "none" (NoTiles), on a tile
// error, or with no tile after OutlineWait, the map draws the country
// outlines under its markers.
//
// # Untrusted notebooks
//
// A notebook reopened later is not trusted: JupyterLab runs none of its
// scripts and strips style elements. Tables then still show their first
// StaticRows rows and their text; chart and map placeholders say how to
// redraw them (re-run the cell, or trust the notebook) and charts list their
// series in text; the checklist shows its ticks.
//
// # The checklist in GoNB
//
// GoNB runs each cell as a new process, so ChecklistBuilder.Wait blocks the
// cell until the analyst presses Apply. Done first subscribes to the address
// CommAddressPrefix + id + "/" + a unique id (comms.Listen, which also makes
// GoNB install its gonb_comm script in the page), then shows the list. The
// list's script waits for gonb_comm, sends the string {"event":"ready"}, and
// on Apply sends {"event":"apply","ids":[...]} (JSON text: GoNB v0.11.3 cannot
// carry a JavaScript array); the page repeats each until the cell
// acknowledges it on <address>/ack. With no "ready" by a third of the ready
// bound the cell asks GoNB to check its browser connection (comms.Start).
// With no front end answering within the ready bound (nbconvert, CI) Wait
// keeps the defaults and says so in the cell with Selection.FellBack set.
// Outside GoNB it returns the defaults or the Preset at once. Keeping the
// selection for the next cell is the caller's job.
package widgets

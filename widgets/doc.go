// Package widgets renders what notebooklets draw into a notebook cell or an
// HTML report: time-line charts (ECharts, options built with go-echarts),
// sortable tables with inline bars, Leaflet maps with clustered markers, an
// interactive checklist (the ASN selector) that talks to a GoNB cell, and a
// progress bar. Widgets know nothing about flows: they take plain data.
//
// Every renderer returns a self-contained HTML fragment that loads its
// JavaScript assets once per page, with or without RequireJS, and escapes
// every string it is given. Assets come from Assets.BaseURL (a jsdelivr-style
// npm tree; the CDN by default, NOTEBOOKLETS_ASSETS_URL, or AssetServer over
// a local node_modules); map tiles from Assets.TileURL (NOTEBOOKLETS_TILE_URL;
// "none" for no tiles: markers still show).
//
// # The checklist in GoNB
//
// GoNB runs each cell as a new process, so ChecklistBuilder.Done blocks the
// cell until the analyst presses Apply: it subscribes to the address
// CommAddressPrefix + id + "/" + a unique id (comms.Listen, which also makes
// GoNB install its gonb_comm script in the page), then shows the list. The
// list's script waits for gonb_comm, sends the string {"event":"ready"}, and
// on Apply sends {"event":"apply","ids":[...]} (JSON text: GoNB v0.11.3 cannot
// carry a JavaScript array). With no front end answering within the ready
// bound (nbconvert, CI) Done keeps the defaults and says so in the cell with
// Selection.FellBack set. Outside GoNB it returns the defaults or the Preset
// at once. Keeping the selection for the next cell is the caller's job.
package widgets

// Package widgets renders what notebooklets draw into a notebook cell or an
// HTML report: time-line charts (ECharts, options built with go-echarts),
// sortable tables with inline bars, Leaflet maps with clustered markers, an
// interactive checklist (the ASN selector) that talks to a GoNB cell, and a
// progress bar. Widgets know nothing about flows: they take plain data.
//
// Every renderer returns a self-contained HTML fragment that loads its
// JavaScript assets once per page, with or without RequireJS, and escapes
// every string it is given.
package widgets

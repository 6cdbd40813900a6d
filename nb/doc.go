// Package nb is the notebooklet framework: metadata loaded from a
// notebooklet's YAML file, option resolution, time spans, help, display
// sections, display sinks (GoNB cells, HTML reports, terminals), run state
// that survives between GoNB cells, and the registry of notebooklets.
//
// GoNB runs each cell as a new process, so a notebooklet persists what a
// later cell needs with a StateStore and re-shows sections from it.
//
// In a GoNB cell, nb.Help("NetworkFlowSummary") shows a notebooklet's help.
package nb

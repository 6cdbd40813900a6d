// Package flows defines the network flow record of Azure NSG flow analytics
// (the AzureNetworkAnalytics_CL table as msticpy projects it) and the sources
// that produce flows: local files, the embedded sample and Log Analytics.
//
// # Flow files
//
// OpenFile and Files read CSV, JSON arrays and NDJSON, optionally compressed
// with gzip or Zstandard (recognized by content; read as they decompress).
// What the readers do with imperfect input:
//
//   - Columns may carry msticpy's projected names, the raw
//     AzureNetworkAnalytics_CL names or portal export names. When two columns
//     give one field (AllowedOutFlows and AllowedOutFlows_d, or one name
//     twice), the first is read — the leftmost CSV column, the first key of
//     a JSON object — and Stats.Warnings names both.
//   - A portal header's zone is honoured: "FlowStartTime [UTC+05:30]" holds
//     local times at that offset (converted to UTC; a value with its own zone
//     is taken as it is). "[Local Time]" or an unknown zone is refused on
//     FlowStartTime and FlowEndTime (ErrLocalTime: export in UTC) and
//     ignored, with a warning, on TimeGenerated.
//   - A row with a malformed value in any column the reader knows (a time, a
//     direction, a count, a port, PublicIPs) is skipped, counted in
//     Stats.RowsSkipped and, for the first few, reported in Stats.Skipped as
//     "file:line: column: value: reason". Negative counts are malformed.
//     One exception, a projection: an aggregating consumer of StreamParallel
//     (flowsummary's Collector) has the columns no aggregate uses
//     (TimeGenerated, FlowType, L4Protocol, DestPort, DeniedInFlows,
//     DeniedOutFlows, RemoteRegion, and PublicIPs when AllExtIPs is a
//     column) read only in the rows holding the flows it may keep whole
//     (the first MaxKept, in input order), so a malformed value there in a
//     later row does not drop that row from the flow index and the series.
//     Which rows those are depends on the input only.
//   - CSV damage costs only the lines it covers: an unterminated quote loses
//     the line it opened on and reading resumes at the next line (a quoted
//     field may hold newlines, but a record spanning lines that does not fit
//     the header, or a quote still open 1 MiB on, is taken as unterminated).
//     Lines ending with a lone CR (old Excel and Mac exports) are read, with
//     a warning.
//   - Addresses (VMIPAddress, SrcIP, DestIP, AllExtIPs, PublicIPs) are stored
//     in the canonical form of ipaddr.Canonical, and every source compares
//     the query's IP in that form (Query.Normalized), so ::ffff:10.0.3.5 and
//     10.0.3.5 are one address.
//   - Files given twice (the same path, another name of the same file) are
//     read once, with a warning.
//
// # Reading in parallel
//
// A CSV file is cut into chunks of whole lines that several goroutines
// tokenize and decode at once (the handover between neighbouring chunks
// carries a record whose quoted field runs over the cut). Stream delivers
// the flows in input order on the calling goroutine. StreamParallel (for
// consumers that aggregate, such as flowsummary.Collector) hands each
// goroutine's flows to a Consumer of its own, with Keys: the IDs of their
// addresses and protocol in that goroutine's Interner, and a Position that
// gives the input order, so partial results merge into exactly what one pass
// in order gives.
package flows

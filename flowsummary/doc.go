// Code generated from the notebooklet's YAML file by nb.PackageDocFile; DO NOT EDIT.

// Package flowsummary implements the NetworkFlowSummary notebooklet.
//
// Network Flow Summary for a host or IP Address
//
//   - Keywords: host, computer, network, flow
//   - Entity types: host, ip_address
//   - Data providers (msticnb names): AzureSentinel|LocalData, geolitelookup,
//     tilookup
//
// # Methods
//
//   - `Run` (run): Query the flows of a host or IP address and show the
//     timelines, flow index, ASN summary and (option geo_map) a map; saves the
//     result for the next cells.
//   - `SelectASNs` (select_asns): Show a checkbox list of the ASNs with the
//     rarest ones checked and save the selection (the defaults when no browser
//     answers).
//   - `LookupTIForASNIPs` (lookup_ti_for_asn_ips): Look up the IP addresses of
//     the selected ASNs in the Threat Intelligence providers and show the
//     positive results joined to their flows.
//   - `ShowSelectedASNMap` (show_selected_asn_map): Show a map of the IP
//     addresses of the selected ASNs, with threat-intel hits in red.
//
// # Options
//
// With no options, the default options run. +name adds an option to the
// defaults and -name removes one (both may be combined); a plain list of names
// replaces the defaults. Plain names cannot be mixed with +name/-name. Unknown
// names are ignored with a warning.
//
// # Default options
//
//   - `plot_flows`: Create plots of flows by protocol and direction.
//   - `plot_flow_values`: Plot flow counts by protocol over time.
//   - `flow_summary`: Create a summarization of all flows and all flows
//     grouped by ASN.
//   - `resolve_host`: Try to resolve the host name before other operations.
//
// # Other options
//
//   - `geo_map`: Plot a map of all IP address locations in communication with
//     the host (see the method below for plotting selected IPs only).
//
// # Run parameters
//
//   - `value`: Host name or IP address to summarize (required).
//   - `timespan`: Time range of the flows (start and end, or a period such as
//     1d ending now); with local files and no timespan, the range of the data.
//   - `options`: Options to run; none gives the defaults, +name adds to and
//     -name removes from the defaults, a plain list replaces them.
//
// # Settings
//
//   - `WithFlows`: Where the flows come from (a flows.Source); default the
//     embedded sample.
//   - `WithGeo`: The geo-IP locator; default the embedded sample City
//     database.
//   - `WithASN`: The ASN resolver; default the embedded sample ASN database.
//   - `WithTI`: The Threat Intelligence providers; default the embedded sample
//     indicator file.
//   - `WithHosts`: Where host details come from (a hosts.Resolver); default
//     the sample's host table when the flows are the sample.
//   - `WithAssets`: Where charts and maps load their JavaScript and tiles
//     from; default widgets.DefaultAssets().
//   - `WithWarnings`: Warnings to add to the result (for example about the
//     configuration).
//   - `WithSink`: Where the sections are displayed; default nb.DefaultSink().
//   - `WithStateDir`: Where the result is saved between cells; default
//     nb.StateDir().
//
// # Display sections
//
// # Host Network Summary
//
// Section key: run
//
// This shows a summary of network flows for this endpoint.
//
// Data and plots are stored in the Result value returned by Run.
//
// # Timeline of network flows by protocol type.
//
// Section key: plot_flows_by_protocol
//
// # Timeline of network flows by direction.
//
// Section key: plot_flows_by_direction
//
// I = inbound, O = outbound.
//
// # Timeline of network flows quantity.
//
// Section key: plot_flow_values
//
// Each protocol is plotted as a separate colored series. The vertical axis
// indicates the number for flows recorded for that time slot.
//
// # Flow Index.
//
// Section key: get_flow_index
//
// List of flows grouped by source, dest, protocol and direction.
//
// # Flow Summary with ASN details.
//
// Section key: get_flow_summary
//
// Gets the ASN details from WhoIs.
//
// The data shows flows grouped by source and destination ASNs. All protocol
// types and all source IP addresses are grouped into lists for each ASN.
//
// # Select the ASNs to process.
//
// Section key: select_asn_subset
//
// Choose any unusual looking ASNs that you want to examine.
//
// The remote IPs from each selected ASN will be sent to your selected Threat
// Intelligence providers to check if there are indications of malicious
// activity associated with these IPs.
//
// By default, the most infrequently accessed ASNs are selected.
//
// # TI Lookup for IP Addresses in selected ASNs.
//
// Section key: lookup_ip_ti
//
// The remote IPs from each selected ASN are are searched for your selected
// Threat Intelligence providers. Check the results to see if there are
// indications of malicious activity associated with these IPs.
//
// # Map of geographic location of selected IPs communicating with host
//
// Section key: display_geo_map
//
// Numbered circles indicate multiple items - click to expand these.
//
// Hovering over a location shows brief details, clicking on an IP location
// shows more detail.
//
// Location marker key
//
//   - Blue = outbound
//   - Purple = inbound
//   - Green = Host
//   - Red = Threats
//
// # Map of geographic location of all IPs communicating with host
//
// Section key: display_geo_map_all
//
// Numbered circles indicate multiple items - click to expand these.
//
// Hovering over a location shows brief details, clicking on an IP location
// shows more detail.
//
// Location marker key
//
//   - Blue = outbound
//   - Purple = inbound
//   - Green = Host
//
// # Next steps
//
// Section key: next_steps
//
// Each cell is a new program; the result of Run is saved in the state
// directory, so the calls below can go in the next cells.
//
//   - `flowsummary.New().SelectASNs(ctx)` shows the ASN selector (the rarest
//     ASNs are checked); press Apply to keep your choice.
//   - `flowsummary.New().LookupTIForASNIPs(ctx)` looks up the IPs of the
//     selected ASNs in your Threat Intelligence providers.
//   - `flowsummary.New().ShowSelectedASNMap(ctx)` plots the IPs of the
//     selected ASNs on a map, threats in red.
//   - `nb.Help("NetworkFlowSummary")` shows the options, methods, sections and
//     result fields of this notebooklet.
//
// # Result fields
//
//   - `HostEntity` (host_entity): The host investigated, with its names and IP
//     addresses.
//   - `NetworkFlows` (network_flows): The network flows of the host in the
//     time span (the first rows are kept; the count of the rest is reported).
//   - `PlotFlowsByProtocol` (plot_flows_by_protocol): Timeline of the flows by
//     L7 protocol (HTML).
//   - `PlotFlowsByDirection` (plot_flows_by_direction): Timeline of the flows
//     by direction, I = inbound, O = outbound (HTML).
//   - `PlotFlowValues` (plot_flow_values): Number of flows over time per L7
//     protocol (HTML).
//   - `FlowIndex` (flow_index): Table of flows grouped by source, dest, L7
//     protocol and direction (HTML).
//   - `FlowIndexData` (flow_index_data): The flow index rows with summed
//     TotalAllowedFlows.
//   - `FlowSummary` (flow_summary): Flows grouped by source and destination
//     ASN with TotalAllowedFlows, L7Protocols, source_ips and dest_ips.
//   - `TIResults` (ti_results): Threat-intel results for the IPs of the
//     selected ASNs (after LookupTIForASNIPs).
//   - `GeoMap` (geo_map): Map of all IP addresses in communication with the
//     host (option geo_map; HTML).
//   - `GeoMapSelected` (geo_map_selected): Map of the IP addresses of the
//     selected ASNs (after ShowSelectedASNMap; HTML).
//   - `DefaultASNSelection` (default_asn_selection): The ASNs selected by
//     default, those at or below the 25th percentile of TotalAllowedFlows,
//     excluding private addresses and the host's own ASNs.
//   - `SelectedASNs` (selected_asns): The ASNs chosen with SelectASNs (the
//     defaults until then).
//   - `Warnings` (warnings): What was ignored, missing or incomplete during
//     the run (unknown options, failed lookups).
package flowsummary

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
//   - `SetSelectedASNs` (set_selected_asns): Choose the ASNs from code, by AS
//     number, instead of the checkbox list.
//   - `LookupTIForASNIPs` (lookup_ti_for_asn_ips): Look up the IP addresses of
//     the selected ASNs in the Threat Intelligence providers and show the
//     positive results joined to their flows.
//   - `ShowSelectedASNMap` (show_selected_asn_map): Show a map of the IP
//     addresses of the selected ASNs, with threat-intel hits in red.
//   - `Show` (show): Show one display section again from the saved result,
//     without querying again (flowsummary.SectionFlowIndex, ...).
//   - `Result` (result): The saved result of this notebook's run, with what
//     the later steps added.
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
//   - `FromConfigFile`: Configure from msticpyconfig.yaml ("" = msticpy's
//     search order); no file found means the embedded sample.
//   - `FromConfig`: Configure from a loaded msticpyconfig and explicit sources
//     (flow files, databases, indicator file, workspace).
//   - `WithFlows`: Where the flows come from (a flows.Source).
//   - `WithGeo`: The geo-IP locator (a GeoLite2-City database).
//   - `WithASN`: The ASN resolver (a GeoLite2-ASN database, or the online
//     chain).
//   - `WithTI`: The Threat Intelligence providers.
//   - `WithHosts`: Where host details come from (a hosts.Resolver).
//   - `WithAssets`: Where charts and maps load their JavaScript and tiles
//     from; default widgets.DefaultAssets().
//   - `WithSink`: Where the sections are displayed; default nb.DefaultSink().
//   - `WithStateDir`: Where the result is saved between cells; default
//     nb.StateDir(); "" keeps it in memory.
//   - `WithSilent`: Show nothing and still fill the result (msticnb's silent);
//     Silent() makes a silent copy for one step.
//   - `WithLookupDeadline`: Bound the threat-intel lookup step (default one
//     minute).
//   - `WithMaxFlowsKept`: How many raw flows the result keeps.
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
// Each cell is a new program: the result of Run is saved beside the notebook,
// and the handle declared in the setup cell (`nbk`) carries on from it in the
// next cells, one line each.
//
//   - `nbk.SelectASNs(ctx)` shows the ASN selector (the rarest ASNs are
//     checked); press Apply to keep your choice.
//   - `nbk.LookupTIForASNIPs(ctx)` looks up the IPs of the selected ASNs in
//     your Threat Intelligence providers.
//   - `nbk.ShowSelectedASNMap(ctx)` plots the IPs of the selected ASNs on a
//     map, threats in red.
//   - `nbk.Show(ctx, flowsummary.SectionFlowSummary)` shows a section again
//     without querying again.
//   - `nb.Help("NetworkFlowSummary")` shows the options, methods, sections and
//     result fields of this notebooklet.
//
// # Result fields
//
//   - `HostEntity` (host_entity): The host investigated, with its names and IP
//     addresses.
//   - `Provenance` (provenance): The providers that produced the result
//     (flows, host details, geo-IP, ASN, threat intel), and whether they are
//     the embedded sample.
//   - `NetworkFlows` (network_flows): The network flows of the host in the
//     time span (the first rows are kept; the count of the rest is reported).
//   - `ProtocolSeries` (plot_flows_by_protocol): The timeline of the flows by
//     L7 protocol, as bucketed series (Show SectionFlowsByProtocol draws it).
//   - `DirectionSeries` (plot_flows_by_direction): The timeline of the flows
//     by direction, I = inbound, O = outbound (Show SectionFlowsByDirection).
//   - `FlowIndex` (flow_index): The flow index, flows grouped by source, dest,
//     L7 protocol and direction with summed TotalAllowedFlows (Show
//     SectionFlowIndex).
//   - `FlowIndexData` (flow_index_data): The flows with their source and dest,
//     before grouping (a method of Result, as msticnb's frame;
//     NetworkFlowSummary.Flows streams every flow of the run).
//   - `FlowSummary` (flow_summary): Flows grouped by source and destination
//     ASN with TotalAllowedFlows, L7Protocols, source_ips and dest_ips (Show
//     SectionFlowSummary).
//   - `TIResults` (ti_results): Threat-intel results for the IPs of the
//     selected ASNs (after LookupTIForASNIPs; Show SectionTILookup).
//   - `GeoMap` (geo_map): The map of all IP addresses in communication with
//     the host (option geo_map; Show SectionGeoMapAll).
//   - `GeoMapSelected` (geo_map_selected): The map of the IP addresses of the
//     selected ASNs (after ShowSelectedASNMap; Show SectionGeoMapSelected).
//   - `DefaultASNSelection` (default_asn_selection): The ASNs selected by
//     default, those at or below the 25th percentile of TotalAllowedFlows,
//     excluding private addresses and the host's own ASNs.
//   - `SelectedASNs` (selected_asns): The ASNs chosen with SelectASNs or
//     SetSelectedASNs, by AS number.
//   - `Warnings` (warnings): What was ignored, missing or incomplete during
//     the run (unknown options, failed lookups, providers that differ from the
//     run's).
package flowsummary

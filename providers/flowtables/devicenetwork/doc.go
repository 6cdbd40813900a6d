// Package devicenetwork reads the network events of Microsoft Defender for
// Endpoint — the DeviceNetworkEvents table of Defender XDR, also streamed
// into Microsoft Sentinel — and maps each connection event onto the one flow
// schema (flows.Flow): from local exports (portal or advanced-hunting CSV,
// JSON, NDJSON) and from Log Analytics, where the flow index and the time
// buckets are computed in KQL.
//
// Table reference: https://learn.microsoft.com/azure/azure-monitor/reference/tables/devicenetworkevents
// ActionType values: https://learn.microsoft.com/defender-xdr/advanced-hunting-devicenetworkevents-table
//
// # Events and directions
//
// The device is the host; each connection event is one flow:
//
//	ActionType                 direction
//	ConnectionSuccess          outbound: the device established a connection
//	ConnectionFailed           outbound: the device's attempt failed
//	ConnectionRequest          outbound: the device initiated a connection
//	InboundConnectionAccepted  inbound: the device accepted a connection
//	ConnectionFound            an active connection found on the device, with
//	                           no direction: inbound when the local port is
//	                           below the remote one (the device serves on the
//	                           lower, service port), else outbound
//
// Other ActionTypes (ListeningConnectionCreated, the *Inspected protocol
// details of connections already counted, …) are not flows; a local read
// counts them in a warning. The table records no filtering decision, so
// every connection event counts as one allowed flow — a failed outbound
// attempt too, as an NSG would have logged it allowed.
//
// # Column mapping
//
//	flows.Flow       DeviceNetworkEvents
//	TimeGenerated,   TimeGenerated (else Timestamp, as advanced hunting
//	FlowStartTime,   exports name it)
//	FlowEndTime
//	FlowType         RemoteIPType (Public, Private, Loopback, …)
//	FlowDirection    from ActionType, above
//	VMName           DeviceName's first label (DeviceName is the FQDN)
//	VMIPAddress      LocalIP
//	AllExtIPs        RemoteIP
//	SrcIP, DestIP    LocalIP, RemoteIP when outbound; RemoteIP, LocalIP when
//	                 inbound
//	PublicIPs        RemoteIP when it is public (ipaddr.IsPublic)
//	L4Protocol       Protocol (Tcp, TcpV4, TcpV6 → "T"; Udp… → "U")
//	L7Protocol       named from DestPort (https, dns, rdp, …; "unknown"):
//	                 the table has no application protocol
//	DestPort         RemotePort when outbound, LocalPort when inbound
//	AllowedOutFlows  1 for an outbound event
//	AllowedInFlows   1 for an inbound event
//
// The table has no byte counts (Stats.HasBytes stays false) and no regions.
// Addresses are read canonically: the IPv4-mapped forms Defender writes
// (::ffff:10.0.0.5) become IPv4.
//
// # The query
//
// FlowsKQL selects the connection events of the device (DeviceName has the
// host's first label, then the name or its first label compared exactly) or
// of the address (LocalIP or RemoteIP, also in its IPv4-mapped form) in the
// time range (TimeGenerated); FlowIndexKQL and TimeBucketsKQL map them in
// KQL as above and group them. A host name must be a plain name and is
// quoted; an address is parsed and written canonically.
package devicenetwork

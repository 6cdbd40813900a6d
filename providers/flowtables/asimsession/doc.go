// Package asimsession reads ASIM network sessions — the normalised view
// Microsoft Sentinel builds over firewalls, Zeek, VNet flow logs, Defender
// and dozens of other sources — and maps each session onto the one flow
// schema (flows.Flow): from local exports of _Im_NetworkSession results
// (portal CSV, JSON, NDJSON) and from Log Analytics, where the flow index
// and the time buckets are computed in KQL.
//
// Schema reference: https://learn.microsoft.com/azure/sentinel/network-normalization-schema
// Filtering parameters: https://learn.microsoft.com/azure/sentinel/normalization-about-parsers
//
// # The query runs in the parsers
//
// The source calls the unifying parser with its filtering parameters, so
// that every source-specific parser filters before normalising:
//
//	_Im_NetworkSession(starttime=datetime(…), endtime=datetime(…),
//	    ipaddr_has_any_prefix=dynamic(["10.0.3.5"]))   // a host's IPv4 address
//	_Im_NetworkSession(starttime=…, endtime=…,
//	    hostname_has_any=dynamic(["web01"]))             // a host name (first label)
//
// ipaddr_has_any_prefix matches the source or the destination address
// (srcipaddr_has_any_prefix and dstipaddr_has_any_prefix together would ask
// for both); a complete address is an exact prefix. The parsers' prefix
// filter is IPv4 only, so an IPv6 address is passed as no address filter
// and compared after the parsers (ipv6_compare). starttime and endtime
// select sessions that started in the range; EventEndTime ≤ end is checked
// after. The host name must be a plain name and the address is parsed and
// written canonically, so neither can change the query.
//
// # Which side is the host
//
// The host is the side whose address (SrcIpAddr, DstIpAddr) or host name
// (SrcHostname or SrcFQDN, DstHostname or DstFQDN) is the one queried. When
// neither or both sides are (a session the reporting device saw, a
// loopback), NetworkDirection decides: Inbound makes the host the
// destination, anything else the source. A host-side source makes the flow
// outbound ("O"), a host-side destination inbound ("I").
//
// # Column mapping
//
//	flows.Flow       ASIM network session
//	TimeGenerated    TimeGenerated
//	FlowStartTime    EventStartTime (else TimeGenerated)
//	FlowEndTime      EventEndTime (else FlowStartTime)
//	FlowType         EventProduct (which product reported the session; ASIM
//	                 has no flow category)
//	FlowDirection    from the host's side, above
//	VMName           the host side's SrcHostname/DstHostname, else the first
//	                 label of its SrcFQDN/DstFQDN, else DvcHostname for an
//	                 EndpointNetworkSession (the device is the endpoint)
//	VMIPAddress      the host side's SrcIpAddr/DstIpAddr
//	SrcIP, DestIP    SrcIpAddr, DstIpAddr
//	AllExtIPs        the other side's address
//	PublicIPs        AllExtIPs when it is public (ipaddr.IsPublic)
//	L4Protocol       NetworkProtocol (TCP → "T", UDP → "U", as
//	                 AzureNetworkAnalytics_CL writes them)
//	L7Protocol       NetworkApplicationProtocol lower-cased, else named from
//	                 DstPortNumber (https, dns, rdp, …; "unknown")
//	DestPort         DstPortNumber
//	AllowedOutFlows  EventCount (1 when empty or 0) for an outbound session
//	AllowedInFlows   the same for an inbound session
//	DeniedOutFlows,  instead of the allowed counts when DvcAction is Deny,
//	DeniedInFlows    Drop, Drop ICMP, Reset, Reset Source or Reset Destination
//	BytesSrcToDest   SrcBytes
//	BytesDestToSrc   DstBytes
//	VMRegion,        the host and other side's SrcRegion/DstRegion, which the
//	RemoteRegion     NTANetAnalytics parser adds (not an ASIM field)
//
// Sessions with no allowed flows (denied, dropped or reset) are not flows of
// the index, as msticpy's query for AzureNetworkAnalytics_CL leaves out the
// denied ones; a local read counts them in a warning. Stats.HasBytes is set
// when a kept session has SrcBytes or DstBytes.
//
// Note that _Im_NetworkSession normalises NTANetAnalytics and
// DeviceNetworkEvents too: for a host those tables cover, reading them
// directly gives their own counts (the NTANetAnalytics parser's EventCount
// is CompletedFlows, not the allowed flows).
package asimsession

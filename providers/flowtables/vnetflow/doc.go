// Package vnetflow reads VNet flow logs as Traffic Analytics stores them in
// the NTANetAnalytics table, the successor of the NSG flow logs'
// AzureNetworkAnalytics_CL, and maps each record onto the one flow schema
// (flows.Flow): from local exports (portal CSV, JSON, NDJSON) and from Log
// Analytics, where the flow index and the time buckets are computed in KQL.
//
// Table reference: https://learn.microsoft.com/azure/azure-monitor/reference/tables/ntanetanalytics
// Field formats: https://learn.microsoft.com/azure/network-watcher/traffic-analytics-schema
// (the "Virtual network flow logs" tab).
//
// # Which side is the host
//
// FlowDirection says whether the flow left ("O", "Outbound") or entered
// ("I", "Inbound") the network interface where it was captured; the
// reference writes I/O, Microsoft's ASIM parser for this table reads
// Inbound/Outbound, and both are accepted. For an outbound flow the host is
// the source side (SrcIp, SrcVm, SrcRegion, SrcPublicIps) and the remote end
// the destination side; for an inbound flow the other way round, as msticpy
// reads AzureNetworkAnalytics_CL (ExtIP = SrcIP when inbound, else DestIP).
//
// # Column mapping
//
//	flows.Flow       NTANetAnalytics
//	TimeGenerated    TimeGenerated
//	FlowStartTime    FlowStartTime
//	FlowEndTime      FlowEndTime
//	FlowType         FlowType (IntraVNet, ExternalPublic, AzurePublic, ...)
//	FlowDirection    FlowDirection: O/Outbound → "O", I/Inbound → "I"
//	VMName           the host side's SrcVm/DestVm ("rg/vm"): its last segment
//	VMIPAddress      the host side's SrcIp/DestIp, else the first address of
//	                 its SrcPublicIps/DestPublicIps
//	SrcIP, DestIP    SrcIp, DestIp
//	PublicIPs        the remote side's SrcPublicIps/DestPublicIps, one
//	                 address per packed entry
//	AllExtIPs        one remote address per flow: each address of PublicIPs,
//	                 then the remote side's SrcIp/DestIp when set (msticpy's
//	                 AllExtIPs, mv-expanded); "" when the record has none
//	L4Protocol       L4Protocol (T = TCP, U = UDP)
//	L7Protocol       L7Protocol
//	DestPort         DestPort
//	AllowedOutFlows  AllowedOutFlows (and AllowedInFlows, DeniedInFlows,
//	                 DeniedOutFlows likewise)
//	BytesSrcToDest   BytesSrcToDest, BytesDestToSrc: see below
//	RemoteRegion     AzureRegion (set for AzurePublic flows), else the remote
//	                 side's SrcRegion/DestRegion
//	VMRegion         the host side's SrcRegion/DestRegion
//
// SrcPublicIps and DestPublicIps are packed: entries separated by spaces,
// each "<IP>|<FLOW_STARTED_COUNT>|<FLOW_ENDED_COUNT>|<OUTBOUND_PACKETS>|
// <INBOUND_PACKETS>|<OUTBOUND_BYTES>|<INBOUND_BYTES>". A record with several
// remote addresses becomes one flow per address; as msticpy does for
// AzureNetworkAnalytics_CL, each carries the record's flow counts. Bytes are
// not repeated: a flow with one remote address has the record's
// BytesSrcToDest/BytesDestToSrc; with several, each packed entry its own
// OUTBOUND_BYTES/INBOUND_BYTES (source to destination and back, as the
// traffic analytics schema defines OutboundBytes/InboundBytes), and where
// the entries carry no bytes the first flow has the record's, so that the
// totals stay the record's. Stats.HasBytes is set when a kept record has a
// byte column.
//
// Records whose SubType is not FlowLog (status messages) and records with no
// allowed flows (AllowedOutFlows + AllowedInFlows = 0: denied only) are not
// flows of the index, as msticpy's query for AzureNetworkAnalytics_CL leaves
// them out; a local read counts them in a warning.
//
// # The query
//
// FlowsKQL (streamed flows) selects the host's FlowLog records in the time
// range with allowed flows and the columns above; FlowIndexKQL and
// TimeBucketsKQL map them in KQL as above and group them
// (flows.FlowIndexKQL, flows.TimeBucketsKQL). A host name must be a plain
// name and is quoted; an address is parsed and written canonically; IPv6
// addresses are compared with ipv6_compare.
package vnetflow

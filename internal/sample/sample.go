// Package sample embeds the synthetic sample dataset that notebooklets use
// when nothing is configured: several days of Azure NSG flows of one VM
// (msticalertswin1, 10.0.3.5), its host records, small GeoLite2-format City
// and ASN databases covering every public address in the flows, and a
// threat-indicator file that marks a few of those addresses malicious.
//
// The files in data/ are written by ./gen from the world defined in
// ./samplegen; all of it is made up (see data/README.md).
package sample

import _ "embed"

//go:generate go run ./gen -out data

// FlowsCSV is the sample flows in the projected AzureNetworkAnalytics
// schema (msticpy's column names), as CSV.
//
//go:embed data/flows.csv
var FlowsCSV []byte

// Hosts is the sample host records (Heartbeat, VMComputer and a
// NetworkInterface row of AzureNetworkAnalytics_CL) as a JSON array.
//
//go:embed data/hosts.json
var Hosts []byte

// CityDB is a GeoLite2-City format database covering the sample's public
// addresses.
//
//go:embed data/GeoLite2-City-sample.mmdb
var CityDB []byte

// ASNDB is a GeoLite2-ASN format database covering the sample's public
// addresses.
//
//go:embed data/GeoLite2-ASN-sample.mmdb
var ASNDB []byte

// TIIndicators is the sample threat-indicator file (CSV with columns ioc,
// ioc_type, severity, details, reference, provider).
//
//go:embed data/ti-indicators.csv
var TIIndicators []byte

// File names of the embedded data, for messages.
const (
	FlowsName        = "sample/flows.csv"
	HostsName        = "sample/hosts.json"
	CityDBName       = "sample/GeoLite2-City-sample.mmdb"
	ASNDBName        = "sample/GeoLite2-ASN-sample.mmdb"
	TIIndicatorsName = "sample/ti-indicators.csv"
)

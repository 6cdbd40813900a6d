// Package ti looks up indicators (IP addresses here) in threat-intelligence
// sources: a local indicator file by default; Microsoft Sentinel's own
// indicators (AzSTI) when a workspace is configured; and AlienVault OTX,
// VirusTotal, GreyNoise, AbuseIPDB and the Tor exit list as remote
// providers. Lookup runs them all with bounded concurrency, a circuit breaker
// per provider and a deadline for the whole step.
//
// # Severities
//
// msticpy grades a result information, warning or high, and msticnb's
// NetworkFlowSummary reports a result as positive when its severity is above
// information (lookup_ti_for_asn_ips keeps Severity ≥ warning). This package
// has one more level, Low, for signals msticpy reports as information; Low
// results are kept and shown but are not positive. IsPositive is the rule:
// looked up without error and Medium (msticpy's warning) or High.
//
//	Provider     Information                      Low (not positive)              Medium (msticpy warning)          High
//	VirusTotal   no engine malicious/suspicious;  suspicious verdicts only        1 engine says malicious           more than 1 engine malicious
//	             not known (404)
//	OTX          no pulses; not known (400/404)   reputation activities, or a     1 pulse                           2 or more pulses
//	                                              pulse count without pulses
//	GreyNoise    benign, unknown, RIOT; not       classification suspicious       -                                 classification malicious
//	             observed (404)
//	AbuseIPDB    abuseConfidenceScore 0;          -                               score 1 to 50                     score above 50
//	             invalid address (422)
//	Tor          not in the exit list             -                               an exit node                      -
//	AzSTI        no indicator, or only expired,   -                               an active indicator with          Confidence 80 or more; legacy
//	             inactive, revoked or deleted                                     Confidence below 80; legacy       table: Action alert or block,
//	             ones                                                             table: other Actions              or ConfidenceScore 80 or more
//	local file   severity information, or         severity low                    listed without a severity;        severity high (malicious,
//	             Result false; not listed                                         medium (warning, suspicious)      critical)
//
// Sources: msticpy's msticpy/context/tiproviders (virustotal.py,
// alienvault_otx.py, greynoise.py, abuseipdb.py, tor_exit_nodes.py,
// azure_sent_byoti.py) and msticnb's network_flow_summary.py. Where this
// package differs it says so: VirusTotal is read through the v3 API
// (last_analysis_stats: msticpy counts "positives" of the v2 API, with the
// same thresholds); OTX's extra Low level; GreyNoise's "suspicious" (newer
// API answers) is Low; msticpy's lookup path grades every match of the
// STIX ThreatIntelIndicators table high (it has no Action column and
// msticpy defaults Action to "alert"), where AzSTI here uses msticpy's
// Confidence rule (80 or more is high, else warning) — both are positive.
package ti

import "context"

// Severity of a TI result, in msticpy's order.
type Severity int

// Severities. Medium is msticpy's "warning"; Low is this package's extra
// level below it. A result is positive at Medium or above (IsPositive).
const (
	Information Severity = iota
	Low
	Medium
	High
)

// Result is one provider's answer for one indicator.
type Result struct {
	Ioc       string   `json:"Ioc"`
	IocType   string   `json:"IocType"` // "ipv4", "ipv6"
	Provider  string   `json:"Provider"`
	Positive  bool     `json:"Result"` // IsPositive(r), set by Lookup and the providers
	Severity  Severity `json:"Severity"`
	Details   string   `json:"Details"`
	Reference string   `json:"Reference"`
	// Err says why this indicator could not be looked up at this provider
	// (empty when it was); such results are never positive.
	Err string `json:"Error,omitempty"`
}

// IsPositive is THE rule for a threat: the indicator was looked up (no
// Err) and its severity is above msticpy's information level, i.e. Medium
// (msticpy's warning) or High — what msticnb's lookup_ti_for_asn_ips
// reports. Low results are not positive.
func IsPositive(r Result) bool { return r.Err == "" && r.Severity >= Medium }

// Provider looks up a batch of indicators. It returns one Result per
// indicator; indicators it could not look up carry Err. The error is for
// failures of the whole batch; one wrapping ErrProviderUnavailable or
// ErrUnauthorized makes Lookup stop asking the provider.
type Provider interface {
	Name() string
	Lookup(ctx context.Context, iocs []string) ([]Result, error)
}

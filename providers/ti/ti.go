// Package ti looks up indicators (IP addresses here) in threat-intelligence
// sources: a local indicator file by default, and AlienVault OTX, VirusTotal,
// GreyNoise, AbuseIPDB and the Tor exit list as remote providers.
package ti

import "context"

// Severity of a TI result, in msticpy's order.
type Severity int

// Severities. A result is positive at Low or above.
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
	Positive  bool     `json:"Result"` // true when Severity >= Low
	Severity  Severity `json:"Severity"`
	Details   string   `json:"Details"`
	Reference string   `json:"Reference"`
	// Err says why this indicator could not be looked up at this provider
	// (empty when it was); such results are never positive.
	Err string `json:"Error,omitempty"`
}

// Provider looks up a batch of indicators. It returns one Result per
// indicator; indicators it could not look up carry Err. The error is for
// failures of the whole batch.
type Provider interface {
	Name() string
	Lookup(ctx context.Context, iocs []string) ([]Result, error)
}

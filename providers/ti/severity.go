package ti

import (
	"fmt"
	"strconv"
	"strings"
)

var severityNames = [...]string{"information", "low", "medium", "high"}

// String returns the lower-case name of the severity ("information",
// "low", "medium", "high"), or "severity(N)" for values out of range.
func (s Severity) String() string {
	if s >= Information && s <= High {
		return severityNames[s]
	}
	return "severity(" + strconv.Itoa(int(s)) + ")"
}

// MarshalText encodes the severity as its name, so JSON shows "high"
// rather than 3.
func (s Severity) MarshalText() ([]byte, error) {
	if s < Information || s > High {
		return nil, fmt.Errorf("ti: severity %d out of range", int(s))
	}
	return []byte(severityNames[s]), nil
}

// UnmarshalText accepts the names MarshalText writes and the spellings
// found in msticpy results and indicator files (see ParseSeverity).
func (s *Severity) UnmarshalText(b []byte) error {
	v, err := ParseSeverity(string(b))
	if err != nil {
		return err
	}
	*s = v
	return nil
}

// ParseSeverity reads a severity name, case-insensitively: "information"
// (also "info", "informational", "none", "unknown", "benign", "clean", ""),
// "low", "medium" (also msticpy's "warning" and "suspicious"), "high" (also
// "malicious", "critical"), or a number 0..3.
func ParseSeverity(s string) (Severity, error) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "information", "info", "informational", "none", "unknown", "benign", "clean", "":
		return Information, nil
	case "low":
		return Low, nil
	case "medium", "warning", "suspicious":
		return Medium, nil
	case "high", "malicious", "critical":
		return High, nil
	case "0":
		return Information, nil
	case "1":
		return Low, nil
	case "2":
		return Medium, nil
	case "3":
		return High, nil
	}
	return Information, fmt.Errorf("ti: unknown severity %q (want information, low, medium or high)", s)
}

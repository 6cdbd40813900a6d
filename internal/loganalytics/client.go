// Package loganalytics holds what the Log Analytics (Azure Monitor Logs)
// providers share: building the azlogs client for a cloud or a test endpoint,
// running a query with its failures classified (rejected credential,
// throttling, unreachable service, partial results), reading the result
// table, and KQL literals (strings, lists, datetimes).
package loganalytics

import (
	"errors"
	"fmt"
	"strings"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/cloud"
	"github.com/Azure/azure-sdk-for-go/sdk/azidentity"
	"github.com/Azure/azure-sdk-for-go/sdk/monitor/query/azlogs"
)

// ErrAuth is matched (errors.Is) when Log Analytics rejects the credential
// (HTTP 401 or 403), whichever provider made the query.
var ErrAuth = errors.New("log analytics: not authorized")

// ClientConfig says where the client connects.
type ClientConfig struct {
	// Endpoint replaces https://api.loganalytics.io (sovereign clouds,
	// tests). Audience defaults to Endpoint.
	Endpoint, Audience string
	// ClientOptions are passed to azlogs (Transport, Retry, Logging, ...).
	ClientOptions azcore.ClientOptions
}

// NewClient returns an azlogs client. cred nil means azidentity's
// DefaultAzureCredential (environment, workload identity, managed identity,
// Azure CLI, ...).
func NewClient(cred azcore.TokenCredential, cfg ClientConfig) (*azlogs.Client, error) {
	if cred == nil {
		c, err := azidentity.NewDefaultAzureCredential(nil)
		if err != nil {
			return nil, fmt.Errorf("credential: %w", err)
		}
		cred = c
	}
	co := &azlogs.ClientOptions{ClientOptions: cfg.ClientOptions}
	if cfg.Endpoint != "" {
		aud := cfg.Audience
		if aud == "" {
			aud = cfg.Endpoint
		}
		co.Cloud = cloud.Configuration{
			ActiveDirectoryAuthorityHost: cloud.AzurePublic.ActiveDirectoryAuthorityHost,
			Services: map[cloud.ServiceName]cloud.ServiceConfiguration{
				azlogs.ServiceName: {Audience: aud, Endpoint: strings.TrimRight(cfg.Endpoint, "/")},
			},
		}
	}
	return azlogs.NewClient(cred, co)
}

var kqlEscaper = strings.NewReplacer(`\`, `\\`, `"`, `\"`, "\n", `\n`, "\r", `\r`)

// QuoteString quotes s as a KQL string literal.
func QuoteString(s string) string { return `"` + kqlEscaper.Replace(s) + `"` }

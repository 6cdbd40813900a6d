// Package loganalyticstest has test helpers for the Log Analytics providers.
package loganalyticstest

import (
	"context"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"
)

// Token is the bearer token that Credential hands out; fakes of the query
// API check that requests carry it.
const Token = "fake-token"

// Credential is an azcore.TokenCredential that always returns Token, valid
// for an hour, so tests never reach a real identity service.
type Credential struct{}

// GetToken implements azcore.TokenCredential.
func (Credential) GetToken(context.Context, policy.TokenRequestOptions) (azcore.AccessToken, error) {
	return azcore.AccessToken{Token: Token, ExpiresOn: time.Now().Add(time.Hour)}, nil
}

package loganalytics

import (
	"context"
	"testing"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"
)

func TestQuoteString(t *testing.T) {
	tests := []struct{ in, want string }{
		{"msticalertswin1", `"msticalertswin1"`},
		{`a"b`, `"a\"b"`},
		{`a\b`, `"a\\b"`},
		{"a\nb\r", `"a\nb\r"`},
		{`" | take 1 //`, `"\" | take 1 //"`},
	}
	for _, tt := range tests {
		if got := QuoteString(tt.in); got != tt.want {
			t.Errorf("QuoteString(%q) = %s, want %s", tt.in, got, tt.want)
		}
	}
}

type fakeCred struct{}

func (fakeCred) GetToken(context.Context, policy.TokenRequestOptions) (azcore.AccessToken, error) {
	return azcore.AccessToken{Token: "t", ExpiresOn: time.Now().Add(time.Hour)}, nil
}

func TestNewClientWithEndpoint(t *testing.T) {
	c, err := NewClient(fakeCred{}, ClientConfig{Endpoint: "https://127.0.0.1:1/"})
	if err != nil || c == nil {
		t.Fatalf("NewClient = %v, %v", c, err)
	}
}

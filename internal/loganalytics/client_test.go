package loganalytics

import (
	"testing"

	"github.com/gonotebooklets/notebooklets/internal/loganalytics/loganalyticstest"
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

func TestNewClientWithEndpoint(t *testing.T) {
	c, err := NewClient(loganalyticstest.Credential{}, ClientConfig{Endpoint: "https://127.0.0.1:1/"})
	if err != nil || c == nil {
		t.Fatalf("NewClient = %v, %v", c, err)
	}
}

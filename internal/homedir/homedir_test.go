package homedir

import (
	"path/filepath"
	"testing"
)

func TestExpand(t *testing.T) {
	t.Setenv("HOME", "/home/analyst")
	tests := []struct{ in, want string }{
		{"~", "/home/analyst"},
		{"~/GeoLite2/City.mmdb", filepath.Join("/home/analyst", "GeoLite2/City.mmdb")},
		{`~\x`, filepath.Join("/home/analyst", `\x`)},
		{"~other/x", "~other/x"},
		{"/abs/~/x", "/abs/~/x"},
		{"rel", "rel"},
		{"", ""},
	}
	for _, tt := range tests {
		if got := Expand(tt.in); got != tt.want {
			t.Errorf("Expand(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

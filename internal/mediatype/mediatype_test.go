package mediatype

import (
	"testing"

	"github.com/stretchr/testify/require"
)

func TestIsText(t *testing.T) {
	tests := []struct {
		mediaType string
		want      bool
	}{
		{"text/plain", true},
		{"text/html; charset=utf-8", true},
		{"text/x.cucumber.log+plain", true},
		{"application/json", true},
		{"application/vnd.conform.breach+json", true},
		{"application/problem+json; charset=utf-8", true},
		{"application/xml", true},
		{"text/xml", true},
		{"image/svg+xml", true},
		{"Application/JSON", true},    // media types are case-insensitive
		{"TEXT/Plain", true},          // likewise
		{"text/plain; charset", true}, // a malformed parameter does not change the type
		{" application/json ", true},  // nor does space around it
		{"application/octet-stream", false},
		{"image/png", false},
		{"application/jsonl", false},
		{"application/json-seq", false},
		{"application/xjson", false},
		{"text/", false}, // no subtype: does not parse
		{"json", false},
		{"", false},
	}
	for _, tt := range tests {
		t.Run(tt.mediaType, func(t *testing.T) {
			require.Equal(t, tt.want, IsText(tt.mediaType))
		})
	}
}

func TestIsJSON(t *testing.T) {
	for ct, want := range map[string]bool{
		"application/json":                                    true,
		"Application/JSON; charset=utf-8":                     true,
		"application/vnd.oracle.resource+json; type=singular": true,
		"application/vnd.oracle.adf.error+json":               true,
		"application/problem+json":                            true,
		"text/plain":                                          false,
		"text/json":                                           false,
		"application/yaml":                                    false,
		"application/jsonp":                                   false,
		"":                                                    false,
	} {
		require.Equal(t, want, IsJSON(ct), ct)
	}
}

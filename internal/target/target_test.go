package target

import (
	"testing"

	"github.com/stretchr/testify/require"
)

func TestRoot(t *testing.T) {
	tests := []struct{ in, want, err string }{
		{in: "https://host", want: "https://host/logisticsRestApi/data/v1"},
		{in: "https://host/", want: "https://host/logisticsRestApi/data/v1"},
		{in: "http://127.0.0.1:8080/logisticsRestApi/data/v1", want: "http://127.0.0.1:8080/logisticsRestApi/data/v1"},
		{in: "https://host/logisticsRestApi/data/v1/", want: "https://host/logisticsRestApi/data/v1"},
		{in: "https://gw.example/vendor", want: "https://gw.example/vendor/logisticsRestApi/data/v1"},
		{in: "host:8080", err: "want an http:// or https:// URL"},
		{in: "https://", err: "names no host"},
		{in: "https://alice:s3cret@host", err: "not in the URL"},
		{in: "https://host/?x=1", err: "query or a fragment"},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := Root(tt.in)
			if tt.err != "" {
				require.ErrorContains(t, err, tt.err)
				require.NotContains(t, err.Error(), "s3cret")
				return
			}
			require.NoError(t, err)
			require.Equal(t, tt.want, got)
		})
	}
}

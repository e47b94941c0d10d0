package export

import (
	"testing"

	"github.com/stretchr/testify/require"
)

func TestCallOf(t *testing.T) {
	tests := []struct {
		method, path string
		call         Call
		id           ID
	}{
		{"POST", Root + "/exportRequests", CallCreate, ""},
		{"GET", Root + "/exportStatuses/12345", CallStatus, "12345"},
		{"GET", "/gateway" + Root + "/exportStatuses/a%2Fb%20c", CallStatus, "a/b c"},
		{"POST", Root + "/custom-actions/cancel/exportRequests/7", CallCancel, "7"},
		{"GET", Root + "/exportRequests", NoCall, ""},
		{"POST", Root + "/exportStatuses/7", NoCall, ""},
		{"GET", Root + "/exportStatuses/", NoCall, ""},
		{"GET", Root + "/exportStatuses/7/parts", NoCall, ""},
		{"GET", "/elsewhere/exportStatuses/7", NoCall, ""},
	}
	for _, tt := range tests {
		t.Run(tt.method+" "+tt.path, func(t *testing.T) {
			call, id := CallOf(tt.method, tt.path)
			require.Equal(t, tt.call, call)
			require.Equal(t, tt.id, id)
		})
	}
}

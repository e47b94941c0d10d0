package steps

import (
	"context"
	"net/http"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/conform-harness/conform/export"
	"github.com/conform-harness/conform/internal/transport"
)

// TestClientPathsNameTheID: the client writes its paths with export.PathOf, so an id the target
// or a feature made up is sent as one path segment and read back as itself, and an id that
// cannot name a path is not sent at all.
func TestClientPathsNameTheID(t *testing.T) {
	var paths []string
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		paths = append(paths, r.Method+" "+r.URL.EscapedPath())
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusNotFound)
		w.Write([]byte(`{"title":"Not Found","status":404}`))
	})
	c, rec := testClient(t, h, transport.DefaultMaxResponseBytes)
	ctx := context.Background()
	for _, id := range []export.ID{"../x", "..", "100%", "日本"} {
		_, err := c.Status(ctx, id)
		require.NoError(t, err)
		ex := rec.all()[len(rec.all())-1]
		require.Equal(t, export.CallStatus, ex.Call)
		require.Equal(t, id, ex.Asked)
	}
	require.Equal(t, []string{
		"GET " + export.Root + "/exportStatuses/..%2Fx",
		"GET " + export.Root + "/exportStatuses/%2E%2E",
		"GET " + export.Root + "/exportStatuses/100%25",
		"GET " + export.Root + "/exportStatuses/%E6%97%A5%E6%9C%AC",
	}, paths)

	sent := len(paths)
	_, err := c.Status(ctx, export.ID(strings.Repeat("9", export.MaxPathID+1)))
	require.EqualError(t, err, "not sent: status: request id of 1025 bytes: at most 1024")
	_, err = c.Status(ctx, "")
	require.EqualError(t, err, "not sent: status: no request id")
	require.Len(t, paths, sent, "nothing was sent")
}

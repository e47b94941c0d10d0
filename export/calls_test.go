package export

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
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

// hostileIDs are ids a target or a feature may name that a path must carry as they are.
var hostileIDs = []ID{
	"12345", "a/b", "../../x", "..", ".", "...", "x/..", "%", "100%", "a%2Fb", "%2E%2E", "a b", "a?b#c",
	"a;b,c", "ü", "日本語", "🙂", "\x00\n", "+", ID(strings.Repeat("9", MaxPathID)), ID(strings.Repeat("ü", MaxPathID/2)),
}

// TestPathOfIsTheInverseOfCallOf: for every call and id, the path PathOf writes is read back by
// CallOf as that call and that id: below Root, after a gateway's prefix, and as the escaped
// path of the URL net/http makes of it.
func TestPathOfIsTheInverseOfCallOf(t *testing.T) {
	for _, c := range []Call{CallCreate, CallStatus, CallCancel} {
		ids := hostileIDs
		if c == CallCreate {
			ids = []ID{""}
		}
		for _, id := range ids {
			t.Run(c.String()+" "+string(id[:min(len(id), 12)]), func(t *testing.T) {
				for _, root := range []string{Root, Root + "/", "/gateway" + Root} {
					path, err := PathOf(root, c, id)
					require.NoError(t, err)
					call, got := CallOf(c.Method(), path)
					require.Equal(t, c, call, path)
					require.Equal(t, id, got, path)
				}
				u, err := PathOf("https://vendor.example:8443/gw"+Root, c, id)
				require.NoError(t, err)
				req, err := http.NewRequest(c.Method(), u, nil)
				require.NoError(t, err)
				require.Equal(t, "vendor.example:8443", req.URL.Host)
				call, got := CallOf(req.Method, req.URL.EscapedPath())
				require.Equal(t, c, call, u)
				require.Equal(t, id, got, u)

				rel, err := PathOf("", c, id)
				require.NoError(t, err)
				require.Equal(t, u, "https://vendor.example:8443/gw"+Root+rel, "below the root")
			})
		}
	}
}

// TestPathOfEscapesTheID: an id is one path segment, whatever it holds: nothing in it adds a
// segment, a query or a fragment, or is a dot segment a client or server would remove.
func TestPathOfEscapesTheID(t *testing.T) {
	tests := []struct {
		c    Call
		id   ID
		want string
	}{
		{CallCreate, "", "/exportRequests"},
		{CallStatus, "12345", "/exportStatuses/12345"},
		{CallStatus, "a/b", "/exportStatuses/a%2Fb"},
		{CallStatus, "..", "/exportStatuses/%2E%2E"},
		{CallStatus, ".", "/exportStatuses/%2E"},
		{CallStatus, "...", "/exportStatuses/..."},
		{CallStatus, "../../x", "/exportStatuses/..%2F..%2Fx"},
		{CallStatus, "100%", "/exportStatuses/100%25"},
		{CallStatus, "a?b#c", "/exportStatuses/a%3Fb%23c"},
		{CallStatus, "ü", "/exportStatuses/%C3%BC"},
		{CallCancel, "a b", "/custom-actions/cancel/exportRequests/a%20b"},
		{CallCancel, "7", "/custom-actions/cancel/exportRequests/7"},
	}
	for _, tt := range tests {
		got, err := PathOf("", tt.c, tt.id)
		require.NoError(t, err)
		require.Equal(t, tt.want, got)
		full, err := PathOf(Root, tt.c, tt.id)
		require.NoError(t, err)
		require.Equal(t, Root+tt.want, full)
	}
}

// TestPathOfRefusesWhatNamesNoCall: no path for what is not a call, and no id that is missing,
// out of place or too long.
func TestPathOfRefusesWhatNamesNoCall(t *testing.T) {
	tests := []struct {
		c    Call
		id   ID
		want string
	}{
		{NoCall, "", "no path: not a call of the API"},
		{NoCall, "7", "no path: not a call of the API"},
		{CallCreate, "7", `create: a create names no request id, got "7"`},
		{CallStatus, "", "status: no request id"},
		{CallCancel, "", "cancel: no request id"},
		{CallStatus, ID(strings.Repeat("9", MaxPathID+1)), "status: request id of 1025 bytes: at most 1024"},
		{CallCancel, ID(strings.Repeat("ü", MaxPathID/2+1)), "cancel: request id of 1026 bytes: at most 1024"},
	}
	for _, tt := range tests {
		got, err := PathOf(Root, tt.c, tt.id)
		require.EqualError(t, err, tt.want)
		require.Empty(t, got)
	}
}

// TestPathOfOnTheWire: the path a server receives names the call and the id PathOf was given.
func TestPathOfOnTheWire(t *testing.T) {
	type seen struct {
		call Call
		id   ID
	}
	got := make(chan seen, 1)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c, id := CallOf(r.Method, r.URL.EscapedPath())
		got <- seen{c, id}
	}))
	t.Cleanup(srv.Close)
	for _, c := range []Call{CallStatus, CallCancel} {
		for _, id := range hostileIDs {
			u, err := PathOf(srv.URL+Root, c, id)
			require.NoError(t, err)
			req, err := http.NewRequest(c.Method(), u, nil)
			require.NoError(t, err)
			resp, err := srv.Client().Do(req)
			require.NoError(t, err)
			resp.Body.Close()
			require.Equal(t, seen{c, id}, <-got, "%s %q", c, id)
		}
	}
}

// TestAppendPathIsPathOf: AppendPath appends what PathOf returns, a JSON string's content as it
// is, and leaves b as it was when it fails.
func TestAppendPathIsPathOf(t *testing.T) {
	for _, id := range append(hostileIDs, `a"b\c`, "\t") {
		want, err := PathOf(Root, CallStatus, id)
		require.NoError(t, err)
		got, err := AppendPath([]byte(`{"href":"`), Root, CallStatus, id)
		require.NoError(t, err)
		require.Equal(t, `{"href":"`+want, string(got))
		var doc struct{ Href string }
		require.NoError(t, json.Unmarshal(append(got, `"}`...), &doc), "%q needs no JSON escaping", id)
		require.Equal(t, want, doc.Href)
	}
	b := []byte("kept")
	got, err := AppendPath(b, Root, CallStatus, "")
	require.Error(t, err)
	require.Equal(t, "kept", string(got))
}

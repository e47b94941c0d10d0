package transport

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/require"
)

// elsewhere is a server that counts the requests that reach it and whether they carried
// credentials: nothing conform sends to the target may arrive here.
type elsewhere struct {
	*httptest.Server
	hits, withAuth atomic.Int32
}

func newElsewhere(t testing.TB) *elsewhere {
	t.Helper()
	e := &elsewhere{}
	e.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		e.hits.Add(1)
		if r.Header.Get("Authorization") != "" || r.URL.Query().Get("client_secret") != "" {
			e.withAuth.Add(1)
		}
		w.WriteHeader(http.StatusOK)
	}))
	t.Cleanup(e.Close)
	return e
}

// redirector answers every request with a 307 to target, keeping the path.
func redirector(t testing.TB, target string) *httptest.Server {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, target+r.URL.Path, http.StatusTemporaryRedirect)
	}))
	t.Cleanup(srv.Close)
	return srv
}

func TestAPIClientNeverFollowsARedirect(t *testing.T) {
	other := newElsewhere(t)
	// Same host name (127.0.0.1), another port: net/http alone would keep the Authorization
	// header and follow.
	from := redirector(t, other.URL)
	for _, method := range []string{http.MethodGet, http.MethodPost} {
		t.Run(method, func(t *testing.T) {
			req, err := http.NewRequest(method, from.URL+"/logisticsRestApi/data/v1/exportStatuses/1", strings.NewReader("{}"))
			require.NoError(t, err)
			req.SetBasicAuth("user", "secret")
			resp, err := APIClient(http.DefaultTransport).Do(req)
			require.NoError(t, err)
			resp.Body.Close()
			require.Equal(t, http.StatusTemporaryRedirect, resp.StatusCode, "the redirect is the answer")
			require.Equal(t, other.URL+"/logisticsRestApi/data/v1/exportStatuses/1", resp.Header.Get("Location"))
		})
	}
	require.Zero(t, other.hits.Load(), "nothing may reach the server a redirect points to")
}

func TestTokenClientFollowsOnlyWithinTheOrigin(t *testing.T) {
	other := newElsewhere(t)
	sameOrigin := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/token" {
			http.Redirect(w, r, "/token2", http.StatusTemporaryRedirect)
			return
		}
		w.WriteHeader(http.StatusOK)
	}))
	t.Cleanup(sameOrigin.Close)

	resp, err := TokenClient(http.DefaultTransport).Post(sameOrigin.URL+"/token", "application/x-www-form-urlencoded", strings.NewReader("grant_type=client_credentials"))
	require.NoError(t, err, "a redirect within the origin is followed")
	resp.Body.Close()
	require.Equal(t, http.StatusOK, resp.StatusCode)

	from := redirector(t, other.URL)
	req, err := http.NewRequest(http.MethodPost, from.URL+"/token", strings.NewReader("client_secret=s3cret"))
	require.NoError(t, err)
	req.SetBasicAuth("client", "s3cret")
	_, err = TokenClient(http.DefaultTransport).Do(req)
	require.ErrorIs(t, err, ErrCrossOriginRedirect)
	require.NotContains(t, err.Error(), "s3cret")
	require.Zero(t, other.hits.Load(), "the client secret must never reach another origin")
}

func TestOrigin(t *testing.T) {
	tests := []struct {
		a, b string
		same bool
	}{
		{"https://idp.example/token", "https://IDP.example:443/other", true},
		{"http://127.0.0.1/token", "http://127.0.0.1:80/x", true},
		{"http://127.0.0.1:8080/token", "http://127.0.0.1:8081/token", false},
		{"https://idp.example/token", "http://idp.example/token", false},
		{"https://idp.example/token", "https://evil.example/token", false},
		{"https://[::1]:8443/token", "https://[::1]:8443/t", true},
	}
	for _, tt := range tests {
		a, err := url.Parse(tt.a)
		require.NoError(t, err)
		b, err := url.Parse(tt.b)
		require.NoError(t, err)
		require.Equal(t, tt.same, SameOrigin(a, b), "%s vs %s", tt.a, tt.b)
	}
}

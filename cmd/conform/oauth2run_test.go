package main

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/conform-harness/conform/fakeserver"
)

// bearerFake is the bundled fake behind a gateway that takes Bearer tokens issued by
// tokenPrefix and passes them on as the fake's HTTP Basic credentials.
func bearerFake(t testing.TB, tokenPrefix string) *httptest.Server {
	t.Helper()
	fake := fakeserver.New(fakeserver.Options{TableDuration: 150 * time.Millisecond, CancelDelay: 400 * time.Millisecond, Username: "gw", Password: "gw-pass"})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		auth := r.Header.Get("Authorization")
		r.Header.Del("Authorization")
		if strings.HasPrefix(auth, "Bearer "+tokenPrefix) {
			r.SetBasicAuth("gw", "gw-pass")
		}
		fake.ServeHTTP(w, r)
	}))
	t.Cleanup(srv.Close)
	return srv
}

// flakyTokenEndpoint issues tokens that have expired by their next use (every call needs a new
// one) for its first good requests, and answers 500 after.
func flakyTokenEndpoint(t testing.TB, good int32) (*httptest.Server, *atomic.Int32) {
	t.Helper()
	var hits atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n := hits.Add(1)
		if n > good {
			http.Error(w, "token service down", http.StatusInternalServerError)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(map[string]any{"access_token": fmt.Sprintf("tok-secret-%d", n), "token_type": "Bearer", "expires_in": -1})
	}))
	t.Cleanup(srv.Close)
	return srv, &hits
}

func oauth2Env(t testing.TB, baseURL, tokenURL string) {
	withoutCredentials(t)
	t.Setenv("CONFORM_BASE_URL", baseURL)
	t.Setenv("CONFORM_OAUTH2_TOKEN_URL", tokenURL)
	t.Setenv("CONFORM_OAUTH2_CLIENT_ID", "ci")
	t.Setenv("CONFORM_OAUTH2_CLIENT_SECRET", "client-secret-value")
}

// TestTokenRefreshFailureMidRunIsACredentialsError: the token endpoint gives the preflight and the
// first calls their tokens, then answers 500. The scenarios failed for want of a token, not
// because of the target: exit 3, saying so; and the requests left running are to be cancelled
// with a Bearer token, not curl -u.
func TestTokenRefreshFailureMidRunIsACredentialsError(t *testing.T) {
	tokens, _ := flakyTokenEndpoint(t, 3)
	srv := bearerFake(t, "tok-secret-")
	oauth2Env(t, srv.URL, tokens.URL+"/token")
	code, out, errOut := conform(t, append([]string{"run", "--concurrency", "1", "--format", "progress"}, fastLive...)...)
	require.Equal(t, exitUnreachable, code, "stdout:\n%s\nstderr:\n%s", out, errOut)
	require.Contains(t, errOut, "conform: credentials: the credentials failed during the run")
	require.Contains(t, errOut, "failed: HTTP 500")
	require.NotContains(t, errOut, "the target does not conform")
	require.Contains(t, errOut, "cancel each by hand")
	require.Contains(t, errOut, `curl -X POST -H "Authorization: Bearer $TOKEN" '`+srv.URL)
	require.NotContains(t, errOut, "curl -X POST -u", "a Bearer target is not cancelled with Basic credentials")
	require.NotContains(t, errOut+out, "tok-secret-", "no token is printed")
}

// TestWebPageAtTheTokenURL: a token URL that answers 200 with a web page was reached; the run
// says it is not a token endpoint (exit 3), not that it is unreachable.
func TestWebPageAtTheTokenURL(t *testing.T) {
	var hits atomic.Int32
	portal := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		w.Header().Set("Content-Type", "text/html")
		_, _ = w.Write([]byte("<html><body>Sign in to continue</body></html>"))
	}))
	t.Cleanup(portal.Close)
	srv := bearerFake(t, "never-")
	oauth2Env(t, srv.URL, portal.URL+"/token")
	code, _, errOut := conform(t, append([]string{"run"}, fastLive...)...)
	require.Equal(t, exitUnreachable, code, errOut)
	require.Contains(t, errOut, "reached, but not a token endpoint: it answered 200 OK with a web page (text/html)")
	require.NotContains(t, errOut, "unreachable")
	require.NotContains(t, errOut, "Sign in")
	require.Positive(t, hits.Load())
}

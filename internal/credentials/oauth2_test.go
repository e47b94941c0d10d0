package credentials

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/require"
	"golang.org/x/oauth2"
)

// tokenServer is a local OAuth2 token endpoint that accepts one client and issues numbered
// tokens.
type tokenServer struct {
	*httptest.Server
	hits      atomic.Int32 // token requests that presented valid credentials
	mu        sync.Mutex   // guards scopes
	scopes    []string     // the scope parameter of each successful request
	expiresIn int          // seconds; a negative value issues tokens expired already
}

func newTokenServer(t testing.TB, clientID, secret string, expiresIn int) *tokenServer {
	t.Helper()
	ts := &tokenServer{expiresIn: expiresIn}
	ts.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodPost || r.URL.Path != "/token" {
			http.Error(w, "not found", http.StatusNotFound)
			return
		}
		if err := r.ParseForm(); err != nil || r.PostForm.Get("grant_type") != "client_credentials" {
			writeTokenJSON(w, http.StatusBadRequest, map[string]any{"error": "unsupported_grant_type"})
			return
		}
		// The library sends the credentials form-encoded inside a Basic header, or in the body.
		id, sec, ok := r.BasicAuth()
		if ok {
			id, _ = url.QueryUnescape(id)
			sec, _ = url.QueryUnescape(sec)
		} else {
			id, sec = r.PostForm.Get("client_id"), r.PostForm.Get("client_secret")
		}
		if id != clientID || sec != secret {
			// Some endpoints echo what they were sent; the harness must not pass that on.
			writeTokenJSON(w, http.StatusUnauthorized, map[string]any{
				"error":             "invalid_client",
				"error_description": fmt.Sprintf("client %s with secret %s is unknown", id, sec),
			})
			return
		}
		n := ts.hits.Add(1)
		ts.mu.Lock()
		ts.scopes = append(ts.scopes, r.PostForm.Get("scope"))
		ts.mu.Unlock()
		writeTokenJSON(w, http.StatusOK, map[string]any{
			"access_token": fmt.Sprintf("access-token-%d", n),
			"token_type":   "Bearer",
			"expires_in":   ts.expiresIn,
		})
	}))
	t.Cleanup(ts.Close)
	return ts
}

func writeTokenJSON(w http.ResponseWriter, status int, body map[string]any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(body)
}

func oauthConfig(tokenURL, secret string) Config {
	return Config{OAuth2: &OAuth2{
		TokenURL: tokenURL, ClientID: "conform-ci", ClientSecret: secret,
		Scopes: []string{"exports.read", "exports.write"},
	}}
}

// authenticate runs a on a fresh request and returns its Authorization header.
func authenticate(t testing.TB, a Authenticator) (string, error) {
	t.Helper()
	r, err := http.NewRequest(http.MethodGet, "http://127.0.0.1/exportStatuses/1", nil)
	require.NoError(t, err)
	err = a.Authenticate(r)
	return r.Header.Get("Authorization"), err
}

func TestOAuth2TokenIsFetchedOnceAndCached(t *testing.T) {
	ts := newTokenServer(t, "conform-ci", testSecret, 3600)
	red := NewRedactor()
	a := NewAuthenticator(context.Background(), oauthConfig(ts.URL+"/token", testSecret), ts.Client(), red)

	var wg sync.WaitGroup
	headers := make([]string, 8)
	errs := make([]error, 8)
	for i := range headers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			headers[i], errs[i] = authenticate(t, a)
		}()
	}
	wg.Wait()

	for i := range headers {
		require.NoError(t, errs[i])
		require.Equal(t, "Bearer access-token-1", headers[i])
	}
	require.Equal(t, int32(1), ts.hits.Load(), "token endpoint calls")
	ts.mu.Lock()
	require.Equal(t, []string{"exports.read exports.write"}, ts.scopes)
	ts.mu.Unlock()
	require.Equal(t, "Authorization: Bearer "+Redacted, red.String("Authorization: Bearer access-token-1"))
	require.Equal(t, "secret="+Redacted, red.String("secret="+testSecret), "config secrets registered too")
}

func TestOAuth2TokenIsRefreshedWhenItExpires(t *testing.T) {
	// A token that has expired already (expires_in < 0) is fetched again at its next use.
	ts := newTokenServer(t, "conform-ci", testSecret, -1)
	red := NewRedactor()
	a := NewAuthenticator(context.Background(), oauthConfig(ts.URL+"/token", testSecret), ts.Client(), red)

	first, err := authenticate(t, a)
	require.NoError(t, err)
	second, err := authenticate(t, a)
	require.NoError(t, err)

	require.Equal(t, "Bearer access-token-1", first)
	require.Equal(t, "Bearer access-token-2", second)
	require.Equal(t, int32(2), ts.hits.Load())
	require.Equal(t, Redacted+" "+Redacted, red.String("access-token-1 access-token-2"))
}

func TestOAuth2Rejected(t *testing.T) {
	const wrongSecret = "wr0ng-s3cret"
	tests := []struct {
		name       string
		handler    http.HandlerFunc
		wantStatus int
		wantCode   string
		wantMsg    []string
	}{
		{
			name:       "401 invalid_client echoing the secret",
			wantStatus: http.StatusUnauthorized, wantCode: "invalid_client",
			wantMsg: []string{"rejected the client credentials", `client "conform-ci"`, "HTTP 401", "invalid_client", Redacted},
		},
		{
			name: "400 invalid_scope",
			handler: func(w http.ResponseWriter, r *http.Request) {
				writeTokenJSON(w, http.StatusBadRequest, map[string]any{"error": "invalid_scope"})
			},
			wantStatus: http.StatusBadRequest, wantCode: "invalid_scope",
			wantMsg: []string{"rejected", "HTTP 400 invalid_scope"},
		},
		{
			name: "200 carrying an error code",
			handler: func(w http.ResponseWriter, r *http.Request) {
				writeTokenJSON(w, http.StatusOK, map[string]any{"error": "unauthorized_client"})
			},
			wantStatus: http.StatusOK, wantCode: "unauthorized_client",
			wantMsg: []string{"rejected", "unauthorized_client"},
		},
		{
			name: "403 with a raw body that echoes the request",
			handler: func(w http.ResponseWriter, r *http.Request) {
				body, _ := io.ReadAll(r.Body)
				w.WriteHeader(http.StatusForbidden)
				_, _ = fmt.Fprintf(w, "denied: %s %s", r.Header.Get("Authorization"), body)
			},
			wantStatus: http.StatusForbidden,
			wantMsg:    []string{"rejected", "HTTP 403"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var tokenURL string
			if tt.handler == nil {
				ts := newTokenServer(t, "conform-ci", testSecret, 3600)
				tokenURL = ts.URL + "/token"
			} else {
				srv := httptest.NewServer(tt.handler)
				t.Cleanup(srv.Close)
				tokenURL = srv.URL + "/token"
			}
			a := NewAuthenticator(context.Background(), oauthConfig(tokenURL, wrongSecret), nil, NewRedactor())

			header, err := authenticate(t, a)

			require.Empty(t, header)
			var rejected *RejectedError
			require.ErrorAs(t, err, &rejected)
			require.Equal(t, tt.wantStatus, rejected.StatusCode)
			require.Equal(t, tt.wantCode, rejected.Code)
			for _, want := range tt.wantMsg {
				require.ErrorContains(t, err, want)
			}
			require.NotContains(t, err.Error(), wrongSecret)
			require.NotContains(t, err.Error(), url.QueryEscape(wrongSecret))
			var retrieveErr *oauth2.RetrieveError
			require.ErrorAs(t, err, &retrieveErr, "the cause is unwrapped")
		})
	}
}

func TestOAuth2EndpointFailureIsNeitherRejectedNorUnreachable(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		w.WriteHeader(http.StatusInternalServerError)
		_, _ = fmt.Fprintf(w, "stack trace... request was %s %s", r.Header.Get("Authorization"), body)
	}))
	defer srv.Close()
	a := NewAuthenticator(context.Background(), oauthConfig(srv.URL+"/token", testSecret), nil, NewRedactor())

	_, err := authenticate(t, a)

	require.ErrorContains(t, err, "oauth2 token endpoint "+srv.URL+"/token failed: HTTP 500")
	require.NotContains(t, err.Error(), "stack trace")
	require.NotContains(t, err.Error(), testSecret)
	var rejected *RejectedError
	require.False(t, errors.As(err, &rejected))
	var unreachable *UnreachableError
	require.False(t, errors.As(err, &unreachable))
}

func TestOAuth2Unreachable(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	closedURL := "http://" + ln.Addr().String() + "/token"
	require.NoError(t, ln.Close())

	tlsSrv := httptest.NewUnstartedServer(http.NotFoundHandler())
	tlsSrv.Config.ErrorLog = log.New(io.Discard, "", 0) // the failed handshake is expected
	tlsSrv.StartTLS()
	defer tlsSrv.Close()

	tests := []struct {
		name     string
		tokenURL string
		wantMsg  string
	}{
		{name: "connection refused", tokenURL: closedURL, wantMsg: "connection refused"},
		// The default client does not trust the test server's certificate.
		{name: "certificate not trusted", tokenURL: tlsSrv.URL + "/token", wantMsg: "certificate"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a := NewAuthenticator(context.Background(), oauthConfig(tt.tokenURL, testSecret), &http.Client{}, NewRedactor())

			_, err := authenticate(t, a)

			var unreachable *UnreachableError
			require.ErrorAs(t, err, &unreachable)
			require.Equal(t, tt.tokenURL, unreachable.TokenURL)
			require.ErrorContains(t, err, "cannot reach the oauth2 token endpoint "+tt.tokenURL)
			require.ErrorContains(t, err, tt.wantMsg)
			require.NotContains(t, err.Error(), testSecret)
		})
	}
}

func TestOAuth2CancelledContextIsNotUnreachable(t *testing.T) {
	ts := newTokenServer(t, "conform-ci", testSecret, 3600)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	a := NewAuthenticator(ctx, oauthConfig(ts.URL+"/token", testSecret), ts.Client(), NewRedactor())

	_, err := authenticate(t, a)

	require.ErrorIs(t, err, context.Canceled)
	var unreachable *UnreachableError
	require.False(t, errors.As(err, &unreachable))
	require.True(t, strings.HasPrefix(err.Error(), "oauth2 token request: "), err.Error())
}

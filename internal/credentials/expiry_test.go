package credentials

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// TestOAuth2ShortLivedTokenIsReused: a token that lives 3 s serves every call made within its
// lifetime, less the early refresh; it is not fetched again for each call.
func TestOAuth2ShortLivedTokenIsReused(t *testing.T) {
	ts := newTokenServer(t, "conform-ci", testSecret, 3)
	a := NewAuthenticator(context.Background(), oauthConfig(ts.URL+"/token", testSecret), ts.Client(), NewRedactor())
	start := time.Now()
	for range 57 {
		h, err := authenticate(t, a)
		require.NoError(t, err)
		require.Equal(t, "Bearer access-token-1", h)
	}
	if time.Since(start) < 2*time.Second { // a machine this slow could see the token renewed, rightly
		require.Equal(t, int32(1), ts.hits.Load(), "token requests for 57 calls within the token's lifetime")
	}
}

func TestEarlyExpiry(t *testing.T) {
	now := time.Date(2026, 12, 6, 21, 0, 0, 0, time.UTC)
	tests := []struct {
		name          string
		expiry, renew time.Time
	}{
		{"no expiry: never renewed", time.Time{}, time.Time{}},
		{"an hour: 10 s early", now.Add(time.Hour), now.Add(time.Hour - 10*time.Second)},
		{"3 s: a fifth early", now.Add(3 * time.Second), now.Add(2400 * time.Millisecond)},
		{"50 s: exactly 10 s early", now.Add(50 * time.Second), now.Add(40 * time.Second)},
		{"expired already: as it is", now.Add(-time.Second), now.Add(-time.Second)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			require.Equal(t, tt.renew, earlyExpiry(now, tt.expiry))
		})
	}
}

// sequenceTokenServer answers the n-th token request (from 1) with answer(n, w).
func sequenceTokenServer(t testing.TB, answer func(n int32, w http.ResponseWriter)) (*httptest.Server, *atomic.Int32) {
	var hits atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		answer(hits.Add(1), w)
	}))
	t.Cleanup(srv.Close)
	return srv, &hits
}

// TestOAuth2ConcurrentCallersShareOneRefresh: when the token expires, callers at the same
// moment wait for one token request.
func TestOAuth2ConcurrentCallersShareOneRefresh(t *testing.T) {
	srv, hits := sequenceTokenServer(t, func(n int32, w http.ResponseWriter) {
		expiresIn := 3 // short-lived: shared all the same
		if n == 1 {
			expiresIn = -1 // the first token has expired by its next use
		}
		writeTokenJSON(w, http.StatusOK, map[string]any{"access_token": fmt.Sprintf("access-token-%d", n), "token_type": "Bearer", "expires_in": expiresIn})
	})
	a := NewAuthenticator(context.Background(), oauthConfig(srv.URL+"/token", testSecret), srv.Client(), NewRedactor())
	first, err := authenticate(t, a)
	require.NoError(t, err)
	require.Equal(t, "Bearer access-token-1", first)

	var wg sync.WaitGroup
	headers := make([]string, 16)
	for i := range headers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			headers[i], _ = authenticate(t, a)
		}()
	}
	wg.Wait()
	for _, h := range headers {
		require.Equal(t, "Bearer access-token-2", h)
	}
	require.Equal(t, int32(2), hits.Load(), "one refresh for 16 callers")
}

// TestOAuth2RefreshFailure: a token endpoint that answers 500 after a first token fails the
// next call that needs a new token, with a TokenEndpointError, not a rejection.
func TestOAuth2RefreshFailure(t *testing.T) {
	srv, _ := sequenceTokenServer(t, func(n int32, w http.ResponseWriter) {
		if n > 1 {
			http.Error(w, "down", http.StatusInternalServerError)
			return
		}
		writeTokenJSON(w, http.StatusOK, map[string]any{"access_token": "access-token-1", "token_type": "Bearer", "expires_in": -1})
	})
	a := NewAuthenticator(context.Background(), oauthConfig(srv.URL+"/token", testSecret), srv.Client(), NewRedactor())
	_, err := authenticate(t, a)
	require.NoError(t, err)
	_, err = authenticate(t, a)
	var endpointErr *TokenEndpointError
	require.ErrorAs(t, err, &endpointErr)
	require.ErrorContains(t, err, "failed: HTTP 500")
}

// TestOAuth2WebPageIsNotATokenEndpoint: a token URL that answers with a web page (a login
// portal, a wrong path) was reached: it is not a token endpoint, whatever the status.
func TestOAuth2WebPageIsNotATokenEndpoint(t *testing.T) {
	for _, status := range []int{http.StatusOK, http.StatusNotFound, http.StatusUnauthorized} {
		t.Run(http.StatusText(status), func(t *testing.T) {
			srv, _ := sequenceTokenServer(t, func(_ int32, w http.ResponseWriter) {
				w.Header().Set("Content-Type", "text/html; charset=utf-8")
				w.WriteHeader(status)
				_, _ = w.Write([]byte("<!doctype html><html><body>Sign in</body></html>"))
			})
			a := NewAuthenticator(context.Background(), oauthConfig(srv.URL+"/token", testSecret), srv.Client(), NewRedactor())
			_, err := authenticate(t, a)
			var notToken *NotATokenEndpointError
			require.ErrorAs(t, err, &notToken)
			require.ErrorContains(t, err, "reached, but not a token endpoint")
			require.ErrorContains(t, err, "with a web page (text/html)")
			require.NotContains(t, err.Error(), "Sign in", "the page itself is not shown")
			var unreachable *UnreachableError
			require.False(t, errors.As(err, &unreachable))
		})
	}
}

// TestOAuth2AnswerWithoutATokenIsNotATokenEndpoint: JSON without an access_token.
func TestOAuth2AnswerWithoutATokenIsNotATokenEndpoint(t *testing.T) {
	srv, _ := sequenceTokenServer(t, func(_ int32, w http.ResponseWriter) {
		writeTokenJSON(w, http.StatusOK, map[string]any{"status": "ok"})
	})
	a := NewAuthenticator(context.Background(), oauthConfig(srv.URL+"/token", testSecret), srv.Client(), NewRedactor())
	_, err := authenticate(t, a)
	var notToken *NotATokenEndpointError
	require.ErrorAs(t, err, &notToken)
	require.ErrorContains(t, err, "its answer holds no token")
}

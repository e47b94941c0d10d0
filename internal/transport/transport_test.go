package transport

import (
	"bytes"
	"context"
	"crypto/tls"
	"encoding/pem"
	"errors"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"reflect"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// newTLSServer starts a TLS test server answering "ok" and writes its certificate to a PEM file.
func newTLSServer(t testing.TB) (srv *httptest.Server, caFile string) {
	t.Helper()
	srv = httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.WriteString(w, "ok")
	}))
	// The failed handshake the tests provoke is expected; keep it out of the test output.
	srv.Config.ErrorLog = log.New(io.Discard, "", 0)
	srv.StartTLS()
	t.Cleanup(srv.Close)
	caFile = filepath.Join(t.TempDir(), "ca.pem")
	block := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: srv.Certificate().Raw})
	require.NoError(t, os.WriteFile(caFile, block, 0o600))
	return srv, caFile
}

func TestTLS(t *testing.T) {
	tests := []struct {
		name        string
		opts        func(caFile string) Options
		wantErr     bool
		wantWarning bool
	}{
		{name: "system roots only reject the test certificate", opts: func(string) Options { return Options{} }, wantErr: true},
		{name: "CA file is trusted", opts: func(ca string) Options { return Options{CAFile: ca} }},
		{name: "insecure skips verification and warns", opts: func(string) Options { return Options{InsecureSkipVerify: true} }, wantWarning: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			srv, caFile := newTLSServer(t)
			var warn bytes.Buffer
			rec := &sleepRecorder{}
			o := tt.opts(caFile)
			o.Warn = &warn
			o.Sleep = rec.Sleep
			rt := newTransport(t, o)

			status, body, err := roundTrip(t, rt, newRequest(t, http.MethodGet, srv.URL, nil))

			if tt.wantErr {
				var verifyErr *tls.CertificateVerificationError
				require.ErrorAs(t, err, &verifyErr)
				require.Empty(t, rec.all(), "a certificate error is not retried")
			} else {
				require.NoError(t, err)
				require.Equal(t, http.StatusOK, status)
				require.Equal(t, "ok", body)
			}
			if tt.wantWarning {
				require.Contains(t, warn.String(), "--insecure-skip-verify")
				require.Contains(t, warn.String(), "not verified")
			} else {
				require.Empty(t, warn.String())
			}
		})
	}
}

func TestBadCAFile(t *testing.T) {
	dir := t.TempDir()
	garbage := filepath.Join(dir, "garbage.pem")
	require.NoError(t, os.WriteFile(garbage, []byte("not a certificate\n"), 0o600))
	missing := filepath.Join(dir, "missing.pem")
	tests := []struct {
		name    string
		file    string
		wantMsg string
	}{
		{name: "missing", file: missing, wantMsg: "no such file"},
		{name: "no certificate", file: garbage, wantMsg: "no PEM certificate found"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rt, err := New(Options{CAFile: tt.file})
			require.Nil(t, rt)
			require.ErrorContains(t, err, tt.file)
			require.ErrorContains(t, err, tt.wantMsg)

			_, err = TLSConfig(Options{CAFile: tt.file})
			require.ErrorContains(t, err, tt.file)
		})
	}
}

func TestTLSConfig(t *testing.T) {
	_, caFile := newTLSServer(t)

	cfg, err := TLSConfig(Options{})
	require.NoError(t, err)
	require.Nil(t, cfg.RootCAs, "nil RootCAs means the system roots")
	require.False(t, cfg.InsecureSkipVerify)

	cfg, err = TLSConfig(Options{CAFile: caFile})
	require.NoError(t, err)
	require.NotNil(t, cfg.RootCAs)

	cfg, err = TLSConfig(Options{InsecureSkipVerify: true})
	require.NoError(t, err)
	require.True(t, cfg.InsecureSkipVerify)
}

func TestDefaultBaseTakesProxyFromEnvironment(t *testing.T) {
	rt := newTransport(t, Options{})

	base, ok := rt.(*retryTransport).base.(*http.Transport)
	require.True(t, ok, "default base is %T", rt.(*retryTransport).base)
	require.NotSame(t, http.DefaultTransport, base, "the default transport is cloned, not shared")
	require.NotNil(t, base.Proxy)
	// net/http reads the proxy variables once per process, so compare the function itself
	// rather than setting HTTP_PROXY here.
	require.Equal(t, reflect.ValueOf(http.ProxyFromEnvironment).Pointer(), reflect.ValueOf(base.Proxy).Pointer())
	require.NotNil(t, base.TLSClientConfig)
}

func TestDefaults(t *testing.T) {
	rt := newTransport(t, Options{}).(*retryTransport)
	require.Equal(t, DefaultTimeout, rt.timeout)
	require.Equal(t, DefaultMaxRetries, rt.maxRetries)
	require.Equal(t, DefaultBaseDelay, rt.baseDelay)
	require.Equal(t, DefaultMaxRetryAfter, rt.maxRetryAfter)
	require.NotNil(t, rt.sleep)
}

// blockingServer answers each request with a 200, its headers and first flushed bytes, and then
// waits for release (or for the client to go away) before it writes the rest of the body.
func blockingServer(t testing.TB, headersFirst bool) (srv *httptest.Server, release chan struct{}) {
	t.Helper()
	release = make(chan struct{})
	srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if headersFirst {
			_, _ = io.WriteString(w, "first half,")
			_ = http.NewResponseController(w).Flush()
		}
		select {
		case <-release:
		case <-r.Context().Done():
			return
		}
		_, _ = io.WriteString(w, "second half")
	}))
	// Cleanups run last-registered first: release the handlers, then close the server.
	t.Cleanup(srv.Close)
	t.Cleanup(func() {
		select {
		case <-release:
		default:
			close(release)
		}
	})
	return srv, release
}

func TestTimeout(t *testing.T) {
	tests := []struct {
		name         string
		headersFirst bool
	}{
		{name: "no headers in time"},
		{name: "body not finished in time", headersFirst: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			srv, _ := blockingServer(t, tt.headersFirst)
			rec := &sleepRecorder{}
			rt := newTransport(t, Options{Timeout: 50 * time.Millisecond, Sleep: rec.Sleep})

			_, _, err := roundTrip(t, rt, newRequest(t, http.MethodGet, srv.URL, nil))

			require.ErrorIs(t, err, context.DeadlineExceeded)
			var timeoutErr *TimeoutError
			require.ErrorAs(t, err, &timeoutErr)
			require.Equal(t, 50*time.Millisecond, timeoutErr.Limit)
			require.ErrorContains(t, err, "per-request timeout of 50ms")
			if !tt.headersFirst {
				var urlErr *url.Error
				require.ErrorAs(t, err, &urlErr)
				require.True(t, urlErr.Timeout())
			}
			require.Empty(t, rec.all(), "a timeout is not retried")
		})
	}
}

// The attempt's context must outlive RoundTrip: cancelling it when RoundTrip returns would cut
// off every body that has not arrived yet.
func TestBodyReadAfterRoundTripReturns(t *testing.T) {
	srv, release := blockingServer(t, true)
	rt := newTransport(t, Options{Timeout: time.Minute})

	resp, err := rt.RoundTrip(newRequest(t, http.MethodGet, srv.URL, nil))
	require.NoError(t, err)
	defer resp.Body.Close()
	close(release)
	body, err := io.ReadAll(resp.Body)

	require.NoError(t, err)
	require.Equal(t, "first half,second half", string(body))
	require.Equal(t, srv.URL, resp.Request.URL.String())
}

func TestCallerCancellationIsNotATimeout(t *testing.T) {
	srv, _ := blockingServer(t, false)
	rt := newTransport(t, Options{Timeout: time.Minute})
	ctx, cancel := context.WithCancel(context.Background())
	req := newRequest(t, http.MethodGet, srv.URL, nil).WithContext(ctx)
	errc := make(chan error, 1)
	go func() {
		_, err := rt.RoundTrip(req)
		errc <- err
	}()
	cancel()

	err := <-errc
	require.ErrorIs(t, err, context.Canceled)
	var timeoutErr *TimeoutError
	require.False(t, errors.As(err, &timeoutErr))
}

package transport

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// sleepRecorder stands in for Options.Sleep: it records each wait and returns at once.
type sleepRecorder struct {
	mu    sync.Mutex // guards waits
	waits []time.Duration
}

func (s *sleepRecorder) Sleep(ctx context.Context, d time.Duration) error {
	s.mu.Lock()
	s.waits = append(s.waits, d)
	s.mu.Unlock()
	return ctx.Err()
}

func (s *sleepRecorder) all() []time.Duration {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]time.Duration(nil), s.waits...)
}

// reply is one scripted answer of a scriptedServer.
type reply struct {
	status     int
	retryAfter string
	body       string
}

// scriptedServer answers the n-th request with replies[n] (the last one repeats) and counts the
// requests and the connections it accepted.
type scriptedServer struct {
	*httptest.Server
	attempts atomic.Int32
	conns    atomic.Int32
	bodies   chan string // request bodies, in order
}

func newScriptedServer(t testing.TB, replies ...reply) *scriptedServer {
	t.Helper()
	s := &scriptedServer{bodies: make(chan string, 32)}
	s.Server = httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n := int(s.attempts.Add(1)) - 1
		b, _ := io.ReadAll(r.Body)
		s.bodies <- string(b)
		rep := replies[min(n, len(replies)-1)]
		if rep.retryAfter != "" {
			w.Header().Set("Retry-After", rep.retryAfter)
		}
		w.WriteHeader(rep.status)
		_, _ = io.WriteString(w, rep.body)
	}))
	s.Config.ConnState = func(_ net.Conn, st http.ConnState) {
		if st == http.StateNew {
			s.conns.Add(1)
		}
	}
	s.Start()
	t.Cleanup(s.Close)
	return s
}

func newTransport(t testing.TB, o Options) http.RoundTripper {
	t.Helper()
	rt, err := New(o)
	require.NoError(t, err)
	return rt
}

// roundTrip sends one request and reads the whole answer.
func roundTrip(t testing.TB, rt http.RoundTripper, req *http.Request) (status int, body string, err error) {
	t.Helper()
	resp, err := (&http.Client{Transport: rt}).Do(req)
	if err != nil {
		return 0, "", err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b), err
}

func newRequest(t testing.TB, method, url string, body io.Reader) *http.Request {
	t.Helper()
	req, err := http.NewRequest(method, url, body)
	require.NoError(t, err)
	return req
}

func TestRetryOnStatus(t *testing.T) {
	httpDate := time.Now().Add(10 * time.Second).UTC().Format(http.TimeFormat)
	between := func(lo, hi time.Duration) func(testing.TB, time.Duration) {
		return func(t testing.TB, d time.Duration) {
			t.Helper()
			require.GreaterOrEqual(t, d, lo)
			require.LessOrEqual(t, d, hi)
		}
	}
	tests := []struct {
		name         string
		method       string
		opts         Options
		replies      []reply
		wantAttempts int
		wantStatus   int
		wantBody     string
		wantWaits    []func(testing.TB, time.Duration)
	}{
		{
			name:         "503 with Retry-After in seconds, then success",
			replies:      []reply{{status: 503, retryAfter: "2", body: "busy"}, {status: 200, body: "ok"}},
			wantAttempts: 2, wantStatus: 200, wantBody: "ok",
			wantWaits: []func(testing.TB, time.Duration){between(2*time.Second, 2*time.Second)},
		},
		{
			name:         "429 with Retry-After as an HTTP-date",
			replies:      []reply{{status: 429, retryAfter: httpDate}, {status: 200, body: "ok"}},
			wantAttempts: 2, wantStatus: 200, wantBody: "ok",
			wantWaits: []func(testing.TB, time.Duration){between(8*time.Second, 10*time.Second)},
		},
		{
			name:         "backoff doubles with jitter when there is no Retry-After",
			opts:         Options{BaseDelay: 100 * time.Millisecond},
			replies:      []reply{{status: 502}, {status: 504}, {status: 503}, {status: 200, body: "ok"}},
			wantAttempts: 4, wantStatus: 200, wantBody: "ok",
			wantWaits: []func(testing.TB, time.Duration){
				between(100*time.Millisecond, 150*time.Millisecond),
				between(200*time.Millisecond, 300*time.Millisecond),
				between(400*time.Millisecond, 600*time.Millisecond),
			},
		},
		{
			name:         "malformed Retry-After falls back to the backoff",
			opts:         Options{BaseDelay: time.Second},
			replies:      []reply{{status: 503, retryAfter: "soon"}, {status: 200, body: "ok"}},
			wantAttempts: 2, wantStatus: 200, wantBody: "ok",
			wantWaits: []func(testing.TB, time.Duration){between(time.Second, 1500*time.Millisecond)},
		},
		{
			name:         "stops after MaxRetries and hands on the last answer",
			opts:         Options{MaxRetries: 2, BaseDelay: time.Millisecond},
			replies:      []reply{{status: 503, body: "still busy"}},
			wantAttempts: 3, wantStatus: 503, wantBody: "still busy",
			wantWaits: []func(testing.TB, time.Duration){
				between(time.Millisecond, 2*time.Millisecond),
				between(2*time.Millisecond, 3*time.Millisecond),
			},
		},
		{
			name:         "Retry-After above MaxRetryAfter ends the retries",
			opts:         Options{MaxRetryAfter: 30 * time.Second},
			replies:      []reply{{status: 503, retryAfter: "31", body: "come back later"}, {status: 200}},
			wantAttempts: 1, wantStatus: 503, wantBody: "come back later",
		},
		{
			name:         "negative MaxRetries turns retries off",
			opts:         Options{MaxRetries: -1},
			replies:      []reply{{status: 503}, {status: 200}},
			wantAttempts: 1, wantStatus: 503,
		},
		{
			name:         "500 is not retried",
			replies:      []reply{{status: 500, body: "boom"}, {status: 200}},
			wantAttempts: 1, wantStatus: 500, wantBody: "boom",
		},
		{
			name:         "404 is not retried",
			replies:      []reply{{status: 404}, {status: 200}},
			wantAttempts: 1, wantStatus: 404,
		},
		{
			name:         "HEAD is retried like GET",
			method:       http.MethodHead,
			replies:      []reply{{status: 503, retryAfter: "1"}, {status: 200}},
			wantAttempts: 2, wantStatus: 200,
			wantWaits: []func(testing.TB, time.Duration){between(time.Second, time.Second)},
		},
		{
			name:         "POST answered 503 is never retried",
			method:       http.MethodPost,
			replies:      []reply{{status: 503, retryAfter: "1", body: "busy"}, {status: 200}},
			wantAttempts: 1, wantStatus: 503, wantBody: "busy",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			srv := newScriptedServer(t, tt.replies...)
			rec := &sleepRecorder{}
			tt.opts.Sleep = rec.Sleep
			rt := newTransport(t, tt.opts)
			method := tt.method
			if method == "" {
				method = http.MethodGet
			}

			status, body, err := roundTrip(t, rt, newRequest(t, method, srv.URL+"/exportStatuses/1", nil))

			require.NoError(t, err)
			require.Equal(t, tt.wantStatus, status)
			require.Equal(t, tt.wantBody, body)
			require.Equal(t, tt.wantAttempts, int(srv.attempts.Load()))
			waits := rec.all()
			require.Len(t, waits, len(tt.wantWaits), "waits: %v", waits)
			for i, check := range tt.wantWaits {
				check(t, waits[i])
			}
			// A discarded answer is drained and closed, so its connection is reused.
			require.Equal(t, int32(1), srv.conns.Load(), "connections opened")
		})
	}
}

func TestRetryReplaysRequestBody(t *testing.T) {
	tests := []struct {
		name         string
		body         func() io.Reader
		wantAttempts int
	}{
		// http.NewRequest sets GetBody for a *bytes.Reader, so the body can be sent again.
		{name: "replayable body", body: func() io.Reader { return bytes.NewReader([]byte("q")) }, wantAttempts: 2},
		{name: "body without GetBody", body: func() io.Reader { return io.NopCloser(strings.NewReader("q")) }, wantAttempts: 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := newScriptedServer(t, reply{status: 503}, reply{status: 200})
			rec := &sleepRecorder{}
			rt := newTransport(t, Options{Sleep: rec.Sleep})

			_, _, err := roundTrip(t, rt, newRequest(t, http.MethodGet, srv.URL, tt.body()))

			require.NoError(t, err)
			require.Equal(t, tt.wantAttempts, int(srv.attempts.Load()))
			for range tt.wantAttempts {
				require.Equal(t, "q", <-srv.bodies)
			}
		})
	}
}

// newDroppingServer closes the connection without an answer on the first request and answers
// 200 "ok" afterwards.
func newDroppingServer(t testing.TB) (*httptest.Server, *atomic.Int32) {
	t.Helper()
	var attempts atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if attempts.Add(1) == 1 {
			conn, _, err := http.NewResponseController(w).Hijack()
			if err != nil {
				panic(err) // the test server always supports hijacking
			}
			_ = conn.Close()
			return
		}
		_, _ = io.WriteString(w, "ok")
	}))
	t.Cleanup(srv.Close)
	return srv, &attempts
}

func TestDroppedConnection(t *testing.T) {
	tests := []struct {
		method       string
		wantAttempts int
		wantErr      bool
	}{
		{method: http.MethodGet, wantAttempts: 2},
		// A cancel whose answer was lost may or may not have happened: sending it again would
		// hide that, so the error is handed on.
		{method: http.MethodPost, wantAttempts: 1, wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.method, func(t *testing.T) {
			t.Parallel()
			srv, attempts := newDroppingServer(t)
			rec := &sleepRecorder{}
			rt := newTransport(t, Options{Sleep: rec.Sleep})

			status, body, err := roundTrip(t, rt, newRequest(t, tt.method, srv.URL+"/custom-actions/cancel/exportRequests/7", nil))

			require.Equal(t, tt.wantAttempts, int(attempts.Load()))
			require.Len(t, rec.all(), tt.wantAttempts-1)
			if tt.wantErr {
				require.Error(t, err)
				require.True(t, droppedConnection(err), "error should read as a dropped connection: %v", err)
				return
			}
			require.NoError(t, err)
			require.Equal(t, http.StatusOK, status)
			require.Equal(t, "ok", body)
		})
	}
}

func TestConnectionRefusedIsNotRetried(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	addr := ln.Addr().String()
	require.NoError(t, ln.Close())
	rec := &sleepRecorder{}
	rt := newTransport(t, Options{Sleep: rec.Sleep})

	_, _, err = roundTrip(t, rt, newRequest(t, http.MethodGet, "http://"+addr+"/", nil))

	require.ErrorIs(t, err, syscall.ECONNREFUSED)
	require.Empty(t, rec.all())
}

func TestCancelDuringWaitEndsRetries(t *testing.T) {
	srv := newScriptedServer(t, reply{status: 503}, reply{status: 200})
	// Stands for the caller's context ending during the wait.
	rt := newTransport(t, Options{Sleep: func(context.Context, time.Duration) error { return context.Canceled }})

	resp, err := rt.RoundTrip(newRequest(t, http.MethodGet, srv.URL, nil))

	require.ErrorIs(t, err, context.Canceled)
	require.Nil(t, resp)
	require.Equal(t, int32(1), srv.attempts.Load())
}

func TestDefaultSleepHonoursContext(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	// An hour's wait returns at once because the context has ended.
	require.ErrorIs(t, Sleep(ctx, time.Hour), context.Canceled)
	require.NoError(t, Sleep(context.Background(), 0))
}

func TestDroppedConnectionClassification(t *testing.T) {
	tests := []struct {
		name string
		err  error
		want bool
	}{
		{"EOF", fmt.Errorf("get: %w", io.EOF), true},
		{"unexpected EOF", io.ErrUnexpectedEOF, true},
		{"connection reset", &net.OpError{Op: "read", Err: os.NewSyscallError("read", syscall.ECONNRESET)}, true},
		{"broken pipe", &net.OpError{Op: "write", Err: os.NewSyscallError("write", syscall.EPIPE)}, true},
		{"server closed idle connection", errors.New("http: server closed idle connection"), true},
		{"HTTP/2 connection lost", errors.New("http2: client connection lost"), true},
		{"HTTP/2 GOAWAY", errors.New("http2: server sent GOAWAY and closed the connection; LastStreamID=1"), true},
		{"other read error", &net.OpError{Op: "read", Err: errors.New("i/o failure")}, true},
		{"connection refused", &net.OpError{Op: "dial", Err: os.NewSyscallError("connect", syscall.ECONNREFUSED)}, false},
		{"DNS", &net.OpError{Op: "dial", Err: &net.DNSError{Err: "no such host", Name: "x.invalid", IsNotFound: true}}, false},
		{"certificate", &tls.CertificateVerificationError{Err: x509.UnknownAuthorityError{}}, false},
		{"unknown authority", x509.UnknownAuthorityError{}, false},
		{"TLS alert", fmt.Errorf("remote error: %w", tls.AlertError(42)), false},
		{"not TLS", tls.RecordHeaderError{Msg: "first record does not look like a TLS handshake"}, false},
		{"cancelled", fmt.Errorf("x: %w", context.Canceled), false},
		{"deadline", context.DeadlineExceeded, false},
		{"per-request timeout", &TimeoutError{Limit: time.Second, Err: io.ErrUnexpectedEOF}, false},
		{"anything else", errors.New("malformed HTTP response"), false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			require.Equal(t, tt.want, droppedConnection(tt.err))
		})
	}
}

func TestParseRetryAfter(t *testing.T) {
	now := time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)
	tests := []struct {
		value  string
		want   time.Duration
		wantOK bool
	}{
		{"", 0, false},
		{"0", 0, true},
		{"2", 2 * time.Second, true},
		{" 120 ", 2 * time.Minute, true},
		{"-1", 0, false},
		{"1.5", 0, false},
		{"soon", 0, false},
		{"Sat, 01 Mar 2025 12:00:07 GMT", 7 * time.Second, true},
		{"Saturday, 01-Mar-25 12:01:00 GMT", time.Minute, true},
		{"Sat, 01 Mar 2025 11:00:00 GMT", 0, true}, // in the past: no wait
		{"99999999999999999999", 0, false},
	}
	for _, tt := range tests {
		t.Run(tt.value, func(t *testing.T) {
			got, ok := parseRetryAfter(tt.value, now)
			require.Equal(t, tt.wantOK, ok)
			require.Equal(t, tt.want, got)
		})
	}
}

func TestBackoffIsCapped(t *testing.T) {
	rt := newTransport(t, Options{BaseDelay: time.Second}).(*retryTransport)
	for attempt := range 80 {
		d := rt.backoff(attempt)
		require.Positive(t, d, "attempt %d", attempt)
		require.LessOrEqual(t, d, MaxBackoff, "attempt %d", attempt)
	}
}

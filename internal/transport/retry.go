package transport

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// drainLimit bounds how much of a discarded response is read so that its connection can be
// reused; a longer body is just closed.
const drainLimit = 64 << 10

// retryTransport runs each request with a per-attempt timeout and retries idempotent ones.
type retryTransport struct {
	base          http.RoundTripper
	timeout       time.Duration
	maxRetries    int
	baseDelay     time.Duration
	maxRetryAfter time.Duration
	sleep         func(context.Context, time.Duration) error
	now           func() time.Time
}

func (t *retryTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	retries := 0
	if retryableRequest(req) {
		retries = t.maxRetries
	}
	for attempt := 0; ; attempt++ {
		r := req
		if attempt > 0 && req.Body != nil && req.Body != http.NoBody {
			body, err := req.GetBody()
			if err != nil {
				return nil, err
			}
			r = req.Clone(req.Context())
			r.Body = body
		}
		resp, err := t.attempt(r)
		if attempt >= retries {
			return resp, err
		}
		delay, retry := t.retryDelay(resp, err, attempt)
		if !retry {
			return resp, err
		}
		if resp != nil {
			discard(resp)
		}
		if err := t.sleep(req.Context(), delay); err != nil {
			return nil, err
		}
	}
}

// CloseIdleConnections closes the idle connections of the base transport.
func (t *retryTransport) CloseIdleConnections() { CloseIdle(t.base) }

// attempt sends req once under a context that ends after the timeout or when the returned
// body is closed, whichever comes first.
func (t *retryTransport) attempt(req *http.Request) (*http.Response, error) {
	parent := req.Context()
	ctx, cancel := context.WithTimeout(parent, t.timeout)
	resp, err := t.base.RoundTrip(req.WithContext(ctx))
	if err != nil {
		err = asTimeout(err, ctx, parent, t.timeout)
		cancel()
		return nil, err
	}
	// The caller sees its own request, not the copy that carries the attempt's context.
	resp.Request = req
	if resp.Body == nil {
		cancel()
		return resp, nil
	}
	resp.Body = &timedBody{ReadCloser: resp.Body, ctx: ctx, parent: parent, timeout: t.timeout, cancel: cancel}
	return resp, nil
}

// retryableRequest reports whether req may be sent again: only GET and HEAD, whose repetition
// changes nothing on the server, and only when the body can be replayed. Every POST (create,
// cancel) is sent once: a cancel whose answer was lost has an unknown outcome, and repeating it
// would hide that.
func retryableRequest(req *http.Request) bool {
	switch req.Method {
	case "", http.MethodGet, http.MethodHead:
	default:
		return false
	}
	return req.Body == nil || req.Body == http.NoBody || req.GetBody != nil
}

// retryDelay says whether an attempt that ended with resp or err should be retried, and after
// how long.
func (t *retryTransport) retryDelay(resp *http.Response, err error, attempt int) (time.Duration, bool) {
	if err != nil {
		if !droppedConnection(err) {
			return 0, false
		}
		return t.backoff(attempt), true
	}
	switch resp.StatusCode {
	case http.StatusTooManyRequests, http.StatusServiceUnavailable:
		if d, ok := parseRetryAfter(resp.Header.Get("Retry-After"), t.now()); ok {
			if d > t.maxRetryAfter {
				return 0, false
			}
			return d, true
		}
	case http.StatusBadGateway, http.StatusGatewayTimeout:
	default:
		return 0, false
	}
	return t.backoff(attempt), true
}

// backoff is BaseDelay doubled per earlier retry, plus a random jitter of up to half of that so
// that parallel scenarios do not retry in step; capped at MaxBackoff.
func (t *retryTransport) backoff(attempt int) time.Duration {
	d := t.baseDelay
	for i := 0; i < attempt && d < MaxBackoff; i++ {
		d *= 2
	}
	d += rand.N(d/2 + 1)
	return min(d, MaxBackoff)
}

// parseRetryAfter reads a Retry-After value: delta-seconds or an HTTP-date. A date in the past
// means no wait. ok is false for an absent or malformed value.
func parseRetryAfter(v string, now time.Time) (time.Duration, bool) {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0, false
	}
	if secs, err := strconv.ParseInt(v, 10, 64); err == nil {
		if secs < 0 {
			return 0, false
		}
		// Beyond this the value is absurd anyway; avoid overflowing time.Duration.
		const maxSecs = int64(1<<63-1) / int64(time.Second)
		return time.Duration(min(secs, maxSecs)) * time.Second, true
	}
	at, err := http.ParseTime(v)
	if err != nil {
		return 0, false
	}
	return max(at.Sub(now), 0), true
}

// droppedConnection reports whether err means the connection broke mid-exchange, which a retry
// may cure. Errors that a retry cannot cure (TLS and certificate failures, DNS, connection
// refused, the caller's or the attempt's deadline) are not.
func droppedConnection(err error) bool {
	if permanent(err) {
		return false
	}
	if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) ||
		errors.Is(err, syscall.ECONNRESET) || errors.Is(err, syscall.ECONNABORTED) ||
		errors.Is(err, syscall.EPIPE) {
		return true
	}
	// net/http does not export these errors (HTTP/1 idle connection closed, HTTP/2 connection
	// lost or shut down by the server); their texts have been stable for years.
	msg := err.Error()
	for _, dropped := range []string{"server closed idle connection", "http2: client connection lost", "server sent GOAWAY"} {
		if strings.Contains(msg, dropped) {
			return true
		}
	}
	var opErr *net.OpError
	return errors.As(err, &opErr) && (opErr.Op == "read" || opErr.Op == "write")
}

// permanent reports errors that a retry cannot cure. They are checked first because a TLS
// failure can wrap a read error or io.EOF.
func permanent(err error) bool {
	var (
		verifyErr   *tls.CertificateVerificationError
		unknownCA   x509.UnknownAuthorityError
		hostnameErr x509.HostnameError
		invalidCert x509.CertificateInvalidError
		alertErr    tls.AlertError
		recordErr   tls.RecordHeaderError
		dnsErr      *net.DNSError
	)
	return errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) ||
		errors.Is(err, syscall.ECONNREFUSED) ||
		errors.As(err, &verifyErr) || errors.As(err, &unknownCA) || errors.As(err, &hostnameErr) ||
		errors.As(err, &invalidCert) || errors.As(err, &alertErr) || errors.As(err, &recordErr) ||
		errors.As(err, &dnsErr)
}

// discard drains (up to drainLimit) and closes the body of a response that will not be handed
// on, so that its connection can be reused and its attempt context released.
func discard(resp *http.Response) {
	_, _ = io.CopyN(io.Discard, resp.Body, drainLimit)
	_ = resp.Body.Close()
}

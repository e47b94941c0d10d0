// Package transport builds the HTTP round tripper the harness uses to talk to a live target: TLS
// roots, an optional insecure mode, proxy settings from the environment, a timeout per request
// that also covers reading the body, and bounded retries for idempotent requests. It also builds
// every HTTP client conform uses, with its redirect policy (APIClient, TokenClient), and the
// round tripper that serves a handler in this process (InProcess).
package transport

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"time"
)

// DefaultMaxResponseBytes caps how much of one response body the harness reads, unless told
// otherwise (--max-response-bytes): a hostile target must not make it hold more.
const DefaultMaxResponseBytes = 4 << 20

// Defaults used when the matching Options field is zero.
const (
	DefaultTimeout       = 30 * time.Second
	DefaultMaxRetries    = 3
	DefaultBaseDelay     = 500 * time.Millisecond
	DefaultMaxRetryAfter = 30 * time.Second
)

// Options configure the HTTP transport to a live target. The zero value is usable: system roots,
// verified TLS, the defaults above, proxy settings from the environment.
type Options struct {
	// CAFile is a PEM bundle added to the system roots; "" means system roots only.
	CAFile string
	// InsecureSkipVerify turns off TLS certificate verification; New then writes a warning to Warn.
	InsecureSkipVerify bool
	// Timeout bounds one attempt, from sending the request until its body is read and closed;
	// 0 means DefaultTimeout.
	Timeout time.Duration
	// MaxRetries is how many times a retryable GET or HEAD is retried after the first attempt;
	// 0 means DefaultMaxRetries, a negative value means no retries.
	MaxRetries int
	// BaseDelay is the first backoff; it doubles each retry, plus up to half again of jitter,
	// and is capped at MaxBackoff. 0 means DefaultBaseDelay.
	BaseDelay time.Duration
	// MaxRetryAfter is the longest Retry-After honoured. A longer one ends the retries and the
	// response is handed on as is. 0 means DefaultMaxRetryAfter.
	MaxRetryAfter time.Duration
	// Warn receives the insecure-mode warning (stderr in the CLI); nil discards it.
	Warn io.Writer
	// Sleep waits between attempts; it must return ctx.Err() if ctx ends first. nil means a real
	// timer. Tests inject a recorder so that nothing sleeps.
	Sleep func(ctx context.Context, d time.Duration) error
	// MaxIdleConnsPerHost is how many idle connections the default base keeps per host; 0 is
	// net/http's default (2). A load keeps one per worker, or it measures connection set-up.
	MaxIdleConnsPerHost int
	// DisableCompression stops the default base from asking for gzip on its own and decoding
	// the answer behind the caller's back: a proxy must hand on the bytes the target sent, and
	// ask for an encoding only when its client did. It only takes effect through that default.
	DisableCompression bool
	// Base performs single attempts. nil means a clone of http.DefaultTransport (so proxy
	// settings come from the environment through http.ProxyFromEnvironment) using TLSConfig.
	// CAFile, InsecureSkipVerify and MaxIdleConnsPerHost only take effect through that
	// default: a caller that sets Base configures it itself.
	Base http.RoundTripper
}

// MaxBackoff caps the computed backoff between two attempts, whatever MaxRetries and BaseDelay
// say. A Retry-After is bounded by Options.MaxRetryAfter instead.
const MaxBackoff = 30 * time.Second

// New returns a round tripper that applies the per-request timeout and the retry rules around
// the base transport (see Options). Only GET and HEAD are retried, on 429, 502, 503 and 504 and on
// a dropped connection; never a POST, and never after a TLS, DNS, refused-connection or timeout
// error. A discarded answer is drained and closed; the last answer or error is handed on as is.
// New writes the insecure warning to o.Warn when o.InsecureSkipVerify is set. It fails if
// o.CAFile cannot be read or holds no certificate.
func New(o Options) (http.RoundTripper, error) {
	tlsConfig, err := TLSConfig(o)
	if err != nil {
		return nil, err
	}
	base := o.Base
	if base == nil {
		t, ok := http.DefaultTransport.(*http.Transport)
		if !ok {
			// Someone replaced the default; start from its documented settings instead.
			t = &http.Transport{ForceAttemptHTTP2: true, MaxIdleConns: 100, IdleConnTimeout: 90 * time.Second,
				TLSHandshakeTimeout: 10 * time.Second, ExpectContinueTimeout: time.Second}
		}
		t = t.Clone()
		t.Proxy = http.ProxyFromEnvironment
		t.TLSClientConfig = tlsConfig
		if o.MaxIdleConnsPerHost > 0 {
			t.MaxIdleConnsPerHost = o.MaxIdleConnsPerHost
			t.MaxIdleConns = max(t.MaxIdleConns, o.MaxIdleConnsPerHost)
		}
		t.DisableCompression = o.DisableCompression
		base = t
	}
	if o.InsecureSkipVerify {
		warn := o.Warn
		if warn == nil {
			warn = io.Discard
		}
		// The write error is ignored: a broken stderr must not stop the run.
		_, _ = fmt.Fprintln(warn, "warning: --insecure-skip-verify is set: TLS certificates are not verified, "+
			"so anyone on the network path can read the credentials and answer in the target's place")
	}

	rt := &retryTransport{
		base:          base,
		timeout:       o.Timeout,
		maxRetries:    o.MaxRetries,
		baseDelay:     o.BaseDelay,
		maxRetryAfter: o.MaxRetryAfter,
		sleep:         o.Sleep,
		now:           time.Now,
	}
	if rt.timeout <= 0 {
		rt.timeout = DefaultTimeout
	}
	switch {
	case rt.maxRetries == 0:
		rt.maxRetries = DefaultMaxRetries
	case rt.maxRetries < 0:
		rt.maxRetries = 0
	}
	if rt.baseDelay <= 0 {
		rt.baseDelay = DefaultBaseDelay
	}
	if rt.maxRetryAfter <= 0 {
		rt.maxRetryAfter = DefaultMaxRetryAfter
	}
	if rt.sleep == nil {
		rt.sleep = Sleep
	}
	return rt, nil
}

// CloseIdle closes the idle connections of rt, as http.Client.CloseIdleConnections does: when rt
// (or the base of a transport New made) has a CloseIdleConnections method.
func CloseIdle(rt http.RoundTripper) {
	if c, ok := rt.(interface{ CloseIdleConnections() }); ok {
		c.CloseIdleConnections()
	}
}

// TLSConfig returns the TLS configuration New gives its default base transport, so that other
// clients (the OAuth2 token client) trust the same roots: the system roots plus o.CAFile, or no
// verification when o.InsecureSkipVerify is set. It fails if o.CAFile cannot be read or holds no
// certificate. It writes no warning; New does.
func TLSConfig(o Options) (*tls.Config, error) {
	cfg := &tls.Config{MinVersion: tls.VersionTLS12}
	if o.CAFile != "" {
		pem, err := os.ReadFile(o.CAFile)
		if err != nil {
			return nil, fmt.Errorf("read CA file: %w", err)
		}
		pool, err := x509.SystemCertPool()
		if err != nil {
			// Without system roots the CA file is still worth trusting on its own.
			pool = x509.NewCertPool()
		}
		if !pool.AppendCertsFromPEM(pem) {
			return nil, fmt.Errorf("CA file %s: no PEM certificate found", o.CAFile)
		}
		cfg.RootCAs = pool
	}
	if o.InsecureSkipVerify {
		cfg.InsecureSkipVerify = true
	}
	return cfg, nil
}

// TimeoutError reports that one attempt got no complete response, body included, within the
// per-request timeout. It matches context.DeadlineExceeded with errors.Is and has Timeout() true,
// as net.Error does, so *url.Error.Timeout() reports it too.
type TimeoutError struct {
	Limit time.Duration // the per-request timeout that was exceeded
	Err   error         // what the base transport or the body read returned
}

func (e *TimeoutError) Error() string {
	return fmt.Sprintf("no complete response within the per-request timeout of %s", e.Limit)
}

// Unwrap returns context.DeadlineExceeded and the underlying error.
func (e *TimeoutError) Unwrap() []error { return []error{context.DeadlineExceeded, e.Err} }

// Timeout reports true: the error is a timeout.
func (e *TimeoutError) Timeout() bool { return true }

// asTimeout turns err into a *TimeoutError when the attempt's own deadline fired (and not the
// caller's context), so that the message says which limit was hit.
func asTimeout(err error, attempt, parent context.Context, d time.Duration) error {
	if err == nil || parent.Err() != nil || !errors.Is(attempt.Err(), context.DeadlineExceeded) {
		return err
	}
	return &TimeoutError{Limit: d, Err: err}
}

// timedBody holds the attempt's context open until the body is closed, so that the timeout
// covers reading the body and closing it releases the context's timer.
type timedBody struct {
	io.ReadCloser
	ctx     context.Context
	parent  context.Context
	timeout time.Duration
	cancel  context.CancelFunc
}

func (b *timedBody) Read(p []byte) (int, error) {
	n, err := b.ReadCloser.Read(p)
	if err != nil && err != io.EOF {
		err = asTimeout(err, b.ctx, b.parent, b.timeout)
	}
	return n, err
}

func (b *timedBody) Close() error {
	err := b.ReadCloser.Close()
	b.cancel()
	return err
}

// Sleep waits for d, or returns ctx's error as soon as ctx is done: the real wait behind
// retries, pacing and polling.
func Sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

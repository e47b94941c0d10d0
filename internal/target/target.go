// Package target reaches a live target of the export API: it turns what the user gave into the
// API root, loads the credentials, builds the transport (TLS, proxies, timeouts, retries, the
// redirect policy) and, before anything else is sent, makes sure the target answers as the export
// API does and takes the credentials (the preflight). conform run and conform load reach their
// target through it, and conform proxy and conform audit read the API root with its Root, so that
// all see a target alike.
package target

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/conform-harness/conform/export"
	"github.com/conform-harness/conform/internal/credentials"
	"github.com/conform-harness/conform/internal/transport"
)

// Settings say which target to reach, and how. The zero value of each field but BaseURL and
// Credentials is a sensible default.
type Settings struct {
	// BaseURL is a host ("https://host") or the API root; see Root.
	BaseURL string
	// Credentials are where the credentials come from (the environment, files, flags).
	Credentials credentials.Sources
	// Command names the command in the error for missing credentials ("run", "load").
	Command string

	CAFile             string        // PEM file of CA certificates trusted besides the system's
	InsecureSkipVerify bool          // do not verify the target's certificate (warns on Warn)
	RequestTimeout     time.Duration // one request, body included; 0: transport's default
	// Retries of a status poll answered 429/502/503/504 or dropped; 0 means none (never a
	// create or a cancel, whatever it says).
	Retries       int
	MaxRetryAfter time.Duration // the longest Retry-After honoured; 0: transport's default
	// IdleConnsPerHost is how many idle connections are kept for the target; 0 is net/http's
	// default of 2 (a load keeps one per worker).
	IdleConnsPerHost int
	// Warn receives warnings (the insecure mode's); nil discards them.
	Warn io.Writer
}

// Target is a live target that answered the preflight as the export API and took the
// credentials.
type Target struct {
	Root        string            // the API root URL
	Transport   http.RoundTripper // TLS, proxies, timeouts, retries
	Auth        credentials.Authenticator
	Redactor    *credentials.Redactor // knows every secret of Credentials and every token fetched
	Credentials credentials.Config

	auth *watchedAuth
}

// Bearer reports whether the target is reached with a Bearer token (OAuth2), not HTTP Basic.
func (t *Target) Bearer() bool { return t.Credentials.OAuth2 != nil }

// CredentialsFailure returns the first failure to add credentials to a request after the
// preflight (a token refresh the endpoint refused or failed), as an *Error of Kind Credentials,
// or nil. A run whose requests went out without credentials has found nothing about the target.
func (t *Target) CredentialsFailure() error {
	if t.auth == nil {
		return nil
	}
	t.auth.mu.Lock()
	defer t.auth.mu.Unlock()
	if t.auth.first == nil {
		return nil
	}
	return &Error{Kind: Credentials, Err: fmt.Errorf("the credentials failed during the run, so its verdict says nothing about the target: %w", t.auth.first)}
}

// watchedAuth is an Authenticator that keeps the first error.
type watchedAuth struct {
	next  credentials.Authenticator
	mu    sync.Mutex
	first error
}

func (a *watchedAuth) Authenticate(r *http.Request) error {
	err := a.next.Authenticate(r)
	if err != nil && r.Context().Err() == nil {
		a.mu.Lock()
		if a.first == nil {
			a.first = err
		}
		a.mu.Unlock()
	}
	return err
}

// Describe says what the target is and how conform reaches it, without a secret, e.g.
// `https://host/logisticsRestApi/data/v1 with HTTP Basic as "alice"`.
func (t *Target) Describe() string {
	return fmt.Sprintf("%s with %s", t.Root, t.Credentials.Describe())
}

// Close lets go of the target's idle connections.
func (t *Target) Close() { transport.CloseIdle(t.Transport) }

// ConfigError is a mistake in the settings (a URL, a file, the credentials): nothing was sent.
type ConfigError struct{ Err error }

func (e *ConfigError) Error() string { return e.Err.Error() }
func (e *ConfigError) Unwrap() error { return e.Err }

// Kind says why a target cannot be used.
type Kind int

// The kinds of Error.
const (
	Unreachable Kind = iota // no answer: network, TLS, timeout
	Rejected                // it refused the credentials (401, 403)
	NotTheAPI               // it answered, but not as the export API does
	// Credentials: the credentials could not be had or renewed (the OAuth2 token endpoint
	// failed, or is not one), before the run or during it.
	Credentials
)

// Error reports a target that cannot be used: the command ends before any scenario or load.
type Error struct {
	Kind Kind
	Err  error
}

func (e *Error) Error() string { return e.Err.Error() }
func (e *Error) Unwrap() error { return e.Err }

// Connect checks s, loads the credentials, builds the transport and runs the preflight. It
// returns a *ConfigError for settings that cannot work, an *Error for a target that cannot be
// used, and the credentials package's *RejectedError or *UnreachableError for an OAuth2 token
// endpoint that refuses or cannot be reached.
func Connect(ctx context.Context, s Settings) (*Target, error) {
	root, err := Root(s.BaseURL)
	if err != nil {
		return nil, &ConfigError{Err: err}
	}
	creds, err := credentials.Load(s.Credentials)
	if err != nil {
		return nil, &ConfigError{Err: err}
	}
	if creds.Basic == nil && creds.OAuth2 == nil {
		return nil, &ConfigError{Err: fmt.Errorf("no credentials for %s: set CONFORM_USERNAME and CONFORM_PASSWORD "+
			"(or --password-file), or OAuth2 client credentials (see conform %s --help)", root, s.Command)}
	}
	retries := -1 // transport's "none"
	if s.Retries > 0 {
		retries = s.Retries
	}
	rt, err := transport.New(transport.Options{
		CAFile:              s.CAFile,
		InsecureSkipVerify:  s.InsecureSkipVerify,
		Timeout:             s.RequestTimeout,
		MaxRetries:          retries,
		MaxRetryAfter:       s.MaxRetryAfter,
		MaxIdleConnsPerHost: s.IdleConnsPerHost,
		Warn:                s.Warn,
	})
	if err != nil {
		return nil, &ConfigError{Err: err}
	}
	red := creds.Redactor()
	t := &Target{Root: root, Transport: rt, Redactor: red, Credentials: creds,
		Auth: credentials.NewAuthenticator(ctx, creds, transport.TokenClient(rt), red)}
	if err := preflight(ctx, t); err != nil {
		t.Close()
		return nil, err
	}
	t.auth = &watchedAuth{next: t.Auth}
	t.Auth = t.auth
	return t, nil
}

// Root turns what the user gave into the API root URL: a bare host gets export.Root appended, a
// URL that already ends with it is kept (a gateway prefix before it too). Credentials in the URL
// are refused, so that they cannot end up in a report; so are a query and a fragment.
func Root(raw string) (string, error) {
	u, err := url.Parse(strings.TrimSpace(raw))
	if err != nil {
		return "", fmt.Errorf("--base-url: %w", err)
	}
	switch {
	case u.Scheme != "http" && u.Scheme != "https":
		return "", fmt.Errorf("--base-url %q: want an http:// or https:// URL", u.Redacted())
	case u.Host == "":
		return "", fmt.Errorf("--base-url %q: names no host", u.Redacted())
	case u.User != nil:
		return "", fmt.Errorf("--base-url %q: put credentials in CONFORM_USERNAME and CONFORM_PASSWORD, not in the URL", u.Redacted())
	case u.RawQuery != "" || u.Fragment != "":
		return "", fmt.Errorf("--base-url %q: must not have a query or a fragment", u.Redacted())
	}
	p := strings.TrimSuffix(u.Path, "/")
	if !strings.HasSuffix(p, export.Root) {
		p += export.Root
	}
	u.Path, u.RawPath = p, ""
	return u.String(), nil
}

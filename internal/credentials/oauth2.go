package credentials

import (
	"context"
	"errors"
	"fmt"
	"mime"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"golang.org/x/oauth2"
	"golang.org/x/oauth2/clientcredentials"
)

// Authenticator adds credentials to each request.
type Authenticator interface {
	// Authenticate sets r's Authorization header. It modifies r: callers that must not change
	// their request (a RoundTripper) pass a clone.
	Authenticate(r *http.Request) error
}

// NewAuthenticator returns the Authenticator for c.
//
// HTTP Basic sets the Authorization header. OAuth2 fetches a token with the client-credentials
// grant from the token endpoint, through tokenClient (nil → http.DefaultClient) and under ctx
// (which must live as long as the Authenticator), caches it until shortly before it expires, and
// sends it as a Bearer token. A Config with neither adds nothing.
//
// c's secrets (see Config.Secrets) and every token obtained (as credential forms) are added to
// red (which may be nil) before they can be seen anywhere. Authenticate fails with *RejectedError
// when the token endpoint refuses the client credentials, with *UnreachableError when it cannot
// be reached, with *NotATokenEndpointError when what answers is not a token endpoint (a web page,
// an answer without a token) and with *TokenEndpointError for any other failure (a 500).
//
// A token is reused until shortly before it expires (earlyExpiry: at most 10 s, at most a fifth
// of its lifetime, early), never fetched per call; concurrent callers wait for one fetch.
func NewAuthenticator(ctx context.Context, c Config, tokenClient *http.Client, red *Redactor) Authenticator {
	if red == nil {
		red = NewRedactor()
	}
	c.teach(red)
	switch {
	case c.Basic != nil:
		return basicAuth{user: c.Basic.Username, password: c.Basic.Password}
	case c.OAuth2 != nil:
		if tokenClient == nil {
			tokenClient = http.DefaultClient
		}
		answers := &lastAnswer{}
		sniffing := *tokenClient
		sniffing.Transport = &answerSniffer{next: tokenClient.Transport, last: answers}
		ctx = context.WithValue(ctx, oauth2.HTTPClient, &sniffing)
		src := &tokenSource{
			ctx:    ctx,
			now:    time.Now,
			answer: answers,
			cfg: &clientcredentials.Config{
				ClientID:     c.OAuth2.ClientID,
				ClientSecret: c.OAuth2.ClientSecret,
				TokenURL:     c.OAuth2.TokenURL,
				Scopes:       c.OAuth2.Scopes,
			},
			red: red,
		}
		// The library's own early expiry (10 s by default) would make every token that lives
		// less than that useless at once, and fetch one per call; tokenSource moves each
		// token's expiry earlier by a margin that fits its lifetime instead. The reusing source
		// holds its lock while it fetches: concurrent callers share one refresh.
		return oauthAuth{tokens: oauth2.ReuseTokenSourceWithExpiry(nil, src, time.Nanosecond)}
	}
	return noAuth{}
}

type noAuth struct{}

func (noAuth) Authenticate(*http.Request) error { return nil }

type basicAuth struct{ user, password string }

func (a basicAuth) Authenticate(r *http.Request) error {
	r.SetBasicAuth(a.user, a.password)
	return nil
}

type oauthAuth struct{ tokens oauth2.TokenSource }

func (a oauthAuth) Authenticate(r *http.Request) error {
	tok, err := a.tokens.Token()
	if err != nil {
		return err
	}
	tok.SetAuthHeader(r)
	return nil
}

// Early refresh: a token is renewed when less than min(maxEarlyRefresh, its lifetime /
// earlyRefreshShare) remains, so that a request never leaves with a token about to lapse, and a
// token that lives 3 s still serves 2.4 s of calls.
const (
	maxEarlyRefresh   = 10 * time.Second
	earlyRefreshShare = 5
)

// earlyExpiry returns when a token that expires at expiry, obtained at now, is to be renewed.
// A token without an expiry never is; one already expired is renewed at its next use.
func earlyExpiry(now, expiry time.Time) time.Time {
	if expiry.IsZero() {
		return expiry
	}
	lifetime := expiry.Sub(now)
	if lifetime <= 0 {
		return expiry
	}
	return expiry.Add(-min(maxEarlyRefresh, lifetime/earlyRefreshShare))
}

// tokenSource fetches a new token on each call; oauth2.ReuseTokenSourceWithExpiry caches around
// it. It moves each token's expiry to when it is to be renewed (earlyExpiry), registers each
// token with the redactor and turns the library's errors into ours.
type tokenSource struct {
	ctx    context.Context
	cfg    *clientcredentials.Config
	red    *Redactor
	now    func() time.Time
	answer *lastAnswer // what the token endpoint last answered, for errors
}

func (s *tokenSource) Token() (*oauth2.Token, error) {
	tok, err := s.cfg.Token(s.ctx)
	if err != nil {
		return nil, s.classify(err)
	}
	s.red.Add(tok.AccessToken)
	s.red.Add(tok.RefreshToken)
	tok.Expiry = earlyExpiry(s.now(), tok.Expiry)
	return tok, nil
}

// lastAnswer is the status and media type of the token endpoint's last answer.
type lastAnswer struct {
	mu                sync.Mutex
	status, mediaType string
}

func (a *lastAnswer) get() (status, mediaType string) {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.status, a.mediaType
}

// answerSniffer notes the status and media type of each answer of the token endpoint: the
// library's error for an answer it cannot read says neither.
type answerSniffer struct {
	next http.RoundTripper // nil → http.DefaultTransport
	last *lastAnswer
}

func (t *answerSniffer) RoundTrip(r *http.Request) (*http.Response, error) {
	next := t.next
	if next == nil {
		next = http.DefaultTransport
	}
	resp, err := next.RoundTrip(r)
	if err == nil {
		mt, _, _ := mime.ParseMediaType(resp.Header.Get("Content-Type"))
		t.last.mu.Lock()
		t.last.status, t.last.mediaType = resp.Status, mt
		t.last.mu.Unlock()
	}
	return resp, err
}

// notATokenEndpoint says why an answer cannot come from a token endpoint, or "" when it may.
func notATokenEndpoint(status, mediaType string) string {
	switch mediaType {
	case "text/html", "application/xhtml+xml":
		return fmt.Sprintf("it answered %s with a web page (%s), not a token", status, mediaType)
	}
	return ""
}

// classify maps an error from the token request to *RejectedError, *UnreachableError or a plain
// error, none of whose messages repeats the endpoint's raw answer.
func (s *tokenSource) classify(err error) error {
	var retrieveErr *oauth2.RetrieveError
	if errors.As(err, &retrieveErr) {
		status := 0
		if retrieveErr.Response != nil {
			status = retrieveErr.Response.StatusCode
		}
		e := &RejectedError{
			TokenURL:    s.cfg.TokenURL,
			ClientID:    s.cfg.ClientID,
			StatusCode:  status,
			Code:        s.red.String(retrieveErr.ErrorCode),
			Description: s.red.String(retrieveErr.ErrorDescription),
			Err:         err,
		}
		if retrieveErr.Response != nil {
			mt, _, _ := mime.ParseMediaType(retrieveErr.Response.Header.Get("Content-Type"))
			if why := notATokenEndpoint(retrieveErr.Response.Status, mt); why != "" {
				return &NotATokenEndpointError{TokenURL: s.cfg.TokenURL, Why: why, Err: err}
			}
		}
		if rejection(status, retrieveErr.ErrorCode) {
			return e
		}
		// Any other failure (a 500, a proxy's error page) is the endpoint's, not the
		// credentials'. Its body is not shown: it could echo the request.
		return &TokenEndpointError{msg: "oauth2 token endpoint " + s.cfg.TokenURL + " failed: " + e.detail(), err: err}
	}
	if s.ctx.Err() != nil {
		// The run is ending; the endpoint is not to blame.
		return fmt.Errorf("oauth2 token request: %w", err)
	}
	var urlErr *url.Error
	if errors.As(err, &urlErr) {
		return &UnreachableError{TokenURL: s.cfg.TokenURL, Err: err, msg: s.red.String(urlErr.Err.Error())}
	}
	// Anything else is an answer the library could not read as a token ("server response
	// missing access_token", "cannot parse json"): the endpoint was reached, and is not one.
	// The library's words name no secret; they go through the redactor anyway.
	status, mt := s.answer.get()
	why := notATokenEndpoint(status, mt)
	if why == "" {
		why = "its answer holds no token (" + s.red.String(err.Error()) + ")"
	}
	return &NotATokenEndpointError{TokenURL: s.cfg.TokenURL, Why: why, Err: err}
}

// NotATokenEndpointError reports that the OAuth2 token URL answered, but not as a token
// endpoint does: a web page (a login portal, a wrong path), or an answer without a token.
type NotATokenEndpointError struct {
	TokenURL string
	Why      string // what it answered, without its body
	Err      error  // the library's error
}

func (e *NotATokenEndpointError) Error() string {
	return fmt.Sprintf("oauth2 token URL %s: reached, but not a token endpoint: %s", e.TokenURL, e.Why)
}

// Unwrap returns the library's error.
func (e *NotATokenEndpointError) Unwrap() error { return e.Err }

// rejection reports whether the token endpoint's answer means "these client credentials are not
// accepted" (RFC 6749 section 5.2 answers with 400 or 401, some servers with 403 or even 200 and
// an error code).
func rejection(status int, code string) bool {
	switch status {
	case http.StatusBadRequest, http.StatusUnauthorized, http.StatusForbidden:
		return true
	}
	return code != ""
}

// RejectedError reports that the OAuth2 token endpoint refused the client credentials. Its
// message gives the endpoint, the client id, the status and the OAuth2 error code and
// description (redacted); never the secret, nor the endpoint's raw answer.
type RejectedError struct {
	TokenURL    string
	ClientID    string
	StatusCode  int    // 0 if unknown
	Code        string // RFC 6749 "error", e.g. invalid_client
	Description string // RFC 6749 "error_description", redacted
	Err         error  // the *oauth2.RetrieveError; its own Error() may include the raw body
}

func (e *RejectedError) Error() string {
	return fmt.Sprintf("oauth2 token endpoint %s rejected the client credentials for client %q: %s",
		e.TokenURL, e.ClientID, e.detail())
}

func (e *RejectedError) detail() string {
	var parts []string
	if e.StatusCode != 0 {
		parts = append(parts, fmt.Sprintf("HTTP %d", e.StatusCode))
	}
	if e.Code != "" {
		parts = append(parts, e.Code)
	}
	if e.Description != "" {
		parts = append(parts, fmt.Sprintf("(%s)", e.Description))
	}
	if len(parts) == 0 {
		return "no details"
	}
	return strings.Join(parts, " ")
}

// Unwrap returns the library's error.
func (e *RejectedError) Unwrap() error { return e.Err }

// UnreachableError reports that the OAuth2 token endpoint could not be reached: DNS, refused
// connection, TLS failure or timeout.
type UnreachableError struct {
	TokenURL string
	Err      error
	msg      string // the cause's message, redacted; Err's message is used when empty
}

func (e *UnreachableError) Error() string {
	msg := e.msg
	if msg == "" && e.Err != nil {
		msg = e.Err.Error()
	}
	return fmt.Sprintf("cannot reach the oauth2 token endpoint %s: %s", e.TokenURL, msg)
}

// Unwrap returns the cause, usually a *url.Error.
func (e *UnreachableError) Unwrap() error { return e.Err }

// TokenEndpointError is any other failure of the token request (a 500, a gateway's error), with
// a message that is safe to print.
type TokenEndpointError struct {
	msg string
	err error
}

func (e *TokenEndpointError) Error() string { return e.msg }

// Unwrap returns the library's error.
func (e *TokenEndpointError) Unwrap() error { return e.err }

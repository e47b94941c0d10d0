package credentials

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"

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
// red (which may be nil) before they can be seen anywhere. Authenticate fails with *RejectedError when the token endpoint refuses the
// client credentials and with *UnreachableError when it cannot be reached.
func NewAuthenticator(ctx context.Context, c Config, tokenClient *http.Client, red *Redactor) Authenticator {
	if red == nil {
		red = NewRedactor()
	}
	c.teach(red)
	switch {
	case c.Basic != nil:
		return basicAuth{user: c.Basic.Username, password: c.Basic.Password}
	case c.OAuth2 != nil:
		if tokenClient != nil {
			ctx = context.WithValue(ctx, oauth2.HTTPClient, tokenClient)
		}
		src := &tokenSource{
			ctx: ctx,
			cfg: &clientcredentials.Config{
				ClientID:     c.OAuth2.ClientID,
				ClientSecret: c.OAuth2.ClientSecret,
				TokenURL:     c.OAuth2.TokenURL,
				Scopes:       c.OAuth2.Scopes,
			},
			red: red,
		}
		return oauthAuth{tokens: oauth2.ReuseTokenSource(nil, src)}
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

// tokenSource fetches a new token on each call; oauth2.ReuseTokenSource caches around it. It
// registers each token with the redactor and turns the library's errors into ours.
type tokenSource struct {
	ctx context.Context
	cfg *clientcredentials.Config
	red *Redactor
}

func (s *tokenSource) Token() (*oauth2.Token, error) {
	tok, err := s.cfg.Token(s.ctx)
	if err != nil {
		return nil, s.classify(err)
	}
	s.red.Add(tok.AccessToken)
	s.red.Add(tok.RefreshToken)
	return tok, nil
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
		if rejection(status, retrieveErr.ErrorCode) {
			return e
		}
		// Any other failure (a 500, a proxy's error page) is the endpoint's, not the
		// credentials'. Its body is not shown: it could echo the request.
		return &tokenEndpointError{msg: "oauth2 token endpoint " + s.cfg.TokenURL + " failed: " + e.detail(), err: err}
	}
	if s.ctx.Err() != nil {
		// The run is ending; the endpoint is not to blame.
		return fmt.Errorf("oauth2 token request: %w", err)
	}
	var urlErr *url.Error
	if errors.As(err, &urlErr) {
		return &UnreachableError{TokenURL: s.cfg.TokenURL, Err: err, msg: s.red.String(urlErr.Err.Error())}
	}
	// The library's own errors ("server response missing access_token", "cannot parse json")
	// name no secret; run them through the redactor anyway.
	return &tokenEndpointError{msg: "oauth2 token endpoint " + s.cfg.TokenURL + ": " + s.red.String(err.Error()), err: err}
}

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

// tokenEndpointError is any other failure of the token request, with a message that is safe to
// print.
type tokenEndpointError struct {
	msg string
	err error
}

func (e *tokenEndpointError) Error() string { return e.msg }
func (e *tokenEndpointError) Unwrap() error { return e.err }

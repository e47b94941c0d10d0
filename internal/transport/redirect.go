package transport

import (
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"strings"
)

// The redirect policy of every HTTP client conform builds. net/http follows redirects by
// default and keeps the Authorization header whenever the host name matches, whatever the port
// or scheme: a target could send the credentials to another port, or downgrade them to plain
// http, or make a cancel land on an export another server holds. So:
//
//   - an API call never follows a redirect: the 3xx is the answer, judged against the spec like
//     any other (APIClient);
//   - the OAuth2 token request follows a redirect only within the token URL's origin, so the
//     client secret never leaves it (TokenClient).

// APIClient returns the client for calls of the API under test: rt, and no redirect followed.
func APIClient(rt http.RoundTripper) *http.Client {
	return &http.Client{Transport: rt, CheckRedirect: NoRedirects}
}

// TokenClient returns the client for the OAuth2 token request: rt, following at most
// maxRedirects redirects and only within the origin of the first request.
func TokenClient(rt http.RoundTripper) *http.Client {
	return &http.Client{Transport: rt, CheckRedirect: SameOriginRedirects}
}

// NoRedirects is an http.Client CheckRedirect that follows nothing: the client returns the
// redirect itself, with its body, as the answer.
func NoRedirects(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }

// maxRedirects bounds the redirects SameOriginRedirects follows, as net/http's default does.
const maxRedirects = 10

// ErrCrossOriginRedirect is returned (wrapped) when a redirect leads to another origin.
var ErrCrossOriginRedirect = errors.New("refusing to follow a redirect to another origin")

// SameOriginRedirects is an http.Client CheckRedirect that follows a redirect only when it
// stays on the origin (scheme, host and port) of the first request, and at most maxRedirects
// of them. Anything else stops the request with an error naming both origins, never a path
// or query, which could carry a secret.
func SameOriginRedirects(req *http.Request, via []*http.Request) error {
	if len(via) >= maxRedirects {
		return fmt.Errorf("stopped after %d redirects", maxRedirects)
	}
	first := via[0].URL
	if !SameOrigin(first, req.URL) {
		return fmt.Errorf("%w: %s redirected to %s", ErrCrossOriginRedirect, Origin(first), Origin(req.URL))
	}
	return nil
}

// SameOrigin reports whether a and b share scheme, host and port (an absent port is the
// scheme's default), compared as RFC 6454 compares origins.
func SameOrigin(a, b *url.URL) bool {
	return Origin(a) == Origin(b)
}

// Origin returns the origin of u: "scheme://host:port", lower case, with the scheme's default
// port made explicit.
func Origin(u *url.URL) string {
	scheme := strings.ToLower(u.Scheme)
	port := u.Port()
	if port == "" {
		switch scheme {
		case "https":
			port = "443"
		case "http":
			port = "80"
		}
	}
	return scheme + "://" + net.JoinHostPort(strings.ToLower(u.Hostname()), port)
}

package credentials

import (
	"net/http"
	"net/url"
	"slices"
	"strings"
)

// QueryKeys are the query parameters whose values are credentials, compared without regard to
// case: tokens, API keys, passwords, client secrets and signatures. Their values never reach an
// output (URL) and are learnt for their exchange (LearnExchange).
var QueryKeys = []string{
	"access_token", "id_token", "refresh_token", "token",
	"api_key", "apikey", "api-key", "key",
	"password", "passwd", "pwd",
	"secret", "client_secret",
	"sig", "signature", "x-amz-signature", "x-goog-signature",
}

// Header reports whether the values of the header named name are credentials: the standard
// credential headers (Authorization, Proxy-Authorization, Cookie, Set-Cookie), and any header
// whose name says it holds a token, a secret, a password or an API key (X-Auth-Token,
// X-API-Key, X-Client-Secret, ...). It is the one list of every output that shows headers (the
// HAR file, the reports) and of what LearnExchange learns.
func Header(name string) bool {
	name = strings.ToLower(name)
	switch name {
	case "authorization", "proxy-authorization", "cookie", "set-cookie":
		return true
	}
	for _, word := range []string{"token", "secret", "password", "api-key", "apikey", "api_key"} {
		if strings.Contains(name, word) {
			return true
		}
	}
	return false
}

// queryKey reports whether a query parameter named k holds a credential (QueryKeys).
func queryKey(k string) bool {
	return slices.ContainsFunc(QueryKeys, func(q string) bool { return strings.EqualFold(q, k) })
}

// URL returns raw with its credentials replaced: the userinfo (user and password, either may
// be the secret) and the value of every QueryKeys parameter. Everything else is left as sent.
// A URL that does not parse is returned as Redacted whole: what it holds cannot be told apart.
func URL(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return Redacted
	}
	changed := false
	if u.User != nil {
		u.User = url.User(Redacted)
		changed = true
	}
	if u.RawQuery != "" {
		parts := strings.Split(u.RawQuery, "&")
		for i, p := range parts {
			k, _, ok := strings.Cut(p, "=")
			if !ok {
				continue
			}
			if name, err := url.QueryUnescape(k); err == nil && queryKey(name) || err != nil && queryKey(k) {
				parts[i] = k + "=" + Redacted
				changed = true
			}
		}
		u.RawQuery = strings.Join(parts, "&")
	}
	if !changed {
		return raw
	}
	return u.String()
}

// ForExchange returns a Redactor for the evidence of one exchange: it redacts what r redacts
// (the run's own secrets, those added to r later included) and the secrets learnt for the
// exchange itself (LearnExchange, LearnAuthorization, Add), which r never sees. A client's
// credentials then mask its own exchange's log line and report, never another's: a chosen
// token cannot hide chosen text elsewhere, and the cost of redacting stays that of the run's
// secrets and one exchange's, whatever the number of clients.
func (r *Redactor) ForExchange() *Redactor {
	return &Redactor{set: &secretSet{parent: r.set}, skipPlain: r.skipPlain}
}

// LearnExchange makes r redact the credentials an exchange carries: those of its URL (the
// userinfo, the QueryKeys parameters), and the values of its credential headers (Header) in the
// request and in the answer: Authorization and Proxy-Authorization as LearnAuthorization does,
// each cookie's value, and any other such header's value whole. Use it on a Redactor of the
// exchange (ForExchange), so that an echo of them in the exchange's bodies is masked too.
func (r *Redactor) LearnExchange(rawURL string, reqHeader, respHeader http.Header) {
	if u, err := url.Parse(rawURL); err == nil {
		if u.User != nil {
			r.Add(u.User.Username())
			if pw, ok := u.User.Password(); ok {
				r.AddPlain(pw)
				r.Add(u.User.Username() + ":" + pw)
			}
		}
		for k, vs := range u.Query() {
			if queryKey(k) {
				for _, v := range vs {
					r.Add(v)
				}
			}
		}
	}
	for _, h := range []http.Header{reqHeader, respHeader} {
		for name, vs := range h {
			if !Header(name) {
				continue
			}
			for _, v := range vs {
				r.learnHeader(name, v)
			}
		}
	}
}

// learnHeader learns the credentials of one value of the credential header name.
func (r *Redactor) learnHeader(name, value string) {
	switch strings.ToLower(name) {
	case "authorization", "proxy-authorization":
		r.LearnAuthorization(value)
	case "cookie":
		for _, c := range strings.Split(value, ";") {
			if _, v, ok := strings.Cut(strings.TrimSpace(c), "="); ok {
				r.Add(strings.Trim(v, `"`))
			}
		}
	case "set-cookie":
		first, _, _ := strings.Cut(value, ";")
		if _, v, ok := strings.Cut(strings.TrimSpace(first), "="); ok {
			r.Add(strings.Trim(v, `"`))
		}
	default:
		r.Add(strings.TrimSpace(value))
		// A scheme before the value ("Token abc") is no part of the secret.
		if _, cred, ok := strings.Cut(strings.TrimSpace(value), " "); ok {
			r.Add(strings.TrimSpace(cred))
		}
	}
}

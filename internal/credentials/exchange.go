package credentials

import (
	"bytes"
	"net/http"
	"net/url"
	"strings"

	"github.com/conform-harness/conform/internal/har"
)

// QueryKeys are the query parameters whose values are credentials, compared without regard to
// case (har.CredentialQueryKeys): tokens, API keys, passwords, client secrets and signatures.
// Their values never reach an output (URL) and are learnt for their exchange (LearnExchange).
var QueryKeys = har.CredentialQueryKeys

// Header reports whether the values of the header named name are credentials
// (har.CredentialHeader): Authorization, Proxy-Authorization, Cookie, Set-Cookie, and any header
// whose name says it holds a token, a secret, a password or an API key. It is the one list of
// every output that shows headers (the HAR file, the reports) and of what LearnExchange learns.
func Header(name string) bool { return har.CredentialHeader(name) }

// URL returns raw with its credentials replaced by Redacted (har.RedactURL): the userinfo and
// the value of every QueryKeys parameter.
func URL(raw string) string { return har.RedactURL(raw) }

// ForExchange returns a Redactor for the evidence of one exchange: it redacts what r redacts
// (the run's own secrets, those added to r later included) and the secrets learnt for the
// exchange itself (LearnExchange, LearnAuthorization, Add), which r never sees. A client's
// credentials then mask its own exchange's log line and report, never another's: a chosen
// token cannot hide chosen text elsewhere, and the cost of redacting stays that of the run's
// secrets and one exchange's, whatever the number of clients.
func (r *Redactor) ForExchange() *Redactor {
	return &Redactor{set: &secretSet{parent: r.set}, skipPlain: r.skipPlain}
}

// OwnIn reports whether a secret r learnt itself (not one of the Redactor it was made from by
// ForExchange: the run's) occurs in any of bs, in any of its forms, as a credential or not.
// Where none does, r redacts bs exactly as the run's Redactor does.
func (r *Redactor) OwnIn(bs ...[]byte) bool {
	r.set.mu.RLock()
	defer r.set.mu.RUnlock()
	for _, s := range r.set.secrets {
		for _, b := range bs {
			if bytes.Contains(b, s.b) {
				return true
			}
		}
	}
	return false
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
			if har.CredentialQueryKey(k) {
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

// Package har writes and reads HTTP Archive files (HAR 1.2,
// http://www.softwareishard.com/blog/har-12-spec/): conform records the exchanges of a run to one
// (`conform run --record`) and audits the ones that browsers, proxies and test tools write
// (`conform audit`). It knows HAR and HTTP, and nothing of the API under test.
//
// The writer follows the spec to the letter, so that any HAR viewer opens what conform records.
// The reader takes what real tools write, which often is not quite the spec, and refuses only what
// leaves it without an exchange to audit; it then says which entry is at fault and why.
package har

import (
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"
)

// MaxFileBytes caps what Read reads of one HAR file: 1 GiB. A longer file is an *Error, not an
// out-of-memory crash.
const MaxFileBytes = 1 << 30

// Entry is one HTTP exchange as conform needs it, independent of HAR's JSON shape.
type Entry struct {
	Started     time.Time     // startedDateTime; written to the millisecond
	Duration    time.Duration // "time"; 0 when unknown; written and read to the microsecond
	Method      string
	URL         string // absolute URL, as the request went
	HTTPVersion string // "" is written as "HTTP/1.1"
	ReqHeader   http.Header
	ReqBody     []byte // nil when none; an empty body is written as none
	ReqMimeType string // postData.mimeType; "" is written from the Content-Type request header
	Status      int    // 0: no answer (then Err says why)
	StatusText  string // "" is written as http.StatusText(Status)
	RespHeader  http.Header
	RespBody    []byte // nil when there is none or the file did not keep it; empty when it was empty
	// RespMimeType is content.mimeType; "" is written from the Content-Type response header.
	RespMimeType string
	// Oversized is set by a reader given Options.MaxBody when a body was longer: that body is
	// then nil, never decoded. The writer ignores it.
	Oversized bool
	// Err says why there was no answer, or why its body could not be read. It is written as the
	// entry's "comment" and "_error", and read back from "_error", of the entry or of its response
	// (where Chrome writes it). Read sets it to "no response recorded" for an entry with status 0
	// and no "_error".
	Err string
	// PageRef names the page (Page.ID) the entry belongs to, "" for none: a browser's page, a
	// scenario of a conform run.
	PageRef string
	// MalformedOnPurpose says that the client sent the request's body malformed on purpose (a
	// scenario of conform's that checks the answer to one), so that an audit judges the answer
	// only. It is written and read as the request's "_malformedOnPurpose".
	MalformedOnPurpose bool
}

// Page is one page of a HAR log, which entries name by its ID: a page a browser loaded, a
// scenario of a conform run. Viewers group the entries by page.
type Page struct {
	ID      string
	Title   string
	Started time.Time
}

// Creator names the program that wrote a HAR file: log.creator.
type Creator struct {
	Name    string
	Version string
}

// Error is a HAR file that cannot be read: the file, the entry at fault (its 0-based index into
// log.entries, or -1 when the fault is in the file as a whole) and what is wrong with it.
// Failing to read the bytes at all (a missing file, an I/O error) is not an *Error.
type Error struct {
	File  string // the name given to Read, or the path given to ReadFile
	Entry int    // index into log.entries; -1 for the whole file
	Err   error
}

// Error names the file, then the entry, then the fault, e.g.
// `trace.har: entry 3 (log.entries[3]): startedDateTime "yesterday" is not a date: ...`.
func (e *Error) Error() string {
	var b strings.Builder
	if e.File != "" {
		b.WriteString(e.File)
		b.WriteString(": ")
	}
	if e.Entry >= 0 {
		fmt.Fprintf(&b, "entry %d (log.entries[%d]): ", e.Entry, e.Entry)
	}
	if e.Err != nil {
		b.WriteString(e.Err.Error())
	} else {
		b.WriteString("unreadable")
	}
	return b.String()
}

// Unwrap returns the fault.
func (e *Error) Unwrap() error { return e.Err }

// redacted replaces the value of a credential header; it is the text credentials.Redacted uses,
// so that a reader of the file sees one marker for every secret.
const redacted = "[REDACTED]"

// credentialHeader reports whether the values of the header named name are secrets
// (CredentialHeader).
func credentialHeader(name string) bool { return CredentialHeader(name) }

// CredentialHeader reports whether the values of the header named name are credentials: the
// standard credential headers (Authorization, Proxy-Authorization, Cookie, Set-Cookie), and any
// header whose name says it holds a token, a secret, a password or an API key (X-Auth-Token,
// X-API-Key, X-Client-Secret, ...). It is the one list of every output of conform that shows
// headers (this writer, the reports) and of what a redactor learns of an exchange.
func CredentialHeader(name string) bool {
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

// CredentialQueryKeys are the query parameters whose values are credentials, compared without
// regard to case: tokens, API keys, passwords, client secrets and signatures.
var CredentialQueryKeys = []string{
	"access_token", "id_token", "refresh_token", "token",
	"api_key", "apikey", "api-key", "key",
	"password", "passwd", "pwd",
	"secret", "client_secret",
	"sig", "signature", "x-amz-signature", "x-goog-signature",
}

// CredentialQueryKey reports whether a query parameter named k holds a credential
// (CredentialQueryKeys).
func CredentialQueryKey(k string) bool {
	return slices.ContainsFunc(CredentialQueryKeys, func(q string) bool { return strings.EqualFold(q, k) })
}

// RedactURL returns raw with its credentials replaced by the redaction marker: the userinfo
// (user and password, either may be the secret) and the value of every CredentialQueryKeys
// parameter. Everything else is left as sent. A URL that does not parse is the marker whole:
// what it holds cannot be told apart.
func RedactURL(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return redacted
	}
	changed := false
	if u.User != nil {
		u.User = url.User(redacted)
		changed = true
	}
	if u.RawQuery != "" {
		parts := strings.Split(u.RawQuery, "&")
		for i, p := range parts {
			k, _, ok := strings.Cut(p, "=")
			if !ok {
				continue
			}
			if name, err := url.QueryUnescape(k); err == nil && CredentialQueryKey(name) || err != nil && CredentialQueryKey(k) {
				parts[i] = k + "=" + redacted
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

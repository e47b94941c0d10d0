package credentials

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"io"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"sync"
)

// Redacted is what a secret is replaced with.
const Redacted = "[REDACTED]"

// Redactor replaces known secrets with Redacted in text. It is safe for concurrent use, and
// secrets can be added while it is in use (OAuth2 tokens arrive during a run).
//
// A secret is redacted wherever it appears unless it is Weak: shorter than MinStrongLen
// characters, or a word of conform's own output ("conform", a token "t"). Redacted everywhere,
// such a secret would garble the words around it ("agains[REDACTED]", "[REDACTED]s"); it is
// redacted only where it stands as a credential: after an HTTP authentication scheme
// ("Bearer t"), as the value of a credential key in a header, query, form or JSON document
// ("password=…", "\"access_token\": \"…\""), or as the password (or the user) of a URL's
// userinfo. Occurrences of different secrets that overlap are replaced together, so no part of
// either shows.
//
// A secret is either a credential form (Add: an encoding, a header value, a token; nothing a
// person writes by chance) or a plain secret (AddPlain: a password or client secret as typed).
// The Redactor redacts both: use it on text that came from the target, which may echo anything.
// CredentialForms returns a view that redacts plain secrets only where they stand as a
// credential: use it as the safety net over conform's own output.
type Redactor struct {
	set       *secretSet
	skipPlain bool // a CredentialForms view
}

// secretSet is the secrets a Redactor and its views share.
type secretSet struct {
	parent  *secretSet   // the run's secrets, for a Redactor of one exchange (ForExchange); nil: none
	mu      sync.RWMutex // guards secrets
	secrets []secret
}

type secret struct {
	b     []byte
	plain bool
	weak  bool // Weak: redacted only where it stands as a credential
}

// NewRedactor returns a Redactor that knows secrets, each a credential form (see Add); empty
// ones are ignored.
func NewRedactor(secrets ...string) *Redactor {
	r := &Redactor{set: &secretSet{}}
	for _, s := range secrets {
		r.Add(s)
	}
	return r
}

// Add makes r, and every view of it, redact secret from now on, as it is, in the forms a JSON
// report would give it (`"`, `\`, `<`, `>`, `&` and control characters escaped) and query
// escaped: reports are JSON, and a password with an ampersand must not slip through as \u0026
// or %26. A Weak secret is redacted only where it stands as a credential. An empty or known
// secret is ignored.
func (r *Redactor) Add(secret string) { r.set.add(secret, false) }

// AddPlain makes r redact secret, a password or client secret as a person typed it, from now on,
// in the same forms as Add; a CredentialForms view redacts it only where it stands as a
// credential. A secret already added as a credential form stays one.
func (r *Redactor) AddPlain(secret string) { r.set.add(secret, true) }

// CredentialForms returns a view of r that redacts the secrets added with Add (and NewRedactor)
// as r does, and the plain ones only where they stand as a credential. It shares r's secrets,
// those added later included.
func (r *Redactor) CredentialForms() *Redactor {
	return &Redactor{set: r.set, skipPlain: true}
}

// LearnAuthorization makes r redact the credentials of an Authorization header's value, as a
// proxy or a recording passes them on: the value after the scheme, whatever the scheme, and for
// HTTP Basic the "user:password" it encodes (a credential form) and the password (plain).
func (r *Redactor) LearnAuthorization(value string) {
	scheme, cred, ok := strings.Cut(strings.TrimSpace(value), " ")
	cred = strings.TrimSpace(cred)
	if !ok || cred == "" {
		return
	}
	r.Add(cred)
	if !strings.EqualFold(scheme, "Basic") {
		return
	}
	if b, err := base64.StdEncoding.DecodeString(cred); err == nil {
		if user, pass, ok := strings.Cut(string(b), ":"); ok && pass != "" {
			r.Add(user + ":" + pass)
			r.AddPlain(pass)
		}
	}
}

func (set *secretSet) add(s string, plain bool) {
	if s == "" {
		return
	}
	weak := Weak(s)
	set.mu.Lock()
	defer set.mu.Unlock()
	for _, form := range forms(s) {
		i := slices.IndexFunc(set.secrets, func(k secret) bool { return string(k.b) == form })
		if i < 0 {
			set.secrets = append(set.secrets, secret{b: []byte(form), plain: plain, weak: weak})
			continue
		}
		// The strictest reading wins: a credential form stays one, a strong secret strong.
		set.secrets[i].plain = set.secrets[i].plain && plain
		set.secrets[i].weak = set.secrets[i].weak && weak
	}
}

// forms returns secret, its escaped forms inside a JSON string, with and without the HTML
// escaping that encoding/json does by default, and its query escaping.
func forms(secret string) []string {
	forms := []string{secret}
	if q := url.QueryEscape(secret); q != secret {
		forms = append(forms, q)
	}
	for _, html := range []bool{true, false} {
		var buf bytes.Buffer
		enc := json.NewEncoder(&buf)
		enc.SetEscapeHTML(html)
		if enc.Encode(secret) != nil {
			continue
		}
		quoted := bytes.TrimSpace(buf.Bytes())
		form := string(quoted[1 : len(quoted)-1])
		if !slices.Contains(forms, form) {
			forms = append(forms, form)
		}
	}
	return forms
}

// known is a secret as r redacts it now.
type known struct {
	b        []byte // never modified
	anywhere bool   // redacted wherever it appears, not only where it stands as a credential
}

// snapshot returns the secrets r redacts now.
func (r *Redactor) snapshot() []known {
	var out []known
	for set := r.set; set != nil; set = set.parent {
		set.mu.RLock()
		for _, s := range set.secrets {
			out = append(out, known{b: s.b, anywhere: !s.weak && !(r.skipPlain && s.plain)})
		}
		set.mu.RUnlock()
	}
	return out
}

// String returns s with every known secret replaced.
func (r *Redactor) String(s string) string {
	secrets := r.snapshot()
	spans := findSecrets([]byte(s), 0, secrets)
	if len(spans) == 0 {
		return s
	}
	return string(mask(nil, []byte(s), spans, false))
}

// Bytes returns b with every known secret replaced. It returns b itself when there is nothing to
// replace and a new slice otherwise; b is never modified.
func (r *Redactor) Bytes(b []byte) []byte {
	secrets := r.snapshot()
	spans := findSecrets(b, 0, secrets)
	if len(spans) == 0 {
		return b
	}
	return mask(nil, b, spans, false)
}

// span is a half-open byte range [start, end) that holds secret material.
type span struct{ start, end int }

// findSecrets returns the merged, ordered ranges of b[from:] covered by an occurrence of a
// secret, overlapping occurrences included: of one redacted anywhere, any occurrence; of another,
// one that stands as a credential. b[:from] is only read, as what came before.
func findSecrets(b []byte, from int, secrets []known) []span {
	var spans []span
	for _, s := range secrets {
		for off := from; ; {
			i := bytes.Index(b[off:], s.b)
			if i < 0 {
				break
			}
			start, end := off+i, off+i+len(s.b)
			if s.anywhere || asCredential(b, start, end) {
				spans = append(spans, span{start - from, end - from})
			}
			off = start + 1
		}
	}
	return merge(spans)
}

// credentialValue matches the text that comes before a credential: an HTTP authentication
// scheme ("Bearer "), or a credential key and its separator, in a header, a query, a form or a
// JSON document, escaped or not ("password=", `"access_token": "`, `\"secret\":\"`). It is
// matched against at most lookBehind bytes before an occurrence.
var credentialValue = regexp.MustCompile(`(?i)(?:(?:password|passwd|pwd|pw|secret|token|api[_-]?key|authorization|credentials?)[\\"']*\s*[:=]\s*[\\"']*(?:(?:basic|bearer|digest)\s+)?|\b(?:basic|bearer|digest)\s+)$`)

// userinfo matches the text that comes before the user or the password of a URL's userinfo;
// what follows them is an @.
var userinfo = regexp.MustCompile(`(?i)\b[a-z][a-z0-9+.\-]*://(?:[^\s/?#@:]*:)?$`)

// lookBehind is how far before an occurrence asCredential looks for its context.
const lookBehind = 96

// asCredential reports whether b[start:end] stands as a credential: it is the whole value that
// follows a credential key or an authentication scheme, or the user or password of a URL.
func asCredential(b []byte, start, end int) bool {
	if start == 0 {
		return false
	}
	before := b[max(0, start-lookBehind):start]
	if end < len(b) && b[end] == '@' {
		return userinfo.Match(before)
	}
	if end < len(b) && isValueByte(b[end]) {
		return false // the credential there is longer: another one
	}
	if !strings.ContainsRune(" \t\"'\\=:", rune(b[start-1])) {
		return false // cheap: every context ends with one of these
	}
	return credentialValue.Match(before)
}

// isValueByte reports whether c can continue a credential value (a token68 of RFC 9110, a
// base64 or a query-escaped value).
func isValueByte(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || strings.IndexByte("-._~+/=%", c) >= 0
}

func merge(spans []span) []span {
	if len(spans) < 2 {
		return spans
	}
	slices.SortFunc(spans, func(a, b span) int { return a.start - b.start })
	out := spans[:1]
	for _, s := range spans[1:] {
		last := &out[len(out)-1]
		// Only overlapping spans merge: two secrets side by side show as two markers, which a
		// Writer can reproduce however the text is split.
		if s.start < last.end {
			last.end = max(last.end, s.end)
			continue
		}
		out = append(out, s)
	}
	return out
}

// mask appends b to dst with each span replaced by Redacted. If continued is true, a span that
// starts at 0 continues a redaction already written, and gets no second marker.
func mask(dst, b []byte, spans []span, continued bool) []byte {
	prev := 0
	for _, s := range spans {
		dst = append(dst, b[prev:s.start]...)
		if !(continued && s.start == 0) {
			dst = append(dst, Redacted...)
		}
		prev = s.end
	}
	return append(dst, b[prev:]...)
}

// Writer returns an io.WriteCloser that redacts what passes through it to w. A secret split
// across Write calls is still caught: the writer keeps back up to (longest secret - 1) bytes that
// could be the start of a secret, and a weak secret at the very end (what follows it decides
// whether it stands as a credential), until the next Write or Close; it remembers the last bytes
// it wrote to judge what comes before a weak secret. Write reports len(p) when w took everything.
// Close writes what was kept back; it does not close w. The writer is safe for concurrent use and
// can be used again after Close.
func (r *Redactor) Writer(w io.Writer) io.WriteCloser {
	return &redactingWriter{r: r, w: w}
}

type redactingWriter struct {
	r *Redactor
	w io.Writer

	mu      sync.Mutex // guards pending, covered and before, and serialises writes to w
	pending []byte     // raw bytes kept back
	covered int        // leading bytes of pending inside a secret whose marker is already written
	before  []byte     // the last raw bytes written, at most lookBehind: the context of what follows
}

func (rw *redactingWriter) Write(p []byte) (int, error) {
	rw.mu.Lock()
	defer rw.mu.Unlock()
	if err := rw.flush(append(rw.pending, p...), false); err != nil {
		return 0, err
	}
	return len(p), nil
}

func (rw *redactingWriter) Close() error {
	rw.mu.Lock()
	defer rw.mu.Unlock()
	err := rw.flush(rw.pending, true)
	rw.before = nil // what is written next starts a new text
	return err
}

// flush writes the part of buf that no later Write can turn into (more of) a secret, redacted,
// and keeps the rest. With final set it writes everything.
func (rw *redactingWriter) flush(buf []byte, final bool) error {
	secrets := rw.r.snapshot()
	// Occurrences are looked for in buf, with what was written before it as their context. One
	// that started before buf was already dealt with: covered, or kept back whole.
	text := append(slices.Clip(rw.before), buf...)
	spans := findSecrets(text, len(rw.before), secrets)
	if rw.covered > 0 {
		spans = merge(append(spans, span{0, min(rw.covered, len(buf))}))
	}
	cut := len(buf)
	if !final {
		cut = partialSecretStart(buf, secrets)
	}
	if cut == 0 {
		// Everything may still become a secret; covered keeps counting the same leading bytes.
		rw.pending = append(rw.pending[:0:0], buf...)
		return nil
	}

	// Spans that run past the cut are written (as a marker) now; the bytes of theirs that are
	// kept back are remembered as covered so that they never come out in the clear.
	var out []span
	covered := 0
	for _, s := range spans {
		if s.start >= cut {
			break
		}
		if s.end > cut {
			covered = s.end - cut
			s.end = cut
		}
		out = append(out, s)
	}
	continued := rw.covered > 0
	rw.covered = covered
	kept := buf[cut:]

	_, err := rw.w.Write(mask(nil, buf[:cut], out, continued))
	written := text[:len(rw.before)+cut]
	rw.before = append(rw.before[:0:0], written[max(0, len(written)-lookBehind):]...)
	// Copy what is kept back: buf may share memory with the caller's p.
	rw.pending = append(rw.pending[:0:0], kept...)
	return err
}

// partialSecretStart returns the earliest index from which the rest of buf is a proper prefix of
// some secret, so that more bytes could complete it, or a whole weak secret, which the next byte
// may show to stand as a credential; len(buf) if there is none. The result is never less than
// len(buf) - longest secret.
func partialSecretStart(buf []byte, secrets []known) int {
	start := len(buf)
	for _, s := range secrets {
		longest := len(s.b) - 1
		if !s.anywhere {
			longest = len(s.b)
		}
		for k := min(longest, len(buf)); k > 0 && len(buf)-k < start; k-- {
			if bytes.Equal(buf[len(buf)-k:], s.b[:k]) {
				start = len(buf) - k
				break
			}
		}
	}
	return start
}

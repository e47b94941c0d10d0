package credentials

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"io"
	"slices"
	"strings"
	"sync"
)

// Redacted is what a secret is replaced with.
const Redacted = "[REDACTED]"

// Redactor replaces known secrets with Redacted in text. It is safe for concurrent use, and
// secrets can be added while it is in use (OAuth2 tokens arrive during a run).
//
// Every non-empty secret is redacted, however short: a short password is still a password, and
// it is better to mangle some unrelated text than to print it. Occurrences of different secrets
// that overlap are replaced together, so no part of either shows.
//
// A secret is either a credential form (Add: an encoding, a header value, a token; nothing a
// person writes by chance) or a plain secret (AddPlain: a password or client secret as typed,
// which may be an ordinary word such as "conform"). The Redactor redacts both: use it on text
// that came from the target, which may echo anything. CredentialForms returns a view that
// redacts only credential forms: use it as the safety net over conform's own output, where a
// plain secret that is also a word would otherwise garble the labels around it.
type Redactor struct {
	set       *secretSet
	skipPlain bool // a CredentialForms view
}

// secretSet is the secrets a Redactor and its views share.
type secretSet struct {
	mu      sync.RWMutex // guards secrets
	secrets []secret
}

type secret struct {
	b     []byte
	plain bool
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

// Add makes r, and every view of it, redact secret from now on, as it is and in the forms a
// JSON report would give it (`"`, `\`, `<`, `>`, `&` and control characters escaped): reports
// are JSON, and a password with an ampersand must not slip through as \u0026. An empty or
// known secret is ignored.
func (r *Redactor) Add(secret string) { r.set.add(secret, false) }

// AddPlain makes r redact secret, a password or client secret as a person typed it, from now on,
// in the same forms as Add; a CredentialForms view leaves it alone. A secret already added as a
// credential form stays one.
func (r *Redactor) AddPlain(secret string) { r.set.add(secret, true) }

// CredentialForms returns a view of r that redacts only the secrets added with Add (and
// NewRedactor), never the plain ones. It shares r's secrets, those added later included.
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
	set.mu.Lock()
	defer set.mu.Unlock()
	for _, form := range jsonForms(s) {
		i := slices.IndexFunc(set.secrets, func(k secret) bool { return string(k.b) == form })
		switch {
		case i < 0:
			set.secrets = append(set.secrets, secret{b: []byte(form), plain: plain})
		case !plain:
			set.secrets[i].plain = false
		}
	}
}

// jsonForms returns secret and its escaped forms inside a JSON string, with and without the
// HTML escaping that encoding/json does by default.
func jsonForms(secret string) []string {
	forms := []string{secret}
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

// snapshot returns the secrets r redacts now; the slices it returns are never modified.
func (r *Redactor) snapshot() [][]byte {
	r.set.mu.RLock()
	defer r.set.mu.RUnlock()
	out := make([][]byte, 0, len(r.set.secrets))
	for _, s := range r.set.secrets {
		if !(r.skipPlain && s.plain) {
			out = append(out, s.b)
		}
	}
	return out
}

// String returns s with every known secret replaced.
func (r *Redactor) String(s string) string {
	secrets := r.snapshot()
	spans := findSecrets([]byte(s), secrets)
	if len(spans) == 0 {
		return s
	}
	return string(mask(nil, []byte(s), spans, false))
}

// Bytes returns b with every known secret replaced. It returns b itself when there is nothing to
// replace and a new slice otherwise; b is never modified.
func (r *Redactor) Bytes(b []byte) []byte {
	secrets := r.snapshot()
	spans := findSecrets(b, secrets)
	if len(spans) == 0 {
		return b
	}
	return mask(nil, b, spans, false)
}

// span is a half-open byte range [start, end) that holds secret material.
type span struct{ start, end int }

// findSecrets returns the merged, ordered ranges of b covered by an occurrence of any secret,
// overlapping occurrences included.
func findSecrets(b []byte, secrets [][]byte) []span {
	var spans []span
	for _, s := range secrets {
		for off := 0; ; {
			i := bytes.Index(b[off:], s)
			if i < 0 {
				break
			}
			spans = append(spans, span{off + i, off + i + len(s)})
			off += i + 1
		}
	}
	return merge(spans)
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
// could be the start of a secret until the next Write or Close. Write reports len(p) when w took
// everything. Close writes what was kept back; it does not close w. The writer is safe for
// concurrent use and can be used again after Close.
func (r *Redactor) Writer(w io.Writer) io.WriteCloser {
	return &redactingWriter{r: r, w: w}
}

type redactingWriter struct {
	r *Redactor
	w io.Writer

	mu      sync.Mutex // guards pending and covered, and serialises writes to w
	pending []byte     // raw bytes kept back
	covered int        // leading bytes of pending inside a secret whose marker is already written
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
	return rw.flush(rw.pending, true)
}

// flush writes the part of buf that no later Write can turn into (more of) a secret, redacted,
// and keeps the rest. With final set it writes everything.
func (rw *redactingWriter) flush(buf []byte, final bool) error {
	secrets := rw.r.snapshot()
	spans := findSecrets(buf, secrets)
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
	// Copy what is kept back: buf may share memory with the caller's p.
	rw.pending = append(rw.pending[:0:0], kept...)
	return err
}

// partialSecretStart returns the earliest index from which the rest of buf is a proper prefix of
// some secret, so that more bytes could complete it; len(buf) if there is none. The result is
// never less than len(buf) - (longest secret - 1).
func partialSecretStart(buf []byte, secrets [][]byte) int {
	start := len(buf)
	for _, s := range secrets {
		for k := min(len(s)-1, len(buf)); k > 0 && len(buf)-k < start; k-- {
			if bytes.Equal(buf[len(buf)-k:], s[:k]) {
				start = len(buf) - k
				break
			}
		}
	}
	return start
}

package openapi

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/getkin/kin-openapi/openapi3"
)

// maxShownValue is how many characters of an offending value a violation quotes: enough to
// recognise a misspelt word or a malformed date, few enough that the violation stays a line.
const maxShownValue = 80

// offending returns what a violation adds to the reason of e, a schema's refusal of a value:
// the value, as shownValue writes it, or "" when e's value is not the one its pointer names
// (a missing property's error carries the object that lacks it, and the pointer says enough).
func offending(e *openapi3.SchemaError, redact func([]byte) []byte) string {
	if e.SchemaField == "required" {
		return ""
	}
	shown, ok := shownValue(e.Value, redact)
	if !ok {
		return ""
	}
	return " (got " + shown + ")"
}

// shownValue returns v, a value the target sent, as a violation quotes it: as JSON, scrubbed
// by redact (nil: none), cut after maxShownValue characters with an ellipsis, and with every
// control character escaped, those JSON leaves as they are (DEL, the C1 controls) included, so
// that the violation stays one line whatever the target sent. Redaction comes before the cut,
// and sees the whole value, so that a secret is masked whole and never shown in part (an
// OAuth2 token may be a kilobyte long); the value came in a body, whose size the caller
// bounds. ok is false for a value that has no JSON form, which cannot come from a JSON body.
func shownValue(v any, redact func([]byte) []byte) (shown string, ok bool) {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return "", false
	}
	text := bytes.TrimSuffix(b.Bytes(), []byte("\n"))
	if redact != nil {
		text = redact(text)
	}
	return cutEscaped(escapeControls(string(text)), maxShownValue), true
}

// escapeControls writes the control characters of s that are left as they are in JSON as JSON
// escapes (\u007f).
func escapeControls(s string) string {
	if !strings.ContainsFunc(s, unicode.IsControl) {
		return s
	}
	var b strings.Builder
	for _, r := range s {
		if unicode.IsControl(r) {
			fmt.Fprintf(&b, `\u%04x`, r)
			continue
		}
		b.WriteRune(r)
	}
	return b.String()
}

// cutEscaped cuts s, JSON text, after max characters, and marks the cut with an ellipsis. It
// never cuts an escape sequence (\n, \u001b) in two: the sequence goes whole or not at all.
func cutEscaped(s string, max int) string {
	if utf8.RuneCountInString(s) <= max {
		return s
	}
	n, i := 0, 0
	for i < len(s) {
		width := 1
		if s[i] == '\\' && i+1 < len(s) {
			width = 2
			if s[i+1] == 'u' {
				width = 6
			}
		} else {
			_, width = utf8.DecodeRuneInString(s[i:])
		}
		chars := 1
		if s[i] == '\\' {
			chars = width
		}
		if n+chars > max {
			break
		}
		n += chars
		i += width
	}
	return s[:i] + "…"
}

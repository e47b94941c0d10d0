package drift

import (
	"bytes"
	"encoding/json"
	"strings"

	"github.com/conform-harness/conform/export"
)

// maxDepth bounds how deep the walk goes into a document: values nested deeper are not walked.
const maxDepth = 32

// walk hands visit every field of the JSON document body, by its path (a JSON pointer with
// array indexes collapsed to "*": /result/body/tables/items/*/itemID) and its form: its JSON
// kind, and for a string that is a date the form it is written in ("string, date-time
// YYYY-MM-DDThh:mm:ssZ"). It reads the shape of the document, not what it says: what a status
// or error document means is export's to decode. A body that is not JSON, or that ends early,
// yields what was read before.
func walk(body []byte, visit func(path, form string)) {
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	type frame struct {
		path    string
		object  bool
		wantKey bool // in an object, a key comes next
	}
	var stack []frame
	key := ""
	for {
		tok, err := dec.Token()
		if err != nil {
			return
		}
		n := len(stack)
		if n > 0 && stack[n-1].wantKey {
			if s, ok := tok.(string); ok {
				key, stack[n-1].wantKey = s, false
				continue
			}
		}
		path := ""
		if n > 0 {
			if stack[n-1].object {
				path = stack[n-1].path + "/" + escapeKey(key)
			} else {
				path = stack[n-1].path + "/*"
			}
		}
		switch tok {
		case json.Delim('}'), json.Delim(']'):
			stack = stack[:n-1]
		case json.Delim('{'), json.Delim('['):
			if n <= maxDepth {
				visit(orRoot(path), map[bool]string{true: "object", false: "array"}[tok == json.Delim('{')])
			}
			stack = append(stack, frame{path: path, object: tok == json.Delim('{'), wantKey: tok == json.Delim('{')})
			continue
		default:
			if n <= maxDepth {
				visit(orRoot(path), formOf(tok))
			}
		}
		if n := len(stack); n > 0 && stack[n-1].object {
			stack[n-1].wantKey = true
		}
	}
}

func orRoot(path string) string {
	if path == "" {
		return "(the document)"
	}
	return path
}

// escapeKey escapes a key for a JSON pointer (RFC 6901).
func escapeKey(k string) string {
	if !strings.ContainsAny(k, "~/") {
		return k
	}
	return pointerEscaper.Replace(k)
}

var pointerEscaper = strings.NewReplacer("~", "~0", "/", "~1")

// formOf names the form of a JSON scalar.
func formOf(tok json.Token) string {
	switch v := tok.(type) {
	case nil:
		return "null"
	case bool:
		return "boolean"
	case json.Number:
		if strings.ContainsAny(string(v), ".eE") {
			return "number (fraction)"
		}
		return "number"
	case string:
		if form := dateForm(v); form != "" {
			return "string, date-time " + form
		}
		return "string"
	}
	return "unknown"
}

// dateForm names how a date-time is written, "YYYY-MM-DDThh:mm:ss.sss±hhmm", or "" when s is
// no date-time conform reads (export.DateTime).
func dateForm(s string) string {
	if _, ok := (export.DateTime{Value: s}).Time(); !ok {
		return ""
	}
	var b strings.Builder
	b.WriteString("YYYY-MM-DDThh:mm")
	rest := s[len("2006-01-02T15:04"):]
	if strings.HasPrefix(rest, ":") {
		b.WriteString(":ss")
		rest = rest[3:]
		if strings.HasPrefix(rest, ".") {
			n := 1
			for n < len(rest) && rest[n] >= '0' && rest[n] <= '9' {
				n++
			}
			b.WriteString("." + strings.Repeat("s", n-1))
			rest = rest[n:]
		}
	}
	switch {
	case rest == "Z" || rest == "z":
		b.WriteString("Z")
	case len(rest) == 6: // +hh:mm
		b.WriteString("±hh:mm")
	case len(rest) == 5: // +hhmm
		b.WriteString("±hhmm")
	case len(rest) == 3: // +hh
		b.WriteString("±hh")
	}
	return b.String()
}

// looksJSON reports whether a body without a Content-Type is a JSON object or array.
func looksJSON(body []byte) bool {
	b := bytes.TrimSpace(body)
	return len(b) > 0 && (b[0] == '{' || b[0] == '[') && json.Valid(b)
}

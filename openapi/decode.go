package openapi

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"reflect"
	"strings"
	"sync"
	"unicode/utf8"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
)

// decodedKey is a header field name that no HTTP message can carry (a space is not allowed in
// one). Validate adds it, with one empty value, to its own copy of the response header;
// kin-openapi hands that header to the body decoder with the body, and decodeJSONBody sets the
// value when decodeJSON read the body, which proves that no object of it repeats a key. That
// is how Validate learns, without reading the body twice, that jsonkeys.Find has nothing to
// find. Should kin-openapi ever pass the decoder another header, the value stays empty and
// Validate looks for repeated keys itself: slower, never wrong.
const decodedKey = "Conform Decoded"

// decodeJSONBody is the body decoder conform registers with kin-openapi for JSON media types
// (see useDecodeJSON): decodeJSON, and kin-openapi's own JSONBodyDecoder for whatever
// decodeJSON leaves to encoding/json, so that values and errors are kin-openapi's either way.
func decodeJSONBody(body io.Reader, header http.Header, schema *openapi3.SchemaRef, enc openapi3filter.EncodingFn) (any, error) {
	var b []byte
	if buf, ok := body.(*bytes.Buffer); ok {
		b = buf.Bytes() // kin-openapi passes the body read whole; decodeJSON copies what it keeps
	} else {
		var err error
		if b, err = io.ReadAll(body); err != nil {
			return nil, &openapi3filter.ParseError{Kind: openapi3filter.KindInvalidFormat, Cause: err}
		}
	}
	if v, ok := decodeJSON(b); ok {
		if mark := header[decodedKey]; len(mark) == 1 {
			mark[0] = "decodeJSON"
		}
		return v, nil
	}
	return openapi3filter.JSONBodyDecoder(bytes.NewReader(b), header, schema, enc)
}

// registerMu makes useDecodeJSON's look-up and registration one step.
var registerMu sync.Mutex

// useDecodeJSON makes decodeJSONBody kin-openapi's body decoder for application/json and for
// every "+json" media type doc declares for a request or response body, where kin-openapi's
// own JSONBodyDecoder is the one registered. Where none is, kin-openapi decodes a "+json" type
// with the application/json decoder, hence decodeJSONBody too; a decoder someone else registered
// is left alone. kin-openapi's registry is global, so this holds for the whole process; it
// changes no result, only the time taken.
//
// So application/vnd.oracle.adf.error+json and application/vnd.oracle.resource+json (whose
// parameters, such as "; type=singular", kin-openapi drops before the look-up) are read by
// decodeJSONBody through that fallback, while the few "+json" types kin-openapi registers
// JSONBodyDecoder for itself, such as application/problem+json and application/hal+json, are
// read by it only if doc declares them.
func useDecodeJSON(doc *openapi3.T) {
	registerMu.Lock()
	defer registerMu.Unlock()
	for _, mt := range jsonMediaTypes(doc) {
		if d := openapi3filter.RegisteredBodyDecoder(mt); d != nil && sameFunc(d, openapi3filter.JSONBodyDecoder) {
			openapi3filter.RegisterBodyDecoder(mt, decodeJSONBody)
		}
	}
}

// sameFunc reports whether two body decoders are the same function; Go compares funcs only
// with nil, so this compares their code pointers.
func sameFunc(a, b openapi3filter.BodyDecoder) bool {
	return reflect.ValueOf(a).Pointer() == reflect.ValueOf(b).Pointer()
}

// jsonMediaTypes returns application/json and every JSON media type that doc's request and
// response bodies declare, lowercased and without parameters; wildcards are left out.
func jsonMediaTypes(doc *openapi3.T) []string {
	out := []string{"application/json"}
	seen := map[string]bool{"application/json": true}
	add := func(content openapi3.Content) {
		for key := range content {
			// A key may list several media ranges, separated by commas.
			for _, entry := range strings.Split(key, ",") {
				mt, _, _ := strings.Cut(entry, ";")
				mt = strings.ToLower(strings.TrimSpace(mt))
				if strings.Contains(mt, "*") || !strings.HasSuffix(mt, "+json") || seen[mt] {
					continue
				}
				seen[mt] = true
				out = append(out, mt)
			}
		}
	}
	for _, item := range doc.Paths.Map() {
		for _, op := range item.Operations() {
			if op.RequestBody != nil && op.RequestBody.Value != nil {
				add(op.RequestBody.Value.Content)
			}
			if op.Responses == nil {
				continue
			}
			for _, ref := range op.Responses.Map() {
				if ref != nil && ref.Value != nil {
					add(ref.Value.Content)
				}
			}
		}
	}
	return out
}

// maxDepth is how deeply decodeJSON nests before it gives up, as encoding/json does at 10000.
const maxDepth = 10000

// decodeJSON decodes one JSON document into the values encoding/json gives an `any` with
// UseNumber: map[string]any, []any, string, json.Number, bool and nil. It is a single pass over
// b without reflection, for the one shape validation needs, and about twice as fast as
// encoding/json for a status document.
//
// ok is false whenever the document is not plain valid JSON followed by nothing but
// whitespace, and also for the rare forms it leaves to encoding/json (invalid UTF-8 in a string,
// very deep nesting): the caller then decodes with encoding/json, which says what is wrong.
// ok is false too when an object repeats a key, which encoding/json would let pass by keeping
// the last value: the caller then asks jsonkeys.Find which key and where. Noticing costs one
// length check per key, so a body without repeats pays nothing for the jsonkeys pass.
// Whenever ok is true the value equals what encoding/json decodes and no object repeats a key;
// FuzzDecodeJSON checks both.
func decodeJSON(b []byte) (v any, ok bool) {
	d := decoder{b: b}
	d.space()
	v, ok = d.value(0)
	if !ok {
		return nil, false
	}
	d.space()
	return v, d.i == len(d.b)
}

type decoder struct {
	b []byte
	i int
}

func (d *decoder) space() {
	for d.i < len(d.b) {
		switch d.b[d.i] {
		case ' ', '\t', '\n', '\r':
			d.i++
		default:
			return
		}
	}
}

func (d *decoder) value(depth int) (any, bool) {
	if d.i >= len(d.b) {
		return nil, false
	}
	switch c := d.b[d.i]; {
	case c == '{':
		return d.object(depth + 1)
	case c == '[':
		return d.array(depth + 1)
	case c == '"':
		s, ok := d.string()
		return s, ok
	case c == '-' || ('0' <= c && c <= '9'):
		return d.number()
	case c == 't':
		return true, d.literal("true")
	case c == 'f':
		return false, d.literal("false")
	case c == 'n':
		return nil, d.literal("null")
	}
	return nil, false
}

func (d *decoder) literal(word string) bool {
	if len(d.b)-d.i < len(word) || string(d.b[d.i:d.i+len(word)]) != word {
		return false
	}
	d.i += len(word)
	return true
}

func (d *decoder) object(depth int) (any, bool) {
	if depth > maxDepth {
		return nil, false
	}
	d.i++ // {
	m := make(map[string]any)
	d.space()
	if d.i < len(d.b) && d.b[d.i] == '}' {
		d.i++
		return m, true
	}
	for {
		if d.i >= len(d.b) || d.b[d.i] != '"' {
			return nil, false
		}
		k, ok := d.string()
		if !ok {
			return nil, false
		}
		d.space()
		if d.i >= len(d.b) || d.b[d.i] != ':' {
			return nil, false
		}
		d.i++
		d.space()
		v, ok := d.value(depth)
		if !ok {
			return nil, false
		}
		n := len(m)
		m[k] = v
		if len(m) == n {
			return nil, false // a repeated key
		}
		d.space()
		if d.i >= len(d.b) {
			return nil, false
		}
		switch d.b[d.i] {
		case ',':
			d.i++
			d.space()
		case '}':
			d.i++
			return m, true
		default:
			return nil, false
		}
	}
}

func (d *decoder) array(depth int) (any, bool) {
	if depth > maxDepth {
		return nil, false
	}
	d.i++ // [
	a := []any{}
	d.space()
	if d.i < len(d.b) && d.b[d.i] == ']' {
		d.i++
		return a, true
	}
	for {
		v, ok := d.value(depth)
		if !ok {
			return nil, false
		}
		a = append(a, v)
		d.space()
		if d.i >= len(d.b) {
			return nil, false
		}
		switch d.b[d.i] {
		case ',':
			d.i++
			d.space()
		case ']':
			d.i++
			return a, true
		default:
			return nil, false
		}
	}
}

// string decodes a string at d.i. Plain ASCII and valid UTF-8 are copied as they are; a string
// with escapes is handed to encoding/json, which knows every escape and surrogate rule.
func (d *decoder) string() (string, bool) {
	start := d.i
	d.i++ // "
	escaped := false
	for d.i < len(d.b) {
		c := d.b[d.i]
		switch {
		case c == '"':
			d.i++
			if escaped {
				var s string
				if json.Unmarshal(d.b[start:d.i], &s) != nil {
					return "", false
				}
				return s, true
			}
			return string(d.b[start+1 : d.i-1]), true
		case c == '\\':
			escaped = true
			d.i += 2 // the escaped byte cannot end the string; encoding/json checks the escape
		case c < 0x20:
			return "", false
		case c < utf8.RuneSelf:
			d.i++
		default:
			r, size := utf8.DecodeRune(d.b[d.i:])
			if r == utf8.RuneError && size == 1 {
				return "", false // encoding/json replaces it with U+FFFD; leave that to it
			}
			d.i += size
		}
	}
	return "", false
}

// number checks the JSON number grammar at d.i and returns its text as a json.Number.
func (d *decoder) number() (any, bool) {
	start := d.i
	if d.b[d.i] == '-' {
		d.i++
	}
	switch {
	case d.i < len(d.b) && d.b[d.i] == '0':
		d.i++
	case d.digits() == 0:
		return nil, false
	}
	if d.i < len(d.b) && d.b[d.i] == '.' {
		d.i++
		if d.digits() == 0 {
			return nil, false
		}
	}
	if d.i < len(d.b) && (d.b[d.i] == 'e' || d.b[d.i] == 'E') {
		d.i++
		if d.i < len(d.b) && (d.b[d.i] == '+' || d.b[d.i] == '-') {
			d.i++
		}
		if d.digits() == 0 {
			return nil, false
		}
	}
	return json.Number(d.b[start:d.i]), true
}

func (d *decoder) digits() int {
	n := 0
	for d.i < len(d.b) && '0' <= d.b[d.i] && d.b[d.i] <= '9' {
		d.i++
		n++
	}
	return n
}

// Package jsonkeys finds the object keys a JSON document repeats. RFC 8259 leaves the meaning
// of such an object to each reader: encoding/json keeps the last value, other readers keep the
// first or refuse the document, so a body with a repeated key says different things to different
// clients. The spec validator (openapi) and the domain's strict decoder (export.DecodeStatus,
// export.DecodeError) both report what Find returns, so the two never disagree on what counts as
// a repeat.
package jsonkeys

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
)

// maxDepth is the nesting encoding/json accepts; Find refuses deeper documents as it does.
const maxDepth = 10000

// Duplicate is one key that an object of the document repeats.
type Duplicate struct {
	// Object is the JSON pointer of the object that repeats the key: "" for the top level,
	// "/result/body/tables/items/0" for the first item.
	Object string
	// Key is the repeated key as readers see it, after unescaping: "pro\u0067ress" and
	// "progress" are one key.
	Key string
}

// Pointer returns the JSON pointer of the repeated member, e.g. "/result/body/requestID".
func (d Duplicate) Pointer() string { return d.Object + "/" + escape(d.Key) }

// Reason says what is wrong without saying where, e.g. `duplicate key "progress": a JSON object
// must not repeat a key (readers disagree on which value counts)`.
func (d Duplicate) Reason() string {
	return fmt.Sprintf("duplicate key %q: a JSON object must not repeat a key (readers disagree on which value counts)", d.Key)
}

// Error is the reason prefixed with the member's pointer, so that a Duplicate can be returned
// as an error.
func (d Duplicate) Error() string { return d.Pointer() + ": " + d.Reason() }

// Find returns every key that an object of the first JSON value in b repeats, in the order of
// their first repetition and once per object however often it recurs, or nil when no object
// repeats a key. Keys are compared as encoding/json decodes them: after unescaping, with
// invalid UTF-8 replaced by U+FFFD, and case-sensitively ("progress" and "PROGRESS" are two
// keys). Whatever follows the first value is not read. The error is encoding/json's when the
// first value is not JSON, or says that it nests deeper than encoding/json accepts; the
// duplicates found before such an error are not returned.
func Find(b []byte) ([]Duplicate, error) {
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber() // a number is only skipped; without this 1e400 would be an error
	var (
		stack []frame // the containers open at the current token, outermost first
		found []Duplicate
	)
	for {
		tok, err := dec.Token()
		if err != nil {
			return nil, err
		}
		if n := len(stack); n > 0 && stack[n-1].keys != nil && stack[n-1].wantKey {
			if tok != json.Delim('}') {
				// Inside an object where a key is due, encoding/json yields only a key or '}'.
				f := &stack[n-1]
				f.key = tok.(string)
				f.wantKey = false
				if f.keys[f.key] == 1 {
					found = append(found, Duplicate{Object: pointer(stack[:n-1]), Key: f.key})
				}
				f.keys[f.key]++
				continue
			}
			stack = stack[:n-1]
		} else {
			switch tok {
			case json.Delim('{'), json.Delim('['):
				if len(stack) == maxDepth {
					return nil, errors.New("exceeded max depth")
				}
				f := frame{}
				if tok == json.Delim('{') {
					f.keys = map[string]int{}
					f.wantKey = true
				}
				stack = append(stack, f)
				continue
			case json.Delim(']'):
				stack = stack[:len(stack)-1]
			}
		}
		// A value has ended: a scalar, or the container just closed.
		n := len(stack)
		if n == 0 {
			return found, nil
		}
		if f := &stack[n-1]; f.keys != nil {
			f.wantKey = true
		} else {
			f.index++
		}
	}
}

// frame is an open container. Pointers are built only for a duplicate, from the key or index
// each frame is at, so that a deep document costs no string per level.
type frame struct {
	keys    map[string]int // times each key has occurred so far; nil for an array
	wantKey bool           // an object whose next token is a key or its end
	key     string         // an object's member being read
	index   int            // an array's element being read
}

func pointer(path []frame) string {
	var b strings.Builder
	for _, f := range path {
		b.WriteByte('/')
		if f.keys != nil {
			b.WriteString(escape(f.key))
		} else {
			b.WriteString(strconv.Itoa(f.index))
		}
	}
	return b.String()
}

// escape writes a key as a JSON pointer reference token (RFC 6901).
func escape(key string) string {
	if !strings.ContainsAny(key, "~/") {
		return key
	}
	return strings.NewReplacer("~", "~0", "/", "~1").Replace(key)
}

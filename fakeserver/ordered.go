package fakeserver

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"
	"strconv"
)

// The variants rewrite the fake's answers as a document, not as bytes: they add, wrap and
// retype fields wherever they are. A document is decoded into the values below, which keep
// every object's keys in their order and every number's text, so that a document encodes back
// byte for byte as the fake wrote it (TestOrderedRoundTrip) and a variant changes only what it
// means to change.
//
// A value is one of *object, []any, string, json.Number, bool and nil.

// object is a JSON object with its members in order.
type object struct {
	members []member
}

type member struct {
	key   string
	value any
}

// get returns the value of key, and whether the object has it.
func (o *object) get(key string) (any, bool) {
	for _, m := range o.members {
		if m.key == key {
			return m.value, true
		}
	}
	return nil, false
}

// set gives key the value v, in its place when the object has it, and last otherwise.
func (o *object) set(key string, v any) {
	for i, m := range o.members {
		if m.key == key {
			o.members[i].value = v
			return
		}
	}
	o.members = append(o.members, member{key, v})
}

// setAbsent sets key to v unless the object has it.
func (o *object) setAbsent(key string, v any) {
	if _, ok := o.get(key); !ok {
		o.set(key, v)
	}
}

// setAbsentAfter sets key to v unless the object has it, right after the member after (first
// when after is ""), or last when there is no such member: where a server that writes every
// field would put it.
func (o *object) setAbsentAfter(key string, v any, after string) {
	if _, ok := o.get(key); ok {
		return
	}
	if after == "" {
		o.members = slices.Insert(o.members, 0, member{key, v})
		return
	}
	for i, m := range o.members {
		if m.key == after {
			o.members = slices.Insert(o.members, i+1, member{key, v})
			return
		}
	}
	o.members = append(o.members, member{key, v})
}

// child returns the object at key, or nil when there is none.
func (o *object) child(key string) *object {
	v, _ := o.get(key)
	c, _ := v.(*object)
	return c
}

// objects returns the objects of the array at key, skipping what is not one.
func (o *object) objects(key string) []*object {
	v, _ := o.get(key)
	a, _ := v.([]any)
	var out []*object
	for _, e := range a {
		if c, ok := e.(*object); ok {
			out = append(out, c)
		}
	}
	return out
}

// decodeOrdered decodes one JSON value, and nothing after it.
func decodeOrdered(b []byte) (any, error) {
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	v, err := readOrdered(dec)
	if err != nil {
		return nil, err
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return nil, errors.New("data after the JSON value")
	}
	return v, nil
}

func readOrdered(dec *json.Decoder) (any, error) {
	tok, err := dec.Token()
	if err != nil {
		return nil, err
	}
	d, ok := tok.(json.Delim)
	if !ok {
		return tok, nil // string, json.Number, bool or nil
	}
	switch d {
	case '{':
		o := &object{}
		for dec.More() {
			k, err := dec.Token()
			if err != nil {
				return nil, err
			}
			v, err := readOrdered(dec)
			if err != nil {
				return nil, err
			}
			o.members = append(o.members, member{k.(string), v})
		}
		_, err := dec.Token() // '}'
		return o, err
	case '[':
		a := []any{}
		for dec.More() {
			v, err := readOrdered(dec)
			if err != nil {
				return nil, err
			}
			a = append(a, v)
		}
		_, err := dec.Token() // ']'
		return a, err
	}
	return nil, fmt.Errorf("unexpected %v", d)
}

// appendOrdered appends v encoded as encoding/json encodes: compact, strings escaped alike.
func appendOrdered(b []byte, v any) []byte {
	switch v := v.(type) {
	case *object:
		b = append(b, '{')
		for i, m := range v.members {
			if i > 0 {
				b = append(b, ',')
			}
			b = appendString(b, m.key)
			b = append(b, ':')
			b = appendOrdered(b, m.value)
		}
		return append(b, '}')
	case []any:
		b = append(b, '[')
		for i, e := range v {
			if i > 0 {
				b = append(b, ',')
			}
			b = appendOrdered(b, e)
		}
		return append(b, ']')
	case string:
		return appendString(b, v)
	case json.Number:
		return append(b, v...)
	case bool:
		return strconv.AppendBool(b, v)
	case nil:
		return append(b, "null"...)
	}
	panic(fmt.Sprintf("fakeserver: %T is not a value of an ordered document", v))
}

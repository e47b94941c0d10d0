package export

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"reflect"
	"strings"
	"sync"

	"github.com/conform-harness/conform/internal/jsonkeys"
)

// DecodeStatus decodes a status document strictly: the body must be exactly one JSON value,
// every number must fit its field, no object may repeat a key, and a key that differs from a
// field's name only in case is refused. encoding/json alone would skip trailing data, keep the
// last of two equal keys and match keys in any case, so that the harness could judge a
// "PROGRESS" or a second "progress" the document never meant to another reader while quoting
// its "progress". A repeated key's error is a jsonkeys.Duplicate, naming the key and its JSON
// pointer.
func DecodeStatus(b []byte) (Status, error) {
	var s Status
	if err := decodeStrict(b, &s); err != nil {
		return Status{}, err
	}
	return s, nil
}

// DecodeError decodes an error document with the same strictness as DecodeStatus, in every
// form Error reads (a status as a number or a numeric string, null for any field, the vendor's
// o:* fields), keeping every string of the document for Error.Strings.
func DecodeError(b []byte) (Error, error) {
	var e Error
	if err := decodeStrict(b, &e); err != nil {
		return Error{}, err
	}
	return e, nil
}

func decodeStrict(b []byte, v any) error {
	dec := json.NewDecoder(bytes.NewReader(b))
	if err := dec.Decode(v); err != nil {
		return err
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return errors.New("data after the JSON value")
	}
	dups, err := jsonkeys.Find(b)
	if err != nil {
		return err
	}
	if len(dups) > 0 {
		return dups[0]
	}
	var generic any
	if err := json.Unmarshal(b, &generic); err != nil {
		return err
	}
	return checkKeys(generic, reflect.TypeOf(v).Elem(), "")
}

// checkKeys walks a decoded JSON value alongside the Go type it was decoded into and refuses
// an object key that only case-folds to one of the type's JSON names.
func checkKeys(v any, t reflect.Type, path string) error {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	switch val := v.(type) {
	case map[string]any:
		if t.Kind() != reflect.Struct {
			return nil
		}
		names := jsonNames(t)
		for k, child := range val {
			field, exact := names[k]
			if !exact {
				for name := range names {
					if strings.EqualFold(name, k) {
						return fmt.Errorf("%s/%s: key %q is not the field %q (JSON keys are case-sensitive)", path, k, k, name)
					}
				}
				continue
			}
			if err := checkKeys(child, field, path+"/"+k); err != nil {
				return err
			}
		}
	case []any:
		if t.Kind() != reflect.Slice {
			return nil
		}
		for i, child := range val {
			if err := checkKeys(child, t.Elem(), fmt.Sprintf("%s/%d", path, i)); err != nil {
				return err
			}
		}
	}
	return nil
}

var namesCache sync.Map // reflect.Type → map[string]reflect.Type

// jsonNames maps the JSON names of a struct's fields to the fields' types.
func jsonNames(t reflect.Type) map[string]reflect.Type {
	if m, ok := namesCache.Load(t); ok {
		return m.(map[string]reflect.Type)
	}
	m := map[string]reflect.Type{}
	for i := range t.NumField() {
		f := t.Field(i)
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		if name == "-" || !f.IsExported() {
			continue
		}
		if name == "" {
			name = f.Name
		}
		m[name] = f.Type
	}
	namesCache.Store(t, m)
	return m
}

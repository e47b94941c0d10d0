package har

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
)

// A document is what Read takes of a HAR document, log.version and log.entries, decoded in one
// pass over the file: a json.Decoder walks the tokens of the document and of log, and the
// entries are split from log.entries and decoded by workers (entries.go). (json.Unmarshal of the
// document would need the file in memory, check all of it, then skip over log.entries to find
// their end before a decoder of their own could read them: four passes over a file that may be
// 1 GiB, on one processor.)
//
// The result is that of json.Unmarshal into struct{ Log *struct{ Version json.RawMessage;
// Entries *[]entryIn } }: keys are matched without regard to case, as strings.EqualFold and
// encoding/json match them; a repeated key takes its last value, and null clears log and
// log.entries; a value of the wrong kind is a fault only once the whole document is known to be
// JSON, nested no deeper than json.Unmarshal takes.
type document struct {
	dec     *json.Decoder
	in      io.Reader // the rest of the file, past what dec has read into its buffer
	origin  int64     // the offset in the file of the first byte dec read
	src     *source
	scratch []byte // a long value read again, for nesting

	log      *logIn // nil when absent or null
	mistyped error  // the first value that is not an object where one must be: the document, log

	opts  Options
	visit func(Place, Entry) // is handed each entry, in order
}

type logIn struct {
	version json.RawMessage
	entries *entriesIn // nil when absent or null
}

// newDocument returns the document of src, to be decoded.
func newDocument(src *source) *document {
	d := &document{in: src, src: src}
	// A byte order mark is not JSON: it is skipped, and must be counted in offsets into the file.
	head := make([]byte, len(bom))
	n, _ := io.ReadFull(src, head) // a failure to read is src's to tell
	if string(head[:n]) == bom {
		d.origin = int64(n)
	} else {
		d.in = io.MultiReader(bytes.NewReader(head[:n]), src)
	}
	d.dec = json.NewDecoder(d.in)
	// So that Token takes any number where an object must be, even 1e999, which is no float64.
	d.dec.UseNumber()
	return d
}

// maxNesting is how deeply json.Unmarshal lets arrays and objects nest in a document. A
// json.Decoder counts the depth of a value from the value, not from the document.
const maxNesting = 10000

// errNotJSON stops the decoding of a file found not to be JSON, where no json.Decoder says so as
// json.Unmarshal would; notJSON says where.
var errNotJSON = errors.New("not JSON")

// decode reads the document whole, and what follows it to the end of the file. An error means
// that the file is not one JSON document; without one, what is wrong with it as HAR is in
// d.mistyped and d.log.
func (d *document) decode() error {
	tok, err := d.dec.Token()
	if err != nil {
		return err
	}
	switch tok {
	case nil:
		// No log.
	case json.Delim('{'):
		err = d.object(func(key string) error {
			if !strings.EqualFold(key, "log") {
				return d.skip(1)
			}
			return d.decodeLog()
		})
	default:
		d.wrongKind("the top level", tok)
		err = d.skipRest(tok, 0)
	}
	if err != nil {
		return err
	}
	if !onlySpace(io.MultiReader(d.dec.Buffered(), d.in)) {
		return errNotJSON
	}
	return nil
}

// onlySpace reads r to its end, and reports whether it held JSON white space only.
func onlySpace(r io.Reader) bool {
	var buf [4096]byte
	for {
		n, err := r.Read(buf[:])
		if len(bytes.TrimLeft(buf[:n], " \t\r\n")) > 0 {
			return false
		}
		if err != nil {
			return true // at the end, or a failure to read, which the source tells
		}
	}
}

// decodeLog reads the value of log.
func (d *document) decodeLog() error {
	tok, err := d.dec.Token()
	if err != nil {
		return err
	}
	switch tok {
	case nil:
		d.log = nil
		return nil
	case json.Delim('{'):
	default:
		d.wrongKind("log", tok)
		return d.skipRest(tok, 1)
	}
	if d.log == nil {
		d.log = &logIn{}
	}
	return d.object(func(key string) error {
		switch {
		case strings.EqualFold(key, "version"):
			return d.value(&d.log.version, 2)
		case strings.EqualFold(key, "entries"):
			return d.decodeEntries()
		}
		return d.skip(2)
	})
}

// decodeEntries reads the value of log.entries.
func (d *document) decodeEntries() error {
	tok, err := d.dec.Token()
	if err != nil {
		return err
	}
	switch tok {
	case nil:
		d.log.entries = nil
		return nil
	case json.Delim('['):
	default:
		d.log.entries = &entriesIn{err: &Error{Entry: -1, Err: errors.New("not a HAR file: log.entries is not an array")}}
		return d.skipRest(tok, 2)
	}
	d.log.entries = &entriesIn{}
	return d.decodeElements(d.log.entries)
}

// wrongKind notes that tok, the first token of where, is not an object, unless another value
// was of the wrong kind before.
func (d *document) wrongKind(where string, tok json.Token) {
	if d.mistyped != nil {
		return
	}
	kind := "number"
	switch tok.(type) {
	case json.Delim: // '[': '{' would be an object, and '}' or ']' no value at all
		kind = "array"
	case string:
		kind = "string"
	case bool:
		kind = "bool"
	}
	d.mistyped = fmt.Errorf("%s is a JSON %s, not an object", where, kind)
}

// object calls member with the key of each member of the object whose '{' d.dec has just
// returned, for it to read the value, then reads the '}'.
func (d *document) object(member func(key string) error) error {
	for d.dec.More() {
		tok, err := d.dec.Token()
		if err != nil {
			return err
		}
		key, _ := tok.(string) // Token returns a key where More found no end of the object
		if err := member(key); err != nil {
			return err
		}
	}
	_, err := d.dec.Token()
	return err
}

// array calls element for each element of the array whose '[' d.dec has just returned, for it
// to read the element, then reads the ']'.
func (d *document) array(element func() error) error {
	for d.dec.More() {
		if err := element(); err != nil {
			return err
		}
	}
	_, err := d.dec.Token()
	return err
}

// value decodes the next value, depth arrays and objects deep in the document, into v, which
// takes any JSON value. An error means that the file is not JSON, or could not be read.
func (d *document) value(v any, depth int) error {
	start := d.dec.InputOffset()
	if err := d.dec.Decode(v); err != nil {
		return err
	}
	// A level takes two bytes at least: a value too short to nest too deep need not be read again.
	if size := d.dec.InputOffset() - start; depth+int(size/2) > maxNesting {
		d.scratch = slices.Grow(d.scratch[:0], int(size))[:size]
		if err := d.src.readAt(d.scratch, d.origin+start); err != nil {
			return err
		}
		if depth+nesting(d.scratch) > maxNesting {
			return errNotJSON
		}
	}
	return nil
}

// skip reads the next value, depth arrays and objects deep, without decoding it.
func (d *document) skip(depth int) error {
	return d.value(&ignored{}, depth)
}

// skipRest reads the rest of the value, depth arrays and objects deep, that begins with tok.
func (d *document) skipRest(tok json.Token, depth int) error {
	switch tok {
	case json.Delim('{'):
		return d.object(func(string) error { return d.skip(depth + 1) })
	case json.Delim('['):
		return d.array(func() error { return d.skip(depth + 1) })
	}
	return nil // Token has read a value that is neither an array nor an object whole
}

// ignored is a JSON value that Read does not use: decoding one checks that it is JSON.
type ignored struct{}

func (*ignored) UnmarshalJSON([]byte) error { return nil }

// nesting returns how deeply arrays and objects nest in the JSON text raw: 0 for a string, 1 for
// [1, 2], 2 for {"a": []}. raw may begin with the separators before its value.
func nesting(raw []byte) int {
	depth, deepest := 0, 0
	for i := 0; i < len(raw); i++ {
		switch raw[i] {
		case '"':
			for i++; i < len(raw) && raw[i] != '"'; i++ {
				if raw[i] == '\\' {
					i++
				}
			}
		case '[', '{':
			depth++
			deepest = max(deepest, depth)
		case ']', '}':
			depth--
		}
	}
	return deepest
}

package openapi

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/routers/gorillamux"
	"go.yaml.in/yaml/v4"
)

// SpecError reports a spec or an overlay that conform cannot use: a file it cannot read, one
// that is not YAML or JSON, a spec that is not a valid OpenAPI 3.0 or 3.1 document or does not
// describe the API's three calls, an overlay that is not an Overlay 1.0 document or whose
// actions do not apply. The command treats it as a configuration error (exit 2).
type SpecError struct {
	// File is the file at fault: the spec (--spec), "" for the embedded spec, or an overlay.
	File string
	// Overlays are the overlays applied to File before the problem was found, which lies then
	// in their result; nil when the problem lies in File itself.
	Overlays []string
	// Line is the 1-based line of File where the problem lies: the parser's for a syntax
	// error, the key's for a structural one. 0 when unknown, and when Overlays is not nil.
	Line int
	// Pointer is the JSON pointer (RFC 6901) of the element at fault, e.g.
	// "/paths/~1exportStatuses~1{id}/get/responses"; "" for a syntax error. It may name an
	// element that is missing.
	Pointer string
	// Err is what is wrong.
	Err error
}

// Error renders the error on one line, e.g.
// `vendor.yaml:41: /paths/~1exportStatuses~1{id}/get/responses: value of responses must be an object`.
func (e *SpecError) Error() string {
	var b strings.Builder
	b.WriteString(fileName(e.File))
	if len(e.Overlays) > 0 {
		fmt.Fprintf(&b, " with %s %s", plural(len(e.Overlays), "overlay", "overlays"), strings.Join(e.Overlays, ", "))
	}
	if e.Line > 0 {
		fmt.Fprintf(&b, ":%d", e.Line)
	}
	if e.Pointer != "" {
		b.WriteString(": ")
		b.WriteString(e.Pointer)
	}
	b.WriteString(": ")
	b.WriteString(e.Err.Error())
	return b.String()
}

func (e *SpecError) Unwrap() error { return e.Err }

// fileName is how a message names a file: the embedded spec has none.
func fileName(file string) string {
	if file == "" {
		return "the embedded spec"
	}
	return file
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}

// reasonError is a library's error told in fewer or plainer words: the SpecError around it
// carries the file, line and pointer the library's message repeats. The library's error stays
// reachable with errors.As.
type reasonError struct {
	msg string
	err error
}

func (e *reasonError) Error() string { return e.msg }
func (e *reasonError) Unwrap() error { return e.err }

// LoadFile reads the OpenAPI 3.0 or 3.1 document at path (JSON or YAML, one file: references to
// other files are refused) and validates it. Every failure is a *SpecError naming path and,
// where the parser or the validator tells, the line and the JSON pointer of the problem. It does
// not check that the document describes the API's calls: Effective does.
func LoadFile(path string) (*openapi3.T, error) {
	b, err := readFile(path)
	if err != nil {
		return nil, err
	}
	return loadBytes(path, b)
}

// Effective returns the spec a run validates against, and its text as YAML for printing:
// specFile, or the embedded spec when specFile is "", with the overlays applied in order (see
// ApplyOverlays). It fails with a *SpecError when a file does not load or does not apply, when
// the result is not a valid OpenAPI 3.0 or 3.1 document, when it does not describe all three
// calls of the API (a *CallsError inside the SpecError, see Calls), or when the validator
// cannot route on it (two paths that are one below the API root). New accepts what it
// returns.
//
// With neither a spec file nor overlays it returns the embedded spec as Load does (shared:
// treat it as read-only) and its text as Spec does. Without overlays, the text of a YAML spec
// file is the file as it is; a JSON one is turned into YAML.
func Effective(specFile string, overlays []string) (doc *openapi3.T, source []byte, err error) {
	if specFile == "" && len(overlays) == 0 {
		doc, err := Load()
		if err != nil {
			return nil, nil, err
		}
		return doc, Spec(), nil
	}
	var raw []byte
	if specFile == "" {
		raw = Spec()
	} else if raw, err = readFile(specFile); err != nil {
		return nil, nil, err
	}
	if len(overlays) > 0 {
		doc, source, err = ApplyOverlays(raw, specFile, overlays...)
	} else {
		doc, err = loadBytes(specFile, raw)
		if err == nil {
			source, err = toYAML(raw)
		}
	}
	if err != nil {
		return nil, nil, err
	}
	// A problem found from here lies in the result: name its line only when that is the file.
	at := func(pointer string, err error) *SpecError {
		se := &SpecError{File: specFile, Overlays: overlays, Pointer: pointer, Err: err}
		if len(overlays) == 0 {
			root, _ := parseNode(raw)
			se.Line = lineOf(root, pointer)
		}
		return se
	}
	if err := requireCalls(doc); err != nil {
		return nil, nil, at("/paths", err)
	}
	if err := routable(doc); err != nil {
		return nil, nil, at("/paths", err)
	}
	return doc, source, nil
}

// routable checks that New can build its router over doc.
func routable(doc *openapi3.T) error {
	below, err := belowRoot(doc)
	if err != nil {
		return err
	}
	if _, err := gorillamux.NewRouter(below); err != nil {
		return fmt.Errorf("the validator cannot route on the paths: %w", err)
	}
	return nil
}

// readFile reads a spec or an overlay, of at most MaxSpecBytes; a failure is a *SpecError
// naming the file once.
func readFile(path string) ([]byte, error) {
	fail := func(err error) ([]byte, error) {
		var pe *fs.PathError
		if errors.As(err, &pe) {
			err = pe.Err // the path is the SpecError's
		}
		return nil, &SpecError{File: path, Err: err}
	}
	tooLong := func() ([]byte, error) {
		return nil, &SpecError{File: path, Err: fmt.Errorf("not read: longer than %d bytes (16 MiB), the bound of a spec or an overlay", MaxSpecBytes)}
	}
	f, err := os.Open(path)
	if err != nil {
		return fail(err)
	}
	defer f.Close()
	if fi, err := f.Stat(); err == nil && fi.Size() > MaxSpecBytes {
		return tooLong() // refused before a byte is read
	}
	// Also bounded while read: a pipe or a device has no size.
	b, err := io.ReadAll(io.LimitReader(f, MaxSpecBytes+1))
	if err != nil {
		return fail(err)
	}
	if len(b) > MaxSpecBytes {
		return tooLong()
	}
	return b, nil
}

// loadBytes parses b, the text of file ("" for the embedded spec), with kin-openapi, and
// validates it; a failure is a *SpecError with the line and pointer of the problem in b.
func loadBytes(file string, b []byte) (*openapi3.T, error) {
	root, err := checkSyntax(file, b)
	if err != nil {
		return nil, err
	}
	doc, err := openapi3.NewLoader().LoadFromData(b)
	if err != nil {
		return nil, loadError(file, root, err)
	}
	if err := doc.Validate(context.Background()); err != nil {
		pointer, cause := validationPointer(err)
		return nil, &SpecError{File: file, Line: lineOf(root, pointer), Pointer: pointer, Err: cause}
	}
	return doc, nil
}

// checkSyntax parses b, the text of file, as JSON when it looks like JSON (an object or array
// first), else as YAML, and returns its node tree for finding lines. A syntax error is a
// *SpecError with the parser's line.
func checkSyntax(file string, b []byte) (*yaml.Node, error) {
	if looksLikeJSON(b) {
		var v any
		if err := json.Unmarshal(b, &v); err != nil {
			var se *json.SyntaxError
			if errors.As(err, &se) {
				return nil, &SpecError{File: file, Line: lineAtOffset(b, se.Offset), Err: &reasonError{"invalid JSON: " + se.Error(), err}}
			}
			// JSON's grammar passed; a problem of values (a number out of range) is the loader's.
		}
	}
	root, err := parseNode(b)
	if err != nil {
		var le *yaml.LoadError
		if errors.As(err, &le) {
			msg := le.Message
			if le.ContextMsg != "" {
				msg += " " + le.ContextMsg
			}
			return nil, &SpecError{File: file, Line: le.Mark.Line, Err: &reasonError{"invalid YAML: " + msg, err}}
		}
		return nil, &SpecError{File: file, Err: &reasonError{"invalid YAML: " + err.Error(), err}}
	}
	if err := checkBounds(file, root); err != nil {
		return nil, err
	}
	return root, nil
}

// loadError turns an error of kin-openapi's loader into a *SpecError: a value of the wrong
// type gets its line and pointer, anything else (a reference that resolves nowhere) only the
// file.
func loadError(file string, root *yaml.Node, err error) *SpecError {
	var les *yaml.LoadErrors
	if errors.As(err, &les) && len(les.Errors) > 0 {
		first := les.Errors[0]
		pointer := pointerAt(root, first.Mark.Line, first.Mark.Column)
		// kin-openapi ends the message with the pointer, which the SpecError carries already.
		msg := strings.TrimSuffix(first.Message, " in "+pointer)
		return &SpecError{File: file, Line: first.Mark.Line, Pointer: pointer, Err: &reasonError{msg, err}}
	}
	return &SpecError{File: file, Err: err}
}

// validationPointer returns the JSON pointer of the element that err, an error of
// openapi3.T.Validate, is about, as far as kin-openapi's context errors tell it, and the error
// below the contexts it read: their text would repeat the pointer.
func validationPointer(err error) (string, error) {
	var p strings.Builder
	add := func(tokens ...string) {
		for _, t := range tokens {
			p.WriteByte('/')
			p.WriteString(escapeToken(t))
		}
	}
	for {
		switch e := err.(type) {
		case *openapi3.SectionValidationError:
			add(e.Section)
			err = e.Cause
		case *openapi3.PathValidationError:
			add(e.Path)
			err = e.Cause
		case *openapi3.OperationValidationError:
			add(strings.ToLower(e.Method))
			err = e.Cause
		case *openapi3.ComponentValidationError:
			bucket, ok := componentBuckets[e.Section]
			if !ok {
				return p.String(), err
			}
			if !strings.HasSuffix(p.String(), "/components") {
				add("components")
			}
			add(bucket, e.Name)
			err = e.Cause
		case *openapi3.PathParametersError:
			add(e.Path, strings.ToLower(e.Method))
			return p.String(), err
		case *openapi3.RequiredFieldError:
			// Field is dotted from the object that lacks it ("operation.responses",
			// "info.version"), or a field of the document itself ("openapi").
			field := e.Field
			if i := strings.LastIndexByte(field, '.'); i >= 0 {
				field = field[i+1:]
			}
			add(field)
			return p.String(), err
		default:
			return p.String(), err
		}
	}
}

// componentBuckets maps the section of a ComponentValidationError to its key under components.
var componentBuckets = map[string]string{
	"schema":          "schemas",
	"parameter":       "parameters",
	"header":          "headers",
	"request body":    "requestBodies",
	"response":        "responses",
	"security scheme": "securitySchemes",
	"example":         "examples",
	"link":            "links",
	"callback":        "callbacks",
}

func looksLikeJSON(b []byte) bool {
	t := bytes.TrimLeft(b, " \t\r\n\ufeff")
	return len(t) > 0 && (t[0] == '{' || t[0] == '[')
}

// lineAtOffset returns the 1-based line of the byte at offset in b.
func lineAtOffset(b []byte, offset int64) int {
	if offset > int64(len(b)) {
		offset = int64(len(b))
	}
	if offset > 0 && b[offset-1] == '\n' {
		offset-- // json counts the byte it stopped after: keep the error on its own line
	}
	return 1 + bytes.Count(b[:offset], []byte("\n"))
}

// toYAML returns b, a YAML or JSON document, as YAML: a YAML document as it is, a JSON one in
// block style with two-space indents.
func toYAML(b []byte) ([]byte, error) {
	if !looksLikeJSON(b) {
		return b, nil
	}
	root, err := parseNode(b)
	if err != nil {
		return nil, err
	}
	return encodeYAML(root, true)
}

// encodeYAML writes the tree under root as YAML with two-space indents; plain turns JSON's
// flow collections and quoted strings into YAML's block style and plain scalars, which the
// encoder quotes again where a plain one would read as another type.
func encodeYAML(root *yaml.Node, plain bool) ([]byte, error) {
	if root == nil {
		return nil, nil
	}
	if plain {
		var walk func(n *yaml.Node)
		walk = func(n *yaml.Node) {
			n.Style &^= yaml.FlowStyle | yaml.DoubleQuotedStyle | yaml.SingleQuotedStyle
			for _, c := range n.Content {
				walk(c)
			}
		}
		walk(root)
	}
	var buf bytes.Buffer
	enc := yaml.NewEncoder(&buf)
	enc.SetIndent(2)
	if err := enc.Encode(root); err != nil {
		return nil, err
	}
	if err := enc.Close(); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

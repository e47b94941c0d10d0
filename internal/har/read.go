package har

import (
	"bytes"
	"cmp"
	"encoding"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"net/http"
	"net/textproto"
	"net/url"
	"os"
	"reflect"
	"strings"
	"time"
)

// noResponse is Entry.Err for an entry without an answer whose file does not say why.
const noResponse = "no response recorded"

// maxDuration bounds an entry's time: past it a float64 of milliseconds no longer holds every
// microsecond, and it is 142 years anyway.
const maxDuration = (1 << 52) * time.Microsecond

// ReadFile reads the HAR file at path, as Read does, naming it by path in errors. A file that
// cannot be opened returns the error of os.Open.
func ReadFile(path string) ([]Entry, error) {
	var entries []Entry
	err := ScanFile(path, Options{}, func(_ Place, e Entry) { entries = append(entries, e) })
	if err != nil {
		return nil, err
	}
	return entries, nil
}

// Options tune how a file is read.
type Options struct {
	// MaxBody is the longest body kept, decoded; 0 keeps every body. A longer one is left out
	// (nil) and the entry marked Oversized, without being base64-decoded or copied.
	MaxBody int64
}

// Place is where an entry is in its file: its index in log.entries, and the bytes of its JSON
// text, for EntryAt to read it again.
type Place struct {
	Index  int
	Offset int64
	Length int64
}

// ScanFile reads the HAR file at path as ReadFile does, but hands each entry to visit, in the
// file's order, as it is decoded, and keeps none: the memory it takes does not grow with the
// file, only with its longest entry. visit is called on one goroutine. When the file cannot be
// read, the error is the one ReadFile returns, and visit may have seen entries before the one
// at fault: use them only once ScanFile has returned nil.
func ScanFile(path string, opts Options, visit func(Place, Entry)) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	var hint int64
	if fi, err := f.Stat(); err == nil {
		hint = fi.Size()
	}
	return read(f, path, hint, opts, visit)
}

// Scan reads the HAR document of r as ScanFile reads a file, naming it name in errors. It reads
// r as it goes when r is a regular file, a bytes.Reader or a strings.Reader, and whole into
// memory first otherwise.
func Scan(r io.Reader, name string, opts Options, visit func(Place, Entry)) error {
	return read(r, name, 0, opts, visit)
}

// Read reads one HAR document (log.version "1.1", "1.2" or none) from r and returns its entries
// in their order. name is the file's name, used in errors.
//
// Read takes what real tools write: fields it does not use are ignored whatever they hold (tools
// add many: pages, _initiator, _priority, serverIPAddress, ...); HTTP/2 pseudo-headers are
// dropped and header names canonicalised; a missing or -1 time is 0; a body the file did not keep
// is nil; form parameters stand for a missing postData.text; a leading UTF-8 byte order mark is
// skipped. What leaves an entry unusable (no or an unreadable startedDateTime, no method, a URL
// that is not absolute, a body that cannot be decoded) is an *Error naming the
// entry; what leaves the file unusable (not JSON, truncated, over MaxFileBytes, no log.entries,
// another version) is an *Error with Entry -1. A failure to read r is returned wrapped, and is
// not an *Error.
//
// Read decodes the entries on GOMAXPROCS goroutines, and has stopped them all when it returns.
// It reads r as it goes, and reads it whole into memory first only when r is neither a regular
// file, nor a bytes.Reader or a strings.Reader: where the JSON goes wrong is found by reading
// the file again.
func Read(r io.Reader, name string) ([]Entry, error) {
	var entries []Entry
	if err := read(r, name, 0, Options{}, func(_ Place, e Entry) { entries = append(entries, e) }); err != nil {
		return nil, err
	}
	return entries, nil
}

// EntryAt reads again the entry of f (the HAR file named name) at p, which ScanFile gave, as
// ScanFile read it; a failure to read is returned wrapped, what is wrong with the entry is an
// *Error naming it.
func EntryAt(f io.ReaderAt, name string, p Place, opts Options) (Entry, error) {
	b := make([]byte, p.Length)
	if _, err := f.ReadAt(b, p.Offset); err != nil {
		return Entry{}, fmt.Errorf("read %s: %w", name, err)
	}
	var in entryIn
	if err := json.Unmarshal(b, &in); err != nil {
		return Entry{}, &Error{File: name, Entry: p.Index, Err: err}
	}
	e, err := in.entry(opts)
	if err != nil {
		return Entry{}, &Error{File: name, Entry: p.Index, Err: err}
	}
	return e, nil
}

// read is Read, with the file's size when known, so that a file too long is not read at all.
func read(r io.Reader, name string, sizeHint int64, opts Options, visit func(Place, Entry)) error {
	if sizeHint > MaxFileBytes {
		return tooLong(name)
	}
	src, err := newSource(r, sizeHint)
	switch {
	case err == errTooLong:
		return tooLong(name)
	case err != nil:
		return fmt.Errorf("read %s: %w", name, err)
	}
	err = decode(src, opts, visit)
	// As if the file had been read whole before it was decoded: a failure to read it, or its
	// length, comes before what is wrong with what was read.
	src.finish()
	switch {
	case src.err != nil:
		return fmt.Errorf("read %s: %w", name, src.err)
	case src.n > MaxFileBytes:
		return tooLong(name)
	case err != nil:
		var herr *Error
		if !errors.As(err, &herr) {
			herr = &Error{Entry: -1, Err: err}
		}
		herr.File = name
		return herr
	}
	return nil
}

func tooLong(name string) *Error {
	return &Error{File: name, Entry: -1, Err: fmt.Errorf("not read: longer than %d bytes (1 GiB)", MaxFileBytes)}
}

// bom is the UTF-8 byte order mark, which the spec forbids and Windows tools write anyway.
const bom = "\ufeff"

// decode hands the entries of the HAR document in src to visit.
func decode(src *source, opts Options, visit func(Place, Entry)) error {
	doc := newDocument(src)
	doc.opts, doc.visit = opts, visit
	if err := doc.decode(); err != nil {
		return notJSON(src, err)
	}
	if doc.log != nil {
		// Checked before any fault of an entry: in a file of another version that is no fault.
		if err := checkVersion(doc.log.version); err != nil {
			return err
		}
	}
	switch {
	case doc.mistyped != nil:
		return fmt.Errorf("not a HAR file: %w", doc.mistyped)
	case doc.log == nil:
		return errors.New(`not a HAR file: no "log" object`)
	case doc.log.entries == nil:
		return errors.New(`not a HAR file: log has no "entries" array`)
	case doc.log.entries.err != nil:
		return doc.log.entries.err
	}
	return nil
}

// notJSON says why the file in src, which err says is not one JSON document, is not. It reads
// the file again whole, to say it as json.Unmarshal does, by the first byte at fault: a
// json.Decoder has no such offset for some faults, and does not see others (a value nested too
// deep counting what holds it, text after the document).
func notJSON(src *source, err error) error {
	data, rerr := src.bytes()
	if rerr != nil {
		return rerr // read tells a failure to read, or a file too long, first
	}
	skipped := 0
	if bytes.HasPrefix(data, []byte(bom)) {
		data, skipped = data[len(bom):], len(bom)
	}
	if len(bytes.TrimSpace(data)) == 0 {
		return errors.New("not a HAR file: the file is empty")
	}
	var syntax *json.SyntaxError
	if errors.As(json.Unmarshal(data, &struct{}{}), &syntax) {
		return syntaxError(data, skipped, syntax)
	}
	return err
}

// syntaxError says where data stops being JSON, by line, column and byte offset in the file.
func syntaxError(data []byte, skipped int, err *json.SyntaxError) error {
	at := int(min(max(err.Offset, 0), int64(len(data))))
	if strings.HasPrefix(err.Error(), "unexpected end") {
		line, col := position(data, at)
		return fmt.Errorf("truncated: the JSON ends at line %d, column %d (byte %d) before the document does", line, col, at+skipped)
	}
	// Offset counts the bytes read, the offending one included.
	at = max(at-1, 0)
	line, col := position(data, at)
	return fmt.Errorf("not JSON: %s at line %d, column %d (byte %d)", strings.TrimPrefix(err.Error(), "json: "), line, col, at+skipped)
}

// position returns the 1-based line and column (in bytes) of data[at].
func position(data []byte, at int) (line, col int) {
	before := data[:at]
	line = 1 + bytes.Count(before, []byte("\n"))
	col = at - bytes.LastIndexByte(before, '\n')
	return line, col
}

// checkVersion accepts log.version "1.1", "1.2", "" or none: several tools omit it.
func checkVersion(raw json.RawMessage) error {
	if len(raw) == 0 || string(raw) == "null" {
		return nil
	}
	var v string
	if err := json.Unmarshal(raw, &v); err != nil {
		return fmt.Errorf("not a HAR file: log.version %s is not 1.1 or 1.2", short(string(raw)))
	}
	switch v {
	case "", "1.1", "1.2":
		return nil
	}
	return fmt.Errorf("not a HAR file: log.version %q is not 1.1 or 1.2", short(v))
}

// short cuts s, a value quoted in an error, to a length a message can carry.
func short(s string) string {
	const limit = 80
	if len(s) <= limit {
		return s
	}
	cut := limit
	for cut > 0 && !isRuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + "..."
}

func isRuneStart(b byte) bool { return b&0xC0 != 0x80 }

// typeError says which field holds the wrong kind of JSON value, in JSON's words; whole names
// the value decoded, for when the fault is in the value itself.
func typeError(err *json.UnmarshalTypeError, whole string) error {
	field := cmp.Or(err.Field, whole)
	return fmt.Errorf("%s is a JSON %s, not %s", field, err.Value, jsonKind(err.Type))
}

// jsonKind names the JSON value a Go type decodes from.
func jsonKind(t reflect.Type) string {
	for t != nil && t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if t == nil {
		return "the expected value"
	}
	if reflect.PointerTo(t).Implements(reflect.TypeFor[encoding.TextUnmarshaler]()) {
		return "a string" // as text is
	}
	switch t.Kind() {
	case reflect.String:
		return "a string"
	case reflect.Bool:
		return "a boolean"
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return "an integer"
	case reflect.Float32, reflect.Float64:
		return "a number"
	case reflect.Slice, reflect.Array:
		return "an array"
	default:
		return "an object"
	}
}

// The types below are the parts of an entry that Read uses, and only those: what a tool gets
// wrong in a field conform does not use cannot make its file unreadable.

type entryIn struct {
	StartedDateTime *string     `json:"startedDateTime"`
	Time            *float64    `json:"time"`
	Request         *requestIn  `json:"request"`
	Response        *responseIn `json:"response"`
	Error           string      `json:"_error"` // conform's, and others'
	Pageref         string      `json:"pageref"`
}

type requestIn struct {
	Method      string      `json:"method"`
	URL         string      `json:"url"`
	HTTPVersion string      `json:"httpVersion"`
	Headers     []pairIn    `json:"headers"`
	PostData    *postDataIn `json:"postData"`
	// MalformedOnPurpose is conform's (Entry.MalformedOnPurpose).
	MalformedOnPurpose bool `json:"_malformedOnPurpose"`
}

type postDataIn struct {
	MimeType  string   `json:"mimeType"`
	Text      *text    `json:"text"`
	Params    []pairIn `json:"params"`
	Encoding  string   `json:"encoding"`  // not in the spec, but some tools write it
	XEncoding string   `json:"_encoding"` // conform's
}

type responseIn struct {
	Status      int       `json:"status"`
	StatusText  string    `json:"statusText"`
	HTTPVersion string    `json:"httpVersion"`
	Headers     []pairIn  `json:"headers"`
	Content     contentIn `json:"content"`
	Error       string    `json:"_error"` // Chrome's
}

type contentIn struct {
	MimeType string `json:"mimeType"`
	Text     *text  `json:"text"`
	Encoding string `json:"encoding"`
}

// text is a JSON string decoded to bytes: a body goes from the file to its Entry without a string
// in between, which would be one more copy of what is most of a file.
type text []byte

// UnmarshalText keeps b itself, which encoding/json may own and reuse after the value is
// decoded: entry copies what it keeps (decodeBody), and so a body too long to keep is never
// copied at all.
func (t *text) UnmarshalText(b []byte) error {
	*t = b[:len(b):len(b)]
	if *t == nil {
		*t = text{} // never nil: an empty body is not none
	}
	return nil
}

type pairIn struct {
	Name  string `json:"name"`
	Value string `json:"value"`
}

// entry returns in as an Entry, or says what makes it unusable. A body longer than
// opts.MaxBody is left out, unread, and the Entry marked Oversized.
func (in *entryIn) entry(opts Options) (Entry, error) {
	var e Entry
	if in.StartedDateTime == nil {
		return e, errors.New("startedDateTime is missing")
	}
	started, err := parseTime(*in.StartedDateTime)
	if err != nil {
		return e, err
	}
	duration, err := parseDuration(in.Time)
	if err != nil {
		return e, err
	}
	req := in.Request
	switch {
	case req == nil:
		return e, errors.New("request is missing")
	case req.Method == "":
		return e, errors.New("request.method is missing")
	case req.URL == "":
		return e, errors.New("request.url is missing")
	}
	if err := checkURL(req.URL); err != nil {
		return e, err
	}
	e = Entry{
		Started:     started,
		Duration:    duration,
		Method:      req.Method,
		URL:         req.URL,
		HTTPVersion: req.HTTPVersion,
		ReqHeader:   headers(req.Headers),
		Err:         in.Error,
		PageRef:     in.Pageref,

		MalformedOnPurpose: req.MalformedOnPurpose,
	}
	if pd := req.PostData; pd != nil {
		if pd.Text != nil && over(*pd.Text, cmp.Or(pd.XEncoding, pd.Encoding), opts.MaxBody) {
			e.Oversized = true
		} else if e.ReqBody, err = pd.body(); err != nil {
			return e, err
		}
		e.ReqMimeType = pd.MimeType
		if e.ReqMimeType == "" && (pd.Text == nil || len(*pd.Text) == 0) && len(pd.Params) > 0 {
			e.ReqMimeType = formMimeType
		}
	}
	if resp := in.Response; resp != nil {
		switch {
		case resp.Status <= 0:
			// 0 is a browser's aborted or blocked request; -1, a tool's "unknown".
		case resp.Status < 100 || resp.Status > 999:
			return e, fmt.Errorf("response.status %d is not an HTTP status", resp.Status)
		default:
			e.Status = resp.Status
		}
		e.StatusText = resp.StatusText
		e.HTTPVersion = cmp.Or(e.HTTPVersion, resp.HTTPVersion)
		e.RespHeader = headers(resp.Headers)
		e.RespMimeType = resp.Content.MimeType
		if t := resp.Content.Text; t != nil && over(*t, resp.Content.Encoding, opts.MaxBody) {
			e.Oversized = true
		} else if t != nil {
			if e.RespBody, err = decodeBody(*t, resp.Content.Encoding, "response.content"); err != nil {
				return e, err
			}
		}
		e.Err = cmp.Or(e.Err, resp.Error)
	} else {
		e.RespHeader = http.Header{}
	}
	if e.Status == 0 && e.Err == "" {
		e.Err = noResponse
	}
	return e, nil
}

// timeLayouts are the layouts of startedDateTime that parseTime tries: RFC 3339, with or without
// fractional seconds (Go's parser takes them in either layout), or with an offset without a
// colon (+0100); and the same without seconds, as a tool built on Java's
// OffsetDateTime.toString() writes an instant whose seconds are zero (2026-12-01T10:00Z).
var timeLayouts = [...]string{time.RFC3339, "2006-01-02T15:04:05Z0700", "2006-01-02T15:04Z07:00", "2006-01-02T15:04Z0700"}

// parseTime reads startedDateTime as tools write it, in one of timeLayouts.
func parseTime(s string) (time.Time, error) {
	for _, layout := range timeLayouts {
		t, err := time.Parse(layout, s)
		if err != nil {
			continue
		}
		// The second layout lets through an offset of a day or more, which RFC 3339, and so the
		// writer's output, cannot carry.
		if _, offset := t.Zone(); offset > -24*60*60 && offset < 24*60*60 {
			return t, nil
		}
	}
	return time.Time{}, fmt.Errorf("startedDateTime %q is not a date: want RFC 3339, such as 2026-12-01T10:00:00.123Z", short(s))
}

// parseDuration reads "time", in milliseconds: missing, or negative (-1 is HAR's "unknown"), is 0.
func parseDuration(ms *float64) (time.Duration, error) {
	if ms == nil || *ms < 0 {
		return 0, nil
	}
	us := math.Round(*ms * 1000)
	if us > float64(maxDuration/time.Microsecond) {
		return 0, fmt.Errorf("time %g ms is out of range", *ms)
	}
	return time.Duration(us) * time.Microsecond, nil
}

func checkURL(s string) error {
	u, err := url.Parse(s)
	if err != nil {
		var uerr *url.Error
		if errors.As(err, &uerr) {
			err = uerr.Err
		}
		return fmt.Errorf("request.url %q is not a URL: %w", short(s), err)
	}
	// Browsers record WebSocket, data: and blob: requests beside the HTTP ones; they are
	// entries like any other, which a reader of HTTP calls passes over. Only a URL that is not
	// absolute cannot be placed at all.
	web := strings.EqualFold(u.Scheme, "http") || strings.EqualFold(u.Scheme, "https")
	if !u.IsAbs() || (web && u.Host == "") {
		return fmt.Errorf("request.url %q is not an absolute URL", short(s))
	}
	return nil
}

// headers returns pairs as a header, names canonicalised and repeated names in their order;
// HTTP/2 pseudo-headers (:method, :path, ...) say again what the entry says, and are dropped.
func headers(pairs []pairIn) http.Header {
	h := make(http.Header, len(pairs))
	// As net/textproto does, the values of all names share one array: most names come once, and
	// take no allocation of their own. A name's slice is capped, so that appending to it copies.
	values := make([]string, 0, len(pairs))
	for _, p := range pairs {
		if p.Name == "" || strings.HasPrefix(p.Name, ":") {
			continue
		}
		name := textproto.CanonicalMIMEHeaderKey(p.Name)
		if vs, ok := h[name]; ok {
			h[name] = append(vs, p.Value)
			continue
		}
		values = append(values, p.Value)
		h[name] = values[len(values)-1 : len(values) : len(values)]
	}
	return h
}

const formMimeType = "application/x-www-form-urlencoded"

// body returns the request body: text, or, when a form post kept only its parameters, the form
// rebuilt from them in their order. An empty body is none.
func (pd *postDataIn) body() ([]byte, error) {
	if pd.Text != nil && len(*pd.Text) > 0 {
		return decodeBody(*pd.Text, cmp.Or(pd.XEncoding, pd.Encoding), "request.postData")
	}
	if len(pd.Params) == 0 {
		return nil, nil
	}
	var b strings.Builder
	for i, p := range pd.Params {
		if i > 0 {
			b.WriteByte('&')
		}
		b.WriteString(url.QueryEscape(p.Name))
		b.WriteByte('=')
		b.WriteString(url.QueryEscape(p.Value))
	}
	return []byte(b.String()), nil
}

// over reports whether the body given as t in encoding is longer than max (0: no limit), by
// its length alone: base64 is not decoded to tell.
func over(t text, encoding string, max int64) bool {
	if max <= 0 {
		return false
	}
	n := int64(len(t))
	if strings.EqualFold(encoding, "base64") {
		n = int64(base64.StdEncoding.DecodedLen(len(t))) - 2 // at most two bytes of padding
	}
	return n > max
}

// decodeBody returns the bytes of a body given as text in encoding ("" or "base64"), never nil:
// a copy of t, when it is not encoded. where names the object holding it, for errors.
func decodeBody(t text, encoding, where string) ([]byte, error) {
	switch {
	case encoding == "":
		return append([]byte{}, t...), nil
	case strings.EqualFold(encoding, "base64"):
		b, err := base64.StdEncoding.AppendDecode(nil, t)
		if err != nil {
			// Some tools leave out the padding.
			var rerr error
			if b, rerr = base64.RawStdEncoding.AppendDecode(nil, t); rerr != nil {
				return nil, fmt.Errorf("%s.text is not base64: %w", where, err)
			}
		}
		if b == nil {
			b = []byte{}
		}
		return b, nil
	default:
		return nil, fmt.Errorf("%s.encoding %q is unknown: only base64 is", where, short(encoding))
	}
}

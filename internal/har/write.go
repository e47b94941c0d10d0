package har

import (
	"bytes"
	"cmp"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
	"unicode/utf8"
)

const (
	// dateLayout is RFC 3339 to the millisecond, as the spec's examples and browsers write it.
	dateLayout = "2006-01-02T15:04:05.000Z07:00"

	defaultHTTPVersion = "HTTP/1.1"

	// entryIndent puts each entry at its depth in the document, {"log": {"entries": [...]}}, so
	// that a document written piece by piece reads as if it had been indented whole.
	entryIndent = "      "
)

// A Writer writes a HAR 1.2 document one entry at a time, so that a long run need not keep its
// exchanges: each entry is in the underlying writer when Add returns, and Close completes the
// document. It is safe for concurrent use, and Close may be called from another goroutine (on an
// interrupt, say) while others still call Add.
type Writer struct {
	out     io.Writer
	creator Creator
	redact  func([]byte) []byte

	mu      sync.Mutex // guards the fields below, and writes to out
	opened  bool       // the document's opening is written
	entries int        // entries written
	pages   []Page     // the pages, written by Close; by ID, the first of each
	closed  bool
	err     error // the first failure to write to out; every later call returns it
}

// NewWriter returns a Writer of a document to w, naming creator as the program that wrote it.
// Nothing is written before the first Add or Close. The Writer never closes w.
//
// Credential headers (Authorization, Proxy-Authorization, Cookie, Set-Cookie, and any header
// whose name contains "token", "secret", "api-key" or "apikey", in any case) are written with
// the value "[REDACTED]"; cookies are never written. redact, when not nil, then scrubs every
// piece of the encoded document before it is written: the opening with the creator, and each
// entry whole, so a secret in a URL, a body or any other value goes too. It must leave valid
// JSON (replacing text by "[REDACTED]" does); Add refuses an entry it breaks.
func NewWriter(w io.Writer, creator Creator, redact func([]byte) []byte) *Writer {
	return &Writer{out: w, creator: creator, redact: redact}
}

// errClosed is what Add returns after Close.
var errClosed = errors.New("write HAR: add after close")

// Add writes e as the next entry. An entry that cannot be encoded is refused, and the document
// stays as it was; after a failure to write to the underlying writer, every call returns that
// failure. Add after Close is an error.
func (w *Writer) Add(e Entry) error {
	piece, err := w.encode(e)
	if err != nil {
		return err
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.closed {
		return errClosed
	}
	if err := w.open(); err != nil {
		return err
	}
	sep := ",\n" + entryIndent
	if w.entries == 0 {
		sep = "\n" + entryIndent
	}
	if err := w.write(append([]byte(sep), piece...)); err != nil {
		return err
	}
	w.entries++
	return nil
}

// Page adds p to the log's pages, written when the document is closed; a page with the ID of one
// added before is ignored. Entries name their page by Entry.PageRef.
func (w *Writer) Page(p Page) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if slices.ContainsFunc(w.pages, func(q Page) bool { return q.ID == p.ID }) {
		return
	}
	w.pages = append(w.pages, p)
}

// Close completes the document, writing its opening first if no entry was added, so that a run
// interrupted at any point between two Adds leaves a valid HAR file. It returns the first failure
// to write, and later calls return the same. Close does not close the underlying writer.
func (w *Writer) Close() error {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.closed {
		return w.err
	}
	w.closed = true
	if err := w.open(); err != nil {
		return err
	}
	tail := "]"
	if w.entries > 0 {
		tail = "\n    ]"
	}
	if len(w.pages) > 0 {
		pages, err := w.pagesJSON()
		if err != nil {
			w.err = err
			return err
		}
		tail += ",\n    \"pages\": " + string(pages)
	}
	return w.write([]byte(tail + "\n  }\n}\n"))
}

// Write writes entries, in the order given, as one HAR 1.2 document to w, with the creator,
// redaction and scrubbing of NewWriter. It returns the first entry that cannot be encoded or the
// first failure to write, leaving the document incomplete.
func Write(w io.Writer, creator Creator, entries []Entry, redact func([]byte) []byte) error {
	hw := NewWriter(w, creator, redact)
	for _, e := range entries {
		if err := hw.Add(e); err != nil {
			return err
		}
	}
	return hw.Close()
}

// open writes the document's opening once. w.mu must be held.
func (w *Writer) open() error {
	if w.opened {
		return w.err
	}
	w.opened = true
	creator, err := marshal(creatorJSON(w.creator), "    ")
	if err != nil {
		w.err = fmt.Errorf("write HAR: %w", err)
		return w.err
	}
	head := []byte("{\n  \"log\": {\n    \"version\": \"1.2\",\n    \"creator\": ")
	head = append(head, creator...)
	head = append(head, ",\n    \"entries\": ["...)
	if w.redact != nil {
		head = w.redact(head)
		if !json.Valid(append(slices.Clip(head), "]}}"...)) {
			w.err = errors.New("write HAR: redaction broke the JSON of the creator")
			return w.err
		}
	}
	return w.write(head)
}

// pagesJSON returns the pages as they go in the document, scrubbed. w.mu must be held.
func (w *Writer) pagesJSON() ([]byte, error) {
	out := make([]pageOut, len(w.pages))
	for i, p := range w.pages {
		out[i] = pageOut{StartedDateTime: p.Started.Format(dateLayout), ID: p.ID, Title: p.Title}
	}
	b, err := marshal(out, "    ")
	if err != nil {
		return nil, fmt.Errorf("write HAR: %w", err)
	}
	if w.redact != nil {
		b = w.redact(b)
		if !json.Valid(b) {
			return nil, errors.New("write HAR: redaction broke the JSON of the pages")
		}
	}
	return b, nil
}

// write writes b to the underlying writer, unless an earlier write failed. w.mu must be held.
func (w *Writer) write(b []byte) error {
	if w.err != nil {
		return w.err
	}
	if _, err := w.out.Write(b); err != nil {
		w.err = fmt.Errorf("write HAR: %w", err)
	}
	return w.err
}

// encode returns e as it goes in the document: indented to its depth, redacted and scrubbed.
func (w *Writer) encode(e Entry) ([]byte, error) {
	b, err := marshal(entryJSON(e), entryIndent)
	if err != nil {
		return nil, fmt.Errorf("write HAR entry %s %s: %w", e.Method, e.URL, err)
	}
	if w.redact != nil {
		b = w.redact(b)
		if !json.Valid(b) {
			// The URL is not named: it may hold the very secret that broke the JSON.
			return nil, errors.New("write HAR entry: redaction broke the JSON of the entry")
		}
	}
	return b, nil
}

// marshal encodes v indented two spaces a level below prefix, without escaping <, > and & (a
// person reads the file, and a redactor looks for secrets as they are).
func marshal(v any, prefix string) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	enc.SetIndent(prefix, "  ")
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return bytes.TrimSuffix(buf.Bytes(), []byte("\n")), nil
}

// The types below are HAR 1.2 as written, every required field present, in the spec's order.

type creatorOut struct {
	Name    string `json:"name"`
	Version string `json:"version"`
}

type entryOut struct {
	StartedDateTime string      `json:"startedDateTime"`
	Time            float64     `json:"time"`
	Request         requestOut  `json:"request"`
	Response        responseOut `json:"response"`
	Cache           struct{}    `json:"cache"`
	Timings         timingsOut  `json:"timings"`
	Comment         string      `json:"comment,omitempty"`
	Error           string      `json:"_error,omitempty"`
	Pageref         string      `json:"pageref,omitempty"`
}

type pageOut struct {
	StartedDateTime string   `json:"startedDateTime"`
	ID              string   `json:"id"`
	Title           string   `json:"title"`
	PageTimings     struct{} `json:"pageTimings"`
}

type requestOut struct {
	Method      string       `json:"method"`
	URL         string       `json:"url"`
	HTTPVersion string       `json:"httpVersion"`
	Cookies     []struct{}   `json:"cookies"`
	Headers     []pairOut    `json:"headers"`
	QueryString []pairOut    `json:"queryString"`
	PostData    *postDataOut `json:"postData,omitempty"`
	HeadersSize int          `json:"headersSize"`
	BodySize    int          `json:"bodySize"`
	// MalformedOnPurpose is Entry.MalformedOnPurpose; custom fields start with an underscore.
	MalformedOnPurpose bool `json:"_malformedOnPurpose,omitempty"`
}

// postDataOut holds text only: the spec makes text and params mutually exclusive. A body that is
// not UTF-8 goes as base64, flagged by "_encoding" (the spec has no field for it, and custom
// fields start with an underscore).
type postDataOut struct {
	MimeType string `json:"mimeType"`
	Text     string `json:"text"`
	Encoding string `json:"_encoding,omitempty"`
}

type responseOut struct {
	Status      int        `json:"status"`
	StatusText  string     `json:"statusText"`
	HTTPVersion string     `json:"httpVersion"`
	Cookies     []struct{} `json:"cookies"`
	Headers     []pairOut  `json:"headers"`
	Content     contentOut `json:"content"`
	RedirectURL string     `json:"redirectURL"`
	HeadersSize int        `json:"headersSize"`
	BodySize    int        `json:"bodySize"`
}

// contentOut.Text is absent when there is no body to show (no answer), and "" for an empty one.
type contentOut struct {
	Size     int     `json:"size"`
	MimeType string  `json:"mimeType"`
	Text     *string `json:"text,omitempty"`
	Encoding string  `json:"encoding,omitempty"`
}

type pairOut struct {
	Name  string `json:"name"`
	Value string `json:"value"`
}

// timingsOut holds the three timings the spec requires, which must not be negative and should
// add up to the entry's time: conform knows only the whole, so it is all waiting.
type timingsOut struct {
	Send    float64 `json:"send"`
	Wait    float64 `json:"wait"`
	Receive float64 `json:"receive"`
}

func creatorJSON(c Creator) creatorOut { return creatorOut(c) }

// entryJSON returns e in HAR's shape, with the defaults Entry documents.
func entryJSON(e Entry) entryOut {
	version := cmp.Or(e.HTTPVersion, defaultHTTPVersion)
	// The credentials of a URL (userinfo, access_token=…) are written as the headers' are: redacted.
	shownURL := RedactURL(e.URL)
	ms := float64(max(e.Duration.Microseconds(), 0)) / 1000
	out := entryOut{
		StartedDateTime: e.Started.Format(dateLayout),
		Time:            ms,
		Request: requestOut{
			Method:      e.Method,
			URL:         shownURL,
			HTTPVersion: version,
			Cookies:     []struct{}{},
			Headers:     headersJSON(e.ReqHeader),
			QueryString: queryJSON(shownURL),
			HeadersSize: -1,
			BodySize:    len(e.ReqBody),
		},
		Response: responseOut{
			Status:      e.Status,
			StatusText:  cmp.Or(e.StatusText, http.StatusText(e.Status)),
			HTTPVersion: version,
			Cookies:     []struct{}{},
			Headers:     headersJSON(e.RespHeader),
			Content: contentOut{
				Size:     len(e.RespBody),
				MimeType: cmp.Or(e.RespMimeType, e.RespHeader.Get("Content-Type")),
			},
			RedirectURL: e.RespHeader.Get("Location"),
			HeadersSize: -1,
			BodySize:    len(e.RespBody),
		},
		Timings: timingsOut{Wait: ms},
		Comment: e.Err,
		Error:   e.Err,
		Pageref: e.PageRef,
	}
	out.Request.MalformedOnPurpose = e.MalformedOnPurpose
	if len(e.ReqBody) > 0 {
		text, encoding := bodyJSON(e.ReqBody)
		out.Request.PostData = &postDataOut{
			MimeType: cmp.Or(e.ReqMimeType, e.ReqHeader.Get("Content-Type")),
			Text:     text,
			Encoding: encoding,
		}
	}
	if e.RespBody != nil {
		text, encoding := bodyJSON(e.RespBody)
		out.Response.Content.Text = &text
		out.Response.Content.Encoding = encoding
	}
	return out
}

// bodyJSON returns body as HAR text: as it is when it is UTF-8, else in base64 with the encoding
// that says so (a JSON string cannot hold arbitrary bytes).
func bodyJSON(body []byte) (text, encoding string) {
	if utf8.Valid(body) {
		return string(body), ""
	}
	return base64.StdEncoding.EncodeToString(body), "base64"
}

// headersJSON returns h sorted by name, each name's values in their order, credentials redacted.
func headersJSON(h http.Header) []pairOut {
	out := []pairOut{}
	for _, name := range slices.Sorted(maps.Keys(h)) {
		secret := credentialHeader(name)
		for _, v := range h[name] {
			if secret {
				v = redacted
			}
			out = append(out, pairOut{Name: name, Value: v})
		}
	}
	return out
}

// queryJSON returns the parameters of rawURL's query in their order, decoded where they can be.
// url.Values would lose the order, and a URL that does not parse has no parameters to list.
func queryJSON(rawURL string) []pairOut {
	out := []pairOut{}
	u, err := url.Parse(rawURL)
	if err != nil {
		return out
	}
	for part := range strings.SplitSeq(u.RawQuery, "&") {
		if part == "" {
			continue
		}
		name, value, _ := strings.Cut(part, "=")
		out = append(out, pairOut{Name: unescape(name), Value: unescape(value)})
	}
	return out
}

// unescape decodes a query component, or returns it as it is when it is not well escaped.
func unescape(s string) string {
	if u, err := url.QueryUnescape(s); err == nil {
		return u
	}
	return s
}

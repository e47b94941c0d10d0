package steps

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"

	"conform/export"
	"conform/internal/transport"
)

// Client calls the three operations of the export API. Every call goes through the scenario's
// validating transport, so every exchange is checked and recorded.
//
// The client guards the target: it sends a cancel only for a request this client created (or
// an arranger made for it), or for an id whose status it has just seen answer 404. A harness
// pointed at a real system must never cancel somebody else's export.
type Client struct {
	root string // API root URL without a trailing slash
	http *http.Client
	auth func(*http.Request) error

	// mine records what this client created and what is known of each (the cancel guard's
	// list, and clean-up's account); run, when set, is the whole run's ledger, told the same.
	mine *Ledger
	run  *Ledger

	mu      sync.Mutex         // guards unknown
	unknown map[export.ID]bool // ids whose latest status answer was 404
}

// ErrCancelRefused is returned when a cancel would touch a request the run did not create.
var ErrCancelRefused = errors.New("refusing to cancel")

// newClient returns a client of the API at root, sending through rt with auth. It records what
// it creates in its own ledger and in run (which may be nil).
func newClient(root string, rt http.RoundTripper, auth func(*http.Request) error, run *Ledger) *Client {
	return &Client{
		root: strings.TrimSuffix(root, "/"),
		// A redirect is an answer like any other: never followed, so credentials and cancels
		// never reach another server.
		http: transport.APIClient(rt),
		auth: auth,
		mine: NewLedger(),
		run:  run,
	}
}

// Own records that the scenario made request id (an arranger calls it for what it puts into
// the target): the client may cancel it, and cancels it at the end if it is still running.
func (c *Client) Own(id export.ID) {
	c.mine.created(id)
	if c.run != nil {
		c.run.created(id)
	}
}

// settle records what became known of id, if this client created it.
func (c *Client) settle(id export.ID, s settlement) {
	c.mine.settle(id, s)
	if c.run != nil {
		c.run.settle(id, s)
	}
}

// Owned returns the requests this client created, in order.
func (c *Client) Owned() []export.ID { return c.mine.Created() }

// mayCancel reports whether the guard lets a cancel for id go out.
func (c *Client) mayCancel(id export.ID) error {
	if slices.Contains(c.Owned(), id) {
		return nil
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.unknown[id] {
		return nil
	}
	return fmt.Errorf("%w export request %q: this run did not create it, and has not just seen its status answer 404", ErrCancelRefused, id)
}

// noteStatus remembers whether id is unknown to the target, from a status answer.
func (c *Client) noteStatus(id export.ID, status int) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.unknown == nil {
		c.unknown = map[export.ID]bool{}
	}
	if status == http.StatusNotFound {
		c.unknown[id] = true
	} else {
		delete(c.unknown, id)
	}
}

// Response is one answer of the API, read whole, with the exchange it was recorded in.
type Response struct {
	Method string
	URL    string
	Status int
	Header http.Header
	Body   []byte
	ex     *Exchange // the recorded exchange: the decoded documents
}

// Describe renders the answer for a failure message: status line and body.
func (r *Response) Describe() string {
	body := strings.TrimSpace(string(r.Body))
	if body == "" {
		body = "(no body)"
	} else if len(body) > 2000 {
		body = body[:2000] + "…"
	}
	return fmt.Sprintf("%s %s answered %d %s\n%s", r.Method, r.URL, r.Status, http.StatusText(r.Status), body)
}

// StatusDocument returns the answer as a status document, as the recording transport decoded it.
func (r *Response) StatusDocument() (export.Status, error) {
	if r.ex.Doc == nil {
		return export.Status{}, fmt.Errorf("the answer is not a status document: %w\n%s", orNone(r.ex.DocErr), r.Describe())
	}
	return *r.ex.Doc, nil
}

// ErrorDocument returns the answer as an error document, as the recording transport decoded it.
func (r *Response) ErrorDocument() (export.Error, error) {
	if r.ex.ErrorDoc == nil {
		return export.Error{}, fmt.Errorf("the answer is not an error document: %w\n%s", orNone(r.ex.ErrorDocErr), r.Describe())
	}
	return *r.ex.ErrorDoc, nil
}

// errNoDocument says that an answer has no body of the kind asked for (or is no answer the
// kind belongs to: an error for a status document, or the reverse).
var errNoDocument = errors.New("it has none")

func orNone(err error) error {
	if err == nil {
		return errNoDocument
	}
	return err
}

// callOptions tune one call.
type callOptions struct {
	anonymous bool // send no credentials
	malformed bool // the body is malformed on purpose: judge the answer, not the body
}

// Create submits an export of the given tables.
func (c *Client) Create(ctx context.Context, tables []string) (*Response, error) {
	req := export.CreateRequest{}
	for _, t := range tables {
		req.Tables.Items = append(req.Tables.Items, export.CreateTable{TableName: t})
	}
	body, err := json.Marshal(req)
	if err != nil {
		return nil, err
	}
	return c.CreateRaw(ctx, body)
}

// CreateRaw submits an export with the body as given (a user's configured export). Once sent, a
// create is seen through even if ctx ends (the transport's per-request timeout still bounds
// it): an export whose answer was dropped would run on with nobody knowing its id.
func (c *Client) CreateRaw(ctx context.Context, body []byte, opts ...callOptions) (*Response, error) {
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("POST /exportRequests: not sent: %w", err)
	}
	h := http.Header{"Content-Type": {"application/json"}, "Prefer": {"respond-async"}}
	// A create the target accepts is owned, and so cancelled at the end, even one sent without
	// credentials or with a malformed body: a target that should have refused it holds it now.
	resp, err := c.do(context.WithoutCancel(ctx), http.MethodPost, "/exportRequests", h, body, merge(opts))
	if err == nil && resp.Status == http.StatusAccepted {
		if doc, derr := resp.StatusDocument(); derr == nil && doc.RequestID() != "" {
			c.Own(doc.RequestID())
		}
	}
	return resp, err
}

// Status asks for the status document of a request.
func (c *Client) Status(ctx context.Context, id export.ID, opts ...callOptions) (*Response, error) {
	o := merge(opts)
	resp, err := c.do(ctx, http.MethodGet, "/exportStatuses/"+url.PathEscape(string(id)), nil, nil, o)
	if err == nil && !o.anonymous {
		c.noteStatus(id, resp.Status)
	}
	return resp, err
}

// Cancel sends the cancel action for a request. It sends no body, as the vendor documents. It
// returns ErrCancelRefused, sending nothing, for a request the guard does not let it touch.
func (c *Client) Cancel(ctx context.Context, id export.ID, opts ...callOptions) (*Response, error) {
	if err := c.mayCancel(id); err != nil {
		return nil, err
	}
	resp, err := c.do(ctx, http.MethodPost, cancelPath(id), nil, nil, merge(opts))
	switch {
	case err != nil:
	case resp.Status/100 == 2:
		c.settle(id, cancelAccepted)
	case resp.Status == http.StatusBadRequest:
		// The contract's answer for a request that has already completed.
		c.settle(id, seenCompleted)
	}
	return resp, err
}

// cancelPath is the path, below the API root, of the cancel action of request id.
func cancelPath(id export.ID) string {
	return "/custom-actions/cancel/exportRequests/" + url.PathEscape(string(id))
}

// cancelURL is the URL of the cancel action of request id of the API at root.
func cancelURL(root string, id export.ID) string {
	return strings.TrimSuffix(root, "/") + cancelPath(id)
}

func merge(opts []callOptions) callOptions {
	var o callOptions
	for _, x := range opts {
		o.anonymous = o.anonymous || x.anonymous
		o.malformed = o.malformed || x.malformed
	}
	return o
}

func (c *Client) do(ctx context.Context, method, path string, h http.Header, body []byte, o callOptions) (*Response, error) {
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	if o.malformed {
		ctx = context.WithValue(ctx, malformedBody{}, true)
	}
	req, err := http.NewRequestWithContext(ctx, method, c.root+path, rd)
	if err != nil {
		return nil, fmt.Errorf("build %s %s: %w", method, path, err)
	}
	for k, v := range h {
		req.Header[k] = v
	}
	req.Header.Set("Accept", "application/json")
	if !o.anonymous && c.auth != nil {
		if err := c.auth(req); err != nil {
			return nil, fmt.Errorf("%s %s: credentials: %w", method, path, err)
		}
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return nil, fmt.Errorf("%s %s: %w", method, path, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, fmt.Errorf("%s %s: read body: %w", method, path, err)
	}
	ex := recordedExchange(resp)
	if ex == nil {
		return nil, fmt.Errorf("%s %s: the answer was not recorded (the client's transport must be the recording one)", method, path)
	}
	return &Response{Method: method, URL: req.URL.Redacted(), Status: resp.StatusCode, Header: resp.Header, Body: b, ex: ex}, nil
}

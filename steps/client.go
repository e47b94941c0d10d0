package steps

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/conform-harness/conform/export"
	"github.com/conform-harness/conform/internal/transport"
	"github.com/conform-harness/conform/judge"
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
	// bearer: auth adds a Bearer token, and the hint to cancel by hand says so.
	bearer bool

	// mine records what this client created and what is known of each (the cancel guard's
	// list, and clean-up's account); run, when set, is the whole run's ledger, told the same.
	mine *Ledger
	run  *Ledger

	// visible says how long a request this client created may answer 404 before it is seen:
	// zero waits through none (see Client.Status).
	visible visibility

	mu       sync.Mutex                // guards unknown, answered and notes
	unknown  map[export.ID]time.Time   // ids whose latest status answer was 404, and when
	answered map[export.ID]answerTimes // when each id answered 202 to its create, and last 200
	notes    []string                  // for people, beside the step that made them (takeNotes)
}

// visibility is how the client waits through the 404 of a request it created that has never
// answered 200: an eventually consistent store may not show a request at once.
type visibility struct {
	within   time.Duration    // contract.visible_within; 0 waits through none
	interval time.Duration    // the pause between two status calls
	now      func() time.Time // the target's clock
	waiter   Waiter
}

// answerTimes are the answers an id gave that say it exists, on the target's clock: the
// create's 202, and the latest 200 of its status. Zero means none.
type answerTimes struct {
	created, ok time.Time
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
	if _, ok := c.unknown[id]; ok {
		return nil
	}
	return fmt.Errorf("%w export request %q: this run did not create it, and has not just seen its status answer 404", ErrCancelRefused, id)
}

// noteStatus remembers, from a status answer at at, whether id is unknown to the target, and
// when it last answered 200.
func (c *Client) noteStatus(id export.ID, status int, at time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.unknown == nil {
		c.unknown = map[export.ID]time.Time{}
	}
	if status == http.StatusNotFound {
		c.unknown[id] = at
	} else {
		delete(c.unknown, id)
	}
	if status == http.StatusOK {
		c.noteAnswer(id, func(a *answerTimes) { a.ok = at })
	}
}

// noteAnswer changes what is known of the answers of id; c.mu must be held.
func (c *Client) noteAnswer(id export.ID, f func(*answerTimes)) {
	if c.answered == nil {
		c.answered = map[export.ID]answerTimes{}
	}
	a := c.answered[id]
	f(&a)
	c.answered[id] = a
}

// answers returns what is known of the answers of id.
func (c *Client) answers(id export.ID) answerTimes {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.answered[id]
}

// unknownSince returns when the status of id last answered 404, if its latest answer did.
func (c *Client) unknownSince(id export.ID) (time.Time, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	at, ok := c.unknown[id]
	return at, ok
}

// vanished says, for a 404 of id, that the id had answered that it exists: "request 40004
// answered 200 at 16:05:01.250 and 404 now", or the 202 of its create when it has never
// answered 200. It returns "" for an id that has answered neither.
func (c *Client) vanished(id export.ID) string {
	a := c.answers(id)
	switch {
	case !a.ok.IsZero():
		return fmt.Sprintf("request %s answered 200 at %s and 404 now", id, clockTime(a.ok))
	case !a.created.IsZero():
		return fmt.Sprintf("request %s answered 202 to its create at %s and 404 now", id, clockTime(a.created))
	}
	return ""
}

// notOK is the error of a status answer of id that is not 200 OK. A 404 for an id that had
// answered that it exists says so first.
func (c *Client) notOK(id export.ID, resp *Response) error {
	if resp.Status == http.StatusNotFound {
		if v := c.vanished(id); v != "" {
			return fmt.Errorf("%s: want 200 OK, got:\n%s", v, resp.Describe())
		}
	}
	return fmt.Errorf("status of export request %s: want 200 OK, got:\n%s", id, resp.Describe())
}

// clockTime writes an instant of the target's clock for a message, as the findings do.
func clockTime(t time.Time) string { return t.UTC().Format("15:04:05.000") }

// note keeps a note for people, to be shown beside the step that made it.
func (c *Client) note(text string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.notes = append(c.notes, text)
}

// takeNotes returns the notes not yet taken, and forgets them.
func (c *Client) takeNotes() []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	out := c.notes
	c.notes = nil
	return out
}

// Response is one answer of the API, read whole, with the exchange it was recorded in.
type Response struct {
	Method string
	URL    string
	Status int
	Header http.Header
	Body   []byte
	ex     *judge.Exchange // the recorded exchange: the decoded documents
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
		path, _ := export.PathOf("", export.CallCreate, "") // a create always has its path
		return nil, fmt.Errorf("%s %s: not sent: %w", export.CallCreate.Method(), path, err)
	}
	h := http.Header{"Content-Type": {"application/json"}, "Prefer": {"respond-async"}}
	// A create the target accepts is owned, and so cancelled at the end, even one sent without
	// credentials or with a malformed body: a target that should have refused it holds it now.
	resp, err := c.call(context.WithoutCancel(ctx), export.CallCreate, "", h, body, merge(opts))
	if err == nil && resp.Status == http.StatusAccepted {
		if doc, derr := resp.StatusDocument(); derr == nil && doc.RequestID() != "" {
			c.Own(doc.RequestID())
			c.mu.Lock()
			c.noteAnswer(doc.RequestID(), func(a *answerTimes) { a.created = resp.ex.At })
			c.mu.Unlock()
		}
	}
	return resp, err
}

// Status asks for the status document of a request.
//
// A request this client created (its create answered 202) that has never answered 200 may
// answer 404 for a moment: an eventually consistent store may not show it at once. Status asks
// again, through 404s only, until contract.visible_within has passed since the create, and
// notes for the step how long the request was not visible. Once an id has answered 200, or for
// an id the client did not create, a 404 is answered at once.
func (c *Client) Status(ctx context.Context, id export.ID, opts ...callOptions) (*Response, error) {
	o := merge(opts)
	for polls := 1; ; polls++ {
		resp, err := c.call(ctx, export.CallStatus, id, nil, nil, o)
		if err != nil || o.anonymous {
			return resp, err
		}
		before := c.answers(id)
		c.noteStatus(id, resp.Status, resp.ex.At)
		if before.created.IsZero() || !before.ok.IsZero() || c.visible.within <= 0 {
			return resp, nil
		}
		since := resp.ex.At.Sub(before.created)
		switch {
		case resp.Status == http.StatusOK && polls > 1:
			c.note(fmt.Sprintf("request %s answered 404 for %s after its create; waited (contract.visible_within %s)",
				id, since.Round(time.Millisecond), c.visible.within))
			return resp, nil
		case resp.Status != http.StatusNotFound:
			return resp, nil
		case c.visible.now().Sub(before.created) >= c.visible.within:
			c.note(fmt.Sprintf("request %s still answered 404 %s after its create; waited contract.visible_within %s",
				id, since.Round(time.Millisecond), c.visible.within))
			return resp, nil
		}
		if err := c.visible.waiter.Wait(ctx, c.visible.interval); err != nil {
			return nil, fmt.Errorf("waiting for request %s to be visible after its create: %w", id, err)
		}
	}
}

// Cancel sends the cancel action for a request. It sends no body, as the vendor documents. It
// returns ErrCancelRefused, sending nothing, for a request the guard does not let it touch.
func (c *Client) Cancel(ctx context.Context, id export.ID, opts ...callOptions) (*Response, error) {
	if err := c.mayCancel(id); err != nil {
		return nil, err
	}
	resp, err := c.call(ctx, export.CallCancel, id, nil, nil, merge(opts))
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

// cancelURL is the URL of the cancel action of request id of the API at root; for an id that
// can name no path (export.PathOf), the root and why, for a person to read.
func cancelURL(root string, id export.ID) string {
	u, err := export.PathOf(root, export.CallCancel, id)
	if err != nil {
		return strings.TrimSuffix(root, "/") + " (" + err.Error() + ")"
	}
	return u
}

func merge(opts []callOptions) callOptions {
	var o callOptions
	for _, x := range opts {
		o.anonymous = o.anonymous || x.anonymous
		o.malformed = o.malformed || x.malformed
	}
	return o
}

// call sends call for request id ("" for a create) to the API at c.root, with do. An id that
// cannot name a path (export.PathOf) is sent nothing.
func (c *Client) call(ctx context.Context, call export.Call, id export.ID, h http.Header, body []byte, o callOptions) (*Response, error) {
	path, err := export.PathOf("", call, id)
	if err != nil {
		return nil, fmt.Errorf("not sent: %w", err)
	}
	return c.do(ctx, call.Method(), path, h, body, o)
}

// do sends a request to path below the API root. Its errors name the call by its method and
// that path.
func (c *Client) do(ctx context.Context, method, path string, h http.Header, body []byte, o callOptions) (*Response, error) {
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	if o.malformed {
		ctx = judge.MarkMalformed(ctx)
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

package steps

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"time"

	"conform/openapi"
)

// DefaultMaxResponseBytes caps how much of one response body the harness reads.
const DefaultMaxResponseBytes = 4 << 20

// ErrResponseTooLarge is returned when a response body exceeds the cap.
var ErrResponseTooLarge = errors.New("response body too large")

// Exchange is one request and its response as a scenario saw them, with the spec's verdict.
type Exchange struct {
	Seq        int
	At         time.Time
	Method     string
	URL        string
	ReqHeader  http.Header
	ReqBody    []byte
	Status     int
	RespHeader http.Header
	RespBody   []byte
	Violations []openapi.Violation
	Operation  string            // the spec's operationId, "" when no operation matched
	PathParams map[string]string // the matched operation's path parameters, unescaped
	Err        error             // transport failure: no response
}

// recorder keeps a scenario's exchanges in order. It is shared by the validating transport and
// the step hooks, which may run on different goroutines.
type recorder struct {
	mu        sync.Mutex // guards exchanges and seq
	exchanges []Exchange
	seq       int
	observe   func(Exchange) // called for every exchange, outside mu
}

func (r *recorder) add(ex Exchange) Exchange {
	r.mu.Lock()
	r.seq++
	ex.Seq = r.seq
	r.exchanges = append(r.exchanges, ex)
	r.mu.Unlock()
	if r.observe != nil {
		r.observe(ex)
	}
	return ex
}

func (r *recorder) len() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.exchanges)
}

// since returns the exchanges from index from on.
func (r *recorder) since(from int) []Exchange {
	r.mu.Lock()
	defer r.mu.Unlock()
	if from >= len(r.exchanges) {
		return nil
	}
	return append([]Exchange(nil), r.exchanges[from:]...)
}

func (r *recorder) all() []Exchange {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]Exchange(nil), r.exchanges...)
}

// validatingTransport checks every exchange against the spec and records it. It reads each
// response body whole (up to maxBytes) so that the body can be validated and then handed on.
type validatingTransport struct {
	next      http.RoundTripper
	validator *openapi.Validator
	rec       *recorder
	now       func() time.Time
	maxBytes  int64
}

func (t *validatingTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	var reqBody []byte
	if req.GetBody != nil {
		rc, err := req.GetBody()
		if err != nil {
			return nil, fmt.Errorf("read request body: %w", err)
		}
		reqBody, err = io.ReadAll(rc)
		rc.Close()
		if err != nil {
			return nil, fmt.Errorf("read request body: %w", err)
		}
	}
	ex := Exchange{
		At:        t.now(),
		Method:    req.Method,
		URL:       req.URL.String(),
		ReqHeader: req.Header.Clone(),
		ReqBody:   reqBody,
	}
	resp, err := t.next.RoundTrip(req)
	if err != nil {
		ex.Err = err
		t.rec.add(ex)
		return nil, err
	}
	body, err := io.ReadAll(io.LimitReader(resp.Body, t.maxBytes+1))
	resp.Body.Close()
	if err == nil && int64(len(body)) > t.maxBytes {
		err = fmt.Errorf("%w: more than %d bytes from %s %s", ErrResponseTooLarge, t.maxBytes, req.Method, req.URL.Redacted())
	}
	if err != nil {
		ex.Err = err
		ex.Status = resp.StatusCode
		ex.RespHeader = resp.Header.Clone()
		t.rec.add(ex)
		return nil, err
	}
	ex.Status = resp.StatusCode
	ex.RespHeader = resp.Header.Clone()
	ex.RespBody = body
	verdict := t.validator.Validate(req, reqBody, openapi.Response{Status: resp.StatusCode, Header: resp.Header, Body: body})
	ex.Violations, ex.Operation, ex.PathParams = verdict.Violations, verdict.Operation, verdict.PathParams
	t.rec.add(ex)
	resp.Body = io.NopCloser(bytes.NewReader(body))
	resp.ContentLength = int64(len(body))
	return resp, nil
}

// handlerTransport serves requests with an in-process handler: the bundled fake needs no socket.
type handlerTransport struct{ h http.Handler }

func (t handlerTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	w := httptest.NewRecorder()
	t.h.ServeHTTP(w, req)
	resp := w.Result()
	resp.Request = req
	return resp, nil
}

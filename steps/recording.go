package steps

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"slices"
	"sync"
	"time"

	"github.com/conform-harness/conform/export"
	"github.com/conform-harness/conform/internal/credentials"
	"github.com/conform-harness/conform/openapi"
)

// ErrResponseTooLarge is returned when a response body exceeds the cap.
var ErrResponseTooLarge = errors.New("response body too large")

// Exchange is one request and its response as a scenario saw them: what went and came back,
// the spec's verdict, and the body decoded once, by the recording transport, for everything
// downstream (the steps, the oracle, the timeline, the reports): nothing reads the body again,
// so nothing can read it differently.
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
	Err        error // transport failure: no response

	Violations []openapi.Violation
	Operation  string            // the spec's operationId, "" when no operation matched
	PathParams map[string]string // the matched operation's path parameters, unescaped

	Call  export.Call // which call of the API this was
	Asked export.ID   // the request id the call's path names; for a create, the one its answer names

	// MalformedOnPurpose says the client sent the request's body malformed on purpose, to check
	// the answer to it: the body's violations of the spec are not the target's, and are left
	// out; the answer, the route and the parameters are judged as ever.
	MalformedOnPurpose bool

	// Doc is the answer of a status, a create or a cancel (2xx, with a body) decoded as a status
	// document by export.DecodeStatus, or nil; DocErr says why such an answer is none.
	Doc    *export.Status
	DocErr error
	// ErrorDoc is an error answer (4xx, 5xx, with a body) decoded as an error document by
	// export.DecodeError, or nil; ErrorDocErr says why such an answer is none.
	ErrorDoc    *export.Error
	ErrorDocErr error

	// Redact, when set, scrubs the exchange's evidence (its attachment, its violations, the
	// documents it carried) of the run's secrets and of the exchange's own credentials
	// (credentials.Redactor.ForExchange): a proxy's client or a recorded entry redacts its own
	// evidence only, never another exchange's. Unset, the reports' redaction applies alone.
	Redact func([]byte) []byte
}

// Judge returns the exchange of req (its body reqBody) answered status with header and body, at
// at, judged as the recording transport judges what it records: against the spec, and with the
// body decoded once. A recorded exchange (conform audit, conform proxy) goes through the same
// judgement as the harness's own.
func Judge(v *openapi.Validator, req *http.Request, reqBody []byte, status int, header http.Header, body []byte, at time.Time) Exchange {
	ex := Exchange{
		At:         at,
		Method:     req.Method,
		URL:        credentials.URL(req.URL.String()), // it reaches every report: no userinfo, no token
		ReqHeader:  req.Header,
		ReqBody:    reqBody,
		Status:     status,
		RespHeader: header,
		RespBody:   body,
	}
	ex.Call, ex.Asked = export.CallOf(req.Method, req.URL.EscapedPath())
	ex.judge(v, req)
	return ex
}

// judge validates ex against the spec and decodes its body, once.
func (ex *Exchange) judge(v *openapi.Validator, req *http.Request) {
	verdict := v.Validate(req, ex.ReqBody, openapi.Response{Status: ex.Status, Header: ex.RespHeader, Body: ex.RespBody})
	ex.Violations, ex.Operation, ex.PathParams = verdict.Violations, verdict.Operation, verdict.PathParams
	ex.MalformedOnPurpose = req.Context().Value(malformedBody{}) != nil
	if ex.MalformedOnPurpose {
		// That the body breaks the spec is the point.
		ex.Violations = slices.DeleteFunc(ex.Violations, openapi.Violation.OfRequestBody)
	}
	ex.decode()
}

// decode reads the response body once, as what the call answers.
func (ex *Exchange) decode() {
	if len(ex.RespBody) == 0 || ex.Call == export.NoCall {
		return
	}
	switch {
	case ex.Status/100 == 2:
		doc, err := export.DecodeStatus(ex.RespBody)
		if err != nil {
			ex.DocErr = err
			return
		}
		ex.Doc = &doc
		if ex.Call == export.CallCreate {
			ex.Asked = doc.RequestID()
		}
	case ex.Status >= 400:
		doc, err := export.DecodeError(ex.RespBody)
		if err != nil {
			ex.ErrorDocErr = err
			return
		}
		ex.ErrorDoc = &doc
	}
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
	ex.Call, ex.Asked = export.CallOf(req.Method, req.URL.EscapedPath())
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
	ex.judge(t.validator, req)
	recorded := t.rec.add(ex)
	resp.Body = &recordedBody{Reader: bytes.NewReader(body), ex: &recorded}
	resp.ContentLength = int64(len(body))
	return resp, nil
}

// malformedBody marks, in a request's context, a body the client made malformed on purpose.
type malformedBody struct{}

// MalformedOnPurpose returns req marked as sent with a body malformed on purpose (see
// Exchange.MalformedOnPurpose), as a recording of conform's own run says it was, for Judge.
func MalformedOnPurpose(req *http.Request) *http.Request {
	return req.WithContext(context.WithValue(req.Context(), malformedBody{}, true))
}

// recordedBody is the body the recording transport hands on: the bytes it read, and the
// exchange it recorded them in, so that the client takes the decoded document from there
// instead of decoding the body again.
type recordedBody struct {
	*bytes.Reader
	ex *Exchange
}

func (*recordedBody) Close() error { return nil }

// recordedExchange returns the exchange the recording transport recorded for resp, if it did.
func recordedExchange(resp *http.Response) *Exchange {
	if b, ok := resp.Body.(*recordedBody); ok {
		return b.ex
	}
	return nil
}

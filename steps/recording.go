package steps

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"net/http"
	"sync"
	"time"

	"github.com/conform-harness/conform/export"
	"github.com/conform-harness/conform/judge"
	"github.com/conform-harness/conform/openapi"
)

// ErrResponseTooLarge is returned when a response body exceeds the cap.
var ErrResponseTooLarge = errors.New("response body too large")

// recorder keeps a scenario's exchanges in order. It is shared by the validating transport and
// the step hooks, which may run on different goroutines.
type recorder struct {
	mu        sync.Mutex // guards exchanges and seq
	exchanges []judge.Exchange
	seq       int
	observe   func(judge.Exchange) // called for every exchange, outside mu
}

func (r *recorder) add(ex judge.Exchange) judge.Exchange {
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
func (r *recorder) since(from int) []judge.Exchange {
	r.mu.Lock()
	defer r.mu.Unlock()
	if from >= len(r.exchanges) {
		return nil
	}
	return append([]judge.Exchange(nil), r.exchanges[from:]...)
}

func (r *recorder) all() []judge.Exchange {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]judge.Exchange(nil), r.exchanges...)
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
	ex := judge.Exchange{
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
	ex.Judge(t.validator, req)
	recorded := t.rec.add(ex)
	resp.Body = &recordedBody{Reader: bytes.NewReader(body), ex: &recorded}
	resp.ContentLength = int64(len(body))
	return resp, nil
}

// recordedBody is the body the recording transport hands on: the bytes it read, and the
// exchange it recorded them in, so that the client takes the decoded document from there
// instead of decoding the body again.
type recordedBody struct {
	*bytes.Reader
	ex *judge.Exchange
}

func (*recordedBody) Close() error { return nil }

// recordedExchange returns the exchange the recording transport recorded for resp, if it did.
func recordedExchange(resp *http.Response) *judge.Exchange {
	if b, ok := resp.Body.(*recordedBody); ok {
		return b.ex
	}
	return nil
}

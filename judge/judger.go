package judge

import (
	"bytes"
	"hash/maphash"
	"maps"
	"net/http"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/conform-harness/conform/internal/credentials"
	"github.com/conform-harness/conform/openapi"
)

// Judger judges recorded exchanges (Judge) and remembers the verdicts of recent ones, so that
// an answer that comes back byte for byte the same (a status polled while nothing changes, the
// bulk of a proxy's and an audit's traffic) is not validated and decoded again. A verdict is
// reused only for the same method, URL, request body, status, Content-Type and response body:
// everything the validator and the decoder read. It is safe for concurrent use.
type Judger struct {
	v    *openapi.Validator
	seed maphash.Seed

	mu      sync.Mutex
	entries map[uint64]*judged
	order   []uint64 // keys in the order they were added, for eviction
	next    int      // the oldest key in order, once it is full
}

// judgerSize bounds the verdicts a Judger remembers: about 4 MB with 1 KB bodies.
const judgerSize = 4096

// judged is one remembered verdict and what it was given.
type judged struct {
	method, url, contentType string
	creds                    string // the exchange's credential headers: its verdict was redacted with them
	status                   int
	reqBody, body            []byte
	verdict                  Exchange // the parts of Judge's exchange that depend on the inputs above
}

// NewJudger returns a Judger that validates against v.
func NewJudger(v *openapi.Validator) *Judger {
	return &Judger{v: v, seed: maphash.MakeSeed(), entries: make(map[uint64]*judged, judgerSize)}
}

// Judge is judge.Judge, with the verdict of an identical earlier exchange reused.
func (j *Judger) Judge(req *http.Request, reqBody []byte, status int, header http.Header, body []byte, at time.Time) Exchange {
	return j.JudgeRedacting(nil, req, reqBody, status, header, body, at)
}

// JudgeRedacting is Judge for an exchange with its own redaction, red (see Exchange.Redact):
// when one of the exchange's own secrets occurs in what its violations may quote (its URL, its
// bodies, its headers other than the credential ones), they quote values scrubbed by red, and
// its verdict is reused only for an exchange with the same credentials. Otherwise red redacts
// them as the validator does, and the verdict is shared with every client's identical exchange:
// the cost of judging does not grow with the number of clients. nil means Judge.
func (j *Judger) JudgeRedacting(red *credentials.Redactor, req *http.Request, reqBody []byte, status int, header http.Header, body []byte, at time.Time) Exchange {
	v, creds := j.v, ""
	if red != nil && red.OwnIn(quotable(req, reqBody, body, header)...) {
		v = v.Redacting(red.Bytes)
		creds = credentialValues(req.Header, header)
	}
	if req.Context().Value(malformedBody{}) != nil {
		return Judge(v, req, reqBody, status, header, body, at) // rare, and judged otherwise: not remembered
	}
	url, ct := req.URL.String(), header.Get("Content-Type")
	key := j.key(req.Method, url+"\x00"+creds, ct, status, reqBody, body)
	j.mu.Lock()
	hit, ok := j.entries[key]
	j.mu.Unlock()
	if ok && hit.method == req.Method && hit.url == url && hit.creds == creds && hit.contentType == ct && hit.status == status &&
		bytes.Equal(hit.reqBody, reqBody) && bytes.Equal(hit.body, body) {
		ex := hit.verdict
		ex.At, ex.ReqHeader, ex.RespHeader, ex.ReqBody, ex.RespBody = at, req.Header, header, reqBody, body
		return ex
	}
	ex := Judge(v, req, reqBody, status, header, body, at)
	if ex.Err != nil {
		return ex
	}
	verdict := ex
	verdict.ReqHeader, verdict.RespHeader, verdict.ReqBody, verdict.RespBody = nil, nil, nil, nil
	j.mu.Lock()
	defer j.mu.Unlock()
	if _, ok := j.entries[key]; !ok {
		if len(j.order) < judgerSize {
			j.order = append(j.order, key)
		} else {
			delete(j.entries, j.order[j.next])
			j.order[j.next] = key
			j.next = (j.next + 1) % judgerSize
		}
	}
	j.entries[key] = &judged{method: req.Method, url: url, creds: creds, contentType: ct, status: status,
		reqBody: bytes.Clone(reqBody), body: bytes.Clone(body), verdict: verdict}
	return ex
}

func (j *Judger) key(method, url, contentType string, status int, reqBody, body []byte) uint64 {
	var h maphash.Hash
	h.SetSeed(j.seed)
	h.WriteString(method)
	h.WriteByte(0)
	h.WriteString(url)
	h.WriteByte(0)
	h.WriteString(contentType)
	h.WriteByte(byte(status >> 8))
	h.WriteByte(byte(status))
	h.Write(reqBody)
	h.WriteByte(0)
	h.Write(body)
	return h.Sum64()
}

// credentialValues returns the values of the credential headers (credentials.Header) of an
// exchange, in a fixed order: what its own redaction learns besides its URL.
func credentialValues(hs ...http.Header) string {
	var b strings.Builder
	for _, h := range hs {
		names := slices.Sorted(maps.Keys(h))
		for _, name := range names {
			if !credentials.Header(name) {
				continue
			}
			for _, v := range h[name] {
				b.WriteString(name)
				b.WriteByte(':')
				b.WriteString(v)
				b.WriteByte(0)
			}
		}
		b.WriteByte(1)
	}
	return b.String()
}

// quotable is what a violation of an exchange may quote: its URL, its bodies, and the values of
// its headers, the credential ones (which nothing quotes) left out.
func quotable(req *http.Request, reqBody, body []byte, hs ...http.Header) [][]byte {
	out := [][]byte{[]byte(req.URL.String()), reqBody, body}
	for _, h := range append(hs, req.Header) {
		for name, vs := range h {
			if credentials.Header(name) {
				continue
			}
			for _, v := range vs {
				out = append(out, []byte(v))
			}
		}
	}
	return out
}

package fakeserver

import (
	"encoding/json"
	"net/http"
	"strconv"

	"github.com/conform-harness/conform/export"
)

// A fake with defects that garble its answers, or with variants that write them in another
// legitimate form, is the correct fake with a decorator around each of its handlers: the three
// routes, and the answers to a refused and to an unrouted call. The decorated handler writes its
// answer, made by the same store and the same encoder as a correct fake's, into an answer that
// the decorator holds back; the defects' rewrites change its status, headers or body, then the
// variants' rewrites write it their way; then it is sent. A defect may instead intercept a call
// before the handler runs, to act on the fake or to answer in the handler's place. The
// registries (defects.go, variants.go) say which defect or variant does what, and in which order.

// intercept runs before the correct fake's handler of a call. It may act on the fake, or answer
// in the handler's place, by writing to a, and then reports true: the handler does not run.
type intercept func(s *Server, a *heldAnswer, r *http.Request) (answered bool)

// rewrite changes an answer of the correct fake before it is sent. Every rewrite sees every
// answer, and tells from it whether it applies.
type rewrite func(a *heldAnswer)

// decorator wraps the fake's handlers with the intercepts and rewrites of its defects and the
// rewrites of its variants.
type decorator struct {
	s          *Server
	intercepts []intercept
	rewrites   []rewrite // the defects', then the variants', each in its registry's order, each applied to what the ones before left
}

// wrap returns h, the handler that answers c, decorated; h itself when nothing intercepts a call
// or rewrites an answer, so that a plain, correct fake runs its handlers bare.
func (d *decorator) wrap(c callKind, h http.Handler) http.Handler {
	if len(d.intercepts) == 0 && len(d.rewrites) == 0 {
		return h
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		a := &heldAnswer{call: c, id: r.PathValue("requestID"), path: r.URL.Path, header: w.Header()}
		if !d.intercepted(a, r) {
			h.ServeHTTP(a, r)
		}
		for _, rw := range d.rewrites {
			rw(a)
		}
		a.send(w)
	})
}

// intercepted runs the intercepts in order until one answers, and reports whether one did.
func (d *decorator) intercepted(a *heldAnswer, r *http.Request) bool {
	for _, in := range d.intercepts {
		if in(d.s, a, r) {
			return true
		}
	}
	return false
}

// heldAnswer is an answer of the correct fake, held back so that rewrites can change it before it
// is sent. It is the ResponseWriter the decorated handler writes to; its header is the real one.
type heldAnswer struct {
	call   callKind
	id     string // the request id in the URL of a status or cancel call, as its handler reads it
	path   string // the path of the call, unescaped
	status int
	header http.Header
	body   []byte
}

func (a *heldAnswer) Header() http.Header { return a.header }

func (a *heldAnswer) WriteHeader(code int) {
	if a.status == 0 {
		a.status = code
	}
}

func (a *heldAnswer) Write(b []byte) (int, error) {
	a.WriteHeader(http.StatusOK)
	a.body = append(a.body, b...)
	return len(b), nil
}

// send writes the answer, as rewritten, to w. Content-Length is the body's, whatever a rewrite
// did to it.
func (a *heldAnswer) send(w http.ResponseWriter) {
	if a.status == 0 {
		a.status = http.StatusOK // what net/http answers for a handler that writes nothing
	}
	a.header.Set("Content-Length", strconv.Itoa(len(a.body)))
	w.WriteHeader(a.status)
	w.Write(a.body) //nolint:errcheck // the client has gone; nothing left to tell it
}

// statusDocument reports whether a answers with a status document: a create's 202 or a status
// call's 200.
func (a *heldAnswer) statusDocument() bool {
	return a.call == callCreate && a.status == http.StatusAccepted || a.call == callStatus && a.status == http.StatusOK
}

// restatus gives an error answer another status. Its error document says the new status, as
// writeError would have written it, and keeps its detail.
func (a *heldAnswer) restatus(status int) {
	var doc export.Error
	json.Unmarshal(a.body, &doc) //nolint:errcheck // writeError's own document always decodes
	a.status = status
	a.body = append(errorDocument(status, doc.Detail), '\n')
}

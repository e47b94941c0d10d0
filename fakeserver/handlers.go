package fakeserver

import (
	"encoding/json"
	"net/http"
	"strconv"
	"strings"
	"sync"

	"github.com/conform-harness/conform/export"
)

// The handlers translate the store's results into HTTP and hold no logic of their own. There is
// one of them for each route of routes.go, and one each for a call refused for its credentials
// and a call no route takes. They are the same whether defects are injected or not: a defect
// changes the store's state machine through its hooks, or wraps these handlers (decorator.go).

// handleCreate submits an export: 202 with the status document and its Location; 429 with
// Retry-After when the store is full of running requests.
func (s *Server) handleCreate(w http.ResponseWriter, r *http.Request) {
	tables, err := decodeCreate(http.MaxBytesReader(w, r.Body, s.maxBodyBytes), s.store.limits.perRequest)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	buf := getBuffer()
	defer putBuffer(buf)
	id, body, err := s.store.appendCreate(*buf, tables)
	*buf = body
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	w.Header().Set("Location", statusPath(id))
	if prefersAsync(r) {
		w.Header().Set("Preference-Applied", "respond-async")
	}
	writeBody(w, http.StatusAccepted, body)
}

// handleStatus answers the status document of a request, encoded straight from the store's state
// into a pooled buffer: no document, no reflection, no allocation per poll.
func (s *Server) handleStatus(w http.ResponseWriter, r *http.Request) {
	buf := getBuffer()
	defer putBuffer(buf)
	body, err := s.store.appendStatus(*buf, r.PathValue("requestID"))
	*buf = body
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeBody(w, http.StatusOK, body)
}

// handleCancel cancels a request: 200 with no body, as the vendor's use case shows.
func (s *Server) handleCancel(w http.ResponseWriter, r *http.Request) {
	if err := s.store.cancel(r.PathValue("requestID")); err != nil {
		s.writeError(w, r, err)
		return
	}
	w.Header().Set("Content-Length", "0")
	w.WriteHeader(http.StatusOK)
}

// handleRefused answers a call without the configured credentials: 401 with the Basic challenge.
func (s *Server) handleRefused(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("WWW-Authenticate", `Basic realm="`+realm+`"`)
	s.writeError(w, r, errorf(CodeUnauthorized, "credentials are missing or wrong: send HTTP Basic credentials"))
}

// handleUnrouted answers a call no route takes. ServeMux already knows whether the path exists
// with other methods; ask it, then answer 405 with Allow, or 404, with an error document instead
// of its plain text.
func (s *Server) handleUnrouted(w http.ResponseWriter, r *http.Request) {
	h, _ := s.mux.Handler(r)
	probe := &heldAnswer{header: http.Header{}} // what the fallback would answer; only its status and Allow are used
	h.ServeHTTP(probe, r)
	if probe.status == http.StatusMethodNotAllowed && isClean(r) {
		allow := probe.header.Get("Allow")
		w.Header().Set("Allow", allow)
		s.writeError(w, r, errorf(CodeMethodNotAllowed, "method %s is not allowed on %s: use %s", r.Method, r.URL.Path, allow))
		return
	}
	s.writeError(w, r, errorf(CodeNotFound, "no such path %s: the API is under %s", shorten(r.URL.Path), export.Root))
}

// prefersAsync reports whether the request carries the Prefer: respond-async preference.
func prefersAsync(r *http.Request) bool {
	for _, v := range r.Header.Values("Prefer") {
		for _, pref := range strings.Split(v, ",") {
			name, _, _ := strings.Cut(strings.TrimSpace(pref), ";")
			if strings.EqualFold(strings.TrimSpace(name), "respond-async") {
				return true
			}
		}
	}
	return false
}

// writeError answers err as an error document, with the status its code maps to. An error
// without a known code answers 500 with a generic detail and is logged, since only the log may
// say what went wrong inside.
func (s *Server) writeError(w http.ResponseWriter, r *http.Request, err error) {
	status, detail, retryAfter, known := httpError(err)
	if !known {
		s.log.Error("internal error", "method", r.Method, "path", r.URL.Path, "err", err)
	}
	if retryAfter != "" {
		w.Header().Set("Retry-After", retryAfter)
	}
	writeBody(w, status, errorDocument(status, detail))
}

// errorDocument encodes the error document of an answer with status and detail.
func errorDocument(status int, detail string) []byte {
	body, _ := json.Marshal(export.Error{ // a struct of strings and an int always encodes
		Type:   errorTypes[status],
		Title:  http.StatusText(status),
		Status: status,
		Detail: detail,
	})
	return body
}

// jsonContentType is the Content-Type of every answer with a body.
const jsonContentType = "application/json; charset=utf-8"

// writeBody answers status with the JSON body. It sets the headers before WriteHeader, as
// net/http requires, and appends a newline to body, in place when body has room.
func writeBody(w http.ResponseWriter, status int, body []byte) {
	body = append(body, '\n')
	h := w.Header()
	h.Set("Content-Type", jsonContentType)
	h.Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(status)
	w.Write(body) //nolint:errcheck // the client has gone; nothing left to tell it
}

// buffers hold encoded answers between the encoder and the ResponseWriter, which copies them.
var buffers = sync.Pool{New: func() any { b := make([]byte, 0, 4<<10); return &b }}

func getBuffer() *[]byte { return buffers.Get().(*[]byte) }

// putBuffer returns b to the pool, empty, unless an odd answer grew it large: the pool should
// not keep such memory alive.
func putBuffer(b *[]byte) {
	if cap(*b) > 64<<10 {
		return
	}
	*b = (*b)[:0]
	buffers.Put(b)
}

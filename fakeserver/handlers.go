package fakeserver

import (
	"encoding/json"
	"net/http"
	"strconv"
	"strings"
	"sync"

	"conform/export"
)

// handleCreate submits an export: 202 with the status document and its Location; 429 with
// Retry-After when the store is full of running requests.
func (s *Server) handleCreate(w http.ResponseWriter, r *http.Request) {
	tables, err := decodeCreate(http.MaxBytesReader(w, r.Body, s.maxBodyBytes), s.store.limits.perRequest)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	if s.defects == nil {
		buf := getBuffer()
		defer putBuffer(buf)
		id, body, err := s.store.appendCreate(*buf, tables)
		*buf = body
		if err != nil {
			s.writeError(w, r, err)
			return
		}
		s.createdHeaders(w, r, id)
		writeBody(w, http.StatusAccepted, jsonContentType, body)
		return
	}
	doc, err := s.store.create(tables)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	s.createdHeaders(w, r, string(doc.RequestID()))
	s.writeStatus(w, r, http.StatusAccepted, doc, "")
}

// createdHeaders sets the headers of a create's answer: Location, and Preference-Applied when
// the client asked for asynchronous processing.
func (s *Server) createdHeaders(w http.ResponseWriter, r *http.Request, id string) {
	w.Header().Set("Location", statusPath(id))
	if prefersAsync(r) {
		w.Header().Set("Preference-Applied", "respond-async")
	}
}

// handleStatus answers the status document of a request.
func (s *Server) handleStatus(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("requestID")
	if err := s.defects.lookupFails(id); err != nil {
		s.writeError(w, r, err)
		return
	}
	if s.defects == nil {
		// A correct fake encodes straight from its state into a pooled buffer: no document, no
		// reflection, no allocation per poll.
		buf := getBuffer()
		defer putBuffer(buf)
		body, err := s.store.appendStatus(*buf, id)
		*buf = body
		if err != nil {
			s.writeError(w, r, err)
			return
		}
		writeBody(w, http.StatusOK, jsonContentType, body)
		return
	}
	doc, err := s.store.status(id)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	s.writeStatus(w, r, http.StatusOK, doc, id)
}

// handleCancel cancels a request: 200 with no body, as the vendor's use case shows.
func (s *Server) handleCancel(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("requestID")
	if err := s.defects.lookupFails(id); err != nil {
		s.writeError(w, r, err)
		return
	}
	if err := s.store.cancel(id); err != nil {
		s.writeError(w, r, s.defects.cancelError(err))
		return
	}
	w.Header().Set("Content-Length", "0")
	w.WriteHeader(s.defects.cancelAccepted())
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

// writeJSON answers status with v as JSON. A value that does not encode is a bug: 500.
func (s *Server) writeJSON(w http.ResponseWriter, r *http.Request, status int, v any) {
	body, err := json.Marshal(v)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeBody(w, status, jsonContentType, body)
}

// writeStatus answers status with the status document doc; asked is the id in the URL, "" for
// a create. It is writeJSON unless a defect garbles status documents.
func (s *Server) writeStatus(w http.ResponseWriter, r *http.Request, status int, doc export.Status, asked string) {
	if s.defects == nil {
		s.writeJSON(w, r, status, doc)
		return
	}
	body, err := json.Marshal(s.defects.statusAnswer(doc, asked))
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeBody(w, status, s.defects.statusContentType(), s.defects.statusBody(body))
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
	body, garbled := s.defects.errorBody(status)
	if !garbled {
		body, _ = json.Marshal(export.Error{ // a struct of strings and an int always encodes
			Type:   errorTypes[status],
			Title:  http.StatusText(status),
			Status: status,
			Detail: detail,
		})
	}
	writeBody(w, status, jsonContentType, body)
}

// jsonContentType is the Content-Type of every JSON answer.
const jsonContentType = "application/json; charset=utf-8"

// writeBody sets the headers before WriteHeader, as net/http requires, then writes body. It
// appends a newline to body, in place when body has room.
func writeBody(w http.ResponseWriter, status int, contentType string, body []byte) {
	body = append(body, '\n')
	h := w.Header()
	h.Set("Content-Type", contentType)
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

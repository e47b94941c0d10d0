package fakeserver

import (
	"encoding/json"
	"net/http"
	"strconv"
	"strings"

	"conform/internal/statusdoc"
)

// handleCreate submits an export: 202 with the status document and its Location.
func (s *Server) handleCreate(w http.ResponseWriter, r *http.Request) {
	tables, err := decodeCreate(http.MaxBytesReader(w, r.Body, s.maxBodyBytes))
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	doc, err := s.store.create(tables)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	w.Header().Set("Location", statusPath(string(doc.RequestID())))
	if prefersAsync(r) {
		w.Header().Set("Preference-Applied", "respond-async")
	}
	s.writeJSON(w, r, http.StatusAccepted, doc)
}

// handleStatus answers the status document of a request.
func (s *Server) handleStatus(w http.ResponseWriter, r *http.Request) {
	doc, err := s.store.status(r.PathValue("requestID"))
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	s.writeJSON(w, r, http.StatusOK, doc)
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
	writeBody(w, status, body)
}

// writeError answers err as an error document, with the status its code maps to. An error
// without a known code answers 500 with a generic detail and is logged, since only the log may
// say what went wrong inside.
func (s *Server) writeError(w http.ResponseWriter, r *http.Request, err error) {
	status, detail, known := httpError(err)
	if !known {
		s.log.Error("internal error", "method", r.Method, "path", r.URL.Path, "err", err)
	}
	body, _ := json.Marshal(statusdoc.Error{ // a struct of strings and an int always encodes
		Type:   errorTypes[status],
		Title:  http.StatusText(status),
		Status: status,
		Detail: detail,
	})
	writeBody(w, status, body)
}

// writeBody sets the JSON headers before WriteHeader, as net/http requires, then writes body.
func writeBody(w http.ResponseWriter, status int, body []byte) {
	body = append(body, '\n')
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(status)
	w.Write(body) //nolint:errcheck // the client has gone; nothing left to tell it
}

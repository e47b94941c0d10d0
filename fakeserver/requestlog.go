package fakeserver

import (
	"log/slog"
	"net/http"
	"time"
)

// LogRequests returns next wrapped to log one record, "request", at level for each request once
// it is answered: its method and path, the status and the number of body bytes answered, how long
// it took, and the client's address. It never logs headers or the query, so credentials cannot
// reach the log. When log does not record level, next runs unwrapped: the wrapper and the record
// cost more than the fake's answer to a poll. log must not be nil.
func LogRequests(log *slog.Logger, level slog.Level, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !log.Enabled(r.Context(), level) {
			next.ServeHTTP(w, r)
			return
		}
		start := time.Now()
		sw := &statusWriter{ResponseWriter: w}
		next.ServeHTTP(sw, r)
		status := sw.status
		if status == 0 {
			status = http.StatusOK // what net/http answers for a handler that writes nothing
		}
		log.LogAttrs(r.Context(), level, "request",
			slog.String("method", r.Method),
			slog.String("path", r.URL.Path),
			slog.Int("status", status),
			slog.Duration("duration", time.Since(start)),
			slog.Int64("bytes", sw.bytes),
			slog.String("remote", r.RemoteAddr),
		)
	})
}

// statusWriter remembers the status of a response and counts its body bytes, for the request log.
type statusWriter struct {
	http.ResponseWriter
	status int
	bytes  int64
}

func (w *statusWriter) WriteHeader(code int) {
	if w.status == 0 && code >= 200 { // a 1xx is not the answer yet
		w.status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	n, err := w.ResponseWriter.Write(b)
	w.bytes += int64(n)
	return n, err
}

// Unwrap lets http.ResponseController reach the underlying writer.
func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

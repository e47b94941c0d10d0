package transport

import (
	"net/http"
	"net/http/httptest"
)

// InProcess returns a round tripper that serves every request with h, in this process: the
// bundled fake needs no socket. The response is h's, whole; its Request is the one sent.
func InProcess(h http.Handler) http.RoundTripper { return inProcess{h: h} }

type inProcess struct{ h http.Handler }

func (t inProcess) RoundTrip(req *http.Request) (*http.Response, error) {
	w := httptest.NewRecorder()
	t.h.ServeHTTP(w, req)
	resp := w.Result()
	resp.Request = req
	return resp, nil
}

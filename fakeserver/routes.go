package fakeserver

import (
	"conform/export"
	"net/http"
)

// route is one call of the API: a ServeMux pattern and the handler that answers it.
type route struct {
	pattern string
	handler http.HandlerFunc
}

// routes lists the whole API the fake serves.
func (s *Server) routes() []route {
	return []route{
		{"POST " + export.Root + "/exportRequests", s.handleCreate},
		{"GET " + export.Root + "/exportStatuses/{requestID}", s.handleStatus},
		{"POST " + export.Root + "/custom-actions/cancel/exportRequests/{requestID}", s.handleCancel},
	}
}

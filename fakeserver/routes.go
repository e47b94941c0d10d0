package fakeserver

import "net/http"

// Root is the path under which every call of the API is served, as on the vendor's cloud.
const Root = "/logisticsRestApi/data/v1"

// route is one call of the API: a ServeMux pattern and the handler that answers it.
type route struct {
	pattern string
	handler http.HandlerFunc
}

// routes lists the whole API the fake serves.
func (s *Server) routes() []route {
	return []route{
		{"POST " + Root + "/exportRequests", s.handleCreate},
		{"GET " + Root + "/exportStatuses/{requestID}", s.handleStatus},
		{"POST " + Root + "/custom-actions/cancel/exportRequests/{requestID}", s.handleCancel},
	}
}

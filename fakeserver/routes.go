package fakeserver

import (
	"net/http"

	"github.com/conform-harness/conform/export"
)

// callKind names which of the fake's handlers answers a request: one of the routes, or the answer
// to a call refused for its credentials or taken by no route. The defects decorator uses it to
// tell what an answer is.
type callKind int

const (
	callCreate callKind = iota + 1
	callStatus
	callCancel
	callRefused  // missing or wrong credentials: 401
	callUnrouted // no such path (404), or not with that method (405)
)

// route is one call of the API: a ServeMux pattern and the handler that answers it.
type route struct {
	pattern string
	call    callKind
	handler http.HandlerFunc
}

// routes lists the whole API the fake serves.
func (s *Server) routes() []route {
	return []route{
		{"POST " + export.Root + "/exportRequests", callCreate, s.handleCreate},
		{"GET " + export.Root + "/exportStatuses/{requestID}", callStatus, s.handleStatus},
		{"POST " + export.Root + "/custom-actions/cancel/exportRequests/{requestID}", callCancel, s.handleCancel},
	}
}

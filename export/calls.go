package export

import (
	"net/http"
	"net/url"
	"strings"
)

// Call is one of the three calls of the API.
type Call int

// The calls of the API. NoCall is anything else.
const (
	NoCall     Call = iota
	CallCreate      // POST {root}/exportRequests
	CallStatus      // GET {root}/exportStatuses/{requestID}
	CallCancel      // POST {root}/custom-actions/cancel/exportRequests/{requestID}
)

func (c Call) String() string {
	switch c {
	case CallCreate:
		return "create"
	case CallStatus:
		return "status"
	case CallCancel:
		return "cancel"
	}
	return "no call of the API"
}

// CallOf tells which call a request is, from its method and escaped URL path (whatever precedes
// Root, a gateway prefix, is allowed), and the request id its path names, unescaped ("" for a
// create).
func CallOf(method, escapedPath string) (Call, ID) {
	i := strings.Index(escapedPath, Root+"/")
	if i < 0 {
		return NoCall, ""
	}
	rel := escapedPath[i+len(Root):]
	idAfter := func(prefix string) (ID, bool) {
		raw, ok := strings.CutPrefix(rel, prefix)
		if !ok || raw == "" || strings.Contains(raw, "/") {
			return "", false
		}
		if un, err := url.PathUnescape(raw); err == nil {
			raw = un
		}
		return ID(raw), true
	}
	switch method {
	case http.MethodGet:
		if id, ok := idAfter("/exportStatuses/"); ok {
			return CallStatus, id
		}
	case http.MethodPost:
		if rel == "/exportRequests" {
			return CallCreate, ""
		}
		if id, ok := idAfter("/custom-actions/cancel/exportRequests/"); ok {
			return CallCancel, id
		}
	}
	return NoCall, ""
}

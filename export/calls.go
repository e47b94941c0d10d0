package export

import (
	"errors"
	"fmt"
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

// Method is the HTTP method of call c: POST for a create and a cancel, GET for a status; "" for
// NoCall.
func (c Call) Method() string {
	switch c {
	case CallCreate, CallCancel:
		return http.MethodPost
	case CallStatus:
		return http.MethodGet
	}
	return ""
}

// MaxPathID bounds, in bytes, the request id PathOf writes into a path: far more than any id a
// server issues (the vendor's are numbers), and far less than a server takes in a URL, so that an
// id a hostile target made up cannot have conform send an absurd URL.
const MaxPathID = 1024

// The paths of the calls below the API root.
const (
	createPath = "/exportRequests"
	statusPath = "/exportStatuses/"
	cancelPath = "/custom-actions/cancel/exportRequests/"
)

// PathOf is the inverse of CallOf: the escaped path of call c for request id (none for a
// create) below root, the API root as a path (Root, after a gateway's prefix or not), as a URL
// ("https://host" + Root), or "" for the part below the root ("/exportStatuses/12345"). A
// trailing slash of root is dropped. The id is written as one path segment, escaped: no slash,
// percent sign, question mark or space in it can change what the path names, and an id "." or
// ".." is written %2E or %2E%2E, so that no client, proxy or server takes it for a dot segment.
// When root ends in Root, CallOf(c.Method(), path) gives c and id back.
//
// PathOf fails for NoCall, for a create given an id, and for a status or a cancel given an empty
// id or one longer than MaxPathID bytes.
func PathOf(root string, c Call, id ID) (string, error) {
	b, err := AppendPath(nil, root, c, id)
	return string(b), err
}

// AppendPath appends to b the path PathOf writes, for those who build a document around it
// without a string of its own. It fails as PathOf does, and then returns b as it was. What it
// appends needs no escaping in a JSON string: PathOf escapes quotes, backslashes and control
// characters.
func AppendPath(b []byte, root string, c Call, id ID) ([]byte, error) {
	var prefix string
	switch c {
	case CallCreate:
		if id != "" {
			return b, fmt.Errorf("%s: a create names no request id, got %q", c, id)
		}
		prefix = createPath
	case CallStatus:
		prefix = statusPath
	case CallCancel:
		prefix = cancelPath
	default:
		return b, errors.New("no path: not a call of the API")
	}
	switch {
	case c == CallCreate:
	case id == "":
		return b, fmt.Errorf("%s: no request id", c)
	case len(id) > MaxPathID:
		return b, fmt.Errorf("%s: request id of %d bytes: at most %d", c, len(id), MaxPathID)
	}
	b = append(b, strings.TrimSuffix(root, "/")...)
	b = append(b, prefix...)
	switch segment := url.PathEscape(string(id)); segment {
	case ".", "..":
		b = append(b, strings.ReplaceAll(segment, ".", "%2E")...)
	default:
		b = append(b, segment...)
	}
	return b, nil
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
		if id, ok := idAfter(statusPath); ok {
			return CallStatus, id
		}
	case http.MethodPost:
		if rel == createPath {
			return CallCreate, ""
		}
		if id, ok := idAfter(cancelPath); ok {
			return CallCancel, id
		}
	}
	return NoCall, ""
}

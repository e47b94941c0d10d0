package fakeserver

import (
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"time"
)

// Error codes of the fake's domain errors. Each maps to one HTTP status in errorStatuses.
const (
	CodeInvalidRequest   = "invalid_request"    // malformed request body (400)
	CodeTooLarge         = "too_large"          // request body over Options.MaxBodyBytes (400)
	CodeInvalidState     = "invalid_state"      // cancel of a completed request (400)
	CodeInvalidSeed      = "invalid_seed"       // Put of an inconsistent seed (400 if ever served)
	CodeUnauthorized     = "unauthorized"       // missing or wrong credentials (401)
	CodeNotFound         = "not_found"          // unknown request id or path (404)
	CodeMethodNotAllowed = "method_not_allowed" // known path, wrong method (405)
	CodeTooManyRequests  = "too_many_requests"  // the store is full of running requests (429, Retry-After)
)

// errorStatuses is the one table from error code to HTTP status. A too-large body answers 400,
// not 413, because the API's spec declares only 400 for a bad create body.
var errorStatuses = map[string]int{
	CodeInvalidRequest:   http.StatusBadRequest,
	CodeTooLarge:         http.StatusBadRequest,
	CodeInvalidState:     http.StatusBadRequest,
	CodeInvalidSeed:      http.StatusBadRequest,
	CodeUnauthorized:     http.StatusUnauthorized,
	CodeNotFound:         http.StatusNotFound,
	CodeMethodNotAllowed: http.StatusMethodNotAllowed,
	CodeTooManyRequests:  http.StatusTooManyRequests,
}

// errorTypes names each status's section of RFC 9110 (of RFC 6585 for 429, which RFC 9110 does
// not define), the "type" of an error document.
var errorTypes = map[int]string{
	http.StatusBadRequest:          "https://tools.ietf.org/html/rfc9110#section-15.5.1",
	http.StatusUnauthorized:        "https://tools.ietf.org/html/rfc9110#section-15.5.2",
	http.StatusNotFound:            "https://tools.ietf.org/html/rfc9110#section-15.5.5",
	http.StatusMethodNotAllowed:    "https://tools.ietf.org/html/rfc9110#section-15.5.6",
	http.StatusConflict:            "https://tools.ietf.org/html/rfc9110#section-15.5.10", // only ever from an injected defect
	http.StatusTooManyRequests:     "https://tools.ietf.org/html/rfc6585#section-4",
	http.StatusInternalServerError: "https://tools.ietf.org/html/rfc9110#section-15.6.1",
}

// internalDetail is all a client learns of an error without a known code; the log has the rest.
const internalDetail = "internal server error"

// Error is a domain error of the fake: a code (one of the Code constants), a message for people,
// which becomes the detail of the error document, and optionally the error that caused it.
// RetryAfter, when positive, is how long the client should wait before trying again; it becomes
// the Retry-After header, in whole seconds rounded up.
type Error struct {
	Code       string
	Message    string
	Err        error
	RetryAfter time.Duration
}

// Error returns the message, followed by the cause's when there is one.
func (e *Error) Error() string {
	if e.Err != nil {
		return e.Message + ": " + e.Err.Error()
	}
	return e.Message
}

// Unwrap returns the cause, or nil.
func (e *Error) Unwrap() error { return e.Err }

// ErrorCode returns the code of the first *Error in err's chain, or "" when there is none.
func ErrorCode(err error) string {
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	return ""
}

func errorf(code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// httpError returns the status and detail err answers with, and the Retry-After header it asks
// for ("" for none). Anything without a known code is a 500 with a generic detail; known reports
// which it was, so the caller can log the unknown.
func httpError(err error) (status int, detail, retryAfter string, known bool) {
	var e *Error
	if errors.As(err, &e) {
		if status, ok := errorStatuses[e.Code]; ok {
			if e.RetryAfter > 0 {
				retryAfter = strconv.FormatInt(int64((e.RetryAfter+time.Second-1)/time.Second), 10) // whole seconds, rounded up
			}
			return status, e.Message, retryAfter, true
		}
	}
	return http.StatusInternalServerError, internalDetail, "", false
}

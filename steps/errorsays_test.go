package steps

import (
	"context"
	"net/http"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/conform-harness/conform/export"
	"github.com/conform-harness/conform/judge"
)

// Messages of the other errors of the API, which neither wording table may take for its own.
var otherErrors = []string{
	"Unauthorized", "credentials are missing or wrong: send HTTP Basic credentials",
	"Bad Request", "bad request body", "request body is not valid JSON: invalid character '}' (at byte 12)",
	"tables.items must list at least one table, as in {\"tables\":{\"items\":[{\"tableName\":\"SHIPMENT\"}]}}",
	"request body is larger than 1048576 bytes", "Too Many Requests",
	"the server holds 3 export requests, as many as it keeps, and every one is still running: try again in 2 s, or cancel one",
	"Method Not Allowed", "method DELETE is not allowed on /x: use GET", "internal server error", "Internal Server Error",
	"https://tools.ietf.org/html/rfc9110#section-15.5.1", "/logisticsRestApi/data/v1/custom-actions/cancel/exportRequests/12345",
	"EXPORT-400", "400", "Request cancelled by the client", "the cancel was accepted",
}

func TestInvalidStateWordings(t *testing.T) {
	says := []string{
		"export request 12345 is in an invalid state for a cancellation request: it has already completed (succeeded)",
		"Request 12345 is in an INVALID  STATE for a cancellation request.",
		"The request is not in a cancellable state",
		"The request is not in a valid state for this action",
		"the request is in the wrong state",
		"The export request cannot be cancelled because it has completed.",
		"Request can't be canceled",
		"The request is no longer cancellable",
		"The request has already completed.",
		"Export request 12345 was already cancelled",
		"request is not cancelable",
	}
	for _, s := range says {
		require.True(t, invalidState.MatchString(s), "%q should say the request is in an invalid state", s)
		require.False(t, notFound.MatchString(s), "%q does not say the request does not exist", s)
	}
	for _, s := range append(otherErrors, "Not Found", "export request 99999 does not exist", "The export request 99999 was not found") {
		require.False(t, invalidState.MatchString(s), "%q does not say the request is in an invalid state", s)
	}
}

func TestNotFoundWordings(t *testing.T) {
	says := []string{
		"Not Found",
		"export request \"99999\" does not exist",
		"The export request 99999 was not found.",
		"The requested resource could not be found",
		"No such request: 99999",
		"no export request found with ID 99999",
		"Unknown request ID 99999",
		"The request ID is not valid",
		"Invalid request ID: abc",
		"The resource doesn't exist",
	}
	for _, s := range says {
		require.True(t, notFound.MatchString(s), "%q should say the request does not exist", s)
	}
	for _, s := range append(otherErrors, "export request 1 is in an invalid state for a cancellation request", "unknown error") {
		require.False(t, notFound.MatchString(s), "%q does not say the request does not exist", s)
	}
}

// TestErrorSaysLooksInEveryString: the message may be in any string of the error document, at
// any depth, and the step reads the document the recording transport decoded.
func TestErrorSaysLooksInEveryString(t *testing.T) {
	tests := []struct {
		name, body string
		says       bool
	}{
		{"in the detail", `{"title":"Bad Request","status":400,"detail":"request 1 is in an invalid state for a cancellation request"}`, true},
		{"in the title", `{"title":"Invalid state","status":400}`, true},
		{"only in o:errorDetails", `{"title":"Bad Request","status":"400","o:errorDetails":[{"detail":"The request is not in a cancellable state","o:errorCode":"X"}]}`, true},
		{"in an extension, deep down", `{"title":"Bad Request","status":400,"x":{"messages":[{"text":"Request cannot be cancelled"}]}}`, true},
		{"not said", `{"title":"Bad Request","status":400,"detail":"bad request body"}`, false},
		{"said as a key only", `{"title":"Bad Request","status":400,"invalid state":"yes"}`, false},
		{"nothing said", `{"status":400}`, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			doc, err := export.DecodeError([]byte(tt.body))
			require.NoError(t, err)
			w := &World{last: &Response{Method: http.MethodPost, URL: "/x", Status: 400, Body: []byte(tt.body), ex: &judge.Exchange{ErrorDoc: &doc}}}
			err = w.errorSaysInvalidState(context.Background())
			if tt.says {
				require.NoError(t, err)
				return
			}
			require.ErrorContains(t, err, "the error message should say that the request is in an invalid state for cancellation")
			require.ErrorContains(t, err, tt.body, "the failure shows the answer")
		})
	}
}

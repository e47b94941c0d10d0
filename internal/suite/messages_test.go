package suite

import (
	"bytes"
	"net/http"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/conform-harness/conform/steps"
)

// A failing step says the cause first: what the contract says of the answer, before what the
// spec says of its body.

// TestAnUnknownIDAnswered200SaysSoFirst: a target that answers 200 {} for an id no request has
// fails the unknown-id scenarios, each saying so before the spec's lines about the body.
func TestAnUnknownIDAnswered200SaysSoFirst(t *testing.T) {
	mutate := func(r *http.Request, status int, body []byte) (int, []byte) {
		if status == http.StatusNotFound {
			return http.StatusOK, []byte(`{}`)
		}
		return status, body
	}
	failed := failures(t, Options{Config: steps.Config{NewTarget: brokenFake(mutate)}})
	for _, scenario := range []string{"Cancelling an id that names no request", "Checking the status of an id that names no request"} {
		msgs, ok := failed[scenario]
		require.True(t, ok, "%q did not fail; these did: %v", scenario, names(failed))
		msg := strings.Join(msgs, "\n")
		cause := strings.Index(msg, "an id no request has answered 200; the contract says 404")
		require.GreaterOrEqual(t, cause, 0, "%s:\n%s", scenario, msg)
		if spec := strings.Index(msg, "breaks the spec"); spec >= 0 {
			require.Less(t, cause, spec, "the cause comes before the spec's lines:\n%s", msg)
		}
	}
}

// TestA404AfterA200SaysSo: a request whose status answered 200 and then 404 fails, saying when
// it answered 200.
func TestA404AfterA200SaysSo(t *testing.T) {
	mutate := func(r *http.Request, status int, body []byte) (int, []byte) {
		if r.Method == http.MethodGet && bytes.Contains(body, []byte(`"progress":"cancelled"`)) {
			return http.StatusNotFound, []byte(`{"title":"Not Found","status":404,"detail":"not found"}`)
		}
		return status, body
	}
	failed := failures(t, Options{Config: steps.Config{NewTarget: brokenFake(mutate)}})
	msgs, ok := failed["A running request is cancelled"]
	require.True(t, ok, "these failed: %v", names(failed))
	msg := strings.Join(msgs, "\n")
	require.Regexp(t, `request \d+ answered 200 at \d\d:\d\d:\d\d\.\d{3} and 404 now: want 200 OK, got:`, msg)
}

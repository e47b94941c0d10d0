package suite

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/conform-harness/conform/fakeserver"
	"github.com/conform-harness/conform/fakeserver/bundled"
	"github.com/conform-harness/conform/steps"
)

// mutation rewrites one answer of the fake: it gets the request, the status and the body, and
// returns the status and body to hand on.
type mutation func(r *http.Request, status int, body []byte) (int, []byte)

type mutatingTransport struct {
	next   http.RoundTripper
	mutate mutation
}

func (t mutatingTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	resp, err := t.next.RoundTrip(r)
	if err != nil {
		return nil, err
	}
	body, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil {
		return nil, err
	}
	resp.StatusCode, body = t.mutate(r, resp.StatusCode, body)
	resp.Body = io.NopCloser(bytes.NewReader(body))
	resp.ContentLength = int64(len(body))
	return resp, nil
}

// brokenFake is the bundled target with every answer passed through mutate.
func brokenFake(mutate mutation) func(context.Context) (*steps.Target, error) {
	bundled := bundled.Target(fakeserver.Options{})
	return func(ctx context.Context) (*steps.Target, error) {
		t, err := bundled(ctx)
		if err != nil {
			return nil, err
		}
		t.Transport = mutatingTransport{next: t.Transport, mutate: mutate}
		return t, nil
	}
}

func replaceIn(re string, with string) mutation {
	rx := regexp.MustCompile(re)
	return func(_ *http.Request, status int, body []byte) (int, []byte) {
		return status, rx.ReplaceAll(body, []byte(with))
	}
}

func isCancel(r *http.Request) bool { return strings.Contains(r.URL.Path, "/custom-actions/cancel/") }

// TestSuiteCatchesBrokenAnswers shows that each kind of check can fail: a fake made to break
// the spec or an invariant in one way fails the suite, and the output names the violation.
func TestSuiteCatchesBrokenAnswers(t *testing.T) {
	tests := []struct {
		name   string
		mutate mutation
		want   []string // every one must appear in the report
	}{
		{
			name: "undeclared status",
			mutate: func(r *http.Request, status int, body []byte) (int, []byte) {
				if isCancel(r) && status == http.StatusBadRequest {
					return http.StatusConflict, body
				}
				return status, body
			},
			want: []string{"cancelExportRequest POST", "→ 409: response: status is not supported"},
		},
		{
			name:   "wrong enum value",
			mutate: replaceIn(`"progress":"cancelling"`, `"progress":"canceling"`),
			want:   []string{"→ 200: response /progress:", "value is not one of the allowed values", "invariant 1"},
		},
		{
			name:   "wrong type",
			mutate: replaceIn(`"completed":(true|false)`, `"completed":"$1"`),
			want:   []string{"response /completed:", "value must be a boolean"},
		},
		{
			name:   "missing required field",
			mutate: replaceIn(`"itemName":"[^"]*",`, ``),
			want:   []string{"response /result/body/tables/items/0/itemName:", `property "itemName" is missing`},
		},
		{
			name: "a finished table changes after the cancellation",
			mutate: func(r *http.Request, status int, body []byte) (int, []byte) {
				if bytes.Contains(body, []byte(`"progress":"cancelled"`)) {
					body = regexp.MustCompile(`"checksum":"[0-9a-f]{32}"`).ReplaceAll(body, []byte(`"checksum":"00000000000000000000000000000000"`))
				}
				return status, body
			},
			want: []string{"invariant 4"},
		},
		{
			name: "cancel of a completed request accepted",
			mutate: func(r *http.Request, status int, body []byte) (int, []byte) {
				if isCancel(r) && status == http.StatusBadRequest {
					return http.StatusOK, nil
				}
				return status, body
			},
			want: []string{"want 400 Bad Request, got", "answered 200 OK"},
		},
		{
			// encoding/json keeps the last of two equal keys, so the real document behind the
			// prefix decodes as if the prefix were not there; a reader that keeps the first sees
			// a failed, completed request.
			name:   "a status document that repeats its keys",
			mutate: replaceIn(`^\{"progress":`, `{"progress":"failed","completed":true,"progress":`),
			want:   []string{`response: duplicate key "progress": a JSON object must not repeat a key`},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var out bytes.Buffer
			res, err := Run(context.Background(), Options{Config: steps.Config{NewTarget: brokenFake(tt.mutate)}, Output: &out})
			require.NoError(t, err)
			require.False(t, res.Passed, "the suite passed against a broken fake:\n%s", out.String())
			for _, w := range tt.want {
				require.Contains(t, out.String(), w)
			}
		})
	}
}

func TestSuiteUsageErrors(t *testing.T) {
	for _, o := range []Options{
		{Tags: "@nothing-has-this"},
		{Tags: "@a and"},
		{Formats: []Format{{Name: "nope"}}},
	} {
		_, err := Run(context.Background(), o)
		var ue *UsageError
		require.ErrorAs(t, err, &ue, "%+v", o)
	}
}

// TestSuiteCatchesDocumentsTheSpecLetsThrough: bodies the spec validator accepts but that are
// not one clean status document still fail the step that saw them.
func TestSuiteCatchesDocumentsTheSpecLetsThrough(t *testing.T) {
	for name, m := range map[string]mutation{
		"data after the document": func(r *http.Request, status int, body []byte) (int, []byte) {
			if r.Method == http.MethodGet && status == http.StatusOK {
				body = append(body, []byte(`{"progress":"succeeded"}`)...)
			}
			return status, body
		},
		"a key in another case": replaceIn(`^\{"progress":"processing",`, `{"progress":"processing","PROGRESS":"cancelled",`),
	} {
		t.Run(name, func(t *testing.T) {
			var out bytes.Buffer
			res, err := Run(context.Background(), Options{Config: steps.Config{NewTarget: brokenFake(m)}, Output: &out, Tags: "not @fake-only"})
			require.NoError(t, err)
			require.False(t, res.Passed, out.String())
			require.Contains(t, out.String(), "the status document cannot be read")
		})
	}
}

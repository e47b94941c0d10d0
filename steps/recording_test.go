package steps

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/conform-harness/conform/export"
	"github.com/conform-harness/conform/internal/transport"
	"github.com/conform-harness/conform/openapi"
)

func testValidator(t testing.TB) *openapi.Validator {
	t.Helper()
	v, err := openapi.NewValidator()
	require.NoError(t, err)
	return v
}

// fixed answers every request with the same status, content type and body.
func fixed(status int, ct, body string) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		if ct != "" {
			w.Header().Set("Content-Type", ct)
		}
		w.WriteHeader(status)
		w.Write([]byte(body))
	})
}

func testClient(t testing.TB, h http.Handler, maxBytes int64) (*Client, *recorder) {
	t.Helper()
	rec := &recorder{}
	now := time.Date(2024, 1, 2, 3, 4, 5, 0, time.UTC)
	return newClient("http://target.test/logisticsRestApi/data/v1", &validatingTransport{
		next: transport.InProcess(h), validator: testValidator(t), rec: rec,
		now: func() time.Time { return now }, maxBytes: maxBytes,
	}, func(r *http.Request) error { r.SetBasicAuth("u", "p"); return nil }, nil), rec
}

func TestTransportRecordsAndValidatesEveryExchange(t *testing.T) {
	c, rec := testClient(t, fixed(http.StatusInternalServerError, "application/json", `{"oops":true}`), transport.DefaultMaxResponseBytes)
	c.Own("7")
	resp, err := c.Cancel(context.Background(), "7")
	require.NoError(t, err)
	require.Equal(t, http.StatusInternalServerError, resp.Status)
	require.Equal(t, `{"oops":true}`, string(resp.Body), "the body is handed on after validation")

	all := rec.all()
	require.Len(t, all, 1)
	ex := all[0]
	require.Equal(t, 1, ex.Seq)
	require.Equal(t, http.MethodPost, ex.Method)
	require.Equal(t, "http://target.test/logisticsRestApi/data/v1/custom-actions/cancel/exportRequests/7", ex.URL)
	require.Equal(t, "cancelExportRequest", ex.Operation)
	require.Equal(t, map[string]string{"requestID": "7"}, ex.PathParams)
	require.Len(t, ex.Violations, 1)
	require.Equal(t, "status is not supported", ex.Violations[0].Reason)
}

func TestTransportSendsTheCreateBodyAndValidatesIt(t *testing.T) {
	c, rec := testClient(t, fixed(http.StatusBadRequest, "application/json", `{"title":"Bad Request","status":400}`), transport.DefaultMaxResponseBytes)
	_, err := c.CreateRaw(context.Background(), []byte(`{"tables":{"items":[]}}`))
	require.NoError(t, err)
	ex := rec.all()[0]
	require.Equal(t, `{"tables":{"items":[]}}`, string(ex.ReqBody))
	require.Equal(t, "respond-async", ex.ReqHeader.Get("Prefer"))
	require.Equal(t, "createExportRequest", ex.Operation)
	require.Empty(t, ex.PathParams)
	require.Len(t, ex.Violations, 1)
	require.Equal(t, "request", ex.Violations[0].Where)
}

// A body malformed on purpose is not held against the run, but the answer to it still is; a
// body malformed by mistake still is too.
func TestTransportJudgesOnlyTheAnswerToABodyMalformedOnPurpose(t *testing.T) {
	tests := []struct {
		name   string
		answer http.Handler
		opts   []callOptions
		want   []string // the violations, "where pointer"
	}{
		{"on purpose, refused as the spec says", fixed(http.StatusBadRequest, "application/json", `{"title":"Bad Request","status":400}`),
			[]callOptions{{malformed: true}}, nil},
		{"on purpose, answered against the spec", fixed(http.StatusBadRequest, "application/json", `{"title":"Bad Request","status":"four hundred"}`),
			[]callOptions{{malformed: true}}, []string{"response /status"}},
		{"by mistake", fixed(http.StatusBadRequest, "application/json", `{"title":"Bad Request","status":400}`),
			nil, []string{"request "}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, rec := testClient(t, tt.answer, transport.DefaultMaxResponseBytes)
			_, err := c.CreateRaw(context.Background(), []byte(malformedExport), tt.opts...)
			require.NoError(t, err)
			var got []string
			for _, v := range rec.all()[0].Violations {
				got = append(got, v.Where+" "+v.Pointer)
			}
			require.Equal(t, tt.want, got)
		})
	}
}

func TestTransportCapsResponseBodies(t *testing.T) {
	c, rec := testClient(t, fixed(http.StatusOK, "application/json", strings.Repeat("x", 101)), 100)
	_, err := c.Status(context.Background(), "1")
	require.ErrorIs(t, err, ErrResponseTooLarge)
	require.ErrorContains(t, err, "more than 100 bytes")
	require.ErrorIs(t, rec.all()[0].Err, ErrResponseTooLarge)
}

func TestClientEscapesIDsAndCanOmitCredentials(t *testing.T) {
	var got *http.Request
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got = r
		w.Header().Set("WWW-Authenticate", "Basic")
		w.WriteHeader(http.StatusUnauthorized)
	})
	c, rec := testClient(t, h, transport.DefaultMaxResponseBytes)
	_, err := c.Status(context.Background(), "a/b c", callOptions{anonymous: true})
	require.NoError(t, err)
	require.Equal(t, "/logisticsRestApi/data/v1/exportStatuses/a%2Fb%20c", got.URL.EscapedPath())
	require.Equal(t, map[string]string{"requestID": "a/b c"}, rec.all()[0].PathParams, "the recorded id is unescaped")
	_, _, ok := got.BasicAuth()
	require.False(t, ok, "an anonymous call carries no credentials")

	_, err = c.Status(context.Background(), "1")
	require.NoError(t, err)
	user, _, ok := got.BasicAuth()
	require.True(t, ok)
	require.Equal(t, "u", user)
}

// The recording transport decodes each body once; the exchange carries the call, the id it is
// about and the decoded document, or why there is none.
func TestRecordingDecodesOnce(t *testing.T) {
	const seed = `{"progress":"processing","completed":false,"result":{"body":{"requestID":4711,"tables":{"items":[]}}}}`
	tests := []struct {
		name, method, path string
		status             int
		body               string
		call               export.Call
		asked              export.ID
		doc, errDoc, fails bool
	}{
		{"status", "GET", "/exportStatuses/4711", 200, seed, export.CallStatus, "4711", true, false, false},
		{"create names its own id", "POST", "/exportRequests", 202, seed, export.CallCreate, "4711", true, false, false},
		{"cancel without a body", "POST", "/custom-actions/cancel/exportRequests/a%2Fb", 200, "", export.CallCancel, "a/b", false, false, false},
		{"error", "GET", "/exportStatuses/9", 404, `{"title":"Not Found","status":404}`, export.CallStatus, "9", false, true, false},
		{"a key in another case", "GET", "/exportStatuses/4711", 200,
			`{"progress":"processing","PROGRESS":"cancelled","completed":false}`, export.CallStatus, "4711", false, false, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, rec := testClient(t, fixed(tt.status, "application/json", tt.body), transport.DefaultMaxResponseBytes)
			_, err := c.do(context.Background(), tt.method, tt.path, nil, nil, callOptions{})
			require.NoError(t, err)
			ex := rec.all()[0]
			require.Equal(t, tt.call, ex.Call)
			require.Equal(t, tt.asked, ex.Asked)
			require.Equal(t, tt.doc, ex.Doc != nil)
			require.Equal(t, tt.errDoc, ex.ErrorDoc != nil)
			require.Equal(t, tt.fails, ex.DocErr != nil, "%v", ex.DocErr)
		})
	}
}

// The body: the harness rejects the document, and the timeline, built from the same
// decode, must not draw it cancelled (it used to, with a lenient decoder of its own).
func TestTimelineAgreesWithTheVerdict(t *testing.T) {
	c, rec := testClient(t, fixed(200, "application/json", `{"progress":"processing","PROGRESS":"cancelled","completed":false}`), transport.DefaultMaxResponseBytes)
	resp, err := c.Status(context.Background(), "4711")
	require.NoError(t, err)
	_, err = resp.StatusDocument()
	require.ErrorContains(t, err, `key "PROGRESS" is not the field "progress"`)
	tl := timeline(rec.all())
	for _, r := range tl.Requests {
		for _, o := range r.Observations {
			require.NotEqual(t, "cancelled", o.Progress, "the timeline shows a document the verdict refused")
		}
	}
	require.Empty(t, tl.Requests, "a document that cannot be read is not on the timeline")
}

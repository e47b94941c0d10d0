package fakeserver

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/conform-harness/conform/export"
)

// t0 is the vendor example's start time; tests start their clocks there.
var t0 = time.Date(2022, 11, 29, 15, 21, 58, 0, time.UTC)

// testSchedule is the default schedule, spelled out so tests read their own numbers.
var testSchedule = schedule{tableDuration: 2 * time.Second, cancelDelay: time.Second}

// newTestStore returns a store on a manual clock at t0.
func newTestStore(tb testing.TB, sched schedule, fail ...string) (*store, *ManualClock) {
	tb.Helper()
	clock := NewManualClock(t0)
	failing := map[string]bool{}
	for _, f := range fail {
		failing[f] = true
	}
	return newStore(clock, sched, failing), clock
}

// create submits an export of tables and returns its status document as of now, typed: what a
// create answers, for tests that drive the store without HTTP.
func (s *store) create(tables []string) (export.Status, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	e, err := s.createLocked(tables)
	if err != nil {
		return export.Status{}, err
	}
	return e.document(), nil
}

// mustStatus returns the status document of id, failing the test if there is none.
func mustStatus(tb testing.TB, st *store, id export.ID) export.Status {
	tb.Helper()
	doc, err := st.status(string(id))
	require.NoError(tb, err)
	return doc
}

// progresses lists the progress of each item of doc, in order.
func progresses(doc export.Status) []export.Progress {
	var out []export.Progress
	for _, it := range doc.Items() {
		out = append(out, it.Progress)
	}
	return out
}

// newHTTPServer starts the fake on a manual clock behind a real listener on 127.0.0.1 and
// closes it when the test ends.
func newHTTPServer(tb testing.TB, opts Options) (*Server, *httptest.Server, *ManualClock) {
	tb.Helper()
	clock := NewManualClock(t0)
	if opts.Clock == nil {
		opts.Clock = clock
	}
	srv := New(opts)
	ts := httptest.NewServer(srv)
	tb.Cleanup(ts.Close)
	return srv, ts, clock
}

// reply is an answer read in full.
type reply struct {
	status int
	header http.Header
	body   []byte
}

// call sends one request with the default credentials and reads the whole answer.
func call(tb testing.TB, ts *httptest.Server, method, path, body string) reply {
	tb.Helper()
	return callAs(tb, ts, method, path, body, func(r *http.Request) { r.SetBasicAuth(DefaultUsername, DefaultPassword) })
}

// callAs is call with the request prepared by auth instead (nil sends no credentials).
func callAs(tb testing.TB, ts *httptest.Server, method, path, body string, auth func(*http.Request)) reply {
	tb.Helper()
	var rd io.Reader
	if body != "" {
		rd = bytes.NewBufferString(body)
	}
	req, err := http.NewRequest(method, ts.URL+path, rd)
	require.NoError(tb, err)
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	if auth != nil {
		auth(req)
	}
	resp, err := ts.Client().Do(req)
	require.NoError(tb, err)
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	require.NoError(tb, err)
	return reply{status: resp.StatusCode, header: resp.Header, body: b}
}

// statusDoc decodes a status document answer, checking its content type.
func statusDoc(tb testing.TB, r reply) export.Status {
	tb.Helper()
	require.Equal(tb, "application/json; charset=utf-8", r.header.Get("Content-Type"), "body: %s", r.body)
	var doc export.Status
	require.NoError(tb, json.Unmarshal(r.body, &doc), "body: %s", r.body)
	return doc
}

// errorDoc checks that r is an error document answer with the given status and returns it.
func errorDoc(tb testing.TB, r reply, status int) export.Error {
	tb.Helper()
	require.Equal(tb, status, r.status, "body: %s", r.body)
	require.Equal(tb, "application/json; charset=utf-8", r.header.Get("Content-Type"), "body: %s", r.body)
	doc := strictErrorDoc(tb, r.body)
	require.Equal(tb, status, doc.Status)
	require.Equal(tb, http.StatusText(status), doc.Title)
	require.Regexp(tb, `^https://tools\.ietf\.org/html/(rfc9110#section-15\.\d+\.\d+|rfc6585#section-4)$`, doc.Type)
	require.NotEmpty(tb, doc.Detail)
	return doc
}

// fakeErrorDoc is the error document the fake writes: exactly these fields. export.Error
// decodes the vendor's wider shape, with a decoder of its own that knows no unknown fields.
type fakeErrorDoc struct {
	Type   string `json:"type"`
	Title  string `json:"title"`
	Status int    `json:"status"`
	Detail string `json:"detail"`
}

// strictErrorDoc requires body to be an error document with the fields the fake writes and no
// other, and returns it as export.Error reads it.
func strictErrorDoc(tb testing.TB, body []byte) export.Error {
	tb.Helper()
	var strict fakeErrorDoc
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	require.NoError(tb, dec.Decode(&strict), "body: %s", body)
	var doc export.Error
	require.NoError(tb, json.Unmarshal(body, &doc), "body: %s", body)
	require.Equal(tb, fakeErrorDoc{Type: doc.Type, Title: doc.Title, Status: doc.Status, Detail: doc.Detail}, strict)
	return doc
}

const createPath = export.Root + "/exportRequests"

func statusURL(id string) string { return export.Root + "/exportStatuses/" + id }
func cancelURL(id string) string { return export.Root + "/custom-actions/cancel/exportRequests/" + id }

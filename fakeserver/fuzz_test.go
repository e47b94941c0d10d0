package fakeserver

import (
	"bytes"
	"encoding/json"
	"fmt"
	"maps"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/conform-harness/conform/export"
	"github.com/conform-harness/conform/openapi"
	"github.com/conform-harness/conform/oracle"
)

// The Authorization header of a fuzz input, chosen by its auth byte modulo 4.
const (
	authNone = iota
	authValid
	authWrongPassword
	authGarbage
)

// fuzzOptions is the schedule of every fuzzed fake. The start delay makes a fresh create pending,
// so all three of its transitions fall within a uint16 of milliseconds; the small body cap makes a
// too-large create cheap to reach.
var fuzzOptions = Options{
	StartDelay:    time.Second,
	TableDuration: 2 * time.Second,
	CancelDelay:   time.Second,
	MaxBodyBytes:  32 << 10,
}

// The requests every fuzzed fake holds before the input arrives, so that fuzzed ids can name
// real requests in each interesting state.
const (
	fuzzPendingID    = "1000"      // created, pending until a second has passed
	fuzzProcessingID = "1001"      // put: one table done, one processing, one waiting
	fuzzSucceededID  = "EXP-ü-7"   // put with a non-ASCII id: succeeded, so a cancel answers 400
	fuzzCancellingID = "cancel-me" // put: cancelling, cancelled a second later
)

// fuzzSeeds are realistic and nasty requests: the three routes, wrong methods, unclean and
// escaped paths, huge ids and bodies, bad credentials.
var fuzzSeeds = []struct {
	method, target string
	auth           byte
	contentType    string
	prefer         string
	body           string
	step           uint16
}{
	{"POST", createPath, authValid, "application/json", "respond-async", twoTables, 0},
	{"POST", createPath, authValid, "application/json", "respond-async", twoTables, 1500},
	{"POST", createPath, authValid, "application/json", "", `{"tables":{"items":[{"tableName":"SHIPMENT"}]},"filters":{"x":1}}`, 65535},
	{"GET", statusURL(fuzzPendingID), authValid, "", "", "", 3000},
	{"GET", statusURL(fuzzProcessingID) + "?expand=all", authValid, "", "", "", 0},
	{"GET", statusURL(url.PathEscape(fuzzSucceededID)), authValid, "", "", "", 0},
	{"POST", cancelURL(fuzzPendingID), authValid, "", "", "", 500},
	{"POST", cancelURL(fuzzProcessingID), authValid, "", "", "", 2000},
	{"POST", cancelURL(url.PathEscape(fuzzSucceededID)), authValid, "", "", "", 0},
	{"POST", cancelURL(fuzzCancellingID), authValid, "", "", "", 999},
	{"POST", cancelURL(fuzzCancellingID), authValid, "application/json", "", "{}", 1000},
	{"GET", statusURL("99999"), authValid, "", "", "", 0},
	{"POST", cancelURL("-1"), authValid, "", "", "", 0},

	// Wrong methods and odd targets.
	{"PUT", statusURL(fuzzPendingID), authValid, "application/json", "", twoTables, 0},
	{"DELETE", cancelURL(fuzzProcessingID), authValid, "", "", "", 0},
	{"GET", createPath, authValid, "", "", "", 0},
	{"HEAD", statusURL(fuzzPendingID), authValid, "", "", "", 0},
	{"OPTIONS", "*", authValid, "", "", "", 0},
	{"CONNECT", "/", authValid, "", "", "", 0},
	{"PATCH", export.Root + "/exportRequests/1000", authValid, "", "", "", 0},
	{"GET", "/", authValid, "", "", "", 0},
	{"GET", export.Root, authValid, "", "", "", 0},
	{"GET", export.Root + "/exportStatuses/", authValid, "", "", "", 0},
	{"GET", "/gateway" + statusURL(fuzzPendingID), authValid, "", "", "", 0},

	// Unclean and escaped paths.
	{"GET", statusURL(".."), authValid, "", "", "", 0},
	{"GET", statusURL("../exportRequests"), authValid, "", "", "", 0},
	{"POST", export.Root + "/./exportRequests", authValid, "application/json", "", twoTables, 0},
	{"POST", "/" + createPath, authValid, "application/json", "", twoTables, 0},
	{"POST", cancelURL(fuzzPendingID) + "/", authValid, "", "", "", 0},
	{"GET", statusURL("10%2F00"), authValid, "", "", "", 0},
	{"GET", statusURL("%2e%2e"), authValid, "", "", "", 0},
	{"GET", statusURL("%31%30%30%30"), authValid, "", "", "", 0},
	{"POST", cancelURL("%00"), authValid, "", "", "", 0},
	{"GET", statusURL("1000#frag"), authValid, "", "", "", 0},
	{"GET", statusURL(strings.Repeat("9", 10<<10)), authValid, "", "", "", 0},
	{"POST", cancelURL(strings.Repeat("%C3%BC", 2000)), authValid, "", "", "", 0},

	// Bad create bodies.
	{"POST", createPath, authValid, "application/json", "respond-async", "", 0},
	{"POST", createPath, authValid, "application/json", "respond-async", "not json", 0},
	{"POST", createPath, authValid, "application/json", "respond-async", `{"tables":{"items":[{"tableName":"A"}]}}{}`, 0},
	{"POST", createPath, authValid, "application/json", "respond-async", `{"tables":{"items":[{"tableName":"A"},{"tableName":"A"}]}}`, 0},
	{"POST", createPath, authValid, "application/json", "respond-async", `{"tables":{"items":null}}`, 0},
	{"POST", createPath, authValid, "application/json", "respond-async", `{"tables":{"items":[{"tableName":7}]}}`, 0},
	{"POST", createPath, authValid, "application/json", "respond-async", `{"tables":{"items":[{"tableName":" \t"}]}}`, 0},
	{"POST", createPath, authValid, "application/json", "respond-async", `[{"tableName":"A"}]`, 0},
	{"POST", createPath, authValid, "application/json", "respond-async", `{"tables":{"items":[{"tableName":"SHIPMENT\u0000"},{"tableName":"ÉXPÖRT 表"}]}}`, 2500},
	{"POST", createPath, authValid, "application/json", "respond-async", "{\"tables\":{\"items\":[{\"tableName\":\"\xff\xfe\"}]}}", 0},
	{"POST", createPath, authValid, "application/json", "respond-async", manyTables(300), 1000},
	{"POST", createPath, authValid, "application/json", "respond-async", manyTables(2000), 0},
	{"POST", createPath, authValid, "text/plain; charset=latin1", "respond-async; wait=5, return=minimal", twoTables, 0},
	{"POST", createPath, authValid, "\x00", "\x00", "\x00", 0},

	// Credentials.
	{"POST", createPath, authNone, "application/json", "respond-async", twoTables, 0},
	{"GET", statusURL(fuzzPendingID), authWrongPassword, "", "", "", 0},
	{"POST", cancelURL(fuzzProcessingID), authGarbage, "", "", "", 0},
	{"DELETE", "/nowhere", authNone, "", "", "", 0},
}

// manyTables is a create body that names n tables.
func manyTables(n int) string {
	var b strings.Builder
	b.WriteString(`{"tables":{"items":[`)
	for i := range n {
		if i > 0 {
			b.WriteByte(',')
		}
		fmt.Fprintf(&b, `{"tableName":"T%d"}`, i)
	}
	b.WriteString(`]}}`)
	return b.String()
}

// FuzzServeHTTP sends one arbitrary request (method, target, credentials, Content-Type, Prefer,
// body) to a fresh fake holding a request in each interesting state, then lets the clock run
// for step milliseconds. The fake must never panic or answer 5xx; every answer must be the JSON
// it should be and conform to the spec; the answer must agree with the state before it (a cancel
// answers 200 exactly when the request had not completed, and the request is then cancelling
// until CancelDelay has passed); nothing else may change, compared with a twin fake that never
// got the request; and every request the fake holds must show, before and after, documents that
// conform to the spec and together obey the invariants.
func FuzzServeHTTP(f *testing.F) {
	v, err := openapi.NewValidator()
	require.NoError(f, err)
	for _, s := range fuzzSeeds {
		f.Add(s.method, s.target, s.auth, s.contentType, s.prefer, []byte(s.body), s.step)
	}
	f.Fuzz(func(t *testing.T, method, target string, auth byte, contentType, prefer string, body []byte, step uint16) {
		req := fuzzRequest(t, method, target, auth%4, contentType, prefer, body)
		srv, clock := newFuzzFake(t)
		before := snapshot(t, srv, clock, v, "before")

		rec := httptest.NewRecorder()
		srv.ServeHTTP(rec, req)
		answered := checkAnswer(t, v, req, auth%4, body, rec, before)
		answered.obs.At = clock.Now()

		clock.Advance(time.Duration(step) * time.Millisecond)
		after := snapshot(t, srv, clock, v, "after")

		checkIDs(t, before, after, answered, step)
		checkUntouched(t, step, after, answered)
		checkHistories(t, before, answered, after)
	})
}

// fuzzRequest builds the request a real server would hand the fake for these inputs, and skips
// inputs that net/http would refuse before any handler runs (a method that is not a token, a
// target that is not a request URI).
func fuzzRequest(t *testing.T, method, target string, auth byte, contentType, prefer string, body []byte) *http.Request {
	t.Helper()
	u, err := url.ParseRequestURI(target)
	if err != nil {
		t.Skipf("net/http refuses the target: %v", err)
	}
	req, err := http.NewRequest(method, "http://fake.test/", bytes.NewReader(body))
	if err != nil {
		t.Skipf("net/http refuses the request: %v", err)
	}
	req.URL, req.RequestURI = u, target
	switch auth {
	case authValid:
		req.SetBasicAuth(DefaultUsername, DefaultPassword)
	case authWrongPassword:
		req.SetBasicAuth(DefaultUsername, DefaultPassword+"x")
	case authGarbage:
		req.Header.Set("Authorization", "Basic !!not-base64:"+contentType)
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	if prefer != "" {
		req.Header.Set("Prefer", prefer)
	}
	return req
}

// newFuzzFake returns a fake on a manual clock at t0 that holds fuzzPendingID, fuzzProcessingID,
// fuzzSucceededID and fuzzCancellingID.
func newFuzzFake(t *testing.T) (*Server, *ManualClock) {
	t.Helper()
	clock := NewManualClock(t0)
	opts := fuzzOptions
	opts.Clock = clock
	srv := New(opts)

	req := httptest.NewRequest(http.MethodPost, createPath, strings.NewReader(twoTables))
	req.SetBasicAuth(DefaultUsername, DefaultPassword)
	rec := httptest.NewRecorder()
	srv.ServeHTTP(rec, req)
	require.Equal(t, http.StatusAccepted, rec.Code, "create: %s", rec.Body)
	require.Equal(t, statusPath(fuzzPendingID), rec.Header().Get("Location"))

	for _, seed := range []Seed{
		{Progress: processing, Tables: []TableSeed{{Name: "DONE", Progress: succeeded}, {Name: "BUSY", Progress: processing}, {Name: "NEXT", Progress: pending}}},
		{ID: fuzzSucceededID, Progress: succeeded},
		{ID: fuzzCancellingID, Progress: cancelling},
	} {
		_, err := srv.Put(seed)
		require.NoError(t, err)
	}
	require.Equal(t, []string{fuzzPendingID, fuzzProcessingID, fuzzSucceededID, fuzzCancellingID}, srv.IDs())
	return srv, clock
}

// seen is a status document as answered by GET, with the exchange's raw body.
type seen struct {
	obs oracle.Observation
	raw []byte
}

// snapshot GETs every request the fake holds, requires each exchange to conform to the spec
// and to agree with Server.Status, and returns the documents by id.
func snapshot(t *testing.T, srv *Server, clock Clock, v *openapi.Validator, when string) map[string]seen {
	t.Helper()
	out := map[string]seen{}
	for _, id := range srv.IDs() {
		req := httptest.NewRequest(http.MethodGet, statusPath(id), nil)
		req.SetBasicAuth(DefaultUsername, DefaultPassword)
		rec := httptest.NewRecorder()
		srv.ServeHTTP(rec, req)
		raw := rec.Body.Bytes()
		require.Equal(t, http.StatusOK, rec.Code, "GET %s %s: %s", id, when, raw)
		verdict := v.Validate(req, nil, openapi.Response{Status: rec.Code, Header: rec.Header(), Body: raw})
		require.Empty(t, verdict.Violations, "GET %s %s: %s", id, when, raw)

		var doc export.Status
		require.NoError(t, json.Unmarshal(raw, &doc), "GET %s %s: %s", id, when, raw)
		direct, ok := srv.Status(id)
		require.True(t, ok, "Status(%q) %s", id, when)
		require.Equal(t, direct, doc, "Status(%q) and GET disagree %s", id, when)
		source := "GET " + statusPath(id) + " → 200 (" + when + ")"
		out[id] = seen{obs: oracle.Observation{At: clock.Now(), Source: source, Doc: doc, Raw: raw}, raw: raw}
	}
	return out
}

// answer is what the fuzzed request did to the fake.
type answer struct {
	status    int
	id        string             // the request it answered a status document of, or cancelled
	obs       oracle.Observation // that document; zero when there was none
	hasDoc    bool
	cancelled bool // a cancel of id was accepted
}

// checkAnswer checks the fake's answer to the fuzzed request on its own and against the state
// before it, and returns what it did.
func checkAnswer(t *testing.T, v *openapi.Validator, req *http.Request, auth byte, body []byte, rec *httptest.ResponseRecorder, before map[string]seen) *answer {
	t.Helper()
	got := rec.Body.Bytes()
	where := fmt.Sprintf("%s %q answered %d: %s", req.Method, req.RequestURI, rec.Code, got)
	require.Less(t, rec.Code, 500, where)

	if auth != authValid {
		require.Equal(t, http.StatusUnauthorized, rec.Code, where)
		require.Equal(t, `Basic realm="`+realm+`"`, rec.Header().Get("WWW-Authenticate"), where)
	} else {
		require.NotEqual(t, http.StatusUnauthorized, rec.Code, where)
	}

	// The spec describes the answers of the three calls and the 401 of any call. A path that only
	// resembles one (a gateway prefix, "//"), which the validator still maps to an operation, is
	// not served by the fake at all: its 404 or 405 is outside the spec.
	if req.Pattern != "" || rec.Code == http.StatusUnauthorized {
		verdict := v.Validate(req, body, openapi.Response{Status: rec.Code, Header: rec.Header(), Body: got})
		for _, vi := range verdict.Violations {
			require.Equal(t, "request", vi.Where, "%s\nthe answer breaks the spec: %s", where, vi)
		}
	}

	if len(got) == 0 {
		// Only a cancel that was accepted answers without a body.
		require.Equal(t, http.StatusOK, rec.Code, where)
		require.Equal(t, "POST "+export.Root+"/custom-actions/cancel/exportRequests/{requestID}", req.Pattern, where)
		id := req.PathValue("requestID")
		prev, ok := before[id]
		require.True(t, ok, "%s\ncancel of an id the fake does not hold", where)
		require.False(t, prev.obs.Doc.Completed, "%s\ncancel accepted although the request had completed: %s", where, prev.raw)
		return &answer{status: rec.Code, id: id, cancelled: true}
	}
	require.Equal(t, "application/json; charset=utf-8", rec.Header().Get("Content-Type"), where)
	require.True(t, json.Valid(got), where)

	switch rec.Code {
	case http.StatusOK, http.StatusAccepted:
		var doc export.Status
		require.NoError(t, json.Unmarshal(got, &doc), where)
		if rec.Code == http.StatusAccepted {
			require.Equal(t, "POST "+createPath, req.Pattern, where)
			id := string(doc.RequestID())
			require.NotContains(t, before, id, "%s\ncreate reused an id", where)
			require.Equal(t, statusPath(id), rec.Header().Get("Location"), where)
			source := "POST " + createPath + " → 202 (fuzzed)"
			return &answer{status: rec.Code, id: id, obs: oracle.Observation{Source: source, Doc: doc, Raw: got}, hasDoc: true}
		}
		require.Equal(t, "GET "+export.Root+"/exportStatuses/{requestID}", req.Pattern, where)
		id := req.PathValue("requestID")
		prev, ok := before[id]
		require.True(t, ok, "%s\nstatus of an id the fake does not hold", where)
		// The clock has not moved since the snapshot, so the answer must be the same document.
		require.JSONEq(t, string(prev.raw), string(got), where)
		source := "GET " + req.RequestURI + " → 200 (fuzzed)"
		return &answer{status: rec.Code, id: id, obs: oracle.Observation{Source: source, Doc: doc, Raw: got}, hasDoc: true}
	}

	e := strictErrorDoc(t, got)
	require.Equal(t, rec.Code, e.Status, where)
	require.Equal(t, http.StatusText(rec.Code), e.Title, where)
	require.NotEmpty(t, e.Detail, where)
	require.NotEmpty(t, e.Type, where)

	if auth == authValid && strings.Contains(req.Pattern, "{requestID}") {
		id := req.PathValue("requestID")
		prev, held := before[id]
		switch rec.Code {
		case http.StatusNotFound:
			require.False(t, held, "%s\nan id the fake holds answered 404", where)
		case http.StatusBadRequest:
			require.True(t, held, where)
			require.True(t, prev.obs.Doc.Completed, "%s\ncancel refused although the request had not completed: %s", where, prev.raw)
		}
	}
	if rec.Code == http.StatusMethodNotAllowed {
		require.NotEmpty(t, rec.Header().Get("Allow"), where)
	}
	return &answer{status: rec.Code}
}

// checkIDs requires that only a 202 added a request, exactly one, and that none went away, and
// that an accepted cancel took effect: cancelling until CancelDelay has passed, then cancelled.
func checkIDs(t *testing.T, before, after map[string]seen, answered *answer, step uint16) {
	t.Helper()
	want := slices.Sorted(maps.Keys(before))
	if answered.status == http.StatusAccepted {
		want = append(want, answered.id)
		slices.Sort(want)
	}
	require.Equal(t, want, slices.Sorted(maps.Keys(after)), "answer %d", answered.status)
	if answered.cancelled {
		// The cancel came at the instant of the snapshot; a second cancel does not postpone
		// settling, and every fixture that was already cancelling started at that instant too.
		want := cancelling
		if time.Duration(step)*time.Millisecond >= fuzzOptions.CancelDelay {
			want = cancelled
		}
		got := after[answered.id]
		require.Equal(t, want, got.obs.Doc.Progress, "request %s %dms after an accepted cancel: %s", answered.id, step, got.raw)
	}
}

// checkUntouched compares the fake with a twin that never got the fuzzed request: every request
// but the one an accepted cancel named must be exactly as in the twin. A refused call, a read or a
// create that changes some request is caught here even when the change is a legal transition.
func checkUntouched(t *testing.T, step uint16, after map[string]seen, answered *answer) {
	t.Helper()
	twin, clock := newFuzzFake(t)
	clock.Advance(time.Duration(step) * time.Millisecond)
	for _, id := range twin.IDs() {
		if answered.cancelled && id == answered.id {
			continue
		}
		want, ok := twin.Status(id)
		require.True(t, ok, id)
		require.Equal(t, want, after[id].obs.Doc, "request %s changed, though the call (answered %d) did not cancel it", id, answered.status)
	}
}

// checkHistories feeds each request's documents, in the order they were seen, to an oracle:
// before, the fuzzed answer, after. None may break an invariant.
func checkHistories(t *testing.T, before map[string]seen, answered *answer, after map[string]seen) {
	t.Helper()
	o := oracle.New()
	observe := func(id string, obs oracle.Observation) {
		for _, vi := range o.Observe(export.ID(id), obs) {
			t.Errorf("request %s: %s", id, vi.Error())
		}
	}
	for _, id := range slices.Sorted(maps.Keys(before)) {
		observe(id, before[id].obs)
	}
	if answered.hasDoc {
		observe(answered.id, answered.obs)
	}
	for _, id := range slices.Sorted(maps.Keys(after)) {
		observe(id, after[id].obs)
	}
}

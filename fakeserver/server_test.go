package fakeserver

import (
	"bytes"
	"errors"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/conform-harness/conform/export"
)

const twoTables = `{"tables":{"items":[{"tableName":"SHIPMENT"},{"tableName":"SHIPMENT_REFNUM"}]}}`

func TestCreateAnswers202WithLocation(t *testing.T) {
	tests := []struct {
		name      string
		prefer    string
		body      string
		preferred bool
	}{
		{"with Prefer respond-async", "respond-async", twoTables, true},
		{"with Prefer among others", "return=minimal, respond-async; wait=5", twoTables, true},
		{"without Prefer", "", twoTables, false},
		{"with fields the fake does not use", "respond-async",
			`{"tables":{"items":[{"tableName":"SHIPMENT","filter":"x","fields":["A"]}]},"format":"csv"}`, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, ts, _ := newHTTPServer(t, Options{})
			r := callAs(t, ts, http.MethodPost, createPath, tt.body, func(r *http.Request) {
				r.SetBasicAuth(DefaultUsername, DefaultPassword)
				if tt.prefer != "" {
					r.Header.Set("Prefer", tt.prefer)
				}
			})
			require.Equal(t, http.StatusAccepted, r.status, "body: %s", r.body)
			doc := statusDoc(t, r)
			require.Equal(t, processing, doc.Progress)
			require.False(t, doc.Completed)
			require.Equal(t, export.ID("1000"), doc.RequestID())
			require.Contains(t, string(r.body), `"requestID":1000`, "a numeric id is a JSON number")
			require.Equal(t, statusURL("1000"), r.header.Get("Location"))
			require.Equal(t, []export.Link{{Rel: "self", Href: statusURL("1000")}}, doc.Links)
			if tt.preferred {
				require.Equal(t, "respond-async", r.header.Get("Preference-Applied"))
			} else {
				require.Empty(t, r.header.Get("Preference-Applied"))
			}

			// The Location answers the same request.
			got := call(t, ts, http.MethodGet, r.header.Get("Location"), "")
			require.Equal(t, http.StatusOK, got.status)
			require.Equal(t, doc, statusDoc(t, got))
		})
	}
}

func TestStatusFollowsTheClock(t *testing.T) {
	_, ts, clock := newHTTPServer(t, Options{TableDuration: 10 * time.Second})
	created := statusDoc(t, call(t, ts, http.MethodPost, createPath, twoTables))
	path := statusURL(string(created.RequestID()))

	clock.Advance(10 * time.Second)
	r := call(t, ts, http.MethodGet, path, "")
	require.Equal(t, http.StatusOK, r.status)
	require.Equal(t, []export.Progress{succeeded, processing}, progresses(statusDoc(t, r)))

	clock.Advance(10 * time.Second)
	doc := statusDoc(t, call(t, ts, http.MethodGet, path, ""))
	require.Equal(t, succeeded, doc.Progress)
	require.True(t, doc.Completed)
}

func TestCreateRejectsMalformedBodies(t *testing.T) {
	tests := []struct {
		name, body, detail string
	}{
		{"empty", "", "request body is empty"},
		{"blank", " \n", "request body is empty"},
		{"not JSON", "tables=SHIPMENT", "request body is not valid JSON"},
		{"cut short", `{"tables":{"items":[`, "request body is not valid JSON"},
		{"an array", `[{"tableName":"SHIPMENT"}]`, "request body must be a JSON object, not a JSON array"},
		{"a string", `"SHIPMENT"`, "request body must be a JSON object, not a JSON string"},
		{"tables a string", `{"tables":"SHIPMENT"}`, "tables must be a JSON object, not a JSON string"},
		{"items an object", `{"tables":{"items":{"tableName":"SHIPMENT"}}}`, "tables.items must be a JSON array, not a JSON object"},
		{"tableName a number", `{"tables":{"items":[{"tableName":42}]}}`, "tables.items.tableName must be a JSON string, not a JSON number"},
		{"null", "null", "tables.items must list at least one table"},
		{"no tables", `{}`, "tables.items must list at least one table"},
		{"no items", `{"tables":{}}`, "tables.items must list at least one table"},
		{"empty items", `{"tables":{"items":[]}}`, "tables.items must list at least one table"},
		{"no tableName", `{"tables":{"items":[{"tableName":"A"},{}]}}`, "tables.items[1].tableName is missing or empty"},
		{"empty tableName", `{"tables":{"items":[{"tableName":""}]}}`, "tables.items[0].tableName is missing or empty"},
		{"blank tableName", `{"tables":{"items":[{"tableName":"  "}]}}`, "tables.items[0].tableName is missing or empty"},
		{"repeated table", `{"tables":{"items":[{"tableName":"A"},{"tableName":"A"}]}}`, `tables.items[1].tableName "A" repeats tables.items[0]`},
		{"trailing garbage", twoTables + "xyz", "request body has more after the JSON object"},
		{"two objects", twoTables + twoTables, "request body has more after the JSON object"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv, ts, _ := newHTTPServer(t, Options{})
			doc := errorDoc(t, call(t, ts, http.MethodPost, createPath, tt.body), http.StatusBadRequest)
			require.Contains(t, doc.Detail, tt.detail)
			require.Empty(t, srv.store.exports, "a refused create was stored")
		})
	}
}

func TestCreateRejectsOversizedBody(t *testing.T) {
	const limit = 100
	small := `{"tables":{"items":[{"tableName":"SHIPMENT"}]}}`
	require.Less(t, len(small), limit)
	big := `{"tables":{"items":[{"tableName":"` + strings.Repeat("X", limit) + `"}]}}`

	_, ts, _ := newHTTPServer(t, Options{MaxBodyBytes: limit})
	require.Equal(t, http.StatusAccepted, call(t, ts, http.MethodPost, createPath, small).status)
	doc := errorDoc(t, call(t, ts, http.MethodPost, createPath, big), http.StatusBadRequest)
	require.Equal(t, "request body is larger than 100 bytes", doc.Detail)

	// The default cap is 1 MiB.
	_, ts, _ = newHTTPServer(t, Options{})
	huge := `{"tables":{"items":[{"tableName":"` + strings.Repeat("X", 1<<20) + `"}]}}`
	doc = errorDoc(t, call(t, ts, http.MethodPost, createPath, huge), http.StatusBadRequest)
	require.Equal(t, "request body is larger than 1048576 bytes", doc.Detail)
}

// TestOddIDsAreUnknown: any id text that names no request is a 404 with an error document.
func TestOddIDsAreUnknown(t *testing.T) {
	ids := []string{
		"abc", "-1", "1e9", "0", "01000", "1000.0", "99999999999999999999999999",
		strings.Repeat("7", 500), "%00", "%ff%fe", "a%2Fb", "%20", "%25", "..%2F..", "1000%0A",
		"%7B%7D", "null", "%E2%80%A6",
	}
	srv, ts, _ := newHTTPServer(t, Options{})
	_, err := srv.Put(Seed{ID: "1000", Progress: processing})
	require.NoError(t, err)
	for _, id := range ids {
		for _, tc := range []struct{ method, path string }{
			{http.MethodGet, statusURL(id)},
			{http.MethodPost, cancelURL(id)},
		} {
			name := tc.method + " " + id
			if len(name) > 40 {
				name = name[:40]
			}
			t.Run(name, func(t *testing.T) {
				doc := errorDoc(t, call(t, ts, tc.method, tc.path, ""), http.StatusNotFound)
				require.Contains(t, doc.Detail, "does not exist")
				require.Less(t, len(doc.Detail), 120, "the detail echoes the whole id")
			})
		}
	}
	require.Equal(t, processing, mustStatus(t, srv.store, "1000").Progress, "an odd id touched request 1000")
}

func TestCancelOverHTTP(t *testing.T) {
	_, ts, clock := newHTTPServer(t, Options{})
	created := statusDoc(t, call(t, ts, http.MethodPost, createPath, twoTables))
	id := string(created.RequestID())

	r := call(t, ts, http.MethodPost, cancelURL(id), "")
	require.Equal(t, http.StatusOK, r.status)
	require.Empty(t, r.body, "the cancel answers no body")
	require.Equal(t, "0", r.header.Get("Content-Length"))
	doc := statusDoc(t, call(t, ts, http.MethodGet, statusURL(id), ""))
	require.Equal(t, cancelling, doc.Progress)

	r = call(t, ts, http.MethodPost, cancelURL(id), "")
	require.Equal(t, http.StatusOK, r.status, "a request still cancelling has not completed: body %s", r.body)
	require.Empty(t, r.body)

	clock.Advance(DefaultCancelDelay)
	doc = statusDoc(t, call(t, ts, http.MethodGet, statusURL(id), ""))
	require.Equal(t, cancelled, doc.Progress)
	require.True(t, doc.Completed)

	e := errorDoc(t, call(t, ts, http.MethodPost, cancelURL(id), ""), http.StatusBadRequest)
	require.Contains(t, e.Detail, "invalid state for a cancellation request")
	require.Contains(t, e.Detail, id)

	errorDoc(t, call(t, ts, http.MethodPost, cancelURL("4242"), ""), http.StatusNotFound)
}

func TestCancelIgnoresABody(t *testing.T) {
	_, ts, _ := newHTTPServer(t, Options{})
	created := statusDoc(t, call(t, ts, http.MethodPost, createPath, twoTables))
	r := call(t, ts, http.MethodPost, cancelURL(string(created.RequestID())), `{"why":"wrong filter"}`)
	require.Equal(t, http.StatusOK, r.status, "body: %s", r.body)
}

func TestCredentials(t *testing.T) {
	basic := func(u, p string) func(*http.Request) {
		return func(r *http.Request) { r.SetBasicAuth(u, p) }
	}
	tests := []struct {
		name string
		opts Options
		auth func(*http.Request)
		ok   bool
	}{
		{"default credentials", Options{}, basic("conform", "conform"), true},
		{"none", Options{}, nil, false},
		{"wrong password", Options{}, basic("conform", "wrong"), false},
		{"wrong user", Options{}, basic("admin", "conform"), false},
		{"password prefix", Options{}, basic("conform", "conf"), false},
		{"empty", Options{}, basic("", ""), false},
		{"bearer token", Options{}, func(r *http.Request) { r.Header.Set("Authorization", "Bearer conform") }, false},
		{"garbled basic", Options{}, func(r *http.Request) { r.Header.Set("Authorization", "Basic !!!") }, false},
		{"configured credentials", Options{Username: "svc", Password: "s3cret"}, basic("svc", "s3cret"), true},
		{"defaults once configured", Options{Username: "svc", Password: "s3cret"}, basic("conform", "conform"), false},
		{"configured empty password", Options{Username: "svc"}, basic("svc", ""), true},
	}
	calls := []struct{ method, path, body string }{
		{http.MethodPost, createPath, twoTables},
		{http.MethodGet, statusURL("1000"), ""},
		{http.MethodPost, cancelURL("1000"), ""},
		{http.MethodGet, "/nowhere", ""},
	}
	for _, tt := range tests {
		for _, c := range calls {
			t.Run(tt.name+"/"+c.method+" "+c.path, func(t *testing.T) {
				_, ts, _ := newHTTPServer(t, tt.opts)
				r := callAs(t, ts, c.method, c.path, c.body, tt.auth)
				if tt.ok {
					require.NotEqual(t, http.StatusUnauthorized, r.status, "body: %s", r.body)
					require.Empty(t, r.header.Get("WWW-Authenticate"))
					return
				}
				errorDoc(t, r, http.StatusUnauthorized)
				require.Equal(t, `Basic realm="logisticsRestApi"`, r.header.Get("WWW-Authenticate"))
			})
		}
	}
}

func TestWrongMethodIs405WithAllow(t *testing.T) {
	tests := []struct {
		method, path, allow string
	}{
		{http.MethodGet, createPath, "POST"},
		{http.MethodPut, createPath, "POST"},
		{http.MethodDelete, statusURL("1000"), "GET, HEAD"},
		{http.MethodPost, statusURL("1000"), "GET, HEAD"},
		{http.MethodGet, cancelURL("1000"), "POST"},
		{http.MethodDelete, cancelURL("abc"), "POST"},
	}
	for _, tt := range tests {
		t.Run(tt.method+" "+tt.path, func(t *testing.T) {
			_, ts, _ := newHTTPServer(t, Options{})
			r := call(t, ts, tt.method, tt.path, "")
			doc := errorDoc(t, r, http.StatusMethodNotAllowed)
			require.Equal(t, tt.allow, r.header.Get("Allow"))
			require.Contains(t, doc.Detail, tt.method)
		})
	}
}

func TestUnknownPathIs404(t *testing.T) {
	paths := []string{
		"/", "/nowhere", export.Root, export.Root + "/", export.Root + "/exportStatuses", export.Root + "/exportStatuses/",
		export.Root + "/exportStatuses/1000/items", export.Root + "/custom-actions/cancel/exportRequests",
		export.Root + "/custom-actions/delete/exportRequests/1000", "/logisticsRestApi/data/v2/exportRequests",
		export.Root + "//exportStatuses/1000", export.Root + "/exportStatuses/..", export.Root + "/exportStatuses/.",
		export.Root + "/custom-actions/cancel/exportRequests/../../../exportStatuses/1000",
	}
	for _, p := range paths {
		t.Run(p, func(t *testing.T) {
			_, ts, _ := newHTTPServer(t, Options{})
			doc := errorDoc(t, call(t, ts, http.MethodGet, p, ""), http.StatusNotFound)
			require.Contains(t, doc.Detail, "no such path")
		})
	}
}

// TestUnknownErrorsAre500AndLogged: an error without a known code tells the client nothing
// and the log everything.
func TestUnknownErrorsAre500AndLogged(t *testing.T) {
	tests := []struct {
		name string
		err  error
	}{
		{"plain error", errors.New("disk on fire at /var/secret")},
		{"unknown code", &Error{Code: "weird", Message: "disk on fire at /var/secret"}},
		{"illegal transition", (&task{id: "1", progress: succeeded}).move(cancelling)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var logs bytes.Buffer
			srv := New(Options{Logger: slog.New(slog.NewTextHandler(&logs, nil))})
			rec := httptest.NewRecorder()
			req := httptest.NewRequest(http.MethodGet, statusURL("1"), nil)
			srv.writeError(rec, req, tt.err)

			r := reply{status: rec.Code, header: rec.Header(), body: rec.Body.Bytes()}
			doc := errorDoc(t, r, http.StatusInternalServerError)
			require.Equal(t, internalDetail, doc.Detail)
			require.NotContains(t, string(r.body), "fire")
			require.Contains(t, logs.String(), "level=ERROR")
			require.Contains(t, logs.String(), tt.err.Error())
		})
	}
}

func TestRequestsAreLoggedAtDebug(t *testing.T) {
	var logs bytes.Buffer
	logger := slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	_, ts, _ := newHTTPServer(t, Options{Logger: logger, Password: "hunter2", Username: "svc"})
	callAs(t, ts, http.MethodPost, createPath, twoTables, func(r *http.Request) { r.SetBasicAuth("svc", "hunter2") })
	callAs(t, ts, http.MethodGet, statusURL("1000"), "", nil)

	lines := strings.Split(strings.TrimSpace(logs.String()), "\n")
	require.Len(t, lines, 2, "logs: %s", logs.String())
	require.Contains(t, lines[0], "level=DEBUG")
	require.Contains(t, lines[0], "method=POST path="+createPath+" status=202")
	require.Contains(t, lines[1], "method=GET path="+statusURL("1000")+" status=401")
	require.NotContains(t, logs.String(), "hunter2")
}

func TestJSONAnswersSetContentTypeAndLength(t *testing.T) {
	_, ts, _ := newHTTPServer(t, Options{})
	for _, r := range []reply{
		call(t, ts, http.MethodPost, createPath, twoTables),
		call(t, ts, http.MethodGet, statusURL("1000"), ""),
		call(t, ts, http.MethodGet, statusURL("1"), ""),
		call(t, ts, http.MethodGet, createPath, ""),
	} {
		require.Equal(t, "application/json; charset=utf-8", r.header.Get("Content-Type"), "status %d", r.status)
		require.Equal(t, strconv.Itoa(len(r.body)), r.header.Get("Content-Length"))
	}
}

func TestNewDefaults(t *testing.T) {
	srv := New(Options{})
	require.Equal(t, DefaultMaxBodyBytes, srv.maxBodyBytes)
	require.Equal(t, DefaultTableDuration, srv.store.sched.tableDuration)
	require.Equal(t, DefaultCancelDelay, srv.store.sched.cancelDelay)
	require.Zero(t, srv.store.sched.startDelay)
	_, real := srv.store.clock.(realClock)
	require.True(t, real, "the default clock is the real one")

	srv = New(Options{TableDuration: -time.Second, CancelDelay: -time.Second, StartDelay: -time.Second, MaxBodyBytes: -1})
	require.Equal(t, DefaultTableDuration, srv.store.sched.tableDuration)
	require.Equal(t, DefaultCancelDelay, srv.store.sched.cancelDelay)
	require.Zero(t, srv.store.sched.startDelay)
	require.Equal(t, DefaultMaxBodyBytes, srv.maxBodyBytes)
}

func TestStatusMethod(t *testing.T) {
	srv, ts, _ := newHTTPServer(t, Options{})
	_, ok := srv.Status("1000")
	require.False(t, ok)
	created := statusDoc(t, call(t, ts, http.MethodPost, createPath, twoTables))
	doc, ok := srv.Status(string(created.RequestID()))
	require.True(t, ok)
	require.Equal(t, created, doc)
	require.Equal(t, doc, statusDoc(t, call(t, ts, http.MethodGet, statusURL("1000"), "")))
}

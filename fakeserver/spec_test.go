package fakeserver

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/conform-harness/conform/export"
	"github.com/conform-harness/conform/openapi"
)

// specClient sends requests to the fake and checks every exchange against the embedded spec.
type specClient struct {
	ts *httptest.Server
	v  *openapi.Validator
}

func newSpecClient(tb testing.TB, opts Options) (*specClient, *Server, *ManualClock) {
	tb.Helper()
	v, err := openapi.NewValidator()
	require.NoError(tb, err)
	srv, ts, clock := newHTTPServer(tb, opts)
	return &specClient{ts: ts, v: v}, srv, clock
}

// exchange sends one request and returns the exchange with its violations. Credentials are
// sent unless anonymous.
func (c *specClient) exchange(tb testing.TB, method, path, body string, anonymous bool) (openapi.Response, []openapi.Violation) {
	tb.Helper()
	req, err := http.NewRequest(method, c.ts.URL+path, strings.NewReader(body))
	require.NoError(tb, err)
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	if method == http.MethodPost && strings.HasSuffix(path, "/exportRequests") {
		req.Header.Set("Prefer", "respond-async")
	}
	if !anonymous {
		req.SetBasicAuth(DefaultUsername, DefaultPassword)
	}
	resp, err := c.ts.Client().Do(req)
	require.NoError(tb, err)
	defer resp.Body.Close()
	got, err := io.ReadAll(resp.Body)
	require.NoError(tb, err)
	ex := openapi.Response{Status: resp.StatusCode, Header: resp.Header, Body: got}
	return ex, c.v.Validate(req, []byte(body), ex).Violations
}

// conforms sends one request, requires the status and no violation at all, and returns the body.
func (c *specClient) conforms(tb testing.TB, method, path, body string, status int) []byte {
	tb.Helper()
	ex, violations := c.exchange(tb, method, path, body, false)
	require.Equal(tb, status, ex.Status, "body: %s", ex.Body)
	require.Empty(tb, violations, "body: %s", ex.Body)
	return ex.Body
}

// statusConforms checks GET of id against the spec and returns its progress.
func (c *specClient) statusConforms(tb testing.TB, id string) export.Progress {
	tb.Helper()
	var doc export.Status
	require.NoError(tb, json.Unmarshal(c.conforms(tb, http.MethodGet, statusURL(id), "", http.StatusOK), &doc))
	return doc.Progress
}

// TestSpecCreatedRequestLifecycle drives created requests through every state and answer.
func TestSpecCreatedRequestLifecycle(t *testing.T) {
	c, _, clock := newSpecClient(t, Options{StartDelay: time.Second, FailTables: []string{"BROKEN"}})

	created := c.conforms(t, http.MethodPost, createPath, twoTables, http.StatusAccepted)
	var doc export.Status
	require.NoError(t, json.Unmarshal(created, &doc))
	require.Equal(t, pending, doc.Progress)
	ok := string(doc.RequestID())

	failing := c.conforms(t, http.MethodPost, createPath, `{"tables":{"items":[{"tableName":"BROKEN"}]}}`, http.StatusAccepted)
	require.NoError(t, json.Unmarshal(failing, &doc))
	bad := string(doc.RequestID())

	toCancel := c.conforms(t, http.MethodPost, createPath, twoTables, http.StatusAccepted)
	require.NoError(t, json.Unmarshal(toCancel, &doc))
	cancelMe := string(doc.RequestID())

	require.Equal(t, pending, c.statusConforms(t, ok))
	clock.Advance(time.Second)
	require.Equal(t, processing, c.statusConforms(t, ok))
	clock.Advance(2 * time.Second)
	require.Equal(t, processing, c.statusConforms(t, ok), "between tables")

	require.Empty(t, c.conforms(t, http.MethodPost, cancelURL(cancelMe), "", http.StatusOK))
	require.Equal(t, cancelling, c.statusConforms(t, cancelMe))
	require.Empty(t, c.conforms(t, http.MethodPost, cancelURL(cancelMe), "", http.StatusOK), "second cancel")

	clock.Advance(time.Hour)
	require.Equal(t, succeeded, c.statusConforms(t, ok))
	require.Equal(t, failed, c.statusConforms(t, bad))
	require.Equal(t, cancelled, c.statusConforms(t, cancelMe))
	for _, id := range []string{ok, bad, cancelMe} {
		c.conforms(t, http.MethodPost, cancelURL(id), "", http.StatusBadRequest)
	}
}

// TestSpecSeededStates checks the document of every seedable state, numeric and text ids.
func TestSpecSeededStates(t *testing.T) {
	c, srv, clock := newSpecClient(t, Options{})
	var ids []string
	for _, p := range []export.Progress{pending, processing, cancelling, succeeded, failed, cancelled} {
		for _, id := range []string{"", "export-" + string(p)} {
			got, err := srv.Put(Seed{ID: id, Progress: p})
			require.NoError(t, err)
			ids = append(ids, string(got))
			require.Equal(t, p, c.statusConforms(t, string(got)))
		}
	}
	got, err := srv.Put(Seed{Progress: processing, Tables: []TableSeed{
		{Name: "A", Progress: failed}, {Name: "B", Progress: processing}, {Name: "C", Progress: pending},
	}})
	require.NoError(t, err)
	require.Equal(t, processing, c.statusConforms(t, string(got)))
	require.Empty(t, c.conforms(t, http.MethodPost, cancelURL(string(got)), "", http.StatusOK))
	clock.Advance(time.Hour)
	require.Equal(t, cancelled, c.statusConforms(t, string(got)))
	for _, id := range ids {
		c.statusConforms(t, id)
	}
}

func TestSpecErrorAnswers(t *testing.T) {
	c, _, _ := newSpecClient(t, Options{MaxBodyBytes: 200})
	t.Run("404", func(t *testing.T) {
		for _, id := range []string{"1000", "abc", "-1", "1e9", strings.Repeat("9", 500), "%00", "a%2Fb"} {
			c.conforms(t, http.MethodGet, statusURL(id), "", http.StatusNotFound)
			c.conforms(t, http.MethodPost, cancelURL(id), "", http.StatusNotFound)
		}
	})
	t.Run("401", func(t *testing.T) {
		for _, call := range []struct{ method, path, body string }{
			{http.MethodPost, createPath, twoTables},
			{http.MethodGet, statusURL("1000"), ""},
			{http.MethodPost, cancelURL("1000"), ""},
		} {
			ex, violations := c.exchange(t, call.method, call.path, call.body, true)
			require.Equal(t, http.StatusUnauthorized, ex.Status)
			require.Empty(t, violations, "body: %s", ex.Body)
		}
	})
	t.Run("400 malformed create", func(t *testing.T) {
		// The requests break the spec on purpose; the answers must still conform.
		for _, body := range []string{
			"", "not json", `[]`, `{}`, `{"tables":{"items":[]}}`, `{"tables":{"items":[{"tableName":""}]}}`,
			`{"tables":{"items":[{"tableName":7}]}}`, twoTables + "xyz",
			`{"tables":{"items":[{"tableName":"A"},{"tableName":"A"}]}}`,
			`{"tables":{"items":[{"tableName":"` + strings.Repeat("X", 300) + `"}]}}`,
		} {
			ex, violations := c.exchange(t, http.MethodPost, createPath, body, false)
			require.Equal(t, http.StatusBadRequest, ex.Status, "body %q answered %s", body, ex.Body)
			for _, v := range violations {
				require.Equal(t, "request", v.Where, "body %q: %s", body, v)
			}
		}
	})
}

// TestSpecCatchesADefect makes sure the check above can fail: a document the fake never
// writes, with a progress the spec does not know, is flagged.
func TestSpecCatchesADefect(t *testing.T) {
	c, _, _ := newSpecClient(t, Options{})
	ex, violations := c.exchange(t, http.MethodPost, createPath, twoTables, false)
	require.Empty(t, violations)
	req := httptest.NewRequest(http.MethodPost, createPath, nil)
	req.Header.Set("Content-Type", "application/json")
	require.Empty(t, c.v.Validate(req, []byte(twoTables), ex).Violations)
	ex.Body = bytes.Replace(ex.Body, []byte(`"progress":"processing"`), []byte(`"progress":"running"`), 1)
	require.NotEmpty(t, c.v.Validate(req, []byte(twoTables), ex).Violations)
}

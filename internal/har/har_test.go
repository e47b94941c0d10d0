package har

import (
	"bytes"
	"encoding/json"
	"errors"
	"io/fs"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

var testCreator = Creator{Name: "conform", Version: "0.9.0"}

// written returns entries as Write writes them to a buffer.
func written(tb testing.TB, entries []Entry, redact func([]byte) []byte) []byte {
	tb.Helper()
	var buf bytes.Buffer
	require.NoError(tb, Write(&buf, testCreator, entries, redact))
	return buf.Bytes()
}

// readBack reads a document written by written.
func readBack(tb testing.TB, doc []byte) []Entry {
	tb.Helper()
	entries, err := Read(bytes.NewReader(doc), "written.har")
	require.NoError(tb, err, "reading back:\n%s", doc)
	return entries
}

// requireSameEntries compares entries, their times as instants (a time read back carries the
// zone of its offset, not the *time.Location it was written from).
func requireSameEntries(tb testing.TB, want, got []Entry) {
	tb.Helper()
	require.Len(tb, got, len(want))
	for i := range want {
		w, g := want[i], got[i]
		require.True(tb, w.Started.Equal(g.Started), "entry %d: started %v, want %v", i, g.Started, w.Started)
		w.Started, g.Started = time.Time{}, time.Time{}
		require.Equal(tb, w, g, "entry %d", i)
	}
}

var (
	paris   = time.FixedZone("CET", 60*60)
	started = time.Date(2026, 12, 1, 10, 0, 0, 123_456_789, paris)
	binary  = []byte{0x89, 'P', 'N', 'G', 0x00, 0xff, 0xfe}
)

func TestWriteThenReadGivesTheEntriesBack(t *testing.T) {
	tests := []struct {
		name string
		in   Entry
		want Entry // as read back
	}{
		{
			name: "a JSON post with credentials and repeated headers",
			in: Entry{
				Started:     started,
				Duration:    1234567891 * time.Nanosecond,
				Method:      http.MethodPost,
				URL:         "https://api.example.com/exports?format=csv&format=json",
				HTTPVersion: "HTTP/2.0",
				ReqHeader: http.Header{
					"Authorization": {"Basic dXNlcjpwYXNz"},
					"Content-Type":  {"application/json"},
					"X-Trace":       {"one", "two"},
				},
				ReqBody:      []byte(`{"items":["a","b"]}`),
				ReqMimeType:  "application/json",
				Status:       http.StatusAccepted,
				StatusText:   "Accepted",
				RespHeader:   http.Header{"Content-Type": {"application/json"}, "Location": {"/exports/7"}},
				RespBody:     []byte(`{"id":"7","note":"<a & b>"}`),
				RespMimeType: "application/json",
			},
			want: Entry{
				Started:     started.Truncate(time.Millisecond),
				Duration:    1234567 * time.Microsecond,
				Method:      http.MethodPost,
				URL:         "https://api.example.com/exports?format=csv&format=json",
				HTTPVersion: "HTTP/2.0",
				ReqHeader: http.Header{
					"Authorization": {"[REDACTED]"},
					"Content-Type":  {"application/json"},
					"X-Trace":       {"one", "two"},
				},
				ReqBody:      []byte(`{"items":["a","b"]}`),
				ReqMimeType:  "application/json",
				Status:       http.StatusAccepted,
				StatusText:   "Accepted",
				RespHeader:   http.Header{"Content-Type": {"application/json"}, "Location": {"/exports/7"}},
				RespBody:     []byte(`{"id":"7","note":"<a & b>"}`),
				RespMimeType: "application/json",
			},
		},
		{
			name: "a body malformed on purpose",
			in: Entry{
				Started: started, Method: http.MethodPost, URL: "https://api.example.com/exports", HTTPVersion: "HTTP/1.1",
				ReqHeader: http.Header{"Content-Type": {"application/json"}}, ReqBody: []byte(`{"items": [`), ReqMimeType: "application/json",
				Status: http.StatusBadRequest, StatusText: "Bad Request", RespHeader: http.Header{}, RespBody: []byte{},
				MalformedOnPurpose: true,
			},
			want: Entry{
				Started: started.Truncate(time.Millisecond), Method: http.MethodPost, URL: "https://api.example.com/exports", HTTPVersion: "HTTP/1.1",
				ReqHeader: http.Header{"Content-Type": {"application/json"}}, ReqBody: []byte(`{"items": [`), ReqMimeType: "application/json",
				Status: http.StatusBadRequest, StatusText: "Bad Request", RespHeader: http.Header{}, RespBody: []byte{},
				MalformedOnPurpose: true,
			},
		},
		{
			name: "binary bodies both ways",
			in: Entry{
				Started:      started,
				Duration:     3 * time.Millisecond,
				Method:       http.MethodPut,
				URL:          "http://localhost:8080/parts/1",
				HTTPVersion:  "HTTP/1.1",
				ReqHeader:    http.Header{"Content-Type": {"application/octet-stream"}},
				ReqBody:      binary,
				ReqMimeType:  "application/octet-stream",
				Status:       http.StatusOK,
				StatusText:   "OK",
				RespHeader:   http.Header{"Content-Type": {"image/png"}},
				RespBody:     binary[1:],
				RespMimeType: "image/png",
			},
			want: Entry{
				Started:      started.Truncate(time.Millisecond),
				Duration:     3 * time.Millisecond,
				Method:       http.MethodPut,
				URL:          "http://localhost:8080/parts/1",
				HTTPVersion:  "HTTP/1.1",
				ReqHeader:    http.Header{"Content-Type": {"application/octet-stream"}},
				ReqBody:      binary,
				ReqMimeType:  "application/octet-stream",
				Status:       http.StatusOK,
				StatusText:   "OK",
				RespHeader:   http.Header{"Content-Type": {"image/png"}},
				RespBody:     binary[1:],
				RespMimeType: "image/png",
			},
		},
		{
			name: "an empty answer stays empty, and an empty request body is none",
			in: Entry{
				Started:     started.UTC(),
				Method:      http.MethodDelete,
				URL:         "https://api.example.com/exports/7",
				HTTPVersion: "HTTP/1.1",
				ReqHeader:   http.Header{},
				ReqBody:     []byte{},
				Status:      http.StatusNoContent,
				StatusText:  "No Content",
				RespHeader:  http.Header{},
				RespBody:    []byte{},
			},
			want: Entry{
				Started:     started.UTC().Truncate(time.Millisecond),
				Method:      http.MethodDelete,
				URL:         "https://api.example.com/exports/7",
				HTTPVersion: "HTTP/1.1",
				ReqHeader:   http.Header{},
				Status:      http.StatusNoContent,
				StatusText:  "No Content",
				RespHeader:  http.Header{},
				RespBody:    []byte{},
			},
		},
		{
			name: "no answer",
			in: Entry{
				Started:     started,
				Duration:    30 * time.Second,
				Method:      http.MethodGet,
				URL:         "https://api.example.com/exports/7",
				HTTPVersion: "HTTP/1.1",
				ReqHeader:   http.Header{"Accept": {"application/json"}},
				Err:         "dial tcp 192.0.2.1:443: i/o timeout",
			},
			want: Entry{
				Started:     started.Truncate(time.Millisecond),
				Duration:    30 * time.Second,
				Method:      http.MethodGet,
				URL:         "https://api.example.com/exports/7",
				HTTPVersion: "HTTP/1.1",
				ReqHeader:   http.Header{"Accept": {"application/json"}},
				RespHeader:  http.Header{},
				Err:         "dial tcp 192.0.2.1:443: i/o timeout",
			},
		},
	}
	var in, want []Entry
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := readBack(t, written(t, []Entry{tt.in}, nil))
			requireSameEntries(t, []Entry{tt.want}, got)
		})
		in, want = append(in, tt.in), append(want, tt.want)
	}
	t.Run("all together, in their order", func(t *testing.T) {
		requireSameEntries(t, want, readBack(t, written(t, in, nil)))
	})
}

func TestWriteFillsTheDefaults(t *testing.T) {
	doc := written(t, []Entry{{
		Started:    started,
		Duration:   1500 * time.Microsecond,
		Method:     http.MethodPost,
		URL:        "https://api.example.com/exports?b=2&a=1&a=x%20y&flag",
		ReqHeader:  http.Header{"Content-Type": {"application/json"}},
		ReqBody:    []byte(`{}`),
		Status:     http.StatusSeeOther,
		RespHeader: http.Header{"Content-Type": {"text/plain"}, "Location": {"/exports/7"}},
		RespBody:   []byte("see other"),
	}}, nil)

	var got struct {
		Log struct {
			Version string
			Creator map[string]string
			Entries []struct {
				StartedDateTime string
				Time            float64
				Timings         map[string]float64
				Request         struct {
					HTTPVersion string
					Cookies     []any
					QueryString []map[string]string
					PostData    map[string]string
				}
				Response struct {
					StatusText  string
					HTTPVersion string
					Cookies     []any
					RedirectURL string
					Content     map[string]any
				}
			}
		}
	}
	require.NoError(t, json.Unmarshal(doc, &got))
	assert.Equal(t, "1.2", got.Log.Version)
	assert.Equal(t, map[string]string{"name": "conform", "version": "0.9.0"}, got.Log.Creator)
	require.Len(t, got.Log.Entries, 1)
	e := got.Log.Entries[0]
	assert.Equal(t, "2026-12-01T10:00:00.123+01:00", e.StartedDateTime)
	assert.Equal(t, 1.5, e.Time)
	assert.Equal(t, map[string]float64{"send": 0, "wait": 1.5, "receive": 0}, e.Timings)
	assert.Equal(t, "HTTP/1.1", e.Request.HTTPVersion)
	assert.Equal(t, "HTTP/1.1", e.Response.HTTPVersion)
	assert.Equal(t, []any{}, e.Request.Cookies)
	assert.Equal(t, []any{}, e.Response.Cookies)
	assert.Equal(t, []map[string]string{
		{"name": "b", "value": "2"},
		{"name": "a", "value": "1"},
		{"name": "a", "value": "x y"},
		{"name": "flag", "value": ""},
	}, e.Request.QueryString)
	assert.Equal(t, map[string]string{"mimeType": "application/json", "text": "{}"}, e.Request.PostData)
	assert.Equal(t, "See Other", e.Response.StatusText)
	assert.Equal(t, "/exports/7", e.Response.RedirectURL)
	assert.Equal(t, map[string]any{"size": 9.0, "mimeType": "text/plain", "text": "see other"}, e.Response.Content)
}

// requireKeys checks that the object at path in doc has every key of keys.
func requireKeys(tb testing.TB, obj any, path string, keys ...string) map[string]any {
	tb.Helper()
	m, ok := obj.(map[string]any)
	require.True(tb, ok, "%s is a %T, not an object", path, obj)
	for _, k := range keys {
		require.Contains(tb, m, k, "%s has no %q", path, k)
	}
	return m
}

func TestWriteHasEveryRequiredFieldOfHAR12(t *testing.T) {
	doc := written(t, []Entry{
		{Started: started, Method: http.MethodPost, URL: "https://api.example.com/x?q=1", ReqBody: []byte("a"),
			Status: http.StatusOK, RespBody: []byte("b")},
		{Started: started, Method: http.MethodGet, URL: "https://api.example.com/y", Err: "connection refused"},
	}, nil)
	var top any
	require.NoError(t, json.Unmarshal(doc, &top))
	log := requireKeys(t, requireKeys(t, top, "the document", "log")["log"], "log", "version", "creator", "entries")
	requireKeys(t, log["creator"], "log.creator", "name", "version")
	entries, ok := log["entries"].([]any)
	require.True(t, ok)
	require.Len(t, entries, 2)
	for i, raw := range entries {
		e := requireKeys(t, raw, "entry", "startedDateTime", "time", "request", "response", "cache", "timings")
		requireKeys(t, e["cache"], "cache")
		requireKeys(t, e["timings"], "timings", "send", "wait", "receive")
		req := requireKeys(t, e["request"], "request", "method", "url", "httpVersion", "cookies", "headers",
			"queryString", "headersSize", "bodySize")
		resp := requireKeys(t, e["response"], "response", "status", "statusText", "httpVersion", "cookies",
			"headers", "content", "redirectURL", "headersSize", "bodySize")
		requireKeys(t, resp["content"], "content", "size", "mimeType")
		if i == 0 {
			requireKeys(t, req["postData"], "postData", "mimeType", "text")
			for _, pair := range req["queryString"].([]any) {
				requireKeys(t, pair, "queryString[]", "name", "value")
			}
		} else {
			assert.NotContains(t, req, "postData", "a request without a body has no postData")
			assert.Equal(t, 0.0, resp["status"])
			assert.Equal(t, "", resp["statusText"])
			assert.Equal(t, "connection refused", e["_error"])
			assert.Equal(t, "connection refused", e["comment"])
		}
	}
}

func TestWriteRedactsCredentials(t *testing.T) {
	const (
		basic     = "dXNlcjpwYXNz"
		cookie    = "session=s3ss10n"
		apiKey    = "k3y-0f-th3-api"
		token     = "t0k3n-in-a-header"
		bodyToken = "eyJhbGciOiJIUzI1NiJ9.c2VjcmV0"
		urlSecret = "hunter2-in-the-url"
	)
	e := Entry{
		Started: started,
		Method:  http.MethodPost,
		URL:     "https://api.example.com/token?client_secret=" + urlSecret,
		ReqHeader: http.Header{
			"Authorization":       {"Basic " + basic},
			"Proxy-Authorization": {"Basic " + basic},
			"Cookie":              {cookie},
			"X-Api-Key":           {apiKey},
			"X-Auth-Token":        {token},
			"Accept":              {"application/json"},
		},
		ReqBody:    []byte("grant_type=client_credentials"),
		Status:     http.StatusOK,
		RespHeader: http.Header{"Set-Cookie": {cookie + "; HttpOnly"}, "Content-Type": {"application/json"}},
		RespBody:   []byte(`{"access_token":"` + bodyToken + `"}`),
	}
	scrub := func(b []byte) []byte {
		for _, s := range []string{bodyToken, urlSecret} {
			b = bytes.ReplaceAll(b, []byte(s), []byte("[REDACTED]"))
		}
		return b
	}
	doc := written(t, []Entry{e}, scrub)
	for _, secret := range []string{basic, cookie, "s3ss10n", apiKey, token, bodyToken, urlSecret} {
		assert.NotContains(t, string(doc), secret)
	}

	back := readBack(t, doc)
	require.Len(t, back, 1)
	got := back[0]
	for _, name := range []string{"Authorization", "Proxy-Authorization", "Cookie", "X-Api-Key", "X-Auth-Token"} {
		assert.Equal(t, []string{"[REDACTED]"}, got.ReqHeader[name], name)
	}
	assert.Equal(t, []string{"[REDACTED]"}, got.RespHeader["Set-Cookie"])
	assert.Equal(t, []string{"application/json"}, got.ReqHeader["Accept"], "other headers are kept")
	assert.Equal(t, `{"access_token":"[REDACTED]"}`, string(got.RespBody))
	assert.Equal(t, "https://api.example.com/token?client_secret=[REDACTED]", got.URL)

	t.Run("without the scrubber, a URL's userinfo and credential parameters are still redacted", func(t *testing.T) {
		e := e
		e.URL = "https://alice:" + urlSecret + "@api.example.com/x?page=2&access_token=" + token + "&sig=" + apiKey
		doc := written(t, []Entry{e}, nil)
		for _, secret := range []string{urlSecret, token, apiKey} {
			assert.NotContains(t, string(doc), secret)
		}
		back := readBack(t, doc)
		require.Len(t, back, 1)
		assert.Equal(t, "https://%5BREDACTED%5D@api.example.com/x?page=2&access_token=[REDACTED]&sig=[REDACTED]", back[0].URL)
	})

	t.Run("without the scrubber, headers are still redacted", func(t *testing.T) {
		doc := written(t, []Entry{e}, nil)
		assert.NotContains(t, string(doc), basic)
		assert.NotContains(t, string(doc), apiKey)
		assert.Contains(t, string(doc), bodyToken, "only the scrubber knows the body's secrets")
	})
}

func TestCredentialHeader(t *testing.T) {
	for name, want := range map[string]bool{
		"Authorization":        true,
		"proxy-authorization":  true,
		"Cookie":               true,
		"Set-Cookie":           true,
		"X-Api-Key":            true,
		"X-Goog-Apikey":        true,
		"X-Auth-Token":         true,
		"X-Amz-Security-Token": true,
		"Client-Secret":        true,
		"Content-Type":         false,
		"X-Request-Id":         false,
		"Www-Authenticate":     false,
		"Cookie-Policy":        false,
	} {
		assert.Equal(t, want, credentialHeader(name), name)
	}
}

func TestWriteIsIndentedAndDeterministic(t *testing.T) {
	entries := []Entry{
		{Started: started, Method: http.MethodGet, URL: "https://api.example.com/a", Status: http.StatusOK,
			RespHeader: http.Header{"Zeta": {"z"}, "Alpha": {"a"}, "Mid": {"m1", "m2"}}, RespBody: []byte("{}")},
		{Started: started, Method: http.MethodGet, URL: "https://api.example.com/b", Err: "refused"},
	}
	doc := written(t, entries, nil)

	var compact, indented bytes.Buffer
	require.NoError(t, json.Compact(&compact, doc))
	require.NoError(t, json.Indent(&indented, compact.Bytes(), "", "  "))
	assert.Equal(t, indented.String()+"\n", string(doc), "the document is indented as a whole, two spaces a level")

	assert.Equal(t, string(doc), string(written(t, entries, nil)), "the same entries give the same bytes")

	var got struct {
		Log struct {
			Entries []struct {
				Response struct{ Headers []pairOut }
			}
		}
	}
	require.NoError(t, json.Unmarshal(doc, &got))
	assert.Equal(t, []pairOut{{"Alpha", "a"}, {"Mid", "m1"}, {"Mid", "m2"}, {"Zeta", "z"}},
		got.Log.Entries[0].Response.Headers, "headers in the order of their names")

	t.Run("no entries", func(t *testing.T) {
		doc := written(t, nil, nil)
		require.True(t, json.Valid(doc), "%s", doc)
		assert.Contains(t, string(doc), `"entries": []`)
		assert.Empty(t, readBack(t, doc))
	})
}

func TestWriterLeavesAValidDocumentAtEveryClose(t *testing.T) {
	e := Entry{Started: started, Method: http.MethodGet, URL: "https://api.example.com/a", Status: http.StatusOK}
	for n := range 3 {
		var buf bytes.Buffer
		w := NewWriter(&buf, testCreator, nil)
		for range n {
			require.NoError(t, w.Add(e))
		}
		require.NoError(t, w.Close())
		assert.Len(t, readBack(t, buf.Bytes()), n)

		require.NoError(t, w.Close(), "a second Close is harmless")
		assert.Len(t, readBack(t, buf.Bytes()), n, "and writes nothing")
		require.Error(t, w.Add(e), "Add after Close")
	}

	t.Run("an entry is written when Add returns", func(t *testing.T) {
		var buf bytes.Buffer
		w := NewWriter(&buf, testCreator, nil)
		require.NoError(t, w.Add(e))
		assert.Contains(t, buf.String(), `"url": "https://api.example.com/a"`)
	})
}

func TestWriterIsSafeForConcurrentUse(t *testing.T) {
	var buf bytes.Buffer
	w := NewWriter(&buf, testCreator, nil)
	const goroutines, each = 8, 25
	var wg sync.WaitGroup
	for g := range goroutines {
		wg.Go(func() {
			for i := range each {
				e := Entry{Started: started, Method: http.MethodGet, Status: http.StatusOK,
					URL: "https://api.example.com/" + strings.Repeat("g", g+1) + "/" + strings.Repeat("i", i+1)}
				assert.NoError(t, w.Add(e))
			}
		})
	}
	wg.Wait()
	require.NoError(t, w.Close())
	got := readBack(t, buf.Bytes())
	require.Len(t, got, goroutines*each)
	seen := map[string]bool{}
	for _, e := range got {
		seen[e.URL] = true
	}
	assert.Len(t, seen, goroutines*each, "every entry whole and once")
}

// failingWriter accepts n writes, then fails.
type failingWriter struct{ n int }

func (f *failingWriter) Write(p []byte) (int, error) {
	if f.n == 0 {
		return 0, errors.New("disk full")
	}
	f.n--
	return len(p), nil
}

func TestWriterKeepsTheFirstWriteFailure(t *testing.T) {
	e := Entry{Started: started, Method: http.MethodGet, URL: "https://api.example.com/a"}
	w := NewWriter(&failingWriter{n: 2}, testCreator, nil) // the opening and one entry
	require.NoError(t, w.Add(e))
	err := w.Add(e)
	require.ErrorContains(t, err, "disk full")
	assert.Equal(t, err, w.Add(e))
	assert.Equal(t, err, w.Close())
	assert.Equal(t, err, w.Close())
}

func TestWriterRefusesARedactionThatBreaksTheJSON(t *testing.T) {
	var buf bytes.Buffer
	breakEntries := func(b []byte) []byte { return bytes.ReplaceAll(b, []byte(`"url"`), []byte(`url`)) }
	w := NewWriter(&buf, testCreator, breakEntries)
	require.ErrorContains(t, w.Add(Entry{Started: started, Method: http.MethodGet, URL: "https://api.example.com/a"}),
		"redaction broke the JSON")
	require.NoError(t, w.Close())
	assert.Empty(t, readBack(t, buf.Bytes()), "the refused entry is not in the document")
}

func readFixture(tb testing.TB, name string) []Entry {
	tb.Helper()
	entries, err := ReadFile(filepath.Join("testdata", name))
	require.NoError(tb, err)
	return entries
}

func TestReadChromeDevtools(t *testing.T) {
	got := readFixture(t, "chrome.har")
	require.Len(t, got, 4)

	post := got[0]
	assert.True(t, time.Date(2026, 12, 1, 10, 0, 0, 123_000_000, time.UTC).Equal(post.Started), "%v", post.Started)
	assert.Equal(t, 48313*time.Microsecond, post.Duration)
	assert.Equal(t, http.MethodPost, post.Method)
	assert.Equal(t, "https://api.example.com/exports?format=csv&dry-run", post.URL)
	assert.Equal(t, "http/2.0", post.HTTPVersion)
	assert.Equal(t, http.Header{
		"Accept":       {"application/json"},
		"Content-Type": {"application/json"},
		"X-Trace":      {"one", "two"},
	}, post.ReqHeader, "pseudo-headers dropped, names canonical, repeats in order")
	assert.Equal(t, `{"items":[1,2]}`, string(post.ReqBody))
	assert.Equal(t, "application/json", post.ReqMimeType)
	assert.Equal(t, http.StatusAccepted, post.Status)
	assert.Equal(t, "/exports/7", post.RespHeader.Get("Location"))
	assert.Equal(t, `{"id":"7","state":"new"}`, string(post.RespBody))
	assert.Equal(t, "application/json", post.RespMimeType)
	assert.Empty(t, post.Err, `"_error": null is no error`)

	image := got[1]
	assert.Equal(t, []byte{0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n', 0x00, 0xff}, image.RespBody)
	assert.Equal(t, "image/png", image.RespMimeType)
	assert.Nil(t, image.ReqBody)

	aborted := got[2]
	assert.Equal(t, http.MethodDelete, aborted.Method)
	assert.Equal(t, 0, aborted.Status)
	assert.Equal(t, "net::ERR_ABORTED", aborted.Err, "Chrome's response._error")
	assert.Equal(t, time.Duration(0), aborted.Duration, "time -1 is unknown")
	assert.Nil(t, aborted.RespBody)

	notKept := got[3]
	assert.Equal(t, http.StatusOK, notKept.Status)
	assert.Nil(t, notKept.RespBody, "a body Chrome did not keep")
	assert.Equal(t, "text/csv", notKept.RespMimeType)
}

func TestReadFirefox(t *testing.T) {
	got := readFixture(t, "firefox.har")
	require.Len(t, got, 2)

	token := got[0]
	assert.True(t, time.Date(2026, 12, 1, 10, 0, 0, 250_000_000, time.UTC).Equal(token.Started), "%v", token.Started)
	_, offset := token.Started.Zone()
	assert.Equal(t, 60*60, offset, "the offset as written")
	assert.Equal(t, 31*time.Millisecond, token.Duration)
	assert.Equal(t, "HTTP/2", token.HTTPVersion)
	assert.Equal(t, "grant_type=client_credentials&scope=exports%3Aread+exports%3Awrite", string(token.ReqBody),
		"a form rebuilt from its params, in their order")
	assert.Equal(t, "application/x-www-form-urlencoded", token.ReqMimeType)
	assert.Equal(t, "OK", token.StatusText)
	assert.Equal(t, "no-store", token.RespHeader.Get("Cache-Control"), "lower-case names canonicalised")
	assert.JSONEq(t, `{"access_token":"t0k3n","expires_in":3600}`, string(token.RespBody))

	missing := got[1]
	assert.Equal(t, "https://api.example.com/exports/7?verbose=true", missing.URL)
	assert.Equal(t, http.StatusNotFound, missing.Status)
	assert.Equal(t, "application/problem+json", missing.RespMimeType)
	assert.Nil(t, missing.ReqBody)
}

func TestReadMitmproxy(t *testing.T) {
	got := readFixture(t, "mitmproxy.har")
	require.Len(t, got, 2)

	put := got[0]
	assert.True(t, time.Date(2026, 12, 1, 10, 0, 0, 123_456_000, time.UTC).Equal(put.Started), "%v", put.Started)
	assert.Equal(t, 52383*time.Microsecond, put.Duration, "a float time, to the microsecond")
	assert.Equal(t, []byte{0x00, 0x01, 0x02, 0xff}, put.ReqBody, "a base64 request body")
	assert.Equal(t, "application/octet-stream", put.ReqMimeType)
	assert.Equal(t, http.StatusNoContent, put.Status)
	assert.Equal(t, []byte{}, put.RespBody, "an empty body, kept")

	get := got[1]
	want := time.Date(2026, 12, 1, 11, 30, 0, 500_000_000, time.FixedZone("", -(2*60+30)*60))
	assert.True(t, want.Equal(get.Started), "%v", get.Started)
	assert.Equal(t, 3250*time.Microsecond, get.Duration)
	assert.Equal(t, `{"state":"done"}`, string(get.RespBody))
}

// fileWith returns a HAR document whose entries are the given JSON objects.
func fileWith(entries ...string) string {
	return `{"log": {"version": "1.2", "creator": {"name": "t", "version": "1"}, "entries": [` +
		strings.Join(entries, ", ") + `]}}`
}

// okEntry is a readable entry; the cases below change one part of it.
const okEntry = `{"startedDateTime": "2026-12-01T10:00:00.000Z", "time": 5, "request": {"method": "POST", ` +
	`"url": "https://api.example.com/x", "headers": [], "postData": {"mimeType": "text/plain", "text": "hi"}}, ` +
	`"response": {"status": 200, "headers": [], "content": {"mimeType": "text/plain", "text": "aGk=", "encoding": "base64"}}}`

// okEntryWith returns okEntry with old replaced by new.
func okEntryWith(tb testing.TB, old, new string) string {
	tb.Helper()
	require.Contains(tb, okEntry, old)
	return strings.Replace(okEntry, old, new, 1)
}

func TestReadTakesWhatToolsWrite(t *testing.T) {
	read := func(t *testing.T, doc string) Entry {
		t.Helper()
		got, err := Read(strings.NewReader(doc), "tool.har")
		require.NoError(t, err)
		require.Len(t, got, 1)
		return got[0]
	}
	t.Run("versions", func(t *testing.T) {
		for _, version := range []string{`"1.2"`, `"1.1"`, `""`, `null`} {
			doc := `{"log": {"version": ` + version + `, "entries": [` + okEntry + `]}}`
			assert.Equal(t, "https://api.example.com/x", read(t, doc).URL, version)
		}
		assert.Equal(t, http.MethodPost, read(t, `{"log": {"entries": [`+okEntry+`]}}`).Method, "no version")
	})
	t.Run("dates", func(t *testing.T) {
		want := time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)
		for _, date := range []string{
			"2026-12-01T09:00:00Z",
			"2026-12-01T09:00:00.000Z",
			"2026-12-01T10:00:00.000000+01:00",
			"2026-12-01T10:00:00+01:00",
			"2026-12-01T10:00:00.000+0100",
			"2026-12-01T10:00:00+0100",
			"2026-12-01T09:00:00.000+0000",
			"2026-12-01T08:30:00.0000000-0030",
			"2026-12-01T09:00Z",
			"2026-12-01T10:00+01:00",
			"2026-12-01T10:00+0100",
		} {
			e := read(t, fileWith(okEntryWith(t, "2026-12-01T10:00:00.000Z", date)))
			assert.True(t, want.Equal(e.Started), "%s read as %v", date, e.Started)
		}
	})
	t.Run("times", func(t *testing.T) {
		for time_, want := range map[string]time.Duration{
			`"time": 5`:           5 * time.Millisecond,
			`"time": 0.0015`:      2 * time.Microsecond,
			`"time": -1`:          0,
			`"time": null`:        0,
			`"ignored": "absent"`: 0,
		} {
			assert.Equal(t, want, read(t, fileWith(okEntryWith(t, `"time": 5`, time_))).Duration, time_)
		}
	})
	t.Run("unknown fields anywhere", func(t *testing.T) {
		doc := `{"_custom": [1], "log": {"_x": {}, "version": "1.2", "creator": 5, "pages": "odd", "entries": [` +
			okEntryWith(t, `"time": 5`, `"time": 5, "_priority": "High", "cache": null, "timings": "none", "connection": 443`) +
			`]}}`
		assert.Equal(t, "hi", string(read(t, doc).RespBody))
	})
	t.Run("a byte order mark", func(t *testing.T) {
		assert.Equal(t, http.MethodPost, read(t, "\ufeff"+fileWith(okEntry)).Method)
	})
	t.Run("an empty postData text is no body", func(t *testing.T) {
		e := read(t, fileWith(okEntryWith(t, `"text": "hi"`, `"text": ""`)))
		assert.Nil(t, e.ReqBody)
	})
	t.Run("unpadded base64", func(t *testing.T) {
		e := read(t, fileWith(okEntryWith(t, `"aGk="`, `"aGk"`)))
		assert.Equal(t, "hi", string(e.RespBody))
	})
	t.Run("status 0 without a reason", func(t *testing.T) {
		e := read(t, fileWith(okEntryWith(t, `"status": 200`, `"status": 0`)))
		assert.Equal(t, 0, e.Status)
		assert.Equal(t, "no response recorded", e.Err)
	})
	t.Run("no response at all", func(t *testing.T) {
		e := read(t, fileWith(`{"startedDateTime": "2026-12-01T10:00:00Z", "request": {"method": "GET", "url": "http://h/"}, "_error": "reset"}`))
		assert.Equal(t, 0, e.Status)
		assert.Equal(t, "reset", e.Err)
		assert.NotNil(t, e.RespHeader)
	})
}

func TestReadRefusesWhatCannotBeUsed(t *testing.T) {
	tests := []struct {
		name  string
		doc   string
		entry int
		msg   []string // parts of the message
	}{
		{"another version", `{"log": {"version": "2.0", "entries": []}}`, -1,
			[]string{`not a HAR file: log.version "2.0" is not 1.1 or 1.2`}},
		{"another version, after a bad entry", `{"log": {"entries": [{}], "version": "2.0"}}`, -1, []string{`"2.0"`}},
		{"a version that is a number", `{"log": {"version": 1.2, "entries": []}}`, -1, []string{"log.version 1.2"}},
		{"not JSON", "GET /exports HTTP/1.1\r\n", -1, []string{"not JSON", "line 1, column 1 (byte 0)"}},
		{"not JSON further down", "{\n  \"log\": {\n    entries: []\n  }\n}", -1,
			[]string{"not JSON", "invalid character 'e'", "line 3, column 5 (byte 17)"}},
		{"truncated", fileWith(okEntry)[:100], -1, []string{"truncated", "(byte 100)"}},
		{"empty", " \n", -1, []string{"empty"}},
		{"an array", `[]`, -1, []string{"the top level is a JSON array, not an object"}},
		{"no log", `{"entries": []}`, -1, []string{`no "log" object`}},
		{"a log that is not an object", `{"log": "yes"}`, -1, []string{"log is a JSON string, not an object"}},
		{"no entries", `{"log": {"version": "1.2"}}`, -1, []string{`no "entries" array`}},
		{"entries that are not an array", `{"log": {"entries": {}}}`, -1, []string{"log.entries is not an array"}},
		{"an entry that is not an object", fileWith(okEntry, `"GET /"`), 1,
			[]string{"the entry is a JSON string, not an object"}},
		{"no startedDateTime", fileWith(okEntryWith(t, `"startedDateTime": "2026-12-01T10:00:00.000Z", `, "")), 0,
			[]string{"startedDateTime is missing"}},
		{"a fraction without seconds", fileWith(okEntryWith(t, "10:00:00.000Z", "10:00.5Z")), 0,
			[]string{`startedDateTime "2026-12-01T10:00.5Z" is not a date`}},
		{"a date out of range", fileWith(okEntryWith(t, "10:00:00.000Z", "10:00:00.000+2400")), 0,
			[]string{"is not a date"}},
		{"a time that is a string", fileWith(okEntryWith(t, `"time": 5`, `"time": "5"`)), 0,
			[]string{"time is a JSON string, not a number"}},
		{"a time too long", fileWith(okEntryWith(t, `"time": 5`, `"time": 1e300`)), 0, []string{"out of range"}},
		{"no request", fileWith(`{"startedDateTime": "2026-12-01T10:00:00Z"}`), 0, []string{"request is missing"}},
		{"no method", fileWith(okEntryWith(t, `"method": "POST"`, `"method": ""`)), 0, []string{"request.method is missing"}},
		{"no url", fileWith(okEntryWith(t, `"url": "https://api.example.com/x", `, "")), 0, []string{"request.url is missing"}},
		{"a relative url", fileWith(okEntryWith(t, "https://api.example.com/x", "/x")), 0,
			[]string{`request.url "/x" is not an absolute URL`}},
		{"an http url with no host", fileWith(okEntryWith(t, "https://api.example.com/x", "https:///x")), 0,
			[]string{`request.url "https:///x" is not an absolute URL`}},
		{"a url that does not parse", fileWith(okEntryWith(t, "https://api.example.com/x", "https://[::1/x")), 0,
			[]string{"is not a URL"}},
		{"headers that are not an array", fileWith(okEntryWith(t, `"headers": []`, `"headers": {}`)), 0,
			[]string{"request.headers is a JSON object, not an array"}},
		{"a status out of range", fileWith(okEntryWith(t, `"status": 200`, `"status": 2000`)), 0,
			[]string{"response.status 2000 is not an HTTP status"}},
		{"bad base64", fileWith(okEntryWith(t, `"aGk="`, `"a!Gk="`)), 0, []string{"response.content.text is not base64"}},
		{"an unknown content encoding", fileWith(okEntryWith(t, `"encoding": "base64"`, `"encoding": "gzip"`)), 0,
			[]string{`response.content.encoding "gzip" is unknown`}},
		{"bad base64 in postData", fileWith(okEntryWith(t, `"text": "hi"`, `"text": "h!", "encoding": "base64"`)), 0,
			[]string{"request.postData.text is not base64"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Read(strings.NewReader(tt.doc), "trace.har")
			var herr *Error
			require.ErrorAs(t, err, &herr)
			assert.Equal(t, "trace.har", herr.File)
			assert.Equal(t, tt.entry, herr.Entry, "%v", err)
			for _, part := range tt.msg {
				assert.Contains(t, err.Error(), part)
			}
		})
	}

	t.Run("entry 2 is named", func(t *testing.T) {
		bad := okEntryWith(t, "2026-12-01T10:00:00.000Z", "yesterday")
		_, err := Read(strings.NewReader(fileWith(okEntry, okEntry, bad, okEntry)), "trace.har")
		var herr *Error
		require.ErrorAs(t, err, &herr)
		assert.Equal(t, 2, herr.Entry)
		assert.Equal(t, `trace.har: entry 2 (log.entries[2]): startedDateTime "yesterday" is not a date: `+
			`want RFC 3339, such as 2026-12-01T10:00:00.123Z`, err.Error())
	})
}

func TestErrorMessage(t *testing.T) {
	cause := errors.New("startedDateTime is missing")
	assert.Equal(t, "trace.har: entry 3 (log.entries[3]): startedDateTime is missing",
		(&Error{File: "trace.har", Entry: 3, Err: cause}).Error())
	assert.Equal(t, "trace.har: startedDateTime is missing", (&Error{File: "trace.har", Entry: -1, Err: cause}).Error())
	assert.Equal(t, "entry 0 (log.entries[0]): startedDateTime is missing", (&Error{Entry: 0, Err: cause}).Error())
	assert.ErrorIs(t, &Error{Entry: -1, Err: cause}, cause)
}

// errReader fails to read.
type errReader struct{}

func (errReader) Read([]byte) (int, error) { return 0, errors.New("connection reset") }

func TestReadFailuresThatAreNotTheFiles(t *testing.T) {
	_, err := ReadFile(filepath.Join(t.TempDir(), "missing.har"))
	require.ErrorIs(t, err, fs.ErrNotExist)
	var herr *Error
	assert.False(t, errors.As(err, &herr), "a missing file is not a bad HAR file")

	_, err = Read(errReader{}, "remote.har")
	require.ErrorContains(t, err, "read remote.har: connection reset")
	assert.False(t, errors.As(err, &herr))
}

func TestReadRefusesAFileOverTheCap(t *testing.T) {
	// The size a file announces is checked before reading: a test cannot afford 1 GiB of input.
	err := read(strings.NewReader(fileWith(okEntry)), "huge.har", MaxFileBytes+1, Options{}, func(Place, Entry) {})
	var herr *Error
	require.ErrorAs(t, err, &herr)
	assert.Equal(t, -1, herr.Entry)
	assert.Contains(t, err.Error(), "longer than 1073741824 bytes")

	doc := fileWith(okEntry)
	err = read(strings.NewReader(doc), "fits.har", int64(len(doc)), Options{}, func(Place, Entry) {})
	require.NoError(t, err)
}

func TestReadFileReadsWhatWriteWrote(t *testing.T) {
	path := filepath.Join(t.TempDir(), "run.har")
	f, err := os.Create(path)
	require.NoError(t, err)
	e := Entry{Started: started, Method: http.MethodGet, URL: "https://api.example.com/a", Status: http.StatusOK,
		RespBody: []byte("ok")}
	require.NoError(t, Write(f, testCreator, []Entry{e}, nil))
	require.NoError(t, f.Close())
	got, err := ReadFile(path)
	require.NoError(t, err)
	require.Len(t, got, 1)
	assert.Equal(t, "ok", string(got[0].RespBody))
}

func FuzzRead(f *testing.F) {
	for _, name := range []string{"chrome.har", "firefox.har", "mitmproxy.har"} {
		data, err := os.ReadFile(filepath.Join("testdata", name))
		require.NoError(f, err)
		f.Add(data)
	}
	f.Add([]byte(fileWith(okEntry)))
	f.Add([]byte(`{"log": {"entries": [{"startedDateTime": "0000-01-01T00:00:00.999999999-2359", "time": 1e-9, ` +
		`"request": {"method": "x", "url": "HTTP://h", "headers": [{"name": "authorization", "value": "v"}, {"name": ":p"}], ` +
		`"postData": {"params": [{"name": "a b", "value": "&="}]}}, "response": {"status": -1, "statusText": "?"}}]}}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		first, err := Read(bytes.NewReader(data), "fuzz.har")
		if err != nil {
			var herr *Error
			require.ErrorAs(t, err, &herr, "a file in memory fails only as a bad HAR file")
			return
		}
		second := readBack(t, written(t, first, nil))
		require.Len(t, second, len(first))
		for i := range first {
			a, b := first[i], second[i]
			ms := a.Started.Add(-time.Duration(a.Started.Nanosecond() % int(time.Millisecond)))
			require.True(t, ms.Equal(b.Started), "entry %d: started %v, then %v", i, a.Started, b.Started)
			require.Equal(t, a.Duration, b.Duration, "entry %d", i)
			require.Equal(t, a.Method, b.Method, "entry %d", i)
			require.Equal(t, a.URL, b.URL, "entry %d", i)
			require.Equal(t, a.ReqBody, b.ReqBody, "entry %d", i)
			require.Equal(t, a.Status, b.Status, "entry %d", i)
			require.Equal(t, a.RespBody, b.RespBody, "entry %d", i)
			require.Equal(t, a.Err, b.Err, "entry %d", i)
		}
		// What conform writes, it reads back as it was.
		requireSameEntries(t, second, readBack(t, written(t, second, nil)))
	})
}

func TestReadKeepsEachHeadersValuesApart(t *testing.T) {
	doc := fileWith(okEntryWith(t, `"headers": []`, `"headers": [{"name": "a", "value": "1"}, {"name": ":path", "value": "/"}, `+
		`{"name": "B", "value": "2"}, {"name": "A", "value": "3"}, {"name": "c", "value": "4"}]`))
	got, err := Read(strings.NewReader(doc), "trace.har")
	require.NoError(t, err)
	require.Len(t, got, 1)
	h := got[0].ReqHeader
	require.Equal(t, http.Header{"A": {"1", "3"}, "B": {"2"}, "C": {"4"}}, h)
	h.Add("B", "5")
	assert.Equal(t, http.Header{"A": {"1", "3"}, "B": {"2", "5"}, "C": {"4"}}, h, "adding to one name changes no other")
}

// TestWebSocketAndDataEntriesAreRead: Chrome records WebSocket, data: and blob: requests in the
// same log; they are read as entries, for the audit to pass over, not a reason to refuse the file.
func TestWebSocketAndDataEntriesAreRead(t *testing.T) {
	for _, u := range []string{"wss://api.example.com/socket", "ws://127.0.0.1:9000/", "data:image/png;base64,iVBORw0KGgo=", "blob:https://app.example.com/1b2c"} {
		entries, err := Read(strings.NewReader(fileWith(okEntryWith(t, "https://api.example.com/x", u))), "devtools.har")
		require.NoError(t, err, u)
		require.Len(t, entries, 1)
		require.Equal(t, u, entries[0].URL)
	}
}

func TestPagesGroupTheEntries(t *testing.T) {
	t0 := time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC)
	var buf bytes.Buffer
	w := NewWriter(&buf, Creator{Name: "conform", Version: "dev"}, func(b []byte) []byte {
		return bytes.ReplaceAll(b, []byte("s3cret"), []byte("[REDACTED]"))
	})
	w.Page(Page{ID: "scenario-1", Title: "A running request is cancelled", Started: t0})
	w.Page(Page{ID: "scenario-1", Title: "ignored: the same id", Started: t0})
	w.Page(Page{ID: "scenario-2", Title: "a title with s3cret in it", Started: t0.Add(time.Second)})
	for i, page := range []string{"scenario-1", "scenario-2", ""} {
		require.NoError(t, w.Add(Entry{Started: t0.Add(time.Duration(i) * time.Second), Method: "GET",
			URL: "https://api.example.com/x", Status: 200, PageRef: page}))
	}
	require.NoError(t, w.Close())
	require.True(t, json.Valid(buf.Bytes()), buf.String())
	require.NotContains(t, buf.String(), "s3cret", "pages are scrubbed like entries")

	var doc struct {
		Log struct {
			Pages []map[string]any `json:"pages"`
		} `json:"log"`
	}
	require.NoError(t, json.Unmarshal(buf.Bytes(), &doc))
	require.Len(t, doc.Log.Pages, 2)
	for _, key := range []string{"startedDateTime", "id", "title", "pageTimings"} {
		require.Contains(t, doc.Log.Pages[0], key, "HAR 1.2 requires it of a page")
	}
	require.Equal(t, "A running request is cancelled", doc.Log.Pages[0]["title"])

	entries, err := Read(bytes.NewReader(buf.Bytes()), "pages.har")
	require.NoError(t, err)
	require.Equal(t, []string{"scenario-1", "scenario-2", ""}, []string{entries[0].PageRef, entries[1].PageRef, entries[2].PageRef})

	var empty bytes.Buffer
	w = NewWriter(&empty, Creator{Name: "conform", Version: "dev"}, nil)
	w.Page(Page{ID: "p", Title: "no entries", Started: t0})
	require.NoError(t, w.Close())
	require.True(t, json.Valid(empty.Bytes()), empty.String())
}

package main

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/conform-harness/conform/fakeserver"
)

// bystander is a server that no request of conform may reach: a redirect points at it. It
// counts what arrives, and whether it carried credentials.
type bystander struct {
	*httptest.Server
	hits, withCredentials atomic.Int32
}

func newBystander(t testing.TB) *bystander {
	t.Helper()
	b := &bystander{}
	b.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b.hits.Add(1)
		if r.Header.Get("Authorization") != "" {
			b.withCredentials.Add(1)
		}
		// It answers like the API would, so that following it would look like success.
		w.Header().Set("Content-Type", "application/json")
		w.Write([]byte(`{"progress":"processing","completed":false}`))
	}))
	t.Cleanup(b.Close)
	return b
}

// redirecting serves the fake but answers the calls that match with a 307 to the same path on
// elsewhere: the same host, another port, which net/http would follow with the credentials.
func redirecting(t testing.TB, fake http.Handler, elsewhere string, match func(*http.Request) bool) *httptest.Server {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if match(r) {
			http.Redirect(w, r, elsewhere+r.URL.Path, http.StatusTemporaryRedirect)
			return
		}
		fake.ServeHTTP(w, r)
	}))
	t.Cleanup(srv.Close)
	return srv
}

func TestRedirectsAreAnswersNeverFollowed(t *testing.T) {
	tests := []struct {
		name  string
		match func(*http.Request) bool
		code  int
		want  []string
	}{
		{
			name:  "status calls",
			match: func(r *http.Request) bool { return strings.Contains(r.URL.Path, "/exportStatuses/") },
			code:  exitUnreachable,
			want:  []string{"this does not look like the export API", "307 Temporary Redirect", "conform follows no redirect"},
		},
		{
			name:  "creates",
			match: func(r *http.Request) bool { return strings.HasSuffix(r.URL.Path, "/exportRequests") },
			code:  exitFail,
			want:  []string{"POST", "→ 307"},
		},
		{
			// A cancel that landed elsewhere would cancel an export this run did not create.
			name:  "cancels",
			match: func(r *http.Request) bool { return strings.Contains(r.URL.Path, "/custom-actions/cancel/") },
			code:  exitFail,
			want:  []string{"cancelExportRequest POST", "→ 307"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			other := newBystander(t)
			srv := redirecting(t, liveFake(t, "alice", "wonderland").Config.Handler, other.URL, tt.match)
			t.Setenv("CONFORM_USERNAME", "alice")
			t.Setenv("CONFORM_PASSWORD", "wonderland")
			args := append([]string{"run", "--base-url", srv.URL, "--format", "progress", "--tags", "not @needs-slow-cancel"}, fastLive...)
			code, out, errOut := conform(t, args...)
			require.Equal(t, tt.code, code, "stdout:\n%s\nstderr:\n%s", out, errOut)
			for _, w := range tt.want {
				require.Contains(t, out+errOut, w)
			}
			require.Contains(t, out+errOut, other.URL, "the report shows where the redirect pointed")
			require.Zero(t, other.hits.Load(), "nothing may reach the server a redirect points to")
		})
	}
}

func TestOAuth2TokenRedirectToAnotherOriginIsRefused(t *testing.T) {
	other := newBystander(t)
	// The token endpoint redirects to the same host on another port.
	idp := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, other.URL+"/token", http.StatusTemporaryRedirect)
	}))
	t.Cleanup(idp.Close)
	srv := liveFake(t, "alice", "wonderland")
	t.Setenv("CONFORM_USERNAME", "")
	t.Setenv("CONFORM_PASSWORD", "")
	t.Setenv("CONFORM_OAUTH2_CLIENT_SECRET", canarySecret)
	code, out, errOut := conform(t, "run", "--base-url", srv.URL, "--oauth2-token-url", idp.URL+"/token", "--oauth2-client-id", "canary-client")
	require.Equal(t, exitUnreachable, code, errOut)
	require.Contains(t, errOut, "refusing to follow a redirect to another origin")
	require.NotContains(t, out+errOut, canarySecret)
	require.Zero(t, other.hits.Load(), "the client secret must never reach another origin")
}

func TestPreflightTellsWhenTheTargetIsNotTheExportAPI(t *testing.T) {
	static := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(static, "index.html"), []byte("<!doctype html><title>Welcome</title>"), 0o644))
	tests := []struct {
		name    string
		handler http.Handler
		want    string
	}{
		{"a static file server", http.FileServer(http.Dir(static)), "without an error document"},
		{"a web page for every path", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "text/html; charset=utf-8")
			w.WriteHeader(http.StatusNotFound)
			w.Write([]byte("<html><body>Not here</body></html>"))
		}), "with a web page (text/html)"},
		{"a JSON answer for every path", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "application/json")
			json.NewEncoder(w).Encode(map[string]string{"hello": "world"})
		}), "200 OK to the status of \"conform-preflight-check\""},
		{"a login portal", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			http.Redirect(w, r, "https://sso.example/login", http.StatusFound)
		}), `a redirect to "https://sso.example/login"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := httptest.NewServer(tt.handler)
			t.Cleanup(srv.Close)
			t.Setenv("CONFORM_USERNAME", "alice")
			t.Setenv("CONFORM_PASSWORD", "wonderland")
			code, out, errOut := conform(t, "run", "--base-url", srv.URL, "--format", "progress")
			require.Equal(t, exitUnreachable, code, "stdout:\n%s\nstderr:\n%s", out, errOut)
			require.Contains(t, errOut, "this does not look like the export API at "+srv.URL+"/logisticsRestApi/data/v1")
			require.Contains(t, errOut, tt.want)
			require.Empty(t, out, "no scenario runs")
		})
	}
}

func TestBasicUserNameWithAColonIsAConfigurationError(t *testing.T) {
	srv := liveFake(t, "alice", "wonderland")
	t.Setenv("CONFORM_USERNAME", "corp:alice")
	t.Setenv("CONFORM_PASSWORD", "wonderland")
	code, _, errOut := conform(t, "run", "--base-url", srv.URL)
	require.Equal(t, exitUsage, code, errOut)
	require.Contains(t, errOut, "contains a colon, which HTTP Basic cannot send")
	require.NotContains(t, errOut, "wonderland")
}

// conform serve advertises the pairing conform/conform. A password that is also one of
// conform's own words must not garble conform's output, while credentials stay redacted.
func TestAPasswordThatIsAWordDoesNotGarbleTheOutput(t *testing.T) {
	srv := liveFake(t, "conform", "conform")
	t.Setenv("CONFORM_USERNAME", "conform")
	t.Setenv("CONFORM_PASSWORD", "conform")
	dir := t.TempDir()
	html := filepath.Join(dir, "report.html")
	junit := filepath.Join(dir, "junit.xml")
	args := append([]string{"run", "--base-url", srv.URL, "--format", "pretty", "--format", "junit:" + junit, "--report", html,
		"--tags", "not @needs-slow-cancel"}, fastLive...)
	code, out, errOut := conform(t, args...)
	require.Equal(t, exitPass, code, "stdout:\n%s\nstderr:\n%s", out, errOut)
	require.Contains(t, errOut, `conform: running against `+srv.URL+`/logisticsRestApi/data/v1 with HTTP Basic as "conform"`)
	require.Contains(t, errOut, "conform: report written to")
	require.NotContains(t, out+errOut, "[REDACTED]", "nothing secret was printed, so nothing is redacted")

	page, err := os.ReadFile(html)
	require.NoError(t, err)
	require.NotContains(t, string(page), "vnd.[REDACTED]")
	require.NotContains(t, string(page), "unreadable exchange", "the report recognises its own attachments")
	require.Contains(t, string(page), `class="exchange`, "the exchanges are shown")
	require.Contains(t, string(page), "Basic [REDACTED]", "the Authorization header is still redacted")
	require.NotContains(t, string(page), "Y29uZm9ybTpjb25mb3Jt", "and its base64 user:password nowhere")
	report, err := os.ReadFile(junit)
	require.NoError(t, err)
	require.NotContains(t, string(report), "[REDACTED]")
}

// --timeout ends a run against a server stuck in cancelling: the scenarios it cuts short fail
// as timed out, clean-up runs, the reports are written.
func TestRunTimeout(t *testing.T) {
	fake := fakeserver.New(fakeserver.Options{TableDuration: 150 * time.Millisecond, CancelDelay: 50 * time.Millisecond,
		Username: "alice", Password: "wonderland", Defects: []fakeserver.Defect{fakeserver.DefectStuckCancelling}})
	srv := httptest.NewServer(fake)
	t.Cleanup(srv.Close)
	t.Setenv("CONFORM_USERNAME", "alice")
	t.Setenv("CONFORM_PASSWORD", "wonderland")
	junit := filepath.Join(t.TempDir(), "junit.xml")
	code, out, errOut := conform(t, "run", "--base-url", srv.URL, "--poll-interval", "20ms", "--timeout", "1s",
		"--format", "progress", "--format", "junit:"+junit)
	require.Equal(t, exitFail, code, "stdout:\n%s\nstderr:\n%s", out, errOut)
	require.Contains(t, errOut, "the run did not finish within --timeout 1s")
	require.Contains(t, out, "the run did not finish within --timeout 1s: this step was cut short")
	report, err := os.ReadFile(junit)
	require.NoError(t, err, "the reports are written")
	require.Contains(t, string(report), "--timeout 1s")
	_, err = os.Stat(junit + ".partial")
	require.True(t, os.IsNotExist(err), "no partial report is left behind")
	require.NotContains(t, errOut, "may still be running", "clean-up cancelled what the run created")
}

package main

import (
	"net"
	"net/http/httptest"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/conform-harness/conform/fakeserver"
)

// liveFake serves the fake on 127.0.0.1 with short durations and the given credentials.
func liveFake(t testing.TB, user, password string) *httptest.Server {
	t.Helper()
	srv := httptest.NewServer(fakeserver.New(fakeserver.Options{
		TableDuration: 400 * time.Millisecond,
		CancelDelay:   time.Second,
		Username:      user,
		Password:      password,
	}))
	t.Cleanup(srv.Close)
	return srv
}

// fastLive are the flags that make a live run against liveFake quick.
var fastLive = []string{"--poll-interval", "20ms", "--poll-timeout", "20s"}

func TestLiveRunAgainstTheFakeOverHTTP(t *testing.T) {
	srv := liveFake(t, "alice", "wonderland")
	t.Setenv("CONFORM_USERNAME", "alice")
	t.Setenv("CONFORM_PASSWORD", "wonderland")
	args := append([]string{"run", "--base-url", srv.URL, "--format", "progress"}, fastLive...)
	code, out, errOut := conform(t, args...)
	require.Equal(t, exitPass, code, "stdout:\n%s\nstderr:\n%s", out, errOut)
	require.Contains(t, out, "14 scenarios (14 passed)")
	require.Contains(t, errOut, "left out 2 scenario(s) tagged @fake-only")
	require.Contains(t, errOut, `running against `+srv.URL+`/logisticsRestApi/data/v1 with HTTP Basic as "alice"`)
}

func TestLiveRunBaseURLFromTheEnvironment(t *testing.T) {
	srv := liveFake(t, "alice", "wonderland")
	t.Setenv("CONFORM_BASE_URL", srv.URL+"/logisticsRestApi/data/v1")
	t.Setenv("CONFORM_USERNAME", "alice")
	t.Setenv("CONFORM_PASSWORD", "wonderland")
	args := append([]string{"run", "--format", "progress", "--tags", "not @needs-slow-cancel"}, fastLive...)
	code, out, errOut := conform(t, args...)
	require.Equal(t, exitPass, code, errOut)
	require.Contains(t, out, "13 scenarios (13 passed)")
}

func TestLiveExitCodes(t *testing.T) {
	srv := liveFake(t, "alice", "wonderland")
	closed := func() string {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		require.NoError(t, err)
		addr := l.Addr().String()
		require.NoError(t, l.Close())
		return "http://" + addr
	}()
	tests := []struct {
		name     string
		baseURL  string
		user     string
		password string
		code     int
		want     string
	}{
		{"wrong password", srv.URL, "alice", "guess", exitUnreachable, "credentials rejected: the target " + srv.URL + "/logisticsRestApi/data/v1 rejects the credentials: it answered 401"},
		{"nothing listening", closed, "alice", "wonderland", exitUnreachable, "target unreachable: cannot reach the target " + closed},
		{"no credentials", srv.URL, "", "", exitUsage, "no credentials for"},
		{"user without password", srv.URL, "alice", "", exitUsage, "CONFORM_PASSWORD"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Setenv("CONFORM_USERNAME", tt.user)
			t.Setenv("CONFORM_PASSWORD", tt.password)
			code, _, errOut := conform(t, "run", "--base-url", tt.baseURL, "--retries", "0")
			require.Equal(t, tt.code, code, errOut)
			require.Contains(t, errOut, tt.want)
			if tt.password != "" {
				require.NotContains(t, errOut, tt.password)
			}
		})
	}
}

func TestLiveOnlyFlagsNeedATarget(t *testing.T) {
	t.Setenv("CONFORM_BASE_URL", "")
	code, _, errOut := conform(t, "run", "--insecure-skip-verify")
	require.Equal(t, exitUsage, code)
	require.Contains(t, errOut, "--insecure-skip-verify applies only to a run against a target")
}

func TestLiveExportFiles(t *testing.T) {
	srv := liveFake(t, "alice", "wonderland")
	t.Setenv("CONFORM_USERNAME", "alice")
	t.Setenv("CONFORM_PASSWORD", "wonderland")
	dir := t.TempDir()
	bad := filepath.Join(dir, "bad.json")
	require.NoError(t, os.WriteFile(bad, []byte(`["SHIPMENT"]`), 0o600))
	code, _, errOut := conform(t, "run", "--base-url", srv.URL, "--running-export", bad)
	require.Equal(t, exitUsage, code)
	require.Contains(t, errOut, "want a JSON object")

	code, _, errOut = conform(t, "run", "--base-url", srv.URL, "--quick-export", filepath.Join(dir, "missing.json"))
	require.Equal(t, exitUsage, code)
	require.Contains(t, errOut, "--quick-export")

	// An export of a single quick table cannot stay running long enough: the run says what to change.
	quick := filepath.Join(dir, "one-table.json")
	require.NoError(t, os.WriteFile(quick, []byte(`{"tables":{"items":[{"tableName":"SHIPMENT"}]}}`), 0o600))
	args := append([]string{"run", "--base-url", srv.URL, "--running-export", quick, "--format", "progress",
		"--tags", "not @needs-slow-cancel"}, fastLive...)
	// The target cannot be brought to the precondition: the scenario is skipped, with the reason
	// and what to change, and the run passes; --strict-preconditions makes it a failure.
	code, out, errOut := conform(t, args...)
	require.Equal(t, exitPass, code, "stdout:\n%s\nstderr:\n%s", out, errOut)
	require.Contains(t, errOut, "skipped: ")
	require.Contains(t, errOut, "wanted a running export request with at least one table finished")
	require.Contains(t, errOut, "--running-export FILE")

	code, out, _ = conform(t, append(args, "--strict-preconditions")...)
	require.Equal(t, exitFail, code)
	require.Contains(t, out, "wanted a running export request with at least one table finished")
	require.Contains(t, out, "--running-export FILE")
}

func TestLiveMaxResponseBytes(t *testing.T) {
	srv := liveFake(t, "alice", "wonderland")
	t.Setenv("CONFORM_USERNAME", "alice")
	t.Setenv("CONFORM_PASSWORD", "wonderland")
	args := append([]string{"run", "--base-url", srv.URL, "--format", "progress", "--max-response-bytes", "200",
		"--tags", "not @needs-slow-cancel"}, fastLive...)
	code, out, _ := conform(t, args...)
	require.Equal(t, exitFail, code, "a status document is larger than 200 bytes")
	require.Contains(t, out, "response body too large: more than 200 bytes")

	code, _, errOut := conform(t, "run", "--max-response-bytes", "0")
	require.Equal(t, exitUsage, code)
	require.Contains(t, errOut, "--max-response-bytes must be at least 1")
}

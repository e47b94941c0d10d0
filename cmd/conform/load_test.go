package main

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"conform/fakeserver"
)

// loadExit runs `conform load` in-process with the environment e and returns its exit code,
// stdout and stderr.
func loadExit(t testing.TB, e env, args ...string) (int, string, string) {
	t.Helper()
	var stdout, stderr bytes.Buffer
	err := loadCommand{getenv: e.get}.run(context.Background(), args, strings.NewReader(""), &stdout, &stderr)
	return exitCode(err, &stderr), stdout.String(), stderr.String()
}

// loadReport is the part of the JSON report the tests read.
type loadReport struct {
	Requests      int64 `json:"requests"`
	Failed        int64 `json:"failed"`
	NonConforming int64 `json:"non_conforming"`
	Validated     int64 `json:"validated"`
	Statuses      []struct {
		Operation string `json:"operation"`
		Status    int    `json:"status"`
		Count     int64  `json:"count"`
	} `json:"statuses"`
	Violations []string           `json:"violations"`
	Latency    map[string]float64 `json:"latency"`
	Throughput float64            `json:"throughput"`
}

func decodeLoadReport(t testing.TB, out string) loadReport {
	t.Helper()
	var rep loadReport
	require.NoError(t, json.Unmarshal([]byte(out), &rep), out)
	return rep
}

func TestLoadAgainstAFakeOnLoopback(t *testing.T) {
	srv := liveFake(t, "alice", "wonderland")
	t.Setenv("CONFORM_USERNAME", "alice")
	t.Setenv("CONFORM_PASSWORD", "wonderland")
	code, out, errOut := conform(t, "load", "--base-url", srv.URL, "--duration", "1s", "--concurrency", "4", "--format", "json")
	require.Equal(t, exitPass, code, errOut)
	rep := decodeLoadReport(t, out)
	require.Positive(t, rep.Requests)
	require.Zero(t, rep.Failed)
	require.Zero(t, rep.NonConforming, rep.Violations)
	require.Equal(t, rep.Requests+2*10, rep.Validated, "every answer, and the 10 setup creates and cleanup cancels")
	require.Len(t, rep.Statuses, 1)
	require.Equal(t, "getExportStatus", rep.Statuses[0].Operation)
	require.Equal(t, 200, rep.Statuses[0].Status)
	require.Positive(t, rep.Latency["p99_ms"])
	require.NotContains(t, errOut, "loading", "loopback gets no warning about loading someone else's server")
}

func TestLoadMixReportsEveryOperation(t *testing.T) {
	srv := liveFake(t, "alice", "wonderland")
	code, out, errOut := loadExit(t, env{"CONFORM_USERNAME": "alice", "CONFORM_PASSWORD": "wonderland"},
		"--base-url", srv.URL, "--mix", "mix", "--duration", "500ms", "--rate", "200", "--validate-every", "2")
	require.Equal(t, exitPass, code, errOut)
	for _, want := range []string{"mix mix, concurrency 8, rate at most 200/s", "createExportRequest  202", "getExportStatus      200",
		"cancelExportRequest  200", "(one in 2) against the spec and the invariants", "nonconforming: 0", "latency:     p50 "} {
		require.Contains(t, out, want)
	}
}

func TestLoadWithoutBaseURLStartsTheBundledFake(t *testing.T) {
	code, out, errOut := loadExit(t, env{}, "--duration", "300ms", "--concurrency", "2", "--ids", "3")
	require.Equal(t, exitPass, code, errOut)
	require.Regexp(t, `conform load: no --base-url: loading the bundled fake, started in this process at http://127\.0\.0\.1:\d+/logisticsRestApi/data/v1\n`, errOut)
	require.Contains(t, out, "3 requests created first and cancelled after")
}

func TestLoadReportsNonConformingAnswers(t *testing.T) {
	srv := httptest.NewServer(fakeserver.New(fakeserver.Options{Defects: []fakeserver.Defect{fakeserver.DefectWrongContentType}}))
	t.Cleanup(srv.Close)
	// The fake's default password is "conform", a word of the report: it must stay readable.
	code, out, errOut := loadExit(t, env{"CONFORM_USERNAME": fakeserver.DefaultUsername, "CONFORM_PASSWORD": fakeserver.DefaultPassword},
		"--base-url", srv.URL, "--duration", "200ms", "--format", "json")
	require.Equal(t, exitFail, code, errOut)
	require.Contains(t, errOut, "the target does not conform")
	rep := decodeLoadReport(t, out)
	require.Positive(t, rep.NonConforming)
	require.Contains(t, rep.Violations[0], `spec: response: response header Content-Type has unexpected value: "text/plain; charset=utf-8"`)
}

// TestLoadRefusesAnUnboundedLoadOnAnotherHost: the refusal comes from the flags alone, before
// anything is resolved or sent, so these hosts are never contacted.
func TestLoadRefusesAnUnboundedLoadOnAnotherHost(t *testing.T) {
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"no rate", []string{"--base-url", "https://api.example.com"},
			"--base-url https://api.example.com/logisticsRestApi/data/v1 is not this machine: give --rate"},
		{"no rate, an address", []string{"--base-url", "http://10.1.2.3:8080"}, "is not this machine: give --rate"},
		{"no rate, a name that looks local", []string{"--base-url", "http://localhost.example.com"}, "is not this machine: give --rate"},
		{"rate too high", []string{"--base-url", "https://api.example.com", "--rate", "5000"}, "--rate 5000 is more than 1000 requests per second"},
		{"duration too long", []string{"--base-url", "https://api.example.com", "--rate", "5", "--duration", "11m"}, "--duration must be more than 0 and at most 10m0s"},
		{"setup too long", []string{"--base-url", "https://api.example.com", "--rate", "0.1", "--ids", "100"},
			"at --rate 0.1, the 200 requests the load sends besides --duration (creating and cancelling its requests) would take 33m20s"},
		{"last cancels too long", []string{"--base-url", "https://api.example.com", "--rate", "1", "--mix", "mix", "--concurrency", "1000"}, "would take 16m40s"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			start := time.Now()
			code, out, errOut := loadExit(t, env{"CONFORM_USERNAME": "u", "CONFORM_PASSWORD": "p"}, tt.args...)
			require.Equal(t, exitUsage, code)
			require.Empty(t, out)
			require.Contains(t, errOut, tt.want)
			require.Contains(t, errOut, "Usage:\n  conform load")
			require.Less(t, time.Since(start), time.Second, "refused at once, without dialling")
		})
	}
}

func TestLoadFlags(t *testing.T) {
	tests := []struct {
		args []string
		want string
	}{
		{[]string{"--mix", "burst"}, `--mix must be status or mix, got "burst"`},
		{[]string{"--concurrency", "0"}, "--concurrency must be between 1 and 1024, got 0"},
		{[]string{"--rate", "-1"}, "--rate must not be negative"},
		{[]string{"--ids", "0"}, "--ids must be between 1 and 10000"},
		{[]string{"--validate-every", "-1"}, "--validate-every must not be negative"},
		{[]string{"--format", "xml"}, `--format must be text or json, got "xml"`},
		{[]string{"--password-file", "/nope"}, "--password-file applies only to a load on a target: give --base-url"},
		{[]string{"--base-url", "ftp://x"}, "want an http:// or https:// URL"},
		{[]string{"extra"}, `unexpected argument "extra"`},
	}
	for _, tt := range tests {
		t.Run(tt.want, func(t *testing.T) {
			code, _, errOut := loadExit(t, env{}, tt.args...)
			require.Equal(t, exitUsage, code)
			require.Contains(t, errOut, tt.want)
		})
	}
	code, out, _ := conform(t, "load", "--help")
	require.Equal(t, exitPass, code)
	for _, flag := range []string{"-base-url", "-rate", "-mix", "-duration", "-concurrency", "-validate-every",
		"-password-file", "-oauth2-token-url", "-oauth2-client-id", "-oauth2-client-secret-file", "-oauth2-scope",
		"-ca-file", "-insecure-skip-verify", "-request-timeout"} {
		require.Contains(t, out, flag)
	}
}

func TestLoadCredentialsAsRunTakesThem(t *testing.T) {
	srv := liveFake(t, "alice", "wonderland")
	code, _, errOut := loadExit(t, env{}, "--base-url", srv.URL)
	require.Equal(t, exitUsage, code)
	require.Contains(t, errOut, "no credentials for "+srv.URL)

	code, _, errOut = loadExit(t, env{"CONFORM_USERNAME": "alice", "CONFORM_PASSWORD": "guess"}, "--base-url", srv.URL)
	require.Equal(t, exitUnreachable, code)
	require.Contains(t, errOut, "rejects the credentials")
	require.NotContains(t, errOut, "guess")
}

// TestLoadPrintsNoSecret loads a server that echoes the credentials into a header the spec
// checks, so that every violation quoted would carry them.
func TestLoadPrintsNoSecret(t *testing.T) {
	fake := fakeserver.New(fakeserver.Options{Username: canaryUser, Password: canaryPassword})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, pw, _ := r.BasicAuth()
		rec := httptest.NewRecorder()
		fake.ServeHTTP(rec, r)
		for k, v := range rec.Header() {
			w.Header()[k] = v
		}
		w.Header().Set("Content-Type", "text/"+pw+"; auth="+r.Header.Get("Authorization"))
		w.WriteHeader(rec.Code)
		w.Write(rec.Body.Bytes())
	}))
	t.Cleanup(srv.Close)
	basicB64 := base64.StdEncoding.EncodeToString([]byte(canaryUser + ":" + canaryPassword))
	for _, format := range []string{"text", "json"} {
		code, out, errOut := loadExit(t, env{"CONFORM_USERNAME": canaryUser, "CONFORM_PASSWORD": canaryPassword},
			"--base-url", srv.URL, "--mix", "mix", "--duration", "200ms", "--format", format)
		require.Equal(t, exitFail, code, errOut)
		require.Contains(t, out, "response header Content-Type has unexpected value: ")
		require.Contains(t, out, "text/[REDACTED]; auth=Basic [REDACTED]", "the echoed credentials reached the report, redacted")
		for _, s := range []string{out, errOut} {
			require.NotContains(t, s, canaryPassword)
			require.NotContains(t, s, basicB64)
		}
	}
}

package main

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/conform-harness/conform/export"
	"github.com/conform-harness/conform/fakeserver"
)

// canary is the password of the tests' credentials; it must never show in any output.
const canary = "s3cret-canary"

// aliceEnv holds the credentials most tests serve with.
var aliceEnv = env{envUsername: "alice", envPassword: canary}

// env is an injected environment: the real one never reaches these tests.
type env map[string]string

func (e env) get(key string) string { return e[key] }

// syncBuffer is a bytes.Buffer the server's goroutines and the test can share.
type syncBuffer struct {
	mu sync.Mutex // guards b
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// serveExit runs `conform serve` with e as its environment and chooses the exit code as run does.
func serveExit(ctx context.Context, e env, args []string, stdout, stderr io.Writer) int {
	err := serveCommand{getenv: e.get}.run(ctx, args, strings.NewReader(""), stdout, stderr)
	if errors.Is(err, flag.ErrHelp) {
		return exitPass
	}
	return exitCode(err, stderr)
}

// serving is a `conform serve` running in the background on a free loopback port.
type serving struct {
	t      testing.TB
	root   string // the API root the command printed
	stdout *syncBuffer
	stderr *syncBuffer
	cancel context.CancelFunc
	done   chan int
	code   int
	exited bool
}

var listeningLine = regexp.MustCompile(`^conform serve: listening on (http://127\.0\.0\.1:[1-9][0-9]*` + regexp.QuoteMeta(export.Root) + `)\n$`)

// startServe starts `conform serve --addr 127.0.0.1:0 args...` and waits until it says where it
// listens. The server is stopped when the test ends, if the test has not stopped it.
func startServe(t testing.TB, e env, args ...string) *serving {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	s := &serving{t: t, stdout: &syncBuffer{}, stderr: &syncBuffer{}, cancel: cancel, done: make(chan int, 1)}
	go func() {
		s.done <- serveExit(ctx, e, append([]string{"--addr", "127.0.0.1:0"}, args...), s.stdout, s.stderr)
	}()
	t.Cleanup(func() { s.stop() })

	tick := time.NewTicker(5 * time.Millisecond)
	defer tick.Stop()
	deadline := time.After(10 * time.Second)
	for {
		if m := listeningLine.FindStringSubmatch(s.stdout.String()); m != nil {
			s.root = m[1]
			return s
		}
		select {
		case code := <-s.done:
			s.code, s.exited = code, true
			t.Fatalf("serve exited with %d before listening\nstdout:\n%s\nstderr:\n%s", code, s.stdout, s.stderr)
		case <-deadline:
			t.Fatalf("serve did not print its URL within 10s\nstdout:\n%s\nstderr:\n%s", s.stdout, s.stderr)
		case <-tick.C:
		}
	}
}

// stop cancels the command's context, as SIGINT would, and returns its exit code.
func (s *serving) stop() int {
	s.t.Helper()
	if s.exited {
		return s.code
	}
	s.cancel()
	select {
	case s.code = <-s.done:
		s.exited = true
	case <-time.After(10 * time.Second):
		s.t.Fatalf("serve did not stop within 10s of its context being cancelled\nstderr:\n%s", s.stderr)
	}
	return s.code
}

// response is what one call of the served API answered.
type response struct {
	status int
	header http.Header
	body   []byte
}

// progress returns the progress of a status document.
func (r response) progress(t testing.TB) string {
	t.Helper()
	var doc struct {
		Progress string `json:"progress"`
	}
	require.NoError(t, json.Unmarshal(r.body, &doc), "body: %s", r.body)
	return doc.Progress
}

// call makes one call of the API, path relative to the root; user "" sends no credentials.
func (s *serving) call(method, path, user, pass, body string) response {
	s.t.Helper()
	req, err := http.NewRequest(method, s.root+path, strings.NewReader(body))
	require.NoError(s.t, err)
	if user != "" {
		req.SetBasicAuth(user, pass)
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Prefer", "respond-async")
	}
	client := &http.Client{Timeout: 5 * time.Second}
	resp, err := client.Do(req)
	require.NoError(s.t, err)
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	require.NoError(s.t, err)
	return response{status: resp.StatusCode, header: resp.Header, body: b}
}

// pollProgress polls the status of the request at statusPath until its progress is want, and
// returns how many calls that took.
func (s *serving) pollProgress(statusPath, user, pass, want string) int {
	s.t.Helper()
	calls := 0
	var last string
	for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); {
		r := s.call(http.MethodGet, statusPath, user, pass, "")
		calls++
		require.Equal(s.t, http.StatusOK, r.status, "body: %s", r.body)
		if last = r.progress(s.t); last == want {
			return calls
		}
	}
	s.t.Fatalf("progress still %q, not %q, after 5s of polling", last, want)
	return calls
}

// createBody asks for an export of the given tables.
func createBody(tables ...string) string {
	items := make([]string, len(tables))
	for i, t := range tables {
		items[i] = fmt.Sprintf(`{"tableName":%q}`, t)
	}
	return `{"tables":{"items":[` + strings.Join(items, ",") + `]}}`
}

// manyTables names n distinct tables, so that an export takes n table durations.
func manyTables(n int) []string {
	names := make([]string, n)
	for i := range names {
		names[i] = fmt.Sprintf("TABLE_%02d", i)
	}
	return names
}

// relative turns a Location under the API root into a path relative to it.
func relative(t testing.TB, location string) string {
	t.Helper()
	require.True(t, strings.HasPrefix(location, export.Root+"/"), "Location %q is not under the API root", location)
	return strings.TrimPrefix(location, export.Root)
}

func TestServeCreateStatusCancelAndShutDown(t *testing.T) {
	s := startServe(t, aliceEnv, "--table-duration", "50ms", "--cancel-delay", "20ms")
	require.Regexp(t, listeningLine, s.stdout.String(), "stdout is the one listening line")

	requests := 0
	// 40 tables of 50ms: the export runs for 2s, time enough to cancel it even on a slow machine.
	created := s.call(http.MethodPost, "/exportRequests", "alice", canary, createBody(manyTables(40)...))
	requests++
	require.Equal(t, http.StatusAccepted, created.status, "body: %s", created.body)
	statusPath := relative(t, created.header.Get("Location"))
	cancelPath := "/custom-actions/cancel/exportRequests/" + strings.TrimPrefix(statusPath, "/exportStatuses/")

	status := s.call(http.MethodGet, statusPath, "alice", canary, "")
	requests++
	require.Equal(t, http.StatusOK, status.status, "body: %s", status.body)
	require.Equal(t, "processing", status.progress(t))

	cancelled := s.call(http.MethodPost, cancelPath, "alice", canary, "")
	requests++
	require.Equal(t, http.StatusOK, cancelled.status, "body: %s", cancelled.body)
	requests += s.pollProgress(statusPath, "alice", canary, "cancelled")

	require.Equal(t, http.StatusUnauthorized, s.call(http.MethodGet, statusPath, "", "", "").status)
	requests++
	require.Equal(t, http.StatusUnauthorized, s.call(http.MethodGet, statusPath, "alice", "wrong", "").status)
	requests++

	require.Equal(t, exitPass, s.stop(), "stderr:\n%s", s.stderr)
	stdout, stderr := s.stdout.String(), s.stderr.String()
	require.True(t, strings.HasSuffix(stderr, "conform serve: shut down\n"), "stderr:\n%s", stderr)
	require.NotContains(t, stderr, "default credentials", "credentials came from the environment")

	var logged []string
	for _, line := range strings.Split(stderr, "\n") {
		if strings.Contains(line, "msg=request ") {
			logged = append(logged, line)
		}
	}
	require.Len(t, logged, requests, "one log line per request; stderr:\n%s", stderr)
	require.Regexp(t, `method=POST path=`+regexp.QuoteMeta(export.Root)+`/exportRequests status=202 duration=\S+ bytes=[1-9][0-9]* remote=127\.0\.0\.1:\d+`, logged[0])
	require.Contains(t, logged[2], "path="+export.Root+cancelPath+" status=200 ")
	require.Contains(t, logged[len(logged)-1], "status=401")

	basic := base64.StdEncoding.EncodeToString([]byte("alice:" + canary))
	for name, out := range map[string]string{"stdout": stdout, "stderr": stderr} {
		require.NotContains(t, out, canary, "%s shows the password", name)
		require.NotContains(t, out, basic, "%s shows the Authorization header", name)
	}
}

func TestServeRequestLog(t *testing.T) {
	tests := []struct {
		name  string
		args  []string
		check func(t *testing.T, stderr string)
	}{
		{"json", []string{"--log-format", "json"}, func(t *testing.T, stderr string) {
			var records []map[string]any
			for _, line := range strings.Split(stderr, "\n") {
				if strings.HasPrefix(line, "{") {
					var rec map[string]any
					require.NoError(t, json.Unmarshal([]byte(line), &rec), "line: %s", line)
					records = append(records, rec)
				}
			}
			require.Len(t, records, 2, "stderr:\n%s", stderr)
			for _, rec := range records {
				require.Equal(t, "request", rec["msg"])
				for _, key := range []string{"method", "path", "status", "duration", "bytes", "remote"} {
					require.Contains(t, rec, key)
				}
			}
			require.Equal(t, float64(http.StatusUnauthorized), records[0]["status"])
			require.Equal(t, float64(http.StatusNotFound), records[1]["status"])
		}},
		{"quiet", []string{"--quiet"}, func(t *testing.T, stderr string) {
			require.Equal(t, "conform serve: shut down\n", stderr)
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := startServe(t, aliceEnv, tt.args...)
			require.Equal(t, http.StatusUnauthorized, s.call(http.MethodGet, "/exportStatuses/1", "", "", "").status)
			require.Equal(t, http.StatusNotFound, s.call(http.MethodGet, "/exportStatuses/1", "alice", canary, "").status)
			require.Equal(t, exitPass, s.stop())
			tt.check(t, s.stderr.String())
		})
	}
}

func TestServePassesItsFlagsToTheFake(t *testing.T) {
	tests := []struct {
		name string
		args []string
		try  func(t *testing.T, s *serving)
	}{
		{"fail-table", []string{"--fail-table", "BROKEN", "--table-duration", "10ms"}, func(t *testing.T, s *serving) {
			r := s.call(http.MethodPost, "/exportRequests", "alice", canary, createBody("BROKEN"))
			require.Equal(t, http.StatusAccepted, r.status, "body: %s", r.body)
			s.pollProgress(relative(t, r.header.Get("Location")), "alice", canary, "failed")
		}},
		{"start-delay", []string{"--start-delay", "1h"}, func(t *testing.T, s *serving) {
			r := s.call(http.MethodPost, "/exportRequests", "alice", canary, createBody("SHIPMENT"))
			require.Equal(t, http.StatusAccepted, r.status, "body: %s", r.body)
			require.Equal(t, "pending", r.progress(t))
		}},
		{"max-body", []string{"--max-body", "100"}, func(t *testing.T, s *serving) {
			r := s.call(http.MethodPost, "/exportRequests", "alice", canary, createBody(manyTables(10)...))
			require.Equal(t, http.StatusBadRequest, r.status)
			require.Contains(t, string(r.body), "larger than 100 bytes")
		}},
		{"max-tables", []string{"--max-tables", "2"}, func(t *testing.T, s *serving) {
			r := s.call(http.MethodPost, "/exportRequests", "alice", canary, createBody(manyTables(3)...))
			require.Equal(t, http.StatusBadRequest, r.status, "body: %s", r.body)
			require.Contains(t, string(r.body), "tables.items names 3 tables, more than the 2 one export request may name")
		}},
		{"max-requests", []string{"--max-requests", "1", "--table-duration", "1h"}, func(t *testing.T, s *serving) {
			r := s.call(http.MethodPost, "/exportRequests", "alice", canary, createBody("SHIPMENT"))
			require.Equal(t, http.StatusAccepted, r.status, "body: %s", r.body)
			r = s.call(http.MethodPost, "/exportRequests", "alice", canary, createBody("SHIPMENT"))
			require.Equal(t, http.StatusTooManyRequests, r.status, "body: %s", r.body)
			require.Contains(t, []string{"3599", "3600"}, r.header.Get("Retry-After"), "the first request completes in an hour")
			require.Contains(t, string(r.body), "the server holds 1 export requests, as many as it keeps")
		}},
		{"max-stored-tables", []string{"--max-stored-tables", "3", "--table-duration", "1h"}, func(t *testing.T, s *serving) {
			r := s.call(http.MethodPost, "/exportRequests", "alice", canary, createBody(manyTables(2)...))
			require.Equal(t, http.StatusAccepted, r.status, "body: %s", r.body)
			r = s.call(http.MethodPost, "/exportRequests", "alice", canary, createBody(manyTables(2)...))
			require.Equal(t, http.StatusTooManyRequests, r.status, "body: %s", r.body)
			require.Contains(t, string(r.body), "more than the 3 it keeps")
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := startServe(t, aliceEnv, tt.args...)
			tt.try(t, s)
			require.Equal(t, exitPass, s.stop())
		})
	}
}

func TestServeDefaultCredentials(t *testing.T) {
	s := startServe(t, env{})
	require.Contains(t, s.stderr.String(), "no CONFORM_USERNAME/CONFORM_PASSWORD set: accepting the default credentials conform:conform — fine for a local mock")
	require.Equal(t, http.StatusNotFound, s.call(http.MethodGet, "/exportStatuses/1", "conform", "conform", "").status,
		"the default credentials are accepted")
	require.Equal(t, exitPass, s.stop())
}

func TestServeHalfTheCredentialsIsAConfigError(t *testing.T) {
	tests := []struct {
		name    string
		env     env
		missing string
	}{
		{"username only", env{envUsername: "alice"}, "CONFORM_PASSWORD"},
		{"password only", env{envPassword: canary}, "CONFORM_USERNAME"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			var stdout, stderr bytes.Buffer
			code := serveExit(ctx, tt.env, []string{"--addr", "127.0.0.1:0"}, &stdout, &stderr)
			require.Equal(t, exitUsage, code, "stderr:\n%s", stderr.String())
			require.Empty(t, stdout.String(), "it must not start")
			require.Contains(t, stderr.String(), tt.missing+" is not")
			require.NotContains(t, stderr.String(), canary)
		})
	}
}

func TestServeAddressInUseIsAConfigError(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	defer ln.Close()
	addr := ln.Addr().String()

	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	var stdout, stderr bytes.Buffer
	code := serveExit(ctx, aliceEnv, []string{"--addr", addr}, &stdout, &stderr)
	require.Equal(t, exitUsage, code, "stderr:\n%s", stderr.String())
	require.Empty(t, stdout.String())
	require.Contains(t, stderr.String(), "cannot listen on "+addr)
}

func TestServeHelp(t *testing.T) {
	code, out, errOut := conform(t, "serve", "--help")
	require.Equal(t, exitPass, code)
	require.Empty(t, errOut)
	for _, f := range []string{"-addr", "-table-duration", "-cancel-delay", "-start-delay", "-fail-table", "-defect", "-list-defects",
		"-variant", "-list-variants", "-max-body", "-max-tables", "-max-requests", "-max-stored-tables", "-log-format", "-quiet", envUsername, envPassword} {
		require.Contains(t, out, f)
	}
	_, out, _ = conform(t, "--help")
	require.Contains(t, out, "\n  serve ")
}

func TestParseServeFlags(t *testing.T) {
	defaults := serveFlags{
		addr:            "127.0.0.1:8080",
		tableDuration:   2 * time.Second,
		cancelDelay:     time.Second,
		maxBody:         fakeserver.DefaultMaxBodyBytes,
		maxTables:       fakeserver.DefaultMaxTables,
		maxRequests:     fakeserver.DefaultMaxRequests,
		maxStoredTables: fakeserver.DefaultMaxStoredTables,
		logFormat:       "text",
	}
	tests := []struct {
		name string
		args []string
		want serveFlags
	}{
		{"defaults", nil, defaults},
		{"every flag", []string{"--addr", ":0", "--table-duration", "150ms", "--cancel-delay", "3s", "--start-delay", "1s",
			"--fail-table", "A", "--fail-table", "B", "--defect", "stuck-cancelling", "--defect", "wrong-content-type",
			"--defect", "stuck-cancelling", "--list-defects", "--variant", "vendor-media-types", "--variant", "ids-as-strings",
			"--variant", "vendor-media-types", "--list-variants", "--max-body", "512", "--max-tables", "7", "--max-requests", "8",
			"--max-stored-tables", "9", "--log-format", "json", "--quiet"},
			serveFlags{addr: ":0", tableDuration: 150 * time.Millisecond, cancelDelay: 3 * time.Second, startDelay: time.Second,
				failTables: []string{"A", "B"}, defects: []fakeserver.Defect{fakeserver.DefectStuckCancelling, fakeserver.DefectWrongContentType},
				listDefects: true, variants: []fakeserver.Variant{fakeserver.VariantVendorMediaTypes, fakeserver.VariantIDsAsStrings},
				listVariants: true, maxBody: 512, maxTables: 7, maxRequests: 8, maxStoredTables: 9, logFormat: "json", quiet: true}},
		{"max-tables as large as max-stored-tables", []string{"--max-tables", "5", "--max-stored-tables", "5"},
			func() serveFlags { f := defaults; f.maxTables, f.maxStoredTables = 5, 5; return f }()},
		{"max-stored-tables below the default max-tables", []string{"--max-stored-tables", "5"},
			func() serveFlags { f := defaults; f.maxTables, f.maxStoredTables = 5, 5; return f }()},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := parseServeFlags(tt.args, io.Discard)
			require.NoError(t, err)
			require.Equal(t, tt.want, got)
		})
	}
}

func TestParseServeFlagsErrors(t *testing.T) {
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"zero table duration", []string{"--table-duration", "0s"}, "--table-duration must be positive"},
		{"negative cancel delay", []string{"--cancel-delay", "-1s"}, "--cancel-delay must be positive"},
		{"negative start delay", []string{"--start-delay", "-1s"}, "--start-delay must not be negative"},
		{"zero max body", []string{"--max-body", "0"}, "--max-body must be positive"},
		{"zero max tables", []string{"--max-tables", "0"}, "--max-tables must be positive, got 0"},
		{"negative max requests", []string{"--max-requests", "-1"}, "--max-requests must be positive, got -1"},
		{"zero max stored tables", []string{"--max-stored-tables", "0"}, "--max-stored-tables must be positive, got 0"},
		{"max tables over max stored tables", []string{"--max-tables", "10", "--max-stored-tables", "9"},
			"--max-tables 10 is more than --max-stored-tables 9: no such request could be held"},
		{"max requests not a number", []string{"--max-requests", "lots"}, `invalid value "lots" for flag -max-requests`},
		{"max tables too large for an int", []string{"--max-tables", "99999999999999999999"}, "-max-tables"},
		{"empty fail table", []string{"--fail-table", " "}, "want a table name"},
		{"unknown defect", []string{"--defect", "nope"}, `invalid value "nope" for flag -defect: unknown defect "nope": want one of cancel-completed-wrong-status, `},
		{"defect in the wrong case", []string{"--defect", "Stuck-Cancelling"}, `unknown defect "Stuck-Cancelling"`},
		{"unknown variant", []string{"--variant", "nope"}, `invalid value "nope" for flag -variant: unknown variant "nope": want one of dates-as-datetimetype, `},
		{"a defect is no variant", []string{"--variant", "wrong-content-type"}, `unknown variant "wrong-content-type"`},
		{"a variant is no defect", []string{"--defect", "vendor-media-types"}, `unknown defect "vendor-media-types"`},
		{"unknown log format", []string{"--log-format", "xml"}, "--log-format must be text or json"},
		{"not a duration", []string{"--table-duration", "fast"}, "table-duration"},
		{"password flag", []string{"--password", "x"}, "flag provided but not defined"},
		{"stray argument", []string{"now"}, "unexpected argument"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := parseServeFlags(tt.args, io.Discard)
			var ue *usageError
			require.ErrorAs(t, err, &ue)
			require.Contains(t, err.Error(), tt.want)

			var stderr bytes.Buffer
			require.Equal(t, exitUsage, exitCode(err, &stderr))
			require.Contains(t, stderr.String(), "Run 'conform serve --help' for usage.")
		})
	}
}

func TestServeListDefects(t *testing.T) {
	code, out, errOut := conform(t, "serve", "--list-defects")
	require.Equal(t, exitPass, code, "stderr:\n%s", errOut)
	require.Empty(t, errOut, "nothing is served, so no credentials note either")

	lines := strings.Split(strings.TrimSuffix(out, "\n"), "\n")
	defects := fakeserver.Defects()
	require.Len(t, lines, len(defects), "one line per defect:\n%s", out)
	column := len(lines[0]) - len(defects[0].Description)
	for i, d := range defects {
		require.Equal(t, string(d.Name), strings.TrimSpace(lines[i][:column]), "line %d names the defect", i+1)
		require.Equal(t, d.Description, lines[i][column:], "line %d describes it, in one column", i+1)
	}
	require.Contains(t, out, "stuck-cancelling  ")
}

func TestServeListVariants(t *testing.T) {
	code, out, errOut := conform(t, "serve", "--list-variants")
	require.Equal(t, exitPass, code, "stderr:\n%s", errOut)
	require.Empty(t, errOut, "nothing is served, so no credentials note either")

	lines := strings.Split(strings.TrimSuffix(out, "\n"), "\n")
	variants := fakeserver.Variants()
	require.Len(t, lines, len(variants), "one line per variant:\n%s", out)
	column := len(lines[0]) - len(variants[0].Description)
	for i, v := range variants {
		require.Equal(t, string(v.Name), strings.TrimSpace(lines[i][:column]), "line %d names the variant", i+1)
		require.Equal(t, v.Description, lines[i][column:], "line %d describes it, in one column", i+1)
	}
	require.NotContains(t, out, "stuck-cancelling", "variants are listed apart from defects")

	code, out, _ = conform(t, "serve", "--list-defects", "--list-variants")
	require.Equal(t, exitPass, code)
	require.Len(t, strings.Split(strings.TrimSuffix(out, "\n"), "\n"), len(fakeserver.Defects())+len(variants))
}

func TestServeWritesVariants(t *testing.T) {
	tests := []struct {
		name     string
		variants []string
		logged   string // "" means no variant line at all
		ct       string // the Content-Type of a create's answer
		id       string // how the create's answer writes the request id
	}{
		{"none", nil, "", "application/json; charset=utf-8", `"requestID":1000`},
		{"two", []string{"vendor-media-types", "ids-as-strings"},
			"conform serve: writing answers in the variants: vendor-media-types, ids-as-strings\n",
			"application/vnd.oracle.resource+json; type=singular", `"requestID":"1000"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var args []string
			for _, v := range tt.variants {
				args = append(args, "--variant", v)
			}
			s := startServe(t, aliceEnv, append(args, "--quiet")...)
			if tt.logged == "" {
				require.NotContains(t, s.stderr.String(), "variants")
			} else {
				require.Contains(t, s.stderr.String(), tt.logged)
			}
			require.NotContains(t, s.stderr.String(), "injecting defects", "a variant is not a defect")
			created := s.call(http.MethodPost, "/exportRequests", "alice", canary, createBody("SHIPMENT"))
			require.Equal(t, http.StatusAccepted, created.status, "body: %s", created.body)
			require.Equal(t, tt.ct, created.header.Get("Content-Type"))
			require.Contains(t, string(created.body), tt.id)
			require.Equal(t, exitPass, s.stop())
		})
	}
}

func TestServeUnknownDefectIsAUsageError(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	var stdout, stderr bytes.Buffer
	code := serveExit(ctx, aliceEnv, []string{"--addr", "127.0.0.1:0", "--defect", "stuck-cancelling", "--defect", "nope"}, &stdout, &stderr)
	require.Equal(t, exitUsage, code, "stderr:\n%s", stderr.String())
	require.Empty(t, stdout.String(), "it must not start")
	require.Contains(t, stderr.String(), `unknown defect "nope": want one of `)
	require.Contains(t, stderr.String(), "Run 'conform serve --help' for usage.")
}

func TestServeInjectsDefects(t *testing.T) {
	tests := []struct {
		name    string
		defects []string
		logged  string // "" means no defect line at all
		status  int    // what a cancel of an unknown id answers
	}{
		{"none", nil, "", http.StatusNotFound},
		{"two", []string{"cancel-unknown-wrong-status", "wrong-content-type"},
			"conform serve: injecting defects: cancel-unknown-wrong-status, wrong-content-type\n", http.StatusBadRequest},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var args []string
			for _, d := range tt.defects {
				args = append(args, "--defect", d)
			}
			s := startServe(t, aliceEnv, append(args, "--quiet")...)
			if tt.logged == "" {
				require.NotContains(t, s.stderr.String(), "injecting defects")
			} else {
				require.Contains(t, s.stderr.String(), tt.logged)
			}
			r := s.call(http.MethodPost, "/custom-actions/cancel/exportRequests/987654321987", "alice", canary, "")
			require.Equal(t, tt.status, r.status, "body: %s", r.body)
			created := s.call(http.MethodPost, "/exportRequests", "alice", canary, createBody("SHIPMENT"))
			require.Equal(t, http.StatusAccepted, created.status, "body: %s", created.body)
			wantType := map[bool]string{false: "application/json; charset=utf-8", true: "text/plain; charset=utf-8"}[tt.defects != nil]
			require.Equal(t, wantType, created.header.Get("Content-Type"))
			require.Equal(t, exitPass, s.stop())
		})
	}
}

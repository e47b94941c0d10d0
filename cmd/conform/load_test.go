package main

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/conform-harness/conform/fakeserver"
	"github.com/conform-harness/conform/internal/target"
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
	Abandoned     int64 `json:"abandoned"`
	Interrupted   bool  `json:"interrupted"`
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
			require.Contains(t, errOut, "Run 'conform load --help' for usage.")
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

// TestParseLoadFlagsRate: --rate is a finite number of requests per second, 0 (no limit, on
// loopback) or from 0.01 to 1000000, and at most 1000 on another host. NaN passed every
// comparison, and 1e-300 overflowed the pause between requests: both removed the limit.
func TestParseLoadFlagsRate(t *testing.T) {
	const remote = "https://api.example.com"
	tests := []struct {
		name string
		args []string
		want string // the usage error; "" when the flags are valid
	}{
		{"NaN", []string{"--rate", "NaN"}, "--rate must be a number of requests per second, got NaN"},
		{"nan", []string{"--rate", "nan"}, "--rate must be a number of requests per second, got NaN"},
		{"+Inf", []string{"--rate", "+Inf"}, "--rate must be a number of requests per second, got +Inf"},
		{"-Inf", []string{"--rate", "-Inf"}, "--rate must be a number of requests per second, got -Inf"},
		{"1e-300", []string{"--rate", "1e-300"}, "--rate must be at least 0.01 requests per second (one every 1m40s), or 0 for no limit, got 1e-300"},
		{"1e-12", []string{"--rate", "1e-12"}, "--rate must be at least 0.01 requests per second"},
		{"just below the minimum", []string{"--rate", "0.0099"}, "--rate must be at least 0.01"},
		{"negative", []string{"--rate", "-3"}, "--rate must not be negative, got -3"},
		{"above the maximum", []string{"--rate", "1000001"}, "--rate must be at most 1000000 requests per second"},
		{"a rate that rounds its pause to nothing", []string{"--rate", "1e10"}, "--rate must be at most 1000000"},
		{"NaN on another host", []string{"--base-url", remote, "--rate", "NaN"}, "--rate must be a number"},
		{"1e-300 on another host", []string{"--base-url", remote, "--rate", "1e-300"}, "--rate must be at least 0.01"},
		{"too fast for another host", []string{"--base-url", remote, "--rate", "1001"}, "--rate 1001 is more than 1000 requests per second"},
		{"no limit on another host", []string{"--base-url", remote, "--rate", "0"}, "is not this machine: give --rate"},
		{"zero request timeout", []string{"--request-timeout", "0"}, "--request-timeout must be positive, got 0s"},

		{"no limit on loopback", []string{"--rate", "0"}, ""},
		{"the minimum", []string{"--rate", "0.01"}, ""},
		{"the maximum on loopback", []string{"--rate", "1e6"}, ""},
		{"a loopback target", []string{"--base-url", "http://127.0.0.1:8080", "--rate", "5000"}, ""},
		{"the most on another host", []string{"--base-url", remote, "--rate", "1000"}, ""},
		{"slowly on another host", []string{"--base-url", remote, "--rate", "0.05", "--ids", "1"}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			lf, err := parseLoadFlags(tt.args, io.Discard)
			if tt.want == "" {
				require.NoError(t, err)
				require.False(t, lf.rate < 0 || lf.rate != lf.rate, "a valid rate: %g", lf.rate)
				return
			}
			var ue *usageError
			require.ErrorAs(t, err, &ue, "want a usage error, got %v", err)
			require.ErrorContains(t, err, tt.want)
			require.Equal(t, exitUsage, exitCode(err, io.Discard))
		})
	}
}

// injectSignals returns a loadCommand.signals that relays nothing but the signals given to send,
// which waits for the command to listen.
func injectSignals() (notify func(chan<- os.Signal) func(), send func(os.Signal)) {
	registered := make(chan chan<- os.Signal, 1)
	notify = func(c chan<- os.Signal) func() {
		registered <- c
		return func() {}
	}
	var c chan<- os.Signal
	var once sync.Once
	send = func(sig os.Signal) {
		once.Do(func() { c = <-registered })
		c <- sig
	}
	return notify, send
}

// TestLoadInterrupted interrupts a load against a fake mid-load, as SIGINT or SIGTERM would: the
// report is printed, the poll in flight is abandoned but not a failure, what the load created is
// cancelled, and the exit code names the signal.
func TestLoadInterrupted(t *testing.T) {
	tests := []struct {
		sig  os.Signal
		name string
		want int
	}{
		{syscall.SIGINT, "SIGINT", exitInterrupted},
		{syscall.SIGTERM, "SIGTERM", exitTerminated},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			notify, send := injectSignals()
			fake := fakeserver.New(fakeserver.Options{Username: "alice", Password: "wonderland"})
			var polls atomic.Int64
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				// The preflight's GET is no poll of the load: counting it made Requests one short
				// whenever no other poll was in flight at the signal.
				if r.Method == http.MethodGet && !strings.HasSuffix(r.URL.Path, "/"+target.PreflightID) && polls.Add(1) == 30 {
					send(tt.sig)
					select { // this poll is in flight when the signal comes: the load abandons it
					case <-r.Context().Done():
					case <-time.After(10 * time.Second):
						t.Errorf("the poll in flight was not abandoned")
					}
					return
				}
				fake.ServeHTTP(w, r)
			}))
			t.Cleanup(srv.Close)

			var stdout, stderr syncBuffer
			cmd := loadCommand{getenv: env{"CONFORM_USERNAME": "alice", "CONFORM_PASSWORD": "wonderland"}.get, signals: notify}
			err := cmd.run(context.Background(), []string{"--base-url", srv.URL, "--duration", "10m", "--ids", "4", "--format", "json"},
				strings.NewReader(""), &stdout, &stderr)
			code := exitCode(err, &stderr)
			require.Equal(t, tt.want, code, stderr.String())

			rep := decodeLoadReport(t, stdout.String())
			require.True(t, rep.Interrupted)
			require.GreaterOrEqual(t, rep.Abandoned, int64(1))
			require.Zero(t, rep.Failed, "abandoned polls are not failures")
			require.GreaterOrEqual(t, rep.Requests, int64(30))
			require.Zero(t, rep.NonConforming, rep.Violations)
			require.Contains(t, stderr.String(), "conform load: started, for 10m0s; SIGINT (Ctrl-C) or SIGTERM stops it early\n")
			require.Contains(t, stderr.String(), "conform load: "+tt.name+": starting no new request; cancelling the export requests this load created, then the report; send it again to stop at once\n")
			require.Contains(t, stderr.String(), "conform: interrupted by "+tt.name+"\n")
			require.NotContains(t, stderr.String(), "got no answer")
			require.Len(t, fake.IDs(), 4)
			for _, id := range fake.IDs() {
				doc, ok := fake.Status(id)
				require.True(t, ok)
				require.Contains(t, []string{"cancelling", "cancelled"}, string(doc.Progress), "the load cancelled what it created")
			}
		})
	}
}

// TestInterruptedLoadReportsAsText: the text report says how many requests were abandoned.
func TestInterruptedLoadReportsAsText(t *testing.T) {
	notify, send := injectSignals()
	fake := fakeserver.New(fakeserver.Options{})
	var polls atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodGet && polls.Add(1) == 10 {
			send(syscall.SIGTERM)
		}
		fake.ServeHTTP(w, r)
	}))
	t.Cleanup(srv.Close)
	var stdout, stderr syncBuffer
	cmd := loadCommand{getenv: env{"CONFORM_USERNAME": fakeserver.DefaultUsername, "CONFORM_PASSWORD": fakeserver.DefaultPassword}.get, signals: notify}
	err := cmd.run(context.Background(), []string{"--base-url", srv.URL, "--duration", "10m"}, strings.NewReader(""), &stdout, &stderr)
	require.Equal(t, exitTerminated, exitCode(err, &stderr), stderr.String())
	require.Regexp(t, `\nrequests:    \d+ in \S+ \(0 without an answer, \d+ abandoned when the load was interrupted\)\n`, stdout.String())
	require.Contains(t, stdout.String(), "10 requests created first and cancelled after")
}

// TestLoadStopsAtOnceOnASecondSignal: a clean-up that does not come back (the target holds every
// cancel) is no trap: a second signal returns at once, with the exit code of the first.
func TestLoadStopsAtOnceOnASecondSignal(t *testing.T) {
	notify, send := injectSignals()
	fake := fakeserver.New(fakeserver.Options{})
	release := make(chan struct{})
	var polls, cancels atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch {
		case r.Method == http.MethodGet && polls.Add(1) == 10:
			send(syscall.SIGTERM)
		case strings.Contains(r.URL.Path, "/custom-actions/cancel/"):
			if cancels.Add(1) == 1 {
				send(syscall.SIGINT) // the clean-up is under way, and stuck
			}
			select {
			case <-release:
			case <-r.Context().Done():
			}
			return
		}
		fake.ServeHTTP(w, r)
	}))
	t.Cleanup(srv.Close)
	t.Cleanup(func() { close(release) }) // before srv.Close: the abandoned clean-up may end

	var stdout, stderr syncBuffer
	cmd := loadCommand{getenv: env{"CONFORM_USERNAME": fakeserver.DefaultUsername, "CONFORM_PASSWORD": fakeserver.DefaultPassword}.get, signals: notify}
	err := cmd.run(context.Background(), []string{"--base-url", srv.URL, "--duration", "10m", "--ids", "3"}, strings.NewReader(""), &stdout, &stderr)
	require.Equal(t, exitTerminated, exitCode(err, &stderr), "the first signal names the exit code: %s", stderr.String())
	require.Contains(t, stderr.String(), "conform load: SIGTERM: starting no new request")
	require.Contains(t, stderr.String(), "conform load: SIGINT again: stopping at once; export requests this load created may still be running\n")
	require.Equal(t, int64(1), cancels.Load(), "it did not wait for the clean-up")
	require.Empty(t, stdout.String(), "no report: the load had not finished")
}

func TestInterruptedExitCodes(t *testing.T) {
	require.Equal(t, 130, signalExit(syscall.SIGINT))
	require.Equal(t, 130, signalExit(os.Interrupt))
	require.Equal(t, 143, signalExit(syscall.SIGTERM))
	require.Equal(t, 129, signalExit(syscall.SIGHUP), "128 plus the number of any other signal")
	for _, tt := range []struct {
		err  error
		want int
		say  string
	}{
		{&interruptedError{signal: syscall.SIGINT}, exitInterrupted, "conform: interrupted by SIGINT\n"},
		{&interruptedError{signal: syscall.SIGTERM}, exitTerminated, "conform: interrupted by SIGTERM\n"},
		{fmt.Errorf("load: %w", &interruptedError{signal: syscall.SIGTERM}), exitTerminated, "conform: load: interrupted by SIGTERM\n"},
		{errors.Join(errNotConforming, &interruptedError{signal: syscall.SIGINT}), exitInterrupted, "interrupted by SIGINT"},
	} {
		var stderr bytes.Buffer
		require.Equal(t, tt.want, exitCode(tt.err, &stderr), tt.err.Error())
		require.Contains(t, stderr.String(), tt.say)
	}
}

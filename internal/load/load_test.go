package load

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"math"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/conform-harness/conform/export"
	"github.com/conform-harness/conform/fakeserver"
)

var createBody = []byte(`{"tables":{"items":[{"tableName":"SHIPMENT"},{"tableName":"SHIPMENT_REFNUM"}]}}`)

// target serves handler (the fake unless given) on 127.0.0.1 and returns a Config for it.
func target(t *testing.T, handler http.Handler) Config {
	t.Helper()
	if handler == nil {
		handler = fakeserver.New(fakeserver.Options{})
	}
	srv := httptest.NewServer(handler)
	t.Cleanup(srv.Close)
	tr := srv.Client().Transport.(*http.Transport).Clone()
	tr.MaxIdleConnsPerHost = 16
	t.Cleanup(tr.CloseIdleConnections)
	return Config{
		Root:      srv.URL + export.Root,
		Transport: tr,
		Auth: func(r *http.Request) error {
			r.SetBasicAuth(fakeserver.DefaultUsername, fakeserver.DefaultPassword)
			return nil
		},
		Duration:      300 * time.Millisecond,
		Concurrency:   4,
		CreateBody:    createBody,
		ValidateEvery: 1,
	}
}

func TestStatusMixAgainstTheFake(t *testing.T) {
	fake := fakeserver.New(fakeserver.Options{})
	cfg := target(t, fake)
	cfg.IDs = 5
	rep, err := Run(context.Background(), cfg)
	require.NoError(t, err)
	require.Positive(t, rep.Requests)
	require.Zero(t, rep.Failed, rep.Errors)
	require.Equal(t, []StatusCount{{Operation: opStatus, Status: 200, Count: rep.Requests}}, rep.Statuses)
	require.Zero(t, rep.NonConforming, rep.Violations)
	require.Equal(t, rep.Requests+2*5, rep.Validated, "every answer, setup and cleanup included")
	require.Positive(t, rep.Throughput)
	require.Positive(t, rep.Latency.P50)
	require.LessOrEqual(t, rep.Latency.P50, rep.Latency.P99)
	require.LessOrEqual(t, rep.Latency.P99, rep.Latency.Max)
	require.Equal(t, 5, rep.Setup)
	require.Len(t, fake.IDs(), 5, "the load created its requests")
	for _, id := range fake.IDs() {
		doc, ok := fake.Status(id)
		require.True(t, ok)
		require.Contains(t, []string{"cancelling", "cancelled"}, string(doc.Progress), "the load cancelled what it created")
	}
}

func TestCycleMixCancelsWhatItCreates(t *testing.T) {
	fake := fakeserver.New(fakeserver.Options{})
	cfg := target(t, fake)
	cfg.Mix = MixCycle
	cfg.ValidateEvery = 3
	rep, err := Run(context.Background(), cfg)
	require.NoError(t, err)
	require.Zero(t, rep.Failed, rep.Errors)
	require.Zero(t, rep.NonConforming, rep.Violations)
	counts := map[string]int64{}
	for _, s := range rep.Statuses {
		counts[s.Operation] += s.Count
		want := map[string]int{opCreate: 202, opStatus: 200, opCancel: 200}[s.Operation]
		require.Equal(t, want, s.Status, s.Operation)
	}
	require.Positive(t, counts[opCreate])
	require.Equal(t, counts[opCreate], counts[opCancel], "every created request is cancelled")
	require.Len(t, fake.IDs(), int(counts[opCreate]))
	require.Less(t, rep.Validated, rep.Requests, "one answer in three")
	require.Positive(t, rep.Validated)
}

func TestRateCapsTheLoad(t *testing.T) {
	cfg := target(t, nil)
	cfg.Rate = 40
	cfg.Duration = 500 * time.Millisecond
	cfg.IDs = 2
	rep, err := Run(context.Background(), cfg)
	require.NoError(t, err)
	// 500 ms at 40/s is 20 starts; the two setup creates take the first two slots.
	require.LessOrEqual(t, rep.Requests, int64(21))
	require.GreaterOrEqual(t, rep.Requests, int64(10))
}

// corrupt rewrites the status documents the fake answers with edit.
func corrupt(edit func(string) string) http.Handler {
	fake := fakeserver.New(fakeserver.Options{})
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rec := httptest.NewRecorder()
		fake.ServeHTTP(rec, r)
		body := rec.Body.String()
		if r.Method == http.MethodGet {
			body = edit(body)
		}
		for k, v := range rec.Header() {
			w.Header()[k] = v
		}
		w.Header().Del("Content-Length")
		w.WriteHeader(rec.Code)
		w.Write([]byte(body))
	})
}

func TestNonConformingAnswersAreCountedAndQuoted(t *testing.T) {
	tests := []struct {
		name string
		edit func(string) string
		want string
	}{
		{"spec", func(s string) string {
			return strings.Replace(s, `"progress":"processing"`, `"progress":"canceling"`, 1)
		},
			"spec: response /progress: response body doesn't match schema #/components/schemas/ExportStatus: value is not one of the allowed values"},
		{"invariant", func(s string) string { return strings.Replace(s, `"completed":false`, `"completed":true`, 1) },
			"invariant 1 (valid-progress): completed is true but progress \"processing\" is not terminal"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := target(t, corrupt(tt.edit))
			cfg.Duration = 100 * time.Millisecond
			cfg.MaxViolations = 3
			rep, err := Run(context.Background(), cfg)
			require.NoError(t, err)
			require.Positive(t, rep.Requests)
			require.Equal(t, rep.Requests, rep.NonConforming, "every status answer is broken")
			require.Len(t, rep.Violations, 3)
			require.Contains(t, rep.Violations[0], "GET /logisticsRestApi/data/v1/exportStatuses/")
			require.Contains(t, rep.Violations[0], tt.want)
			require.False(t, rep.Conforms())
		})
	}
}

// TestRedirectIsAnAnswer: the load's client is the one every API call uses
// (transport.APIClient): a status call answered 302 counts as a 302, and the place it points to
// gets nothing, not even the credentials.
func TestRedirectIsAnAnswer(t *testing.T) {
	var followed atomic.Int32
	elsewhere := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		followed.Add(1)
	}))
	t.Cleanup(elsewhere.Close)
	fake := fakeserver.New(fakeserver.Options{})
	cfg := target(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodGet {
			http.Redirect(w, r, elsewhere.URL+r.URL.Path, http.StatusFound)
			return
		}
		fake.ServeHTTP(w, r)
	}))
	cfg.IDs = 1
	cfg.Duration = 50 * time.Millisecond
	cfg.Concurrency = 1
	rep, err := Run(context.Background(), cfg)
	require.NoError(t, err)
	require.Positive(t, rep.Requests)
	require.Equal(t, []StatusCount{{Operation: opStatus, Status: http.StatusFound, Count: rep.Requests}}, rep.Statuses)
	require.Zero(t, followed.Load(), "the redirect was followed")
}

// TestAbsurdIDIsNotSent: a request id a target made too long for a path (export.PathOf) is
// polled by no request: each poll is a failure that says why, and nothing reaches the target.
func TestAbsurdIDIsNotSent(t *testing.T) {
	fake := fakeserver.New(fakeserver.Options{})
	var polled atomic.Int32
	long := strings.Repeat("9", export.MaxPathID+1)
	cfg := target(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodGet || strings.Contains(r.URL.Path, "/cancel/") {
			polled.Add(1)
		}
		rec := httptest.NewRecorder()
		fake.ServeHTTP(rec, r)
		body := regexp.MustCompile(`"requestID":\d+`).ReplaceAllString(rec.Body.String(), `"requestID":"`+long+`"`)
		for k, v := range rec.Header() {
			w.Header()[k] = v
		}
		w.Header().Del("Content-Length")
		w.WriteHeader(rec.Code)
		w.Write([]byte(body))
	}))
	cfg.IDs = 1
	cfg.Duration = 50 * time.Millisecond
	cfg.Concurrency = 1
	rep, err := Run(context.Background(), cfg)
	require.NoError(t, err)
	require.Positive(t, rep.Requests)
	require.Equal(t, rep.Requests, rep.Failed)
	require.Contains(t, strings.Join(rep.Errors, "\n"), "status: request id of 1025 bytes: at most 1024")
	require.Zero(t, polled.Load(), "a request named the absurd id")
}

func TestSetupThatCannotCreateIsAnError(t *testing.T) {
	cfg := target(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, "down", http.StatusServiceUnavailable)
	}))
	_, err := Run(context.Background(), cfg)
	require.ErrorContains(t, err, "create the 10 requests to poll: create answered 503, not 202")
}

func TestFailuresAreCounted(t *testing.T) {
	cfg := target(t, nil)
	cfg.Mix = MixCycle
	cfg.Root = "http://127.0.0.1:1" + export.Root // nothing listens on port 1
	cfg.Duration = 50 * time.Millisecond
	cfg.Concurrency = 1
	rep, err := Run(context.Background(), cfg)
	require.NoError(t, err)
	require.Positive(t, rep.Failed)
	require.Equal(t, rep.Requests, rep.Failed)
	require.NotEmpty(t, rep.Errors)
	require.False(t, rep.Conforms())
}

// refuseToSend is a transport that sends nothing: a Config the check should refuse must not
// reach any host, not even when the check is broken.
type refuseToSend struct{ t testing.TB }

func (r refuseToSend) RoundTrip(req *http.Request) (*http.Response, error) {
	r.t.Errorf("sent %s %s: the config should have been refused", req.Method, req.URL)
	return nil, errors.New("refused by the test")
}

func TestConfigIsChecked(t *testing.T) {
	base := Config{Root: "http://127.0.0.1:9" + export.Root, CreateBody: createBody, Transport: refuseToSend{t}, Duration: 10 * time.Millisecond}
	tests := []struct {
		name string
		edit func(*Config)
		want string
	}{
		{"mix", func(c *Config) { c.Mix = "burst" }, `mix "burst"`},
		{"duration", func(c *Config) { c.Duration = time.Hour }, "duration 1h0m0s"},
		{"concurrency", func(c *Config) { c.Concurrency = 5000 }, "concurrency 5000"},
		{"rate", func(c *Config) { c.Rate = -1 }, "rate -1"},
		{"rate NaN", func(c *Config) { c.Rate = math.NaN() }, "rate NaN"},
		{"rate +Inf", func(c *Config) { c.Rate = math.Inf(1) }, "rate +Inf"},
		{"rate -Inf", func(c *Config) { c.Rate = math.Inf(-1) }, "rate -Inf"},
		{"rate 1e-300", func(c *Config) { c.Rate = 1e-300 }, "rate 1e-300"},
		{"rate 1e-12", func(c *Config) { c.Rate = 1e-12 }, "rate 1e-12"},
		{"rate below the minimum", func(c *Config) { c.Rate = 0.009 }, "rate 0.009"},
		{"rate above the maximum", func(c *Config) { c.Rate = 2e6 }, "rate 2e+06"},
		{"rate above what the pacer can space", func(c *Config) { c.Rate = 1e10 }, "rate 1e+10"},
		{"no rate on another host", func(c *Config) { c.Root = "https://api.example.com" + export.Root },
			"rate 0: root https://api.example.com/logisticsRestApi/data/v1 is not this machine"},
		{"rate too high on another host", func(c *Config) { c.Root = "http://10.1.2.3" + export.Root; c.Rate = 1001 }, "rate 1001: root"},
		{"ids", func(c *Config) { c.IDs = MaxIDs + 1 }, "ids 10001"},
		{"body", func(c *Config) { c.CreateBody = nil }, "no create body"},
		{"root", func(c *Config) { c.Root = "ftp://x" }, `root "ftp://x"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := base
			tt.edit(&cfg)
			// Bounded, so that a config wrongly accepted (at 0.009/s, say) fails the test
			// instead of hanging it.
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer cancel()
			_, err := Run(ctx, cfg)
			var ce *ConfigError
			require.ErrorAs(t, err, &ce)
			require.ErrorContains(t, err, tt.want)
		})
	}
}

func TestConfigAcceptsTheRatesItDocuments(t *testing.T) {
	loopback := "http://127.0.0.1:9" + export.Root
	remote := "https://api.example.com" + export.Root
	tests := []struct {
		root string
		rate float64
	}{
		{loopback, 0}, {loopback, 0.01}, {loopback, 1}, {loopback, 1e6},
		{remote, 0.01}, {remote, 40}, {remote, 1000},
		{"http://localhost:9" + export.Root, 0}, {"http://[::1]:9" + export.Root, 0},
	}
	for _, tt := range tests {
		cfg := Config{Root: tt.root, CreateBody: createBody, Rate: tt.rate}
		require.NoError(t, cfg.check(), "%s at %g/s", tt.root, tt.rate)
	}
}

// interruptOn serves the fake, and calls interrupt when the nth request that match accepts
// arrives; that request then waits for its client to give up on it, so that it is abandoned,
// unless answer is set, in which case it is answered as usual.
func interruptOn(t testing.TB, fake http.Handler, n int64, match func(*http.Request) bool, answer bool, interrupt func()) http.Handler {
	t.Helper()
	var seen atomic.Int64
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if match(r) && seen.Add(1) == n {
			interrupt()
			if !answer {
				select {
				case <-r.Context().Done(): // the client abandoned it
				case <-time.After(10 * time.Second):
					t.Errorf("the request in flight when the load was interrupted was not abandoned")
				}
				return
			}
		}
		fake.ServeHTTP(w, r)
	})
}

func isPoll(r *http.Request) bool   { return r.Method == http.MethodGet }
func isCreate(r *http.Request) bool { return strings.HasSuffix(r.URL.Path, "/exportRequests") }

// requireAllCancelled fails unless every export request the fake holds was cancelled.
func requireAllCancelled(t testing.TB, fake *fakeserver.Server) {
	t.Helper()
	require.NotEmpty(t, fake.IDs())
	for _, id := range fake.IDs() {
		doc, ok := fake.Status(id)
		require.True(t, ok)
		require.Contains(t, []string{"cancelling", "cancelled"}, string(doc.Progress), "request %s was left running", id)
	}
}

func TestInterruptedLoadAbandonsWithoutFailing(t *testing.T) {
	fake := fakeserver.New(fakeserver.Options{})
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	cfg := target(t, interruptOn(t, fake, 50, isPoll, false, cancel))
	cfg.Duration = MaxDuration // only the interruption ends it
	cfg.IDs = 3
	rep, err := Run(ctx, cfg)
	require.NoError(t, err)
	require.True(t, rep.Interrupted)
	require.GreaterOrEqual(t, rep.Abandoned, int64(1), "the poll in flight was abandoned")
	require.Zero(t, rep.Failed, "abandoned polls are not failures: %v", rep.Errors)
	require.Empty(t, rep.Errors)
	require.GreaterOrEqual(t, rep.Requests, int64(50))
	require.True(t, rep.Conforms(), "the answers seen conform")
	require.Equal(t, 3, rep.Setup)
	requireAllCancelled(t, fake)
}

func TestInterruptedCycleMixCancelsEveryCreate(t *testing.T) {
	fake := fakeserver.New(fakeserver.Options{})
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	// The load is interrupted while a create is in flight: that create must still be read, and
	// the request it made cancelled.
	cfg := target(t, interruptOn(t, fake, 10, isCreate, true, cancel))
	cfg.Mix = MixCycle
	cfg.Duration = MaxDuration
	rep, err := Run(ctx, cfg)
	require.NoError(t, err)
	require.True(t, rep.Interrupted)
	require.Zero(t, rep.Failed, rep.Errors)
	counts := map[string]int64{}
	for _, s := range rep.Statuses {
		counts[s.Operation] += s.Count
	}
	require.GreaterOrEqual(t, counts[opCreate], int64(10))
	require.Equal(t, counts[opCreate], counts[opCancel], "every created request is cancelled")
	require.Len(t, fake.IDs(), int(counts[opCreate]))
	requireAllCancelled(t, fake)
}

func TestInterruptedSetupIsReportedAndCleanedUp(t *testing.T) {
	fake := fakeserver.New(fakeserver.Options{})
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	cfg := target(t, interruptOn(t, fake, 3, isCreate, true, cancel))
	cfg.Duration = MaxDuration
	cfg.Concurrency = 1
	cfg.IDs = 10
	started := 0
	cfg.Started = func() { started++ }
	rep, err := Run(ctx, cfg)
	require.NoError(t, err, "an interrupted setup is not a failure to create")
	require.True(t, rep.Interrupted)
	require.Zero(t, rep.Requests, "the measured load never started")
	require.Zero(t, started)
	require.Equal(t, 3, rep.Setup, "the create in flight was read to its end")
	require.Len(t, fake.IDs(), 3)
	requireAllCancelled(t, fake)
}

func TestStartedIsCalledOnceTheLoadStarts(t *testing.T) {
	fake := fakeserver.New(fakeserver.Options{})
	cfg := target(t, fake)
	cfg.Duration = 50 * time.Millisecond
	cfg.IDs = 2
	var created []int
	cfg.Started = func() { created = append(created, len(fake.IDs())) }
	rep, err := Run(context.Background(), cfg)
	require.NoError(t, err)
	require.Equal(t, []int{2}, created, "once, after the setup")
	require.False(t, rep.Interrupted)
	require.Zero(t, rep.Abandoned)
}

func TestReportFormats(t *testing.T) {
	rep := &Report{
		Target: "http://127.0.0.1:9/logisticsRestApi/data/v1", Mix: MixStatus, Concurrency: 2, Elapsed: 1500 * time.Millisecond,
		Requests: 3000, Throughput: 2000, Latency: Latency{P50: 900 * time.Microsecond, P90: 2 * time.Millisecond, P99: 5123456, Max: 20 * time.Millisecond},
		Statuses: []StatusCount{{opStatus, 200, 3000}}, ValidateEvery: 10, Validated: 300, Setup: 10,
	}
	var text bytes.Buffer
	require.NoError(t, rep.WriteText(&text))
	require.Equal(t, `target:      http://127.0.0.1:9/logisticsRestApi/data/v1
load:        mix status, concurrency 2, rate no limit, 10 requests created first and cancelled after
requests:    3000 in 1.5s (0 without an answer)
throughput:  2000 answers/s
latency:     p50 900µs  p90 2ms  p99 5.12ms  max 20ms
answers:
  getExportStatus      200  3000
checked:     300 answers (one in 10) against the spec and the invariants
nonconforming: 0
`, text.String())

	var js bytes.Buffer
	require.NoError(t, rep.WriteJSON(&js))
	var got map[string]any
	require.NoError(t, json.Unmarshal(js.Bytes(), &got))
	require.Equal(t, 1.5, got["elapsed_seconds"])
	require.Equal(t, 3000.0, got["requests"])
	require.Equal(t, map[string]any{"p50_ms": 0.9, "p90_ms": 2.0, "p99_ms": 5.123, "max_ms": 20.0}, got["latency"])
	require.Equal(t, 0.0, got["abandoned"])
	require.Equal(t, false, got["interrupted"])

	rep.Interrupted, rep.Abandoned, rep.Requests = true, 7, 3007
	text.Reset()
	require.NoError(t, rep.WriteText(&text))
	require.Contains(t, text.String(), "\nrequests:    3007 in 1.5s (0 without an answer, 7 abandoned when the load was interrupted)\n")
	js.Reset()
	require.NoError(t, rep.WriteJSON(&js))
	require.NoError(t, json.Unmarshal(js.Bytes(), &got))
	require.Equal(t, 7.0, got["abandoned"])
	require.Equal(t, 0.0, got["failed"])
	require.Equal(t, true, got["interrupted"])
}

// Package load puts a measured load on an export-request API (the bundled fake, or any
// endpoint) and reports the throughput, the latency percentiles, the answers by operation and
// status, and every answer that does not conform: one that breaks the OpenAPI spec, or a status
// document that breaks an invariant a single document must keep (DESIGN §2: 1, 5 and 6).
//
// Two mixes: MixStatus polls the status of a few requests created before the measurement
// starts (and cancels them after it ends); MixCycle repeats create, poll, cancel. Every request
// a load sends, its setup and cleanup included, goes through one rate limit when one is set.
//
// A load interrupted (its context ended) starts no new request, abandons the polls in flight,
// and still cancels every export request it created: a create, once sent, is read to its answer
// whatever the context, because that answer names the request to cancel.
package load

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"net"
	"net/http"
	"net/url"
	"sync"
	"time"

	"github.com/conform-harness/conform/export"
	"github.com/conform-harness/conform/internal/transport"
	"github.com/conform-harness/conform/judge"
	"github.com/conform-harness/conform/openapi"
	"github.com/conform-harness/conform/oracle"
)

// Mix names the requests a load sends.
type Mix string

// The mixes.
const (
	// MixStatus sends GET /exportStatuses/{id}, round robin over Config.IDs requests created
	// before the measurement starts; they are cancelled once it ends.
	MixStatus Mix = "status"
	// MixCycle repeats a cycle of three requests per worker: create an export request, poll its
	// status, cancel it. A cycle that was created is always cancelled, even after the deadline.
	MixCycle Mix = "mix"
)

// Limits and defaults of Config.
const (
	DefaultDuration      = 10 * time.Second
	MaxDuration          = 10 * time.Minute
	MaxConcurrency       = 1024
	DefaultIDs           = 10
	MaxIDs               = 10000
	DefaultMaxViolations = 10
)

// Bounds of Config.Rate, in requests per second.
//
// MinRate spaces starts 100 s apart: six requests in the longest load (MaxDuration), and an
// interval far inside time.Duration, which a rate such as 1e-12 or 1e-300 would overflow. A
// slower load is no load at all.
//
// MaxRate spaces starts 1 µs apart, about the finest a timer paces; a higher rate would round
// its interval to a few nanoseconds, and above 1e9/s to 0, which paces nothing. It holds on this
// machine too, where 0 asks for no limit outright.
//
// MaxRemoteRate is the most a load sends to a host that is not this machine, where a rate is
// also required.
const (
	MinRate       = 0.01
	MaxRate       = 1_000_000
	MaxRemoteRate = 1000
)

// The operations, named as the spec's operationIds.
const (
	opCreate = "createExportRequest"
	opStatus = "getExportStatus"
	opCancel = "cancelExportRequest"
)

// Config describes one load.
type Config struct {
	// Root is the API root URL, ending in export.Root.
	Root string
	// Transport sends the requests; nil means http.DefaultTransport. Give it enough idle
	// connections per host for Concurrency, or the load measures connection set-up.
	Transport http.RoundTripper
	// Auth adds the credentials to a request; nil adds none.
	Auth func(*http.Request) error
	// Mix is the requests sent; "" means MixStatus.
	Mix Mix
	// Duration is how long requests are started for; 0 means DefaultDuration. At most
	// MaxDuration.
	Duration time.Duration
	// Concurrency is the number of workers, each with one request in flight; below 1 means 1.
	// At most MaxConcurrency.
	Concurrency int
	// Rate caps the requests started per second, all workers together, setup and cleanup
	// included. 0 means no cap, allowed only when Root is this machine (IsLoopback); any other
	// rate is from MinRate to MaxRate, and at most MaxRemoteRate when Root is not this machine.
	// NaN and infinities are refused.
	Rate float64
	// IDs is how many requests MixStatus creates before it starts; 0 means DefaultIDs. At most
	// MaxIDs.
	IDs int
	// CreateBody is the JSON body of every create. Required.
	CreateBody []byte
	// ValidateEvery checks one answer in ValidateEvery (per worker) against the spec and the
	// single-document invariants: 1 checks every answer, 0 none. Setup and cleanup answers are
	// always checked.
	ValidateEvery int
	// Validator checks answers; nil means openapi.NewValidator().
	Validator *openapi.Validator
	// MaxBodyBytes caps the body read of one answer; 0 means transport.DefaultMaxResponseBytes.
	MaxBodyBytes int64
	// MaxViolations is how many violations and errors the report quotes; 0 means
	// DefaultMaxViolations.
	MaxViolations int
	// Started, when not nil, is called once, when the measured load starts: after MixStatus has
	// created its requests and before the first request measured. It is not called when ctx
	// ends first.
	Started func()
}

// ConfigError is a Config that cannot be run.
type ConfigError struct{ Err error }

func (e *ConfigError) Error() string { return e.Err.Error() }
func (e *ConfigError) Unwrap() error { return e.Err }

func (cfg *Config) check() error {
	if cfg.Mix == "" {
		cfg.Mix = MixStatus
	}
	if cfg.Duration == 0 {
		cfg.Duration = DefaultDuration
	}
	cfg.Concurrency = max(cfg.Concurrency, 1)
	if cfg.IDs == 0 {
		cfg.IDs = DefaultIDs
	}
	if cfg.MaxBodyBytes <= 0 {
		cfg.MaxBodyBytes = transport.DefaultMaxResponseBytes
	}
	if cfg.MaxViolations <= 0 {
		cfg.MaxViolations = DefaultMaxViolations
	}
	if cfg.Transport == nil {
		cfg.Transport = http.DefaultTransport
	}
	switch {
	case cfg.Mix != MixStatus && cfg.Mix != MixCycle:
		return fmt.Errorf("mix %q: want %s or %s", cfg.Mix, MixStatus, MixCycle)
	case cfg.Duration < 0 || cfg.Duration > MaxDuration:
		return fmt.Errorf("duration %s: want more than 0 and at most %s", cfg.Duration, MaxDuration)
	case cfg.Concurrency > MaxConcurrency:
		return fmt.Errorf("concurrency %d: want at most %d", cfg.Concurrency, MaxConcurrency)
	case math.IsNaN(cfg.Rate) || math.IsInf(cfg.Rate, 0) || cfg.Rate < 0 || (cfg.Rate > 0 && cfg.Rate < MinRate) || cfg.Rate > MaxRate:
		return fmt.Errorf("rate %g: want from %g to %d requests per second, or 0 for no limit", cfg.Rate, MinRate, MaxRate)
	case cfg.IDs < 0 || cfg.IDs > MaxIDs:
		return fmt.Errorf("ids %d: want between 1 and %d", cfg.IDs, MaxIDs)
	case cfg.ValidateEvery < 0:
		return fmt.Errorf("validate-every %d: want 0 (none), 1 (every answer) or more", cfg.ValidateEvery)
	case len(cfg.CreateBody) == 0:
		return errors.New("no create body")
	}
	u, err := url.Parse(cfg.Root)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return fmt.Errorf("root %q: want an http(s) URL", cfg.Root)
	}
	if !IsLoopback(cfg.Root) && (cfg.Rate == 0 || cfg.Rate > MaxRemoteRate) {
		return fmt.Errorf("rate %g: root %s is not this machine: want from %g to %d requests per second", cfg.Rate, cfg.Root, MinRate, MaxRemoteRate)
	}
	if cfg.Validator == nil {
		if cfg.Validator, err = openapi.NewValidator(); err != nil {
			return err
		}
	}
	return nil
}

// IsLoopback reports whether the URL's host is this machine by name or by address: localhost,
// or an IP address in 127.0.0.0/8 or ::1. No name is looked up, and a URL that does not parse is
// not this machine.
func IsLoopback(rawURL string) bool {
	u, err := url.Parse(rawURL)
	if err != nil {
		return false
	}
	host := u.Hostname()
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// Run puts the load cfg describes on its target and reports what came back. It returns a
// *ConfigError for a Config that cannot run, and an error when the setup of MixStatus cannot
// create its requests; a failed or non-conforming answer during the load is in the Report, not
// an error.
//
// When ctx ends, Run starts no new request and abandons the polls in flight (counted in
// Report.Abandoned, not as failures), cancels the export requests the load created, with the
// rate limit but without ctx, and returns what it saw with Report.Interrupted set: also when ctx
// ends during the setup of MixStatus.
func Run(ctx context.Context, cfg Config) (*Report, error) {
	if err := cfg.check(); err != nil {
		return nil, &ConfigError{Err: err}
	}
	r := &runner{
		cfg:    cfg,
		client: transport.APIClient(cfg.Transport), // a redirect is an answer, as for every API call
		pace:   newPacer(cfg.Rate),
	}
	outside := newStats(cfg.MaxViolations) // setup and cleanup
	var ids []export.ID
	if cfg.Mix == MixStatus {
		var err error
		ids, err = r.setUp(ctx, outside)
		defer func() { r.cleanUp(context.WithoutCancel(ctx), ids, outside) }()
		if err != nil && ctx.Err() == nil {
			return nil, err
		}
		// An interrupted setup is not an error: the workers below return at once, and the
		// report says what was created (and is cancelled).
	}
	if cfg.Started != nil && ctx.Err() == nil {
		cfg.Started()
	}

	start := time.Now()
	deadline := start.Add(cfg.Duration)
	workers := make([]*stats, cfg.Concurrency)
	var wg sync.WaitGroup
	for i := range workers {
		workers[i] = newStats(cfg.MaxViolations)
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			if cfg.Mix == MixStatus {
				r.pollLoop(ctx, deadline, ids, w, workers[w])
			} else {
				r.cycleLoop(ctx, deadline, workers[w])
			}
		}(i)
	}
	wg.Wait()
	elapsed := time.Since(start)

	total := newStats(cfg.MaxViolations)
	for _, w := range workers {
		total.merge(w)
	}
	rep := total.report(cfg, elapsed)
	rep.Interrupted = ctx.Err() != nil
	rep.Setup = len(ids)
	r.cleanUp(context.WithoutCancel(ctx), ids, outside)
	ids = nil // cleaned up; the deferred call has nothing left to do
	rep.addOutside(outside)
	return rep, nil
}

// runner sends the requests of one load.
type runner struct {
	cfg    Config
	client *http.Client
	pace   *pacer
}

// forever is the deadline of setup and cleanup requests: only the rate and ctx bound them.
var forever = time.Date(9999, 1, 1, 0, 0, 0, 0, time.UTC)

// setUp creates the requests MixStatus polls, with the load's concurrency and rate.
func (r *runner) setUp(ctx context.Context, st *stats) ([]export.ID, error) {
	ids := make([]export.ID, r.cfg.IDs)
	errs := make([]error, r.cfg.IDs)
	jobs := make(chan int)
	var wg sync.WaitGroup
	var mu sync.Mutex // guards st
	for range min(r.cfg.Concurrency, r.cfg.IDs) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			local := newStats(r.cfg.MaxViolations)
			for i := range jobs {
				if ok, err := r.pace.wait(ctx, forever); !ok {
					errs[i] = err
					continue
				}
				// Once sent, a create is read to its end: its answer names what to cancel.
				ids[i], errs[i] = r.create(context.WithoutCancel(ctx), local, 1)
			}
			mu.Lock()
			st.merge(local)
			mu.Unlock()
		}()
	}
	for i := range ids {
		jobs <- i
	}
	close(jobs)
	wg.Wait()
	var created []export.ID
	var first error
	for i, id := range ids {
		if errs[i] == nil {
			created = append(created, id)
		} else if first == nil {
			first = errs[i]
		}
	}
	if first != nil {
		return created, fmt.Errorf("create the %d requests to poll: %w", r.cfg.IDs, first)
	}
	return created, nil
}

// cleanUp cancels the requests setUp created, so that a load leaves nothing running on a real
// target. A request that has completed answers 400, which is fine.
func (r *runner) cleanUp(ctx context.Context, ids []export.ID, st *stats) {
	for _, id := range ids {
		if ok, _ := r.pace.wait(ctx, forever); !ok {
			return
		}
		r.do(ctx, st, 1, opCancel, export.CallCancel, nil, id)
	}
}

// pollLoop is one MixStatus worker.
func (r *runner) pollLoop(ctx context.Context, deadline time.Time, ids []export.ID, w int, st *stats) {
	for k := w; ; k++ {
		if ok, _ := r.pace.wait(ctx, deadline); !ok {
			return
		}
		id := ids[k%len(ids)]
		r.do(ctx, st, r.cfg.ValidateEvery, opStatus, export.CallStatus, nil, id)
	}
}

// cycleLoop is one MixCycle worker.
func (r *runner) cycleLoop(ctx context.Context, deadline time.Time, st *stats) {
	for {
		if ok, _ := r.pace.wait(ctx, deadline); !ok {
			return
		}
		// Once sent, a create is read to its end, even when ctx ends meanwhile: its answer names
		// the request to cancel.
		id, err := r.create(context.WithoutCancel(ctx), st, r.cfg.ValidateEvery)
		if err != nil {
			continue // counted; there is nothing to poll or cancel
		}
		if ok, _ := r.pace.wait(ctx, deadline); ok {
			r.do(ctx, st, r.cfg.ValidateEvery, opStatus, export.CallStatus, nil, id)
		}
		// Past the deadline too: a request this load created must not be left running.
		if ok, _ := r.pace.wait(context.WithoutCancel(ctx), forever); ok {
			r.do(context.WithoutCancel(ctx), st, r.cfg.ValidateEvery, opCancel, export.CallCancel, nil, id)
		}
	}
}

// create submits an export and returns the new request's id.
func (r *runner) create(ctx context.Context, st *stats, every int) (export.ID, error) {
	a := r.do(ctx, st, every, opCreate, export.CallCreate, r.cfg.CreateBody, "")
	switch {
	case a.err != nil:
		return "", a.err
	case a.status != http.StatusAccepted:
		return "", fmt.Errorf("create answered %d, not 202", a.status)
	}
	doc, err := export.DecodeStatus(a.body)
	if err != nil || doc.RequestID() == "" {
		return "", errors.New("create answered 202 without a request id in its status document")
	}
	return doc.RequestID(), nil
}

// answer is what one request got. body is only valid until the worker's next request.
type answer struct {
	status int
	body   []byte
	err    error
}

// do sends call for request id asked ("" for a create), times it, reads the whole answer, counts
// it in st and, when its turn comes (one in every), checks it. An id that can name no path
// (export.PathOf: one a hostile target made too long) is counted as a failure, not sent.
func (r *runner) do(ctx context.Context, st *stats, every int, op string, call export.Call, body []byte, asked export.ID) answer {
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	u, err := export.PathOf(r.cfg.Root, call, asked)
	if err != nil {
		return st.lost(ctx, op, err)
	}
	req, err := http.NewRequestWithContext(ctx, call.Method(), u, rd)
	if err != nil {
		return st.lost(ctx, op, err)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Prefer", "respond-async")
	}
	if r.cfg.Auth != nil {
		if err := r.cfg.Auth(req); err != nil {
			return st.lost(ctx, op, err)
		}
	}
	start := time.Now()
	resp, err := r.client.Do(req)
	if err != nil {
		return st.lost(ctx, op, err)
	}
	// The worker's buffer: the body is only looked at before the worker's next request.
	st.buf.Reset()
	_, err = st.buf.ReadFrom(io.LimitReader(resp.Body, r.cfg.MaxBodyBytes+1))
	resp.Body.Close()
	took := time.Since(start)
	respBody := st.buf.Bytes()
	if err == nil && int64(len(respBody)) > r.cfg.MaxBodyBytes {
		err = fmt.Errorf("%s answered more than %d bytes", op, r.cfg.MaxBodyBytes)
	}
	if err != nil {
		return st.lost(ctx, op, err)
	}
	st.answered(op, resp.StatusCode, took)
	if every > 0 && st.turn(every) {
		reply := openapi.Response{Status: resp.StatusCode, Header: resp.Header, Body: respBody}
		st.check(r.describe(req, reply), r.check(req, body, reply))
	}
	return answer{status: resp.StatusCode, body: respBody}
}

// lost counts a request that got no answer and returns it as one: abandoned when ctx has ended
// (the load was interrupted, and the answer is no longer waited for), a failure of the target
// otherwise.
func (s *stats) lost(ctx context.Context, op string, err error) answer {
	if ctx.Err() != nil {
		s.abandoned++
	} else {
		s.fail(op, err)
	}
	return answer{err: err}
}

// describe names an exchange in a violation: method, path and status.
func (r *runner) describe(req *http.Request, resp openapi.Response) string {
	return fmt.Sprintf("%s %s → %d", req.Method, req.URL.EscapedPath(), resp.Status)
}

// check returns what is wrong with one exchange, judged as conform run judges it (judge.Judge:
// the spec, and the body decoded once by the one strict decoder), one line each
// (judge.Problem.Line): its spec violations and, for a status document, the invariants one
// document must keep. A document that breaks the spec is not checked for invariants.
func (r *runner) check(req *http.Request, reqBody []byte, resp openapi.Response) []string {
	ex := judge.Judge(r.cfg.Validator, req, reqBody, resp.Status, resp.Header, resp.Body, time.Time{})
	var breaches []oracle.Breach
	if len(ex.Violations) == 0 && ex.Doc != nil {
		breaches = oracle.CheckDocument(ex.Asked, oracle.Observation{Doc: *ex.Doc})
	}
	var out []string
	for _, p := range judge.ProblemsOf(ex, breaches) {
		out = append(out, p.Line())
	}
	return out
}

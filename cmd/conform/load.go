package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"net"
	"net/http"
	"os"
	"time"

	"github.com/conform-harness/conform/export"
	"github.com/conform-harness/conform/fakeserver"
	"github.com/conform-harness/conform/internal/credentials"
	"github.com/conform-harness/conform/internal/load"
	"github.com/conform-harness/conform/internal/target"
	"github.com/conform-harness/conform/internal/transport"
	"github.com/conform-harness/conform/openapi"
	"github.com/conform-harness/conform/steps"
)

const loadSynopsis = `conform load [--base-url URL --rate N] [--mix status|mix] [--duration D] [--concurrency N] [flags]

Puts a load on the export-request API and reports the throughput, the latency percentiles
(p50, p90, p99, max), the answers by operation and status, and every answer that does not
conform (to the spec, or to the invariants one status document must keep).

Without --base-url it starts the bundled fake in this process, on 127.0.0.1, and loads that.
With --base-url it loads that endpoint, with the credentials conform run takes. Any host but
127.0.0.1, localhost or ::1 also needs --rate: a load on a real endpoint is always bounded in
rate (at most 1000 requests/s) and in time (--duration, at most 10m). --rate is 0 (no limit,
this machine only) or from 0.01 (one request every 100s) to 1000000 requests/s.

The status mix creates --ids export requests first, polls their status round robin, and
cancels them at the end; the mix mix repeats create, poll, cancel. Both create real export
requests on a real endpoint, and cancel every one they create.

SIGINT (Ctrl-C) or SIGTERM stops the load early: no new requests, the polls in flight are
abandoned (counted apart, not as failures), every export request the load created is
cancelled, and the report shows what was seen. A second signal stops at once.

Exit codes: 0 every answer checked conforms and every request was answered, 1 otherwise,
2 usage or configuration error, 3 the target cannot be reached, rejects the credentials or is
not the export API, 4 conform could not do its own work (an I/O error), 130 or 143 stopped by
SIGINT or SIGTERM.`

// loadFlags are the parsed flags of `conform load`.
type loadFlags struct {
	mix           string
	duration      time.Duration
	concurrency   int
	rate          float64
	ids           int
	validateEvery int
	format        string
	export        string
	// live holds --base-url and the credential, TLS and timeout flags, parsed exactly as
	// `conform run` parses them.
	live liveFlags
}

// parseLoadFlags parses and checks the flags of `conform load`.
func parseLoadFlags(args []string, stdout io.Writer) (loadFlags, error) {
	var lf loadFlags
	fs := newFlagSet("load")
	fs.StringVar(&lf.live.baseURL, "base-url", "", "load this endpoint (a host such as https://host, or the API root ending in "+export.Root+")\ninstead of the bundled fake; a host that is not loopback needs --rate")
	fs.StringVar(&lf.mix, "mix", string(load.MixStatus), "the requests: status (polls of requests created first) or mix (create, poll, cancel)")
	fs.DurationVar(&lf.duration, "duration", load.DefaultDuration, "how long to put the load on, at most "+load.MaxDuration.String())
	fs.IntVar(&lf.concurrency, "concurrency", 8, fmt.Sprintf("how many requests are in flight at once, at most %d", load.MaxConcurrency))
	fs.Float64Var(&lf.rate, "rate", 0, fmt.Sprintf("at most this many requests per second, setup and cleanup included: from %g to %d, or 0 for\nno limit, allowed only on loopback. Required for any other host, at most %d there", load.MinRate, load.MaxRate, load.MaxRemoteRate))
	fs.IntVar(&lf.ids, "ids", load.DefaultIDs, fmt.Sprintf("how many export requests the status mix creates first, at most %d", load.MaxIDs))
	fs.IntVar(&lf.validateEvery, "validate-every", 1, "check one answer in N against the spec and the invariants; 1 checks every answer, 0 none\n(setup and cleanup answers are always checked)")
	fs.StringVar(&lf.format, "format", "text", "the report: text or json")
	fs.StringVar(&lf.export, "export", "", "`FILE` with the JSON body of every create (default: the six tables conform run\nuses for a request that runs long enough to be cancelled)")
	// The credential and TLS flags are conform run's own, so that both read them alike.
	lf.live.registerConnection(fs)
	if err := parseFlags(fs, loadSynopsis, args, stdout); err != nil {
		return lf, err
	}
	usage := printUsage(fs, loadSynopsis)
	fail := func(format string, a ...any) (loadFlags, error) {
		return lf, &usageError{err: fmt.Errorf(format, a...), usage: usage}
	}
	switch {
	case lf.mix != string(load.MixStatus) && lf.mix != string(load.MixCycle):
		return fail("--mix must be %s or %s, got %q", load.MixStatus, load.MixCycle, lf.mix)
	case lf.duration <= 0 || lf.duration > load.MaxDuration:
		return fail("--duration must be more than 0 and at most %s, got %s", load.MaxDuration, lf.duration)
	case lf.concurrency < 1 || lf.concurrency > load.MaxConcurrency:
		return fail("--concurrency must be between 1 and %d, got %d", load.MaxConcurrency, lf.concurrency)
	case math.IsNaN(lf.rate) || math.IsInf(lf.rate, 0):
		return fail("--rate must be a number of requests per second, got %g", lf.rate)
	case lf.rate < 0:
		return fail("--rate must not be negative, got %g", lf.rate)
	case lf.rate > 0 && lf.rate < load.MinRate:
		// Slower than this is no load; much slower, and the pause between requests would
		// overflow, and with it the limit.
		return fail("--rate must be at least %g requests per second (one every %s), or 0 for no limit, got %g", load.MinRate, time.Duration(float64(time.Second)/load.MinRate), lf.rate)
	case lf.rate > load.MaxRate:
		return fail("--rate must be at most %d requests per second (or 0 for no limit, on loopback), got %g", load.MaxRate, lf.rate)
	case lf.ids < 1 || lf.ids > load.MaxIDs:
		return fail("--ids must be between 1 and %d, got %d", load.MaxIDs, lf.ids)
	case lf.validateEvery < 0:
		return fail("--validate-every must not be negative, got %d", lf.validateEvery)
	case lf.live.requestTimeout <= 0:
		return fail("--request-timeout must be positive, got %s", lf.live.requestTimeout)
	case lf.format != "text" && lf.format != "json":
		return fail("--format must be text or json, got %q", lf.format)
	}
	if lf.live.baseURL == "" {
		if f := lf.live.liveOnly(); f != "" {
			return fail("%s applies only to a load on a target: give --base-url", f)
		}
		return lf, nil
	}
	root, err := target.Root(lf.live.baseURL)
	if err != nil {
		return lf, &usageError{err: err, usage: usage}
	}
	// Checked before anything is sent: a load on someone else's server is always rate-limited.
	if !load.IsLoopback(root) {
		switch {
		case lf.rate == 0:
			return fail("--base-url %s is not this machine: give --rate (requests per second, at most %d) to say how hard to load it", root, load.MaxRemoteRate)
		case lf.rate > load.MaxRemoteRate:
			return fail("--rate %g is more than %d requests per second, the most conform load sends to a host that is not this machine", lf.rate, load.MaxRemoteRate)
		}
		// Besides --duration, a load creates and cancels its status requests (two per id), or
		// finishes each worker's last cycle with a cancel, all at --rate: bound that too.
		extra := lf.concurrency
		if lf.mix == string(load.MixStatus) {
			extra = 2 * lf.ids
		}
		if d := time.Duration(float64(extra) / lf.rate * float64(time.Second)); d > load.MaxDuration {
			return fail("at --rate %g, the %d requests the load sends besides --duration (creating and cancelling its requests) would take %s, more than %s: "+
				"raise --rate or lower --ids or --concurrency", lf.rate, extra, d.Round(time.Second), load.MaxDuration)
		}
	}
	return lf, nil
}

// loadCommand is `conform load`. Its environment and its signals are injected so that tests
// never read the real ones.
type loadCommand struct {
	getenv func(string) string
	// signals relays SIGINT and SIGTERM to c until the stop it returns is called; nil means
	// notifyStop, the process's own.
	signals func(c chan<- os.Signal) (stop func())
}

// loadCmd is `conform load` with the environment getenv reads.
func loadCmd(ctx context.Context, args []string, getenv func(string) string, stdin io.Reader, stdout, stderr io.Writer) error {
	return loadCommand{getenv: getenv}.run(ctx, args, stdin, stdout, stderr)
}

func (c loadCommand) run(ctx context.Context, args []string, _ io.Reader, stdout, stderr io.Writer) error {
	lf, err := parseLoadFlags(args, stdout)
	if err != nil {
		return err
	}
	body := steps.DefaultRunningExport()
	if lf.export != "" {
		if body, err = readOptional(lf.export, "--export"); err != nil {
			return err
		}
	}
	return c.untilStopped(ctx, stderr, func(ctx context.Context) error {
		return c.load(ctx, lf, body, stdout, stderr)
	})
}

// load puts the load lf describes on its target and writes the report. When ctx ends because a
// signal stopped the load, it still cancels what the load created and writes the report of
// what was seen, and returns the *interruptedError that ended ctx.
func (c loadCommand) load(ctx context.Context, lf loadFlags, body []byte, stdout, stderr io.Writer) error {
	var tgt *loadTarget
	var err error
	if lf.live.baseURL == "" {
		tgt, err = bundledLoadTarget(lf, stderr)
	} else {
		tgt, err = c.liveLoadTarget(ctx, lf, stderr)
	}
	if err != nil {
		return err
	}
	defer tgt.close()

	validator, err := openapi.NewValidator()
	if err != nil {
		return err
	}
	rep, err := load.Run(ctx, load.Config{
		// The values a violation quotes are the target's: masked before they are cut short.
		Validator:     validator.Redacting(tgt.redactor.Bytes),
		Root:          tgt.root,
		Transport:     tgt.transport,
		Auth:          tgt.auth,
		Mix:           load.Mix(lf.mix),
		Duration:      lf.duration,
		Concurrency:   lf.concurrency,
		Rate:          lf.rate,
		IDs:           lf.ids,
		CreateBody:    body,
		ValidateEvery: lf.validateEvery,
		Started: func() {
			fmt.Fprintf(stderr, "conform load: started, for %s; SIGINT (Ctrl-C) or SIGTERM stops it early\n", lf.duration)
		},
	})
	var ce *load.ConfigError
	switch {
	case errors.As(err, &ce):
		return &configError{err: err}
	case err != nil:
		// The load's setup could not create its export requests on the target.
		return fmt.Errorf("%w: %s", errNotConforming, tgt.redactor.String(err.Error()))
	}
	// Only the target's own words (violations, errors) can carry a secret it echoed: those are
	// redacted, and the report's labels are left alone, so that a secret that is also a word
	// (the fake's default password is "conform") cannot garble them.
	for i, v := range rep.Violations {
		rep.Violations[i] = tgt.redactor.String(v)
	}
	for i, e := range rep.Errors {
		rep.Errors[i] = tgt.redactor.String(e)
	}
	if lf.format == "json" {
		err = rep.WriteJSON(stdout)
	} else {
		err = rep.WriteText(stdout)
	}
	if err != nil {
		return fmt.Errorf("write the report: %w", err)
	}
	var ie *interruptedError
	switch {
	case errors.As(context.Cause(ctx), &ie):
		return ie // whatever the report shows: the requests it abandoned are not failures
	case rep.NonConforming > 0:
		return errNotConforming
	case rep.Failed > 0:
		return fmt.Errorf("%w: %d of %d requests got no answer", errNotConforming, rep.Failed, rep.Requests)
	}
	return nil
}

// untilStopped runs work until it returns or a signal stops it. The first SIGINT or SIGTERM
// ends work's context, with an *interruptedError as its cause: the load starts no new request,
// cancels the export requests it created and writes its report, and untilStopped returns that
// error once work has. A second signal returns it at once, while work may still be cancelling:
// the way out of a clean-up that takes too long.
func (c loadCommand) untilStopped(ctx context.Context, stderr io.Writer, work func(context.Context) error) error {
	notify := c.signals
	if notify == nil {
		notify = notifyStop
	}
	ctx, stop := context.WithCancelCause(ctx)
	defer stop(nil)
	sigs := make(chan os.Signal, 2)
	defer notify(sigs)()
	done := make(chan error, 1)
	go func() { done <- work(ctx) }()
	var interrupted *interruptedError
	for {
		select {
		case err := <-done:
			switch {
			case interrupted == nil, errors.Is(err, interrupted):
				return err
			case err == nil:
				return interrupted
			}
			// work failed for a reason of its own after the signal (the signal may have cut
			// short its connection): the signal decides the exit code, the error is still said.
			return fmt.Errorf("%w: %w", interrupted, err)
		case sig := <-sigs:
			if interrupted != nil {
				fmt.Fprintf(stderr, "conform load: %s again: stopping at once; export requests this load created may still be running\n", steps.SignalName(sig))
				return interrupted
			}
			interrupted = &interruptedError{signal: sig}
			stop(interrupted)
			fmt.Fprintf(stderr, "conform load: %s: starting no new request; cancelling the export requests this load created, then the report; "+
				"send it again to stop at once\n", steps.SignalName(sig))
		}
	}
}

// loadTarget is what a load is sent to, and how.
type loadTarget struct {
	root      string
	transport http.RoundTripper
	auth      func(*http.Request) error
	redactor  *credentials.Redactor
	close     func()
}

// bundledLoadTarget starts the bundled fake, on the real clock, on a free port of 127.0.0.1.
func bundledLoadTarget(lf loadFlags, stderr io.Writer) (*loadTarget, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, &configError{err: fmt.Errorf("start the bundled fake: %w", err)}
	}
	srv := &http.Server{Handler: fakeserver.New(fakeserver.Options{}), ReadHeaderTimeout: 5 * time.Second}
	go srv.Serve(ln) //nolint:errcheck // ends with ErrServerClosed when the load is over
	root := "http://" + ln.Addr().String() + export.Root
	fmt.Fprintf(stderr, "conform load: no --base-url: loading the bundled fake, started in this process at %s\n", root)
	rt, err := transport.New(transport.Options{Timeout: lf.live.requestTimeout, MaxRetries: -1, MaxIdleConnsPerHost: lf.concurrency})
	if err != nil {
		srv.Close()
		return nil, &configError{err: err}
	}
	return &loadTarget{
		root:      root,
		transport: rt,
		auth: func(r *http.Request) error {
			r.SetBasicAuth(fakeserver.DefaultUsername, fakeserver.DefaultPassword)
			return nil
		},
		redactor: credentials.NewRedactor(),
		close: func() {
			srv.Close()
			transport.CloseIdle(rt)
		},
	}, nil
}

// liveLoadTarget reaches the target as `conform run --base-url` does (target.Connect), with a
// transport for the load: no retries (a load counts failures; it does not hide them) and an idle
// connection kept for every worker.
func (c loadCommand) liveLoadTarget(ctx context.Context, lf loadFlags, stderr io.Writer) (*loadTarget, error) {
	s := lf.live.settings(c.getenv, "load", stderr)
	s.Retries = 0
	s.IdleConnsPerHost = lf.concurrency
	tgt, err := target.Connect(ctx, s)
	if err != nil {
		return nil, err
	}
	if !load.IsLoopback(tgt.Root) {
		fmt.Fprintf(stderr, "conform load: loading %s: at most %g requests/s for %s (mix %s); "+
			"it creates export requests there and cancels every one it creates\n", tgt.Describe(), lf.rate, lf.duration, lf.mix)
	}
	return &loadTarget{root: tgt.Root, transport: tgt.Transport, auth: tgt.Auth.Authenticate, redactor: tgt.Redactor, close: tgt.Close}, nil
}

package main

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"

	messages "github.com/cucumber/messages/go/v34"

	"conform/internal/report"
	"conform/internal/suite"
	"conform/openapi"
	"conform/steps"
)

const runSynopsis = "conform run [--base-url URL] [--tags EXPR] [--format NAME[:FILE]]... [--concurrency N] [--seed N|random] [flags]"

// runFlags are the parsed flags of `conform run`.
type runFlags struct {
	tags        string
	formats     []suite.Format
	concurrency int // 0: one at a time against the bundled fake, defaultLiveConcurrency against a target
	seed        int64
	color       string
	report      string
	timeout     time.Duration
	live        liveFlags
}

// defaultRunTimeout bounds a whole run, as go test's -timeout does. Every wait of a scenario is
// bounded by the contract's deadlines already; this is the backstop.
const defaultRunTimeout = 10 * time.Minute

// defaultLiveConcurrency is how many scenarios run at once against a target unless
// --concurrency says otherwise: each scenario owns its exports, so they cannot disturb each
// other, and a run then takes about as long as its slowest scenario instead of their sum.
const defaultLiveConcurrency = 16

// formatList collects repeated --format flags.
type formatList struct{ formats *[]suite.Format }

func (f formatList) String() string {
	if f.formats == nil {
		return ""
	}
	var parts []string
	for _, x := range *f.formats {
		parts = append(parts, x.Name+":"+x.Path)
	}
	return strings.Join(parts, ",")
}

func (f formatList) Set(s string) error {
	for _, one := range strings.Split(s, ",") {
		fm, err := suite.ParseFormat(one)
		if err != nil {
			return err
		}
		*f.formats = append(*f.formats, fm)
	}
	return nil
}

// seedValue reads --seed: a number, or "random" for a seed chosen (and printed) by the run.
type seedValue struct{ seed *int64 }

func (s seedValue) String() string {
	if s.seed == nil {
		return "0"
	}
	return strconv.FormatInt(*s.seed, 10)
}

func (s seedValue) Set(v string) error {
	if v == "random" {
		*s.seed = -1
		return nil
	}
	n, err := strconv.ParseInt(v, 10, 64)
	if err != nil || n < 0 {
		return fmt.Errorf("want a non-negative number or \"random\", got %q", v)
	}
	*s.seed = n
	return nil
}

// parseRunFlags parses and checks the flags of `conform run`. The usage it returns prints the
// flags, for errors found later in the run.
func parseRunFlags(args []string, getenv func(string) string, stdout io.Writer) (runFlags, func(io.Writer), error) {
	var rf runFlags
	fs := newFlagSet("run")
	fs.StringVar(&rf.tags, "tags", "", "run only the scenarios whose tags match this Cucumber tag expression,\ne.g. '@fake-only', 'not @needs-slow-cancel', '@a and (@b or not @c)'")
	fs.Var(formatList{&rf.formats}, "format", "a report to write: `NAME[:FILE]`, repeatable; NAME is pretty, progress, junit,\ncucumber (JSON) or messages (Cucumber Messages NDJSON); without FILE it goes to stdout; missing directories are created (default pretty)")
	fs.IntVar(&rf.concurrency, "concurrency", 0, fmt.Sprintf("how many scenarios run at once (default 1 against the bundled fake, %d against a target;\n"+
		"use 1 for a target with a strict rate limit)", defaultLiveConcurrency))
	fs.Var(seedValue{&rf.seed}, "seed", "shuffle scenarios within each feature with this seed, or \"random\" (0 keeps file order)")
	fs.StringVar(&rf.color, "color", "auto", "colour the console report: auto (only on a terminal), always or never")
	fs.StringVar(&rf.report, "report", "", "also write a self-contained HTML report of the run to `FILE.html`")
	fs.DurationVar(&rf.timeout, "timeout", defaultRunTimeout, "end the run after this long: scenarios still running or not started fail as timed out,\n"+
		"clean-up runs and the reports are written")
	rf.live.register(fs)
	usage := printUsage(fs, runSynopsis)
	if err := parseFlags(fs, runSynopsis, args, stdout); err != nil {
		return rf, usage, err
	}
	if explicit(fs, "concurrency") && rf.concurrency < 1 {
		return rf, usage, &usageError{err: fmt.Errorf("--concurrency must be at least 1, got %d", rf.concurrency), usage: usage}
	}
	if rf.timeout <= 0 {
		return rf, usage, &usageError{err: fmt.Errorf("--timeout must be positive, got %s", rf.timeout), usage: usage}
	}
	if err := rf.live.checkDurations(); err != nil {
		return rf, usage, &usageError{err: err, usage: usage}
	}
	if rf.live.baseURL == "" {
		rf.live.baseURL = getenv("CONFORM_BASE_URL")
	}
	if rf.live.maxResponseBytes < 1 {
		return rf, usage, &usageError{err: fmt.Errorf("--max-response-bytes must be at least 1, got %d", rf.live.maxResponseBytes), usage: usage}
	}
	if f := rf.live.liveOnly(); f != "" && rf.live.baseURL == "" {
		return rf, usage, &usageError{err: fmt.Errorf("%s applies only to a run against a target: give --base-url", f), usage: usage}
	}
	switch rf.color {
	case "auto", "always", "never":
	default:
		return rf, usage, &usageError{err: fmt.Errorf("--color must be auto, always or never, got %q", rf.color), usage: usage}
	}
	return rf, usage, nil
}

// runCommand is `conform run`. Its environment and signals are injected so that tests never
// read the real ones.
type runCommand struct {
	getenv  func(string) string
	signals func(chan<- os.Signal) (stop func())
}

// runCmd is `conform run` with the environment getenv reads and the process's signals.
func runCmd(ctx context.Context, args []string, getenv func(string) string, stdin io.Reader, stdout, stderr io.Writer) error {
	return runCommand{getenv: getenv, signals: notifyStop}.run(ctx, args, stdin, stdout, stderr)
}

// notifyStop relays SIGINT and SIGTERM to ch until the returned stop is called.
func notifyStop(ch chan<- os.Signal) func() {
	signal.Notify(ch, os.Interrupt, syscall.SIGTERM)
	return func() { signal.Stop(ch) }
}

func (c runCommand) run(ctx context.Context, args []string, _ io.Reader, stdout, stderr io.Writer) error {
	rf, usage, err := parseRunFlags(args, c.getenv, stdout)
	if err != nil {
		return err
	}
	opts := suite.Options{
		Tags:        rf.tags,
		Formats:     rf.formats,
		Concurrency: max(rf.concurrency, 1),
		Seed:        rf.seed,
		Output:      stdout,
		Colour:      rf.color == "always" || (rf.color == "auto" && isTerminal(stdout)),
	}
	target, scrub := "the bundled fake", (func(string) string)(nil)
	var root string
	if rf.live.baseURL != "" {
		tgt, newTarget, err := liveTarget(ctx, rf.live, c.getenv, stderr)
		if err != nil {
			return err
		}
		defer tgt.Close()
		// Secrets must never reach an output. What came from the target (attachments, step
		// errors) is redacted whole; conform's own words only of credential forms, so that a
		// password that is also a word ("conform") does not garble them.
		own := tgt.Redactor.CredentialForms()
		out, errOut := own.Writer(stdout), own.Writer(stderr)
		defer out.Close()
		defer errOut.Close()
		opts.Output = out
		opts.Redact = tgt.Redactor.Bytes
		opts.Scrub = own.Bytes
		opts.Ledger = steps.NewLedger()
		opts.NewTarget = newTarget
		opts.LeaveOut = []string{fakeOnlyTag}
		opts.PollInterval = rf.live.pollInterval
		opts.MaxResponseBytes = rf.live.maxResponseBytes
		if rf.concurrency == 0 {
			opts.Concurrency = defaultLiveConcurrency
		}
		stderr = errOut
		target, scrub, root = tgt.Describe(), own.String, tgt.Root
		fmt.Fprintf(stderr, "conform: running against %s\n", target)
	}
	var envelopes []*messages.Envelope
	if rf.report != "" {
		// The HTML report is built from the run's messages, kept in memory.
		opts.Envelopes = func(e *messages.Envelope) { envelopes = append(envelopes, e) }
		if len(rf.formats) == 0 {
			opts.Formats = append(slices.Clone(opts.Formats), suite.Format{Name: "pretty"})
		}
	}

	res, sig, err := c.runUntilStopped(ctx, opts, rf.timeout, stderr)
	if sig != nil && res == nil {
		// A second signal: stop at once, and say what may still be running.
		suite.RemovePartialReports(opts.Formats)
		reportOpen(stderr, opts.Ledger, root)
		return &interruptedError{signal: sig}
	}
	stopped := ""
	if res.Stopped != nil {
		stopped = res.Stopped.Error()
	}
	if err == nil && rf.report != "" {
		if rerr := writeReport(rf.report, envelopes, report.Info{Target: target, Stopped: stopped, Redact: scrub}); rerr != nil {
			return rerr
		}
		fmt.Fprintf(stderr, "conform: report written to %s\n", rf.report)
	}
	if res.LeftOut > 0 {
		fmt.Fprintf(stderr, "conform: left out %d scenario(s) tagged %s: they pin values only the bundled fake can produce "+
			"(the vendor's example ids and checksums, an export that fails on purpose)\n", res.LeftOut, fakeOnlyTag)
	}
	reportOpen(stderr, opts.Ledger, root)
	var ue *suite.UsageError
	var timedOut *steps.TimedOut
	switch {
	case errors.As(err, &ue):
		return &usageError{err: ue, usage: usage}
	case err != nil:
		return err
	case sig != nil:
		fmt.Fprintf(stderr, "conform: %s: the scenarios it kept from running or cut short are reported as skipped\n", res.Stopped)
		return &interruptedError{signal: sig}
	case errors.As(res.Stopped, &timedOut):
		return fmt.Errorf("%w: %v; the scenarios it kept from running or cut short failed", errNotConforming, res.Stopped)
	case !res.Passed:
		return errNotConforming
	}
	return nil
}

// runUntilStopped runs the suite until it ends, until timeout passes, or until a signal. The
// first SIGINT or SIGTERM stops the run the gentle way: no new scenario starts, the running ones
// end and clean up, the reports are written. A second one returns at once with a nil result
// (the suite may still be running). sig is the first signal, if one came.
func (c runCommand) runUntilStopped(ctx context.Context, opts suite.Options, timeout time.Duration, stderr io.Writer) (res *suite.Result, sig os.Signal, err error) {
	runCtx, stop := context.WithCancelCause(ctx)
	defer stop(nil)
	runCtx, cancel := context.WithTimeoutCause(runCtx, timeout, &steps.TimedOut{Limit: timeout})
	defer cancel()

	signals := make(chan os.Signal, 2)
	defer c.signals(signals)()
	type outcome struct {
		res suite.Result
		err error
	}
	done := make(chan outcome, 1)
	go func() {
		r, err := suite.Run(runCtx, opts)
		done <- outcome{r, err}
	}()
	for {
		select {
		case o := <-done:
			return &o.res, sig, o.err
		case s := <-signals:
			if sig != nil {
				fmt.Fprintf(stderr, "conform: %s again: stopping at once\n", steps.SignalName(s))
				return nil, sig, nil
			}
			sig = s
			stop(&steps.Interrupted{Signal: s})
			fmt.Fprintf(stderr, "conform: %s: starting no new scenario; cleaning up what this run created and writing the reports; "+
				"send it again to stop at once\n", steps.SignalName(s))
		}
	}
}

// reportOpen prints the export requests the run created that may still be running because of
// it (none seen completed, no cancel accepted), each with the command to cancel it by hand.
func reportOpen(stderr io.Writer, ledger *steps.Ledger, root string) {
	if ledger == nil {
		return
	}
	open := ledger.Open()
	if len(open) == 0 {
		return
	}
	fmt.Fprintf(stderr, "conform: %d export request(s) this run created may still be running; cancel each by hand:\n", len(open))
	for _, id := range open {
		fmt.Fprintf(stderr, "  %s\n", steps.CancelCommand(root, id))
	}
}

// writeReport renders the messages of a run into the HTML report at path, with info (the spec's
// title and version are filled in).
func writeReport(path string, envs []*messages.Envelope, info report.Info) error {
	spec, err := openapi.Load()
	if err != nil {
		return err
	}
	info.SpecTitle, info.SpecVersion = spec.Info.Title, spec.Info.Version
	var page bytes.Buffer
	if err := report.WriteHTML(&page, envs, info); err != nil {
		return fmt.Errorf("--report: %w", err)
	}
	if dir := filepath.Dir(path); dir != "." {
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return &configError{err: fmt.Errorf("--report: %w", err)}
		}
	}
	if err := os.WriteFile(path, page.Bytes(), 0o644); err != nil {
		return &configError{err: fmt.Errorf("--report: %w", err)}
	}
	return nil
}

// fakeOnlyTag marks scenarios that only the bundled fake can run.
const fakeOnlyTag = "@fake-only"

// isTerminal reports whether w is a terminal (a character device), where colours are welcome.
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	st, err := f.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0
}

// explicit reports whether the flag called name was given on the command line.
func explicit(fs *flag.FlagSet, name string) bool {
	found := false
	fs.Visit(func(f *flag.Flag) { found = found || f.Name == name })
	return found
}

package main

import (
	"cmp"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/conform-harness/conform/internal/coverage"
	"github.com/conform-harness/conform/internal/har"
	"github.com/conform-harness/conform/internal/report"
	"github.com/conform-harness/conform/internal/suite"
	"github.com/conform-harness/conform/internal/target"
	"github.com/conform-harness/conform/openapi"
	"github.com/conform-harness/conform/steps"
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

	spec      string     // --spec: the user's OpenAPI document instead of the embedded one
	overlays  stringList // --overlay, in order
	features  stringList // --features: the user's feature files or directories
	noBuiltin bool       // --no-builtin-features
	contract  contractFlags

	record   string        // --record FILE.har
	coverage coverageFlags // --coverage, --min-coverage

	config      string        // --config FILE; "" reads conform.yaml when it exists
	printConfig bool          // --print-config
	sources     sources       // where each value came from
	targetFrom  string        // where the target came from, for the run's first line; "" for the bundled fake
	flags       *flag.FlagSet // the parsed flags, for --print-config
}

// contractFlags are the contract's choices a team may make differently from the use-case page.
type contractFlags struct {
	cancelAccepted       statusList
	cancelSettlesWithin  time.Duration
	exportFinishesWithin time.Duration
	visibleWithin        time.Duration
	strictPreconditions  bool
}

// statusList reads a list of HTTP statuses: "200,204", or the flag given again. The first value
// given replaces the default.
type statusList struct {
	statuses []int
	given    bool
}

func (l *statusList) String() string {
	parts := make([]string, len(l.statuses))
	for i, s := range l.statuses {
		parts[i] = strconv.Itoa(s)
	}
	return strings.Join(parts, ",")
}

func (l *statusList) Set(v string) error {
	if !l.given {
		l.statuses, l.given = nil, true
	}
	for _, one := range strings.Split(v, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(one))
		if err != nil || n < 200 || n > 299 {
			return fmt.Errorf("want HTTP statuses from 200 to 299, got %q", one)
		}
		if !slices.Contains(l.statuses, n) {
			l.statuses = append(l.statuses, n)
		}
	}
	return nil
}

func (l *statusList) values() []string { return strings.Split(l.String(), ",") }
func (*statusList) repeatable()        {}

// defaultRunTimeout bounds a whole run, as go test's -timeout does. Every wait of a scenario is
// bounded by the contract's deadlines already; this is the backstop.
const defaultRunTimeout = 10 * time.Minute

// defaultLiveConcurrency is how many scenarios run at once against a target unless
// --concurrency says otherwise: each scenario owns its exports, so they cannot disturb each
// other, and a run then takes about as long as its slowest scenario instead of their sum.
const defaultLiveConcurrency = 16

// runHelpGroups order `conform run --help`.
var runHelpGroups = []flagGroup{
	{"Target", []string{"base-url", "spec", "overlay", "features", "no-builtin-features", "tags", "running-export", "quick-export"}},
	{"Credentials", []string{"password-file", "oauth2-token-url", "oauth2-client-id", "oauth2-client-secret-file", "oauth2-scope"}},
	{"TLS", []string{"ca-file", "insecure-skip-verify"}},
	{"Polling", []string{"poll-interval", "poll-timeout", "request-timeout", "retries", "max-retry-after", "max-response-bytes", "concurrency", "timeout"}},
	{"Contract", []string{"cancel-accepted", "cancel-settles-within", "export-finishes-within", "visible-within", "strict-preconditions"}},
	{"Reports", []string{"format", "report", "record", "coverage", "min-coverage", "color", "seed"}},
	{"Configuration", []string{"config", "print-config"}},
}

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

func (f formatList) values() []string {
	var out []string
	for _, x := range *f.formats {
		out = append(out, strings.TrimSuffix(x.Name+":"+x.Path, ":"))
	}
	return out
}
func (formatList) repeatable() {}

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

// parseRunFlags parses the flags of `conform run`, applies the configuration file under them and
// checks the result. The usage it returns prints the flags, for errors found later in the run.
func parseRunFlags(args []string, getenv func(string) string, readFile func(string) ([]byte, error), stdout io.Writer) (runFlags, usage, error) {
	// The contract's defaults are the use-case page's, from the one place that knows them.
	def := steps.Contract{}.WithDefaults()
	rf := runFlags{contract: contractFlags{cancelAccepted: statusList{statuses: def.CancelAccepted}}}
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
	fs.StringVar(&rf.spec, "spec", "", "validate against this OpenAPI 3.0 or 3.1 document (`FILE`, JSON or YAML) instead of the embedded spec")
	fs.Var(&rf.overlays, "overlay", "apply this OpenAPI Overlay 1.0 `FILE` to the spec; repeatable, applied in order")
	fs.Var(&rf.features, "features", "also run the features in this `PATH` (a .feature file or a directory); repeatable")
	fs.BoolVar(&rf.noBuiltin, "no-builtin-features", false, "run only the features given with --features, not conform's own")
	fs.Var(&rf.contract.cancelAccepted, "cancel-accepted", "the `STATUSES` meaning \"the cancel of a running request was accepted\" (e.g. 200,204)")
	fs.DurationVar(&rf.contract.cancelSettlesWithin, "cancel-settles-within", def.CancelSettlesWithin, "how long a cancellation may take to settle (cancelling → cancelled)")
	fs.DurationVar(&rf.contract.exportFinishesWithin, "export-finishes-within", def.ExportFinishesWithin, "how long an export may take to finish, and to reach any state a scenario waits for")
	fs.DurationVar(&rf.contract.exportFinishesWithin, "poll-timeout", def.ExportFinishesWithin, "the same as --export-finishes-within, by its former name")
	fs.DurationVar(&rf.contract.visibleWithin, "visible-within", def.VisibleWithin, "how long a request just created may answer 404 before its status is first seen (an eventually consistent store)")
	fs.BoolVar(&rf.contract.strictPreconditions, "strict-preconditions", false, "fail, instead of skipping, a scenario whose precondition the target cannot be brought to")
	fs.StringVar(&rf.record, "record", "", "write every HTTP exchange of the run to `FILE.har` (HAR 1.2, credentials redacted), for conform audit\nand any HAR viewer; written also when the run is interrupted")
	rf.coverage.register(fs)
	fs.StringVar(&rf.config, "config", "", "read the run's settings from this YAML `FILE`, trusting it to set the target, the token URL,\ncredential files and TLS trust (default: conform.yaml in the working directory, when it exists,\nwhich may not set those); flags and the environment override it")
	fs.BoolVar(&rf.printConfig, "print-config", false, "print the effective configuration, and where each value came from, and exit")
	rf.live.register(fs)
	help := printUsage(fs, runSynopsis, runHelpGroups...)
	if err := parseFlagsUsing(fs, help, args, stdout); err != nil {
		return rf, help, err
	}
	src, err := applyConfig(fs, rf.config, readFile, getenv, map[string]string{"poll-timeout": "export-finishes-within"})
	if err != nil {
		return rf, help, err
	}
	rf.sources, rf.flags = src, fs
	if rf.live.baseURL == "" {
		if rf.live.baseURL = getenv(envBaseURL); rf.live.baseURL != "" {
			src["base-url"] = "environment " + envBaseURL
		}
	}
	rf.targetFrom = targetFrom(src["base-url"], rf.config)
	fail := func(format string, a ...any) (runFlags, usage, error) {
		return rf, help, &usageError{err: fmt.Errorf(format, a...), usage: help}
	}
	if _, set := src["concurrency"]; set && rf.concurrency < 1 {
		return fail("--concurrency must be at least 1, got %d", rf.concurrency)
	}
	for _, d := range []struct {
		flag  string
		value time.Duration
	}{
		{"--timeout", rf.timeout},
		{"--cancel-settles-within", rf.contract.cancelSettlesWithin},
		{"--visible-within", rf.contract.visibleWithin},
		{strings.TrimPrefix(src["export-finishes-within"], "flag "), rf.contract.exportFinishesWithin},
	} {
		if d.value <= 0 {
			if !strings.HasPrefix(d.flag, "--") {
				d.flag = "--export-finishes-within" // from the file or the default
			}
			return fail("%s must be positive, got %s", d.flag, d.value)
		}
	}
	if err := rf.live.checkDurations(); err != nil {
		return rf, help, &usageError{err: err, usage: help}
	}
	if rf.live.maxResponseBytes < 1 {
		return fail("--max-response-bytes must be at least 1, got %d", rf.live.maxResponseBytes)
	}
	if f := rf.live.liveOnly(); f != "" && rf.live.baseURL == "" {
		return fail("%s applies only to a run against a target: give --base-url", f)
	}
	if rf.noBuiltin && len(rf.features) == 0 {
		return fail("--no-builtin-features leaves nothing to run: give --features PATH")
	}
	switch rf.color {
	case "auto", "always", "never":
	default:
		return fail("--color must be auto, always or never, got %q", rf.color)
	}
	return rf, help, nil
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
	rf, usage, err := parseRunFlags(args, c.getenv, os.ReadFile, stdout)
	if err != nil {
		return err
	}
	if rf.printConfig {
		return printConfig(stdout, rf.flags, rf.sources, rf.inForce(c.getenv))
	}
	if err := sayTarget(stderr, rf); err != nil {
		return err
	}
	opts, outs, err := rf.options(stdout)
	if err != nil {
		return err
	}
	// Every mistake of the features, the tags and the outputs is found before anything reaches
	// for the target (the token endpoint included): no call is made for a run that could only
	// end in a usage error, or blame the target for it.
	if err := checkRun(opts, rf.outputs(), usage); err != nil {
		return err
	}
	tgt, err := c.connect(ctx, rf, &opts, stdout, stderr)
	if err != nil {
		return err
	}
	defer tgt.close()
	stderr = tgt.stderr
	res, sig, err := c.runUntilStopped(ctx, opts, rf.timeout, stderr)
	// The HAR file is written whatever happened: what was recorded is what the user wants to
	// look at most when the run went wrong.
	err = cmp.Or(err, writeRecording(outs, rf.record, opts.Config.Redact, stderr))
	if sig != nil && res == nil {
		// A second signal: stop at once, and say what may still be running.
		suite.RemovePartialReports(opts.Formats)
		reportOpen(stderr, tgt)
		return &interruptedError{signal: sig}
	}
	if err == nil {
		if err := writeHTML(rf.report, outs, res, tgt, opts.Config.Contract, stderr); err != nil {
			return err
		}
	}
	err = cmp.Or(err, finishRun(rf, opts.Config.Contract, outs, res, stderr, err == nil))
	reportOpen(stderr, tgt)
	return runOutcome(err, res, sig, tgt, usage, outs.Coverage(), rf.coverage, stderr)
}

// sayTarget prints the run's first line, where the target came from, before anything is sent:
// a target the user did not mean to aim at is seen at once.
func sayTarget(stderr io.Writer, rf runFlags) error {
	if rf.live.baseURL == "" {
		fmt.Fprintln(stderr, "conform: target: the bundled fake")
		return nil
	}
	root, err := target.Root(rf.live.baseURL)
	if err != nil {
		return &target.ConfigError{Err: err}
	}
	fmt.Fprintf(stderr, "conform: target: %s (from %s)\n", root, rf.targetFrom)
	return nil
}

// contractInForce is the team's contract as the flags and the configuration give it: complete,
// as the flags take their defaults from steps.Contract.WithDefaults.
func (rf runFlags) contractInForce() steps.Contract {
	return steps.Contract{
		CancelAccepted:       rf.contract.cancelAccepted.statuses,
		CancelSettlesWithin:  rf.contract.cancelSettlesWithin,
		ExportFinishesWithin: rf.contract.exportFinishesWithin,
		VisibleWithin:        rf.contract.visibleWithin,
	}
}

// options turns the flags into the run's options against the bundled fake (connect adds a
// live target's), with the in-memory reports wired in: the spec, overlays and contract become
// the validator, and --report and --record the outputs.
func (rf runFlags) options(stdout io.Writer) (suite.Options, *suite.Outputs, error) {
	contract := rf.contractInForce()
	spec, validator, err := effectiveSpec(rf.spec, rf.overlays, contract.CancelAccepted)
	if err != nil {
		return suite.Options{}, nil, err
	}
	opts := suite.Options{
		Config: steps.Config{
			StrictPreconditions: rf.contract.strictPreconditions,
			Validator:           validator,
			Contract:            contract,
		},
		Tags:              rf.tags,
		Formats:           rf.formats,
		Concurrency:       max(rf.concurrency, 1),
		Seed:              rf.seed,
		Output:            stdout,
		Colour:            rf.color == "always" || (rf.color == "auto" && isTerminal(stdout)),
		Features:          rf.features,
		NoBuiltinFeatures: rf.noBuiltin,
	}
	if rf.live.baseURL != "" {
		opts.LeaveOut = []string{fakeOnlyTag}
	}
	outs := suite.NewOutputs(suite.OutputOptions{Spec: spec, HTML: rf.report, HAR: rf.record,
		Creator: har.Creator{Name: "conform", Version: conformVersion()}})
	return outs.Wire(opts), outs, nil
}

// checkRun finds the mistakes of the features, the tags and the output files of a run with
// opts before it starts.
func checkRun(opts suite.Options, outputs []output, usage usage) error {
	if err := suite.Check(opts); err != nil {
		var ue *suite.UsageError
		if errors.As(err, &ue) {
			return &usageError{err: ue, usage: usage}
		}
		return err
	}
	return checkOutputs(outputs)
}

// runTarget is what a run says of its target: how to describe it, and, for a live one, the
// secrets to keep out of the outputs, the export requests the run created and whether its
// credentials failed.
type runTarget struct {
	described          string
	scrub              func(string) string // conform's own words, scrubbed of credential forms; nil for the bundled fake
	root               string
	bearer             bool
	ledger             *steps.Ledger
	credentialsFailure func() error
	stderr             io.Writer // stderr, through the scrubber for a live target
	close              func()
}

// connect reaches the live target rf names, if any, and sets opts up for it: the scenarios'
// target, the redaction of every output, the ledger of what the run creates. Without one, the
// run is against the bundled fake.
func (c runCommand) connect(ctx context.Context, rf runFlags, opts *suite.Options, stdout, stderr io.Writer) (runTarget, error) {
	rt := runTarget{described: "the bundled fake", credentialsFailure: func() error { return nil }, stderr: stderr, close: func() {}}
	if rf.live.baseURL == "" {
		return rt, nil
	}
	tgt, newTarget, err := liveTarget(ctx, rf.live, opts.Config.Contract, c.getenv, stderr)
	if err != nil {
		return rt, reportUnreached(rf, c.getenv, stdout, stderr, err)
	}
	// Secrets must never reach an output. What came from the target (attachments, step
	// errors) is redacted with every secret; conform's own words only of credential forms.
	// A weak secret (a short token, a password that is also a word: "conform") is redacted
	// in either only where it stands as a credential, so that it does not garble them.
	own := tgt.Redactor.CredentialForms()
	out, errOut := own.Writer(stdout), own.Writer(stderr)
	rt.close = func() {
		errOut.Close()
		out.Close()
		tgt.Close()
	}
	opts.Output = out
	opts.Scrub = own.Bytes
	opts.Config.Redact = tgt.Redactor.Bytes
	opts.Config.Ledger = steps.NewLedger()
	opts.Config.NewTarget = newTarget
	opts.Config.PollInterval = rf.live.pollInterval
	opts.Config.MaxResponseBytes = rf.live.maxResponseBytes
	if rf.concurrency == 0 {
		opts.Concurrency = defaultLiveConcurrency
	}
	rt.described, rt.scrub, rt.root, rt.stderr = tgt.Describe(), own.String, tgt.Root, errOut
	rt.bearer, rt.credentialsFailure, rt.ledger = tgt.Bearer(), tgt.CredentialsFailure, opts.Config.Ledger
	fmt.Fprintf(rt.stderr, "conform: running against %s\n", rt.described)
	return rt, nil
}

// writeRecording writes the HAR file of --record, and says so.
func writeRecording(outs *suite.Outputs, path string, redact func([]byte) []byte, stderr io.Writer) error {
	n, err := outs.WriteHAR(redact)
	if err != nil {
		fmt.Fprintf(stderr, "conform: %v\n", err)
		return err
	}
	if path != "" {
		fmt.Fprintf(stderr, "conform: %d exchange(s) recorded to %s\n", n, path)
	}
	return nil
}

// writeHTML writes the HTML report of --report, if asked for, and says so.
func writeHTML(path string, outs *suite.Outputs, res *suite.Result, tgt runTarget, contract steps.Contract, stderr io.Writer) error {
	if path == "" {
		return nil
	}
	stopped := ""
	if res.Stopped != nil {
		stopped = res.Stopped.Error()
	}
	covered, spec := outs.Coverage(), outs.Spec()
	info := report.Info{Target: tgt.described, SpecTitle: spec.Info.Title, SpecVersion: spec.Info.Version, Stopped: stopped,
		Redact: tgt.scrub, Deadlines: contract.Deadlines(), Coverage: &covered}
	if err := writeReport(path, outs.Envelopes(), info); err != nil {
		return err
	}
	fmt.Fprintf(stderr, "conform: report written to %s\n", path)
	return nil
}

// finishRun says the deadlines in force, the notes of the steps and what was left out, and
// writes the coverage of a run that ended without error (ok).
func finishRun(rf runFlags, contract steps.Contract, outs *suite.Outputs, res *suite.Result, stderr io.Writer, ok bool) error {
	fmt.Fprintf(stderr, "conform: deadlines in force: %s\n", contract.Deadlines())
	for _, n := range outs.Notes() {
		fmt.Fprintf(stderr, "conform: note: %s\n", n)
	}
	if res.LeftOut > 0 {
		fmt.Fprintf(stderr, "conform: left out %d scenario(s) tagged %s: they pin values only the bundled fake can produce "+
			"(the vendor's example ids and checksums, an export that fails on purpose)\n", res.LeftOut, fakeOnlyTag)
	}
	if !ok {
		return nil
	}
	return writeCoverage(outs.Coverage(), rf.coverage, stderr)
}

// runOutcome turns how a run ended into the command's error: a usage error, conform's own
// error, a signal, credentials that failed on the way, a timeout, a target that does not
// conform, or coverage under --min-coverage.
func runOutcome(err error, res *suite.Result, sig os.Signal, tgt runTarget, usage usage, covered coverage.Report, cf coverageFlags, stderr io.Writer) error {
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
	case tgt.credentialsFailure() != nil:
		// Requests that went out without credentials (a token refresh failed) failed their
		// scenarios for that alone: the target is not to blame.
		return tgt.credentialsFailure()
	case errors.As(res.Stopped, &timedOut):
		return fmt.Errorf("%w: %v; the scenarios it kept from running or cut short failed", errNotConforming, res.Stopped)
	case !res.Passed:
		return errNotConforming
	}
	return checkCoverage(covered, cf)
}

// outputs are the files a run writes when it ends: the reports of --format, --report, --record
// and --coverage.
func (rf runFlags) outputs() []output {
	var outs []output
	for _, f := range rf.formats {
		if f.Path != "" {
			outs = append(outs, output{"--format " + f.Name, f.Path})
		}
	}
	for _, o := range []output{{"--report", rf.report}, {"--record", rf.record}, {"--coverage", rf.coverage.file}} {
		if o.path != "" {
			outs = append(outs, o)
		}
	}
	return outs
}

// targetFrom says where the target came from, as the run's first line gives it: "--base-url",
// "CONFORM_BASE_URL" or the file given by --config; "" when none names one (the bundled fake).
func targetFrom(source, config string) string {
	switch {
	case source == "":
		return ""
	case strings.HasPrefix(source, "flag "):
		return "--base-url"
	case strings.HasPrefix(source, "environment "):
		return strings.TrimPrefix(source, "environment ")
	}
	return config + ", given by --config"
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

// reportOpen prints the export requests the run created on tgt that may still be running
// because of it (none seen completed, no cancel accepted), each with the command to cancel it
// by hand.
func reportOpen(stderr io.Writer, tgt runTarget) {
	if tgt.ledger == nil {
		return
	}
	open := tgt.ledger.Open()
	if len(open) == 0 {
		return
	}
	fmt.Fprintf(stderr, "conform: %d export request(s) this run created may still be running; cancel each by hand:\n", len(open))
	for _, id := range open {
		fmt.Fprintf(stderr, "  %s\n", steps.CancelCommand(tgt.root, id, tgt.bearer))
	}
	if tgt.bearer {
		fmt.Fprintln(stderr, "  ($TOKEN: an access token from the OAuth2 token endpoint, fetched as the run does; conform never prints one)")
	}
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

// effectiveSpec loads the spec a run validates against: the embedded one or specFile, with the
// overlays applied, declaring every status the contract accepts for a cancel. A spec that does not
// load is a configuration error (exit 2) naming the file and where.
func effectiveSpec(specFile string, overlays []string, cancelAccepted []int) (*openapi3.T, *openapi.Validator, error) {
	doc, _, err := openapi.Effective(specFile, overlays)
	if err != nil {
		return nil, nil, &configError{err: err}
	}
	if doc, err = openapi.AcceptCancel(doc, cancelAccepted); err != nil {
		return nil, nil, err
	}
	v, err := openapi.New(doc)
	if err != nil {
		return nil, nil, &configError{err: err}
	}
	return doc, v, nil
}

// Package suite runs conform's features with godog: the one runner behind both `conform run`
// and `go test`.
package suite

import (
	"context"
	"errors"
	"fmt"
	"io"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing/fstest"

	"github.com/cucumber/godog"
	messages "github.com/cucumber/messages/go/v34"

	"github.com/conform-harness/conform/fakeserver"
	"github.com/conform-harness/conform/fakeserver/bundled"
	"github.com/conform-harness/conform/internal/messagefmt" // also registers the "messages" formatter (Cucumber Messages NDJSON)
	"github.com/conform-harness/conform/internal/tagexpr"
	"github.com/conform-harness/conform/openapi"
	"github.com/conform-harness/conform/steps"
)

// Format is one report to write: a godog formatter name and, optionally, a file path ("" means
// the run's output writer).
type Format struct {
	Name string
	Path string
}

// ParseFormat reads "name" or "name:path".
func ParseFormat(s string) (Format, error) {
	name, path, _ := strings.Cut(s, ":")
	name = strings.TrimSpace(name)
	if name == "" {
		return Format{}, &UsageError{Err: fmt.Errorf("format %q names no formatter", s)}
	}
	return Format{Name: name, Path: path}, nil
}

// Options configure one run.
type Options struct {
	// Config is what every scenario's steps are given (see steps.Config), as the caller set it,
	// but for two defaults the runner fills: a nil NewTarget means the bundled fake, a nil
	// Validator the embedded spec's (openapi.NewValidator). The contract's unset choices are
	// filled here too, once for the run (steps.Contract.WithDefaults).
	Config steps.Config
	// Tags is a Cucumber tag expression; "" runs every scenario.
	Tags string
	// Formats are the reports to write; none means "pretty" to Output.
	Formats []Format
	// Concurrency is how many scenarios run at once; below 1 means 1.
	Concurrency int
	// Seed shuffles scenarios within each feature: 0 keeps file order, -1 picks a random seed
	// (godog prints it), any other value is the seed.
	Seed int64
	// Output receives the reports that have no file; nil means os.Stdout.
	Output io.Writer
	// Colour turns on ANSI colours on Output; decide it from whether Output is a terminal.
	// Report files never have colours.
	Colour bool
	// Configure, when set, changes godog's options last: the go test API (the module's root
	// package) and this package's tests run each scenario as a subtest with it (godog's
	// TestingT), without this package importing testing.
	Configure func(*godog.Options)
	// Scrub, when set, is applied to every report file before it is written to its path (the
	// caller wraps Output itself): the safety net over conform's own words, so give it the
	// redactor's credential forms only (credentials.Redactor.CredentialForms).
	Scrub func([]byte) []byte
	// Envelopes, when set, receives the run as Cucumber Messages, envelope by envelope, in
	// stream order, in memory: what the HTML report is built from.
	Envelopes func(*messages.Envelope)
	// Traffic, when set, runs a feature of its own instead of conform's, with its own scenario
	// initializer. (Recorded traffic is no longer run: see ReportTraffic.)
	Traffic *Traffic
	// Features are the user's feature files, or directories of them, run with conform's own
	// unless NoBuiltinFeatures is set.
	Features          []string
	NoBuiltinFeatures bool
	// LeaveOut names tags whose scenarios this run cannot run (a live target leaves out
	// @fake-only); they are not run and are counted in Result.LeftOut.
	LeaveOut []string
}

// Traffic is a feature to run with steps of its own: the feature's file name, its text, and the
// scenario initializer of its steps.
type Traffic struct {
	Name      string // e.g. "trace.har.feature"
	Feature   string
	Scenarios func(*godog.ScenarioContext)
}

// Result is what a run found.
type Result struct {
	Scenarios int  // scenarios selected to run
	LeftOut   int  // scenarios the tags selected but LeaveOut removed
	Passed    bool // every selected scenario passed
	// Skipped are the scenarios skipped because the target could not be brought to one of
	// their preconditions (see WriteSkipped); none with Options.Config.StrictPreconditions.
	Skipped []Skip
	// Stopped is why the run ended before its scenarios did (the cause of ctx: a
	// *steps.Interrupted or *steps.TimedOut), or nil. Scenarios it kept from running or cut
	// short are skipped (interrupted) or failed (timed out); the reports were written all the same.
	Stopped error
}

// UsageError is a mistake in how the run was asked for: a bad tag expression, a filter that
// selects nothing, an unknown format, a report file that cannot be created.
type UsageError struct{ Err error }

func (e *UsageError) Error() string { return e.Err.Error() }
func (e *UsageError) Unwrap() error { return e.Err }

// Run runs the selected scenarios and reports whether they passed. It returns a *UsageError
// for a run that was asked for wrongly, and another error when the run could not be made.
// When ctx ends during the run, no scenario starts any more, the running ones end, clean up and
// are reported, and Result.Stopped says why.
func Run(ctx context.Context, o Options) (Result, error) {
	wanted, err := godogFilter(o.Tags)
	if err != nil {
		return Result{}, err
	}
	filter := wanted
	if len(o.LeaveOut) > 0 {
		if filter, err = godogFilter(withoutTags(o.Tags, o.LeaveOut)); err != nil {
			return Result{}, err
		}
	}
	cfg := o.Config
	if cfg.Validator == nil {
		if cfg.Validator, err = openapi.NewValidator(); err != nil {
			return Result{}, err
		}
	}
	if cfg.NewTarget == nil {
		cfg.NewTarget = bundled.Target(fakeserver.Options{})
	}
	cfg.Contract = cfg.Contract.WithDefaults()
	formats := o.Formats
	if len(formats) == 0 {
		formats = []Format{{Name: "pretty"}}
	}
	formats, toOutput := bufferForOutput(wrapConsole(formats, max(o.Concurrency, 1)))
	if o.Envelopes != nil {
		formats = append(formats, Format{Name: registerSink(o.Envelopes)})
	}
	// godog's formatter registry has no lock: hold ours while godog reads it (see registerSink).
	registry.RLock()
	defer registry.RUnlock()
	format, finishReports, err := prepareReports(formats, o.Scrub)
	if err != nil {
		return Result{}, err
	}
	out := o.Output
	if out == nil {
		out = os.Stdout
	}
	if !o.Colour {
		out = &plainWriter{w: out}
	}
	featureFiles, err := featureFS(o.Features, o.NoBuiltinFeatures)
	if err != nil {
		return Result{}, err
	}
	if o.Traffic != nil {
		featureFiles = fstest.MapFS{o.Traffic.Name: &fstest.MapFile{Data: []byte(o.Traffic.Feature), Mode: 0o444}}
	}
	opts := &godog.Options{
		Format:      format,
		Tags:        filter,
		Concurrency: max(o.Concurrency, 1),
		Randomize:   o.Seed,
		Strict:      true,
		// godog's uncoloured writer writes one character at a time; colour codes are taken
		// out by plainWriter and by the report post-processing instead.
		NoColors:       false,
		Output:         out,
		FS:             featureFiles,
		Paths:          []string{"."},
		DefaultContext: ctx,
	}
	if o.Configure != nil {
		o.Configure(opts)
	}
	// Recorded traffic has its own steps, not conform's.
	if o.Traffic == nil {
		if err := checkFeatures(opts, wanted); err != nil {
			return Result{}, err
		}
	}
	n, err := countScenarios(opts, filter)
	if err != nil {
		return Result{}, err
	}
	all, err := countScenarios(opts, wanted)
	if err != nil {
		return Result{}, err
	}
	switch {
	case all == 0:
		return Result{}, &UsageError{Err: fmt.Errorf("--tags %q selects no scenario", o.Tags)}
	case n == 0:
		return Result{LeftOut: all}, &UsageError{Err: fmt.Errorf("--tags %q selects only scenarios tagged %s, which this target cannot run",
			o.Tags, strings.Join(o.LeaveOut, ", "))}
	}
	ts := godog.TestSuite{
		Name:                "conform",
		ScenarioInitializer: steps.Initializer(cfg),
		Options:             opts,
	}
	if o.Traffic != nil {
		ts.ScenarioInitializer = o.Traffic.Scenarios
	}
	skips := &skipLog{names: func() map[string]string { return featureNames(opts) }}
	ts.ScenarioInitializer = skips.initializer(ts.ScenarioInitializer)
	code := ts.Run()
	if err := finishReports(skips.reportCases()); err != nil {
		return Result{}, err
	}
	if err := toOutput.write(out, skips.reportCases()); err != nil {
		return Result{}, err
	}
	res := Result{Scenarios: n, LeftOut: all - n, Passed: code == 0, Skipped: skips.skipped()}
	if ctx.Err() != nil {
		res.Stopped = context.Cause(ctx)
	}
	if code > 1 {
		return res, &UsageError{Err: fmt.Errorf("godog rejected the run options (exit %d); see its message above", code)}
	}
	return res, nil
}

// registry guards godog's formatter registry, which has no lock of its own: registerSink adds
// to it while other runs may be looking formatters up. A run holds it for reading from the
// moment it chooses its formatters until godog is done.
var registry sync.RWMutex

// sinks numbers the formatters registerSink adds.
var sinks atomic.Int64

// registerSink registers, under a name of its own, a Cucumber Messages formatter that hands
// every envelope to sink, and returns the name. godog finds formatters only by name, and gives
// them only a writer, so an in-memory consumer needs a formatter of its own.
func registerSink(sink func(*messages.Envelope)) string {
	name := fmt.Sprintf("conform-envelopes-%d", sinks.Add(1))
	registry.Lock()
	defer registry.Unlock()
	godog.Format(name, "Cucumber Messages, in memory, for conform's HTML report", messagefmt.NewFunc(messagefmt.Options{Sink: sink}))
	return name
}

// godogFilter turns a Cucumber tag expression into godog's filter syntax.
func godogFilter(tags string) (string, error) {
	expr, err := tagexpr.Parse(tags)
	if err != nil {
		return "", &UsageError{Err: fmt.Errorf("--tags: %w", err)}
	}
	filter, err := expr.Godog()
	if err != nil {
		return "", &UsageError{Err: fmt.Errorf("--tags: %w", err)}
	}
	return filter, nil
}

// withoutTags returns the expression tags with every scenario carrying one of leaveOut removed.
func withoutTags(tags string, leaveOut []string) string {
	var parts []string
	if strings.TrimSpace(tags) != "" {
		parts = append(parts, "("+tags+")")
	}
	for _, t := range leaveOut {
		parts = append(parts, "not "+t)
	}
	return strings.Join(parts, " and ")
}

// countScenarios counts the pickles filter selects, with godog's own parser and filter.
func countScenarios(opts *godog.Options, filter string) (int, error) {
	n := 0
	err := eachPickle(opts, filter, func(string, *messages.Pickle, func(*messages.PickleStep) int64) { n++ })
	return n, err
}

// eachPickle calls each for every scenario (godog's pickle) of opts that filter selects, read
// with godog's own parser and filter, with its feature's file and a function that gives the
// line of each of its steps in that file.
func eachPickle(opts *godog.Options, filter string, each func(uri string, p *messages.Pickle, line func(*messages.PickleStep) int64)) error {
	copyOpts := *opts
	copyOpts.Tags = filter
	feats, err := godog.TestSuite{Options: &copyOpts}.RetrieveFeatures()
	if err != nil {
		return &UsageError{Err: fmt.Errorf("read the features: %w", err)}
	}
	for _, f := range feats {
		line := func(st *messages.PickleStep) int64 {
			if len(st.AstNodeIds) > 0 {
				if s := f.FindStep(st.AstNodeIds[0]); s != nil && s.Location != nil {
					return s.Location.Line
				}
			}
			return 0
		}
		for _, p := range f.Pickles {
			each(f.Uri, p, line)
		}
	}
	return nil
}

// prepareReports turns formats into godog's "name:path,name" form, creating the directories of
// report files (godog does not). godog writes each file next to its final path, and finish
// moves it into place without colour codes, with the reasons of the scenarios skipped for a
// precondition added (JUnit, Cucumber JSON) and, with scrub set, scrubbed: no unscrubbed report
// is ever left behind.
func prepareReports(formats []Format, scrub func([]byte) []byte) (format string, finish func([]reportCase) error, err error) {
	type pending struct{ name, tmp, final string }
	var files []pending
	finish = func(skips []reportCase) error {
		// One report that cannot be written must not cost the others: each is tried, and every
		// failure is said.
		var errs []error
		for _, p := range files {
			b, err := os.ReadFile(p.tmp)
			if err != nil {
				errs = append(errs, fmt.Errorf("read report %s: %w", p.tmp, err))
				continue
			}
			if b, err = withSkipReasons(p.name, b, skips); err != nil {
				errs = append(errs, fmt.Errorf("report %s: %w", p.final, err))
				continue
			}
			b = stripANSI(b)
			if scrub != nil {
				b = scrub(b)
			}
			if err := os.WriteFile(p.final, b, 0o644); err != nil {
				errs = append(errs, fmt.Errorf("write report %s: %w", p.final, err))
				continue
			}
			if err := os.Remove(p.tmp); err != nil {
				errs = append(errs, fmt.Errorf("remove %s: %w", p.tmp, err))
			}
		}
		return errors.Join(errs...)
	}
	if len(formats) == 0 {
		return "pretty", finish, nil
	}
	known := map[string]bool{}
	for name := range godog.AvailableFormatters() {
		known[name] = true
	}
	var parts []string
	for _, f := range formats {
		if !known[f.Name] {
			return "", nil, &UsageError{Err: fmt.Errorf("--format: unknown formatter %q (have %s)", f.Name, strings.Join(slices.Sorted(maps.Keys(known)), ", "))}
		}
		if f.Path == "" {
			parts = append(parts, f.Name)
			continue
		}
		if strings.Contains(f.Path, ",") {
			return "", nil, &UsageError{Err: fmt.Errorf("--format: report path %q must not contain a comma", f.Path)}
		}
		if dir := filepath.Dir(f.Path); dir != "." {
			if err := os.MkdirAll(dir, 0o755); err != nil {
				return "", nil, &UsageError{Err: fmt.Errorf("--format %s: create report directory: %w", f.Name, err)}
			}
		}
		path := partialPath(f.Path)
		files = append(files, pending{name: f.Name, tmp: path, final: f.Path})
		parts = append(parts, f.Name+":"+path)
	}
	return strings.Join(parts, ","), finish, nil
}

// RemovePartialReports removes the files the reports of formats are written to while a run is
// under way, for a run abandoned before it could finish them. Nothing else is touched.
func RemovePartialReports(formats []Format) {
	for _, f := range formats {
		if f.Path != "" {
			_ = os.Remove(partialPath(f.Path)) // best effort: the run is being abandoned
		}
	}
}

// partialPath is where the report of path is written until the run finishes.
func partialPath(path string) string { return path + ".partial" }

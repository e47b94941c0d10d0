package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"conform/internal/report"
	"conform/internal/suite"
	"conform/openapi"
)

const runSynopsis = "conform run [--base-url URL] [--tags EXPR] [--format NAME[:FILE]]... [--concurrency N] [--seed N|random] [flags]"

// runFlags are the parsed flags of `conform run`.
type runFlags struct {
	tags        string
	formats     []suite.Format
	concurrency int
	seed        int64
	color       string
	report      string
	live        liveFlags
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
func parseRunFlags(args []string, stdout io.Writer) (runFlags, func(io.Writer), error) {
	var rf runFlags
	fs := newFlagSet("run")
	fs.StringVar(&rf.tags, "tags", "", "run only the scenarios whose tags match this Cucumber tag expression,\ne.g. '@fake-only', 'not @needs-slow-cancel', '@a and (@b or not @c)'")
	fs.Var(formatList{&rf.formats}, "format", "a report to write: `NAME[:FILE]`, repeatable; NAME is pretty, progress, junit,\ncucumber (JSON) or messages (Cucumber Messages NDJSON); without FILE it goes to stdout; missing directories are created (default pretty)")
	fs.IntVar(&rf.concurrency, "concurrency", 1, "how many scenarios run at once")
	fs.Var(seedValue{&rf.seed}, "seed", "shuffle scenarios within each feature with this seed, or \"random\" (0 keeps file order)")
	fs.StringVar(&rf.color, "color", "auto", "colour the console report: auto (only on a terminal), always or never")
	fs.StringVar(&rf.report, "report", "", "also write a self-contained HTML report of the run to `FILE.html`")
	rf.live.register(fs)
	usage := printUsage(fs, runSynopsis)
	if err := parseFlags(fs, runSynopsis, args, stdout); err != nil {
		return rf, usage, err
	}
	if rf.concurrency < 1 {
		return rf, usage, &usageError{err: fmt.Errorf("--concurrency must be at least 1, got %d", rf.concurrency), usage: usage}
	}
	if rf.live.baseURL == "" {
		rf.live.baseURL = os.Getenv("CONFORM_BASE_URL")
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

func runCmd(ctx context.Context, args []string, _ io.Reader, stdout, stderr io.Writer) error {
	rf, usage, err := parseRunFlags(args, stdout)
	if err != nil {
		return err
	}
	opts := suite.Options{
		Tags:        rf.tags,
		Formats:     rf.formats,
		Concurrency: rf.concurrency,
		Seed:        rf.seed,
		Output:      stdout,
		Colour:      rf.color == "always" || (rf.color == "auto" && isTerminal(stdout)),
	}
	target, redact := "the bundled fake", (func(string) string)(nil)
	if rf.live.baseURL != "" {
		live, err := setUpLive(ctx, rf.live, os.Getenv, stderr)
		if err != nil {
			return err
		}
		// Secrets must never reach an output: every writer and report file is redacted.
		out, errOut := live.redactor.Writer(stdout), live.redactor.Writer(stderr)
		defer out.Close()
		defer errOut.Close()
		opts.Output = out
		opts.Redact = live.redactor.Bytes
		opts.NewTarget = live.target
		opts.LeaveOut = []string{fakeOnlyTag}
		opts.PollInterval = rf.live.pollInterval
		opts.MaxResponseBytes = rf.live.maxResponseBytes
		stderr = errOut
		target, redact = live.describe, live.redactor.String
		fmt.Fprintf(stderr, "conform: running against %s\n", live.describe)
	}
	var stream string
	if rf.report != "" {
		f, err := os.CreateTemp("", "conform-messages-*.ndjson")
		if err != nil {
			return fmt.Errorf("--report: %w", err)
		}
		f.Close()
		stream = f.Name()
		defer os.Remove(stream)
		opts.Formats = append(slices.Clone(opts.Formats), suite.Format{Name: "messages", Path: stream})
		if len(rf.formats) == 0 {
			opts.Formats = append(opts.Formats, suite.Format{Name: "pretty"})
		}
	}
	res, err := suite.Run(ctx, opts)
	if err == nil && rf.report != "" {
		if rerr := writeReport(rf.report, stream, target, redact); rerr != nil {
			return rerr
		}
		fmt.Fprintf(stderr, "conform: report written to %s\n", rf.report)
	}
	if res.LeftOut > 0 {
		fmt.Fprintf(stderr, "conform: left out %d scenario(s) tagged %s: they pin values only the bundled fake can produce "+
			"(the vendor's example ids and checksums, an export that fails on purpose)\n", res.LeftOut, fakeOnlyTag)
	}
	var ue *suite.UsageError
	switch {
	case errors.As(err, &ue):
		return &usageError{err: ue, usage: usage}
	case err != nil:
		return err
	case !res.Passed:
		return errNotConforming
	}
	return nil
}

// writeReport renders the messages stream of a run into the HTML report at path.
func writeReport(path, stream, target string, redact func(string) string) error {
	f, err := os.Open(stream)
	if err != nil {
		return fmt.Errorf("--report: %w", err)
	}
	defer f.Close()
	envs, err := report.ReadMessages(f)
	if err != nil {
		return fmt.Errorf("--report: %w", err)
	}
	spec, err := openapi.Load()
	if err != nil {
		return err
	}
	var page bytes.Buffer
	if err := report.WriteHTML(&page, envs, report.Info{
		Target: target, SpecTitle: spec.Info.Title, SpecVersion: spec.Info.Version, Redact: redact,
	}); err != nil {
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

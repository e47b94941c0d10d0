package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"

	"github.com/conform-harness/conform/internal/audit"
	"github.com/conform-harness/conform/internal/credentials"
	"github.com/conform-harness/conform/internal/drift"
	"github.com/conform-harness/conform/internal/target"
	"github.com/conform-harness/conform/internal/transport"
	"github.com/conform-harness/conform/judge"
	"github.com/conform-harness/conform/openapi"
	"github.com/conform-harness/conform/oracle"
)

const diffSynopsis = `conform diff [--format console|markdown|json] [--output FILE] [--fail-on KINDS] [--config FILE] [contract flags] BASELINE.har CURRENT.har

Compare how the export API behaved in two recordings (conform run --record, conform proxy
--record, a browser's or a test tool's HAR file): BASELINE, say before the vendor's release,
and CURRENT, after it. Each is judged as conform audit judges it (the spec and the oracle);
then every change is reported, by call, even where the contract allows both: fields that
appeared or disappeared, fields written in another form (an id as a string, a date without
seconds), media types and response header names, statuses, the progress paths requests took,
the wording and codes of error documents, and the p50/p95 of the cancel settle time and the
export finish time. Header values are never shown.

Exit codes: 0 no drift of the kinds --fail-on names, 1 some, 2 a usage error (a file that
cannot be read, or is not HAR).`

// diffFlags are the parsed flags of `conform diff`.
type diffFlags struct {
	format   string
	output   string
	failOn   []drift.Kind
	root     string // --base-url as an API root, or "": every URL with the API's root in its path
	maxBody  int64
	files    [2]string
	contract runFlags // the contract and the spec, read as conform run reads them (flags, environment, conform.yaml)
}

// diffRunFlags are the flags of conform run that conform diff takes too, and hands to run's
// parser: the spec, the contract's choices, and the configuration file that may hold them.
var diffRunFlags = []string{"config", "spec", "overlay", "cancel-accepted", "cancel-settles-within", "export-finishes-within"}

// passThrough collects the flags of conform run that conform diff takes, as run's arguments.
type passThrough struct {
	name string
	args *[]string
}

func (p passThrough) String() string { return "" }
func (p passThrough) Set(v string) error {
	*p.args = append(*p.args, "--"+p.name+"="+v)
	return nil
}

func parseDiffFlags(args []string, getenv func(string) string, readFile func(string) ([]byte, error), stdout io.Writer) (diffFlags, error) {
	df := diffFlags{format: drift.FormatConsole}
	var failOn, baseURL string
	var runArgs []string
	fs := newFlagSet("diff")
	fs.StringVar(&df.format, "format", drift.FormatConsole, "write the report as console, markdown (a pull request's comment, a CI job's summary) or json")
	fs.StringVar(&df.output, "output", "", "write the report to `FILE` instead of stdout (missing directories are created)")
	fs.StringVar(&failOn, "fail-on", "", "the kinds of drift that exit 1, comma-separated: "+kindList()+", or any, or none\n(default contract,deadline: a violation of the spec or the oracle that BASELINE did not have,\nand a timing whose p95 moved past half its contract deadline)")
	fs.StringVar(&baseURL, "base-url", "", "compare only the entries under this API root (`URL`); default: every entry whose path holds the API root")
	fs.Int64Var(&df.maxBody, "max-response-bytes", transport.DefaultMaxResponseBytes, "the largest body read; an entry with a larger one is counted, not compared")
	usages := map[string]string{
		"config":                 "read the contract's choices and the spec from this YAML `FILE`, as conform run does (default: conform.yaml when it exists)",
		"spec":                   "judge against this OpenAPI 3.0 or 3.1 document (`FILE`) instead of the embedded spec",
		"overlay":                "apply this OpenAPI Overlay 1.0 `FILE` to the spec; repeatable",
		"cancel-accepted":        "the `STATUSES` meaning \"the cancel of a running request was accepted\" (contract.cancel_accepted, default 200)",
		"cancel-settles-within":  "the contract's deadline (`D`) for a cancellation to settle (contract.cancel_settles_within, default 30s)",
		"export-finishes-within": "the contract's deadline (`D`) for an export to finish (contract.export_finishes_within, default 2m)",
	}
	for _, name := range diffRunFlags {
		fs.Var(passThrough{name: name, args: &runArgs}, name, usages[name])
	}
	help := printUsage(fs, diffSynopsis,
		flagGroup{"Report", []string{"format", "output", "fail-on"}},
		flagGroup{"Judging (as conform run and conform audit)", []string{"config", "spec", "overlay", "cancel-accepted", "cancel-settles-within", "export-finishes-within", "base-url", "max-response-bytes"}})
	files, err := parseFlagsAndOperands(fs, help, args, stdout)
	if err != nil {
		return df, err
	}
	fail := func(format string, a ...any) (diffFlags, error) {
		return df, &usageError{err: fmt.Errorf(format, a...), usage: help}
	}
	if len(files) != 2 {
		return fail("want two HAR files, BASELINE and CURRENT, got %d", len(files))
	}
	df.files = [2]string{files[0], files[1]}
	switch df.format {
	case drift.FormatConsole, drift.FormatMarkdown, drift.FormatJSON:
	default:
		return fail("--format must be console, markdown or json, got %q", df.format)
	}
	if df.failOn, err = parseFailOn(failOn); err != nil {
		return fail("--fail-on: %v", err)
	}
	if df.maxBody < 1 {
		return fail("--max-response-bytes must be at least 1, got %d", df.maxBody)
	}
	if baseURL != "" {
		if df.root, err = target.Root(baseURL); err != nil {
			return fail("%v", err)
		}
	}
	// The contract and the spec as conform run reads them: the same flags, the same
	// conform.yaml with the same rules, the same environment.
	rf, _, err := parseRunFlags(runArgs, getenv, readFile, io.Discard)
	if err != nil {
		var ue *usageError
		if errors.As(err, &ue) {
			return df, &usageError{err: ue.err, usage: help}
		}
		return df, err
	}
	df.contract = rf
	return df, nil
}

func kindList() string {
	var names []string
	for _, k := range drift.Kinds() {
		names = append(names, string(k))
	}
	return strings.Join(names, ", ")
}

// parseFailOn reads --fail-on: kinds, comma-separated, or any, or none; "" is the default.
func parseFailOn(v string) ([]drift.Kind, error) {
	switch strings.TrimSpace(v) {
	case "":
		return drift.DefaultFailOn(), nil
	case failOnAny:
		return drift.Kinds(), nil
	case failOnNone:
		return []drift.Kind{}, nil
	}
	var out []drift.Kind
	for _, one := range strings.Split(v, ",") {
		k := drift.Kind(strings.TrimSpace(one))
		if !slices.Contains(drift.Kinds(), k) {
			return nil, fmt.Errorf("unknown kind %q: want %s, or %s or %s", one, kindList(), failOnAny, failOnNone)
		}
		if !slices.Contains(out, k) {
			out = append(out, k)
		}
	}
	return out, nil
}

// diffCmd is `conform diff`.
func diffCmd(_ context.Context, args []string, getenv func(string) string, _ io.Reader, stdout, stderr io.Writer) error {
	df, err := parseDiffFlags(args, getenv, os.ReadFile, stdout)
	if err != nil {
		return err
	}
	c := df.contract.contract
	_, validator, err := effectiveSpec(df.contract.spec, df.contract.overlays, c.cancelAccepted.statuses)
	if err != nil {
		return err
	}
	var profiles [2]*drift.Profile
	for i, file := range df.files {
		if profiles[i], err = profileOf(file, df.root, df.maxBody, validator, stderr); err != nil {
			return err
		}
	}
	report := drift.Compare(profiles[0], profiles[1], drift.Deadlines{
		CancelSettlesWithin: c.cancelSettlesWithin, ExportFinishesWithin: c.exportFinishesWithin,
	}, df.failOn)
	var buf bytes.Buffer
	if err := drift.Write(&buf, report, df.format); err != nil {
		return err
	}
	// Nothing of a recording's credentials reaches the report (header values are never kept),
	// but a target's text may hold one in a form only a credential takes.
	out := credentials.NewRedactor().CredentialForms().Bytes(buf.Bytes())
	if df.output != "" {
		if err := writeOutput("--output", df.output, out); err != nil {
			return err
		}
		fmt.Fprintf(stderr, "conform diff: report written to %s\n", df.output)
	} else if _, err := stdout.Write(out); err != nil {
		return err
	}
	fmt.Fprintf(stderr, "conform diff: %s\n", report.Verdict())
	if report.Failing > 0 {
		// Exit 1, as for a target that does not conform: the drift --fail-on chooses.
		return fmt.Errorf("%d drift(s) of the kinds --fail-on names: %w", report.Failing, errNotConforming)
	}
	return nil
}

// profileOf reads the HAR file at path as conform audit reads it (internal/audit: two streamed
// passes, each entry judged against the spec, its body decoded once, in the order of the
// entries' startedDateTime, the oracle following each export request) and returns what it
// showed.
func profileOf(path, root string, maxBody int64, validator *openapi.Validator, stderr io.Writer) (*drift.Profile, error) {
	profile := drift.NewProfile(baseName(path))
	n := 0
	_, err := audit.Run(audit.Options{Files: []string{path}, Root: root, MaxBody: maxBody, Validator: validator,
		Redactor: credentials.NewRedactor(), Out: io.Discard, Log: io.Discard,
		Judged: func(ex judge.Exchange, breaches []oracle.Breach) {
			n++
			profile.Add(ex, breaches)
		}})
	if err != nil {
		return nil, &configError{err: err}
	}
	fmt.Fprintf(stderr, "conform diff: %s: %d exchange(s) of the export API compared\n", path, n)
	return profile, nil
}

// baseName is the file's name without its directories, as reports name a recording.
func baseName(path string) string {
	if i := strings.LastIndexAny(path, `/\`); i >= 0 {
		return path[i+1:]
	}
	return path
}

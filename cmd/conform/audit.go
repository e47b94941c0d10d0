package main

import (
	"context"
	"fmt"
	"io"
	"strings"

	"github.com/conform-harness/conform/export"
	"github.com/conform-harness/conform/internal/audit"
	"github.com/conform-harness/conform/internal/credentials"
	"github.com/conform-harness/conform/internal/suite"
	"github.com/conform-harness/conform/internal/target"
	"github.com/conform-harness/conform/internal/transport"
)

const auditSynopsis = `conform audit [--base-url URL] [--spec FILE] [--overlay FILE]... [--format NAME[:FILE]]... [--report FILE.html] [--coverage FILE.json] [--min-coverage PERCENT] FILE.har...

Check recorded traffic offline: HAR 1.2 files written by browser devtools, proxies, test tools
or conform run --record. Every entry that calls the export API is judged as conform run judges
its own exchanges: against the spec, and, per export request, in the order of the entries'
startedDateTime, against the invariants. Entries outside the API root are ignored and counted.
The reports and exit codes are those of conform run: 0 conforms, 1 does not (or is under
--min-coverage), 2 a usage error (a file that is not HAR names the entry at fault).`

// auditFlags are the parsed flags of `conform audit`.
type auditFlags struct {
	root     string // --base-url as an API root, or "": any URL with the API's root in its path
	spec     string
	overlays stringList
	formats  []suite.Format
	report   string
	maxBody  int64 // --max-response-bytes
	coverage coverageFlags
	files    []string
}

func parseAuditFlags(args []string, stdout io.Writer) (auditFlags, error) {
	var af auditFlags
	var baseURL string
	fs := newFlagSet("audit")
	fs.StringVar(&baseURL, "base-url", "", "audit only the entries under this API root (`URL`, as conform run takes it); default: every\nentry whose path holds "+export.Root)
	fs.StringVar(&af.spec, "spec", "", "judge against this OpenAPI 3.0 or 3.1 document (`FILE`) instead of the embedded spec")
	fs.Var(&af.overlays, "overlay", "apply this OpenAPI Overlay 1.0 `FILE` to the spec; repeatable")
	fs.Var(formatList{&af.formats}, "format", "a report to write: `NAME[:FILE]`, repeatable, as conform run takes it (default: only the violations, one line each)")
	fs.StringVar(&af.report, "report", "", "also write the self-contained HTML report to `FILE.html`")
	fs.Int64Var(&af.maxBody, "max-response-bytes", transport.DefaultMaxResponseBytes, "the largest body judged, as conform run reads at most; an entry with a larger one is counted, not judged")
	af.coverage.register(fs)
	help := printUsage(fs, auditSynopsis)
	files, err := parseFlagsAndOperands(fs, help, args, stdout)
	if err != nil {
		return af, err
	}
	fail := func(format string, a ...any) (auditFlags, error) {
		return af, &usageError{err: fmt.Errorf(format, a...), usage: help}
	}
	if af.maxBody < 1 {
		return fail("--max-response-bytes must be at least 1, got %d", af.maxBody)
	}
	af.files = files
	if len(af.files) == 0 {
		return fail("no HAR file to audit: give one or more FILE.har")
	}
	if baseURL != "" {
		root, err := target.Root(baseURL)
		if err != nil {
			return fail("%v", err)
		}
		af.root = root
	}
	return af, nil
}

// auditCmd is `conform audit`.
func auditCmd(_ context.Context, args []string, _ func(string) string, _ io.Reader, stdout, stderr io.Writer) error {
	af, err := parseAuditFlags(args, stdout)
	if err != nil {
		return err
	}
	spec, validator, err := effectiveSpec(af.spec, af.overlays, nil)
	if err != nil {
		return err
	}
	// The run's redactor knows no secret of its own; each entry's credentials are learnt for
	// that entry's evidence only, so that one entry's cannot mask what another's shows.
	red := credentials.NewRedactor()
	out := red.CredentialForms().Writer(stdout)
	defer out.Close()
	// The reports are built from the judged exchanges: only then are they kept.
	reports := len(af.formats) > 0 || af.report != ""
	res, err := audit.Run(audit.Options{Files: af.files, Root: af.root, MaxBody: af.maxBody, Spec: spec, Validator: validator,
		Redactor: red, Keep: reports, Out: out, Log: stderr})
	if err != nil {
		return &configError{err: err}
	}
	passed := true
	if reports {
		title := "Recorded traffic: " + strings.Join(af.files, ", ")
		passed, err = suite.ReportTraffic(res.Exchanges, suite.TrafficReports{Title: title, Formats: af.formats, Output: out, Redact: red.Bytes,
			Envelopes: htmlReport(af.report, title, spec, &res.Coverage, red)})
		if err != nil {
			return err
		}
	}
	fmt.Fprintf(stderr, "conform audit: %s\n", trafficSummary(res.Coverage, res.Violations))
	if af.report != "" {
		fmt.Fprintf(stderr, "conform audit: report written to %s\n", af.report)
	}
	if err := writeCoverage(res.Coverage, af.coverage, stderr); err != nil {
		return err
	}
	if res.Violations > 0 || !passed {
		return errNotConforming
	}
	return checkCoverage(res.Coverage, af.coverage)
}

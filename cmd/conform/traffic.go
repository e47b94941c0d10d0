package main

import (
	"fmt"
	"io"

	messages "github.com/cucumber/messages/go/v34"
	"github.com/getkin/kin-openapi/openapi3"

	"github.com/conform-harness/conform/internal/coverage"
	"github.com/conform-harness/conform/internal/report"
	"github.com/conform-harness/conform/internal/suite"
	"github.com/conform-harness/conform/judge"
)

// trafficReports are the reports of recorded traffic (conform audit, conform proxy), asked for as
// conform run asks for them.
type trafficReports struct {
	formats []suite.Format
	report  string // the HTML report's path, or ""
	// console is the format for the console when formats names none for it: "" for none (the
	// caller prints its own summary).
	console string
	// coverage, when set, goes into the HTML report.
	coverage *coverage.Report
	// clientApart: a request that breaks the spec is noted, not failed (steps.Traffic.ClientApart).
	clientApart bool
}

// reportTraffic judges exchanges, in the order they happened, as scenarios (one per export
// request, one step per exchange: see suite.ReportTraffic) and writes the reports asked for; the
// console gets them only when a format names no file. It returns whether every exchange
// conformed. title names the feature (the HAR files, the proxy's target).
func reportTraffic(title string, exchanges []judge.Exchange, spec *openapi3.T, rep trafficReports,
	redact func([]byte) []byte, scrub func(string) string, stdout io.Writer) (bool, error) {
	o := suite.TrafficReports{Title: title, Formats: rep.formats, Console: rep.console, Output: stdout, Redact: redact, ClientApart: rep.clientApart}
	if rep.report != "" {
		info := report.Info{Target: title, SpecTitle: spec.Info.Title, SpecVersion: spec.Info.Version, Redact: scrub, Coverage: rep.coverage}
		o.Envelopes = func(envs []*messages.Envelope) error { return writeReport(rep.report, envs, info) }
	}
	return suite.ReportTraffic(exchanges, o)
}

// trafficSummary says in one line what traffic held and how it fared: its exchanges, the export
// requests whose status documents it showed, and its violations.
func trafficSummary(c coverage.Report, violations int) string {
	verdict := "no violation"
	if violations > 0 {
		verdict = fmt.Sprintf("%d violation(s)", violations)
	}
	return fmt.Sprintf("%d exchange(s) of %d export request(s): %s", c.Exchanges, c.Requests, verdict)
}

package main

import (
	"fmt"

	messages "github.com/cucumber/messages/go/v34"
	"github.com/getkin/kin-openapi/openapi3"

	"github.com/conform-harness/conform/internal/coverage"
	"github.com/conform-harness/conform/internal/credentials"
	"github.com/conform-harness/conform/internal/report"
)

// htmlReport returns what writes the HTML report of recorded traffic (conform audit, conform
// proxy) to path, from its Cucumber Messages (suite.TrafficReports.Envelopes), with the
// coverage; nil when path is "". title names the traffic, spec what it was judged against.
func htmlReport(path, title string, spec *openapi3.T, covered *coverage.Report, red *credentials.Redactor) func([]*messages.Envelope) error {
	if path == "" {
		return nil
	}
	info := report.Info{Target: title, SpecTitle: spec.Info.Title, SpecVersion: spec.Info.Version, Redact: red.CredentialForms().String, Coverage: covered}
	return func(envs []*messages.Envelope) error { return writeReport(path, envs, info) }
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

package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"sync"

	messages "github.com/cucumber/messages/go/v34"
	"github.com/getkin/kin-openapi/openapi3"

	"github.com/conform-harness/conform/internal/coverage"
	"github.com/conform-harness/conform/internal/report"
	"github.com/conform-harness/conform/internal/suite"
	"github.com/conform-harness/conform/judge"
	"github.com/conform-harness/conform/steps"
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
// request, one step per exchange: see steps.Traffic) and writes the reports asked for; the
// console gets them only when a format names no file. It returns the run's result: Passed says
// whether every exchange conformed. title names the feature (the HAR files, the proxy's target).
func reportTraffic(ctx context.Context, title, description string, exchanges []judge.Exchange, spec *openapi3.T, rep trafficReports,
	redact func([]byte) []byte, scrub func(string) string, stdout io.Writer) (suite.Result, error) {
	traffic := &steps.Traffic{Requests: judge.GroupByRequest(exchanges), Redact: redact, ClientApart: rep.clientApart}
	if len(traffic.Requests) == 0 {
		return suite.Result{Passed: true}, nil
	}
	opts := suite.Options{
		Traffic: &suite.Traffic{Name: "traffic.feature", Feature: traffic.Feature(title, description), Scenarios: traffic.Initializer()},
		Formats: rep.formats,
		Output:  stdout,
		Config:  steps.Config{Redact: redact},
	}
	if len(opts.Formats) == 0 && rep.console != "" {
		opts.Formats = []suite.Format{{Name: rep.console}}
	}
	if len(opts.Formats) == 0 {
		// No console report: the caller prints its own summary.
		opts.Formats = []suite.Format{{Name: "progress"}}
		opts.Output = io.Discard
	}
	var envelopes []*messages.Envelope
	var mu sync.Mutex
	if rep.report != "" {
		opts.Envelopes = func(e *messages.Envelope) {
			mu.Lock()
			defer mu.Unlock()
			envelopes = append(envelopes, e)
		}
	}
	res, err := suite.Run(ctx, opts)
	if rep.report != "" && len(envelopes) > 0 {
		// A --format report that could not be written must not cost the HTML one.
		info := report.Info{Target: title, SpecTitle: spec.Info.Title, SpecVersion: spec.Info.Version, Redact: scrub, Coverage: rep.coverage}
		err = errors.Join(err, writeReport(rep.report, envelopes, info))
	}
	return res, err
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

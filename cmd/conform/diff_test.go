package main

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/conform-harness/conform/fakeserver"
	"github.com/conform-harness/conform/fakeserver/bundled"
	"github.com/conform-harness/conform/internal/drift"
	"github.com/conform-harness/conform/internal/golden"
	"github.com/conform-harness/conform/internal/har"
	"github.com/conform-harness/conform/internal/suite"
	"github.com/conform-harness/conform/steps"
)

// recordBundled runs the suite against the bundled fake with opts (its variants and defects) and
// records the run as conform run --record does, to dir/name; the bundled fake's manual clock
// makes two recordings of one fake the same.
func recordBundled(tb testing.TB, dir, name string, opts fakeserver.Options) string {
	tb.Helper()
	path := filepath.Join(dir, name)
	outs := suite.NewOutputs(suite.OutputOptions{HAR: path})
	_, err := suite.Run(context.Background(), outs.Wire(suite.Options{
		Config:  steps.Config{NewTarget: bundled.Target(opts)},
		Output:  io.Discard,
		Formats: []suite.Format{{Name: "progress"}},
	}))
	require.NoError(tb, err)
	_, err = outs.WriteHAR(nil)
	require.NoError(tb, err)
	return path
}

// diffJSON runs conform diff --format json with args and returns its exit code and report.
func diffJSON(t *testing.T, args ...string) (int, drift.Report, string) {
	t.Helper()
	code, out, errOut := conform(t, append([]string{"diff", "--format", "json"}, args...)...)
	var r drift.Report
	if out != "" {
		require.NoError(t, json.Unmarshal([]byte(out), &r), "stdout:\n%s\nstderr:\n%s", out, errOut)
	}
	return code, r, errOut
}

// find returns the drift of group with kind and change whose subject holds subject.
func find(r drift.Report, group string, kind drift.Kind, change, subject string) (drift.Drift, bool) {
	for _, g := range r.Groups {
		if g.Name != group {
			continue
		}
		for _, d := range g.Drifts {
			if d.Kind == kind && d.Change == change && strings.Contains(d.Subject, subject) {
				return d, true
			}
		}
	}
	return drift.Drift{}, false
}

// TestDiffOfTwoRunsOfTheSameFake: two recordings of conform run against the bundled fake differ
// in nothing, timings included (the manual clock).
func TestDiffOfTwoRunsOfTheSameFake(t *testing.T) {
	dir := t.TempDir()
	a, b := filepath.Join(dir, "a.har"), filepath.Join(dir, "b.har")
	for _, path := range []string{a, b} {
		code, _, errOut := conform(t, "run", "--format", "progress", "--record", path)
		require.Equal(t, exitPass, code, errOut)
	}
	code, out, errOut := conform(t, "diff", "--fail-on", "any", a, b)
	require.Equal(t, exitPass, code, "stdout:\n%s\nstderr:\n%s", out, errOut)
	require.Contains(t, out, "0 drift(s); 0 of the kinds --fail-on contract,deadline,status,field,form,media-type,header,progress,error,timing fails on")
	require.Contains(t, out, "cancel settle time")
	require.NotContains(t, out, "✗")
}

// TestDiffReportsEachKindOfDrift records the bundled fake with a variant or a defect and compares
// it with a recording of the plain fake.
func TestDiffReportsEachKindOfDrift(t *testing.T) {
	dir := t.TempDir()
	base := recordBundled(t, dir, "baseline.har", fakeserver.Options{})
	type want struct {
		group   string
		kind    drift.Kind
		change  string
		subject string
		after   string // a part of the drift's After
	}
	tests := []struct {
		name  string
		opts  fakeserver.Options
		args  []string
		wants []want
		code  int
	}{
		{"ids as strings", fakeserver.Options{Variants: []fakeserver.Variant{fakeserver.VariantIDsAsStrings}}, nil, []want{
			{"status", drift.KindForm, "changed", "status document /result/body/requestID", "string"},
			{"create", drift.KindForm, "changed", "status document /result/body/tables/items/*/itemID", "string"},
		}, exitPass},
		{"dates as Java writes them", fakeserver.Options{Variants: []fakeserver.Variant{fakeserver.VariantDatesJava}}, nil, []want{
			{"status", drift.KindForm, "changed", "status document /result/body/tables/items/*/endTime", "date-time YYYY-MM-DDThh:mm±hh:mm"},
		}, exitPass},
		{"nulls", fakeserver.Options{Variants: []fakeserver.Variant{fakeserver.VariantNullsForOptionalFields}}, nil, []want{
			{"status", drift.KindForm, "changed", "status document /result/body/tables/items/*/endTime", "null"},
		}, exitPass},
		{"extra fields", fakeserver.Options{Variants: []fakeserver.Variant{fakeserver.VariantExtraFields}}, nil, []want{
			{"status", drift.KindField, "appeared", "status document /o:resourceVersion", "string"},
		}, exitPass},
		{"vendor media types", fakeserver.Options{Variants: []fakeserver.Variant{fakeserver.VariantVendorMediaTypes}}, nil, []want{
			{"status", drift.KindMedia, "appeared", "application/vnd.oracle.resource+json; type=singular", "×"},
			{"status", drift.KindMedia, "disappeared", "application/json", "—"},
		}, exitPass},
		{"vendor error documents", fakeserver.Options{Variants: []fakeserver.Variant{fakeserver.VariantVendorErrorDocuments}}, nil, []want{
			{"cancel", drift.KindError, "appeared", "400 o:errorDetails detail: The request is not in a cancellable state", "×"},
			{"cancel", drift.KindError, "disappeared", "400 detail: export request {id} is in an invalid state for a cancellation request", "—"},
			{"cancel", drift.KindForm, "changed", "error document /status", "string"},
		}, exitPass},
		{"unknown after a cancel", fakeserver.Options{Variants: []fakeserver.Variant{fakeserver.VariantUnknownAfterCancel}}, nil, []want{
			{"requests", drift.KindProgress, "appeared", "processing → unknown → ", "×"},
		}, exitPass},
		{"checksum left out", fakeserver.Options{Defects: []fakeserver.Defect{fakeserver.DefectChecksumMissing}}, nil, []want{
			{"status", drift.KindContract, "new", `property "checksum" is missing`, "×"},
			{"status", drift.KindField, "disappeared", "status document /result/body/tables/items/*/parts/items/*/checksum", "—"},
		}, exitFail},
		{"cancel answered 204", fakeserver.Options{Defects: []fakeserver.Defect{fakeserver.DefectCancelRunningNoContent}}, nil, []want{
			{"cancel", drift.KindContract, "new", "cancelExportRequest: spec: response: status is not supported", "×"},
			{"cancel", drift.KindStatus, "appeared", "204", "×"},
		}, exitFail},
		{"cancel answered 204, which the team's contract accepts", fakeserver.Options{Defects: []fakeserver.Defect{fakeserver.DefectCancelRunningNoContent}},
			[]string{"--cancel-accepted", "200,204"}, []want{
				{"cancel", drift.KindStatus, "appeared", "204", "×"},
			}, exitPass},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			current := recordBundled(t, t.TempDir(), "current.har", tc.opts)
			code, r, errOut := diffJSON(t, append(tc.args, base, current)...)
			require.Equal(t, tc.code, code, "stderr:\n%s", errOut)
			for _, w := range tc.wants {
				d, ok := find(r, w.group, w.kind, w.change, w.subject)
				require.True(t, ok, "no %s %s %s %q in %+v", w.group, w.kind, w.change, w.subject, r.Groups)
				require.Contains(t, d.After, w.after)
			}
			if tc.code == exitPass {
				_, ok := find(r, "cancel", drift.KindContract, "new", "")
				require.False(t, ok, "no new violation: %+v", r.Groups)
			}
		})
	}
}

// TestDiffTimingsAgainstTheContractsDeadlines: a cancel that settles in 20 s instead of at once
// moved past half the default deadline (30 s) and fails; with a deadline of 1m it is a timing
// drift only, which --fail-on timing fails on. The deadline comes from the flags or conform.yaml,
// as conform run reads it.
func TestDiffTimingsAgainstTheContractsDeadlines(t *testing.T) {
	dir := t.TempDir()
	base := rewriteTraffic(t, dir, "baseline.har", func(*har.Entry) {})
	slow := rewriteTraffic(t, dir, "current.har", func(e *har.Entry) {
		if e.Method == http.MethodGet && strings.Contains(string(e.RespBody), `"progress":"cancelled"`) {
			e.Started = e.Started.Add(20 * time.Second)
		}
	})
	config := filepath.Join(dir, "team.yaml")
	require.NoError(t, os.WriteFile(config, []byte("contract:\n  cancel_settles_within: 1m\n"), 0o644))
	tests := []struct {
		args  []string
		drift drift.Kind
		code  int
	}{
		{nil, drift.KindDeadline, exitFail},
		{[]string{"--cancel-settles-within", "1m"}, drift.KindTiming, exitPass},
		{[]string{"--config", config}, drift.KindTiming, exitPass},
		{[]string{"--config", config, "--fail-on", "timing"}, drift.KindTiming, exitFail},
		{[]string{"--fail-on", "none"}, drift.KindDeadline, exitPass},
	}
	for _, tc := range tests {
		t.Run(strings.Join(tc.args, " "), func(t *testing.T) {
			code, r, errOut := diffJSON(t, append(tc.args, base, slow)...)
			require.Equal(t, tc.code, code, "stderr:\n%s", errOut)
			require.Equal(t, tc.drift, r.Timings[0].Drift)
			require.Equal(t, 20_001.0, r.Timings[0].After.P95ms)
		})
	}
}

// TestDiffShowsHeaderNamesNeverTheirValues: a credential header that appears is named, and its
// value is in no output.
func TestDiffShowsHeaderNamesNeverTheirValues(t *testing.T) {
	dir := t.TempDir()
	base := rewriteTraffic(t, dir, "baseline.har", func(*har.Entry) {})
	current := rewriteTraffic(t, dir, "current.har", func(e *har.Entry) {
		e.RespHeader.Set("X-Session-Token", "canary-token-value")
		e.RespHeader.Set("X-Request-Id", "canary-request-id")
	})
	for _, format := range []string{"console", "markdown", "json"} {
		code, out, errOut := conform(t, "diff", "--format", format, base, current)
		require.Equal(t, exitPass, code, errOut)
		require.Contains(t, out, "X-Session-Token (credential: value never shown)")
		require.Contains(t, out, "X-Request-Id")
		require.NotContains(t, out+errOut, "canary", format)
	}
}

// TestDiffMarkdownReport holds the Markdown report of a release that changed ids, error documents,
// dropped checksums and answers 204 to a cancel, to a golden file.
func TestDiffMarkdownReport(t *testing.T) {
	dir := t.TempDir()
	base := recordBundled(t, dir, "baseline.har", fakeserver.Options{})
	current := recordBundled(t, dir, "current.har", fakeserver.Options{
		Variants: []fakeserver.Variant{fakeserver.VariantIDsAsStrings, fakeserver.VariantVendorErrorDocuments},
		Defects:  []fakeserver.Defect{fakeserver.DefectChecksumMissing, fakeserver.DefectCancelRunningNoContent},
	})
	out := filepath.Join(dir, "reports", "drift.md")
	code, stdout, errOut := conform(t, "diff", "--format", "markdown", "--output", out, base, current)
	require.Equal(t, exitFail, code, errOut)
	require.Empty(t, stdout)
	require.Contains(t, errOut, "conform diff: report written to "+out)
	require.Contains(t, errOut, "conform: 2 drift(s) of the kinds --fail-on names: the target does not conform")
	b, err := os.ReadFile(out)
	require.NoError(t, err)
	golden.Assert(t, "testdata/diff/release.md", b)
}

func TestDiffUsageErrors(t *testing.T) {
	dir := t.TempDir()
	har := rewriteTraffic(t, dir, "a.har", func(*har.Entry) {})
	notHAR := filepath.Join(dir, "notes.txt")
	require.NoError(t, os.WriteFile(notHAR, []byte("not JSON"), 0o644))
	tests := []struct {
		args []string
		want string
	}{
		{nil, "want two HAR files, BASELINE and CURRENT, got 0"},
		{[]string{har}, "want two HAR files, BASELINE and CURRENT, got 1"},
		{[]string{har, har, har}, "got 3"},
		{[]string{har, filepath.Join(dir, "missing.har")}, "missing.har: no such file or directory"},
		{[]string{har, notHAR}, "notes.txt"},
		{[]string{"--format", "yaml", har, har}, "--format must be console, markdown or json"},
		{[]string{"--fail-on", "fields", har, har}, `--fail-on: unknown kind "fields"`},
		{[]string{"--cancel-settles-within", "0s", har, har}, "--cancel-settles-within must be positive"},
		{[]string{"--cancel-accepted", "404", har, har}, "want HTTP statuses from 200 to 299"},
	}
	for _, tc := range tests {
		t.Run(strings.Join(tc.args, " "), func(t *testing.T) {
			code, out, errOut := conform(t, append([]string{"diff"}, tc.args...)...)
			require.Equal(t, exitUsage, code, "stdout:\n%s\nstderr:\n%s", out, errOut)
			require.Contains(t, errOut, tc.want)
		})
	}
	code, out, _ := conform(t, "diff", "--help")
	require.Equal(t, exitPass, code)
	require.Contains(t, out, "BASELINE.har CURRENT.har")
	_, out, _ = conform(t, "--help")
	require.Contains(t, out, "diff ")
}

// TestDiffOfRecordingsAgainstConformServe records conform run against conform serve, plain and
// with a variant, over 127.0.0.1: the variant's ids as strings are drift, none of it what the
// contract forbids, and the credentials of the runs are in no output.
func TestDiffOfRecordingsAgainstConformServe(t *testing.T) {
	t.Setenv("CONFORM_USERNAME", "alice")
	t.Setenv("CONFORM_PASSWORD", canary)
	dir := t.TempDir()
	record := func(name string, args ...string) string {
		s := startServe(t, aliceEnv, append([]string{"--table-duration", "200ms", "--cancel-delay", "500ms", "--quiet"}, args...)...)
		defer s.stop()
		path := filepath.Join(dir, name)
		code, out, errOut := conform(t, append([]string{"run", "--base-url", s.root, "--format", "progress", "--record", path}, fastLive...)...)
		require.Equal(t, exitPass, code, "stdout:\n%s\nstderr:\n%s", out, errOut)
		return path
	}
	plain := record("plain.har")
	again := record("again.har")
	variant := record("variant.har", "--variant", string(fakeserver.VariantIDsAsStrings))
	// Two recordings of the same server: on the real clock, polls may see a state more or less
	// often, and timings move; nothing of the contract, the fields or their forms does.
	code, r, errOut := diffJSON(t, plain, again)
	require.Equal(t, exitPass, code, errOut)
	for _, g := range r.Groups {
		for _, d := range g.Drifts {
			require.Contains(t, []drift.Kind{drift.KindProgress}, d.Kind, "%s: %+v", g.Name, d)
		}
	}
	code, r, errOut = diffJSON(t, plain, variant)
	require.Equal(t, exitPass, code, errOut)
	_, ok := find(r, "status", drift.KindForm, "changed", "status document /result/body/requestID")
	require.True(t, ok, "%+v", r.Groups)
	for _, g := range r.Groups {
		for _, d := range g.Drifts {
			require.NotEqual(t, drift.KindContract, d.Kind, "%s: %+v", g.Name, d)
		}
	}
	code, out, errOut := conform(t, "diff", "--format", "markdown", plain, variant)
	require.Equal(t, exitPass, code, errOut)
	require.NotContains(t, out+errOut, canary)
}

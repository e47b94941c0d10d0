package suite

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/conform-harness/conform/internal/har"
	"github.com/conform-harness/conform/openapi"
)

// TestOutputsKeepWhatTheRunDid: wired into a run, the outputs keep its exchanges (coverage and
// the HAR file, written into a directory that did not exist) and its messages.
func TestOutputsKeepWhatTheRunDid(t *testing.T) {
	spec, err := openapi.Load()
	require.NoError(t, err)
	path := filepath.Join(t.TempDir(), "records", "run.har")
	outs := NewOutputs(OutputOptions{Spec: spec, HTML: "run.html", HAR: path, Creator: har.Creator{Name: "conform", Version: "test"}})
	var out bytes.Buffer
	o := outs.Wire(Options{Tags: "@needs-slow-cancel", Output: &out})
	require.Equal(t, []Format{{Name: "pretty"}}, o.Formats, "the console keeps its report beside the HTML one")
	res, err := Run(context.Background(), o)
	require.NoError(t, err, out.String())
	require.True(t, res.Passed, out.String())
	require.Contains(t, out.String(), "Scenario:", "pretty went to the console")

	require.NotEmpty(t, outs.Envelopes())
	covered := outs.Coverage()
	require.Positive(t, covered.Exchanges)
	require.Same(t, spec, outs.Spec())
	n, err := outs.WriteHAR(nil)
	require.NoError(t, err)
	require.Equal(t, covered.Exchanges, n, "every exchange is recorded, and counted")
	entries, err := har.ReadFile(path)
	require.NoError(t, err)
	require.Len(t, entries, n)
	for _, e := range entries {
		require.NotEmpty(t, e.PageRef, "each exchange is on its scenario's page")
	}
}

// TestOutputsAskedForNothingKeepOnlyTheCoverage: without a HAR or HTML path, nothing is
// recorded, no messages are kept and the formats are the caller's.
func TestOutputsAskedForNothingKeepOnlyTheCoverage(t *testing.T) {
	outs := NewOutputs(OutputOptions{})
	o := outs.Wire(Options{})
	require.Nil(t, o.Envelopes)
	require.Empty(t, o.Formats)
	require.NotNil(t, o.Config.Exchange)
	require.NotNil(t, o.Config.Note)
	o.Config.Note("Cancelling", "204 No Content, accepted by contract.cancel_accepted")
	require.Equal(t, []string{`204 No Content, accepted by contract.cancel_accepted (scenario "Cancelling")`}, outs.Notes())
	n, err := outs.WriteHAR(nil)
	require.NoError(t, err)
	require.Zero(t, n)
}

// TestWriteOutputThatCannotBeWrittenIsTheUsers: a report path under a file is an
// *OutputError naming the flag.
func TestWriteOutputThatCannotBeWrittenIsTheUsers(t *testing.T) {
	file := filepath.Join(t.TempDir(), "file")
	require.NoError(t, os.WriteFile(file, nil, 0o644))
	err := WriteOutput("--record", filepath.Join(file, "run.har"), []byte("{}"))
	var oe *OutputError
	require.ErrorAs(t, err, &oe)
	require.Equal(t, "--record", oe.Flag)
	require.ErrorContains(t, err, "--record: ")

	ok := filepath.Join(t.TempDir(), "a", "b", "out.json")
	require.NoError(t, WriteOutput("--coverage", ok, []byte("{}")))
	b, err := os.ReadFile(ok)
	require.NoError(t, err)
	require.Equal(t, "{}", string(b))
}

// TestARunKeepsOneHistoryOfEachRequest: the scenarios' oracles and the run's coverage follow
// each export request in one history (judge.Tracker), so that they cannot disagree on what a
// request did: coverage counts the requests and documents that history followed.
func TestARunKeepsOneHistoryOfEachRequest(t *testing.T) {
	spec, err := openapi.Load()
	require.NoError(t, err)
	outs := NewOutputs(OutputOptions{Spec: spec})
	var out bytes.Buffer
	o := outs.Wire(Options{Tags: "@needs-slow-cancel", Output: &out})
	require.Same(t, outs.history, o.Config.History, "the scenarios follow their requests in the run's history")
	res, err := Run(context.Background(), o)
	require.NoError(t, err, out.String())
	require.True(t, res.Passed, out.String())
	followed, evicted := outs.history.Followed()
	covered := outs.Coverage()
	require.Positive(t, followed)
	require.Zero(t, evicted)
	require.Equal(t, followed, covered.Requests, "coverage counts the requests the scenarios' history follows")
	require.Positive(t, covered.Documents)
}

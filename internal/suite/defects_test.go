package suite

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/conform-harness/conform/fakeserver"
	"github.com/conform-harness/conform/fakeserver/bundled"
	"github.com/conform-harness/conform/steps"
)

// catch says which scenario catches a defect, and by which words in its failure.
type catch struct {
	defect   fakeserver.Defect
	scenario string
	reason   string
}

// catches is the map "defect → scenario that catches it". The README's table "What the harness
// catches" is checked against it. Each scenario named here runs on any target, so the same
// scenario catches the defect in bundled and in live mode.
var catches = []catch{
	{fakeserver.DefectCancelRunningWrongStatus, "A running request is cancelled", "→ 202: response: status is not supported"},
	{fakeserver.DefectCancelRunningNoContent, "A running request is cancelled", "→ 204: response: status is not supported"},
	{fakeserver.DefectCancelCompletedWrongStatus, "Cancelling a request that has already succeeded", "→ 409: response: status is not supported"},
	{fakeserver.DefectCancelUnknownWrongStatus, "Cancelling an id that names no request", "want 404 Not Found"},
	{fakeserver.DefectCancelNoEffect, "A running request is cancelled", "should be cancelling (or already cancelled)"},
	{fakeserver.DefectCancelWithoutCredentials, "Cancelling without credentials has no effect", "a cancel without credentials must have no effect"},
	{fakeserver.DefectStuckCancelling, "A running request is cancelled", "becoming cancelled (contract.cancel_settles_within is 30s) did not happen within 30s"},
	{fakeserver.DefectFinishedItemsChange, "Tables that finished before the cancellation keep their results", "invariant 4 (settled-item-is-final)"},
	{fakeserver.DefectPendingNotCancelled, "A running request is cancelled", "invariant 5 (cancelled-has-no-running-items)"},
	{fakeserver.DefectRunningItemsInterrupted, "A running request is cancelled", "invariant 8 (running-items-end-cancelled)"},
	{fakeserver.DefectCancelledItemsVanish, "A running request is cancelled", "invariant 9 (items-are-kept)"},
	{fakeserver.DefectTableAddedAfterCancel, "A running request is cancelled", "invariant 9 (items-are-kept)"},
	{fakeserver.DefectCompletedFlagWrong, "A running request is cancelled", "invariant 1 (valid-progress)"},
	{fakeserver.DefectProgressMisspelt, "A running request is cancelled", "value is not one of the allowed values"},
	{fakeserver.DefectWrongJSONTypes, "Submitting an export and watching it finish", "value must be a boolean"},
	{fakeserver.DefectMissingRequiredField, "Submitting an export and watching it finish", `property "completed" is missing`},
	{fakeserver.DefectChecksumMissing, "Submitting an export and watching it finish", `property "checksum" is missing`},
	{fakeserver.DefectWrongRequestID, "A running request is cancelled", "invariant 6 (request-id-matches)"},
	{fakeserver.DefectWrongContentType, "Submitting an export and watching it finish", "Content-Type has unexpected value"},
	{fakeserver.DefectErrorWithoutMessage, "Cancelling a request that has already succeeded", "the error message should say that the request is in an invalid state for cancellation; the error document says nothing"},
	{fakeserver.DefectInternalErrors, "Cancelling an id that names no request", "→ 500: response: status is not supported"},
}

// failures runs the suite and returns, for each failed scenario, its error messages.
func failures(t *testing.T, o Options) map[string][]string {
	t.Helper()
	dir := t.TempDir()
	report := dir + "/cucumber.json"
	o.Formats = []Format{{Name: "cucumber", Path: report}}
	o.Output = &bytes.Buffer{}
	res, err := Run(context.Background(), o)
	require.NoError(t, err)
	b, err := os.ReadFile(report)
	require.NoError(t, err)
	var feats []struct {
		Elements []struct {
			Name  string `json:"name"`
			Steps []struct {
				Name   string `json:"name"`
				Result struct {
					Status string `json:"status"`
					Error  string `json:"error_message"`
				} `json:"result"`
			} `json:"steps"`
		} `json:"elements"`
	}
	require.NoError(t, json.Unmarshal(b, &feats))
	out := map[string][]string{}
	for _, f := range feats {
		for _, e := range f.Elements {
			for _, s := range e.Steps {
				if s.Result.Status == "failed" {
					out[e.Name] = append(out[e.Name], s.Name+": "+s.Result.Error)
				}
			}
		}
	}
	require.Equal(t, len(out) == 0, res.Passed, "the run's verdict and its report agree")
	return out
}

// requireCaught checks that the defect made its scenario fail for the expected reason.
func requireCaught(t *testing.T, c catch, failed map[string][]string) {
	t.Helper()
	require.NotEmpty(t, failed, "the suite passed with defect %s injected", c.defect)
	msgs, ok := failed[c.scenario]
	require.True(t, ok, "defect %s: scenario %q did not fail; these did: %v", c.defect, c.scenario, names(failed))
	require.True(t, strings.Contains(strings.Join(msgs, "\n"), c.reason),
		"defect %s: scenario %q failed, but not for %q:\n%s", c.defect, c.scenario, c.reason, strings.Join(msgs, "\n"))
}

func names(m map[string][]string) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	return out
}

func TestEveryDefectIsInTheTable(t *testing.T) {
	var listed []fakeserver.Defect
	for _, c := range catches {
		listed = append(listed, c.defect)
	}
	var all []fakeserver.Defect
	for _, d := range fakeserver.Defects() {
		all = append(all, d.Name)
	}
	require.ElementsMatch(t, all, listed, "every defect needs a scenario that catches it")
}

func TestEveryDefectIsCaughtBundled(t *testing.T) {
	for _, c := range catches {
		t.Run(string(c.defect), func(t *testing.T) {
			failed := failures(t, Options{
				Config:      steps.Config{NewTarget: bundled.Target(fakeserver.Options{Defects: []fakeserver.Defect{c.defect}})},
				Concurrency: 4,
			})
			requireCaught(t, c, failed)
		})
	}
}

func TestEveryDefectIsCaughtLive(t *testing.T) {
	if testing.Short() {
		t.Skip("live mutation runs take real time (stuck-cancelling waits out its 30 s)")
	}
	for _, c := range catches {
		t.Run(string(c.defect), func(t *testing.T) {
			t.Parallel()
			failed := failures(t, Options{
				Config:      steps.Config{NewTarget: liveFake(t, fakeserver.Options{Defects: []fakeserver.Defect{c.defect}}), PollInterval: 20 * time.Millisecond},
				LeaveOut:    []string{"@fake-only"},
				Concurrency: 4,
			})
			requireCaught(t, c, failed)
		})
	}
}

// TestREADMEListsWhatTheHarnessCatches keeps the README's table in step with catches.
func TestREADMEListsWhatTheHarnessCatches(t *testing.T) {
	b, err := os.ReadFile("../../README.md")
	require.NoError(t, err)
	for _, c := range catches {
		row := fmt.Sprintf("| `%s` | %s |", c.defect, c.scenario)
		require.Contains(t, string(b), row)
	}
}

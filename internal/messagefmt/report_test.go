package messagefmt_test

import (
	"encoding/json"
	"maps"
	"strings"
	"testing"

	cmessages "github.com/cucumber/messages/go/v34"
	"github.com/stretchr/testify/require"
)

// fixtureStatuses are the step statuses each fixture scenario must report, by outcomeKey.
var fixtureStatuses = map[string]map[string]string{
	"passing": {
		"passing.feature:8 Arguments of every kind":  "PASSED PASSED PASSED PASSED PASSED",
		"passing.feature:20 Attachments":             "PASSED PASSED PASSED",
		"passing.feature:29 An outline with 1 items": "PASSED PASSED",
		"passing.feature:30 An outline with 2 items": "PASSED PASSED",
	},
	"failing": {
		"failing.feature:3 A failing step skips the rest": "PASSED FAILED SKIPPED",
		"failing.feature:8 An undefined step":             "UNDEFINED SKIPPED",
		"failing.feature:12 A pending step":               "PENDING",
		"failing.feature:15 An ambiguous step":            "AMBIGUOUS",
		"failing.feature:18 A panicking step":             "FAILED",
		// godog reports nothing for the second step; the formatter closes the test case at the
		// end of the run and reports the step as skipped.
		"failing.feature:21 An ambiguous step after a failure is never reported by godog": "FAILED SKIPPED",
	},
}

// TestFixtureReports checks the fixture runs, one at a time and all at once with concurrent
// scenarios: every line matches the schema, the stream is complete and consistent, and each
// scenario reports the statuses it must.
func TestFixtureReports(t *testing.T) {
	schema := envelopeSchema(t)
	all := map[string]string{}
	for _, name := range []string{"passing", "failing"} {
		maps.Copy(all, fixtureStatuses[name])
	}
	tests := []struct {
		name        string
		features    []string
		concurrency int
		want        map[string]string
		wantPassed  bool
	}{
		{"passing", []string{"passing"}, 1, fixtureStatuses["passing"], true},
		{"failing", []string{"failing"}, 1, fixtureStatuses["failing"], false},
		{"both concurrently", []string{"passing", "failing"}, 4, all, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			stream, passed := runFixture(t, tt.concurrency, tt.features...)
			require.Equal(t, tt.wantPassed, passed, "godog's verdict")
			requireValid(t, schema, stream)
			envs := envelopes(t, stream)
			report := checkIntegrity(t, envs)
			require.Equal(t, tt.wantPassed, report.Success)
			require.Equal(t, tt.want, statuses(report))
			require.Equal(t, fixedNow, toTime(envs[len(envs)-1].TestRunFinished.Timestamp).UTC(), "the run ends by the injected clock")
		})
	}
}

// TestFixtureAttachments checks how each kind of attachment is written.
func TestFixtureAttachments(t *testing.T) {
	stream, _ := runFixture(t, 1, "passing")
	var got []*cmessages.Attachment
	for _, e := range envelopes(t, stream) {
		if e.Attachment != nil {
			got = append(got, e.Attachment)
		}
	}
	want := []cmessages.Attachment{
		{Body: "plain text, with <markup> & \"quotes\"\n", ContentEncoding: "IDENTITY", MediaType: "text/plain; charset=utf-8"},
		{Body: `{"verdict":"conforms"}`, ContentEncoding: "IDENTITY", MediaType: "application/vnd.conform.exchange+json", FileName: "exchange-001.json"},
		{Body: "iVBORw0KGgo=", ContentEncoding: "BASE64", MediaType: "image/png", FileName: "screen.png"},
		{Body: "/wD+", ContentEncoding: "BASE64", MediaType: "application/octet-stream"},
	}
	require.Len(t, got, len(want))
	for i, a := range got {
		require.NotEmpty(t, a.TestCaseStartedId)
		require.NotEmpty(t, a.TestStepId)
		a.TestCaseStartedId, a.TestStepId = "", ""
		require.Equal(t, want[i], *a, "attachment %d", i)
	}
}

// TestConformReport runs conform's own features with the formatter as `conform run` selects it,
// scenarios running concurrently: the report matches the schema, is complete and consistent,
// agrees with the run's verdict, and carries every HTTP exchange as readable JSON.
func TestConformReport(t *testing.T) {
	stream, passed := runSuite(t, 4)
	requireValid(t, envelopeSchema(t), stream)
	envs := envelopes(t, stream)
	report := checkIntegrity(t, envs)
	require.Equal(t, passed, report.Success)

	exchanges := 0
	for _, e := range envs {
		a := e.Attachment
		if a == nil || a.MediaType != "application/vnd.conform.exchange+json" {
			continue
		}
		exchanges++
		require.Equal(t, cmessages.AttachmentContentEncoding_IDENTITY, a.ContentEncoding)
		var ex struct {
			Method  string `json:"method"`
			Verdict string `json:"verdict"`
		}
		require.NoError(t, json.Unmarshal([]byte(a.Body), &ex), a.Body)
		require.NotEmpty(t, ex.Method, a.Body)
		require.NotEmpty(t, ex.Verdict, a.Body)
	}
	require.Greater(t, exchanges, len(report.Outcomes), "every scenario makes at least one exchange")
}

// statuses gives each scenario's step statuses, space-separated.
func statuses(r runReport) map[string]string {
	out := map[string]string{}
	for k, steps := range r.Outcomes {
		var s []string
		for _, st := range steps {
			s = append(s, string(st.Status))
		}
		out[k] = strings.Join(s, " ")
	}
	return out
}

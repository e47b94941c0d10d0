package report

import (
	"strings"
	"testing"
	"time"

	messages "github.com/cucumber/messages/go/v34"
	"github.com/stretchr/testify/require"

	"github.com/conform-harness/conform/internal/evidence"
)

// skippedStream is a run of sampleFeature whose first scenario was skipped because the target
// settled the cancellation before it could be seen (the reason attached to the step that
// found it, as the steps attach it), and whose second passed.
func skippedStream(t testing.TB, reason string) []*messages.Envelope {
	t.Helper()
	b := &streamBuilder{t: t}
	pickles := b.feature("features/cancel.feature", sampleFeature)
	b.add(&messages.Envelope{TestRunStarted: &messages.TestRunStarted{Id: b.ids.NewId(), Timestamp: ts(epoch)}})
	skip := evidence.Skip{Step: `export request 12345 is running with these tables:`, Reason: reason}
	passed := stepRun{status: messages.TestStepResultStatus_PASSED}
	skipped := stepRun{status: messages.TestStepResultStatus_SKIPPED}
	b.testCase(pickles[0], epoch, []stepRun{
		passed,
		{status: messages.TestStepResultStatus_SKIPPED, attach: []*messages.Attachment{
			jsonAttachment(t, evidence.SkipMediaType, skip, messages.AttachmentContentEncoding_IDENTITY)}},
		skipped, skipped, skipped,
	})
	b.testCase(pickles[1], epoch.Add(time.Second), []stepRun{passed, passed, passed, passed, passed})
	b.add(&messages.Envelope{TestRunFinished: &messages.TestRunFinished{Success: true, Timestamp: ts(epoch.Add(2 * time.Second))}})
	return b.envs
}

// A scenario skipped for a precondition shows why: beside its name, at the step that could not
// be arranged, and counted in the summary, whose verdict it does not change.
func TestWriteHTMLSkippedForAPrecondition(t *testing.T) {
	const reason = "precondition not reached: wanted an export request that is being cancelled (cancelling), " +
		"but request 7 was already cancelled when first polled after the cancel"
	doc := parse(t, render(t, skippedStream(t, reason), sampleInfo))

	summary := squash(textOf(byID(doc, "summary")))
	require.Contains(t, summary, "Conforms", "a skip proves nothing either way")
	require.Contains(t, summary, "2 (1 skipped, 1 passed)")
	require.Contains(t, summary, "Skipped for a precondition1 scenario: the target could not be brought to the state it needs")

	scenarios := all(doc, hasClass("scenario"))
	require.Len(t, scenarios, 2)
	require.Contains(t, attr(scenarios[0], "class"), "s-skipped")
	head := all(scenarios[0], hasClass("skip-reason"))
	require.Len(t, head, 2, "beside the scenario's name and at its step")
	require.Equal(t, "p", head[0].Data)
	require.Equal(t, "skipped "+reason, squash(textOf(head[0])))
	steps := all(scenarios[0], hasClass("step"))
	require.Contains(t, attr(steps[1], "class"), "s-skipped")
	require.Equal(t, reason, textOf(first(steps[1], hasClass("skip-reason"))))
	require.Empty(t, all(scenarios[0], hasClass("error")), "a skip is not shown as a failure")
	require.Empty(t, all(scenarios[1], hasClass("skip-reason")))

	toc := squash(textOf(first(doc, hasClass("toc"))))
	require.True(t, strings.Contains(toc, "A running request is cancelled skipped"), toc)
}

// An unreadable skip attachment is shown as a problem, not dropped.
func TestWriteHTMLUnreadableSkip(t *testing.T) {
	envs := skippedStream(t, "x")
	for _, e := range envs {
		if a := e.Attachment; a != nil && a.MediaType == evidence.SkipMediaType {
			a.Body = "{not json"
		}
	}
	out := render(t, envs, sampleInfo)
	require.Contains(t, out, "unreadable skip")
}

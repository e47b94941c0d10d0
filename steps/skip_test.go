package steps

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"testing"

	"github.com/cucumber/godog"
	"github.com/stretchr/testify/require"

	"github.com/conform-harness/conform/internal/evidence"
)

var unreachable = &PreconditionError{
	Want:   "an export request that is being cancelled",
	Got:    "request 7 was already cancelled when first polled after the cancel",
	Advice: "leave it out",
}

// TestPreconditionNotReachedSkips: a step whose precondition the target cannot be brought to
// is skipped with its reason, unless preconditions are strict or the target broke the contract
// on the way; a skip of an interrupted run is no such skip.
func TestPreconditionNotReachedSkips(t *testing.T) {
	ctx := context.Background()
	arrange := func() error { return fmtWrap(unreachable) }

	w := newWorld(Config{})
	err := w.do(ctx, arrange)
	require.ErrorIs(t, err, godog.ErrSkip, "godog marks the step skipped")
	reason, ok := SkipReason(err)
	require.True(t, ok)
	require.Equal(t, "arrange: precondition not reached: wanted an export request that is being cancelled, "+
		"but request 7 was already cancelled when first polled after the cancel; leave it out", reason)
	var pe *PreconditionError
	require.ErrorAs(t, err, &pe, "the reason is kept")

	strict := newWorld(Config{StrictPreconditions: true})
	err = strict.do(ctx, arrange)
	require.NotErrorIs(t, err, godog.ErrSkip, "strict: the step fails")
	require.ErrorContains(t, err, "precondition not reached")
	require.ErrorContains(t, err, "preconditions are strict")
	_, ok = SkipReason(err)
	require.False(t, ok)

	broken := newWorld(Config{})
	broken.addFinding("k", "the answer breaks the spec: …", testEpoch)
	err = broken.do(ctx, arrange)
	require.NotErrorIs(t, err, godog.ErrSkip, "a target that broke the contract on the way fails")

	require.NoError(t, w.do(ctx, func() error { return nil }))
	plain := errors.New("want 200 OK")
	require.Equal(t, plain, w.do(ctx, func() error { return plain }), "other errors are left alone")

	stopped, cancel := context.WithCancelCause(ctx)
	cancel(&Interrupted{})
	err = w.do(stopped, arrange)
	require.ErrorIs(t, err, godog.ErrSkip, "an interrupted run still skips what it did not run")
	_, ok = SkipReason(err)
	require.False(t, ok, "but that is not a precondition the target could not be brought to")
}

func fmtWrap(err error) error { return &wrapped{err} }

type wrapped struct{ err error }

func (e *wrapped) Error() string { return "arrange: " + e.err.Error() }
func (e *wrapped) Unwrap() error { return e.err }

// TestSkipReasonIsRedactedAndAttached: the reason a report shows is the step's error as
// redacted, attached to the skipped step and noted for the console.
func TestSkipReasonIsRedactedAndAttached(t *testing.T) {
	var notes []string
	w := newWorld(Config{
		Redact: func(b []byte) []byte { return bytes.ReplaceAll(b, []byte("request 7"), []byte("request [REDACTED]")) },
		Note:   func(scenario, note string) { notes = append(notes, scenario+": "+note) },
	})
	w.scenario = "Cancelling again"
	err := w.do(context.Background(), func() error { return unreachable })
	reason, ok := SkipReason(err)
	require.True(t, ok)
	require.NotContains(t, reason, "request 7")
	require.Contains(t, reason, "request [REDACTED] was already cancelled")

	step := &godog.Step{Text: "an export request that is being cancelled"}
	ctx := w.attachSkip(context.Background(), step, err)
	atts := godog.Attachments(ctx)
	require.Len(t, atts, 1)
	require.Equal(t, evidence.SkipMediaType, atts[0].MediaType)
	var got evidence.Skip
	require.NoError(t, json.Unmarshal(atts[0].Body, &got))
	require.Equal(t, evidence.Skip{Step: step.Text, Reason: reason}, got)
	require.Equal(t, []string{"Cancelling again: skipped: " + reason}, notes)

	require.Empty(t, godog.Attachments(w.attachSkip(context.Background(), step, errors.New("failed"))), "only a skip for a precondition")
	require.Empty(t, godog.Attachments(w.attachSkip(context.Background(), step, nil)))
}

package steps

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/cucumber/godog"

	"github.com/conform-harness/conform/export"
)

// ErrFakeOnly is returned by an arranger that cannot make a precondition that only the bundled
// fake can produce (exact ids, checksums, a failed export). Scenarios that need one are tagged
// @fake-only and left out of live runs.
var ErrFakeOnly = errors.New("only the bundled fake can arrange this; tag the scenario @fake-only")

// PreconditionError says that the target could not be brought into the state a step needs,
// though it did nothing the contract forbids (an export that finished before it was seen
// running, a cancellation that settled before it was seen cancelling), and what to change so
// that it can. Such a step is skipped, with the error as its reason, unless the run holds
// preconditions strictly (Config.StrictPreconditions). A target that breaks the contract on the
// way fails the step instead: that is a finding, not a precondition.
type PreconditionError struct {
	Want   string // the state the step needs
	Got    string // what was observed instead
	Advice string // what the user can configure; may be empty
}

func (e *PreconditionError) Error() string {
	msg := fmt.Sprintf("precondition not reached: wanted %s, but %s", e.Want, e.Got)
	if e.Advice != "" {
		msg += "; " + e.Advice
	}
	return msg
}

// Skipped is the error of a step whose precondition the target could not be brought to: it
// wraps godog.ErrSkip, so that godog reports the step and the rest of its scenario as skipped,
// and Reason, the *PreconditionError (possibly wrapped) that says why.
type Skipped struct{ Reason error }

func (e *Skipped) Error() string { return skippedPrefix + e.Reason.Error() }

// Unwrap returns godog.ErrSkip and the reason, for errors.Is and errors.As.
func (e *Skipped) Unwrap() []error { return []error{godog.ErrSkip, e.Reason} }

const skippedPrefix = "skipped: "

// SkipReason returns why err skipped its step when it is a *Skipped (the reason, as err's own
// message says it: redacted when err was), and false for any other error, a skip of an
// interrupted run included.
func SkipReason(err error) (string, bool) {
	var s *Skipped
	if !errors.As(err, &s) {
		return "", false
	}
	return strings.TrimPrefix(err.Error(), skippedPrefix), true
}

// skipUnreachable turns the error of a step whose precondition the target could not be brought
// to into a skip (a *Skipped). It leaves err as it is, to fail the step, when the run holds
// preconditions strictly, and when the step found the target breaking the contract on the way
// (a spec violation or a broken invariant, which the step then fails for, beside the
// precondition): a scenario is skipped only when nothing about the target is in question.
func (w *World) skipUnreachable(err error) error {
	var pe *PreconditionError
	switch {
	case err == nil || !errors.As(err, &pe) || w.hasFreshFindings():
		return err
	case w.cfg.StrictPreconditions:
		return fmt.Errorf("%w (a precondition the target cannot be brought to fails the scenario: preconditions are strict)", err)
	}
	return &Skipped{Reason: err}
}

// Arranger makes a scenario's preconditions true on the target. Whatever an arranger creates
// is owned by the scenario's client (Client.Own): the client may cancel it, and cancels it at
// the end if it is still running.
type Arranger interface {
	// Running makes a request that is running (pending or processing, not cancelling).
	Running(ctx context.Context, c *Client) (export.ID, error)
	// RunningWithFinishedTable makes a running request of which at least one table has
	// already finished.
	RunningWithFinishedTable(ctx context.Context, c *Client) (export.ID, error)
	// Completed makes a request that has completed with outcome succeeded, failed or cancelled.
	Completed(ctx context.Context, c *Client, outcome export.Progress) (export.ID, error)
}

// Seeder is an Arranger that can also put a request into the target exactly as described: its
// id, tables, record counts and checksums. Only the bundled fake's arranger is one; steps that
// need it fail with ErrFakeOnly on any other target (their scenarios are tagged @fake-only).
type Seeder interface {
	Arranger
	Seed(ctx context.Context, c *Client, r SeededRequest) (export.ID, error)
}

// SeededRequest describes an export request to put into the target exactly as it should be
// found. ID "" lets the target choose one.
type SeededRequest struct {
	ID       string
	Progress export.Progress
	Tables   []SeededTable
}

// SeededTable is one table of a SeededRequest: its progress, and for a succeeded table the
// record count and md5 checksum of its one part.
type SeededTable struct {
	Name     string
	Progress export.Progress
	Records  int64
	Checksum string
}

package steps

import (
	"context"
	"errors"
	"fmt"

	"conform/export"
	"conform/fakeserver"
)

// ErrFakeOnly is returned by an arranger that cannot make a precondition that only the bundled
// fake can produce (exact ids, checksums, a failed export). Scenarios that need one are tagged
// @fake-only and left out of live runs.
var ErrFakeOnly = errors.New("only the bundled fake can arrange this; tag the scenario @fake-only")

// PreconditionError says that an arranger could not bring the target into the state a step
// needs, and what to change so that it can.
type PreconditionError struct {
	Want   string // the state the step needs
	Got    string // what was observed instead
	Advice string // what the user can configure
}

func (e *PreconditionError) Error() string {
	return fmt.Sprintf("precondition not reached: wanted %s, but %s; %s", e.Want, e.Got, e.Advice)
}

// Arranger makes a scenario's preconditions true on the target. Whatever an arranger creates
// is owned by the scenario's client: the client may cancel it, and cancels it at the end if it
// is still running.
type Arranger interface {
	// Running makes a request that is running (pending or processing, not cancelling).
	Running(ctx context.Context, c *Client) (export.ID, error)
	// RunningWithFinishedTable makes a running request of which at least one table has
	// already finished.
	RunningWithFinishedTable(ctx context.Context, c *Client) (export.ID, error)
	// Completed makes a request that has completed with outcome succeeded, failed or cancelled.
	Completed(ctx context.Context, c *Client, outcome export.Progress) (export.ID, error)
	// Seed puts exactly the request described, or returns ErrFakeOnly.
	Seed(ctx context.Context, c *Client, seed fakeserver.Seed) (export.ID, error)
}

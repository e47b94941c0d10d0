package steps

import (
	"context"
	"errors"

	"conform/fakeserver"
	"conform/internal/statusdoc"
)

// ErrFakeOnly is returned by an arranger that cannot make a precondition that only the bundled
// fake can produce (exact ids, checksums, a failed export). Scenarios that need one are tagged
// @fake-only and left out of live runs.
var ErrFakeOnly = errors.New("only the bundled fake can arrange this; tag the scenario @fake-only")

// Arranger makes a scenario's preconditions true on the target.
type Arranger interface {
	// Running makes a request that is running (pending or processing, not cancelling).
	Running(ctx context.Context, c *Client) (statusdoc.ID, error)
	// RunningWithFinishedTable makes a running request of which at least one table has
	// already finished.
	RunningWithFinishedTable(ctx context.Context, c *Client) (statusdoc.ID, error)
	// Completed makes a request that has completed with outcome succeeded, failed or cancelled.
	Completed(ctx context.Context, c *Client, outcome statusdoc.Progress) (statusdoc.ID, error)
	// Seed puts exactly the request described, or returns ErrFakeOnly.
	Seed(ctx context.Context, seed fakeserver.Seed) (statusdoc.ID, error)
}

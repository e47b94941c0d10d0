package steps

import (
	"context"
	"errors"
	"fmt"

	"conform/export"
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

package steps

import (
	"context"
	"fmt"
	"time"

	"github.com/conform-harness/conform/internal/transport"
)

// Waiter pauses between two polls. The bundled fake's waiter advances its manual clock, so a
// bundled run never sleeps; a live waiter waits for real.
type Waiter interface {
	Wait(ctx context.Context, d time.Duration) error
}

// RealWaiter waits on the wall clock, or until ctx is done.
type RealWaiter struct{}

// Wait sleeps for d or returns ctx's error when it is done first.
func (RealWaiter) Wait(ctx context.Context, d time.Duration) error {
	return transport.Sleep(ctx, d)
}

// eventually calls check until it reports done, an error, or the target's clock has moved on by
// within. It pauses interval between calls through the waiter. On time-out the error names what
// was awaited and the last state check described.
func eventually(ctx context.Context, t *Target, within, interval time.Duration, what string, check func() (done bool, state string, err error)) error {
	start := t.Now()
	polls := 0
	for {
		done, state, err := check()
		polls++
		if err != nil || done {
			return err
		}
		if elapsed := t.Now().Sub(start); elapsed >= within {
			return fmt.Errorf("%s did not happen within %s (%d polls, %s apart); last seen: %s", what, within, polls, interval, state)
		}
		if err := t.Waiter.Wait(ctx, interval); err != nil {
			return fmt.Errorf("waiting for %s: %w", what, err)
		}
	}
}

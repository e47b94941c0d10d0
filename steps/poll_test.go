package steps

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/conform-harness/conform/fakeserver"
)

// testEpoch is where the tests' manual clocks start.
var testEpoch = time.Date(2022, 11, 29, 15, 21, 56, 0, time.UTC)

// advancing "waits" by moving a manual clock on, as the bundled target's waiter does.
type advancing struct{ clock *fakeserver.ManualClock }

func (w advancing) Wait(ctx context.Context, d time.Duration) error {
	w.clock.Advance(d)
	return ctx.Err()
}

func manualTarget() (*Target, *fakeserver.ManualClock) {
	clock := fakeserver.NewManualClock(testEpoch)
	return &Target{Waiter: advancing{clock: clock}, Now: clock.Now}, clock
}

func TestEventuallyStopsWhenDone(t *testing.T) {
	target, clock := manualTarget()
	calls := 0
	err := eventually(context.Background(), target, 10*time.Second, time.Second, "x", func() (bool, string, error) {
		calls++
		return calls == 3, "", nil
	})
	require.NoError(t, err)
	require.Equal(t, 3, calls)
	require.Equal(t, 2*time.Second, clock.Now().Sub(testEpoch), "two waits of one second, on the manual clock")
}

func TestEventuallyTimesOutOnTheTargetsClock(t *testing.T) {
	target, clock := manualTarget()
	err := eventually(context.Background(), target, 5*time.Second, time.Second, "request 7 becoming cancelled", func() (bool, string, error) {
		return false, `progress "cancelling"`, nil
	})
	require.EqualError(t, err, `request 7 becoming cancelled did not happen within 5s (6 polls, 1s apart); last seen: progress "cancelling"`)
	require.Equal(t, 5*time.Second, clock.Now().Sub(testEpoch))
}

func TestEventuallyStopsOnError(t *testing.T) {
	target, _ := manualTarget()
	boom := errors.New("boom")
	err := eventually(context.Background(), target, time.Minute, time.Second, "x", func() (bool, string, error) { return false, "", boom })
	require.ErrorIs(t, err, boom)
}

func TestEventuallyStopsWhenCancelled(t *testing.T) {
	target, _ := manualTarget()
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	err := eventually(ctx, target, time.Minute, time.Second, "x", func() (bool, string, error) { return false, "", nil })
	require.ErrorIs(t, err, context.Canceled)
}

func TestRealWaiterHonoursContext(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	require.ErrorIs(t, RealWaiter{}.Wait(ctx, time.Hour), context.Canceled)
}

package load

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// fakeTime is a clock that moves only when the pacer sleeps.
type fakeTime struct {
	mu  sync.Mutex
	now time.Time
}

func (f *fakeTime) Now() time.Time {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.now
}

func (f *fakeTime) Sleep(ctx context.Context, d time.Duration) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.now = f.now.Add(d)
	return ctx.Err()
}

func TestPacerSpacesStartsAndStopsAtTheDeadline(t *testing.T) {
	start := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	clock := &fakeTime{now: start}
	p := newPacer(100) // 10 ms apart
	p.now, p.sleep = clock.Now, clock.Sleep
	deadline := start.Add(time.Second)
	var starts []time.Time
	for {
		ok, err := p.wait(context.Background(), deadline)
		require.NoError(t, err)
		if !ok {
			break
		}
		starts = append(starts, clock.Now())
	}
	require.Len(t, starts, 100, "a second at 100/s")
	for i := 1; i < len(starts); i++ {
		require.Equal(t, 10*time.Millisecond, starts[i].Sub(starts[i-1]))
	}
}

func TestPacerDoesNotBurstAfterFallingBehind(t *testing.T) {
	start := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	clock := &fakeTime{now: start}
	p := newPacer(10) // 100 ms apart
	p.now, p.sleep = clock.Now, clock.Sleep
	deadline := start.Add(time.Hour)
	ok, _ := p.wait(context.Background(), deadline)
	require.True(t, ok)
	clock.Sleep(context.Background(), 5*time.Second) // a slow answer: 50 slots missed
	before := clock.Now()
	for range 3 {
		ok, err := p.wait(context.Background(), deadline)
		require.NoError(t, err)
		require.True(t, ok)
	}
	require.Equal(t, 200*time.Millisecond, clock.Now().Sub(before), "three starts after the pause take two intervals, not none")
}

func TestUnlimitedPacerOnlyWatchesTheDeadline(t *testing.T) {
	p := newPacer(0)
	ok, err := p.wait(context.Background(), time.Now().Add(time.Hour))
	require.NoError(t, err)
	require.True(t, ok)
	ok, err = p.wait(context.Background(), time.Now().Add(-time.Second))
	require.NoError(t, err)
	require.False(t, ok)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err = p.wait(ctx, time.Now().Add(time.Hour))
	require.ErrorIs(t, err, context.Canceled)
}

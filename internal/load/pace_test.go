package load

import (
	"context"
	"math"
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

// TestPacerIntervalIsNeverZeroOrNegative: an interval of 0 or less paces nothing, so any rate
// but 0 must give a positive one, the nonsense ones Config.check refuses included (a rate below
// about 3.4e-9/s overflows time.Duration, one above 1e9/s rounds to 0, NaN compares false).
func TestPacerIntervalIsNeverZeroOrNegative(t *testing.T) {
	// Accepted rates, MinRate to MaxRate, about twenty a decade: the interval is 1/rate.
	for rate := 0.01; rate <= 1e6; rate *= 1.12 {
		p := newPacer(rate)
		require.Positive(t, p.interval, "rate %g", rate)
		require.InEpsilon(t, 1/rate, p.interval.Seconds(), 1e-3, "rate %g", rate) // to the nanosecond
	}
	for _, rate := range []float64{0.01, 1, 1000, 1e6} {
		require.InEpsilon(t, 1/rate, newPacer(rate).interval.Seconds(), 1e-9, "rate %g", rate)
	}
	// Rates Config.check refuses: still a limit, never none.
	for _, rate := range []float64{math.NaN(), math.Inf(1), math.Inf(-1), -1, 1e-300, 1e-12, 5e-324, 1e10, 1e300} {
		p := newPacer(rate)
		require.Positive(t, p.interval, "rate %g", rate)
		require.LessOrEqual(t, p.interval, 100*time.Second, "rate %g", rate)
	}
}

// TestPacerAtATinyRateStillPaces: the rate that removed the limit (1e-300/s overflowed the
// interval into a negative one) now spaces starts as widely as the pacer does.
func TestPacerAtATinyRateStillPaces(t *testing.T) {
	for _, rate := range []float64{1e-300, 1e-12, math.NaN()} {
		start := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
		clock := &fakeTime{now: start}
		p := newPacer(rate)
		p.now, p.sleep = clock.Now, clock.Sleep
		for range 3 {
			ok, err := p.wait(context.Background(), start.Add(time.Hour))
			require.NoError(t, err)
			require.True(t, ok)
		}
		require.Equal(t, 200*time.Second, clock.Now().Sub(start), "rate %g: three starts, 100s apart", rate)
	}
}

// cutShort marks the context of a wait that its context cuts short while it sleeps.
type cutShort struct{}

// TestPacerGivesBackTheSlotsOfWaitsCutShort: three workers hold the next three slots (1 s apart)
// when the load is interrupted. The clean-up that follows takes the first slot no worker still
// holds, instead of queueing behind slots nobody will use.
func TestPacerGivesBackTheSlotsOfWaitsCutShort(t *testing.T) {
	tests := []struct {
		name string
		held time.Duration // the slot (from the start) whose wait is not cut short; 0: none
		want time.Duration // when the clean-up starts
	}{
		{"every wait cut short", 0, time.Second},
		{"the middle slot still held", 2 * time.Second, 3 * time.Second},
		{"the last slot still held", 3 * time.Second, 4 * time.Second},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			start := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
			clock := &fakeTime{now: start}
			p := newPacer(1)
			sleeping := make(chan time.Duration)
			release := make(chan struct{})
			p.now = clock.Now
			p.sleep = func(ctx context.Context, d time.Duration) error {
				if ctx.Value(cutShort{}) == nil {
					return clock.Sleep(ctx, d)
				}
				sleeping <- d
				<-release
				if d == tt.held {
					return nil
				}
				return context.Canceled
			}
			deadline := start.Add(time.Hour)
			ok, err := p.wait(context.Background(), deadline)
			require.True(t, ok)
			require.NoError(t, err)

			interrupted := context.WithValue(context.Background(), cutShort{}, true)
			var wg sync.WaitGroup
			for range 3 {
				wg.Add(1)
				go func() {
					defer wg.Done()
					p.wait(interrupted, deadline) //nolint:errcheck // the outcome is the schedule
				}()
			}
			var slots []time.Duration
			for range 3 {
				slots = append(slots, <-sleeping)
			}
			require.ElementsMatch(t, []time.Duration{time.Second, 2 * time.Second, 3 * time.Second}, slots)
			close(release)
			wg.Wait()

			ok, err = p.wait(context.Background(), deadline)
			require.True(t, ok)
			require.NoError(t, err)
			require.Equal(t, tt.want, clock.Now().Sub(start))
		})
	}
}

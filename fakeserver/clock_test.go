package fakeserver

import (
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

func TestManualClock(t *testing.T) {
	tests := []struct {
		name    string
		advance []time.Duration
		want    time.Time
	}{
		{"unmoved", nil, t0},
		{"one step", []time.Duration{time.Second}, t0.Add(time.Second)},
		{"steps add up", []time.Duration{time.Second, time.Minute, time.Nanosecond}, t0.Add(time.Minute + time.Second + time.Nanosecond)},
		{"never backwards", []time.Duration{time.Second, -time.Hour}, t0.Add(time.Second)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := NewManualClock(t0)
			for _, d := range tt.advance {
				c.Advance(d)
			}
			require.Equal(t, tt.want, c.Now())
		})
	}
}

func TestManualClockConcurrentAdvance(t *testing.T) {
	c := NewManualClock(t0)
	var wg sync.WaitGroup
	for range 50 {
		wg.Go(func() {
			c.Advance(time.Millisecond)
			_ = c.Now()
		})
	}
	wg.Wait()
	require.Equal(t, t0.Add(50*time.Millisecond), c.Now())
}

func TestRealClock(t *testing.T) {
	before := time.Now()
	got := RealClock().Now()
	require.False(t, got.Before(before))
	require.False(t, got.After(time.Now()))
}

package suite

import (
	"bytes"
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/conform-harness/conform/fakeserver"
	"github.com/conform-harness/conform/steps"
)

// TestNoFalseAlarmsBundled runs the correct fake 50 times in random order, four scenarios at a
// time, each run with its own seed. A failing seed is printed so the run can be replayed with
// `conform run --seed N --concurrency 4`.
func TestNoFalseAlarmsBundled(t *testing.T) {
	base := time.Now().UnixNano() % 1_000_000_000
	for i := range int64(50) {
		seed := base + i + 1
		var out bytes.Buffer
		res, err := Run(context.Background(), Options{
			Seed:        seed,
			Concurrency: 4,
			Formats:     []Format{{Name: "progress"}},
			Output:      &out,
		})
		require.NoError(t, err, "seed %d", seed)
		require.True(t, res.Passed, "seed %d (replay: conform run --seed %d --concurrency 4):\n%s", seed, seed, out.String())
		t.Logf("run %2d: seed %d passed", i+1, seed)
	}
}

// TestNoFalseAlarmsLive runs the correct fake over real HTTP five times in live mode.
func TestNoFalseAlarmsLive(t *testing.T) {
	if testing.Short() {
		t.Skip("five live runs take a few seconds of real time")
	}
	for i := range 5 {
		var out bytes.Buffer
		seed := time.Now().UnixNano()%1_000_000_000 + int64(i)
		res, err := Run(context.Background(), Options{
			Config:      steps.Config{NewTarget: liveFake(t, fakeserver.Options{}), PollInterval: 20 * time.Millisecond},
			LeaveOut:    []string{"@fake-only"},
			Seed:        seed,
			Concurrency: 4,
			Formats:     []Format{{Name: "progress"}},
			Output:      &out,
		})
		require.NoError(t, err)
		require.True(t, res.Passed, "live run %d, seed %d:\n%s", i+1, seed, out.String())
		t.Logf("live run %d: seed %d passed", i+1, seed)
	}
}

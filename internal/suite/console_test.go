package suite

import (
	"bytes"
	"context"
	"regexp"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/conform-harness/conform/fakeserver"
	"github.com/conform-harness/conform/steps"
)

// prettyBody is the pretty output of a run up to its summary, normalised: what a scenario
// printed, without what differs between two runs of a live target (durations, and the counts
// of a summary, in which a scenario skipped for a precondition in one run and not the other
// would show).
func prettyBody(t testing.TB, o Options) string {
	t.Helper()
	var out bytes.Buffer
	o.Output = &out
	_, err := Run(context.Background(), o)
	require.NoError(t, err)
	b := normalise(out.Bytes())
	if loc := regexp.MustCompile(`(?m)^\d+ scenarios \(`).FindIndex(b); loc != nil {
		b = b[:loc[0]]
	}
	return string(b)
}

// TestPrettyPrintsEachScenarioWholeInFileOrder: with many scenarios at once, the pretty
// console is what it is with one at a time: each feature's header before its scenarios, each
// scenario whole and under its feature, outline rows under their outline, in file order.
func TestPrettyPrintsEachScenarioWholeInFileOrder(t *testing.T) {
	t.Run("bundled", func(t *testing.T) {
		one := prettyBody(t, Options{Concurrency: 1})
		require.Contains(t, one, "Scenario Outline:")
		require.Equal(t, one, prettyBody(t, Options{Concurrency: 8}))
	})
	t.Run("live", func(t *testing.T) {
		live := func(concurrency int) Options {
			return Options{
				Config:      steps.Config{NewTarget: liveFake(t, fakeserver.Options{}), PollInterval: 20 * time.Millisecond},
				Concurrency: concurrency,
				LeaveOut:    []string{"@fake-only"},
			}
		}
		require.Equal(t, prettyBody(t, live(1)), prettyBody(t, live(16)))
	})
	t.Run("seed", func(t *testing.T) {
		require.Equal(t, prettyBody(t, Options{Concurrency: 1, Seed: 7}), prettyBody(t, Options{Concurrency: 8, Seed: 7}),
			"with a seed, in the order the seed runs them")
	})
}

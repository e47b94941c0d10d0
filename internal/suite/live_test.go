package suite

import (
	"bytes"
	"context"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/conform-harness/conform/export"
	"github.com/conform-harness/conform/fakeserver"
	"github.com/conform-harness/conform/steps"
)

// liveFake serves the fake over real HTTP on 127.0.0.1 with the real clock and short
// durations, and returns a live target factory for it.
func liveFake(t testing.TB, opts fakeserver.Options) func(context.Context) (*steps.Target, error) {
	t.Helper()
	target, _ := liveFakeServer(t, opts)
	return target
}

// liveFakeServer is liveFake that also returns the fake, to look at what a run left on it.
func liveFakeServer(t testing.TB, opts fakeserver.Options) (func(context.Context) (*steps.Target, error), *fakeserver.Server) {
	t.Helper()
	return liveFakeBehind(t, opts, nil)
}

// liveFakeBehind is liveFakeServer with the fake behind wrap (nil: none), a target that
// answers as wrap makes it.
func liveFakeBehind(t testing.TB, opts fakeserver.Options, wrap func(http.Handler) http.Handler) (func(context.Context) (*steps.Target, error), *fakeserver.Server) {
	t.Helper()
	if opts.TableDuration == 0 {
		opts.TableDuration = 400 * time.Millisecond
	}
	if opts.CancelDelay == 0 {
		opts.CancelDelay = time.Second
	}
	opts.Username, opts.Password = "live-user", "live-password"
	fake := fakeserver.New(opts)
	var h http.Handler = fake
	if wrap != nil {
		h = wrap(fake)
	}
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return steps.LiveTarget(steps.LiveConfig{
		Root:         srv.URL + export.Root,
		Transport:    srv.Client().Transport,
		Auth:         func(r *http.Request) error { r.SetBasicAuth("live-user", "live-password"); return nil },
		PollInterval: 10 * time.Millisecond,
		Contract:     steps.Contract{ExportFinishesWithin: 10 * time.Second},
	}), fake
}

// TestFeaturesAgainstALiveFake runs the suite in live mode: the live arranger uses only the
// public API of the fake, served over HTTP with its real clock.
func TestFeaturesAgainstALiveFake(t *testing.T) {
	var out bytes.Buffer
	target, fake := liveFakeServer(t, fakeserver.Options{})
	res, err := Run(context.Background(), Options{
		Config:      steps.Config{NewTarget: target, PollInterval: 20 * time.Millisecond},
		LeaveOut:    []string{"@fake-only"},
		Formats:     []Format{{Name: "progress"}},
		Output:      &out,
		Concurrency: 2,
	})
	require.NoError(t, err, out.String())
	require.True(t, res.Passed, out.String())
	require.Equal(t, 2, res.LeftOut, "the worked example and the failed export are fake-only")
	require.Equal(t, 14, res.Scenarios)

	// Every scenario cleaned up after itself: the one that leaves its request running on
	// purpose (a cancel without credentials) had it cancelled at its end.
	ids := fake.IDs()
	require.Len(t, ids, 8, "one request per scenario that needs one")
	for _, id := range ids {
		doc, ok := fake.Status(id)
		require.True(t, ok)
		require.Contains(t, []export.Progress{export.Succeeded, export.Cancelling, export.Cancelled}, doc.Progress,
			"request %s was left %s", id, doc.Progress)
	}
}

func TestOnlyFakeOnlyScenariosIsAUsageErrorInLiveMode(t *testing.T) {
	_, err := Run(context.Background(), Options{
		Config:   steps.Config{NewTarget: liveFake(t, fakeserver.Options{})},
		LeaveOut: []string{"@fake-only"},
		Tags:     "@fake-only",
	})
	var ue *UsageError
	require.ErrorAs(t, err, &ue)
	require.ErrorContains(t, err, "selects only scenarios tagged @fake-only")
}

// TestLivePreconditionThatCannotBeReached: an export that finishes before it can be seen running
// cannot be cancelled while it runs. The scenarios that need that are skipped, each with what
// was seen and the advice, never silently; with strict preconditions they fail, saying the same.
func TestLivePreconditionThatCannotBeReached(t *testing.T) {
	target := liveFake(t, fakeserver.Options{TableDuration: time.Nanosecond})
	var out bytes.Buffer
	res, err := Run(context.Background(), Options{
		Config:   steps.Config{NewTarget: target},
		LeaveOut: []string{"@fake-only"},
		Tags:     "not @needs-slow-cancel",
		Output:   &out,
	})
	require.NoError(t, err)
	require.True(t, res.Passed, "nothing about the target is in question:\n%s", out.String())
	require.NotEmpty(t, res.Skipped)
	for _, s := range res.Skipped {
		require.Contains(t, s.Reason, "precondition not reached: wanted a running export request", s.Scenario)
		require.Contains(t, s.Reason, "completed as \"succeeded\" before that was seen (saw ", s.Scenario)
		require.Contains(t, s.Reason, "--running-export FILE", s.Scenario)
	}

	out.Reset()
	res, err = Run(context.Background(), Options{
		Config:   steps.Config{NewTarget: target, StrictPreconditions: true},
		LeaveOut: []string{"@fake-only"},
		Tags:     "not @needs-slow-cancel",
		Output:   &out,
	})
	require.NoError(t, err)
	require.False(t, res.Passed)
	require.Empty(t, res.Skipped)
	require.Contains(t, out.String(), "precondition not reached: wanted a running export request")
	require.Contains(t, out.String(), "--running-export FILE")
}

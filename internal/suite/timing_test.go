package suite

import (
	"bytes"
	"context"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/conform-harness/conform/export"
	"github.com/conform-harness/conform/fakeserver"
	"github.com/conform-harness/conform/fakeserver/bundled"
	"github.com/conform-harness/conform/internal/transport"
	"github.com/conform-harness/conform/steps"
)

// A server may take a moment to show what it has just done: a request just created may answer
// 404, a request whose cancel was just accepted may answer unknown, a cancellation may settle
// while the harness is between two calls. None of that breaks the contract; these tests run the
// suite against such servers (the fake's timing variants, and a clock that jumps between calls)
// and require no false alarm.

// notes collects the notes of a run.
type notes struct {
	mu  sync.Mutex
	all []string
}

func (n *notes) add(scenario, note string) {
	n.mu.Lock()
	defer n.mu.Unlock()
	n.all = append(n.all, scenario+": "+note)
}

func (n *notes) String() string {
	n.mu.Lock()
	defer n.mu.Unlock()
	return strings.Join(n.all, "\n")
}

// TestNoFalseAlarmForATimingVariant: the suite passes, bundled and live, against a fake that
// answers unknown for a moment after an accepted cancel, and one whose requests answer 404 for
// a moment after their create; no scenario is skipped, and the run met the variant.
func TestNoFalseAlarmForATimingVariant(t *testing.T) {
	tests := []struct {
		variant fakeserver.Variant
		note    string // a note the run must have made, "" for none
	}{
		{fakeserver.VariantUnknownAfterCancel, ""},
		{fakeserver.VariantVisibleLater, "after its create; waited (contract.visible_within 5s)"},
	}
	for _, tt := range tests {
		for _, live := range []bool{false, true} {
			name := string(tt.variant) + map[bool]string{false: "/bundled", true: "/live"}[live]
			t.Run(name, func(t *testing.T) {
				opts := fakeserver.Options{Variants: []fakeserver.Variant{tt.variant}}
				seen, said := &seenAnswers{}, &notes{}
				o := Options{
					Config:      steps.Config{NewTarget: bundled.Target(opts), Note: said.add},
					Concurrency: 4,
					Envelopes:   seen.envelope,
					Formats:     []Format{{Name: "progress"}},
				}
				if live {
					// Cancelling lasts well beyond the moment of unknown, so that the second
					// cancel of a busy machine still finds it (else that scenario is, rightly,
					// skipped: TestACancellationThatSettlesBetweenTheTwoCancelsSkips).
					opts.CancelDelay = 2 * time.Second
					o.Config.NewTarget, o.LeaveOut, o.Config.PollInterval = liveFake(t, opts), []string{"@fake-only"}, 20*time.Millisecond
				}
				var out bytes.Buffer
				o.Output = &out
				res, err := Run(context.Background(), o)
				require.NoError(t, err)
				require.True(t, res.Passed, "%s\n%s", out.String(), said)
				require.Empty(t, res.Skipped, "nothing is skipped for a moment's wait")
				requirePassedSeeing(t, []fakeserver.Variant{tt.variant}, nil, seen)
				if tt.note != "" {
					require.Contains(t, said.String(), tt.note)
				}
			})
		}
	}
}

// TestProcessingAfterAnAcceptedCancelStillFails: waiting through unknown is not waiting through
// anything: a cancel answered 200 that leaves the request processing fails, at once, with or
// without a moment of unknown before.
func TestProcessingAfterAnAcceptedCancelStillFails(t *testing.T) {
	for _, variants := range [][]fakeserver.Variant{nil, {fakeserver.VariantUnknownAfterCancel}} {
		failed := failures(t, Options{
			Config: steps.Config{NewTarget: bundled.Target(fakeserver.Options{
				Defects: []fakeserver.Defect{fakeserver.DefectCancelNoEffect}, Variants: variants})},
		})
		msgs := strings.Join(failed["A running request is cancelled"], "\n")
		require.Contains(t, msgs, `right after the cancel the request should be cancelling (or already cancelled), got "processing"`, "variants %v", variants)
	}
}

// jumpingTarget is the bundled target whose clock jumps by jump, through the target's own
// waiter, before each call that at says: time passing between two calls of the harness (a
// throttled poll, a slow network), which the target spends settling a cancellation.
func jumpingTarget(jump time.Duration, at func(r *http.Request, cancelsAccepted int, statusesSince int) bool) func(context.Context) (*steps.Target, error) {
	base := bundled.Target(fakeserver.Options{})
	return func(ctx context.Context) (*steps.Target, error) {
		t, err := base(ctx)
		if err != nil {
			return nil, err
		}
		t.Transport = &jumping{next: t.Transport, waiter: t.Waiter, jump: jump, at: at}
		return t, nil
	}
}

type jumping struct {
	next   http.RoundTripper
	waiter steps.Waiter
	jump   time.Duration
	at     func(r *http.Request, cancelsAccepted, statusesSince int) bool

	mu              sync.Mutex // guards the counts
	cancelsAccepted int        // cancels answered 200
	statusesSince   int        // status calls since the last accepted cancel
}

func (j *jumping) RoundTrip(r *http.Request) (*http.Response, error) {
	j.mu.Lock()
	jump := j.at(r, j.cancelsAccepted, j.statusesSince)
	j.mu.Unlock()
	if jump {
		if err := j.waiter.Wait(r.Context(), j.jump); err != nil {
			return nil, err
		}
	}
	resp, err := j.next.RoundTrip(r)
	if err != nil {
		return nil, err
	}
	j.mu.Lock()
	defer j.mu.Unlock()
	switch {
	case isCancel(r) && resp.StatusCode == http.StatusOK:
		j.cancelsAccepted++
		j.statusesSince = 0
	case r.Method == http.MethodGet:
		j.statusesSince++
	}
	return resp, nil
}

// TestNoStatusCallEatsTheSecondCancelsWindow: between the poll that sees the request
// cancelling and the second cancel, the harness makes no call that lets the cancellation
// settle: here every status call after the first one since a cancel takes ten seconds, far
// longer than the fake takes to settle, and the scenario still passes.
func TestNoStatusCallEatsTheSecondCancelsWindow(t *testing.T) {
	slowPolls := jumpingTarget(10*time.Second, func(r *http.Request, cancels, statuses int) bool {
		return r.Method == http.MethodGet && cancels > 0 && statuses >= 1
	})
	var out bytes.Buffer
	res, err := Run(context.Background(), Options{Config: steps.Config{NewTarget: slowPolls}, Tags: "@needs-slow-cancel", Output: &out})
	require.NoError(t, err)
	require.True(t, res.Passed, out.String())
	require.Empty(t, res.Skipped, out.String())
}

// TestACancellationThatSettlesBetweenTheTwoCancelsSkips: a cancellation seen cancelling that
// settles before the second cancel goes out (here the clock jumps a minute before it) leaves
// nothing to cancel again: the scenario is skipped with the reason, as when the target settles
// before it can be seen cancelling, and fails with strict preconditions.
func TestACancellationThatSettlesBetweenTheTwoCancelsSkips(t *testing.T) {
	late := jumpingTarget(time.Minute, func(r *http.Request, cancels, _ int) bool { return isCancel(r) && cancels == 1 })
	var out bytes.Buffer
	res, err := Run(context.Background(), Options{Config: steps.Config{NewTarget: late}, Tags: "@needs-slow-cancel", Output: &out})
	require.NoError(t, err)
	require.True(t, res.Passed, out.String())
	require.Len(t, res.Skipped, 1, out.String())
	s := res.Skipped[0]
	require.Equal(t, "Cancelling again while the cancellation is under way is accepted", s.Scenario)
	require.Equal(t, "I cancel the export request again", s.Step)
	require.Contains(t, s.Reason, "had its cancellation settle before the second cancel went out (the cancel answered 400")
	require.Contains(t, s.Reason, "--tags 'not @needs-slow-cancel'")

	out.Reset()
	res, err = Run(context.Background(), Options{Config: steps.Config{NewTarget: late, StrictPreconditions: true}, Tags: "@needs-slow-cancel", Output: &out})
	require.NoError(t, err)
	require.False(t, res.Passed)
	require.Empty(t, res.Skipped)
	require.Contains(t, out.String(), "had its cancellation settle before the second cancel went out")
}

// TestAnExportThatFinishesBeforeItsCancelSkips: a request seen running that completes before
// the scenario's cancel goes out (here the clock jumps ten minutes before it) cannot be
// cancelled: its scenarios are skipped with the reason, as when it finishes before it is seen
// running, and fail with strict preconditions.
func TestAnExportThatFinishesBeforeItsCancelSkips(t *testing.T) {
	// The bundled fake holds a seeded request as it is until it is cancelled: this needs the
	// live arranger's requests, which run on the fake's clock.
	clock := fakeserver.NewManualClock(bundled.Epoch())
	fake := fakeserver.New(fakeserver.Options{Clock: clock, Username: "u", Password: "p"})
	live := steps.LiveTarget(steps.LiveConfig{
		Root:         "http://late.test" + export.Root,
		Transport:    transport.InProcess(fake),
		Auth:         func(r *http.Request) error { r.SetBasicAuth("u", "p"); return nil },
		PollInterval: 100 * time.Millisecond,
		Waiter:       clockWaiter{clock},
	})
	late := func(ctx context.Context) (*steps.Target, error) {
		t, err := live(ctx)
		if err != nil {
			return nil, err
		}
		t.Now = clock.Now
		t.Transport = &jumping{next: t.Transport, waiter: t.Waiter, jump: 10 * time.Minute,
			at: func(r *http.Request, cancels, _ int) bool { return isCancel(r) && cancels == 0 }}
		return t, nil
	}
	var out bytes.Buffer
	res, err := Run(context.Background(), Options{Config: steps.Config{NewTarget: late, PollInterval: 100 * time.Millisecond}, LeaveOut: []string{"@fake-only"}, Output: &out})
	require.NoError(t, err)
	require.True(t, res.Passed, out.String())
	skipped := map[string]string{}
	for _, s := range res.Skipped {
		skipped[s.Scenario] = s.Step
		require.Contains(t, s.Reason, "completed before its cancel went out (the cancel answered 400", s.Scenario)
	}
	require.Equal(t, map[string]string{
		// The scenario's own cancel, the step this fixes.
		"A running request is cancelled":                                  "I cancel the export request",
		"Tables that finished before the cancellation keep their results": "I cancel the export request",
		// The arrangers' cancels, which were skipped so before.
		"Cancelling a request that has already cancelled":                  `an export request that has completed with progress "cancelled"`,
		"Cancelling again while the cancellation is under way is accepted": "an export request that is being cancelled",
	}, skipped, out.String())

	out.Reset()
	res, err = Run(context.Background(), Options{
		Config:   steps.Config{NewTarget: late, PollInterval: 100 * time.Millisecond, StrictPreconditions: true},
		LeaveOut: []string{"@fake-only"},
		Output:   &out,
	})
	require.NoError(t, err)
	require.False(t, res.Passed)
	require.Contains(t, out.String(), "seen running, completed before its cancel went out")
}

// clockWaiter "waits" by moving a manual clock on.
type clockWaiter struct{ clock *fakeserver.ManualClock }

func (w clockWaiter) Wait(ctx context.Context, d time.Duration) error {
	w.clock.Advance(d)
	return ctx.Err()
}

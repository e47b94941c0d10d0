package steps

import (
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/conform-harness/conform/export"
	"github.com/conform-harness/conform/internal/transport"
)

// scriptedWorld is a scenario's world against the scripted target, with its live arranger.
func scriptedWorld(t *testing.T, target *scriptedTarget, c Contract) *World {
	t.Helper()
	c = c.WithDefaults()
	w := newWorld(Config{
		Validator:        testValidator(t),
		MaxResponseBytes: transport.DefaultMaxResponseBytes,
		PollInterval:     time.Millisecond,
		Contract:         c,
		NewTarget: LiveTarget(LiveConfig{
			Root:         "http://target.test" + export.Root,
			Transport:    transport.InProcess(target),
			Auth:         func(r *http.Request) error { r.SetBasicAuth("u", "p"); return nil },
			Contract:     c,
			PollInterval: time.Millisecond,
			Waiter:       noWait{},
		}),
	})
	require.NoError(t, w.start(context.Background()))
	t.Cleanup(w.stop)
	return w
}

// TestUnknownRightAfterAnAcceptedCancelIsWaitedThrough: right after an accepted cancel, a
// request that answers unknown is asked again, in the step that checks it is cancelling and in
// the precondition of a request being cancelled; pending, processing or succeeded are not
// waited through, and unknown only within contract.cancel_settles_within.
func TestUnknownRightAfterAnAcceptedCancelIsWaitedThrough(t *testing.T) {
	ctx := context.Background()
	p, u, c := export.Processing, export.Unknown, export.Cancelling

	// The step: the arranger's poll, adopt's, the note of finished tables, then the step's.
	target := &scriptedTarget{script: []export.Progress{p, p, p, u, u, c}}
	w := scriptedWorld(t, target, Contract{})
	require.NoError(t, w.aRunningRequest(ctx))
	require.NoError(t, w.cancelTheRequest(ctx))
	require.NoError(t, w.requestIsMarkedCancelling(ctx))
	require.Equal(t, 6, target.polls)

	for _, after := range []export.Progress{export.Pending, p, export.Succeeded} {
		target = &scriptedTarget{script: []export.Progress{p, p, p, u, after}}
		w = scriptedWorld(t, target, Contract{})
		require.NoError(t, w.aRunningRequest(ctx))
		require.NoError(t, w.cancelTheRequest(ctx))
		err := w.requestIsMarkedCancelling(ctx)
		require.ErrorContains(t, err, `right after the cancel the request should be cancelling (or already cancelled), got "`+string(after)+`"`)
		require.Equal(t, 5, target.polls, "%s is not waited through", after)
	}

	target = &scriptedTarget{script: []export.Progress{p, p, p, u}}
	w = scriptedWorld(t, target, Contract{CancelSettlesWithin: time.Nanosecond})
	require.NoError(t, w.aRunningRequest(ctx))
	require.NoError(t, w.cancelTheRequest(ctx))
	require.ErrorContains(t, w.requestIsMarkedCancelling(ctx), "showing cancelling after its cancel was accepted (contract.cancel_settles_within is 1ns) did not happen within 1ns")

	// The precondition: the arranger's poll, adopt's, then its own after the cancel.
	target = &scriptedTarget{script: []export.Progress{p, p, u, u, c}}
	w = scriptedWorld(t, target, Contract{})
	require.NoError(t, w.aRequestBeingCancelled(ctx))
	require.Equal(t, 5, target.polls)

	target = &scriptedTarget{script: []export.Progress{p, p, u, p}}
	w = scriptedWorld(t, target, Contract{})
	require.ErrorContains(t, w.aRequestBeingCancelled(ctx), `request 7 shows "processing" right after a cancel that answered 200; want cancelling`)
}

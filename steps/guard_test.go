package steps

import (
	"context"
	"net/http"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/conform-harness/conform/export"
	"github.com/conform-harness/conform/fakeserver"
	"github.com/conform-harness/conform/internal/transport"
)

// countingCancels answers status calls with the given status and counts cancels that arrive.
func countingCancels(status *atomic.Int32, cancels *atomic.Int32) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodPost {
			cancels.Add(1)
			w.WriteHeader(http.StatusOK)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(int(status.Load()))
		w.Write([]byte(`{"title":"x","status":404}`))
	})
}

func TestCancelGuard(t *testing.T) {
	var status, cancels atomic.Int32
	status.Store(http.StatusNotFound)
	c, _ := testClient(t, countingCancels(&status, &cancels), transport.DefaultMaxResponseBytes)
	ctx := context.Background()

	_, err := c.Cancel(ctx, "4711")
	require.ErrorIs(t, err, ErrCancelRefused, "an id the run neither created nor confirmed unknown")
	require.ErrorContains(t, err, `"4711"`)
	require.Zero(t, cancels.Load(), "a refused cancel sends nothing")

	_, err = c.Status(ctx, "4711")
	require.NoError(t, err)
	_, err = c.Cancel(ctx, "4711")
	require.NoError(t, err, "the id was just confirmed unknown (404)")
	require.EqualValues(t, 1, cancels.Load())

	status.Store(http.StatusOK) // somebody created 4711 meanwhile
	_, err = c.Status(ctx, "4711")
	require.NoError(t, err)
	_, err = c.Cancel(ctx, "4711")
	require.ErrorIs(t, err, ErrCancelRefused, "an id that now exists and is not ours")

	status.Store(http.StatusNotFound)
	_, err = c.Status(ctx, "4711", callOptions{anonymous: true})
	require.NoError(t, err)
	_, err = c.Cancel(ctx, "4711")
	require.ErrorIs(t, err, ErrCancelRefused, "an anonymous 404 proves nothing")
	require.EqualValues(t, 1, cancels.Load())
}

func TestCreatedRequestsAreOwned(t *testing.T) {
	srv := fakeserver.New(fakeserver.Options{Clock: fakeserver.NewManualClock(testEpoch)})
	c, _ := testClient(t, srv, transport.DefaultMaxResponseBytes)
	c.auth = func(r *http.Request) error {
		r.SetBasicAuth(fakeserver.DefaultUsername, fakeserver.DefaultPassword)
		return nil
	}
	resp, err := c.Create(context.Background(), []string{"SHIPMENT"})
	require.NoError(t, err)
	require.Equal(t, http.StatusAccepted, resp.Status)
	doc, err := resp.StatusDocument()
	require.NoError(t, err)
	require.Equal(t, []export.ID{doc.RequestID()}, c.Owned())
	resp, err = c.Cancel(context.Background(), doc.RequestID())
	require.NoError(t, err)
	require.Equal(t, http.StatusOK, resp.Status)
}

func TestCleanupCancelsWhatTheScenarioLeftRunning(t *testing.T) {
	w, _, _, clock := hostileWorld(t, 0, 0, "")
	ctx := context.Background()
	done := create(t, w, 1)[0]
	clock.Advance(time.Hour)
	doc, _, err := w.statusOf(ctx, done) // seen completed: nothing to cancel
	require.NoError(t, err)
	require.Equal(t, export.Succeeded, doc.Progress)
	unseen := create(t, w, 1)[0]
	clock.Advance(time.Hour) // completes, unseen
	running := create(t, w, 1)[0]

	require.NoError(t, w.cleanup(ctx))

	require.Equal(t, map[string]int{string(unseen): 1, string(running): 1}, cancelsSent(w),
		"every request not seen completed is cancelled (the 400 of %s just says it had completed), not %s, seen completed", unseen, done)
	doc, _, err = w.statusOf(ctx, running)
	require.NoError(t, err)
	require.Equal(t, export.Cancelling, doc.Progress)
}

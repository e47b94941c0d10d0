package steps

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/conform-harness/conform/export"
	"github.com/conform-harness/conform/internal/transport"
)

// noWait is a Waiter that does not wait: the scripted targets below answer at once.
type noWait struct{}

func (noWait) Wait(ctx context.Context, _ time.Duration) error { return ctx.Err() }

// scriptedTarget is a target with one request, 7, whose status calls answer the progress values
// of its script in turn (the last one again once it runs out); a create makes 7, pending, and a
// cancel of 7 is answered cancel (0: 200).
type scriptedTarget struct {
	mu     sync.Mutex
	script []export.Progress
	polls  int
	cancel int
}

func statusDoc(p export.Progress) string {
	return fmt.Sprintf(`{"progress":%q,"completed":%t,"result":{"body":{"requestID":"7","tables":{"items":[`+
		`{"itemID":"1","itemName":"SHIPMENT","progress":"pending","parts":{"count":0,"items":[]}}]}}}}`, p, p.Terminal())
}

func (s *scriptedTarget) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	w.Header().Set("Content-Type", "application/json")
	switch {
	case r.Method == http.MethodPost && strings.HasSuffix(r.URL.Path, "/exportRequests") && !strings.Contains(r.URL.Path, "/cancel/"):
		w.WriteHeader(http.StatusAccepted)
		fmt.Fprint(w, statusDoc(export.Pending))
	case r.Method == http.MethodPost:
		status := s.cancel
		if status == 0 {
			status = http.StatusOK
		}
		w.WriteHeader(status)
		if status != http.StatusOK {
			fmt.Fprintf(w, `{"title":"no","status":%d,"detail":"export request 7 is in an invalid state for a cancellation request"}`, status)
		}
	default:
		p := s.script[min(s.polls, len(s.script)-1)]
		s.polls++
		fmt.Fprint(w, statusDoc(p))
	}
}

// liveArrangerFor returns the live arranger of target h, with contract c, and a client of it.
func liveArrangerFor(t *testing.T, h http.Handler, c Contract) (Arranger, *Client) {
	t.Helper()
	target, err := LiveTarget(LiveConfig{
		Root:         "http://target.test" + export.Root,
		Transport:    transport.InProcess(h),
		Auth:         func(r *http.Request) error { r.SetBasicAuth("u", "p"); return nil },
		Contract:     c,
		PollInterval: time.Millisecond,
		Waiter:       noWait{},
	})(context.Background())
	require.NoError(t, err)
	client, _ := testClient(t, h, transport.DefaultMaxResponseBytes)
	return target.Arranger, client
}

// TestLiveArrangerWaitsThroughTransientProgress: a request that answers unknown for its first
// polls is waited for, not given up on (it used to fail the precondition at once).
func TestLiveArrangerWaitsThroughTransientProgress(t *testing.T) {
	for _, script := range [][]export.Progress{
		{export.Unknown, export.Unknown, export.Unknown, export.Pending},
		{export.Unknown, export.Processing},
		{export.Cancelling, export.Unknown, export.Pending}, // odd, but not completed: waited through
	} {
		target := &scriptedTarget{script: script}
		a, c := liveArrangerFor(t, target, Contract{})
		id, err := a.Running(context.Background(), c)
		require.NoError(t, err, "script %v", script)
		require.Equal(t, export.ID("7"), id)
		require.Equal(t, len(script), target.polls, "it polled until the request was seen running")
	}
}

// TestLiveArrangerSaysWhatItSaw: when the request completes without the wanted state having
// been seen, the precondition is not reachable, and the message lists every progress seen.
func TestLiveArrangerSaysWhatItSaw(t *testing.T) {
	u, p, s := export.Unknown, export.Pending, export.Succeeded
	target := &scriptedTarget{script: []export.Progress{u, u, u, p, p, s}}
	a, c := liveArrangerFor(t, target, Contract{})
	_, err := a.RunningWithFinishedTable(context.Background(), c)
	var pe *PreconditionError
	require.ErrorAs(t, err, &pe)
	require.Equal(t, `request 7 completed as "succeeded" before that was seen (saw unknown ×3, pending ×2, then succeeded)`, pe.Got)
	require.Contains(t, err.Error(), "precondition not reached: wanted a running export request with at least one table finished")
}

// TestLiveArrangerDeadlineSaysWhatItSaw: a request that never gets anywhere fails at the
// deadline, saying what every poll saw.
func TestLiveArrangerDeadlineSaysWhatItSaw(t *testing.T) {
	target := &scriptedTarget{script: []export.Progress{export.Unknown}}
	a, c := liveArrangerFor(t, target, Contract{ExportFinishesWithin: time.Nanosecond})
	_, err := a.Running(context.Background(), c)
	require.Error(t, err)
	var pe *PreconditionError
	require.False(t, errors.As(err, &pe), "a deadline is the contract's, not a precondition: %v", err)
	require.Contains(t, err.Error(), `did not happen within 1ns`)
	require.Contains(t, err.Error(), `last seen: "unknown"; all polls saw unknown`)
}

// TestLiveArrangerCancelledWrongly: a request whose cancel was accepted and that then completes
// some other way breaks the contract; it is not a precondition the target could not be
// brought to.
func TestLiveArrangerCancelledWrongly(t *testing.T) {
	target := &scriptedTarget{script: []export.Progress{export.Processing, export.Processing, export.Succeeded}}
	a, c := liveArrangerFor(t, target, Contract{})
	_, err := a.Completed(context.Background(), c, export.Cancelled)
	require.Error(t, err)
	var pe *PreconditionError
	require.False(t, errors.As(err, &pe), "%v", err)
	require.Contains(t, err.Error(), `the cancel of request 7 was accepted (200), yet request 7 completed as "succeeded"`)
	require.Contains(t, err.Error(), "saw processing, then succeeded")
}

// TestLiveArrangerCancelRefusedAsCompleted: a cancel refused because the request completed
// since it was seen running is a precondition not reached; refused while it still runs, a
// failure.
func TestLiveArrangerCancelRefusedAsCompleted(t *testing.T) {
	target := &scriptedTarget{script: []export.Progress{export.Processing, export.Succeeded}, cancel: http.StatusBadRequest}
	a, c := liveArrangerFor(t, target, Contract{})
	_, err := a.Completed(context.Background(), c, export.Cancelled)
	var pe *PreconditionError
	require.ErrorAs(t, err, &pe)
	require.Contains(t, pe.Got, "request 7 completed before its cancel went out (the cancel answered 400)")

	target = &scriptedTarget{script: []export.Progress{export.Processing}, cancel: http.StatusBadRequest}
	a, c = liveArrangerFor(t, target, Contract{})
	_, err = a.Completed(context.Background(), c, export.Cancelled)
	require.Error(t, err)
	require.False(t, errors.As(err, &pe), "%v", err)
	require.Contains(t, err.Error(), "the cancel of running request 7 was not accepted (200 OK)")
}

func TestProgressLog(t *testing.T) {
	var l progressLog
	require.Equal(t, "nothing", l.String())
	l.add(export.Unknown)
	require.Equal(t, "unknown", l.String())
	for _, p := range []export.Progress{export.Unknown, export.Unknown, export.Pending, export.Pending, "", "canceled", export.Pending} {
		l.add(p)
	}
	require.Equal(t, `unknown ×3, pending ×2, "", "canceled", then pending`, l.String())
}

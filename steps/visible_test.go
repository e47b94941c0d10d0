package steps

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/conform-harness/conform/export"
	"github.com/conform-harness/conform/fakeserver"
	"github.com/conform-harness/conform/internal/transport"
)

// statusScript answers a create with request 7, pending, and its status calls with the
// statuses of its script in turn (the last one again once it runs out): 200 with a pending
// document of 7, or 404 with an error document.
type statusScript struct {
	mu     sync.Mutex
	script []int
	polls  int
}

func (s *statusScript) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	w.Header().Set("Content-Type", "application/json")
	if r.Method == http.MethodPost {
		w.WriteHeader(http.StatusAccepted)
		fmt.Fprint(w, statusDoc(export.Pending))
		return
	}
	status := s.script[min(s.polls, len(s.script)-1)]
	s.polls++
	w.WriteHeader(status)
	if status == http.StatusOK {
		fmt.Fprint(w, statusDoc(export.Pending))
		return
	}
	fmt.Fprintf(w, `{"title":"Not Found","status":%d,"detail":"export request 7 does not exist"}`, status)
}

// clockWaits "waits" by moving a manual clock on.
type clockWaits struct{ clock *fakeserver.ManualClock }

func (c clockWaits) Wait(ctx context.Context, d time.Duration) error {
	c.clock.Advance(d)
	return ctx.Err()
}

// visibleClient is a client of h on a manual clock that waits through the 404 of a request it
// created for within, polling every second.
func visibleClient(t *testing.T, h http.Handler, within time.Duration) (*Client, *fakeserver.ManualClock) {
	t.Helper()
	clock := fakeserver.NewManualClock(testEpoch)
	c := newClient("http://target.test"+export.Root, &validatingTransport{
		next: transport.InProcess(h), validator: testValidator(t), rec: &recorder{},
		now: clock.Now, maxBytes: transport.DefaultMaxResponseBytes,
	}, func(r *http.Request) error { r.SetBasicAuth("u", "p"); return nil }, nil)
	c.visible = visibility{within: within, interval: time.Second, now: clock.Now, waiter: clockWaits{clock}}
	return c, clock
}

// TestA404RightAfterTheCreateIsWaitedThrough: the status of a request the client created,
// that has never answered 200, is asked again through 404 until contract.visible_within has
// passed since the create; the wait is noted for the step.
func TestA404RightAfterTheCreateIsWaitedThrough(t *testing.T) {
	ctx := context.Background()
	h := &statusScript{script: []int{404, 404, 200}}
	c, _ := visibleClient(t, h, 5*time.Second)
	resp, err := c.CreateRaw(ctx, DefaultQuickExport())
	require.NoError(t, err)
	require.Equal(t, http.StatusAccepted, resp.Status)

	resp, err = c.Status(ctx, "7")
	require.NoError(t, err)
	require.Equal(t, http.StatusOK, resp.Status)
	require.Equal(t, 3, h.polls)
	require.Equal(t, []string{"request 7 answered 404 for 2s after its create; waited (contract.visible_within 5s)"}, c.takeNotes())

	// Within bounds: a request that stays unknown is answered 404 once the bound has passed.
	h = &statusScript{script: []int{404}}
	c, _ = visibleClient(t, h, 5*time.Second)
	_, err = c.CreateRaw(ctx, DefaultQuickExport())
	require.NoError(t, err)
	resp, err = c.Status(ctx, "7")
	require.NoError(t, err)
	require.Equal(t, http.StatusNotFound, resp.Status)
	require.Equal(t, 6, h.polls, "at 0s, 1s, … 5s after the create")
	require.Equal(t, []string{"request 7 still answered 404 5s after its create; waited contract.visible_within 5s"}, c.takeNotes())
	require.ErrorContains(t, c.notOK("7", resp), "request 7 answered 202 to its create at 15:21:56.000 and 404 now: want 200 OK")
}

// TestA404AfterA200IsNotWaitedFor: once the request has answered 200, a 404 is answered at once,
// and its error says when the request answered 200.
func TestA404AfterA200IsNotWaitedFor(t *testing.T) {
	ctx := context.Background()
	h := &statusScript{script: []int{200, 404}}
	c, clock := visibleClient(t, h, 5*time.Second)
	_, err := c.CreateRaw(ctx, DefaultQuickExport())
	require.NoError(t, err)
	resp, err := c.Status(ctx, "7")
	require.NoError(t, err)
	require.Equal(t, http.StatusOK, resp.Status)

	clock.Advance(1500 * time.Millisecond)
	resp, err = c.Status(ctx, "7")
	require.NoError(t, err)
	require.Equal(t, http.StatusNotFound, resp.Status)
	require.Equal(t, 2, h.polls, "no wait")
	require.Empty(t, c.takeNotes())
	err = c.notOK("7", resp)
	require.True(t, strings.HasPrefix(err.Error(), "request 7 answered 200 at 15:21:56.000 and 404 now: want 200 OK, got:"), err.Error())
}

// TestA404OfAnIDTheRunDidNotCreateIsNotWaitedFor: an id the client did not create is unknown
// at its first 404.
func TestA404OfAnIDTheRunDidNotCreateIsNotWaitedFor(t *testing.T) {
	h := &statusScript{script: []int{404, 200}}
	c, _ := visibleClient(t, h, 5*time.Second)
	c.Own("7") // made by an arranger, not created through this client: no 202 was seen
	resp, err := c.Status(context.Background(), "7")
	require.NoError(t, err)
	require.Equal(t, http.StatusNotFound, resp.Status)
	require.Equal(t, 1, h.polls)
	require.Empty(t, c.takeNotes())
	require.ErrorContains(t, c.notOK("7", resp), "status of export request 7: want 200 OK, got:")

	h = &statusScript{script: []int{404, 200}}
	c, _ = visibleClient(t, h, 5*time.Second)
	resp, err = c.Status(context.Background(), "4711")
	require.NoError(t, err)
	require.Equal(t, http.StatusNotFound, resp.Status)
	require.Equal(t, 1, h.polls)
}

// TestAnUnknownIDThatAnswers200SaysSoFirst: an id whose status answered 404, which the
// scenario did not create, answered 200 {} a moment later: the step says first that the
// contract says 404, then what the spec says of the body.
func TestAnUnknownIDThatAnswers200SaysSoFirst(t *testing.T) {
	var calls int
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		calls++
		w.Header().Set("Content-Type", "application/json")
		if calls == 1 {
			w.WriteHeader(http.StatusNotFound)
			fmt.Fprint(w, `{"title":"Not Found","status":404,"detail":"export request 987 does not exist"}`)
			return
		}
		fmt.Fprint(w, `{}`)
	})
	w := newWorld(Config{
		Validator:        testValidator(t),
		MaxResponseBytes: transport.DefaultMaxResponseBytes,
		NewTarget: func(context.Context) (*Target, error) {
			return &Target{Root: "http://target.test" + export.Root, Transport: transport.InProcess(h), Waiter: noWait{}, Now: time.Now}, nil
		},
	})
	ctx := context.Background()
	require.NoError(t, w.start(ctx))
	require.NoError(t, w.noRequestHasID(ctx, "987"))
	require.NoError(t, w.failOnFindings())
	require.NoError(t, w.statusByID(ctx, "987"))
	err := w.failOnFindings()
	require.Error(t, err)
	lines := strings.Split(err.Error(), "\n- ")
	require.Greater(t, len(lines), 2, err.Error())
	require.Contains(t, lines[1], "export request 987: an id no request has answered 200; the contract says 404 (its status answered 404 at ")
	require.Contains(t, lines[2], "the answer breaks the spec")
}

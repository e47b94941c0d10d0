package steps

import (
	"context"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/conform-harness/conform/export"
	"github.com/conform-harness/conform/fakeserver"
	"github.com/conform-harness/conform/internal/transport"
	"github.com/conform-harness/conform/openapi"
)

// pauses records the waits of clean-up instead of sleeping.
type pauses struct {
	mu  sync.Mutex
	all []time.Duration
}

func (p *pauses) Wait(ctx context.Context, d time.Duration) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.all = append(p.all, d)
	return ctx.Err()
}

// hostileWorld is a scenario's world against the fake behind a wrapper that answers status
// calls with status (and Retry-After), and cancels with cancel (0: as the fake does).
func hostileWorld(t *testing.T, status, cancel int, retryAfter string) (*World, *pauses, *Ledger, *fakeserver.ManualClock) {
	t.Helper()
	clock := fakeserver.NewManualClock(testEpoch)
	fake := fakeserver.New(fakeserver.Options{Clock: clock})
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		answer := 0
		switch {
		case strings.Contains(r.URL.Path, "/exportStatuses/"):
			answer = status
		case strings.Contains(r.URL.Path, "/custom-actions/cancel/"):
			answer = cancel
		}
		if answer == 0 {
			fake.ServeHTTP(w, r)
			return
		}
		if retryAfter != "" {
			w.Header().Set("Retry-After", retryAfter)
		}
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(answer)
		w.Write([]byte(`{"title":"busy","status":` + strconv.Itoa(answer) + `}`))
	})
	waits := &pauses{}
	run := NewLedger()
	v, err := openapi.NewValidator()
	require.NoError(t, err)
	w := newWorld(Config{
		Validator:        v,
		MaxResponseBytes: transport.DefaultMaxResponseBytes,
		Ledger:           run,
		NewTarget: func(context.Context) (*Target, error) {
			return &Target{
				Root:      "http://target.test" + export.Root,
				Transport: transport.InProcess(h),
				Auth: func(r *http.Request) error {
					r.SetBasicAuth(fakeserver.DefaultUsername, fakeserver.DefaultPassword)
					return nil
				},
				Waiter: waits,
				Now:    time.Now,
			}, nil
		},
	})
	require.NoError(t, w.start(context.Background()))
	return w, waits, run, clock
}

func create(t *testing.T, w *World, n int) []export.ID {
	t.Helper()
	var ids []export.ID
	for range n {
		resp, err := w.client.Create(context.Background(), []string{"SHIPMENT", "SHIPMENT_REFNUM"})
		require.NoError(t, err)
		require.Equal(t, http.StatusAccepted, resp.Status)
		doc, err := resp.StatusDocument()
		require.NoError(t, err)
		ids = append(ids, doc.RequestID())
	}
	return ids
}

func cancelsSent(w *World) map[string]int {
	out := map[string]int{}
	for _, ex := range w.rec.all() {
		if strings.Contains(ex.URL, "/custom-actions/cancel/") {
			out[ex.URL[strings.LastIndex(ex.URL, "/")+1:]]++
		}
	}
	return out
}

// A target whose status calls fail must not keep the run's exports running: clean-up sends the
// cancels without asking for the status first.
func TestCleanupCancelsEvenWhenStatusCallsFail(t *testing.T) {
	for _, tt := range []struct {
		name       string
		status     int
		retryAfter string
	}{
		{"502", http.StatusBadGateway, ""},
		{"503 with Retry-After 999999", http.StatusServiceUnavailable, "999999"},
		{"429", http.StatusTooManyRequests, "1"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			w, _, run, _ := hostileWorld(t, tt.status, 0, tt.retryAfter)
			ids := create(t, w, 3)
			require.NoError(t, w.cleanup(context.Background()))
			sent := cancelsSent(w)
			for _, id := range ids {
				require.Equal(t, 1, sent[string(id)], "request %s is cancelled once", id)
			}
			require.Empty(t, run.Open(), "every cancel was accepted")
		})
	}
}

func TestCleanupNamesWhatItCouldNotCancel(t *testing.T) {
	w, waits, run, _ := hostileWorld(t, http.StatusServiceUnavailable, http.StatusTooManyRequests, "999999")
	ids := create(t, w, 2)
	err := w.cleanup(context.Background())
	require.Error(t, err)
	for _, id := range ids {
		require.Contains(t, err.Error(), "request "+string(id)+": the cancel answered 429 Too Many Requests")
		require.Contains(t, err.Error(), `curl -X POST -u "$CONFORM_USERNAME" 'http://target.test/logisticsRestApi/data/v1/custom-actions/cancel/exportRequests/`+string(id)+`'`)
		require.Equal(t, cleanupAttempts, cancelsSent(w)[string(id)], "a throttled cancel is tried again, a bounded number of times")
	}
	require.Equal(t, ids, run.Open(), "the run knows what may still be running")
	for _, d := range waits.all {
		require.LessOrEqual(t, d, maxCleanupPause, "a Retry-After of 999999 s must not hold the run")
	}
}

func TestCleanupLeavesAloneWhatItSawComplete(t *testing.T) {
	w, _, run, clock := hostileWorld(t, 0, http.StatusInternalServerError, "")
	ids := create(t, w, 2)
	clock.Advance(time.Hour)
	doc, _, err := w.statusOf(context.Background(), ids[0])
	require.NoError(t, err)
	require.Equal(t, export.Succeeded, doc.Progress)

	err = w.cleanup(context.Background())
	require.Equal(t, map[string]int{string(ids[1]): 1}, cancelsSent(w),
		"only the request not seen completed is cancelled; the first is left alone")
	require.ErrorContains(t, err, "request "+string(ids[1])+": the cancel answered 500 Internal Server Error",
		"a 500 is not tried again, and is reported")
	require.Equal(t, ids[1:], run.Open())
}

// The same violation seen on many polls is reported once, with a count and the first and last
// time it was seen.
func TestRepeatedViolationsAreReportedOnce(t *testing.T) {
	w, _, _, clock := hostileWorld(t, http.StatusOK, 0, "")
	for range 5 {
		_, _, _ = w.statusOf(context.Background(), "4711")
		clock.Advance(time.Second)
	}
	err := w.failOnFindings()
	require.Error(t, err)
	msg := err.Error()
	lines := strings.Count(msg, "\n- ")
	require.Positive(t, lines)
	require.Equal(t, lines, len(regexp.MustCompile(`\(seen 5 times, first at \d\d:\d\d:\d\d\.\d{3}, last at \d\d:\d\d:\d\d\.\d{3}\)`).FindAllString(msg, -1)),
		"each distinct violation once, with its count:\n%s", msg)
	require.NoError(t, w.failOnFindings(), "reported once, not again by the next step")
}

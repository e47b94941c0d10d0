package fakeserver

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/conform-harness/conform/export"
	"github.com/conform-harness/conform/oracle"
)

// The operations TestLoad counts answers for, and the statuses each may answer. A cancel may
// meet a request that completed after the client last looked, so 400 is as legitimate as 200.
const (
	opCreate        = "create"
	opStatus        = "status"
	opCancel        = "cancel"
	opStatusUnknown = "status of an unknown id"
	opCancelUnknown = "cancel of an unknown id"
)

var loadExpected = map[string][]int{
	opCreate:        {http.StatusAccepted},
	opStatus:        {http.StatusOK},
	opCancel:        {http.StatusOK, http.StatusBadRequest},
	opStatusUnknown: {http.StatusNotFound},
	opCancelUnknown: {http.StatusNotFound},
}

// TestLoad has many clients create, poll and cancel export requests at once against the fake on
// the real clock, behind a real listener; run it with -race. Every status document goes through
// one oracle, so each request's whole observed history must obey the invariants, and every
// answer must be one its operation may give. Each cancel's answer must agree with what the
// client sees next: 200 is followed by cancelling or cancelled, 400 by a completed request, and
// a request ends cancelled exactly when some cancel of it was accepted.
func TestLoad(t *testing.T) {
	const clients, iterations = 16, 25
	ts := httptest.NewServer(New(Options{TableDuration: 20 * time.Millisecond, CancelDelay: 10 * time.Millisecond}))
	t.Cleanup(ts.Close)
	transport := ts.Client().Transport.(*http.Transport).Clone()
	transport.MaxIdleConnsPerHost = clients // one kept-alive connection per client, no churn
	t.Cleanup(transport.CloseIdleConnections)

	ctx, cancel := context.WithTimeout(t.Context(), 20*time.Second)
	defer cancel()
	l := &load{
		base:   ts.URL,
		client: &http.Client{Transport: transport},
		oracle: oracle.New(),
		counts: map[string]map[int]int{},
	}

	errs := make([]error, clients)
	var wg sync.WaitGroup
	for c := range clients {
		wg.Go(func() {
			for i := range iterations {
				if err := l.iteration(ctx, c, i); err != nil {
					errs[c] = fmt.Errorf("client %d, iteration %d: %w", c, i, err)
					return
				}
			}
		})
	}
	wg.Wait()
	require.NoError(t, errors.Join(errs...))

	t.Logf("answers: %v", l.counts)
	for op, statuses := range l.counts {
		for status := range statuses {
			require.Contains(t, loadExpected[op], status, "%s answered %d", op, status)
		}
	}
	require.Equal(t, clients*iterations, l.counts[opCreate][http.StatusAccepted])
	require.Equal(t, clients*iterations, l.counts[opStatusUnknown][http.StatusNotFound])
	require.Equal(t, clients*iterations, l.counts[opCancelUnknown][http.StatusNotFound])
	require.Positive(t, l.counts[opCancel][http.StatusOK], "no cancel met a running request")
	require.Positive(t, l.counts[opCancel][http.StatusBadRequest], "no cancel met a completed request")
}

// load is what TestLoad's clients share: the server, the oracle and the tally of answers.
type load struct {
	base   string
	client *http.Client
	oracle *oracle.Oracle

	mu     sync.Mutex             // guards counts
	counts map[string]map[int]int // by operation, then status
}

// tracked is one request as a client sees it.
type tracked struct {
	id       string
	last     export.Status // the last document seen
	accepted bool          // some cancel of it answered 200
}

// iteration is one round of client c: create a request, watch it and, depending on the round,
// cancel it at once, cancel it twice, cancel it once it has completed or leave it alone; then
// ask for an id that does not exist.
func (l *load) iteration(ctx context.Context, c, i int) error {
	req, err := l.create(ctx)
	if err != nil {
		return err
	}
	switch (c + i) % 4 {
	case 0: // left alone
		for range 3 {
			if err := l.poll(ctx, req); err != nil {
				return err
			}
		}
	case 1: // cancelled at once
		if err := l.cancel(ctx, req); err != nil {
			return err
		}
	case 2: // cancelled twice while it runs, or just after
		if err := l.poll(ctx, req); err != nil {
			return err
		}
		for range 2 {
			if err := l.cancel(ctx, req); err != nil {
				return err
			}
		}
	case 3: // cancelled once completed: 400 and no change
		if err := l.untilCompleted(ctx, req); err != nil {
			return err
		}
		if err := l.cancel(ctx, req); err != nil {
			return err
		}
	}
	if err := l.untilCompleted(ctx, req); err != nil {
		return err
	}
	if want := succeededOrCancelled(req.accepted); req.last.Progress != want {
		return fmt.Errorf("request %s ended %s, want %s (a cancel was accepted: %t)", req.id, req.last.Progress, want, req.accepted)
	}

	unknown := fmt.Sprintf("%d", 1_000_000_000+c*1000+i)
	if i%2 == 1 {
		unknown = fmt.Sprintf("no-such-request-%d-%d", c, i)
	}
	if _, _, err := l.send(ctx, opStatusUnknown, http.MethodGet, statusURL(unknown), ""); err != nil {
		return err
	}
	_, _, err = l.send(ctx, opCancelUnknown, http.MethodPost, cancelURL(unknown), "")
	return err
}

func succeededOrCancelled(cancelled bool) export.Progress {
	if cancelled {
		return export.Cancelled
	}
	return export.Succeeded
}

// create submits an export of two tables; its id is the one Location names.
func (l *load) create(ctx context.Context) (*tracked, error) {
	status, resp, err := l.send(ctx, opCreate, http.MethodPost, createPath, twoTables)
	if err != nil {
		return nil, err
	}
	id, ok := strings.CutPrefix(resp.header.Get("Location"), export.Root+"/exportStatuses/")
	if !ok || id == "" {
		return nil, fmt.Errorf("create answered %d with Location %q", status, resp.header.Get("Location"))
	}
	req := &tracked{id: id}
	return req, l.observe(req, fmt.Sprintf("POST %s → %d", createPath, status), resp.body)
}

// poll reads the request's status document once.
func (l *load) poll(ctx context.Context, req *tracked) error {
	status, resp, err := l.send(ctx, opStatus, http.MethodGet, statusURL(req.id), "")
	if err != nil {
		return err
	}
	return l.observe(req, fmt.Sprintf("GET %s → %d", statusURL(req.id), status), resp.body)
}

// untilCompleted polls, every couple of milliseconds, until the request has completed.
func (l *load) untilCompleted(ctx context.Context, req *tracked) error {
	tick := time.NewTicker(2 * time.Millisecond)
	defer tick.Stop()
	for !req.last.Completed {
		select {
		case <-ctx.Done():
			return fmt.Errorf("request %s did not complete in time; last seen %s: %w", req.id, req.last.Progress, ctx.Err())
		case <-tick.C:
		}
		if err := l.poll(ctx, req); err != nil {
			return err
		}
	}
	return nil
}

// cancel cancels the request and checks the answer against the documents before and after: a
// request last seen completed must refuse with 400, and the next document must show what the
// answer claimed.
func (l *load) cancel(ctx context.Context, req *tracked) error {
	wasCompleted := req.last.Completed
	status, resp, err := l.send(ctx, opCancel, http.MethodPost, cancelURL(req.id), "")
	if err != nil {
		return err
	}
	switch {
	case wasCompleted && status != http.StatusBadRequest:
		return fmt.Errorf("cancel of %s, last seen %s, answered %d, want 400: %s", req.id, req.last.Progress, status, resp.body)
	case status == http.StatusBadRequest && !strings.Contains(string(resp.body), "invalid state"):
		return fmt.Errorf("cancel of %s answered 400 without saying the state is invalid: %s", req.id, resp.body)
	}
	req.accepted = req.accepted || status == http.StatusOK
	if err := l.poll(ctx, req); err != nil {
		return err
	}
	switch p := req.last.Progress; {
	case status == http.StatusOK && p != export.Cancelling && p != export.Cancelled:
		return fmt.Errorf("cancel of %s answered 200 but the request is then %s", req.id, p)
	case status == http.StatusBadRequest && !req.last.Completed:
		return fmt.Errorf("cancel of %s answered 400 but the request is then %s, not completed", req.id, p)
	}
	return nil
}

// observe decodes a status document of req and gives it to the oracle.
func (l *load) observe(req *tracked, source string, body []byte) error {
	var doc export.Status
	if err := json.Unmarshal(body, &doc); err != nil {
		return fmt.Errorf("%s: not a status document: %w: %s", source, err, body)
	}
	obs := oracle.Observation{At: time.Now(), Source: source, Doc: doc, Raw: body}
	if vs := l.oracle.Observe(export.ID(req.id), obs); len(vs) > 0 {
		errs := make([]error, len(vs))
		for i, v := range vs {
			errs[i] = errors.New(v.Error())
		}
		return errors.Join(errs...)
	}
	req.last = doc
	return nil
}

// answered is an answer read in full.
type answered struct {
	header http.Header
	body   []byte
}

// send sends one call with the default credentials, reads the whole answer, counts its status
// under op and fails when op may not answer it.
func (l *load) send(ctx context.Context, op, method, path, body string) (int, answered, error) {
	req, err := http.NewRequestWithContext(ctx, method, l.base+path, strings.NewReader(body))
	if err != nil {
		return 0, answered{}, err
	}
	req.SetBasicAuth(DefaultUsername, DefaultPassword)
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Prefer", "respond-async")
	}
	resp, err := l.client.Do(req)
	if err != nil {
		return 0, answered{}, fmt.Errorf("%s %s: %w", method, path, err)
	}
	defer resp.Body.Close()
	got, err := io.ReadAll(resp.Body)
	if err != nil {
		return 0, answered{}, fmt.Errorf("%s %s: read answer: %w", method, path, err)
	}

	l.mu.Lock()
	if l.counts[op] == nil {
		l.counts[op] = map[int]int{}
	}
	l.counts[op][resp.StatusCode]++
	l.mu.Unlock()

	if !slices.Contains(loadExpected[op], resp.StatusCode) {
		return 0, answered{}, fmt.Errorf("%s: %s %s answered %d, want one of %v: %s", op, method, path, resp.StatusCode, loadExpected[op], got)
	}
	return resp.StatusCode, answered{header: resp.Header, body: got}, nil
}

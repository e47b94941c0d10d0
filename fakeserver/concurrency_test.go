package fakeserver

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/conform-harness/conform/export"
)

// TestConcurrentUse has many clients create, poll and cancel at once while the clock moves and
// seeds arrive; run it with -race. Each cancel's answer must agree with where its request ends:
// 200 → cancelled, 400 → it had already succeeded.
func TestConcurrentUse(t *testing.T) {
	srv, ts, clock := newHTTPServer(t, Options{TableDuration: time.Second, CancelDelay: 500 * time.Millisecond})
	const clients, rounds = 12, 15

	type outcome struct {
		id     string
		cancel int
	}
	var (
		mu       sync.Mutex
		outcomes []outcome
		problems []string
	)
	report := func(format string, args ...any) {
		mu.Lock()
		defer mu.Unlock()
		problems = append(problems, fmt.Sprintf(format, args...))
	}
	do := func(method, path, body string) (int, []byte) {
		req, err := http.NewRequest(method, ts.URL+path, strings.NewReader(body))
		if err != nil {
			report("new request: %v", err)
			return 0, nil
		}
		req.SetBasicAuth(DefaultUsername, DefaultPassword)
		resp, err := ts.Client().Do(req)
		if err != nil {
			report("%s %s: %v", method, path, err)
			return 0, nil
		}
		defer resp.Body.Close()
		buf, err := io.ReadAll(resp.Body)
		if err != nil {
			report("read %s %s: %v", method, path, err)
		}
		return resp.StatusCode, buf
	}

	var wg sync.WaitGroup
	for c := range clients {
		wg.Go(func() {
			for i := range rounds {
				if c%4 == 0 {
					id, err := srv.Put(Seed{Progress: processing})
					if err != nil {
						report("put: %v", err)
					}
					if _, ok := srv.Status(string(id)); !ok {
						report("seeded %s not found", id)
					}
				}
				status, body := do(http.MethodPost, createPath, twoTables)
				if status != http.StatusAccepted {
					report("create: %d %s", status, body)
					continue
				}
				var doc export.Status
				if err := json.Unmarshal(body, &doc); err != nil {
					report("create body: %v", err)
					continue
				}
				id := string(doc.RequestID())
				if status, body := do(http.MethodGet, statusURL(id), ""); status != http.StatusOK {
					report("get %s: %d %s", id, status, body)
				}
				clock.Advance(time.Duration(i%3) * 300 * time.Millisecond)
				if i%2 == 0 {
					status, body := do(http.MethodPost, cancelURL(id), "")
					if status != http.StatusOK && status != http.StatusBadRequest {
						report("cancel %s: %d %s", id, status, body)
					}
					mu.Lock()
					outcomes = append(outcomes, outcome{id: id, cancel: status})
					mu.Unlock()
				} else {
					mu.Lock()
					outcomes = append(outcomes, outcome{id: id})
					mu.Unlock()
				}
				if status, body := do(http.MethodGet, statusURL(id), ""); status != http.StatusOK {
					report("get %s: %d %s", id, status, body)
				}
			}
		})
	}
	wg.Wait()
	require.Empty(t, problems)
	require.Len(t, outcomes, clients*rounds)

	clock.Advance(time.Hour)
	ids := map[string]bool{}
	for _, o := range outcomes {
		require.False(t, ids[o.id], "id %s handed out twice", o.id)
		ids[o.id] = true
		doc, ok := srv.Status(o.id)
		require.True(t, ok, o.id)
		require.True(t, doc.Completed, o.id)
		switch o.cancel {
		case http.StatusOK:
			require.Equal(t, cancelled, doc.Progress, "request %s was cancelled with 200", o.id)
		case http.StatusBadRequest:
			require.Equal(t, succeeded, doc.Progress, "request %s refused a cancel", o.id)
		default:
			require.Equal(t, succeeded, doc.Progress, "request %s was never cancelled", o.id)
		}
	}
}

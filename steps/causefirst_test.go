package steps

import (
	"context"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/conform-harness/conform/export"
	"github.com/conform-harness/conform/internal/transport"
	"github.com/conform-harness/conform/openapi"
)

// docsWorld is a world whose target answers each status call of request 4711 with the next
// of docs (the last one again once they run out), 200 application/json.
func docsWorld(t *testing.T, docs ...string) *World {
	t.Helper()
	var mu sync.Mutex
	next := 0
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		doc := docs[min(next, len(docs)-1)]
		next++
		mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		w.Write([]byte(doc)) //nolint:errcheck // the test reads what arrived
	})
	v, err := openapi.NewValidator()
	require.NoError(t, err)
	w := newWorld(Config{
		Validator:        v,
		MaxResponseBytes: transport.DefaultMaxResponseBytes,
		Ledger:           NewLedger(),
		NewTarget: func(context.Context) (*Target, error) {
			return &Target{
				Root:      "http://target.test" + export.Root,
				Transport: transport.InProcess(h),
				Auth:      func(r *http.Request) error { r.SetBasicAuth("u", "p"); return nil },
				Waiter:    &pauses{},
				Now:       func() time.Time { return testEpoch },
			}, nil
		},
	})
	require.NoError(t, w.start(context.Background()))
	t.Cleanup(w.stop)
	return w
}

// scriptedDoc is a status document of request 4711 with progress p and, per table name, its progress.
func scriptedDoc(p export.Progress, tables ...string) string {
	var items []string
	for i := 0; i+1 < len(tables); i += 2 {
		items = append(items, `{"itemID":`+string(rune('1'+i/2))+`,"itemName":"`+tables[i]+`","progress":"`+tables[i+1]+`","parts":{"count":0,"items":[]}}`)
	}
	completed := "false"
	if p.Terminal() {
		completed = "true"
	}
	return `{"progress":"` + string(p) + `","completed":` + completed +
		`,"result":{"body":{"requestID":4711,"submitDate":"2022-11-29T15:21:56Z","tables":{"items":[` + strings.Join(items, ",") + `]}}}}`
}

// TestStepErrorPutsTheCauseFirst: a request that leaves cancelling for succeeded (invariant 3)
// while its tables end succeeded (8) and one says a progress nobody knows (1): the step error
// names the request's breach before the tables' lines, whatever their numbers.
func TestStepErrorPutsTheCauseFirst(t *testing.T) {
	w := docsWorld(t,
		scriptedDoc(export.Cancelling, "A", "processing", "B", "pending", "C", "pending"),
		scriptedDoc(export.Succeeded, "A", "succeeded", "B", "succeeded", "C", "done"),
	)
	for range 2 {
		_, _, err := w.statusOf(context.Background(), "4711")
		require.NoError(t, err)
	}
	err := w.failOnFindings()
	require.Error(t, err)
	var breaches []string
	for _, line := range strings.Split(err.Error(), "\n- ") {
		if i := strings.Index(line, "invariant "); i >= 0 && strings.Contains(line, "violated") {
			breaches = append(breaches, line[i:strings.Index(line, ")")+1])
		}
	}
	require.Equal(t, []string{
		"invariant 3 (cancelling-leads-to-cancelled)",
		"invariant 1 (valid-progress)",
		"invariant 8 (running-items-end-cancelled)",
		"invariant 8 (running-items-end-cancelled)",
	}, breaches, "the request's breach first:\n%s", err)
}

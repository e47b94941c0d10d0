package judge

import (
	"fmt"
	"net/http"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/conform-harness/conform/internal/heap"
	"github.com/conform-harness/conform/openapi"
)

// auditStatus judges one status document of request id through a, and returns its problems.
func auditStatus(t testing.TB, a *Auditor, id int, progress, shipment string, at time.Time) []string {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, fmt.Sprintf("%s/exportStatuses/%d", auditRoot, id), nil)
	require.NoError(t, err)
	body := statusBody(id, progress, shipment)
	if progress == "succeeded" {
		body = []byte(strings.Replace(string(body), `"completed":false`, `"completed":true`, 1))
	}
	_, problems := a.Judge(req, nil, http.StatusOK, jsonHeader, body, at)
	return problems
}

// invariantBroken reports whether one of problems is an invariant's.
func invariantBroken(problems []string) bool {
	for _, p := range problems {
		if strings.Contains(p, "invariant") {
			return true
		}
	}
	return false
}

func TestABoundedAuditorForgetsCompletedRequestsFirst(t *testing.T) {
	v, err := openapi.NewValidator()
	require.NoError(t, err)
	a := NewBoundedAuditor(v, 2)
	at := time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)

	// 1 runs, with a settled item; 2 completes; 3 makes room by forgetting 2, though 1 is older.
	require.Empty(t, auditStatus(t, a, 1, "processing", "succeeded", at))
	require.Empty(t, auditStatus(t, a, 2, "succeeded", "succeeded", at))
	require.Empty(t, auditStatus(t, a, 3, "processing", "pending", at))
	followed, evicted := a.Followed()
	require.Equal(t, 2, followed)
	require.Equal(t, 1, evicted)

	// 1 is still followed with its history: its settled item coming back breaks invariant 4.
	require.True(t, invariantBroken(auditStatus(t, a, 1, "processing", "pending", at.Add(time.Second))),
		"the running request kept its history")

	// Now none is completed: 4 makes room by forgetting 3, the one seen longest ago.
	require.Empty(t, auditStatus(t, a, 4, "processing", "pending", at))
	_, evicted = a.Followed()
	require.Equal(t, 2, evicted)
	// 2 was forgotten: its later document is judged without history, as the first of a request.
	require.False(t, invariantBroken(auditStatus(t, a, 2, "processing", "pending", at.Add(time.Second))),
		"a forgotten request starts again")
}

// TestABoundedAuditorStaysSmall feeds 50,000 distinct export requests through an auditor that
// follows at most 1,000: it never follows more, and its live heap does not grow with the
// requests once it is full.
func TestABoundedAuditorStaysSmall(t *testing.T) {
	if testing.Short() {
		t.Skip("50,000 requests are for a full run")
	}
	const bound, n = 1000, 50000
	v, err := openapi.NewValidator()
	require.NoError(t, err)
	a := NewBoundedAuditor(v, bound)
	at := time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)
	var atTen uint64
	for id := 1; id <= n; id++ {
		progress := "processing"
		if id%2 == 0 {
			progress = "succeeded"
		}
		auditStatus(t, a, id, progress, progress, at)
		if id == n/5 {
			atTen = heap.InUse()
		}
		if id%5000 == 0 {
			followed, _ := a.Followed()
			require.LessOrEqual(t, followed, bound)
		}
	}
	atFifty := heap.InUse()
	followed, evicted := a.Followed()
	require.Equal(t, bound, followed)
	require.Equal(t, n-bound, evicted)
	grown := int64(atFifty) - int64(atTen)
	t.Logf("heap from %d to %d requests: %+d bytes", n/5, n, grown)
	// Unbounded, the 40,000 requests between held 68 MB here (BENCHMARKS.md, section 9).
	require.Less(t, grown, int64(4<<20), "the heap does not grow with the requests once the auditor is full")
	runtime.KeepAlive(a)
}

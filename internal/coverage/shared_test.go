package coverage

import (
	"fmt"
	"net/http"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/conform-harness/conform/internal/heap"
	"github.com/conform-harness/conform/judge"
	"github.com/conform-harness/conform/openapi"
)

// TestOneBoundHoldsTheOracleAndCoverage judges 15,000 distinct export requests through an
// Auditor that shares its Tracker with coverage (Following), bounded at 500: the oracle and
// coverage follow the same requests, forget the same ones at the same moment, and the live heap
// of both does not grow once the bound is reached. Coverage keeps no history of its own: it
// counts the documents the Auditor alone was shown.
func TestOneBoundHoldsTheOracleAndCoverage(t *testing.T) {
	const bound, n = 500, 15000
	v, err := openapi.NewValidator()
	require.NoError(t, err)
	c, tracker := Following(embeddedSpec(t), bound)
	a := judge.NewTrackingAuditor(v, tracker)
	at := time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)
	// show judges one status document through the Auditor alone; poll adds it to coverage too,
	// as conform proxy does.
	show := func(id int, progress, table string) (judge.Exchange, []string) {
		req, err := http.NewRequest(http.MethodGet, fmt.Sprintf("https://vendor.example.com/logisticsRestApi/data/v1/exportStatuses/%d", id), nil)
		require.NoError(t, err)
		body := fmt.Appendf(nil, `{"progress":%q,"completed":%t,"result":{"body":{"requestID":%d,"tables":{"items":[`+
			`{"itemID":1,"itemName":"SHIPMENT","progress":%q,"parts":{"count":0,"items":[]}}]}}}}`, progress, progress == "succeeded", id, table)
		return a.Judge(req, nil, http.StatusOK, http.Header{"Content-Type": {"application/json"}}, body, at)
	}
	poll := func(id int, progress, table string) []string {
		ex, problems := show(id, progress, table)
		c.Add("", ex)
		return problems
	}

	// Request 1 runs with a settled table, and is remembered by both while there is room.
	require.Empty(t, poll(1, "processing", "succeeded"))
	var atThird uint64
	for id := 2; id <= n; id++ {
		progress := "processing"
		if id%2 == 0 {
			progress = "succeeded"
		}
		require.Empty(t, poll(id, progress, progress))
		if id == n/3 { // the Auditor's Judger (judgerSize verdicts) is full by then
			atThird = heap.InUse()
		}
		if id%1000 == 0 {
			followed, evicted := a.Followed()
			covFollowed, covEvicted := c.Followed()
			require.Equal(t, []int{followed, evicted}, []int{covFollowed, covEvicted}, "one bound, at every moment")
			require.LessOrEqual(t, followed, bound)
		}
	}
	grown := int64(heap.InUse()) - int64(atThird)
	followed, evicted := a.Followed()
	require.Equal(t, bound, followed)
	require.Equal(t, n-bound, evicted)
	require.Equal(t, n, c.Report().Requests)
	require.Equal(t, n, c.Report().Documents, "coverage counts what the Auditor was shown")

	// Request 1 was forgotten by both at once: the oracle judges its table running again without
	// the history that would break invariant 4, and coverage begins it again, with no move.
	before := c.Report()
	_, problems := show(1, "processing", "processing")
	require.Empty(t, problems, "the oracle forgot request 1")
	after := c.Report()
	require.Equal(t, before.Documents+1, after.Documents, "coverage takes the document from the Auditor's history")
	require.Equal(t, before.Requests+1, after.Requests, "coverage forgot it too")
	require.Equal(t, before.ItemTransitions, after.ItemTransitions, "and counts no move to it")

	// A request still followed keeps its history in both: coverage counts its move, and the
	// oracle knows it completed.
	last := n - 1 // running, seen last
	require.Empty(t, poll(last, "succeeded", "succeeded"))
	require.NotEqual(t, after.RequestTransitions, c.Report().RequestTransitions, "its move is counted")
	require.Contains(t, strings.Join(poll(last, "processing", "processing"), "\n"), "invariant 2 (completed-is-final)")

	t.Logf("heap from %d to %d requests: %+d bytes", n/3, n, grown)
	require.Less(t, grown, int64(4<<20), "the heap does not grow with the requests once the bound is reached")
	runtime.KeepAlive(a)
	runtime.KeepAlive(c)
}

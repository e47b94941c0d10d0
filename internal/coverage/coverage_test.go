package coverage

import (
	"bytes"
	"encoding/json"
	"strings"
	"sync"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/stretchr/testify/require"

	"github.com/conform-harness/conform/export"
	"github.com/conform-harness/conform/judge"
	"github.com/conform-harness/conform/openapi"
)

func embeddedSpec(t *testing.T) *openapi3.T {
	t.Helper()
	doc, err := openapi.Load()
	require.NoError(t, err)
	return doc
}

// status returns a status document of request id with progress p and items (name, progress)
// given in pairs.
func status(id export.ID, p export.Progress, items ...string) *export.Status {
	d := &export.Status{Progress: p, Completed: p.Terminal(), Result: &export.Result{}}
	d.Result.Body.RequestID = id
	for i := 0; i+1 < len(items); i += 2 {
		d.Result.Body.Tables.Items = append(d.Result.Body.Tables.Items, export.Item{ItemName: items[i], Progress: export.Progress(items[i+1])})
	}
	return d
}

func exchange(call export.Call, code int, id export.ID, doc *export.Status) judge.Exchange {
	return judge.Exchange{Call: call, Status: code, Asked: id, Doc: doc}
}

// cancelledRun is a request created, seen processing, cancelled while one table was done and the
// other running, and seen cancelled; then an unknown id and a cancel too late.
func cancelledRun() []judge.Exchange {
	return []judge.Exchange{
		exchange(export.CallCreate, 202, "7", status("7", export.Pending, "A", "pending", "B", "pending")),
		exchange(export.CallStatus, 200, "7", status("7", export.Processing, "A", "succeeded", "B", "processing")),
		exchange(export.CallCancel, 200, "7", status("7", export.Cancelling, "A", "succeeded", "B", "processing")),
		exchange(export.CallStatus, 200, "7", status("7", export.Cancelled, "A", "succeeded", "B", "cancelled")),
		exchange(export.CallStatus, 404, "8", nil),
		exchange(export.CallCancel, 400, "7", nil),
	}
}

func TestResponsesSeenAgainstWhatTheSpecDeclares(t *testing.T) {
	c := New(embeddedSpec(t))
	for _, ex := range cancelledRun() {
		c.Add("", ex)
	}
	c.Add("", exchange(export.CallStatus, 503, "7", nil)) // not declared by the status call
	c.Add("", exchange(export.NoCall, 200, "", nil))      // none of the three calls
	c.Add("", judge.Exchange{Call: export.CallStatus})    // no answer: counts for no response
	r := c.Report()

	require.Equal(t, 9, r.Exchanges)
	require.Equal(t, 11, r.Responses.Declared, "create 202 400 401 429, status 200 401 404, cancel 200 400 401 404")
	require.Equal(t, 5, r.Responses.Seen, "create 202, status 200 and 404, cancel 200 and 400")
	require.InDelta(t, 5.0/11, r.Responses.Share, 1e-9)
	require.Equal(t, 1, r.Responses.Unmatched)

	byCall := map[string]Operation{}
	for _, op := range r.Responses.Operations {
		byCall[op.Call] = op
	}
	require.Equal(t, []Response{{Status: "200", Seen: 2}, {Status: "401"}, {Status: "404", Seen: 1}}, byCall["status"].Responses)
	require.Equal(t, []Response{{Status: "503", Seen: 1}}, byCall["status"].Undeclared)
	require.Equal(t, "POST", byCall["cancel"].Method)
	require.Equal(t, "/custom-actions/cancel/exportRequests/{requestID}", byCall["cancel"].Path)

	require.True(t, r.Covered(0.45))
	require.False(t, r.Covered(0.46))
	require.True(t, New(nil).Report().Covered(1), "nothing declared: nothing to miss")
}

func TestRangesAndDefaultCollectTheirCodes(t *testing.T) {
	declared := []string{"200", "4XX", "default"}
	for status, want := range map[int]string{200: "200", 404: "4XX", 429: "4XX", 503: "default", 201: "default"} {
		got, ok := responseKey(declared, status)
		require.True(t, ok)
		require.Equal(t, want, got, "status %d", status)
	}
	_, ok := responseKey([]string{"200", "404"}, 500)
	require.False(t, ok)
	got, _ := responseKey([]string{"4xx"}, 418)
	require.Equal(t, "4xx", got, "a range's case is the spec's")
}

func TestMovesAndEvidence(t *testing.T) {
	c := New(embeddedSpec(t))
	for _, ex := range cancelledRun() {
		c.Add("", ex)
	}
	r := c.Report()
	require.Equal(t, 4, r.Documents)
	require.Equal(t, 1, r.Requests)

	seen := func(ts []Transition) map[string]int {
		m := map[string]int{}
		for _, t := range ts {
			if t.Seen > 0 {
				m[string(t.From)+"→"+string(t.To)] = t.Seen
			}
		}
		return m
	}
	require.Equal(t, map[string]int{"pending→processing": 1, "processing→cancelling": 1, "cancelling→cancelled": 1}, seen(r.RequestTransitions))
	require.Equal(t, map[string]int{"pending→processing": 1, "processing→cancelled": 1}, seen(r.ItemTransitions))
	require.Equal(t, []Transition{{Of: "item", From: "pending", To: "succeeded", Through: []export.Progress{export.Processing}, Seen: 1}}, r.Skipped,
		"A went from pending to succeeded between two documents: a move the machine makes in two steps, processing unseen")
	require.Empty(t, r.Unmodelled, "a move with a state skipped is not a move the machine does not have")
	require.Len(t, r.RequestTransitions, len(export.RequestTransitions()), "every move of the machine is listed, seen or not")

	evidence := map[int]int{}
	for _, inv := range r.Invariants {
		evidence[inv.Number] = inv.Documents
	}
	require.Equal(t, map[int]int{
		1: 4, // every document
		2: 0, // nothing came after the request completed
		3: 1, // the cancelled document came after cancelling
		4: 2, // after A succeeded
		5: 1, // the cancelled document lists items
		6: 3, // the create's id is its own answer's
		7: 3, // every document after the first
		8: 1, // the cancelled one, after B ran while cancelling
		9: 3, // every document after the first, which listed items
	}, evidence)
}

// skipsAndImpossibles returns the coverage of requests whose documents show moves the machine
// makes through states no document showed, and moves it cannot make at all.
func skipsAndImpossibles(t *testing.T) Report {
	t.Helper()
	c := New(embeddedSpec(t))
	add := func(id export.ID, docs ...*export.Status) {
		for _, d := range docs {
			c.Add("", exchange(export.CallStatus, 200, id, d))
		}
	}
	// Skipped states: processing between two polls; cancelling too, for a fast cancel.
	add("1", status("1", export.Pending, "A", "pending"), status("1", export.Succeeded, "A", "succeeded"))
	add("2", status("2", export.Pending, "A", "pending"), status("2", export.Cancelled, "A", "cancelled"))
	add("3", status("3", export.Processing, "A", "processing"), status("3", export.Cancelled, "A", "cancelled"))
	add("4", status("4", export.Pending, "A", "pending"), status("4", export.Failed, "A", "failed"))
	// Impossible: out of cancelling to succeeded, backwards, out of a terminal state, to a
	// progress the item machine does not have.
	add("5", status("5", export.Cancelling, "A", "pending"), status("5", export.Succeeded, "A", "interrupted"))
	add("6", status("6", export.Processing, "A", "succeeded"), status("6", export.Pending, "A", "pending"))
	return c.Report()
}

// TestSkippedStatesAndImpossibleMoves: a move the machine makes through states that no document
// showed is seen with states skipped, with the states it went through; only a move the machine
// cannot make at all, directly or not, is one it does not have.
func TestSkippedStatesAndImpossibleMoves(t *testing.T) {
	r := skipsAndImpossibles(t)
	through := func(ps ...export.Progress) []export.Progress { return ps }
	require.Equal(t, []Transition{
		{Of: "request", From: "pending", To: "cancelled", Through: through(export.Cancelling), Seen: 1},
		{Of: "request", From: "pending", To: "failed", Through: through(export.Processing), Seen: 1},
		{Of: "request", From: "pending", To: "succeeded", Through: through(export.Processing), Seen: 1},
		{Of: "request", From: "processing", To: "cancelled", Through: through(export.Cancelling), Seen: 1},
		{Of: "item", From: "pending", To: "failed", Through: through(export.Processing), Seen: 1},
		{Of: "item", From: "pending", To: "succeeded", Through: through(export.Processing), Seen: 1},
	}, r.Skipped)
	require.Equal(t, []Transition{
		{Of: "request", From: "cancelling", To: "succeeded", Seen: 1},
		{Of: "request", From: "processing", To: "pending", Seen: 1},
		{Of: "item", From: "pending", To: "interrupted", Seen: 1},
		{Of: "item", From: "succeeded", To: "pending", Seen: 1},
	}, r.Unmodelled)
	for _, tr := range r.RequestTransitions {
		require.Zero(t, tr.Seen, "a skipped move covers none of the moves it stands for: %v", tr)
	}
	for _, tr := range r.ItemTransitions {
		direct := tr.To == export.Cancelled // 2's and 3's tables were cancelled in one move
		require.Equal(t, direct, tr.Seen > 0, "%v", tr)
	}
}

// TestWriteTextTellsSkippedStatesFromImpossibleMoves: the console says a move with states
// skipped as such, and keeps "a move the machine does not have" for those it cannot make.
func TestWriteTextTellsSkippedStatesFromImpossibleMoves(t *testing.T) {
	var text bytes.Buffer
	require.NoError(t, skipsAndImpossibles(t).WriteText(&text))
	out := text.String()
	require.Contains(t, out, "  moves seen with states skipped between two documents: request pending→cancelled (through cancelling, not seen) ×1, ")
	require.Contains(t, out, "item pending→succeeded (through processing, not seen) ×1\n")
	require.Contains(t, out, "  moves the machine does not have: request cancelling→succeeded ×1, request processing→pending ×1, item pending→interrupted ×1, item succeeded→pending ×1\n")
}

func TestScopesKeepRequestsApart(t *testing.T) {
	c := New(embeddedSpec(t))
	c.Add("scenario 1", exchange(export.CallStatus, 200, "7", status("7", export.Processing)))
	c.Add("scenario 2", exchange(export.CallStatus, 200, "7", status("7", export.Cancelled)))
	r := c.Report()
	require.Equal(t, 2, r.Requests)
	require.Empty(t, r.Unmodelled, "no move from one scenario's request to another's")
	for _, tr := range r.RequestTransitions {
		require.Zero(t, tr.Seen, "%v", tr)
	}
}

func TestCollectorIsSafeForConcurrentUse(t *testing.T) {
	c := New(embeddedSpec(t))
	var wg sync.WaitGroup
	for i := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for _, ex := range cancelledRun() {
				c.Add(strings.Repeat("s", i+1), ex)
			}
		}()
	}
	wg.Wait()
	r := c.Report()
	require.Equal(t, 48, r.Exchanges)
	require.Equal(t, 8, r.Requests)
}

func TestWriters(t *testing.T) {
	c := New(embeddedSpec(t))
	for _, ex := range cancelledRun() {
		c.Add("", ex)
	}
	r := c.Report()

	var text bytes.Buffer
	require.NoError(t, r.WriteText(&text))
	out := text.String()
	require.Contains(t, out, "Contract coverage: 5 of 11 declared responses seen (45%), 3 of 6 request moves, 2 of 5 item moves, 8 of 9 invariants had evidence")
	require.Contains(t, out, "  status GET /exportStatuses/{requestID}  ")
	require.Contains(t, out, "200 ✓2 401 · 404 ✓1")
	require.Contains(t, out, "request moves not seen: processing→succeeded, processing→failed, pending→cancelling")
	require.Contains(t, out, "moves seen with states skipped between two documents: item pending→succeeded (through processing, not seen) ×1")
	require.NotContains(t, out, "moves the machine does not have", "a state skipped between two polls is no impossible move")
	require.Contains(t, out, "invariants with no evidence to check: 2 completed-is-final")

	var js bytes.Buffer
	require.NoError(t, r.WriteJSON(&js))
	var back Report
	require.NoError(t, json.Unmarshal(js.Bytes(), &back))
	require.Equal(t, r, back, "the JSON form reads back whole")
	require.Contains(t, js.String(), `"share": 0.45454545454545453`)

	require.Equal(t, "99%", Percent(0.999))
	require.Equal(t, "100%", Percent(1))
}

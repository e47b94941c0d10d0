package fakeserver

import (
	"encoding/json"
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/conform-harness/conform/export"
)

const (
	pending    = export.Pending
	processing = export.Processing
	succeeded  = export.Succeeded
	failed     = export.Failed
	cancelling = export.Cancelling
	cancelled  = export.Cancelled
)

func TestIllegalTransitionsAreErrors(t *testing.T) {
	e := &task{id: "1", progress: succeeded}
	require.ErrorContains(t, e.move(cancelling), "illegal request transition succeeded → cancelling")
	require.Equal(t, succeeded, e.progress, "a refused move must not change the progress")

	it := &item{name: "SHIPMENT", progress: cancelled}
	require.ErrorContains(t, it.move(processing, t0), "illegal item transition cancelled → processing")
	require.Equal(t, cancelled, it.progress)
	require.True(t, it.start.IsZero())
}

// TestExportRunsTablesOneAfterAnother reads a created request at instants around each
// transition: processing at once, each table taking exactly the table duration.
func TestExportRunsTablesOneAfterAnother(t *testing.T) {
	st, clock := newTestStore(t, testSchedule)
	created, err := st.create([]string{"SHIPMENT", "SHIPMENT_REFNUM"})
	require.NoError(t, err)
	id := created.RequestID()
	require.Equal(t, export.ID("1000"), id)
	require.Equal(t, []export.Progress{processing, pending}, progresses(created))

	steps := []struct {
		advance   time.Duration
		request   export.Progress
		items     []export.Progress
		completed bool
	}{
		{0, processing, []export.Progress{processing, pending}, false},
		{2*time.Second - time.Nanosecond, processing, []export.Progress{processing, pending}, false},
		{time.Nanosecond, processing, []export.Progress{succeeded, processing}, false},
		{2*time.Second - time.Nanosecond, processing, []export.Progress{succeeded, processing}, false},
		{time.Nanosecond, succeeded, []export.Progress{succeeded, succeeded}, true},
		{time.Hour, succeeded, []export.Progress{succeeded, succeeded}, true},
	}
	var elapsed time.Duration
	for _, s := range steps {
		clock.Advance(s.advance)
		elapsed += s.advance
		t.Run(fmt.Sprintf("at +%s", elapsed), func(t *testing.T) {
			doc := mustStatus(t, st, id)
			require.Equal(t, s.request, doc.Progress)
			require.Equal(t, s.completed, doc.Completed)
			require.Equal(t, s.items, progresses(doc))
		})
	}

	doc := mustStatus(t, st, id)
	require.Equal(t, &export.DateTime{Value: "2022-11-29T15:21:58Z", Wrapped: true}, doc.StartTime)
	require.Equal(t, "2022-11-29T15:21:58Z", doc.Result.Body.SubmitDate.Value)
	first, second := doc.Items()[0], doc.Items()[1]
	require.Equal(t, "2022-11-29T15:21:58Z", first.StartTime.Value)
	require.Equal(t, "2022-11-29T15:22:00Z", first.EndTime.Value)
	require.Equal(t, "2022-11-29T15:22:00Z", second.StartTime.Value)
	require.Equal(t, "2022-11-29T15:22:02Z", second.EndTime.Value)
	requireOnePart(t, doc, first)
	requireOnePart(t, doc, second)
	require.Equal(t, export.ID("1"), first.ItemID)
	require.Equal(t, export.ID("2"), second.ItemID)
}

// requireOnePart checks the single part of a succeeded item and its counts.
func requireOnePart(tb testing.TB, doc export.Status, it export.Item) {
	tb.Helper()
	require.Equal(tb, succeeded, it.Progress)
	require.Equal(tb, 1, it.Parts.Count)
	require.Len(tb, it.Parts.Items, 1)
	part := it.Parts.Items[0]
	require.Equal(tb, fmt.Sprintf("DATA_%s_%s_1_1.csv", doc.RequestID(), it.ItemName), part.PartName)
	require.Positive(tb, part.RecordCount)
	require.Regexp(tb, `^[0-9a-f]{32}$`, part.Checksum)
	require.NotNil(tb, it.TotalResults)
	require.NotNil(tb, it.TotalRecordCount)
	require.NotNil(tb, it.Offset)
	require.Equal(tb, part.RecordCount, *it.TotalResults)
	require.Equal(tb, part.RecordCount, *it.TotalRecordCount)
	require.Zero(tb, *it.Offset)
}

// TestExportCatchesUpLazily reads a request only long after it finished: every transition
// must still have happened at its own instant.
func TestExportCatchesUpLazily(t *testing.T) {
	st, clock := newTestStore(t, schedule{tableDuration: 3 * time.Second, cancelDelay: time.Second})
	created, err := st.create([]string{"A", "B", "C"})
	require.NoError(t, err)
	clock.Advance(24 * time.Hour)

	doc := mustStatus(t, st, created.RequestID())
	require.Equal(t, succeeded, doc.Progress)
	require.True(t, doc.Completed)
	for i, it := range doc.Items() {
		require.Equal(t, t0.Add(time.Duration(i)*3*time.Second).Format(time.RFC3339), it.StartTime.Value, it.ItemName)
		require.Equal(t, t0.Add(time.Duration(i+1)*3*time.Second).Format(time.RFC3339), it.EndTime.Value, it.ItemName)
		requireOnePart(t, doc, it)
	}
}

func TestExportDocumentIsStable(t *testing.T) {
	st, clock := newTestStore(t, testSchedule)
	created, err := st.create([]string{"SHIPMENT"})
	require.NoError(t, err)
	clock.Advance(time.Minute)
	a := mustStatus(t, st, created.RequestID())
	b := mustStatus(t, st, created.RequestID())
	require.Equal(t, a, b, "two reads of a completed request differ")

	// The same table in another store gets the same count and checksum: runs repeat.
	other, otherClock := newTestStore(t, testSchedule)
	again, err := other.create([]string{"SHIPMENT"})
	require.NoError(t, err)
	otherClock.Advance(time.Minute)
	c := mustStatus(t, other, again.RequestID())
	require.Equal(t, a.Items()[0].Parts, c.Items()[0].Parts)
}

func TestPendingItemEncodesEmptyParts(t *testing.T) {
	st, _ := newTestStore(t, testSchedule)
	created, err := st.create([]string{"A", "B"})
	require.NoError(t, err)
	b, err := json.Marshal(created.Items()[1])
	require.NoError(t, err)
	require.JSONEq(t, `{"itemID":2,"itemName":"B","progress":"pending","parts":{"count":0,"items":[]}}`, string(b))
}

func TestFailTablesEndFailed(t *testing.T) {
	st, clock := newTestStore(t, testSchedule, "SHIPMENT")
	created, err := st.create([]string{"SHIPMENT", "SHIPMENT_REFNUM"})
	require.NoError(t, err)

	clock.Advance(2 * time.Second)
	doc := mustStatus(t, st, created.RequestID())
	require.Equal(t, processing, doc.Progress, "a failed table does not stop the others")
	require.Equal(t, []export.Progress{failed, processing}, progresses(doc))

	clock.Advance(2 * time.Second)
	doc = mustStatus(t, st, created.RequestID())
	require.Equal(t, failed, doc.Progress)
	require.True(t, doc.Completed)
	require.Equal(t, []export.Progress{failed, succeeded}, progresses(doc))
	bad := doc.Items()[0]
	require.Equal(t, export.Parts{Count: 0, Items: []export.Part{}}, bad.Parts)
	require.Nil(t, bad.TotalResults)
	require.Equal(t, "2022-11-29T15:22:00Z", bad.EndTime.Value)
}

func TestStartDelayKeepsRequestPending(t *testing.T) {
	st, clock := newTestStore(t, schedule{startDelay: 5 * time.Second, tableDuration: 2 * time.Second, cancelDelay: time.Second})
	created, err := st.create([]string{"SHIPMENT"})
	require.NoError(t, err)
	require.Equal(t, pending, created.Progress)
	require.Nil(t, created.StartTime, "a pending request has not started")
	require.Equal(t, []export.Progress{pending}, progresses(created))

	clock.Advance(5 * time.Second)
	doc := mustStatus(t, st, created.RequestID())
	require.Equal(t, processing, doc.Progress)
	require.Equal(t, "2022-11-29T15:22:03Z", doc.StartTime.Value)
	require.Equal(t, "2022-11-29T15:21:58Z", doc.Result.Body.SubmitDate.Value)
}

// TestCancel cancels a created request in each state it can be in and follows it to the end.
func TestCancel(t *testing.T) {
	tables := []string{"SHIPMENT", "SHIPMENT_REFNUM"}
	tests := []struct {
		name       string
		sched      schedule
		before     time.Duration // clock advance between create and cancel
		wantBefore export.Progress
		wantErr    string // code of the cancel's error; "" for success
		cancelling []export.Progress
		settled    []export.Progress
		final      export.Progress
	}{
		{
			name:       "pending",
			sched:      schedule{startDelay: time.Minute, tableDuration: 2 * time.Second, cancelDelay: time.Second},
			wantBefore: pending,
			cancelling: []export.Progress{pending, pending},
			settled:    []export.Progress{cancelled, cancelled},
			final:      cancelled,
		},
		{
			name:       "processing the first table",
			sched:      testSchedule,
			before:     time.Second,
			wantBefore: processing,
			cancelling: []export.Progress{processing, pending},
			settled:    []export.Progress{cancelled, cancelled},
			final:      cancelled,
		},
		{
			name:       "processing the second table",
			sched:      testSchedule,
			before:     3 * time.Second,
			wantBefore: processing,
			cancelling: []export.Progress{succeeded, processing},
			settled:    []export.Progress{succeeded, cancelled},
			final:      cancelled,
		},
		{
			name:       "succeeded",
			sched:      testSchedule,
			before:     4 * time.Second, // the instant the last table finishes: already completed
			wantBefore: succeeded,
			wantErr:    CodeInvalidState,
			settled:    []export.Progress{succeeded, succeeded},
			final:      succeeded,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			st, clock := newTestStore(t, tt.sched)
			created, err := st.create(tables)
			require.NoError(t, err)
			id := created.RequestID()
			clock.Advance(tt.before)
			require.Equal(t, tt.wantBefore, mustStatus(t, st, id).Progress)

			err = st.cancel(string(id))
			if tt.wantErr != "" {
				require.Error(t, err)
				require.Equal(t, tt.wantErr, ErrorCode(err), "error: %v", err)
			} else {
				require.NoError(t, err)
				doc := mustStatus(t, st, id)
				require.Equal(t, cancelling, doc.Progress)
				require.False(t, doc.Completed)
				require.Equal(t, tt.cancelling, progresses(doc))

				// Processing stopped at the cancel: nothing moves on while cancelling.
				clock.Advance(time.Second - time.Nanosecond)
				doc = mustStatus(t, st, id)
				require.Equal(t, cancelling, doc.Progress)
				require.Equal(t, tt.cancelling, progresses(doc))
				clock.Advance(time.Nanosecond)
			}
			clock.Advance(time.Hour)
			doc := mustStatus(t, st, id)
			require.Equal(t, tt.final, doc.Progress)
			require.True(t, doc.Completed)
			require.Equal(t, tt.settled, progresses(doc))
		})
	}
}

func TestCancelCompletedIsInvalidState(t *testing.T) {
	tests := []struct {
		name  string
		fail  []string
		final export.Progress
	}{
		{"succeeded", nil, succeeded},
		{"failed", []string{"SHIPMENT"}, failed},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			st, clock := newTestStore(t, testSchedule, tt.fail...)
			created, err := st.create([]string{"SHIPMENT"})
			require.NoError(t, err)
			clock.Advance(time.Minute)
			before := mustStatus(t, st, created.RequestID())
			require.Equal(t, tt.final, before.Progress)

			err = st.cancel(string(created.RequestID()))
			require.Equal(t, CodeInvalidState, ErrorCode(err), "error: %v", err)
			require.ErrorContains(t, err, "invalid state for a cancellation request")
			require.Equal(t, before, mustStatus(t, st, created.RequestID()), "a refused cancel changed the request")
		})
	}
	t.Run("cancelled", func(t *testing.T) {
		st, clock := newTestStore(t, testSchedule)
		created, err := st.create([]string{"SHIPMENT"})
		require.NoError(t, err)
		require.NoError(t, st.cancel(string(created.RequestID())))
		clock.Advance(time.Second)
		require.Equal(t, cancelled, mustStatus(t, st, created.RequestID()).Progress)
		err = st.cancel(string(created.RequestID()))
		require.Equal(t, CodeInvalidState, ErrorCode(err), "error: %v", err)
	})
}

func TestCancelUnknownIsNotFound(t *testing.T) {
	st, _ := newTestStore(t, testSchedule)
	err := st.cancel("1000")
	require.Equal(t, CodeNotFound, ErrorCode(err), "error: %v", err)
	_, err = st.status("1000")
	require.Equal(t, CodeNotFound, ErrorCode(err), "error: %v", err)
}

// TestSecondCancelDoesNotPostponeSettling: settling is due CancelDelay after the first cancel.
func TestSecondCancelDoesNotPostponeSettling(t *testing.T) {
	st, clock := newTestStore(t, schedule{tableDuration: time.Minute, cancelDelay: 10 * time.Second})
	created, err := st.create([]string{"SHIPMENT"})
	require.NoError(t, err)
	id := string(created.RequestID())
	require.NoError(t, st.cancel(id))
	clock.Advance(9 * time.Second)
	require.NoError(t, st.cancel(id), "a request still cancelling has not completed")
	require.Equal(t, cancelling, mustStatus(t, st, created.RequestID()).Progress)
	clock.Advance(time.Second)
	doc := mustStatus(t, st, created.RequestID())
	require.Equal(t, cancelled, doc.Progress)
	require.Equal(t, "2022-11-29T15:22:08Z", doc.Items()[0].EndTime.Value, "a cancelled item that had started ends when the cancellation settles")
}

// TestCancellingIsAlwaysSeenFirst: even a 1ns delay shows cancelling at the cancel's instant.
func TestCancellingIsAlwaysSeenFirst(t *testing.T) {
	st, clock := newTestStore(t, schedule{tableDuration: time.Second, cancelDelay: time.Nanosecond})
	created, err := st.create([]string{"SHIPMENT"})
	require.NoError(t, err)
	require.NoError(t, st.cancel(string(created.RequestID())))
	require.Equal(t, cancelling, mustStatus(t, st, created.RequestID()).Progress)
	clock.Advance(time.Nanosecond)
	require.Equal(t, cancelled, mustStatus(t, st, created.RequestID()).Progress)
}

// TestFinishedItemsSurviveCancellation: an item that succeeded before the cancel keeps its
// progress, times, counts, parts and checksum, byte for byte.
func TestFinishedItemsSurviveCancellation(t *testing.T) {
	st, clock := newTestStore(t, testSchedule, "B")
	created, err := st.create([]string{"A", "B", "C", "D"})
	require.NoError(t, err)
	id := created.RequestID()
	clock.Advance(5 * time.Second) // A succeeded, B failed, C processing
	before := mustStatus(t, st, id)
	require.Equal(t, []export.Progress{succeeded, failed, processing, pending}, progresses(before))

	require.NoError(t, st.cancel(string(id)))
	clock.Advance(time.Minute)
	after := mustStatus(t, st, id)
	require.Equal(t, []export.Progress{succeeded, failed, cancelled, cancelled}, progresses(after))
	require.Equal(t, before.Items()[0], after.Items()[0])
	require.Equal(t, before.Items()[1], after.Items()[1])
	require.Equal(t, before.Items()[2].StartTime, after.Items()[2].StartTime)
	require.Equal(t, export.Parts{Count: 0, Items: []export.Part{}}, after.Items()[2].Parts)
	require.Empty(t, after.Items()[3].StartTime, "an item cancelled before it started has no times")
	require.Empty(t, after.Items()[3].EndTime)
}

func TestGeneratedIDsAreNumericAndDistinct(t *testing.T) {
	st, _ := newTestStore(t, testSchedule)
	seen := map[export.ID]bool{}
	for i := range 5 {
		doc, err := st.create([]string{"T"})
		require.NoError(t, err)
		require.Equal(t, export.ID(fmt.Sprint(firstID+i)), doc.RequestID())
		require.False(t, seen[doc.RequestID()])
		seen[doc.RequestID()] = true
	}
}

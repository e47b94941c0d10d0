package fakeserver

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/conform-harness/conform/export"
)

// TestCompactedExportsAnswerAsBefore takes exports through every way of completing, records
// what each shows and answers just before it is compacted, and requires the compacted form to
// show and answer exactly that.
func TestCompactedExportsAnswerAsBefore(t *testing.T) {
	sched := schedule{startDelay: 300 * time.Millisecond, tableDuration: 700 * time.Millisecond, cancelDelay: 400 * time.Millisecond}
	st, clock := newTestStore(t, sched, "FAILS")
	tableSets := [][]string{{"SHIPMENT"}, {"SHIPMENT", "SHIPMENT_REFNUM"}, {"a<b>&c", "é \u2028", "bad\xffutf8", "FAILS", "LAST"}, {"FAILS"}}
	// Created at one instant, so that nothing completes, and nothing is compacted, before the
	// documents are recorded; cancelled at different instants, all before any could complete.
	var ids []string
	for i := range 40 {
		doc, err := st.create(tableSets[i%len(tableSets)])
		require.NoError(t, err)
		ids = append(ids, string(doc.RequestID()))
	}
	for step := range 7 {
		for i := step; i < len(ids); i += 9 {
			require.NoError(t, st.cancel(ids[i]))
		}
		clock.Advance(150 * time.Millisecond)
	}
	seeded, err := st.put(Seed{Progress: export.Succeeded})
	require.NoError(t, err)
	clock.Advance(time.Minute)

	type seen struct {
		doc       export.Status
		body      string
		cancelErr string
	}
	before := map[string]seen{}
	st.mu.Lock()
	for _, id := range ids {
		e := st.exports[id]
		require.NotNil(t, e, "%s was compacted before anyone looked at it", id)
		require.NoError(t, e.advance(clock.Now()))
		require.True(t, e.completed())
		body, err := json.Marshal(e.document())
		require.NoError(t, err)
		before[id] = seen{doc: e.document(), body: string(body),
			cancelErr: fmt.Sprintf("export request %s is in an invalid state for a cancellation request: it has already completed (%s)", id, e.progress)}
	}
	st.mu.Unlock()

	for _, id := range ids { // the first look compacts
		_, err := st.status(id)
		require.NoError(t, err)
	}
	require.Len(t, st.exports, 1, "only the seeded request keeps its full form")
	require.Contains(t, st.exports, string(seeded))
	require.Len(t, st.done.records, len(ids))

	for _, id := range ids {
		doc, err := st.status(id)
		require.NoError(t, err)
		require.Equal(t, before[id].doc, doc, id)
		body, err := st.appendStatus(nil, id)
		require.NoError(t, err)
		require.Equal(t, before[id].body, string(body), id)
		err = st.cancel(id)
		require.Equal(t, CodeInvalidState, ErrorCode(err), id)
		require.EqualError(t, err, before[id].cancelErr)
	}
	all := st.ids()
	require.Len(t, all, len(ids)+1)
	require.IsIncreasing(t, all)
	_, err = st.put(Seed{ID: ids[0], Progress: export.Processing})
	require.ErrorContains(t, err, "is already taken")
	for _, odd := range []string{"0" + ids[0], ids[0] + " ", "+" + ids[0], "-1", ids[0] + "0", "99999999999999999999"} {
		_, err := st.status(odd)
		require.Equal(t, CodeNotFound, ErrorCode(err), "%q is not %s", odd, ids[0])
	}
}

// TestCreatesCompactWhatCompletedUnseen: a request nobody asks for again is compacted by later
// creates, a few per create, once it has completed; one still running stays as it is.
func TestCreatesCompactWhatCompletedUnseen(t *testing.T) {
	st, clock := newTestStore(t, testSchedule)
	for range 10 {
		_, err := st.create([]string{"SHIPMENT"})
		require.NoError(t, err)
	}
	long, err := st.create(strings.Split("A B C D E F G H", " "))
	require.NoError(t, err)
	clock.Advance(3 * time.Second) // the ten have completed, the long one runs on
	for range 10 {
		_, err := st.create([]string{"SHIPMENT"})
		require.NoError(t, err)
	}
	require.Len(t, st.done.records, 10, "the first ten were compacted by the creates that followed")
	require.Contains(t, st.exports, string(long.RequestID()))
	require.Equal(t, export.Processing, mustStatus(t, st, long.RequestID()).Progress)
}

// TestDefectiveFakesDoNotCompact: with defects every export keeps its full form, so that the
// defects apply to it as they do to the others.
func TestDefectiveFakesDoNotCompact(t *testing.T) {
	st, clock := newTestStore(t, testSchedule)
	st.hooks = newDefectSet([]Defect{DefectStuckCancelling}).hooks
	doc, err := st.create([]string{"SHIPMENT"})
	require.NoError(t, err)
	clock.Advance(time.Minute)
	mustStatus(t, st, doc.RequestID())
	require.Empty(t, st.done.records)
	require.Len(t, st.exports, 1)
}

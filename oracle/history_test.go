package oracle

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/conform-harness/conform/export"
)

// S is shorthand for a history in the tables below.
type S = []export.Status

const (
	pending     = export.Pending
	processing  = export.Processing
	succeeded   = export.Succeeded
	failed      = export.Failed
	interrupted = export.Interrupted
	cancelling  = export.Cancelling
	cancelled   = export.Cancelled
	unknown     = export.Unknown
)

func setChecksum(sum string) func(*export.Status) {
	return func(d *export.Status) { d.Result.Body.Tables.Items[0].Parts.Items[0].Checksum = sum }
}

func TestFineHistories(t *testing.T) {
	runHistoryCases(t, []historyCase{
		{
			name: "seed: processing, cancelling, cancelled",
			docs: S{decode(t, seedProcessing), decode(t, seedCancelling), decode(t, seedCancelling), decode(t, seedCancelled), decode(t, seedCancelled)},
		},
		{
			name: "create, processing, succeeded",
			docs: S{
				doc(pending, shipment(pending), refnum(pending)),
				doc(processing, shipment(processing), refnum(pending)),
				doc(processing, shipment(succeeded), refnum(processing)),
				doc(succeeded, shipment(succeeded), refnum(succeeded)),
				doc(succeeded, shipment(succeeded), refnum(succeeded)),
			},
		},
		{
			name: "created without items, then items appear",
			docs: S{doc(pending), doc(processing, shipment(processing)), doc(succeeded, shipment(succeeded))},
		},
		{
			name: "pending straight to cancelled",
			docs: S{doc(pending, refnum(pending)), doc(cancelled, refnum(cancelled))},
		},
		{
			name: "pending item straight to succeeded, processing straight to cancelled",
			docs: S{doc(processing, shipment(pending), refnum(processing)), doc(cancelled, shipment(succeeded), refnum(cancelled))},
		},
		{
			name: "item failed stays failed while the request runs",
			docs: S{doc(processing, refnum(failed), shipment(processing)), doc(processing, refnum(failed), shipment(succeeded)), doc(failed, refnum(failed), shipment(succeeded))},
		},
		{
			name: "completed request polled again with other times and links",
			docs: S{decode(t, seedCancelled), with(decode(t, seedCancelled), func(d *export.Status) {
				d.StartTime.Value = "2030-01-01T00:00:00Z"
				d.Result.Body.SubmitDate.Value = "2030-01-01T00:00:00Z"
				d.Result.Body.Tables.Items[0].EndTime.Value = "2030-01-01T00:00:00Z"
				d.Links = []export.Link{{Rel: "self", Href: "/exportStatuses/12345"}}
			})},
		},
		{
			name: "completed request polled again with items in another order",
			docs: S{decode(t, seedCancelled), with(decode(t, seedCancelled), func(d *export.Status) {
				items := d.Result.Body.Tables.Items
				items[0], items[1] = items[1], items[0]
			})},
		},
		{
			name: "numeric ids then string ids",
			docs: S{decode(t, seedCancelling), decode(t, `{"progress":"cancelled","completed":true,"result":{"body":{"requestID":"12345","tables":{"items":[
				{"itemID":"1","itemName":"SHIPMENT","progress":"succeeded","totalResults":92,"totalRecordCount":92,
				 "parts":{"count":1,"items":[{"partName":"DATA_12345_SHIPMENT_1_1.csv","recordCount":92,"checksum":"c9179dae8947cb56abaed4f6c2ea09b3"}]}},
				{"itemID":"2","itemName":"SHIPMENT_REFNUM","progress":"cancelled","parts":{"count":0,"items":[]}}]}}}}`)},
		},
		{
			name: "item identified by name when it has no id",
			docs: S{doc(processing, item("", "SHIPMENT", succeeded, part("a.csv", 1, "aa"))), doc(succeeded, item("", "SHIPMENT", succeeded, part("a.csv", 1, "aa")))},
		},
		{
			name: "settled item whose id is later dropped is matched by name",
			docs: S{doc(processing, item("7", "SHIPMENT", succeeded, part("a.csv", 1, "aa"))), doc(processing, item("", "SHIPMENT", succeeded, part("a.csv", 1, "aa")))},
		},
		{
			name: "request progress unknown for a while",
			docs: S{doc(processing, refnum(processing)), doc(unknown, refnum(unknown)), doc(processing, refnum(processing)), doc(succeeded, refnum(succeeded))},
		},
	})
}

func TestCompletedIsFinal(t *testing.T) {
	done := doc(succeeded, shipment(succeeded), refnum(succeeded))
	runHistoryCases(t, []historyCase{
		{
			name: "completed then checksum changed",
			docs: S{done, with(done, setChecksum("00000000000000000000000000000000"))},
			// The item was also succeeded, so invariant 4 holds the same change.
			want: []int{2, 4}, check: 2, prevSeq: 1,
			msg: []string{"item 1 (SHIPMENT)", "checksum", `"c9179dae8947cb56abaed4f6c2ea09b3" → "00000000000000000000000000000000"`},
		},
		{
			name: "Previous is the last completed document",
			docs: S{doc(processing, shipment(processing), refnum(processing)), done, done, with(done, setChecksum("ff"))},
			want: []int{2, 4}, check: 2, prevSeq: 3, msg: []string{"checksum"},
		},
		{
			name: "succeeded then processing again",
			docs: S{done, doc(processing, shipment(succeeded), refnum(succeeded))},
			// The backward move is not repeated under 7: it is the same pair.
			want: []int{2}, check: 2, prevSeq: 1, msg: []string{`progress "succeeded" → "processing"`, "completed true → false"},
		},
		{
			name: "cancelled then cancelling again",
			docs: S{decode(t, seedCancelling), decode(t, seedCancelled), decode(t, seedCancelling)},
			want: []int{2}, check: 2, prevSeq: 2,
			msg: []string{`progress "cancelled" → "cancelling"`, `item 2 (SHIPMENT_REFNUM) progress "cancelled" → "pending"`},
		},
		{
			name: "failed then succeeded",
			docs: S{doc(failed, refnum(failed)), doc(succeeded, refnum(failed))},
			want: []int{2}, check: 2, prevSeq: 1, msg: []string{`progress "failed" → "succeeded"`},
		},
		{
			name: "completed flag dropped",
			docs: S{done, with(done, func(d *export.Status) { d.Completed = false })},
			want: []int{1, 2}, check: 2, prevSeq: 1, msg: []string{"completed true → false"},
		},
		{
			name: "item record count changed",
			docs: S{done, with(done, func(d *export.Status) { n := int64(93); d.Result.Body.Tables.Items[0].TotalRecordCount = &n })},
			want: []int{2}, check: 2, prevSeq: 1, msg: []string{"item 1 (SHIPMENT) totalRecordCount 92 → 93"},
		},
		{
			name: "item added",
			docs: S{done, doc(succeeded, shipment(succeeded), refnum(succeeded), item("3", "ORDER_RELEASE", succeeded))},
			want: []int{2}, check: 2, prevSeq: 1, msg: []string{"new item 3 (ORDER_RELEASE)"},
		},
		{
			name: "item removed",
			docs: S{done, doc(succeeded, shipment(succeeded))},
			want: []int{2, 4}, check: 2, prevSeq: 1, msg: []string{"item 2 (SHIPMENT_REFNUM) is missing"},
		},
		{
			name: "result body dropped",
			docs: S{done, with(done, func(d *export.Status) { d.Result = nil })},
			want: []int{2, 6, 4, 4}, check: 2, prevSeq: 1, msg: []string{"result body is missing", "item 1 (SHIPMENT) is missing"},
		},
		{
			name: "cancelled item back to pending under a cancelled request",
			docs: S{decode(t, seedCancelled), with(decode(t, seedCancelled), func(d *export.Status) { d.Result.Body.Tables.Items[1].Progress = pending })},
			// 7 is not repeated for the item: 2 already names its move against the same document.
			want: []int{2, 5}, check: 2, prevSeq: 1, msg: []string{`item 2 (SHIPMENT_REFNUM) progress "cancelled" → "pending"`},
		},
		{
			name: "part record count changed",
			docs: S{done, with(done, func(d *export.Status) { d.Result.Body.Tables.Items[0].Parts.Items[0].RecordCount = 91 })},
			want: []int{2, 4}, check: 2, prevSeq: 1, msg: []string{`item 1 (SHIPMENT) part "DATA_12345_SHIPMENT_1_1.csv" recordCount 92 → 91`},
		},
		{
			name: "interrupted request whose interrupted item resumes",
			docs: S{doc(interrupted, refnum(interrupted)), doc(interrupted, refnum(processing))},
			want: []int{2}, check: 2, prevSeq: 1, msg: []string{`item 2 (SHIPMENT_REFNUM) progress "interrupted" → "processing"`},
		},
	})
}

func TestCancellingLeadsToCancelled(t *testing.T) {
	running := doc(cancelling, shipment(succeeded), refnum(pending))
	runHistoryCases(t, []historyCase{
		{
			name: "cancelling then processing",
			docs: S{decode(t, seedProcessing), decode(t, seedCancelling), decode(t, seedProcessing)},
			// 7 would say the same about the same pair, so it stays quiet.
			want: []int{3}, check: 3, prevSeq: 2, msg: []string{`"cancelling"`, `now "processing"`},
		},
		{
			name: "cancelling then succeeded",
			docs: S{running, doc(succeeded, shipment(succeeded), refnum(succeeded))},
			// The pending table that went on to succeed is a second fact: it should have ended cancelled.
			want: []int{3, 8}, check: 3, prevSeq: 1, msg: []string{`now "succeeded"`},
		},
		{
			name: "cancelling then pending",
			docs: S{running, doc(pending, shipment(succeeded), refnum(pending))},
			want: []int{3}, check: 3, prevSeq: 1, msg: []string{`now "pending"`},
		},
		{
			name: "cancelling then unknown",
			docs: S{running, doc(unknown, shipment(succeeded), refnum(pending))},
			want: []int{3}, check: 3, prevSeq: 1, msg: []string{`now "unknown"`},
		},
		{
			name: "cancelling then interrupted",
			docs: S{running, doc(interrupted, shipment(succeeded), refnum(interrupted))},
			want: []int{3, 8}, check: 3, prevSeq: 1, msg: []string{`now "interrupted"`},
		},
		{
			name: "cancelling, cancelled, then processing",
			docs: S{running, doc(cancelled, shipment(succeeded), refnum(cancelled)), doc(processing, shipment(succeeded), refnum(cancelled))},
			// 2 names the cancelled document, 3 the cancelling one: two facts.
			want: []int{2, 3}, check: 3, prevSeq: 1, msg: []string{`now "processing"`},
		},
		{
			name: "Previous is the last cancelling document",
			docs: S{doc(processing, refnum(pending)), doc(cancelling, refnum(pending)), doc(cancelling, refnum(pending)), doc(cancelling, refnum(unknown)), doc(processing, refnum(processing))},
			want: []int{3}, check: 3, prevSeq: 4, msg: []string{`now "processing"`},
		},
	})
}

func TestSettledItemIsFinal(t *testing.T) {
	run := func(items ...export.Item) export.Status { return doc(processing, items...) }
	two := item("1", "SHIPMENT", succeeded, part("a.csv", 10, "aa"), part("b.csv", 5, "bb"))
	runHistoryCases(t, []historyCase{
		{
			name: "succeeded item back to pending",
			docs: S{run(shipment(succeeded), refnum(processing)), run(shipment(pending), refnum(processing))},
			// The backward move is the same fact against the same document: not repeated under 7.
			want: []int{4}, check: 4, prevSeq: 1, msg: []string{"item 1 (SHIPMENT)", `progress "succeeded" → "pending"`},
		},
		{
			name: "succeeded item parts changed",
			docs: S{run(shipment(succeeded)), with(run(shipment(succeeded)), setChecksum("0123"))},
			want: []int{4}, check: 4, prevSeq: 1, msg: []string{"item 1 (SHIPMENT)", `checksum "c9179dae8947cb56abaed4f6c2ea09b3" → "0123"`},
		},
		{
			name: "failed item becomes succeeded",
			docs: S{run(refnum(failed)), run(refnum(succeeded))},
			want: []int{4}, check: 4, prevSeq: 1, msg: []string{"item 2 (SHIPMENT_REFNUM)", `progress "failed" → "succeeded"`},
		},
		{
			name: "succeeded item becomes cancelled",
			docs: S{decode(t, seedCancelling), with(decode(t, seedCancelled), func(d *export.Status) { d.Result.Body.Tables.Items[0].Progress = cancelled })},
			want: []int{4}, check: 4, prevSeq: 1, msg: []string{"item 1 (SHIPMENT)", `progress "succeeded" → "cancelled"`},
		},
		{
			name: "succeeded item disappears",
			docs: S{run(shipment(succeeded), refnum(processing)), run(refnum(processing))},
			want: []int{4}, check: 4, prevSeq: 1, msg: []string{"item 1 (SHIPMENT)", "missing"},
		},
		{
			name: "part count changed",
			docs: S{run(two), run(with(run(two), func(d *export.Status) { d.Result.Body.Tables.Items[0].Parts.Count = 3 }).Result.Body.Tables.Items[0])},
			want: []int{4}, check: 4, prevSeq: 1, msg: []string{"parts.count 2 → 3"},
		},
		{
			name: "part removed",
			docs: S{run(two), run(item("1", "SHIPMENT", succeeded, part("a.csv", 10, "aa"), part("a.csv", 10, "aa")))},
			want: []int{4}, check: 4, prevSeq: 1, msg: []string{`part "b.csv" is missing`, `new part "a.csv"`},
		},
		{
			name: "part record count changed",
			docs: S{run(two), run(item("1", "SHIPMENT", succeeded, part("a.csv", 10, "aa"), part("b.csv", 6, "bb")))},
			want: []int{4}, check: 4, prevSeq: 1, msg: []string{`part "b.csv" recordCount 5 → 6`},
		},
		{
			name: "parts reordered is no change",
			docs: S{run(two), run(item("1", "SHIPMENT", succeeded, part("b.csv", 5, "bb"), part("a.csv", 10, "aa")))},
		},
		{
			name: "item without id identified by name",
			docs: S{run(item("", "SHIPMENT", succeeded, part("a.csv", 1, "aa"))), run(item("", "SHIPMENT", failed, part("a.csv", 1, "aa")))},
			want: []int{4}, check: 4, prevSeq: 1, msg: []string{`item "SHIPMENT"`, `"succeeded" → "failed"`},
		},
		{
			name: "same name under another id is another item",
			docs: S{run(item("1", "SHIPMENT", succeeded)), run(item("9", "SHIPMENT", succeeded))},
			want: []int{4}, check: 4, prevSeq: 1, msg: []string{"item 1 (SHIPMENT)", "missing"},
		},
		{
			name: "duplicate item loses one copy",
			docs: S{run(item("1", "SHIPMENT", succeeded), item("1", "SHIPMENT", succeeded)), run(item("1", "SHIPMENT", succeeded))},
			want: []int{4}, check: 4, prevSeq: 1, msg: []string{"item 1 (SHIPMENT)", "missing"},
		},
		{
			name: "Previous is the last document that showed the item settled",
			docs: S{run(refnum(processing)), run(shipment(succeeded), refnum(processing)), run(shipment(succeeded), refnum(processing)), run(shipment(processing), refnum(processing))},
			want: []int{4}, check: 4, prevSeq: 3, msg: []string{"item 1 (SHIPMENT)"},
		},
	})
}

func TestProgressMovesForward(t *testing.T) {
	runHistoryCases(t, []historyCase{
		{
			name: "item processing then pending",
			docs: S{doc(processing, shipment(succeeded), refnum(processing)), doc(processing, shipment(succeeded), refnum(pending))},
			want: []int{7}, check: 7, prevSeq: 1, msg: []string{"item 2 (SHIPMENT_REFNUM)", `"processing" → "pending"`},
		},
		{
			name: "request processing then pending",
			docs: S{doc(processing, refnum(processing)), doc(pending, refnum(processing))},
			want: []int{7}, check: 7, prevSeq: 1, msg: []string{"request progress", `"processing" → "pending"`},
		},
		{
			name: "request processing then pending with an unknown in between",
			docs: S{doc(processing, refnum(processing)), doc(unknown, refnum(processing)), doc(pending, refnum(processing))},
			want: []int{7}, check: 7, prevSeq: 1, msg: []string{"request progress", `"processing" → "pending"`},
		},
		{
			name: "item processing, unknown, pending",
			docs: S{doc(processing, refnum(processing)), doc(processing, refnum(unknown)), doc(processing, refnum(pending))},
			want: []int{7}, check: 7, prevSeq: 1, msg: []string{"item 2 (SHIPMENT_REFNUM)", `"processing" → "pending"`},
		},
		{
			name: "cancelled item resumes while the request runs",
			docs: S{doc(processing, refnum(cancelled)), doc(processing, refnum(processing))},
			want: []int{7}, check: 7, prevSeq: 1, msg: []string{"item 2 (SHIPMENT_REFNUM)", `"cancelled" → "processing"`},
		},
		{
			name: "item moves between terminal values",
			docs: S{doc(processing, refnum(interrupted)), doc(processing, refnum(succeeded))},
			want: []int{7}, check: 7, prevSeq: 1, msg: []string{"item 2 (SHIPMENT_REFNUM)", `"interrupted" → "succeeded"`},
		},
		{
			name: "item cancelled then misspelt",
			docs: S{doc(processing, refnum(cancelled)), doc(processing, refnum("canceled"))},
			want: []int{1, 7}, check: 7, prevSeq: 1, msg: []string{"item 2 (SHIPMENT_REFNUM)", `"cancelled" → "canceled"`},
		},
		{
			name: "item processing then unknown is not judged",
			docs: S{doc(processing, refnum(processing)), doc(processing, refnum(unknown))},
		},
	})
}

// TestRunningItemsEndCancelled breaks invariant 8 each way: a cancelled request shows an item
// that is neither settled nor cancelled, and an item seen running while the request was
// cancelling ends some other way than cancelled.
func TestRunningItemsEndCancelled(t *testing.T) {
	stopping := doc(cancelling, shipment(succeeded), refnum(pending))
	runHistoryCases(t, []historyCase{
		// Fine histories: each is a near miss of one of the cases below.
		{
			name: "running table ends cancelled, finished table stays succeeded",
			docs: S{stopping, doc(cancelled, shipment(succeeded), refnum(cancelled))},
		},
		{
			name: "table that finished before the cancellation was seen may stay succeeded",
			docs: S{doc(processing, shipment(processing), refnum(pending)), doc(cancelled, shipment(succeeded), refnum(cancelled))},
		},
		{
			name: "table not seen running while cancelling may have finished",
			docs: S{doc(processing, refnum(processing)), doc(cancelling, refnum(unknown)), doc(cancelled, refnum(succeeded))},
		},
		{
			name: "interrupted table of a request that was never cancelled",
			docs: S{doc(processing, refnum(processing)), doc(interrupted, refnum(interrupted))},
		},

		// On one document: a cancelled request with a table neither settled nor cancelled.
		{
			name: "cancelled request with an interrupted table",
			docs: S{doc(cancelled, shipment(succeeded), refnum(interrupted))},
			want: []int{8}, check: 8, msg: []string{"item 2 (SHIPMENT_REFNUM)", `is "interrupted"`, "succeeded, failed or cancelled"},
		},
		{
			name: "cancelled request with a table still unknown",
			docs: S{doc(cancelled, refnum(unknown))},
			want: []int{8}, check: 8, msg: []string{"item 2 (SHIPMENT_REFNUM)", `is "unknown"`},
		},
		{
			name: "cancelled request with a table cancelling",
			docs: S{doc(cancelled, refnum(cancelling))},
			want: []int{8}, check: 8, msg: []string{`is "cancelling"`},
		},
		{
			name: "a table's misspelt progress is invariant 1's, not said twice",
			docs: S{doc(cancelled, refnum("canceled"))},
			want: []int{1},
		},
		{
			name: "running table ends interrupted: said once, on the cancelled document",
			docs: S{stopping, doc(cancelled, shipment(succeeded), refnum(interrupted))},
			want: []int{8}, check: 8, msg: []string{`is "interrupted"`},
		},

		// Against the history: a table seen running while the request was cancelling.
		{
			name: "pending table ends succeeded",
			docs: S{stopping, doc(cancelled, shipment(succeeded), refnum(succeeded))},
			want: []int{8}, check: 8, prevSeq: 1,
			msg: []string{"item 2 (SHIPMENT_REFNUM)", `was "pending" while the request was "cancelling" but ended "succeeded"`},
		},
		{
			name: "processing table ends failed",
			docs: S{doc(cancelling, refnum(processing)), doc(cancelled, refnum(failed))},
			want: []int{8}, check: 8, prevSeq: 1, msg: []string{`was "processing"`, `ended "failed"`},
		},
		{
			name: "table succeeds while the request is still cancelling",
			docs: S{doc(processing, refnum(processing)), doc(cancelling, refnum(processing)), doc(cancelling, refnum(succeeded))},
			want: []int{8}, check: 8, prevSeq: 2, msg: []string{`ended "succeeded"`},
		},
		{
			name: "table interrupted while the request is still cancelling",
			docs: S{doc(cancelling, refnum(pending)), doc(cancelling, refnum(interrupted))},
			want: []int{8}, check: 8, prevSeq: 1, msg: []string{`ended "interrupted"`},
		},
		{
			name: "Previous is the last cancelling document that showed the table running",
			docs: S{doc(cancelling, refnum(pending)), doc(cancelling, refnum(processing)), doc(cancelling, refnum(processing)),
				doc(cancelling, refnum(unknown)), doc(cancelled, refnum(succeeded))},
			want: []int{8}, check: 8, prevSeq: 3, msg: []string{`was "processing"`},
		},
	})
}

func TestRunningItemEndingWronglyIsReportedOnce(t *testing.T) {
	o := New()
	require.Empty(t, o.Observe(asked, observation(1, doc(cancelling, refnum(processing)))))
	require.Equal(t, []int{8}, invariants(o.Observe(asked, observation(2, doc(cancelling, refnum(succeeded))))))
	// The table's move out of processing has been judged; it did not move again.
	require.Empty(t, o.Observe(asked, observation(3, doc(cancelling, refnum(succeeded)))))
	require.Empty(t, o.Observe(asked, observation(4, doc(cancelled, refnum(succeeded)))))
}

func TestCheckHistoryOfOneDocument(t *testing.T) {
	prev := observation(1, decode(t, seedCancelling))
	cur := observation(2, decode(t, seedProcessing))
	vs := CheckHistory([]Observation{prev}, cur)
	require.Equal(t, []int{3}, invariants(vs))
	require.Equal(t, 1, vs[0].Previous.Seq)
	require.Nil(t, CheckHistory(nil, cur), "nothing to compare with")
}

func TestRepeatedBrokenDocumentIsReportedOnce(t *testing.T) {
	o := New()
	require.Empty(t, o.Observe(asked, observation(1, doc(processing, refnum(succeeded)))))
	require.Equal(t, []int{4}, invariants(o.Observe(asked, observation(2, doc(processing, refnum(failed))))))
	// The failed item is now what was last seen settled; it did not change again.
	require.Empty(t, o.Observe(asked, observation(3, doc(processing, refnum(failed)))))
	require.Empty(t, o.Observe(asked, observation(4, doc(failed, refnum(failed)))))
}

func TestForward(t *testing.T) {
	all := []export.Progress{pending, processing, cancelling, succeeded, failed, interrupted, cancelled}
	allowed := map[export.Progress][]export.Progress{
		pending:    {pending, processing, cancelling, succeeded, failed, interrupted, cancelled},
		processing: {processing, cancelling, succeeded, failed, interrupted, cancelled},
		cancelling: {cancelling, cancelled},
	}
	for _, from := range all {
		for _, to := range all {
			want := from == to
			for _, a := range allowed[from] {
				want = want || a == to
			}
			require.Equal(t, want, forward(from, to), "%s → %s", from, to)
		}
	}
	require.True(t, forward(processing, unknown), "a move to a value without a place is not judged")
	require.False(t, forward(succeeded, unknown), "nothing leaves a terminal value")
}

func TestTerminalProgressCountsAsCompletedWithoutTheFlag(t *testing.T) {
	o := New()
	flagless := with(doc(succeeded, refnum(succeeded)), func(d *export.Status) { d.Completed = false })
	require.Equal(t, []int{1}, invariants(o.Observe(asked, observation(1, flagless))))
	vs := o.Observe(asked, observation(2, doc(processing, refnum(succeeded))))
	require.Equal(t, []int{2}, invariants(vs), "breaches:\n%s", describe(vs))
	require.Contains(t, vs[0].Message, `progress "succeeded" → "processing"`)
}

package oracle

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/conform-harness/conform/export"
)

// extra is a table that no document of the request listed before: already succeeded, with a
// file, as a server that makes one up after the cancel would show it.
func extra(p export.Progress) export.Item {
	if p != succeeded {
		return item("3", "ORDER_RELEASE", p)
	}
	return item("3", "ORDER_RELEASE", p, part("DATA_12345_ORDER_RELEASE_1_1.csv", 7, "0cc175b9c0f1b6a831c399e269772661"))
}

// TestItemsAreKept breaks invariant 9 (items-are-kept) both ways, issue 16's points 1 and 2:
// items that vanish when a cancellation settles, and an item that appears after the cancel; and
// keeps the near misses fine.
func TestItemsAreKept(t *testing.T) {
	stopping := doc(cancelling, shipment(succeeded), refnum(pending), extra(processing))
	runHistoryCases(t, []historyCase{
		{
			name: "running items vanish when the cancellation settles",
			docs: S{stopping, doc(cancelled, shipment(succeeded))},
			want: []int{9, 9}, check: 9, prevSeq: 1,
			msg: []string{"item 2 (SHIPMENT_REFNUM)", `("pending")`, "missing from the document"},
		},
		{
			name: "an item vanishes while the request runs",
			docs: S{doc(processing, shipment(processing), refnum(pending)), doc(processing, shipment(processing))},
			want: []int{9}, check: 9, prevSeq: 1, msg: []string{"item 2 (SHIPMENT_REFNUM)", "missing"},
		},
		{
			name: "Previous is the last document that listed the item",
			docs: S{doc(processing, refnum(pending)), doc(cancelling, refnum(pending)), doc(cancelling, refnum(pending)), doc(cancelled)},
			want: []int{9}, check: 9, prevSeq: 3, msg: []string{"item 2 (SHIPMENT_REFNUM)"},
		},
		{
			name: "an item listed without its id is still missing",
			docs: S{doc(processing, item("", "SHIPMENT_REFNUM", pending)), doc(processing)},
			want: []int{9}, check: 9, prevSeq: 1, msg: []string{`item "SHIPMENT_REFNUM"`},
		},
		{
			name: "a new table, already succeeded, after the cancel",
			docs: S{doc(cancelling, shipment(succeeded), refnum(pending)), doc(cancelled, shipment(succeeded), refnum(cancelled), extra(succeeded))},
			want: []int{9}, check: 9, prevSeq: 1, msg: []string{"item 3 (ORDER_RELEASE)", `("succeeded")`, "is new", `"cancelling"`},
		},
		{
			name: "a new table while still cancelling",
			docs: S{doc(cancelling, refnum(pending)), doc(cancelling, refnum(pending), extra(pending))},
			want: []int{9}, check: 9, prevSeq: 1, msg: []string{"item 3 (ORDER_RELEASE)", "is new"},
		},
		{
			name: "a request that listed no tables while cancelling shows a succeeded one",
			docs: S{doc(pending), doc(cancelling), doc(cancelled, extra(succeeded))},
			want: []int{9}, check: 9, prevSeq: 2, msg: []string{"item 3 (ORDER_RELEASE)", "is new"},
		},
		// Said once: what 2 or 4 already say is not said again under 9.
		{
			name: "a settled item that vanishes is invariant 4's",
			docs: S{stopping, doc(cancelling, refnum(pending), extra(processing))},
			want: []int{4}, check: 4, prevSeq: 1, msg: []string{"item 1 (SHIPMENT)", "missing"},
		},
		{
			name: "an item that vanishes from a completed request is invariant 2's",
			docs: S{doc(cancelled, refnum(cancelled)), doc(cancelled)},
			want: []int{2}, check: 2, prevSeq: 1, msg: []string{"item 2 (SHIPMENT_REFNUM) is missing"},
		},
		{
			name: "a new item on a completed request is invariant 2's",
			docs: S{doc(cancelling, refnum(pending)), doc(cancelled, refnum(cancelled)), doc(cancelled, refnum(cancelled), extra(succeeded))},
			want: []int{2}, check: 2, prevSeq: 2, msg: []string{"new item 3 (ORDER_RELEASE)"},
		},

		// Fine histories, each a near miss of one above.
		{
			name: "no tables while pending, then listed",
			docs: S{doc(pending), doc(processing, shipment(processing), refnum(pending)), doc(succeeded, shipment(succeeded), refnum(succeeded))},
		},
		{
			name: "the cancelling document is the first to list a table",
			docs: S{doc(processing, shipment(processing)), doc(cancelling, shipment(processing), refnum(pending)), doc(cancelled, shipment(cancelled), refnum(cancelled))},
		},
		{
			name: "cancelled before any table was listed, which then show cancelled",
			docs: S{doc(pending), doc(cancelling), doc(cancelled, shipment(cancelled), refnum(cancelled))},
		},
		{
			name: "cancelled before any table was listed, none ever listed",
			docs: S{doc(pending), doc(cancelling), doc(cancelled)},
		},
		{
			name: "items in another order",
			docs: S{doc(processing, shipment(processing), refnum(pending)), doc(processing, refnum(pending), shipment(succeeded))},
		},
		{
			name: "ids as numbers, then as strings",
			docs: S{
				decode(t, seedCancelling),
				decode(t, strings.NewReplacer(`"itemID": 1,`, `"itemID": "1",`, `"itemID": 2,`, `"itemID": "2",`, `"requestID": 12345`, `"requestID": "12345"`).Replace(seedCancelled)),
			},
		},
		{
			name: "an item that drops its id is still the same item",
			docs: S{doc(processing, refnum(pending)), doc(processing, item("", "SHIPMENT_REFNUM", processing))},
		},
	})
}

// TestItemsAreKeptOnEveryLaterDocument: an item once listed must be in every later document,
// not only the next one; when it comes back its moves are judged against the last document that
// had it.
func TestItemsAreKeptOnEveryLaterDocument(t *testing.T) {
	o := New()
	require.Empty(t, o.Observe(asked, observation(1, doc(processing, refnum(processing)))))
	vs := o.Observe(asked, observation(2, doc(processing)))
	require.Equal(t, []int{9}, invariants(vs), describe(vs))
	vs = o.Observe(asked, observation(3, doc(processing)))
	require.Equal(t, []int{9}, invariants(vs), "still missing: %s", describe(vs))
	require.Equal(t, 1, vs[0].Previous.Seq, "the last document that listed it")
	vs = o.Observe(asked, observation(4, doc(processing, refnum(pending))))
	require.Equal(t, []int{7}, invariants(vs), "back, and moved backwards: %s", describe(vs))
	require.Contains(t, vs[0].Message, `"processing" → "pending"`)
}

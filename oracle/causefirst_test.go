package oracle

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/conform-harness/conform/export"
)

// TestCauseFirst: when one document breaks things of the request and of its items, the
// request's come first, whatever their numbers, so that a step error or a proxy's log starts
// with the cause.
func TestCauseFirst(t *testing.T) {
	five := func(p export.Progress) []export.Item {
		var items []export.Item
		for _, name := range []string{"A", "B", "C", "D", "E"} {
			items = append(items, item(name, name, p))
		}
		return items
	}
	runHistoryCases(t, []historyCase{
		{
			// Issue 16's example: cancelling → succeeded (3) before the lines of its tables; one
			// of them also has a progress nobody knows (1, a smaller number).
			name: "cancelling then succeeded, with five tables",
			docs: S{
				doc(cancelling, five(processing)...),
				doc(succeeded, append(five(succeeded)[:4], item("E", "E", "done"))...),
			},
			want: []int{3, 1, 8, 8, 8, 8}, check: 3, prevSeq: 1, msg: []string{`was "cancelling" but is now "succeeded"`},
		},
		{
			name: "request moves back while a settled table changes",
			docs: S{doc(processing, shipment(succeeded)), doc(pending, shipment(processing))},
			want: []int{7, 4}, check: 7, prevSeq: 1, msg: []string{"request progress"},
		},
		{
			name: "wrong id on a cancelled request with a table still pending",
			docs: S{with(doc(cancelled, refnum(pending)), func(d *export.Status) { d.Result.Body.RequestID = "777" })},
			want: []int{6, 5}, check: 6, msg: []string{"777"},
		},
	})
}

// TestBreachSaysWhatItIsAbout: each breach says whether it is about the request or about one of
// its items, which Observe orders the cause first by.
func TestBreachSaysWhatItIsAbout(t *testing.T) {
	o := New()
	require.Empty(t, o.Observe(asked, observation(1, doc(cancelling, shipment(succeeded), refnum(pending)))))
	vs := o.Observe(asked, observation(2, doc(succeeded, shipment(succeeded), refnum(succeeded), item("", "", "done"))))
	require.Equal(t, []int{3, 1, 8, 9}, invariants(vs), describe(vs))
	require.Empty(t, vs[0].Item, "3 is about the request")
	require.Equal(t, "index:2", vs[1].Item, "an item with neither id nor name, by its place")
	require.Equal(t, "id:2", vs[2].Item)
	require.Equal(t, ItemKey(item("", "", "done"), 2), vs[3].Item)
}

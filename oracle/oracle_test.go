package oracle

import (
	"fmt"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/conform-harness/conform/export"
)

func TestHistoriesArePerAskedID(t *testing.T) {
	o := New()
	other := export.ID("777")
	otherDoc := func(p export.Progress) export.Status {
		return with(doc(p, refnum(p)), func(d *export.Status) { d.Result.Body.RequestID = other })
	}

	require.Empty(t, o.Observe(asked, observation(1, doc(cancelling, refnum(pending)))))
	require.Empty(t, o.Observe(other, observation(1, otherDoc(succeeded))))
	// Each would break 3 or 2 if it were compared with the other id's document.
	require.Empty(t, o.Observe(other, observation(2, otherDoc(succeeded))))
	require.Empty(t, o.Observe(asked, observation(2, doc(cancelled, refnum(cancelled)))))

	require.Len(t, recorded(o, asked), 2)
	require.Len(t, recorded(o, other), 2)
	require.Nil(t, recorded(o, "never-asked"))

	// And the same oracle does catch the break within one id.
	vs := o.Observe(other, observation(3, otherDoc(processing)))
	require.Equal(t, []int{2, 4}, invariants(vs))
}

func TestObserveRecordsInOrderAndNumbers(t *testing.T) {
	var o Oracle // the zero value is ready
	require.Empty(t, o.Observe(asked, Observation{Doc: doc(pending)}))
	require.Empty(t, o.Observe(asked, Observation{Seq: 42, Doc: doc(processing)}))
	require.NotEmpty(t, o.Observe(asked, Observation{Doc: doc(pending)}), "a broken document is still returned as broken")

	h := recorded(&o, asked)
	require.Len(t, h, 3)
	require.Equal(t, []int{1, 42, 3}, []int{h[0].Seq, h[1].Seq, h[2].Seq}, "Seq defaults to the position in the history; a caller's Seq is kept")
	require.Equal(t, []export.Progress{pending, processing, pending}, []export.Progress{h[0].Doc.Progress, h[1].Doc.Progress, h[2].Doc.Progress},
		"a broken document is recorded too")
}

func TestOracleKeepsItsOwnCopies(t *testing.T) {
	o := New()
	d := doc(processing, shipment(succeeded))
	raw := []byte(`{"progress":"processing"}`)
	require.Empty(t, o.Observe(asked, Observation{Doc: d, Raw: raw}))

	// The caller reuses its document and buffer.
	d.Result.Body.Tables.Items[0].Parts.Items[0].Checksum = "changed"
	*d.Result.Body.Tables.Items[0].TotalRecordCount = 1
	raw[2] = 'X'

	h := recorded(o, asked)
	it := h[0].Doc.Result.Body.Tables.Items[0]
	require.Equal(t, "c9179dae8947cb56abaed4f6c2ea09b3", it.Parts.Items[0].Checksum)
	require.Equal(t, int64(92), *it.TotalRecordCount)
	require.Equal(t, succeeded, it.Progress)
	require.Equal(t, `{"progress":"processing"}`, string(h[0].Raw))
	require.Empty(t, o.Observe(asked, Observation{Doc: doc(processing, shipment(succeeded))}), "the recorded item is unchanged")
}

func TestBreachDocumentsAreCopies(t *testing.T) {
	o := New()
	require.Empty(t, o.Observe(asked, observation(1, doc(succeeded, shipment(succeeded)))))
	vs := o.Observe(asked, observation(2, doc(processing, shipment(succeeded))))
	require.Len(t, vs, 1)
	vs[0].Previous.Doc.Result.Body.Tables.Items[0].Progress = failed
	vs[0].Current.Doc.Result.Body.Tables.Items[0].Progress = failed
	h := recorded(o, asked)
	require.Equal(t, succeeded, h[0].Doc.Result.Body.Tables.Items[0].Progress)
	require.Equal(t, succeeded, h[1].Doc.Result.Body.Tables.Items[0].Progress)
}

func TestConcurrentObserve(t *testing.T) {
	o := New()
	const workers, polls = 8, 50
	var wg sync.WaitGroup
	errs := make(chan string, workers*polls*2)
	for w := range workers {
		wg.Go(func() {
			id := export.ID(fmt.Sprint(1000 + w))
			for n := 1; n <= polls; n++ {
				p := processing
				if n == polls {
					p = succeeded
				}
				d := with(doc(p, refnum(p)), func(d *export.Status) { d.Result.Body.RequestID = id })
				if vs := o.Observe(id, observation(n, d)); vs != nil {
					errs <- describe(vs)
				}
				// Every worker also polls one shared request that does not change.
				if vs := o.Observe(asked, Observation{Doc: decode(t, seedCancelled)}); vs != nil {
					errs <- describe(vs)
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for e := range errs {
		t.Error(e)
	}
	require.Len(t, recorded(o, asked), workers*polls)
	for w := range workers {
		h := recorded(o, export.ID(fmt.Sprint(1000+w)))
		require.Len(t, h, polls)
		for n, obs := range h {
			require.Equal(t, n+1, obs.Seq, "a worker's own documents stay in its order")
		}
	}
}

// A document with thousands of broken items once took the oracle tens of seconds, because each
// breach copied the whole document. The breaches of one document share one copy.
func TestBreachesShareOneCopyOfTheirDocuments(t *testing.T) {
	items := make([]export.Item, 2000)
	for j := range items {
		items[j] = item("", "", "bogus")
	}
	o := New()
	vs := o.Observe(asked, observation(1, doc(succeeded, items...)))
	require.Len(t, vs, len(items))
	require.Same(t, &vs[0].Current.Doc.Items()[0], &vs[len(vs)-1].Current.Doc.Items()[0])
	require.NotSame(t, &items[0], &vs[0].Current.Doc.Items()[0], "but not the caller's")

	moved := make([]export.Item, len(items))
	for j := range moved {
		moved[j] = item("", "", succeeded)
	}
	vs = o.Observe(asked, observation(2, doc(succeeded, moved...)))
	require.Len(t, vs, 1, "invariant 2 reports all item changes in one message")
	require.Equal(t, 2, vs[0].Invariant)
	require.Contains(t, vs[0].Message, `item #2000 (no itemID or itemName) progress "bogus" → "succeeded"`)
}

package oracle

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/conform-harness/conform/export"
)

func TestSingleDocumentInvariants(t *testing.T) {
	runHistoryCases(t, []historyCase{
		// Fine documents: each is a near miss of one of the cases below.
		{name: "seed cancelling document is fine", docs: []export.Status{decode(t, seedCancelling)}},
		{name: "seed cancelled document is fine", docs: []export.Status{decode(t, seedCancelled)}},
		{name: "unknown is a known value", docs: []export.Status{doc(export.Unknown, refnum(export.Unknown))}},
		{name: "interrupted is terminal", docs: []export.Status{doc(export.Interrupted, refnum(export.Interrupted))}},
		{
			name: "string requestID equals the numeric one asked for",
			docs: []export.Status{decode(t, `{"progress":"pending","completed":false,"result":{"body":{"requestID":"12345","tables":{"items":[]}}}}`)},
		},
		{
			name: "cancelled request with settled and cancelled items",
			docs: []export.Status{doc(export.Cancelled, shipment(export.Succeeded), item("3", "ORDER_RELEASE", export.Failed),
				refnum(export.Cancelled))},
		},
		{
			name: "cancelling request may still have running items",
			docs: []export.Status{doc(export.Cancelling, shipment(export.Processing), refnum(export.Pending))},
		},

		// 1: valid-progress.
		{
			name: "completed false with succeeded",
			docs: []export.Status{with(doc(export.Succeeded, shipment(export.Succeeded)), func(d *export.Status) { d.Completed = false })},
			want: []int{1}, check: 1, msg: []string{"completed is false", `"succeeded"`},
		},
		{
			name: "completed true with processing",
			docs: []export.Status{with(doc(export.Processing, shipment(export.Processing)), func(d *export.Status) { d.Completed = true })},
			want: []int{1}, check: 1, msg: []string{"completed is true", `"processing"`},
		},
		{
			name: "completed true with cancelling",
			docs: []export.Status{with(decode(t, seedCancelling), func(d *export.Status) { d.Completed = true })},
			want: []int{1}, check: 1, msg: []string{"completed is true", `"cancelling"`},
		},
		{
			name: "completed false with cancelled",
			docs: []export.Status{with(decode(t, seedCancelled), func(d *export.Status) { d.Completed = false })},
			want: []int{1}, check: 1, msg: []string{"completed is false", `"cancelled"`},
		},
		{
			name: "progress canceled misspelt",
			docs: []export.Status{with(decode(t, seedCancelled), func(d *export.Status) { d.Progress = "canceled" })},
			want: []int{1}, check: 1, msg: []string{`progress "canceled" is not a known value`},
		},
		{
			name: "progress in the wrong case",
			docs: []export.Status{doc("Succeeded")},
			want: []int{1}, check: 1, msg: []string{`"Succeeded"`, "not a known value"},
		},
		{
			name: "progress missing",
			docs: []export.Status{doc("")},
			want: []int{1}, check: 1, msg: []string{`progress "" is not a known value`},
		},
		{
			name: "item progress not known",
			docs: []export.Status{doc(export.Processing, shipment(export.Processing), refnum("done"))},
			want: []int{1}, check: 1, msg: []string{"item 2 (SHIPMENT_REFNUM)", `progress "done"`},
		},

		// 5: cancelled-has-no-running-items.
		{
			name: "cancelled request with pending item",
			docs: []export.Status{with(decode(t, seedCancelled), func(d *export.Status) {
				d.Result.Body.Tables.Items[1].Progress = export.Pending
			})},
			want: []int{5}, check: 5, msg: []string{"item 2 (SHIPMENT_REFNUM)", `"pending"`},
		},
		{
			name: "cancelled request with processing item",
			docs: []export.Status{doc(export.Cancelled, shipment(export.Processing), refnum(export.Cancelled))},
			want: []int{5}, check: 5, msg: []string{"item 1 (SHIPMENT)", `"processing"`},
		},
		{
			name: "cancelled request with two running items",
			docs: []export.Status{doc(export.Cancelled, shipment(export.Processing), refnum(export.Pending))},
			want: []int{5, 5}, check: 5, msg: []string{"item 1 (SHIPMENT)"},
		},

		// 6: request-id-matches.
		{
			name: "requestID 999 when 12345 was asked",
			docs: []export.Status{with(decode(t, seedCancelling), func(d *export.Status) { d.Result.Body.RequestID = "999" })},
			want: []int{6}, check: 6, msg: []string{"requestID is 999", "12345 was asked for"},
		},
		{
			name: "no result body",
			docs: []export.Status{decode(t, `{"progress":"pending","completed":false}`)},
			want: []int{6}, check: 6, msg: []string{"no result body", "12345"},
		},
		{
			name: "requestID missing from the body",
			docs: []export.Status{decode(t, `{"progress":"pending","completed":false,"result":{"body":{"tables":{"items":[]}}}}`)},
			want: []int{6}, check: 6, msg: []string{"requestID is missing", "12345"},
		},

		// Several at once, ordered by invariant.
		{
			name: "zero document",
			docs: []export.Status{{}},
			want: []int{1, 6},
		},
		{
			name: "misspelt progress, running item under cancelled, wrong id",
			docs: []export.Status{with(doc(export.Cancelled, shipment("canceled"), refnum(export.Pending)), func(d *export.Status) {
				d.Result.Body.RequestID = "54321"
			})},
			// The request's own breach (6) first, then the items' (1, 5): the cause first.
			want: []int{6, 1, 5}, check: 1, msg: []string{"item 1 (SHIPMENT)", `"canceled"`},
		},
	})
}

func TestCheckDocumentComparesWithTheAskedID(t *testing.T) {
	cases := []struct {
		name  string
		asked export.ID
		body  string
		want  []int
	}{
		{name: "number asked, number sent", asked: "12345", body: `{"requestID":12345}`},
		{name: "number asked, string sent", asked: "12345", body: `{"requestID":"12345"}`},
		{name: "string asked, string sent", asked: "abc-1", body: `{"requestID":"abc-1"}`},
		{name: "other id sent", asked: "12346", body: `{"requestID":12345}`, want: []int{6}},
		{name: "empty string sent", asked: "12345", body: `{"requestID":""}`, want: []int{6}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			d := decode(t, `{"progress":"processing","completed":false,"result":{"body":`+tc.body+`}}`)
			vs := CheckDocument(tc.asked, Observation{Doc: d})
			require.Equal(t, tc.want, invariants(vs), "breaches:\n%s", describe(vs))
		})
	}
}

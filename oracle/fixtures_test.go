package oracle

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/conform-harness/conform/export"
)

// asked is the request id every fixture document is fetched by, as in the seed.
const asked = export.ID("12345")

var t0 = time.Date(2022, 11, 29, 15, 21, 58, 0, time.UTC)

// seedCancelling is the seed's first example document (links dropped: the seed elides them).
const seedCancelling = `{
"progress": "cancelling",
"startTime": {"value": "2022-11-29T15:21:58Z"},
"completed": false,
"result": {"body": {
  "requestID": 12345,
  "submitDate": "2022-11-29T15:21:56Z",
  "tables": {"items": [
    {"itemID": 1, "itemName": "SHIPMENT", "startTime": "2022-11-29T15:21:58Z", "endTime": "2022-11-29T15:22:17Z",
     "progress": "succeeded", "totalResults": 92, "offset": 0, "totalRecordCount": 92,
     "parts": {"count": 1, "items": [
       {"partName": "DATA_12345_SHIPMENT_1_1.csv", "recordCount": 92, "checksum": "c9179dae8947cb56abaed4f6c2ea09b3"}]}},
    {"itemID": 2, "itemName": "SHIPMENT_REFNUM", "progress": "pending", "parts": {"count": 0, "items": []}}
  ]}
}}
}`

// seedCancelled is the seed's second example document: the same request once cancelled.
var seedCancelled = strings.NewReplacer(
	`"progress": "cancelling"`, `"progress": "cancelled"`,
	`"completed": false`, `"completed": true`,
	`"progress": "pending"`, `"progress": "cancelled"`,
).Replace(seedCancelling)

// seedProcessing is the seed's request before the cancel was sent.
var seedProcessing = strings.Replace(seedCancelling, `"progress": "cancelling"`, `"progress": "processing"`, 1)

func decode(tb testing.TB, s string) export.Status {
	tb.Helper()
	var d export.Status
	require.NoError(tb, json.Unmarshal([]byte(s), &d), "fixture must be valid JSON:\n%s", s)
	return d
}

func part(name string, records int64, checksum string) export.Part {
	return export.Part{PartName: name, RecordCount: records, Checksum: checksum}
}

func item(id, name string, p export.Progress, parts ...export.Part) export.Item {
	if parts == nil {
		parts = []export.Part{}
	}
	return export.Item{ItemID: export.ID(id), ItemName: name, Progress: p, Parts: export.Parts{Count: len(parts), Items: parts}}
}

// shipment is the seed's SHIPMENT item; only a settled one has its part and record counts.
func shipment(p export.Progress) export.Item {
	it := item("1", "SHIPMENT", p)
	if p == export.Succeeded {
		it = item("1", "SHIPMENT", p, part("DATA_12345_SHIPMENT_1_1.csv", 92, "c9179dae8947cb56abaed4f6c2ea09b3"))
		n := int64(92)
		it.TotalRecordCount, it.TotalResults = &n, &n
	}
	return it
}

func refnum(p export.Progress) export.Item {
	return item("2", "SHIPMENT_REFNUM", p)
}

// doc builds a consistent document for asked: completed exactly when p is terminal.
func doc(p export.Progress, items ...export.Item) export.Status {
	if items == nil {
		items = []export.Item{}
	}
	return export.Status{
		Progress:  p,
		StartTime: &export.DateTime{Value: "2022-11-29T15:21:58Z", Wrapped: true},
		Completed: p.Terminal(),
		Result:    &export.Result{Body: export.Body{RequestID: asked, SubmitDate: export.DateTime{Value: "2022-11-29T15:21:56Z"}, Tables: export.Tables{Items: items}}},
	}
}

// with returns a changed deep copy of d.
func with(d export.Status, change func(*export.Status)) export.Status {
	d = cloneStatus(d)
	change(&d)
	return d
}

// observation is the n-th (1-based) poll of asked, seen a minute after the one before.
func observation(n int, d export.Status) Observation {
	return Observation{
		Seq:    n,
		At:     t0.Add(time.Duration(n) * time.Minute),
		Source: fmt.Sprintf("GET /exportStatuses/12345 → 200 (poll %d)", n),
		Doc:    d,
	}
}

// observeAll feeds docs to a new oracle in order, requires every document but the last to be
// fine (so a case tests what it claims to) and returns the breaches of the last.
func observeAll(tb testing.TB, docs ...export.Status) []Breach {
	tb.Helper()
	o := New()
	var vs []Breach
	for i, d := range docs {
		vs = o.Observe(asked, observation(i+1, d))
		if i < len(docs)-1 {
			require.Empty(tb, vs, "document %d of the history is meant to be fine", i+1)
		}
	}
	return vs
}

// recorded returns the history o keeps for id, which the next Observe of id compares with.
func recorded(o *Oracle, id export.ID) []Observation {
	o.mu.Lock()
	defer o.mu.Unlock()
	return slices.Clone(o.histories[id])
}

func invariants(vs []Breach) []int {
	var ns []int
	for _, v := range vs {
		ns = append(ns, v.Invariant)
	}
	return ns
}

func describe(vs []Breach) string {
	var b strings.Builder
	for _, v := range vs {
		b.WriteString(v.Error())
		b.WriteString("\n\n")
	}
	return b.String()
}

// historyCase is a sequence of documents and what the last one must break.
type historyCase struct {
	name    string
	docs    []export.Status
	want    []int    // the invariants the last document breaks, in order; nil when it is fine
	check   int      // the invariant whose breach is looked at more closely (0: none)
	msg     []string // substrings its message must contain
	prevSeq int      // Seq of its Previous; 0 when it must have none
}

func runHistoryCases(t *testing.T, cases []historyCase) {
	t.Helper()
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			vs := observeAll(t, tc.docs...)
			require.Equal(t, tc.want, invariants(vs), "breaches:\n%s", describe(vs))
			if tc.check == 0 {
				return
			}
			i := slices.IndexFunc(vs, func(v Breach) bool { return v.Invariant == tc.check })
			require.GreaterOrEqual(t, i, 0)
			v := vs[i]
			require.Equal(t, InvariantName(tc.check), v.Name)
			for _, m := range tc.msg {
				require.Contains(t, v.Message, m)
			}
			require.Equal(t, len(tc.docs), v.Current.Seq, "Current must be the last document")
			if tc.prevSeq == 0 {
				require.Nil(t, v.Previous)
			} else {
				require.NotNil(t, v.Previous)
				require.Equal(t, tc.prevSeq, v.Previous.Seq, "Previous must be the document that established the fact")
			}
		})
	}
}

package oracle

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/conform-harness/conform/export"
)

// FuzzObserve feeds two arbitrary documents for one id and requires that Observe neither
// panics nor returns a malformed breach.
func FuzzObserve(f *testing.F) {
	f.Add([]byte(seedCancelling), []byte(seedCancelled))
	f.Add([]byte(seedCancelled), []byte(seedProcessing))
	f.Add([]byte(`{}`), []byte(`{}`))
	f.Add([]byte(`null`), []byte(`{"result":null}`))
	f.Add([]byte(`{"progress":"succeeded","completed":true,"result":{"body":{"tables":{"items":[{}]}}}}`), []byte(`{"result":{"body":{"tables":{"items":[{},{}]}}}}`))
	f.Add([]byte(`{"result":{"body":{"requestID":"12345","tables":{"items":[{"itemName":"A","progress":"failed","parts":{"count":2,"items":[{},{}]}}]}}}}`),
		[]byte(`{"result":{"body":{"requestID":12345,"tables":{"items":[{"itemID":"x","itemName":"A","parts":{"items":null}}]}}}}`))
	f.Add([]byte(seedCancelling), []byte(strings.Replace(seedCancelled, `"progress": "cancelled", "parts"`, `"progress": "interrupted", "parts"`, 1)))
	f.Add([]byte(seedCancelling), []byte(strings.Replace(seedCancelled, `"progress": "cancelled", "parts"`, `"progress": "succeeded", "parts"`, 1)))
	f.Add([]byte(`{"progress":"cancelling","result":{"body":{"tables":{"items":[{"itemID":1},{"itemName":"B"},{}]}}}}`),
		[]byte(`{"progress":"cancelled","completed":true,"result":{"body":{"tables":{"items":[{"itemID":"1"},{"itemID":4}]}}}}`))
	f.Fuzz(func(t *testing.T, a, b []byte) {
		var first, second export.Status
		if json.Unmarshal(a, &first) != nil || json.Unmarshal(b, &second) != nil {
			t.Skip("not a status document")
		}
		o := New()
		for i, obs := range []Observation{{Doc: first, Raw: a}, {Doc: second}} {
			for _, v := range o.Observe(asked, obs) {
				if v.Invariant < 1 || v.Invariant > len(Invariants()) || v.Name != InvariantName(v.Invariant) || v.Message == "" {
					t.Fatalf("malformed breach %+v", v)
				}
				// 1, 5 and 6 are of one document; 8 is either; the others (9 too) need an earlier one.
				single := v.Invariant == 1 || v.Invariant == 5 || v.Invariant == 6
				spans := !single && v.Invariant != 8
				if (single && v.Previous != nil) || (spans && v.Previous == nil) {
					t.Fatalf("invariant %d with Previous %v", v.Invariant, v.Previous)
				}
				if i == 0 && v.Previous != nil {
					t.Fatalf("invariant %d against an earlier document on the first document", v.Invariant)
				}
				_ = v.Error()
			}
		}
	})
}

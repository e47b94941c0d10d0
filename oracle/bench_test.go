package oracle

import (
	"fmt"
	"testing"
	"time"

	"github.com/conform-harness/conform/export"
)

// pollSequence is what a scenario that cancels a running request sees when it polls n times
// in each state: processing, then cancelling, then cancelled.
func pollSequence(tb testing.TB, n int) []Observation {
	tb.Helper()
	var seq []Observation
	at := t0
	for _, doc := range []string{seedProcessing, seedCancelling, seedCancelled} {
		d := decode(tb, doc)
		for range n {
			seq = append(seq, Observation{At: at, Source: "GET /exportStatuses/12345 → 200", Doc: d, Raw: []byte(doc)})
			at = at.Add(time.Second)
		}
	}
	return seq
}

// BenchmarkObserve is the oracle's cost per status document: each iteration observes a whole
// poll history of one request (3×polls documents) on a fresh Oracle, and ns/doc is the time
// per document. Each document is checked against every earlier one of its request, so the
// cost per document grows with the length of the history.
func BenchmarkObserve(b *testing.B) {
	for _, polls := range []int{1, 10, 100} {
		seq := pollSequence(b, polls)
		b.Run(fmt.Sprintf("docs=%d", len(seq)), func(b *testing.B) {
			b.ReportAllocs()
			start := time.Now()
			for b.Loop() {
				o := New()
				for _, obs := range seq {
					if vs := o.Observe(asked, obs); len(vs) != 0 {
						b.Fatalf("the sequence is valid, got %v", vs)
					}
				}
			}
			b.ReportMetric(float64(time.Since(start).Nanoseconds())/float64(b.N*len(seq)), "ns/doc")
		})
	}
}

// BenchmarkCheckDocument is the per-document invariants (1, 5 and 6) alone.
func BenchmarkCheckDocument(b *testing.B) {
	obs := Observation{At: t0, Doc: decode(b, seedCancelling)}
	b.ReportAllocs()
	for b.Loop() {
		if vs := CheckDocument(export.ID("12345"), obs); len(vs) != 0 {
			b.Fatal(vs)
		}
	}
}

package openapi

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/conform-harness/conform/export"
)

// The validation target of the performance issue: validating one status document against the
// spec may cost at most three times a plain json.Unmarshal of the same bytes. Compare
// BenchmarkValidateStatus with BenchmarkUnmarshalStatus (same document, same exchange).

func statusExchange(tb testing.TB) call {
	tb.Helper()
	return exchange("GET", export.Root+"/exportStatuses/12345", "", 200, jsonCT, seedDoc(tb))
}

// BenchmarkValidateStatus validates a GET /exportStatuses/{id} → 200 exchange carrying the
// vendor's example status document: routing, the request, the status, headers and the body.
func BenchmarkValidateStatus(b *testing.B) {
	v := mustValidator(b)
	ex := statusExchange(b)
	if got := check(v, ex); len(got) != 0 {
		b.Fatalf("the example must conform, got %v", got)
	}
	b.SetBytes(int64(len(ex.resp.Body)))
	b.ReportAllocs()
	for b.Loop() {
		if len(check(v, ex)) != 0 {
			b.Fatal("violation")
		}
	}
}

// BenchmarkUnmarshalStatus is the yardstick: json.Unmarshal of the same bytes into any, which
// is the least a validator of the document has to do.
func BenchmarkUnmarshalStatus(b *testing.B) {
	body := statusExchange(b).resp.Body
	b.SetBytes(int64(len(body)))
	b.ReportAllocs()
	for b.Loop() {
		var v any
		if err := json.Unmarshal(body, &v); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkDecodeStatus is the validator's own decoder on the same bytes.
func BenchmarkDecodeStatus(b *testing.B) {
	body := statusExchange(b).resp.Body
	b.SetBytes(int64(len(body)))
	b.ReportAllocs()
	for b.Loop() {
		if _, ok := decodeJSON(body); !ok {
			b.Fatal("not decoded")
		}
	}
}

// BenchmarkValidateOverUnmarshal measures the target directly: each iteration decodes the
// document with json.Unmarshal and then validates the same exchange, timing both, and reports
// the ratio of their total times. Pairing them in one loop keeps the ratio honest on a machine
// whose load changes while the benchmark runs.
func BenchmarkValidateOverUnmarshal(b *testing.B) {
	v := mustValidator(b)
	ex := statusExchange(b)
	var unmarshal, validate time.Duration
	for b.Loop() {
		t0 := time.Now()
		var doc any
		if err := json.Unmarshal(ex.resp.Body, &doc); err != nil {
			b.Fatal(err)
		}
		t1 := time.Now()
		if len(check(v, ex)) != 0 {
			b.Fatal("violation")
		}
		validate += time.Since(t1)
		unmarshal += t1.Sub(t0)
	}
	b.ReportMetric(float64(unmarshal.Nanoseconds())/float64(b.N), "unmarshal-ns/op")
	b.ReportMetric(float64(validate.Nanoseconds())/float64(b.N), "validate-ns/op")
	b.ReportMetric(float64(validate)/float64(unmarshal), "validate/unmarshal")
}

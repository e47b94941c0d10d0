package proxy

import (
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/conform-harness/conform/export"
	"github.com/conform-harness/conform/openapi"
)

// BenchmarkJudgeDistinctClients is the proxy's judging path (ServeHTTP, the spec, the oracle,
// the log's redaction) with no network: a target in memory that answers a status document that
// breaks the spec, so that every exchange logs violation lines, called by 1, 1,000 and 16,000
// distinct clients, each with its own Authorization header, all seen once before the timer.
// The cost of an exchange must not grow with the number of clients (BENCHMARKS.md):
//
//	go test ./internal/proxy -run '^$' -bench JudgeDistinctClients -benchtime 20000x
func BenchmarkJudgeDistinctClients(b *testing.B) {
	const body = `{"requestId": "7", "progress": "bogus", "completed": false}`
	target := roundTripper(func(r *http.Request) (*http.Response, error) {
		return &http.Response{StatusCode: http.StatusOK, Header: http.Header{"Content-Type": {"application/json"}},
			Body: io.NopCloser(strings.NewReader(body)), Request: r}, nil
	})
	v, err := openapi.NewValidator()
	if err != nil {
		b.Fatal(err)
	}
	for _, clients := range []int{1, 1_000, 16_000} {
		b.Run(fmt.Sprintf("clients=%d", clients), func(b *testing.B) {
			lines := 0
			p, err := New(Options{Target: &url.URL{Scheme: "http", Host: "target.invalid"}, Transport: target, Validator: v,
				MaxKept: 1, Log: func(string) { lines++ }})
			if err != nil {
				b.Fatal(err)
			}
			serve := func(i int) {
				req := httptest.NewRequest(http.MethodGet, "http://proxy.invalid"+export.Root+"/exportStatuses/7", nil)
				req.Header.Set("Authorization", fmt.Sprintf("Bearer client-token-%08d", i%clients))
				rec := httptest.NewRecorder()
				p.ServeHTTP(rec, req)
				if rec.Code != http.StatusOK {
					b.Fatalf("status %d", rec.Code)
				}
			}
			for i := range clients {
				serve(i)
			}
			b.ResetTimer()
			for i := range b.N {
				serve(i)
			}
			b.StopTimer()
			if lines == 0 {
				b.Fatal("no violation was logged: the log's redaction was not measured")
			}
		})
	}
}

package har

import (
	"bytes"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// apiTraffic returns n entries shaped like the traffic `conform audit` reads: GETs and POSTs of
// one API, credentials and content negotiation in the headers, and a JSON answer of about 1 KB.
func apiTraffic(n int) []Entry {
	var body strings.Builder
	body.WriteString(`{"items":[`)
	for i := range 10 {
		if i > 0 {
			body.WriteByte(',')
		}
		fmt.Fprintf(&body, `{"id":"exp-%04d","state":"completed","format":"csv","rows":%d,"createdAt":"2026-11-30T08:00:00Z"}`, i, 1000+i)
	}
	body.WriteString(`]}`)
	respBody := []byte(body.String())

	start := time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC)
	entries := make([]Entry, n)
	for i := range entries {
		e := Entry{
			Started:  start.Add(time.Duration(i) * 37 * time.Millisecond),
			Duration: time.Duration(20+i%50) * time.Millisecond,
			Method:   http.MethodGet,
			URL:      fmt.Sprintf("https://vendor.example.com/logisticsRestApi/data/v1/exportStatuses/%d", 100000+i),
			ReqHeader: http.Header{
				"Authorization": {"Bearer eyJhbGciOiJIUzI1NiJ9.c2VjcmV0"},
				"Accept":        {"application/json"},
			},
			Status:       http.StatusOK,
			RespHeader:   http.Header{"Content-Type": {"application/json"}},
			RespBody:     respBody,
			RespMimeType: "application/json",
		}
		if i%4 == 0 {
			e.Method = http.MethodPost
			e.ReqHeader.Set("Content-Type", "application/json")
			e.ReqBody = []byte(`{"format":"csv","filter":{"since":"2026-11-01"}}`)
		}
		entries[i] = e
	}
	return entries
}

// BenchmarkRead reads a HAR file of 20,000 API exchanges from memory (about 50 MB as Write
// indents it), as `conform audit` reads one from disk.
func BenchmarkRead(b *testing.B) {
	doc := written(b, apiTraffic(benchEntries), nil)
	benchmarkRead(b, int64(len(doc)), func() ([]Entry, error) {
		return Read(bytes.NewReader(doc), "bench.har")
	})
}

// BenchmarkReadFile is BenchmarkRead from a file, which `conform audit` reads.
func BenchmarkReadFile(b *testing.B) {
	doc := written(b, apiTraffic(benchEntries), nil)
	path := filepath.Join(b.TempDir(), "bench.har")
	require.NoError(b, os.WriteFile(path, doc, 0o600))
	benchmarkRead(b, int64(len(doc)), func() ([]Entry, error) { return ReadFile(path) })
}

const benchEntries = 20_000

// benchmarkRead times read, which reads a document of size bytes holding benchEntries entries.
func benchmarkRead(b *testing.B, size int64, read func() ([]Entry, error)) {
	b.Helper()
	got, err := read()
	require.NoError(b, err)
	require.Len(b, got, benchEntries)

	b.SetBytes(size)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := read(); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(benchEntries)*float64(b.N)/b.Elapsed().Seconds(), "entries/s")
}

package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/conform-harness/conform/internal/har"
)

// writeTraffic writes a HAR file of n export requests, each created, polled polls times while
// nothing changes, seen with its first table done, cancelled and seen cancelled: the shape of
// an integration's traffic. It returns the file's path and its number of entries.
func writeTraffic(tb testing.TB, dir string, n, polls int) (string, int) {
	tb.Helper()
	const root = "https://vendor.example.com/logisticsRestApi/data/v1"
	item := func(id, n int, name, progress string) string {
		if progress == "succeeded" {
			return fmt.Sprintf(`{"itemID":%d,"itemName":%q,"startTime":"2026-11-30T10:00:00Z","endTime":"2026-11-30T10:00:05Z","progress":"succeeded","totalResults":92,"offset":0,"totalRecordCount":92,"parts":{"count":1,"items":[{"partName":"DATA_%d_%s_1_1.csv","recordCount":92,"checksum":"c9179dae8947cb56abaed4f6c2ea09b3"}]}}`, n, name, id, name)
		}
		return fmt.Sprintf(`{"itemID":%d,"itemName":%q,"progress":%q,"parts":{"count":0,"items":[]}}`, n, name, progress)
	}
	doc := func(id int, progress string, completed bool, items ...string) []byte {
		return fmt.Appendf(nil, `{"progress":%q,"startTime":{"value":"2026-11-30T10:00:00Z"},"completed":%t,"result":{"body":{"requestID":%d,"submitDate":"2026-11-30T10:00:00Z","tables":{"items":[%s,%s]}}},"links":[{"rel":"self","href":"/logisticsRestApi/data/v1/exportStatuses/%d"}]}`,
			progress, completed, id, items[0], items[1], id)
	}
	json := http.Header{"Content-Type": {"application/json"}}
	auth := http.Header{"Authorization": {"Basic dTpw"}, "Accept": {"application/json"}}
	t0 := time.Date(2026, 11, 30, 10, 0, 0, 0, time.UTC)
	var entries []har.Entry
	add := func(method, path string, status int, body []byte, reqBody []byte) {
		h := auth.Clone()
		if reqBody != nil {
			h.Set("Content-Type", "application/json")
		}
		rh := http.Header{}
		if len(body) > 0 {
			rh = json
		}
		entries = append(entries, har.Entry{Started: t0.Add(time.Duration(len(entries)) * time.Millisecond), Method: method, URL: root + path,
			ReqHeader: h, ReqBody: reqBody, Status: status, RespHeader: rh, RespBody: body})
	}
	for r := range n {
		id := 100000 + r
		running := doc(id, "processing", false, item(id, 1, "SHIPMENT", "processing"), item(id, 2, "SHIPMENT_REFNUM", "pending"))
		add(http.MethodPost, "/exportRequests", 202, running, []byte(`{"tables":{"items":[{"tableName":"SHIPMENT"},{"tableName":"SHIPMENT_REFNUM"}]}}`))
		for range polls {
			add(http.MethodGet, fmt.Sprintf("/exportStatuses/%d", id), 200, running, nil)
		}
		add(http.MethodGet, fmt.Sprintf("/exportStatuses/%d", id), 200, doc(id, "processing", false, item(id, 1, "SHIPMENT", "succeeded"), item(id, 2, "SHIPMENT_REFNUM", "processing")), nil)
		add(http.MethodPost, fmt.Sprintf("/custom-actions/cancel/exportRequests/%d", id), 200, nil, nil)
		add(http.MethodGet, fmt.Sprintf("/exportStatuses/%d", id), 200, doc(id, "cancelled", true, item(id, 1, "SHIPMENT", "succeeded"), item(id, 2, "SHIPMENT_REFNUM", "cancelled")), nil)
	}
	var buf bytes.Buffer
	if err := har.Write(&buf, har.Creator{Name: "bench", Version: "1"}, entries, nil); err != nil {
		tb.Fatal(err)
	}
	path := filepath.Join(dir, "traffic.har")
	if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
		tb.Fatal(err)
	}
	return path, len(entries)
}

// BenchmarkAudit audits 20,000 exchanges (1,000 requests of 20) with the spec and the oracle on,
// reading the file included, and reports exchanges/s. BENCHMARKS.md §8.
//
//	go test ./cmd/conform -run '^$' -bench Audit -benchtime 5x
func BenchmarkAudit(b *testing.B) {
	dir := b.TempDir()
	requests := 1000
	if testing.Short() {
		requests = 50 // CI runs each benchmark once, to see that it works
	}
	path, n := writeTraffic(b, dir, requests, 16)
	for _, bc := range []struct {
		name  string
		flags []string
	}{
		{"check", nil}, // the violations on the console, the coverage: no report
		{"junit", []string{"--format", "junit:" + filepath.Join(dir, "audit.xml")}}, // and a JUnit report, one test case per request
	} {
		b.Run(bc.name, func(b *testing.B) {
			args := append(append([]string{"audit"}, bc.flags...), path)
			for range b.N {
				var stderr bytes.Buffer
				if code := run(context.Background(), args, func(string) string { return "" }, nil, io.Discard, &stderr); code != 0 {
					b.Fatalf("exit %d: %s", code, stderr.String())
				}
			}
			b.ReportMetric(float64(n*b.N)/b.Elapsed().Seconds(), "exchanges/s")
		})
	}
}

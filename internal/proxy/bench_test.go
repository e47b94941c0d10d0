package proxy

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/conform-harness/conform/export"
	"github.com/conform-harness/conform/fakeserver"
	"github.com/conform-harness/conform/openapi"
)

// The proxy's figures of BENCHMARKS.md §7: status calls, through the proxy with the spec and
// the oracle on, against the same calls straight to the fake (conform serve's handler over real
// HTTP on 127.0.0.1), with 1,000 requests in the fake, each polled in turn.
//
//	go test ./internal/proxy -run '^$' -bench . -benchtime 100000x

// benchRequests is how many requests the fake holds; fewer in -short mode (CI runs each
// benchmark once, to see that it works).
func benchRequests() int {
	if testing.Short() {
		return 50
	}
	return 1000
}

// benchSetup starts the fake with benchRequests() running requests, and the proxy in front of it.
func benchSetup(b *testing.B) (direct, proxied string, ids []string, client *http.Client) {
	b.Helper()
	clock := fakeserver.NewManualClock(time.Date(2022, 11, 29, 15, 21, 56, 0, time.UTC))
	fake := httptest.NewServer(fakeserver.New(fakeserver.Options{Clock: clock, Username: user, Password: password}))
	b.Cleanup(fake.Close)
	client = &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 256, MaxConnsPerHost: 256}}
	b.Cleanup(client.CloseIdleConnections)
	for range benchRequests() {
		req, _ := http.NewRequest(http.MethodPost, fake.URL+export.Root+"/exportRequests",
			strings.NewReader(`{"tables":{"items":[{"tableName":"SHIPMENT"},{"tableName":"SHIPMENT_REFNUM"}]}}`))
		req.SetBasicAuth(user, password)
		req.Header.Set("Content-Type", "application/json")
		resp, err := client.Do(req)
		if err != nil {
			b.Fatal(err)
		}
		var doc export.Status
		err = json.NewDecoder(resp.Body).Decode(&doc)
		resp.Body.Close()
		if err != nil {
			b.Fatal(err)
		}
		ids = append(ids, string(doc.RequestID()))
	}
	v, err := openapi.NewValidator()
	if err != nil {
		b.Fatal(err)
	}
	u, _ := url.Parse(fake.URL)
	p, err := New(Options{Target: u, Validator: v})
	if err != nil {
		b.Fatal(err)
	}
	front := httptest.NewServer(p)
	b.Cleanup(front.Close)
	return fake.URL, front.URL, ids, client
}

func get(b *testing.B, client *http.Client, u string) {
	req, _ := http.NewRequest(http.MethodGet, u, nil)
	req.SetBasicAuth(user, password)
	resp, err := client.Do(req)
	if err != nil {
		b.Fatal(err)
	}
	io.Copy(io.Discard, resp.Body) //nolint:errcheck // a benchmark's read
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		b.Fatalf("GET %s: %d", u, resp.StatusCode)
	}
}

// throughput polls the requests' statuses at base from 32 client goroutines and reports req/s.
func throughput(b *testing.B, base string, ids []string, client *http.Client) {
	b.SetParallelism(16)
	b.ResetTimer()
	var next int64
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			i := int(atomicAdd(&next) % int64(len(ids)))
			get(b, client, base+export.Root+"/exportStatuses/"+ids[i])
		}
	})
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "req/s")
}

func BenchmarkStatusDirect(b *testing.B) {
	direct, _, ids, client := benchSetup(b)
	throughput(b, direct, ids, client)
}

func BenchmarkStatusThroughProxy(b *testing.B) {
	_, proxied, ids, client := benchSetup(b)
	throughput(b, proxied, ids, client)
}

// BenchmarkProxyLatency alternates one call straight to the fake and one through the proxy, one
// at a time, and reports the p50 of each and the proxy's overhead at p50.
func BenchmarkProxyLatency(b *testing.B) {
	direct, proxied, ids, client := benchSetup(b)
	ds := make([]time.Duration, 0, b.N)
	ps := make([]time.Duration, 0, b.N)
	b.ResetTimer()
	for i := range b.N {
		id := ids[i%len(ids)]
		t0 := time.Now()
		get(b, client, direct+export.Root+"/exportStatuses/"+id)
		t1 := time.Now()
		get(b, client, proxied+export.Root+"/exportStatuses/"+id)
		ds, ps = append(ds, t1.Sub(t0)), append(ps, time.Since(t1))
	}
	slices.Sort(ds)
	slices.Sort(ps)
	d50, p50 := ds[len(ds)/2], ps[len(ps)/2]
	b.ReportMetric(float64(d50.Microseconds()), "direct-p50-µs")
	b.ReportMetric(float64(p50.Microseconds()), "proxied-p50-µs")
	b.ReportMetric(float64((p50 - d50).Microseconds()), "overhead-p50-µs")
}

func atomicAdd(p *int64) int64 { return atomic.AddInt64(p, 1) }

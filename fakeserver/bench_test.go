package fakeserver

import (
	"fmt"
	"math"
	"math/rand/v2"
	"net/http"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/conform-harness/conform/export"
	"github.com/conform-harness/conform/internal/heap"

	"github.com/stretchr/testify/require"
)

// benchWriter is a ResponseWriter that keeps nothing but the status, so that a benchmark
// measures the handler and not a recorder.
type benchWriter struct {
	header http.Header
	status int
	n      int
}

func (w *benchWriter) Header() http.Header { return w.header }
func (w *benchWriter) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
}

func (w *benchWriter) Write(b []byte) (int, error) {
	w.WriteHeader(http.StatusOK)
	w.n += len(b)
	return len(b), nil
}

func (w *benchWriter) reset() {
	clear(w.header)
	w.status, w.n = 0, 0
}

// benchRequest is a request as net/http hands it to the handler, with the default credentials.
func benchRequest(method, path, body string) *http.Request {
	r, err := http.NewRequest(method, "http://127.0.0.1"+path, strings.NewReader(body))
	if err != nil {
		panic(err)
	}
	r.RequestURI = path
	r.SetBasicAuth(DefaultUsername, DefaultPassword)
	return r
}

// benchServe answers r n times... once per iteration, failing on an unexpected status.
func benchServe(b *testing.B, srv *Server, r *http.Request, want int) {
	b.Helper()
	w := &benchWriter{header: http.Header{}}
	b.ReportAllocs()
	for b.Loop() {
		w.reset()
		srv.ServeHTTP(w, r)
		if w.status != want {
			b.Fatalf("%s %s answered %d, want %d", r.Method, r.URL.Path, w.status, want)
		}
	}
}

// benchCreate creates a request of tables on srv and returns its id.
func benchCreate(tb testing.TB, srv *Server, tables ...string) string {
	tb.Helper()
	doc, err := srv.store.create(tables)
	require.NoError(tb, err)
	return string(doc.RequestID())
}

var benchTables = []string{"SHIPMENT", "SHIPMENT_REFNUM"}

// BenchmarkStatusHandler is GET /exportStatuses/{id} through Server.ServeHTTP, credentials
// check and routing included, for a running and for a completed request.
func BenchmarkStatusHandler(b *testing.B) {
	for _, state := range []string{"running", "completed"} {
		b.Run(state, func(b *testing.B) {
			clock := NewManualClock(t0)
			srv := New(Options{Clock: clock})
			id := benchCreate(b, srv, benchTables...)
			if state == "completed" {
				clock.Advance(time.Minute)
			}
			benchServe(b, srv, benchRequest(http.MethodGet, statusURL(id), ""), http.StatusOK)
		})
	}
}

// BenchmarkCancelHandler is POST /custom-actions/cancel/exportRequests/{id}: a cancel of a
// request already cancelling (200, the state does not change, so every iteration is alike) and
// of a completed request (400 with an error document).
func BenchmarkCancelHandler(b *testing.B) {
	for _, state := range []string{"cancelling", "completed"} {
		b.Run(state, func(b *testing.B) {
			clock := NewManualClock(t0)
			srv := New(Options{Clock: clock})
			id := benchCreate(b, srv, benchTables...)
			want := http.StatusOK
			if state == "completed" {
				clock.Advance(time.Minute)
				want = http.StatusBadRequest
			} else {
				require.NoError(b, srv.store.cancel(id))
			}
			benchServe(b, srv, benchRequest(http.MethodPost, cancelURL(id), ""), want)
		})
	}
}

// BenchmarkCreateHandler is POST /exportRequests with two tables; every iteration stores one
// more request. The limits are lifted so that a long run is never refused: the clock stands
// still, so every request stored is still running.
func BenchmarkCreateHandler(b *testing.B) {
	srv := New(Options{Clock: NewManualClock(t0), MaxRequests: math.MaxInt, MaxStoredTables: math.MaxInt})
	body := `{"tables":{"items":[{"tableName":"SHIPMENT"},{"tableName":"SHIPMENT_REFNUM"}]}}`
	w := &benchWriter{header: http.Header{}}
	b.ReportAllocs()
	for b.Loop() {
		w.reset()
		srv.ServeHTTP(w, benchRequest(http.MethodPost, export.Root+"/exportRequests", body))
		if w.status != http.StatusAccepted {
			b.Fatalf("create answered %d", w.status)
		}
	}
}

// BenchmarkCreateHandlerFull is BenchmarkCreateHandler on a fake holding MaxRequests requests, so
// that every create first evicts the request that completed longest ago. The clock moves a
// second per create, so that requests complete two creates after they are made.
func BenchmarkCreateHandlerFull(b *testing.B) {
	if testing.Short() {
		b.Skip("filling 100,000 requests is for a full run")
	}
	const n = 100000
	clock := NewManualClock(t0)
	srv := New(Options{Clock: clock, MaxRequests: n})
	fill(b, srv, n, benchTables)
	clock.Advance(time.Hour)
	body := `{"tables":{"items":[{"tableName":"SHIPMENT"},{"tableName":"SHIPMENT_REFNUM"}]}}`
	w := &benchWriter{header: http.Header{}}
	b.ReportAllocs()
	for b.Loop() {
		w.reset()
		clock.Advance(time.Second)
		srv.ServeHTTP(w, benchRequest(http.MethodPost, export.Root+"/exportRequests", body))
		if w.status != http.StatusAccepted {
			b.Fatalf("create answered %d", w.status)
		}
	}
	require.Len(b, srv.IDs(), n)
}

// fill stores n requests of tables on srv, one in three cancelled at once, all still running,
// and returns their ids.
func fill(tb testing.TB, srv *Server, n int, tables []string) []string {
	tb.Helper()
	ids := make([]string, n)
	for i := range ids {
		ids[i] = benchCreate(tb, srv, tables...)
		if i%3 == 0 {
			require.NoError(tb, srv.store.cancel(ids[i]))
		}
	}
	return ids
}

// sixTables is the export `conform load` creates by default (steps.DefaultRunningExport).
var sixTables = []string{"SHIPMENT", "SHIPMENT_REFNUM", "ORDER_RELEASE", "ORDER_RELEASE_REFNUM", "SHIPMENT_STOP", "LOCATION"}

// BenchmarkStatusStored is the status handler on a server holding 1,000 or 100,000 requests,
// each iteration asking for a random one: the cost must not grow with the number stored.
func BenchmarkStatusStored(b *testing.B) {
	for _, n := range []int{1000, 100000} {
		b.Run(fmt.Sprintf("stored=%d", n), func(b *testing.B) {
			if n > 1000 && testing.Short() {
				b.Skip("filling 100,000 requests is for a full run")
			}
			clock := NewManualClock(t0)
			srv := New(Options{Clock: clock})
			ids := fill(b, srv, n, benchTables)
			clock.Advance(time.Hour) // every one completed, and compacted when asked for
			reqs := make([]*http.Request, 1024)
			r := rand.New(rand.NewPCG(1, 2))
			for i := range reqs {
				reqs[i] = benchRequest(http.MethodGet, statusURL(ids[r.IntN(n)]), "")
			}
			w := &benchWriter{header: http.Header{}}
			b.ReportAllocs()
			i := 0
			for b.Loop() {
				w.reset()
				srv.ServeHTTP(w, reqs[i%len(reqs)])
				if w.status != http.StatusOK {
					b.Fatalf("status answered %d", w.status)
				}
				i++
			}
		})
	}
}

// TestHeapOf100kRequests holds the fake to its memory budget: 100,000 stored requests in at most
// 200 MB of live heap, with two tables each and with the six that `conform load` creates; while
// they all still run, and once they have completed and each was asked for once (and so was
// compacted).
func TestHeapOf100kRequests(t *testing.T) {
	if testing.Short() {
		t.Skip("filling 100,000 requests is for a full run")
	}
	const n, budget = 100000, 200 << 20
	for _, tables := range [][]string{benchTables, sixTables} {
		t.Run(fmt.Sprintf("tables=%d", len(tables)), func(t *testing.T) {
			before := heap.InUse()
			clock := NewManualClock(t0)
			srv := New(Options{Clock: clock})
			ids := fill(t, srv, n, tables)
			running := heap.InUse() - before
			clock.Advance(time.Hour)
			for _, id := range ids {
				_, ok := srv.Status(id)
				require.True(t, ok)
			}
			completed := heap.InUse() - before
			t.Logf("%d requests of %d tables: %.1f MB of heap while running (%d bytes each), %.1f MB completed (%d bytes each)",
				n, len(tables), float64(running)/(1<<20), running/n, float64(completed)/(1<<20), completed/n)
			require.Less(t, running, uint64(budget))
			require.Less(t, completed, running/2, "completed requests are compacted")
			runtime.KeepAlive(srv)
		})
	}
}

// TestHeapAtTheLimits holds Options.MaxStoredTables to the worst case its doc comment states: a
// fake at the default limits, full of running requests (DefaultMaxRequests of them, naming
// DefaultMaxStoredTables tables between them, each name different and MaxTableNameBytes long),
// in at most 450 MB of live heap.
func TestHeapAtTheLimits(t *testing.T) {
	if testing.Short() {
		t.Skip("filling the fake to its limits is for a full run")
	}
	const budget = 450 << 20
	perRequest := DefaultMaxStoredTables / DefaultMaxRequests
	before := heap.InUse()
	clock := NewManualClock(t0)
	srv := New(Options{Clock: clock})
	tables := make([]string, perRequest)
	for i := range DefaultMaxRequests {
		for j := range tables {
			name := fmt.Sprintf("%d_%d_", i, j)
			tables[j] = name + strings.Repeat("X", MaxTableNameBytes-len(name))
		}
		_, err := srv.store.create(tables)
		require.NoError(t, err, "create %d", i)
	}
	_, err := srv.store.create(tables[:1])
	require.Equal(t, CodeTooManyRequests, ErrorCode(err), "the fake is full")
	running := heap.InUse() - before
	t.Logf("%d running requests of %d tables: %.1f MB of heap", DefaultMaxRequests, perRequest, float64(running)/(1<<20))
	require.Less(t, running, uint64(budget))
	runtime.KeepAlive(srv)
}

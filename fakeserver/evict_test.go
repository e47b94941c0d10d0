package fakeserver

import (
	"cmp"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/conform-harness/conform/export"
	"github.com/conform-harness/conform/openapi"
)

// createBody is the body of a create naming tables.
func createBody(tables ...string) string {
	type item struct {
		TableName string `json:"tableName"`
	}
	var req struct {
		Tables struct {
			Items []item `json:"items"`
		} `json:"tables"`
	}
	for _, t := range tables {
		req.Tables.Items = append(req.Tables.Items, item{t})
	}
	b, _ := json.Marshal(req) // strings always encode
	return string(b)
}

// tableNames names n tables, each of at least width bytes.
func tableNames(n, width int) []string {
	names := make([]string, n)
	for i := range names {
		name := fmt.Sprintf("T%d_", i)
		names[i] = name + strings.Repeat("X", max(0, width-len(name)))
	}
	return names
}

// created creates an export of tables, requires a 202 that conforms to the spec and returns
// the new request's id.
func (c *specClient) created(tb testing.TB, tables ...string) string {
	tb.Helper()
	var doc export.Status
	require.NoError(tb, json.Unmarshal(c.conforms(tb, http.MethodPost, createPath, createBody(tables...), http.StatusAccepted), &doc))
	return string(doc.RequestID())
}

// refused creates an export of tables and requires a 429 that conforms to the spec, with the
// Retry-After given; it returns the error document.
func (c *specClient) refused(tb testing.TB, retryAfter string, tables ...string) export.Error {
	tb.Helper()
	ex, violations := c.exchange(tb, http.MethodPost, createPath, createBody(tables...), false)
	require.Empty(tb, violations, "body: %s", ex.Body)
	doc := errorDoc(tb, reply{status: ex.Status, header: ex.Header, body: ex.Body}, http.StatusTooManyRequests)
	require.Equal(tb, "https://tools.ietf.org/html/rfc6585#section-4", doc.Type)
	require.Equal(tb, retryAfter, ex.Header.Get("Retry-After"), "body: %s", ex.Body)
	return doc
}

// held requires that the fake holds exactly ids, and that each of them answers its status.
func held(tb testing.TB, c *specClient, srv *Server, ids ...string) {
	tb.Helper()
	require.ElementsMatch(tb, ids, srv.IDs())
	for _, id := range ids {
		c.statusConforms(tb, id)
	}
}

// gone requires that the fake no longer knows id: its status and its cancel answer 404.
func gone(tb testing.TB, c *specClient, id string) {
	tb.Helper()
	c.conforms(tb, http.MethodGet, statusURL(id), "", http.StatusNotFound)
	c.conforms(tb, http.MethodPost, cancelURL(id), "", http.StatusNotFound)
}

func TestCreateNamingTooManyTablesIsRefused(t *testing.T) {
	tests := []struct {
		name   string
		opts   Options
		tables []string
		detail string // "" for a create that is accepted
	}{
		{"one more than MaxTables", Options{MaxTables: 3}, tableNames(4, 0),
			"tables.items names 4 tables, more than the 3 one export request may name: split the export into several requests"},
		{"exactly MaxTables", Options{MaxTables: 3}, tableNames(3, 0), ""},
		{"one more than the default", Options{}, tableNames(DefaultMaxTables+1, 0),
			"tables.items names 1001 tables, more than the 1000 one export request may name"},
		{"exactly the default", Options{}, tableNames(DefaultMaxTables, 0), ""},
		{"MaxTables above MaxStoredTables", Options{MaxTables: 10, MaxStoredTables: 4}, tableNames(5, 0),
			"tables.items names 5 tables, more than the 4 one export request may name"},
		{"a name of MaxTableNameBytes", Options{}, tableNames(1, MaxTableNameBytes), ""},
		{"a name one byte longer", Options{}, tableNames(1, MaxTableNameBytes+1),
			"tables.items[0].tableName is 129 bytes long, more than the 128 a table name may have"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, srv, _ := newSpecClient(t, tt.opts)
			if tt.detail == "" {
				id := c.created(t, tt.tables...)
				held(t, c, srv, id)
				return
			}
			ex, violations := c.exchange(t, http.MethodPost, createPath, createBody(tt.tables...), false)
			require.Empty(t, violations, "body: %s", ex.Body)
			doc := errorDoc(t, reply{status: ex.Status, header: ex.Header, body: ex.Body}, http.StatusBadRequest)
			require.Contains(t, doc.Detail, tt.detail)
			require.Empty(t, srv.IDs(), "a refused create stores nothing")
			require.Zero(t, srv.store.tables)
			require.Empty(t, srv.store.done.nameIdx, "a refused create keeps none of its names")
		})
	}
}

// TestTheIssuesBodyIsRefused replays issue 9, where 101 creates of a 1 MB body naming 52,427
// tables took the fake to 1.36 GB, and each status of one such request was 4.5 MB. Each is now a
// 400 and none is stored.
func TestTheIssuesBodyIsRefused(t *testing.T) {
	body := issueBody()
	require.LessOrEqual(t, int64(len(body)), DefaultMaxBodyBytes, "the body fits under the body cap, as in the issue")
	srv := New(Options{Clock: NewManualClock(t0)})
	for range 5 { // the issue sent 101; each stored 4.5 MB of status document
		req := httptest.NewRequest(http.MethodPost, createPath, strings.NewReader(body))
		req.SetBasicAuth(DefaultUsername, DefaultPassword)
		rec := httptest.NewRecorder()
		srv.ServeHTTP(rec, req)
		doc := errorDoc(t, reply{status: rec.Code, header: rec.Header(), body: rec.Body.Bytes()}, http.StatusBadRequest)
		require.Equal(t, "tables.items names 52427 tables, more than the 1000 one export request may name: split the export into several requests", doc.Detail)
	}
	require.Empty(t, srv.IDs())
}

// issueBody is the create body of issue 9: just under 1 MB, naming 52,427 tables of three
// characters each.
func issueBody() string {
	const digits = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
	names := make([]string, 52427)
	for i := range names {
		names[i] = string([]byte{digits[i/(62*62)], digits[i/62%62], digits[i%62]})
	}
	return createBody(names...)
}

// TestFullFakeEvictsTheRequestCompletedLongestAgo: a fake holding MaxRequests requests makes
// room for a create by evicting completed requests, the one that completed longest ago first,
// whatever order they were created in; the evicted ids answer 404, the others as before. Once
// all it holds run, it refuses with 429 and the seconds until the next completes.
func TestFullFakeEvictsTheRequestCompletedLongestAgo(t *testing.T) {
	c, srv, clock := newSpecClient(t, Options{MaxRequests: 3, TableDuration: 2 * time.Second, CancelDelay: time.Second})
	a := c.created(t, tableNames(3, 0)...) // completes at 6s
	b := c.created(t, "SHIPMENT")          // completes at 2s
	stopped := c.created(t, tableNames(10, 0)...)
	clock.Advance(500 * time.Millisecond)
	c.conforms(t, http.MethodPost, cancelURL(stopped), "", http.StatusOK) // completes at 1.5s
	clock.Advance(time.Second)
	require.Equal(t, cancelled, c.statusConforms(t, stopped))
	clock.Advance(5500 * time.Millisecond) // 7s: all three have completed
	held(t, c, srv, a, b, stopped)

	d := c.created(t, "SHIPMENT") // the first create that needs room
	gone(t, c, stopped)
	held(t, c, srv, a, b, d)
	e := c.created(t, "SHIPMENT")
	gone(t, c, b)
	held(t, c, srv, a, d, e)
	f := c.created(t, "SHIPMENT")
	gone(t, c, a)
	held(t, c, srv, d, e, f)

	// d, e and f run until 9s.
	doc := c.refused(t, "2", "SHIPMENT")
	require.Equal(t, "the server holds 3 export requests, as many as it keeps, and every one is still running: try again in 2 s, or cancel one", doc.Detail)
	held(t, c, srv, d, e, f)
	clock.Advance(1500 * time.Millisecond)
	c.refused(t, "1", "SHIPMENT") // half a second, rounded up

	clock.Advance(500 * time.Millisecond)
	g := c.created(t, "SHIPMENT")
	gone(t, c, d) // completed at the same instant as e and f, and created first
	held(t, c, srv, e, f, g)
}

func TestFullFakeRefusesWhileEveryRequestRuns(t *testing.T) {
	type step struct {
		advance    time.Duration
		tables     int
		retryAfter string // "" for a create that must be accepted
		detail     string
	}
	tests := []struct {
		name  string
		opts  Options
		seeds []Seed
		steps []step
	}{
		{"MaxRequests", Options{MaxRequests: 2, TableDuration: 10 * time.Second}, nil, []step{
			{tables: 1}, {tables: 3},
			{tables: 1, retryAfter: "10", detail: "the server holds 2 export requests, as many as it keeps"},
			{advance: 9 * time.Second, tables: 1, retryAfter: "1"},
			{advance: time.Second, tables: 1}, // the first completed: room for one
			{tables: 1, retryAfter: "10"},
		}},
		{"MaxStoredTables", Options{MaxStoredTables: 5, TableDuration: time.Second}, nil, []step{
			{tables: 3}, {tables: 2},
			{tables: 1, retryAfter: "2", detail: "the server holds export requests of 5 tables, and with the 1 this one names that is more than the 5 it keeps"},
			// The one of 2 tables has completed: it is evicted, but that is too little room.
			{advance: 2 * time.Second, tables: 4, retryAfter: "1"},
			{tables: 2},
			{tables: 2, retryAfter: "1"}, // the one of 3 tables is due at 3s
			{advance: time.Second, tables: 3},
		}},
		{"seeded requests that never complete on their own", Options{MaxRequests: 2, CancelDelay: 3 * time.Second},
			[]Seed{{Progress: processing}, {ID: "seeded", Progress: pending}}, []step{
				{tables: 1, retryAfter: "3", detail: "every one is still running"},
			}},
		{"seeded requests that have completed", Options{MaxRequests: 2},
			[]Seed{{Progress: succeeded}, {ID: "seeded", Progress: failed}}, []step{
				{tables: 1}, {tables: 1}, {tables: 1, retryAfter: "2"},
			}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, srv, clock := newSpecClient(t, tt.opts)
			for _, seed := range tt.seeds {
				_, err := srv.Put(seed)
				require.NoError(t, err)
			}
			for i, s := range tt.steps {
				clock.Advance(s.advance)
				before := srv.IDs()
				tables := tableNames(s.tables, 0)
				if s.retryAfter == "" {
					id := c.created(t, tables...)
					require.Contains(t, srv.IDs(), id, "step %d", i)
					continue
				}
				doc := c.refused(t, s.retryAfter, tables...)
				require.Contains(t, doc.Detail, s.detail, "step %d", i)
				// It stores nothing; completed requests it evicted on the way stay evicted.
				require.Subset(t, before, srv.IDs(), "step %d", i)
			}
		})
	}
}

// TestPutMakesRoomAsCreateDoes: seeds count against the limits, are evicted like created requests
// once completed, and are refused like them while the requests held all run.
func TestPutMakesRoomAsCreateDoes(t *testing.T) {
	c, srv, clock := newSpecClient(t, Options{MaxRequests: 2, MaxTables: 3})
	_, err := srv.Put(Seed{ID: "seeded-done", Progress: succeeded})
	require.NoError(t, err)
	running, err := srv.Put(Seed{Progress: processing})
	require.NoError(t, err)

	created := c.created(t, "SHIPMENT")
	gone(t, c, "seeded-done")
	held(t, c, srv, string(running), created)

	_, err = srv.Put(Seed{Progress: succeeded})
	require.Equal(t, CodeTooManyRequests, ErrorCode(err), "%v", err)
	require.ErrorContains(t, err, "try again in 2 s")

	var four []TableSeed
	for _, name := range tableNames(4, 0) {
		four = append(four, TableSeed{Name: name, Progress: pending})
	}
	_, err = srv.Put(Seed{Progress: pending, Tables: four})
	require.Equal(t, CodeInvalidSeed, ErrorCode(err))
	require.EqualError(t, err, "seed names 4 tables, more than the 3 one export request may name")
	_, err = srv.Put(Seed{Progress: pending, Tables: []TableSeed{{Name: tableNames(1, MaxTableNameBytes+1)[0], Progress: pending}}})
	require.Equal(t, CodeInvalidSeed, ErrorCode(err))
	require.ErrorContains(t, err, "is 129 bytes long, more than the 128 a table name may have")

	clock.Advance(time.Minute)
	seeded, err := srv.Put(Seed{ID: "seeded-later", Progress: cancelled})
	require.NoError(t, err)
	gone(t, c, created)
	held(t, c, srv, string(running), string(seeded))
}

// TestFakesWithDefectsEvictToo: their requests keep their full form (they are never compacted);
// they are evicted all the same.
func TestFakesWithDefectsEvictToo(t *testing.T) {
	st, clock := newTestStore(t, testSchedule)
	st.hooks = newDefectSet([]Defect{DefectStuckCancelling}).hooks
	st.limits = limits{perRequest: 10, requests: 2, tables: 100}
	first, err := st.create([]string{"SHIPMENT"})
	require.NoError(t, err)
	stuck, err := st.create([]string{"SHIPMENT"})
	require.NoError(t, err)
	require.NoError(t, st.cancel(string(stuck.RequestID())))
	clock.Advance(time.Minute)

	third, err := st.create([]string{"SHIPMENT"})
	require.NoError(t, err)
	_, err = st.status(string(first.RequestID()))
	require.Equal(t, CodeNotFound, ErrorCode(err))
	require.Equal(t, []string{string(stuck.RequestID()), string(third.RequestID())}, st.ids())
	require.Empty(t, st.done.records)

	clock.Advance(time.Minute)
	_, err = st.create([]string{"SHIPMENT"})
	require.NoError(t, err, "the third completed")
	_, err = st.create([]string{"SHIPMENT"})
	require.Equal(t, CodeTooManyRequests, ErrorCode(err), "a request stuck cancelling never completes")
	require.Contains(t, st.ids(), string(stuck.RequestID()))
}

// TestHugeCreatesStayBounded is issue 9 against a fake with small limits: however many creates
// of large bodies come, the fake holds at most MaxRequests requests and MaxStoredTables tables,
// and no status document is larger than a request of MaxTables tables makes it.
func TestHugeCreatesStayBounded(t *testing.T) {
	const maxRequests, maxStored = 20, 3000
	c, srv, clock := newSpecClient(t, Options{MaxRequests: maxRequests, MaxStoredTables: maxStored})
	largest := tableNames(DefaultMaxTables, MaxTableNameBytes)
	bodies := []string{createBody(largest...), twoTables, createBody(tableNames(300, 40)...)}
	c.conforms(t, http.MethodPost, createPath, issueBody(), http.StatusBadRequest)
	answers := map[int]int{}
	for i := range 100 {
		if i%10 == 9 {
			clock.Advance(time.Hour) // everything held completes
		}
		ex, violations := c.exchange(t, http.MethodPost, createPath, bodies[i%len(bodies)], false)
		require.Empty(t, violations, "create %d: %s", i, ex.Body)
		require.Contains(t, []int{http.StatusAccepted, http.StatusTooManyRequests}, ex.Status, "create %d: %s", i, ex.Body)
		answers[ex.Status]++
		require.LessOrEqual(t, len(srv.IDs()), maxRequests, "create %d", i)
		require.LessOrEqual(t, srv.store.tables, maxStored, "create %d", i)
		require.LessOrEqual(t, len(srv.store.done.nameIdx), maxStored, "create %d: names of evicted requests are kept", i)
	}
	t.Logf("answers: %v", answers)
	require.Greater(t, answers[http.StatusAccepted], maxRequests, "so some were evicted")
	require.Positive(t, answers[http.StatusTooManyRequests])
	limit := statusBytesOfLargest(t)
	for _, id := range srv.IDs() {
		body := c.conforms(t, http.MethodGet, statusURL(id), "", http.StatusOK)
		require.LessOrEqual(t, len(body), limit, "request %s", id)
	}
}

// statusBytesOfLargest is the size of the largest status document a request can have: MaxTables
// tables with names MaxTableNameBytes long, every one succeeded, and an id of 19 digits.
func statusBytesOfLargest(tb testing.TB) int {
	tb.Helper()
	clock := NewManualClock(t0)
	srv := New(Options{Clock: clock})
	srv.store.nextID = 1 << 62 // a 19-digit id
	doc, err := srv.store.create(tableNames(DefaultMaxTables, MaxTableNameBytes))
	require.NoError(tb, err)
	clock.Advance(24 * time.Hour)
	body, err := srv.store.appendStatus(nil, string(doc.RequestID()))
	require.NoError(tb, err)
	return len(body)
}

// TestLargestStatusDocument holds Options.MaxTables to what its doc comment says: the status
// document of the largest request is under 580 KB.
func TestLargestStatusDocument(t *testing.T) {
	n := statusBytesOfLargest(t)
	t.Logf("the largest status document: %d bytes", n)
	require.Less(t, n, 580_000)
	require.Greater(t, n, 500_000, "the largest request was not as large as it could be")
}

// TestEvictionGivesMemoryBack: evicted requests give back their table names and, once enough
// have gone, their bytes of the arena, so that a long run of creates of new names needs no more
// memory than the requests held.
func TestEvictionGivesMemoryBack(t *testing.T) {
	const maxRequests, tables = 50, 10
	st, clock := newTestStore(t, testSchedule)
	st.limits = limits{perRequest: tables, requests: maxRequests, tables: maxRequests * tables}
	for i := range 20000 {
		if i%25 == 0 {
			clock.Advance(time.Minute)
		}
		names := make([]string, tables)
		for j := range names {
			names[j] = fmt.Sprintf("TABLE_%d_%d", i, j)
		}
		doc, err := st.create(names)
		require.NoError(t, err, "create %d", i)
		if i%3 == 0 {
			_, err := st.status(string(doc.RequestID())) // compacted once completed; the others stay live
			require.NoError(t, err)
		}
	}
	require.Len(t, st.ids(), maxRequests)
	require.Equal(t, maxRequests*tables, st.tables)
	require.LessOrEqual(t, len(st.done.nameIdx), maxRequests*tables)
	require.LessOrEqual(t, len(st.done.names), maxRequests*tables+tables, "freed names are reused")
	require.Len(t, st.done.nameIdx, len(st.done.names)-len(st.done.free))
	arena := 0
	for _, chunk := range st.done.arena {
		arena += cap(chunk)
	}
	require.LessOrEqual(t, arena, 2*arenaChunk, "the arena keeps the bytes of evicted records")
	require.NotEmpty(t, st.done.records, "some of those held are compacted")
	for _, id := range st.ids() {
		doc, err := st.status(id)
		require.NoError(t, err)
		require.Len(t, doc.Items(), tables)
		for j, it := range doc.Items() {
			require.Equal(t, fmt.Sprintf("TABLE_%s_%d", strings.Split(it.ItemName, "_")[1], j), it.ItemName, "a repacked record lost its names")
		}
	}
}

// TestCompletionsPopInOrder: the heap of completions gives them back earliest first, ties by key.
func TestCompletionsPopInOrder(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	for range 50 {
		var h completions
		var want []completion
		for range r.IntN(200) {
			c := completion{at: r.Int64N(20), key: r.Int64N(1000) - 500}
			h.push(c)
			want = append(want, c)
		}
		slices.SortFunc(want, func(a, b completion) int {
			return cmp.Or(cmp.Compare(a.at, b.at), cmp.Compare(a.key, b.key))
		})
		var got []completion
		for len(h) > 0 {
			got = append(got, h.pop())
		}
		require.Equal(t, want, got)
	}
}

// TestSpecDeclaresRetryAfter: a 429 to a create must carry Retry-After, as seconds or as an
// HTTP-date; the validator flags one without it.
func TestSpecDeclaresRetryAfter(t *testing.T) {
	v, err := openapi.NewValidator()
	require.NoError(t, err)
	body := []byte(`{"type":"https://tools.ietf.org/html/rfc6585#section-4","title":"Too Many Requests","status":429,"detail":"full"}`)
	tests := []struct {
		retryAfter string
		ok         bool
	}{
		{"1", true},
		{"120", true},
		{"Wed, 21 Oct 2015 07:28:00 GMT", true},
		{"", false},
		{"soon", false},
		{"-1", false},
	}
	for _, tt := range tests {
		t.Run(tt.retryAfter, func(t *testing.T) {
			req := httptest.NewRequest(http.MethodPost, createPath, strings.NewReader(twoTables))
			req.Header.Set("Content-Type", "application/json")
			req.SetBasicAuth(DefaultUsername, DefaultPassword)
			h := http.Header{"Content-Type": {jsonContentType}}
			if tt.retryAfter != "" {
				h.Set("Retry-After", tt.retryAfter)
			}
			violations := v.Validate(req, []byte(twoTables), openapi.Response{Status: http.StatusTooManyRequests, Header: h, Body: body}).Violations
			if tt.ok {
				require.Empty(t, violations)
			} else {
				require.NotEmpty(t, violations)
			}
		})
	}
}

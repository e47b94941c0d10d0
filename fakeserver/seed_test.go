package fakeserver

import (
	"encoding/json"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/conform-harness/conform/export"
)

func TestPutLegalSeeds(t *testing.T) {
	p := func(ps ...export.Progress) []export.Progress { return ps }
	tables := func(ps ...export.Progress) []TableSeed {
		var out []TableSeed
		for i, pr := range ps {
			out = append(out, TableSeed{Name: string(rune('A' + i)), Progress: pr})
		}
		return out
	}
	tests := []struct {
		name  string
		seed  Seed
		items []export.Progress
	}{
		{"pending", Seed{Progress: pending, Tables: tables(pending, pending)}, p(pending, pending)},
		{"processing first table", Seed{Progress: processing, Tables: tables(processing, pending)}, p(processing, pending)},
		{"processing between tables", Seed{Progress: processing, Tables: tables(succeeded, pending)}, p(succeeded, pending)},
		{"processing after a failure", Seed{Progress: processing, Tables: tables(failed, processing)}, p(failed, processing)},
		{"processing not yet on a table", Seed{Progress: processing, Tables: tables(pending)}, p(pending)},
		{"cancelling", Seed{Progress: cancelling, Tables: tables(succeeded, processing, pending)}, p(succeeded, processing, pending)},
		{"cancelling a pending request", Seed{Progress: cancelling, Tables: tables(pending)}, p(pending)},
		{"succeeded", Seed{Progress: succeeded, Tables: tables(succeeded, succeeded)}, p(succeeded, succeeded)},
		{"failed", Seed{Progress: failed, Tables: tables(succeeded, failed)}, p(succeeded, failed)},
		{"cancelled", Seed{Progress: cancelled, Tables: tables(failed, cancelled, cancelled)}, p(failed, cancelled, cancelled)},
		{"cancelled before any table ran", Seed{Progress: cancelled, Tables: tables(cancelled)}, p(cancelled)},
		{"default tables pending", Seed{Progress: pending}, p(pending, pending)},
		{"default tables processing", Seed{Progress: processing}, p(succeeded, pending)},
		{"default tables cancelling", Seed{Progress: cancelling}, p(succeeded, pending)},
		{"default tables succeeded", Seed{Progress: succeeded}, p(succeeded, succeeded)},
		{"default tables failed", Seed{Progress: failed}, p(succeeded, failed)},
		{"default tables cancelled", Seed{Progress: cancelled}, p(succeeded, cancelled)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			st, clock := newTestStore(t, testSchedule)
			id, err := st.put(tt.seed)
			require.NoError(t, err)
			require.Equal(t, export.ID("1000"), id)

			doc := mustStatus(t, st, id)
			require.Equal(t, tt.seed.Progress, doc.Progress)
			require.Equal(t, tt.seed.Progress.Terminal(), doc.Completed)
			require.Equal(t, tt.items, progresses(doc))
			require.Equal(t, id, doc.RequestID())
			for _, it := range doc.Items() {
				switch it.Progress {
				case succeeded:
					requireOnePart(t, doc, it)
				default:
					require.Equal(t, export.Parts{Count: 0, Items: []export.Part{}}, it.Parts, it.ItemName)
				}
				switch it.Progress {
				case succeeded, failed:
					require.NotEmpty(t, it.StartTime, it.ItemName)
					require.NotEmpty(t, it.EndTime, it.ItemName)
				case processing:
					require.Equal(t, "2022-11-29T15:21:58Z", it.StartTime.Value, "a processing table started at the Put")
					require.Empty(t, it.EndTime)
				default:
					require.Empty(t, it.StartTime, it.ItemName)
					require.Empty(t, it.EndTime, it.ItemName)
				}
			}
			if tt.seed.Progress == pending {
				require.Nil(t, doc.StartTime)
			} else {
				require.NotNil(t, doc.StartTime)
			}

			// A seed stays as seeded; only a cancelling one moves, to cancelled.
			clock.Advance(time.Hour)
			later := mustStatus(t, st, id)
			if tt.seed.Progress == cancelling {
				require.Equal(t, cancelled, later.Progress)
				return
			}
			require.Equal(t, doc, later)
		})
	}
}

func TestPutRejectsInconsistentSeeds(t *testing.T) {
	ok := TableSeed{Name: "SHIPMENT", Progress: succeeded}
	tests := []struct {
		name string
		seed Seed
		want string
	}{
		{"unknown request progress", Seed{Progress: "running"}, `seed progress "running"`},
		{"interrupted request", Seed{Progress: export.Interrupted}, `seed progress "interrupted"`},
		{"no progress", Seed{}, `seed progress ""`},
		{"succeeded with a pending table", Seed{Progress: succeeded, Tables: []TableSeed{ok, {Name: "SHIPMENT_REFNUM", Progress: pending}}},
			`seed request is succeeded but table SHIPMENT_REFNUM is "pending": a succeeded request has only succeeded tables`},
		{"pending with a processing table", Seed{Progress: pending, Tables: []TableSeed{{Name: "A", Progress: processing}}},
			"a pending request has only pending tables"},
		{"processing with a cancelled table", Seed{Progress: processing, Tables: []TableSeed{{Name: "A", Progress: cancelled}, {Name: "B", Progress: pending}}},
			"a processing request has no cancelled tables"},
		{"cancelling with a cancelled table", Seed{Progress: cancelling, Tables: []TableSeed{{Name: "A", Progress: cancelled}}},
			"no cancelled tables until the cancellation settles"},
		{"failed with a pending table", Seed{Progress: failed, Tables: []TableSeed{{Name: "A", Progress: failed}, {Name: "B", Progress: pending}}},
			"a failed request has only finished tables"},
		{"failed without a failed table", Seed{Progress: failed, Tables: []TableSeed{ok}},
			"no table failed"},
		{"cancelled without a cancelled table", Seed{Progress: cancelled, Tables: []TableSeed{ok}},
			"no table is cancelled"},
		{"cancelled with a processing table", Seed{Progress: cancelled, Tables: []TableSeed{{Name: "A", Progress: processing}}},
			"a cancelled request has only finished or cancelled tables"},
		{"processing with every table finished", Seed{Progress: processing, Tables: []TableSeed{ok}},
			"every table has finished"},
		{"two processing tables", Seed{Progress: processing, Tables: []TableSeed{{Name: "A", Progress: processing}, {Name: "B", Progress: processing}}},
			"2 processing tables"},
		{"a finished table after a pending one", Seed{Progress: processing, Tables: []TableSeed{{Name: "A", Progress: pending}, {Name: "B", Progress: succeeded}}},
			"table B is succeeded after table A is pending"},
		{"a processing table after a pending one", Seed{Progress: processing, Tables: []TableSeed{{Name: "A", Progress: pending}, {Name: "B", Progress: processing}}},
			"tables are processed one after another"},
		{"a cancelled table before a finished one", Seed{Progress: cancelled, Tables: []TableSeed{{Name: "A", Progress: cancelled}, {Name: "B", Progress: succeeded}}},
			"table B is succeeded after table A is cancelled"},
		{"item progress cancelling", Seed{Progress: processing, Tables: []TableSeed{{Name: "A", Progress: cancelling}}},
			`table A is "cancelling"`},
		{"unnamed table", Seed{Progress: pending, Tables: []TableSeed{{Name: " ", Progress: pending}}},
			"seed table 1 has no name"},
		{"repeated table", Seed{Progress: pending, Tables: []TableSeed{{Name: "A", Progress: pending}, {Name: "A", Progress: pending}}},
			`seed table "A" appears twice`},
		{"negative records", Seed{Progress: succeeded, Tables: []TableSeed{{Name: "A", Progress: succeeded, Records: -1}}},
			"negative record count -1"},
		{"records on a pending table", Seed{Progress: pending, Tables: []TableSeed{{Name: "A", Progress: pending, Records: 5}}},
			"only a succeeded table has a record count"},
		{"checksum on a failed table", Seed{Progress: failed, Tables: []TableSeed{{Name: "A", Progress: failed, Checksum: "c9179dae8947cb56abaed4f6c2ea09b3"}}},
			"only a succeeded table has a record count and a checksum"},
		{"checksum not md5", Seed{Progress: succeeded, Tables: []TableSeed{{Name: "A", Progress: succeeded, Checksum: "xyz"}}},
			`checksum "xyz" is not 32 hex digits`},
		{"id with a slash", Seed{ID: "12/34", Progress: pending}, `seed id "12/34" cannot name a request`},
		{"id with a space", Seed{ID: "12 34", Progress: pending}, "cannot name a request in a URL path"},
		{"id too long", Seed{ID: strings.Repeat("9", 201), Progress: pending}, "cannot name a request in a URL path"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			st, _ := newTestStore(t, testSchedule)
			_, err := st.put(tt.seed)
			require.Error(t, err)
			require.Equal(t, CodeInvalidSeed, ErrorCode(err))
			require.Contains(t, err.Error(), tt.want)
			require.Empty(t, st.exports, "a rejected seed was stored")
		})
	}
}

func TestPutIDs(t *testing.T) {
	st, _ := newTestStore(t, testSchedule)
	id, err := st.put(Seed{ID: "1000", Progress: pending})
	require.NoError(t, err)
	require.Equal(t, export.ID("1000"), id)

	_, err = st.put(Seed{ID: "1000", Progress: succeeded})
	require.ErrorContains(t, err, `seed id "1000" is already taken`)
	require.Equal(t, pending, mustStatus(t, st, "1000").Progress, "a refused seed replaced the request")

	id, err = st.put(Seed{Progress: pending})
	require.NoError(t, err)
	require.Equal(t, export.ID("1001"), id, "generated ids skip a seeded one")

	created, err := st.create([]string{"T"})
	require.NoError(t, err)
	require.Equal(t, export.ID("1002"), created.RequestID())

	id, err = st.put(Seed{ID: "export-é", Progress: pending})
	require.NoError(t, err)
	require.Equal(t, export.ID("export-é"), id)
	doc := mustStatus(t, st, id)
	require.Equal(t, id, doc.RequestID())
}

func TestPutKeepsChosenRecordsAndChecksum(t *testing.T) {
	st, _ := newTestStore(t, testSchedule)
	id, err := st.put(Seed{Progress: succeeded, Tables: []TableSeed{
		{Name: "SHIPMENT", Progress: succeeded, Records: 7, Checksum: "C9179DAE8947CB56ABAED4F6C2EA09B3"},
		{Name: "ORDER", Progress: succeeded},
	}})
	require.NoError(t, err)
	doc := mustStatus(t, st, id)
	chosen, derived := doc.Items()[0], doc.Items()[1]
	require.Equal(t, []export.Part{{PartName: "DATA_1000_SHIPMENT_1_1.csv", RecordCount: 7, Checksum: "C9179DAE8947CB56ABAED4F6C2EA09B3"}}, chosen.Parts.Items)
	require.Equal(t, derivedRecords("ORDER"), derived.Parts.Items[0].RecordCount)
	require.Equal(t, derivedChecksum("DATA_1000_ORDER_1_1.csv", derivedRecords("ORDER")), derived.Parts.Items[0].Checksum)
}

// TestPutWorkedExample replays the seed's use case: request 12345 processing, SHIPMENT done with
// 92 records, SHIPMENT_REFNUM pending, then a cancel. With the clock and durations chosen to
// match the example's times, the documents must be the seed's own, field for field.
func TestPutWorkedExample(t *testing.T) {
	clock := NewManualClock(time.Date(2022, 11, 29, 15, 22, 17, 0, time.UTC))
	srv := New(Options{Clock: clock, StartDelay: 2 * time.Second, TableDuration: 19 * time.Second, CancelDelay: 5 * time.Second})
	id, err := srv.Put(Seed{ID: "12345", Progress: processing, Tables: []TableSeed{
		{Name: "SHIPMENT", Progress: succeeded, Records: 92, Checksum: "c9179dae8947cb56abaed4f6c2ea09b3"},
		{Name: "SHIPMENT_REFNUM", Progress: pending},
	}})
	require.NoError(t, err)
	require.Equal(t, export.ID("12345"), id)
	before, ok := srv.Status("12345")
	require.True(t, ok)
	require.Equal(t, processing, before.Progress)

	require.NoError(t, srv.store.cancel("12345"))
	requireSeedDocument(t, srv, "12345", "testdata/seed-cancelling.json")

	clock.Advance(5*time.Second - time.Nanosecond)
	requireSeedDocument(t, srv, "12345", "testdata/seed-cancelling.json")
	clock.Advance(time.Nanosecond)
	requireSeedDocument(t, srv, "12345", "testdata/seed-cancelled.json")

	after, ok := srv.Status("12345")
	require.True(t, ok)
	require.Equal(t, before.Items()[0], after.Items()[0], "SHIPMENT changed across the cancellation")
}

// requireSeedDocument compares the status document of id with a document of the seed. The seed
// elides links, so they are checked apart.
func requireSeedDocument(tb testing.TB, srv *Server, id, golden string) {
	tb.Helper()
	want, err := os.ReadFile(golden)
	require.NoError(tb, err)
	doc, ok := srv.Status(id)
	require.True(tb, ok)
	require.Equal(tb, []export.Link{{Rel: "self", Href: export.Root + "/exportStatuses/" + id}}, doc.Links)
	doc.Links = nil
	got, err := json.Marshal(doc)
	require.NoError(tb, err)
	require.JSONEq(tb, string(want), string(got))
}

func TestDefaultProcessingSeedIsTheVendorExample(t *testing.T) {
	st, _ := newTestStore(t, testSchedule)
	id, err := st.put(Seed{ID: "12345", Progress: processing})
	require.NoError(t, err)
	doc := mustStatus(t, st, id)
	shipment, ok := doc.Item("SHIPMENT")
	require.True(t, ok)
	require.Equal(t, []export.Part{{PartName: "DATA_12345_SHIPMENT_1_1.csv", RecordCount: 92, Checksum: "c9179dae8947cb56abaed4f6c2ea09b3"}}, shipment.Parts.Items)
}

func TestIDsListsCreatedAndPutRequests(t *testing.T) {
	srv := New(Options{Clock: NewManualClock(time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC))})
	require.Empty(t, srv.IDs())
	_, err := srv.Put(Seed{ID: "12345", Progress: export.Processing})
	require.NoError(t, err)
	id, err := srv.Put(Seed{Progress: export.Succeeded})
	require.NoError(t, err)
	require.Equal(t, []string{string(id), "12345"}, srv.IDs())
}

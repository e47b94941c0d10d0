package fakeserver

import (
	"bytes"
	"encoding/json"
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"log/slog"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/conform-harness/conform/export"
	"github.com/conform-harness/conform/openapi"
)

// defectConstants returns the values of every constant of type Defect declared in defects.go,
// read from the source so that a constant added without a registry entry is noticed.
func defectConstants(tb testing.TB) []Defect {
	tb.Helper()
	f, err := parser.ParseFile(token.NewFileSet(), "defects.go", nil, 0)
	require.NoError(tb, err)
	var out []Defect
	for _, decl := range f.Decls {
		gen, ok := decl.(*ast.GenDecl)
		if !ok || gen.Tok != token.CONST {
			continue
		}
		for _, spec := range gen.Specs {
			vs := spec.(*ast.ValueSpec)
			if typ, ok := vs.Type.(*ast.Ident); !ok || typ.Name != "Defect" {
				continue
			}
			for _, v := range vs.Values {
				lit, ok := v.(*ast.BasicLit)
				require.True(tb, ok, "a Defect constant is a string literal")
				s, err := strconv.Unquote(lit.Value)
				require.NoError(tb, err)
				out = append(out, Defect(s))
			}
		}
	}
	slices.Sort(out)
	return out
}

func TestDefectsListsEveryConstantWithADescription(t *testing.T) {
	consts := defectConstants(t)
	require.GreaterOrEqual(t, len(consts), 12, "the issue asks for at least 12")

	infos := Defects()
	var names []Defect
	for _, info := range infos {
		names = append(names, info.Name)
		require.Regexp(t, `^[a-z]+(-[a-z]+)+$`, string(info.Name), "names are kebab-case")
		require.NotEmpty(t, strings.TrimSpace(info.Description), "%s has no description", info.Name)
		require.Regexp(t, `^[A-Z].*; a correct server .*\.$`, info.Description,
			"%s: say what the broken server does, then what a correct one does", info.Name)
	}
	require.Equal(t, consts, names, "Defects lists every constant, sorted by name, and nothing else")
}

func TestParseDefect(t *testing.T) {
	for _, info := range Defects() {
		got, err := ParseDefect(string(info.Name))
		require.NoError(t, err)
		require.Equal(t, info.Name, got)
	}
	for _, bad := range []string{"", "nope", "Stuck-Cancelling", " stuck-cancelling", "stuck_cancelling"} {
		t.Run(strconv.Quote(bad), func(t *testing.T) {
			got, err := ParseDefect(bad)
			require.Error(t, err)
			require.Empty(t, got)
			require.ErrorContains(t, err, "unknown defect "+strconv.Quote(bad)+": want one of ")
			for _, info := range Defects() {
				require.ErrorContains(t, err, string(info.Name), "the error lists the known names")
			}
		})
	}
}

func TestNewPanicsOnAnUnknownDefect(t *testing.T) {
	require.PanicsWithValue(t, `fakeserver.New: unknown defect "nope": want one of `+knownDefectNames(),
		func() { New(Options{Defects: []Defect{DefectStuckCancelling, "nope"}}) })
	require.NotPanics(t, func() { New(Options{Defects: []Defect{DefectStuckCancelling, DefectStuckCancelling}}) })
}

func knownDefectNames() string {
	var names []string
	for _, info := range Defects() {
		names = append(names, string(info.Name))
	}
	return strings.Join(names, ", ")
}

// defectFake is one fake for a defect test: its HTTP front on 127.0.0.1, its clock, the spec.
type defectFake struct {
	*specClient
	srv   *Server
	clock *ManualClock
	logs  *bytes.Buffer
}

func newDefectFake(tb testing.TB, defects ...Defect) *defectFake {
	tb.Helper()
	var logs bytes.Buffer
	c, srv, clock := newSpecClient(tb, Options{Defects: defects, Logger: slog.New(slog.NewTextHandler(&logs, nil))})
	return &defectFake{specClient: c, srv: srv, clock: clock, logs: &logs}
}

// get sends one request with credentials and returns the answer and its spec violations.
func (f *defectFake) get(tb testing.TB, method, path string) (reply, []openapi.Violation) {
	tb.Helper()
	ex, violations := f.exchange(tb, method, path, "", false)
	return reply{status: ex.Status, header: ex.Header, body: ex.Body}, violations
}

// doc is GET of id's status document, decoded; the answer must be a 200 that decodes.
func (f *defectFake) doc(tb testing.TB, id string) export.Status {
	tb.Helper()
	r, _ := f.get(tb, http.MethodGet, statusURL(id))
	require.Equal(tb, http.StatusOK, r.status, "body: %s", r.body)
	var doc export.Status
	require.NoError(tb, json.Unmarshal(r.body, &doc), "body: %s", r.body)
	return doc
}

func (f *defectFake) put(tb testing.TB, seed Seed) string {
	tb.Helper()
	id, err := f.srv.Put(seed)
	require.NoError(tb, err)
	return string(id)
}

// runningRequests returns two requests in the same state, one put and one created, so that a
// defect is seen on both of the harness's paths (the bundled arranger puts, the live one
// creates): SHIPMENT succeeded, ORDER_RELEASE processing, SHIPMENT_REFNUM pending.
func (f *defectFake) runningRequests(tb testing.TB) []string {
	tb.Helper()
	put := f.put(tb, Seed{Progress: export.Processing, Tables: []TableSeed{
		{Name: "SHIPMENT", Progress: export.Succeeded},
		{Name: "ORDER_RELEASE", Progress: export.Processing},
		{Name: "SHIPMENT_REFNUM", Progress: export.Pending},
	}})
	body := f.conforms(tb, http.MethodPost, createPath,
		`{"tables":{"items":[{"tableName":"SHIPMENT"},{"tableName":"ORDER_RELEASE"},{"tableName":"SHIPMENT_REFNUM"}]}}`, http.StatusAccepted)
	var created export.Status
	require.NoError(tb, json.Unmarshal(body, &created))
	f.clock.Advance(DefaultTableDuration)
	ids := []string{put, string(created.RequestID())}
	for _, id := range ids {
		require.Equal(tb, []export.Progress{succeeded, processing, pending}, progresses(f.doc(tb, id)), "request %s", id)
	}
	return ids
}

// cancelAndSettle cancels every id, which must be accepted, and then lets the clock run long
// past the cancellation delay.
func (f *defectFake) cancelAndSettle(tb testing.TB, ids ...string) {
	tb.Helper()
	for _, id := range ids {
		r, _ := f.get(tb, http.MethodPost, cancelURL(id))
		require.Equal(tb, http.StatusOK, r.status, "body: %s", r.body)
	}
	f.clock.Advance(time.Hour)
}

// pointers lists the JSON pointers of violations, to say which fields a defect breaks.
func pointers(violations []openapi.Violation) []string {
	var out []string
	for _, v := range violations {
		out = append(out, v.Pointer)
	}
	return out
}

// defectCases shows each defect at the HTTP level. check runs the same calls against a correct
// fake (broken false) and one with only that defect (broken true), and asserts the correct answer
// or the broken one.
var defectCases = map[Defect]func(t *testing.T, f *defectFake, broken bool){
	DefectCancelRunningWrongStatus: func(t *testing.T, f *defectFake, broken bool) {
		want := map[bool]int{false: http.StatusOK, true: http.StatusAccepted}[broken]
		for _, id := range f.runningRequests(t) {
			r, violations := f.get(t, http.MethodPost, cancelURL(id))
			require.Equal(t, want, r.status, "body: %s", r.body)
			require.Empty(t, r.body)
			require.Equal(t, broken, len(violations) > 0, "the spec declares no 202 for a cancel: %v", violations)
			require.Equal(t, cancelling, f.doc(t, id).Progress, "the request is cancelled all the same")
			r, _ = f.get(t, http.MethodPost, cancelURL(id))
			require.Equal(t, want, r.status, "a second cancel while cancelling answers like the first")
		}
	},
	DefectCancelRunningNoContent: func(t *testing.T, f *defectFake, broken bool) {
		want := map[bool]int{false: http.StatusOK, true: http.StatusNoContent}[broken]
		for _, id := range f.runningRequests(t) {
			r, violations := f.get(t, http.MethodPost, cancelURL(id))
			require.Equal(t, want, r.status, "body: %s", r.body)
			require.Empty(t, r.body)
			require.Equal(t, broken, len(violations) > 0, "the spec declares no 204 for a cancel: %v", violations)
			if broken {
				require.Empty(t, r.header.Get("Content-Length")+r.header.Get("Content-Type"), "a 204 has no body to describe")
			}
			require.Equal(t, cancelling, f.doc(t, id).Progress, "the request is cancelled all the same")
		}
		done := f.put(t, Seed{Progress: succeeded})
		r, _ := f.get(t, http.MethodPost, cancelURL(done))
		errorDoc(t, r, http.StatusBadRequest) // a refused cancel is refused as ever
	},
	DefectCancelCompletedWrongStatus: func(t *testing.T, f *defectFake, broken bool) {
		want := map[bool]int{false: http.StatusBadRequest, true: http.StatusConflict}[broken]
		for _, p := range []export.Progress{succeeded, failed, cancelled} {
			id := f.put(t, Seed{Progress: p})
			r, violations := f.get(t, http.MethodPost, cancelURL(id))
			doc := errorDoc(t, r, want)
			require.Contains(t, doc.Detail, "invalid state for a cancellation request", "only the status is wrong")
			require.Equal(t, broken, len(violations) > 0, "the spec declares no 409: %v", violations)
			require.Equal(t, p, f.doc(t, id).Progress)
		}
	},
	DefectCancelUnknownWrongStatus: func(t *testing.T, f *defectFake, broken bool) {
		want := map[bool]int{false: http.StatusNotFound, true: http.StatusBadRequest}[broken]
		for _, id := range []string{"987654321987", "not-a-number"} {
			r, _ := f.get(t, http.MethodPost, cancelURL(id))
			require.Contains(t, errorDoc(t, r, want).Detail, "does not exist")
			r, _ = f.get(t, http.MethodGet, statusURL(id))
			errorDoc(t, r, http.StatusNotFound) // only the cancel is wrong
		}
	},
	DefectCancelNoEffect: func(t *testing.T, f *defectFake, broken bool) {
		ids := f.runningRequests(t)
		for _, id := range ids {
			r, _ := f.get(t, http.MethodPost, cancelURL(id))
			require.Equal(t, http.StatusOK, r.status, "body: %s", r.body)
			want := map[bool]export.Progress{false: cancelling, true: processing}[broken]
			require.Equal(t, want, f.doc(t, id).Progress)
		}
		f.clock.Advance(time.Hour)
		put, created := ids[0], ids[1]
		want := map[bool][]export.Progress{false: {cancelled, cancelled}, true: {processing, succeeded}}[broken]
		require.Equal(t, want, []export.Progress{f.doc(t, put).Progress, f.doc(t, created).Progress},
			"broken: the put request stays as it was, the created one runs to its end")
		r, _ := f.get(t, http.MethodPost, cancelURL(put))
		require.Equal(t, map[bool]int{false: http.StatusBadRequest, true: http.StatusOK}[broken], r.status)
	},
	DefectCancelWithoutCredentials: func(t *testing.T, f *defectFake, broken bool) {
		for _, id := range f.runningRequests(t) {
			ex, _ := f.exchange(t, http.MethodPost, cancelURL(id), "", true)
			require.Equal(t, http.StatusUnauthorized, ex.Status)
			require.NotEmpty(t, ex.Header.Get("WWW-Authenticate"))
			want := map[bool]export.Progress{false: processing, true: cancelling}[broken]
			require.Equal(t, want, f.doc(t, id).Progress)
		}
		ex, _ := f.exchange(t, http.MethodPost, cancelURL("987654321987"), "", true)
		require.Equal(t, http.StatusUnauthorized, ex.Status, "an unknown id changes nothing either way")
	},
	DefectStuckCancelling: func(t *testing.T, f *defectFake, broken bool) {
		ids := f.runningRequests(t)
		f.cancelAndSettle(t, ids...)
		for _, id := range ids {
			doc := f.doc(t, id)
			want := map[bool]export.Progress{false: cancelled, true: cancelling}[broken]
			require.Equal(t, want, doc.Progress)
			require.Equal(t, !broken, doc.Completed)
			r, _ := f.get(t, http.MethodPost, cancelURL(id))
			require.Equal(t, map[bool]int{false: http.StatusBadRequest, true: http.StatusOK}[broken], r.status,
				"a stuck request has not completed, so it may be cancelled again")
		}
	},
	DefectFinishedItemsChange: func(t *testing.T, f *defectFake, broken bool) {
		ids := f.runningRequests(t)
		shipment := func(id string) export.Item {
			doc := f.doc(t, id)
			it, ok := doc.Item("SHIPMENT")
			require.True(t, ok)
			return it
		}
		var befores []export.Item
		for _, id := range ids {
			befores = append(befores, shipment(id))
			r, _ := f.get(t, http.MethodPost, cancelURL(id))
			require.Equal(t, http.StatusOK, r.status)
			require.Equal(t, befores[len(befores)-1], shipment(id), "nothing changes before the cancellation settles")
		}
		f.clock.Advance(time.Hour)
		for i, id := range ids {
			before := befores[i]
			doc := f.doc(t, id)
			require.Equal(t, cancelled, doc.Progress)
			after, _ := doc.Item("SHIPMENT")
			require.Equal(t, succeeded, after.Progress)
			require.Equal(t, before.Parts.Items[0].PartName, after.Parts.Items[0].PartName)
			require.Equal(t, broken, before.Parts.Items[0].Checksum != after.Parts.Items[0].Checksum,
				"checksum before %s, after %s", before.Parts.Items[0].Checksum, after.Parts.Items[0].Checksum)
		}
	},
	DefectPendingNotCancelled: func(t *testing.T, f *defectFake, broken bool) {
		ids := f.runningRequests(t)
		f.cancelAndSettle(t, ids...)
		for _, id := range ids {
			doc := f.doc(t, id)
			require.Equal(t, cancelled, doc.Progress)
			require.True(t, doc.Completed)
			want := map[bool]export.Progress{false: cancelled, true: pending}[broken]
			require.Equal(t, []export.Progress{succeeded, cancelled, want}, progresses(doc),
				"the processing table is cancelled either way; the pending one only by a correct server")
		}
	},
	DefectRunningItemsInterrupted: func(t *testing.T, f *defectFake, broken bool) {
		ids := f.runningRequests(t)
		f.cancelAndSettle(t, ids...)
		want := map[bool]export.Progress{false: cancelled, true: export.Interrupted}[broken]
		for _, id := range ids {
			doc := f.doc(t, id)
			require.Equal(t, cancelled, doc.Progress, "the request itself settles as cancelled either way")
			require.True(t, doc.Completed)
			require.Equal(t, []export.Progress{succeeded, want, want}, progresses(doc),
				"the finished table stays succeeded; the processing and the pending one end %s", want)
			processing, _ := doc.Item("ORDER_RELEASE")
			require.NotEmpty(t, processing.EndTime, "a table that had started gets an end time")
			pending, _ := doc.Item("SHIPMENT_REFNUM")
			require.Empty(t, pending.EndTime, "a table that had not started gets none")
		}
	},
	DefectCancelledItemsVanish: func(t *testing.T, f *defectFake, broken bool) {
		ids := f.runningRequests(t)
		f.cancelAndSettle(t, ids...)
		want := map[bool][]export.Progress{false: {succeeded, cancelled, cancelled}, true: {succeeded}}[broken]
		for _, id := range ids {
			r, violations := f.get(t, http.MethodGet, statusURL(id))
			require.Empty(t, violations, "every document is well formed: %s", r.body)
			doc := f.doc(t, id)
			require.Equal(t, cancelled, doc.Progress)
			require.Equal(t, want, progresses(doc), "only the finished table is left when broken")
		}
		id := f.put(t, Seed{Progress: cancelled, Tables: []TableSeed{{Name: "SHIPMENT", Progress: cancelled}}})
		seeded := f.doc(t, id)
		require.Equal(t, map[bool]int{false: 1, true: 0}[broken], len(seeded.Items()), "a request seeded cancelled too")
	},
	DefectTableAddedAfterCancel: func(t *testing.T, f *defectFake, broken bool) {
		ids := f.runningRequests(t)
		for _, id := range ids {
			r, _ := f.get(t, http.MethodPost, cancelURL(id))
			require.Equal(t, http.StatusOK, r.status, "body: %s", r.body)
			doc := f.doc(t, id)
			require.Len(t, doc.Items(), 3, "nothing is added while cancelling")
		}
		f.clock.Advance(time.Hour)
		for _, id := range ids {
			doc := f.doc(t, id)
			require.Equal(t, cancelled, doc.Progress)
			want := []export.Progress{succeeded, cancelled, cancelled}
			if broken {
				want = append(want, succeeded)
			}
			require.Equal(t, want, progresses(doc))
			late, ok := doc.Item(lateTable)
			require.Equal(t, broken, ok)
			if broken {
				require.Equal(t, export.ID("4"), late.ItemID)
				require.Len(t, late.Parts.Items, 1, "with a file")
				require.NotEmpty(t, late.Parts.Items[0].Checksum)
			}
		}
	},
	DefectCompletedFlagWrong: func(t *testing.T, f *defectFake, broken bool) {
		ids := f.runningRequests(t)
		f.cancelAndSettle(t, ids...)
		ids = append(ids, f.put(t, Seed{Progress: cancelled}))
		f.put(t, Seed{Progress: succeeded, ID: "done"})
		for _, id := range ids {
			doc := f.doc(t, id)
			require.Equal(t, cancelled, doc.Progress)
			require.Equal(t, !broken, doc.Completed)
		}
		require.True(t, f.doc(t, "done").Completed, "only cancelled requests are wrong")
	},
	DefectProgressMisspelt: func(t *testing.T, f *defectFake, broken bool) {
		ids := f.runningRequests(t)
		f.cancelAndSettle(t, ids...)
		for _, id := range ids {
			r, violations := f.get(t, http.MethodGet, statusURL(id))
			require.Equal(t, http.StatusOK, r.status)
			require.Equal(t, broken, bytes.Contains(r.body, []byte(`"progress":"canceled"`)), "body: %s", r.body)
			require.Equal(t, !broken, bytes.Contains(r.body, []byte(`"progress":"cancelled"`)), "body: %s", r.body)
			if broken {
				require.Equal(t, []string{"/progress", "/result/body/tables/items/1/progress", "/result/body/tables/items/2/progress"},
					pointers(violations))
			} else {
				require.Empty(t, violations)
			}
		}
		doc, ok := f.srv.Status(ids[0])
		require.True(t, ok)
		require.Equal(t, cancelled, doc.Progress, "Status shows what the fake holds, not the garbled answer")
	},
	DefectWrongJSONTypes: func(t *testing.T, f *defectFake, broken bool) {
		id := f.put(t, Seed{ID: "12345", Progress: succeeded, Tables: []TableSeed{
			{Name: "SHIPMENT", Progress: succeeded, Records: 92, Checksum: "c9179dae8947cb56abaed4f6c2ea09b3"},
		}})
		r, violations := f.get(t, http.MethodGet, statusURL(id))
		require.Equal(t, http.StatusOK, r.status)
		for correct, garbled := range map[string]string{
			`"completed":true`: `"completed":"true"`, `"recordCount":92`: `"recordCount":"92"`, `"count":1`: `"count":"1"`,
			`"totalResults":92`: `"totalResults":"92"`, `"offset":0`: `"offset":"0"`, `"totalRecordCount":92`: `"totalRecordCount":"92"`,
		} {
			require.Equal(t, !broken, bytes.Contains(r.body, []byte(correct)), "%s in %s", correct, r.body)
			require.Equal(t, broken, bytes.Contains(r.body, []byte(garbled)), "%s in %s", garbled, r.body)
		}
		require.Contains(t, string(r.body), `"requestID":12345`, "ids may be numbers or strings, so they stay")
		var doc export.Status
		require.Equal(t, broken, json.Unmarshal(r.body, &doc) != nil, "a client cannot decode it")
		if broken {
			require.Contains(t, pointers(violations), "/completed")
			require.Contains(t, pointers(violations), "/result/body/tables/items/0/parts/items/0/recordCount")
		} else {
			require.Empty(t, violations)
		}
		ex, violations := f.exchange(t, http.MethodPost, createPath, twoTables, false)
		require.Equal(t, http.StatusAccepted, ex.Status)
		require.Equal(t, broken, bytes.Contains(ex.Body, []byte(`"completed":"false"`)), "body: %s", ex.Body)
		require.Equal(t, broken, len(violations) > 0, "the create answer too: %v", violations)
	},
	DefectMissingRequiredField: func(t *testing.T, f *defectFake, broken bool) {
		ex, createViolations := f.exchange(t, http.MethodPost, createPath, twoTables, false)
		require.Equal(t, http.StatusAccepted, ex.Status)
		id := f.put(t, Seed{Progress: succeeded})
		r, violations := f.get(t, http.MethodGet, statusURL(id))
		require.Equal(t, http.StatusOK, r.status)
		for _, body := range [][]byte{ex.Body, r.body} {
			var fields map[string]json.RawMessage
			require.NoError(t, json.Unmarshal(body, &fields), "still JSON: %s", body)
			_, has := fields["completed"]
			require.Equal(t, !broken, has, "body: %s", body)
			require.Contains(t, fields, "result")
		}
		want := map[bool][]string{false: nil, true: {"/completed"}}[broken]
		require.Equal(t, want, pointers(violations))
		require.Equal(t, want, pointers(createViolations))
	},
	DefectChecksumMissing: func(t *testing.T, f *defectFake, broken bool) {
		id := f.put(t, Seed{Progress: succeeded})
		r, violations := f.get(t, http.MethodGet, statusURL(id))
		require.Equal(t, http.StatusOK, r.status)
		require.Equal(t, !broken, bytes.Contains(r.body, []byte(`"checksum":`)), "body: %s", r.body)
		var doc export.Status
		require.NoError(t, json.Unmarshal(r.body, &doc), "still JSON: %s", r.body)
		require.NotEmpty(t, doc.Items())
		var want []string
		for i, it := range doc.Items() {
			require.NotEmpty(t, it.Parts.Items, "a finished table has its parts")
			for j := range it.Parts.Items {
				if broken {
					want = append(want, fmt.Sprintf("/result/body/tables/items/%d/parts/items/%d/checksum", i, j))
				}
			}
		}
		require.Equal(t, want, pointers(violations))
	},
	DefectWrongRequestID: func(t *testing.T, f *defectFake, broken bool) {
		for id, other := range map[string]export.ID{"12345": "12346", "X-1": "X-1-other"} {
			f.put(t, Seed{ID: id, Progress: processing})
			want := map[bool]export.ID{false: export.ID(id), true: other}[broken]
			doc := f.doc(t, id)
			require.Equal(t, want, doc.RequestID())
			held, ok := f.srv.Status(id)
			require.True(t, ok)
			require.Equal(t, export.ID(id), held.RequestID(), "Status shows what the fake holds")
		}
		body := f.conforms(t, http.MethodPost, createPath, twoTables, http.StatusAccepted)
		require.Contains(t, string(body), `"requestID":1000`, "a create names its own request either way")
	},
	DefectWrongContentType: func(t *testing.T, f *defectFake, broken bool) {
		want := map[bool]string{false: "application/json; charset=utf-8", true: "text/plain; charset=utf-8"}[broken]
		ex, createViolations := f.exchange(t, http.MethodPost, createPath, twoTables, false)
		require.Equal(t, http.StatusAccepted, ex.Status)
		require.Equal(t, want, ex.Header.Get("Content-Type"))
		r, violations := f.get(t, http.MethodGet, statusURL("1000"))
		require.Equal(t, http.StatusOK, r.status)
		require.Equal(t, want, r.header.Get("Content-Type"))
		require.True(t, json.Valid(r.body), "the body is the same JSON: %s", r.body)
		for _, vs := range [][]openapi.Violation{createViolations, violations} {
			require.Equal(t, broken, len(vs) > 0, "%v", vs)
			if broken {
				require.Contains(t, vs[0].Reason, `Content-Type has unexpected value: "text/plain; charset=utf-8"`)
			}
		}
		r, _ = f.get(t, http.MethodGet, statusURL("987654321987"))
		errorDoc(t, r, http.StatusNotFound) // error documents stay JSON
	},
	DefectErrorWithoutMessage: func(t *testing.T, f *defectFake, broken bool) {
		done := f.put(t, Seed{Progress: succeeded})
		for _, c := range []struct {
			method, path string
			status       int
			inSpec       bool // an unknown path or method is not in the spec at all
		}{
			{http.MethodPost, cancelURL(done), http.StatusBadRequest, true},
			{http.MethodPost, cancelURL("987654321987"), http.StatusNotFound, true},
			{http.MethodGet, statusURL("987654321987"), http.StatusNotFound, true},
			{http.MethodGet, export.Root + "/nowhere", http.StatusNotFound, false},
			{http.MethodDelete, statusURL(done), http.StatusMethodNotAllowed, false},
		} {
			r, violations := f.get(t, c.method, c.path)
			if !broken {
				errorDoc(t, r, c.status)
				continue
			}
			require.Equal(t, c.status, r.status)
			require.Equal(t, "application/json; charset=utf-8", r.header.Get("Content-Type"))
			require.JSONEq(t, `{"status":`+strconv.Itoa(c.status)+`}`, string(r.body))
			if c.inSpec {
				require.Empty(t, violations, "the spec requires no title: the step that needs the message catches its absence")
			}
		}
		ex, _ := f.exchange(t, http.MethodGet, statusURL(done), "", true)
		require.Equal(t, http.StatusUnauthorized, ex.Status)
		require.NotEmpty(t, ex.Header.Get("WWW-Authenticate"), "the challenge stays")
	},
	DefectInternalErrors: func(t *testing.T, f *defectFake, broken bool) {
		long := strings.Repeat("9", 50)
		for _, id := range []string{"not-a-number", long, "-"} {
			for _, path := range []string{statusURL(id), cancelURL(id)} {
				method := map[bool]string{false: http.MethodGet, true: http.MethodPost}[strings.Contains(path, "cancel")]
				r, _ := f.get(t, method, path)
				if !broken {
					errorDoc(t, r, http.StatusNotFound)
					continue
				}
				doc := errorDoc(t, r, http.StatusInternalServerError)
				require.Equal(t, internalDetail, doc.Detail, "the client learns nothing of the cause")
			}
		}
		require.Equal(t, broken, strings.Contains(f.logs.String(), "injected defect internal-errors: parse request id"), "logs: %s", f.logs)
		r, _ := f.get(t, http.MethodGet, statusURL("987654321987"))
		errorDoc(t, r, http.StatusNotFound) // a number that names no request is still just unknown
		id := f.put(t, Seed{Progress: processing})
		require.Equal(t, processing, f.doc(t, id).Progress, "known requests answer as ever")
	},
}

func TestEveryDefectHasATest(t *testing.T) {
	for _, info := range Defects() {
		require.Contains(t, defectCases, info.Name, "add a case for %s to defectCases", info.Name)
	}
	require.Len(t, defectCases, len(Defects()))
}

func TestDefects(t *testing.T) {
	for _, info := range Defects() {
		check := defectCases[info.Name]
		if check == nil {
			continue // TestEveryDefectHasATest says so
		}
		t.Run(string(info.Name), func(t *testing.T) {
			t.Run("correct", func(t *testing.T) { check(t, newDefectFake(t), false) })
			t.Run("injected", func(t *testing.T) { check(t, newDefectFake(t, info.Name), true) })
		})
	}
}

// TestDefectsAreNever5xxByAccident runs every call with every defect but internal-errors
// injected at once: none answers 5xx, and the hooks do not trip over each other.
func TestDefectsAreNever5xxByAccident(t *testing.T) {
	var all []Defect
	for _, info := range Defects() {
		if info.Name != DefectInternalErrors {
			all = append(all, info.Name)
		}
	}
	f := newDefectFake(t, all...)
	ex, _ := f.exchange(t, http.MethodPost, createPath, twoTables, false)
	require.Equal(t, http.StatusAccepted, ex.Status)
	var ids []string
	for _, p := range []export.Progress{pending, processing, cancelling, succeeded, failed, cancelled} {
		ids = append(ids, f.put(t, Seed{Progress: p}))
	}
	ids = append(ids, "1000", "987654321987", "not-a-number", strings.Repeat("9", 50))
	for round := 0; round < 3; round++ {
		for _, id := range ids {
			for _, call := range []struct{ method, path string }{
				{http.MethodGet, statusURL(id)}, {http.MethodPost, cancelURL(id)},
			} {
				r, _ := f.get(t, call.method, call.path)
				require.Less(t, r.status, 500, "%s %s answered %d: %s", call.method, call.path, r.status, r.body)
				ex, _ := f.exchange(t, call.method, call.path, "", true)
				require.Equal(t, http.StatusUnauthorized, ex.Status)
			}
		}
		ex, _ := f.exchange(t, http.MethodPost, createPath, twoTables, false)
		require.Equal(t, http.StatusAccepted, ex.Status)
		f.clock.Advance(3 * time.Second)
	}
	require.NotContains(t, f.logs.String(), "internal error")
}

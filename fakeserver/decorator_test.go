package fakeserver

import (
	"net/http"
	"reflect"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/conform-harness/conform/export"
)

// TestEveryDefectHasOneEffect: each entry of the registry sets hooks, intercepts or rewrites,
// exactly one of them, and a set of that one defect holds that one thing.
func TestEveryDefectHasOneEffect(t *testing.T) {
	for _, d := range defectDescriptions {
		t.Run(string(d.name), func(t *testing.T) {
			e := d.effect
			set := 0
			for _, on := range []bool{e.hooks != nil, e.intercept != nil, e.rewrite != nil} {
				if on {
					set++
				}
			}
			require.Equal(t, 1, set, "exactly one of hooks, intercept and rewrite")
			got := newDefectSet([]Defect{d.name})
			require.Equal(t, e.hooks != nil, got.hooks != nil && !reflect.ValueOf(*got.hooks).IsZero())
			require.Len(t, got.intercepts, map[bool]int{false: 0, true: 1}[e.intercept != nil])
			require.Len(t, got.rewrites, map[bool]int{false: 0, true: 1}[e.rewrite != nil])
		})
	}
}

// TestCorrectFakeIsUndecorated: without defects the store has no hooks and the decorator wraps
// nothing, so the handlers New registers are the handlers themselves.
func TestCorrectFakeIsUndecorated(t *testing.T) {
	srv := New(Options{})
	require.Nil(t, srv.store.hooks)
	h := http.HandlerFunc(srv.handleStatus)
	bare := func(defects ...Defect) bool {
		wrapped := newDefectSet(defects).decorator(srv).wrap(callStatus, h)
		return reflect.ValueOf(wrapped).Pointer() == reflect.ValueOf(h).Pointer()
	}
	require.True(t, bare())
	require.True(t, bare(DefectStuckCancelling), "a defect of the state machine decorates nothing")
	require.False(t, bare(DefectWrongContentType))

	broken := New(Options{Defects: []Defect{DefectWrongContentType, DefectErrorWithoutMessage}})
	require.Nil(t, broken.store.hooks, "defects that garble answers leave the state machine alone")
	broken = New(Options{Defects: []Defect{DefectStuckCancelling}})
	require.NotNil(t, broken.store.hooks)
}

// TestGarblingDefectsKeepTheCorrectStore: a fake whose defects only garble answers keeps its
// requests as a correct fake does, compacting those that completed.
func TestGarblingDefectsKeepTheCorrectStore(t *testing.T) {
	srv, ts, clock := newHTTPServer(t, Options{Defects: []Defect{DefectWrongJSONTypes, DefectWrongContentType}})
	r := call(t, ts, http.MethodPost, createPath, twoTables)
	require.Equal(t, http.StatusAccepted, r.status, "body: %s", r.body)
	require.Equal(t, "text/plain; charset=utf-8", r.header.Get("Content-Type"))
	clock.Advance(time.Minute)
	r = call(t, ts, http.MethodGet, statusURL("1000"), "")
	require.Equal(t, http.StatusOK, r.status, "body: %s", r.body)
	require.Contains(t, string(r.body), `"completed":"true"`)
	require.Len(t, srv.store.done.records, 1, "the completed request was compacted")
	doc, ok := srv.Status("1000")
	require.True(t, ok)
	require.True(t, doc.Completed, "Status shows what the fake holds")
}

// TestDefectsCombineInTheRegistryOrder pins what two defects do together where both rewrite the
// same answer: each applies to what the one before it in the registry left.
func TestDefectsCombineInTheRegistryOrder(t *testing.T) {
	tests := []struct {
		name    string
		defects []Defect
		check   func(t *testing.T, srv *Server, do func(method, path string) reply)
	}{
		{"a cancel of an unknown id is 400, not 409 as well",
			[]Defect{DefectCancelUnknownWrongStatus, DefectCancelCompletedWrongStatus},
			func(t *testing.T, srv *Server, do func(method, path string) reply) {
				done, err := srv.Put(Seed{Progress: export.Succeeded})
				require.NoError(t, err)
				r := do(http.MethodPost, cancelURL(string(done)))
				require.Contains(t, errorDoc(t, r, http.StatusConflict).Detail, "invalid state for a cancellation request")
				r = do(http.MethodPost, cancelURL("987654321987"))
				require.Contains(t, errorDoc(t, r, http.StatusBadRequest).Detail, "does not exist")
			}},
		{"an error without message says the rewritten status",
			[]Defect{DefectErrorWithoutMessage, DefectCancelCompletedWrongStatus, DefectCancelUnknownWrongStatus},
			func(t *testing.T, srv *Server, do func(method, path string) reply) {
				done, err := srv.Put(Seed{Progress: export.Succeeded})
				require.NoError(t, err)
				r := do(http.MethodPost, cancelURL(string(done)))
				require.Equal(t, http.StatusConflict, r.status)
				require.JSONEq(t, `{"status":409}`, string(r.body))
				r = do(http.MethodPost, cancelURL("987654321987"))
				require.Equal(t, http.StatusBadRequest, r.status)
				require.JSONEq(t, `{"status":400}`, string(r.body))
			}},
		{"a cancelled request is misspelt and not completed",
			[]Defect{DefectProgressMisspelt, DefectCompletedFlagWrong},
			func(t *testing.T, srv *Server, do func(method, path string) reply) {
				id, err := srv.Put(Seed{Progress: export.Cancelled})
				require.NoError(t, err)
				r := do(http.MethodGet, statusURL(string(id)))
				require.Equal(t, http.StatusOK, r.status)
				require.Contains(t, string(r.body), `{"progress":"canceled",`)
				require.Contains(t, string(r.body), `"completed":false`)
			}},
		{"a missing completed flag is not quoted back in",
			[]Defect{DefectWrongJSONTypes, DefectMissingRequiredField},
			func(t *testing.T, srv *Server, do func(method, path string) reply) {
				id, err := srv.Put(Seed{Progress: export.Succeeded})
				require.NoError(t, err)
				r := do(http.MethodGet, statusURL(string(id)))
				require.Equal(t, http.StatusOK, r.status)
				require.NotContains(t, string(r.body), `"completed"`)
				require.Contains(t, string(r.body), `"recordCount":"92"`)
			}},
		{"an internal error has no message either",
			[]Defect{DefectInternalErrors, DefectErrorWithoutMessage},
			func(t *testing.T, srv *Server, do func(method, path string) reply) {
				r := do(http.MethodGet, statusURL("not-a-number"))
				require.Equal(t, http.StatusInternalServerError, r.status)
				require.JSONEq(t, `{"status":500}`, string(r.body))
			}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv, ts, _ := newHTTPServer(t, Options{Defects: tt.defects})
			tt.check(t, srv, func(method, path string) reply { return call(t, ts, method, path, "") })
		})
	}
}

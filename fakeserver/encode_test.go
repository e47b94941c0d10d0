package fakeserver

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/conform-harness/conform/export"
)

// requireSameEncoding checks appendStatus against json.Marshal of the document for every
// export st holds, as of now, compacted ones included.
func requireSameEncoding(tb testing.TB, st *store) {
	tb.Helper()
	for _, id := range st.ids() {
		st.mu.Lock()
		e, err := st.currentLocked(id)
		require.NoError(tb, err)
		want, err := json.Marshal(e.document())
		require.NoError(tb, err)
		require.Equal(tb, string(want), string(appendStatus(nil, e)), "request %q", id)
		st.mu.Unlock()
	}
}

func TestAppendStatusMatchesMarshal(t *testing.T) {
	st, clock := newTestStore(t, schedule{startDelay: time.Second, tableDuration: 2 * time.Second, cancelDelay: time.Second}, "FAILS")
	odd := []string{"SHIPMENT", "a<b>&c", `quote"back\slash`, "tab\tnew\nline", "é ü 日本", "\u2028\u2029", "bad\xffutf8", "FAILS", "%2F/.."}
	for i := range odd {
		_, err := st.create(odd[:i+1])
		require.NoError(t, err)
	}
	for _, id := range []string{"a&b", "0123", "0", "-1", "9223372036854775807", "9223372036854775808", "ünï", "x<y"} {
		_, err := st.put(Seed{ID: id, Progress: export.Processing})
		require.NoError(t, err)
	}
	for _, p := range []export.Progress{export.Pending, export.Succeeded, export.Failed, export.Cancelled, export.Cancelling} {
		_, err := st.put(Seed{Progress: p})
		require.NoError(t, err)
	}
	// Through every state: pending, each table, cancelling, and the ends.
	for step := range 30 {
		requireSameEncoding(t, st)
		if step == 3 {
			for _, id := range st.ids() {
				st.cancel(id) //nolint:errcheck // completed ones refuse; that is fine here
			}
		}
		clock.Advance(700 * time.Millisecond)
	}
}

func FuzzAppendStatus(f *testing.F) {
	f.Add("SHIPMENT", "12345", int64(0))
	f.Add("a<&>\"\\\x00é", "0x", int64(2500))
	f.Fuzz(func(t *testing.T, table, id string, millis int64) {
		if strings.TrimSpace(table) == "" {
			t.Skip()
		}
		st, clock := newTestStore(t, testSchedule)
		if _, err := st.create([]string{table, table + "2"}); err != nil {
			t.Skip()
		}
		st.put(Seed{ID: id, Progress: export.Processing, Tables: []TableSeed{{Name: table, Progress: export.Succeeded}, {Name: "x", Progress: export.Processing}}}) //nolint:errcheck // odd ids are refused
		clock.Advance(time.Duration(millis%10000) * time.Millisecond)
		requireSameEncoding(t, st)
	})
}

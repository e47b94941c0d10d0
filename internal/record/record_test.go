package record

import (
	"bytes"
	"encoding/json"
	"errors"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/conform-harness/conform/internal/har"
	"github.com/conform-harness/conform/judge"
	"github.com/conform-harness/conform/steps"
)

var at = time.Date(2026, 12, 6, 10, 0, 0, 0, time.UTC)

func exchange(method, url string, status int) judge.Exchange {
	return judge.Exchange{
		At:         at,
		Method:     method,
		URL:        url,
		ReqHeader:  http.Header{"Authorization": {"Basic c2VjcmV0"}},
		Status:     status,
		RespHeader: http.Header{"Content-Type": {"application/json"}},
		RespBody:   []byte(`{"status":404}`),
	}
}

func TestEntry(t *testing.T) {
	tests := []struct {
		name string
		ex   judge.Exchange
		want har.Entry
	}{
		{"an answer", exchange(http.MethodGet, "http://t.test/x/1", http.StatusNotFound), har.Entry{
			Started: at, Method: http.MethodGet, URL: "http://t.test/x/1", ReqHeader: http.Header{"Authorization": {"Basic c2VjcmV0"}},
			Status: http.StatusNotFound, StatusText: "Not Found", RespHeader: http.Header{"Content-Type": {"application/json"}},
			RespBody: []byte(`{"status":404}`),
		}},
		{"no answer", judge.Exchange{At: at, Method: http.MethodPost, URL: "http://t.test/x", Err: errors.New("connection refused"),
			MalformedOnPurpose: true}, har.Entry{
			Started: at, Method: http.MethodPost, URL: "http://t.test/x", Err: "connection refused", MalformedOnPurpose: true,
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			require.Equal(t, tt.want, Entry(tt.ex))
		})
	}
}

// TestRecordingHasAPagePerScenario: the entries of a scenario are on its page, the pages in
// the order their first exchange came, and the HAR file reads back.
func TestRecordingHasAPagePerScenario(t *testing.T) {
	var r Recording
	a, b := steps.ScenarioRef{ID: "s1", Name: "first"}, steps.ScenarioRef{ID: "s2", Name: "second"}
	r.Add(a, exchange(http.MethodGet, "http://t.test/x/1", http.StatusOK))
	r.Add(b, exchange(http.MethodGet, "http://t.test/x/2", http.StatusOK))
	r.Add(a, exchange(http.MethodGet, "http://t.test/x/3", http.StatusOK))
	require.Equal(t, 3, r.Len())

	var buf bytes.Buffer
	require.NoError(t, r.Write(&buf, har.Creator{Name: "conform", Version: "test"}, nil))
	var doc struct {
		Log struct {
			Creator har.Creator
			Pages   []struct{ ID, Title string }
		}
	}
	require.NoError(t, json.Unmarshal(buf.Bytes(), &doc))
	require.Equal(t, "test", doc.Log.Creator.Version)
	require.Len(t, doc.Log.Pages, 2)
	require.Equal(t, "s1", doc.Log.Pages[0].ID)
	require.Equal(t, "second", doc.Log.Pages[1].Title)
	entries, err := har.Read(&buf, "run.har")
	require.NoError(t, err)
	require.Len(t, entries, 3)
	for i, page := range []string{"s1", "s2", "s1"} {
		require.Equal(t, page, entries[i].PageRef)
	}
	require.Equal(t, "http://t.test/x/3", entries[2].URL)
	require.NotContains(t, buf.String(), "c2VjcmV0", "the HAR writer hides credential headers")
}

// TestRecordingTakesExchangesFromEveryScenarioAtOnce: scenarios running side by side add at
// the same time (go test -race finds what this misses).
func TestRecordingTakesExchangesFromEveryScenarioAtOnce(t *testing.T) {
	var r Recording
	var wg sync.WaitGroup
	for i := range 8 {
		wg.Go(func() {
			s := steps.ScenarioRef{ID: string(rune('a' + i)), Name: "scenario"}
			for range 10 {
				r.Add(s, exchange(http.MethodGet, "http://t.test/x", http.StatusOK))
			}
		})
	}
	wg.Wait()
	require.Equal(t, 80, r.Len())
}

func TestANilRecordingKeepsNothing(t *testing.T) {
	var r *Recording
	r.Add(steps.ScenarioRef{ID: "s"}, exchange(http.MethodGet, "http://t.test/x", http.StatusOK))
	require.Zero(t, r.Len())
	var buf bytes.Buffer
	require.NoError(t, r.Write(&buf, har.Creator{}, nil))
	require.Empty(t, buf.String())
}

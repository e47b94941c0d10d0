package fakeserver

import (
	"bytes"
	"encoding/json"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestLogRequests(t *testing.T) {
	var logs bytes.Buffer
	log := slog.New(slog.NewJSONHandler(&logs, &slog.HandlerOptions{Level: slog.LevelInfo}))
	answer := func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusContinue) // a 1xx is not the answer
		w.WriteHeader(http.StatusTeapot)
		w.Write([]byte("short and stout")) //nolint:errcheck // a recorder does not fail
	}
	h := LogRequests(log, slog.LevelInfo, http.HandlerFunc(answer))
	req := httptest.NewRequest(http.MethodPost, "/export/path?secret=q", nil)
	req.SetBasicAuth("user", "hunter2")
	req.RemoteAddr = "192.0.2.1:4321"
	h.ServeHTTP(&benchWriter{header: http.Header{}}, req) // a recorder would take the 1xx for the answer

	var record map[string]any
	require.NoError(t, json.Unmarshal(logs.Bytes(), &record), "one record: %s", logs.String())
	require.Equal(t, "INFO", record["level"])
	require.Equal(t, "request", record["msg"])
	require.Equal(t, "POST", record["method"])
	require.Equal(t, "/export/path", record["path"])
	require.Equal(t, float64(http.StatusTeapot), record["status"])
	require.Equal(t, float64(len("short and stout")), record["bytes"])
	require.Equal(t, "192.0.2.1:4321", record["remote"])
	require.Contains(t, record, "duration")
	require.NotContains(t, logs.String(), "secret", "the query stays out of the log")
	require.NotContains(t, logs.String(), "hunter2")
	require.NotContains(t, logs.String(), "Basic ")
}

func TestLogRequestsLogsStatusOKForAnEmptyAnswer(t *testing.T) {
	var logs bytes.Buffer
	log := slog.New(slog.NewTextHandler(&logs, nil))
	h := LogRequests(log, slog.LevelInfo, http.HandlerFunc(func(http.ResponseWriter, *http.Request) {}))
	h.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest(http.MethodGet, "/", nil))
	require.Contains(t, logs.String(), "status=200 ")
	require.Contains(t, logs.String(), "bytes=0 ")
}

// TestLogRequestsBelowItsLevelIsBare: when the level is not logged, the handler gets the writer
// it would have got without the log.
func TestLogRequestsBelowItsLevelIsBare(t *testing.T) {
	var logs bytes.Buffer
	log := slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelInfo}))
	rec := httptest.NewRecorder()
	var got http.ResponseWriter
	h := LogRequests(log, slog.LevelDebug, http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { got = w }))
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/", nil))
	require.Same(t, rec, got)
	require.Empty(t, logs.String())
}

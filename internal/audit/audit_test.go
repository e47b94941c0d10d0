package audit

import (
	"bytes"
	"net/http"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/stretchr/testify/require"

	"github.com/conform-harness/conform/export"
	"github.com/conform-harness/conform/internal/credentials"
	"github.com/conform-harness/conform/internal/har"
	"github.com/conform-harness/conform/openapi"
)

// writeHAR writes entries to a HAR file in a new directory and returns its path.
func writeHAR(tb testing.TB, entries []har.Entry) string {
	tb.Helper()
	var buf bytes.Buffer
	require.NoError(tb, har.Write(&buf, har.Creator{Name: "test", Version: "1"}, entries, nil))
	path := filepath.Join(tb.TempDir(), "t.har")
	require.NoError(tb, os.WriteFile(path, buf.Bytes(), 0o644))
	return path
}

// effective returns the embedded spec and its validator.
func effective(tb testing.TB) (*openapi3.T, *openapi.Validator) {
	tb.Helper()
	spec, _, err := openapi.Effective("", nil)
	require.NoError(tb, err)
	v, err := openapi.New(spec)
	require.NoError(tb, err)
	return spec, v
}

// An audit judges the entries under the API root in the order of their startedDateTime, not of
// the file: a document that goes back from cancelled to processing breaks invariant 2 whatever
// the entries' order. Entries elsewhere, or without an answer, are counted, and the exchanges
// are kept only when asked.
func TestAuditJudgesInTimeOrderAndCountsWhatItLeavesOut(t *testing.T) {
	spec, validator := effective(t)
	const root = "https://vendor.example.com" + export.Root
	t0 := time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC)
	doc := func(progress string, completed bool) []byte {
		return []byte(`{"progress":"` + progress + `","startTime":{"value":"2026-12-01T10:00:00Z"},"completed":` + map[bool]string{true: "true", false: "false"}[completed] +
			`,"result":{"body":{"requestID":7,"submitDate":"2026-12-01T10:00:00Z","tables":{"items":[]}}},"links":[]}`)
	}
	json := http.Header{"Content-Type": {"application/json"}}
	entries := []har.Entry{
		{Started: t0.Add(2 * time.Second), Method: "GET", URL: root + "/exportStatuses/7", Status: 200, RespHeader: json, RespBody: doc("processing", false)},
		{Started: t0.Add(time.Second), Method: "GET", URL: root + "/exportStatuses/7", Status: 200, RespHeader: json, RespBody: doc("cancelled", true)},
		{Started: t0, Method: "GET", URL: "https://vendor.example.com/favicon.ico", Status: 200},
		{Started: t0, Method: "GET", URL: root + "/exportStatuses/7", Err: "aborted"},
	}
	path := writeHAR(t, entries)
	for _, keep := range []bool{false, true} {
		var out, log bytes.Buffer
		res, err := Run(Options{Files: []string{path}, MaxBody: 1 << 20, Spec: spec, Validator: validator,
			Redactor: credentials.NewRedactor(), Keep: keep, Out: &out, Log: &log})
		require.NoError(t, err)
		require.Equal(t, "conform audit: 3 of the 4 entries in "+path+" are calls of the export API under "+export.Root+
			"; 1 outside it ignored; 1 without a response (aborted, blocked or cut off) not judged\n", log.String())
		require.Equal(t, 1, res.Violations, out.String())
		require.Contains(t, out.String(), "invariant 2")
		require.Equal(t, 2, res.Coverage.Exchanges)
		if !keep {
			require.Empty(t, res.Exchanges)
			continue
		}
		require.Len(t, res.Exchanges, 2)
		require.Equal(t, t0.Add(time.Second), res.Exchanges[0].At, "in time order")
	}
}

// With nothing to judge, an audit says so and judges nothing.
func TestAuditWithNothingToJudge(t *testing.T) {
	spec, validator := effective(t)
	path := writeHAR(t, []har.Entry{{Started: time.Now(), Method: "GET", URL: "https://elsewhere.example.com/x", Status: 200}})
	var out, log bytes.Buffer
	_, err := Run(Options{Files: []string{path}, MaxBody: 1 << 20, Spec: spec, Validator: validator, Redactor: credentials.NewRedactor(), Out: &out, Log: &log})
	require.ErrorContains(t, err, "nothing to audit")
	require.Empty(t, out.String())
}

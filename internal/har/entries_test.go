package har

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// manyChunks returns entries that take several chunks, one of them longer than a chunk, and two
// longer than longElement, which are read on their own.
func manyChunks(tb testing.TB) []Entry {
	tb.Helper()
	entries := apiTraffic(400)
	entries[123].RespBody = bytes.Repeat([]byte(`{"note":"a \"quoted\" word"},`), chunkSize/10)
	entries[200].RespBody = bytes.Repeat([]byte(`{"note":"a \"quoted\" word, \\ a backslash"},`), 2*longElement/30)
	entries[201].RespBody = bytes.Repeat([]byte(`[{"x":"}]"}]`), 2*longElement/10)
	require.Greater(tb, len(written(tb, entries, nil)), 3*chunkSize+4*longElement)
	return entries
}

func TestReadEntriesOverManyChunks(t *testing.T) {
	entries := manyChunks(t)
	doc := written(t, entries, nil)
	want := make([]Entry, len(entries))
	for i, e := range entries {
		e.Started = e.Started.UTC()
		e.HTTPVersion = defaultHTTPVersion
		e.StatusText = "OK"
		e.ReqHeader = e.ReqHeader.Clone()
		e.ReqHeader.Set("Authorization", redacted)
		if e.ReqBody != nil {
			e.ReqMimeType = "application/json"
		}
		want[i] = e
	}
	requireSameEntries(t, want, readBack(t, doc))
}

func TestReadTellsTheFirstFaultOverManyChunks(t *testing.T) {
	entries := manyChunks(t)
	entries[300].URL = "/relative"
	entries[350].URL = "/relative/too"
	doc := written(t, entries, nil)

	_, err := Read(bytes.NewReader(doc), "trace.har")
	var herr *Error
	require.ErrorAs(t, err, &herr)
	assert.Equal(t, 300, herr.Entry, "%v", err)
	assert.Contains(t, err.Error(), `request.url "/relative" is not an absolute URL`)

	t.Run("unless the JSON is broken further on", func(t *testing.T) {
		at := bytes.LastIndex(doc, []byte(`"redirectURL"`))
		broken := append(bytes.Clone(doc[:at]), doc[at+1:]...)
		_, err := Read(bytes.NewReader(broken), "trace.har")
		require.ErrorAs(t, err, &herr)
		assert.Equal(t, -1, herr.Entry)
		assert.Contains(t, err.Error(), "not JSON: invalid character 'r' looking for beginning of object key string")
	})
}

func TestValueLen(t *testing.T) {
	tests := []struct {
		b     string
		atEOF bool
		n     int
		depth int
	}{
		{`{"a": [1, {"b": "}]"}]}, {}`, false, 23, 3},
		{`["\"]", "\\"] `, false, 13, 1},
		{`"a\\\"b", 1`, false, 8, 0},
		{`123, 4`, false, 3, 0},
		{`true]`, false, 4, 0},
		{`1x]`, false, 2, 0}, // not JSON, but where it ends: its decoder says the rest
		{`-1.5e3`, true, 6, 0},
		{`-1.5e3`, false, -1, 0},
		{`{"a": [1}`, false, -1, 0},
		{`"abc\"`, false, -1, 0},
		{``, false, -1, 0},
		{`]`, false, 0, 0},
		{`,1`, false, 0, 0},
	}
	for _, tt := range tests {
		n, depth := valueLen([]byte(tt.b), tt.atEOF)
		assert.Equal(t, tt.n, n, "%s", tt.b)
		assert.Equal(t, tt.depth, depth, "%s", tt.b)
	}
}

func TestReadRefusesWhatIsNotJSONBetweenEntries(t *testing.T) {
	for name, entries := range map[string]string{
		"no comma":       okEntry + " " + okEntry,
		"a comma too":    okEntry + ",",
		"a comma first":  "," + okEntry,
		"a number cut":   "1x",
		"a bracket gone": strings.TrimSuffix(okEntry, "}"),
	} {
		_, err := Read(strings.NewReader(`{"log": {"entries": [`+entries+`]}}`), "trace.har")
		var herr *Error
		require.ErrorAs(t, err, &herr, name)
		assert.Equal(t, -1, herr.Entry, name)
		assert.Contains(t, err.Error(), "not JSON", name)
	}
}

func TestReadTellsTheFaultOfALongEntry(t *testing.T) {
	entries := manyChunks(t)
	entries[200].URL = "/relative"
	_, err := Read(bytes.NewReader(written(t, entries, nil)), "trace.har")
	var herr *Error
	require.ErrorAs(t, err, &herr)
	assert.Equal(t, 200, herr.Entry, "%v", err)
}

// A body over Options.MaxBody is left out and its entry marked, in a chunk as in a long entry;
// EntryAt reads an entry again from where ScanFile says it is.
func TestScanFileLeavesOutLongBodies(t *testing.T) {
	entries := manyChunks(t)
	path := filepath.Join(t.TempDir(), "trace.har")
	require.NoError(t, os.WriteFile(path, written(t, entries, nil), 0o600))
	all, err := ReadFile(path)
	require.NoError(t, err)
	f, err := os.Open(path)
	require.NoError(t, err)
	defer f.Close()
	opts := Options{MaxBody: chunkSize}
	var oversized []int
	n := 0
	require.NoError(t, ScanFile(path, opts, func(p Place, e Entry) {
		require.Equal(t, n, p.Index)
		n++
		if e.Oversized {
			oversized = append(oversized, p.Index)
			require.Nil(t, e.RespBody)
		}
		again, err := EntryAt(f, path, p, opts)
		require.NoError(t, err)
		require.Equal(t, e, again)
		if !e.Oversized {
			require.Equal(t, all[p.Index], e)
		}
	}))
	require.Equal(t, len(entries), n)
	require.Equal(t, []int{123, 200, 201}, oversized)
}

// The scanner of a long element finds its end and depth as valueLen does, fed a byte at a time.
func TestScannerFindsTheEndAsValueLen(t *testing.T) {
	for _, b := range []string{`{"a": [1, {"b": "}]"}]}, {}`, `["\"]", "\\"] `, `{"a\\\"b": {"c": [[["x"]]]}}]`} {
		n, depth := valueLen([]byte(b), false)
		var sc scanner
		got := -1
		for i := range len(b) {
			if end := sc.feed([]byte{b[i]}); end >= 0 {
				got = i + end
				break
			}
		}
		assert.Equal(t, n, got, "%s", b)
		assert.Equal(t, depth, sc.depth, "%s", b)
	}
}

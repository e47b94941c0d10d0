package har

import (
	"bytes"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// manyChunks returns entries that take several chunks, one of them longer than a chunk.
func manyChunks(tb testing.TB) []Entry {
	tb.Helper()
	entries := apiTraffic(400)
	entries[123].RespBody = bytes.Repeat([]byte(`{"note":"a \"quoted\" word"},`), chunkSize/10)
	require.Greater(tb, len(written(tb, entries, nil)), 3*chunkSize)
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

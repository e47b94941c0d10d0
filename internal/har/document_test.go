package har

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// Read decodes a document in one pass, with a json.Decoder; these are the rules of
// json.Unmarshal, which it keeps.
func TestReadDecodesAsJSONUnmarshalWould(t *testing.T) {
	bad := okEntryWith(t, `"startedDateTime": "2026-12-01T10:00:00.000Z", `, "")
	tests := []struct {
		name    string
		doc     string
		entries int      // read, when msg is nil
		entry   int      // at fault, when msg is not nil
		msg     []string // parts of the message
	}{
		{name: "keys in any case", doc: `{"LOG": {"Version": "1.2", "ENTRIES": [` + okEntry + `]}}`, entries: 1},
		{name: "keys folded as Unicode folds them", doc: `{"log": {"entrieſ": [` + okEntry + `]}}`, entries: 1},
		{name: "the last of repeated entries", doc: `{"log": {"entries": [` + bad + `], "entries": [` + okEntry + `]}}`,
			entries: 1},
		{name: "null clears the entries", doc: `{"log": {"entries": [` + okEntry + `], "entries": null}}`,
			entry: -1, msg: []string{`log has no "entries" array`}},
		{name: "null clears the log", doc: `{"log": {"entries": []}, "log": null}`,
			entry: -1, msg: []string{`no "log" object`}},
		{name: "repeated logs are one", doc: `{"log": {"version": "2.0"}, "log": {"entries": []}}`,
			entry: -1, msg: []string{`log.version "2.0" is not 1.1 or 1.2`}},
		{name: "the first value of the wrong kind", doc: `{"log": 5, "log": []}`,
			entry: -1, msg: []string{"log is a JSON number, not an object"}},
		{name: "a number too large for any Go number", doc: `{"log": 1e999}`,
			entry: -1, msg: []string{"log is a JSON number, not an object"}},
		{name: "a top level that is not an object", doc: `"log"`,
			entry: -1, msg: []string{"the top level is a JSON string, not an object"}},
		{name: "text after the document", doc: fileWith(okEntry) + "\n x",
			entry: -1, msg: []string{"not JSON: invalid character 'x' after top-level value at line 2, column 2"}},
		{name: "a second document", doc: fileWith(okEntry) + fileWith(okEntry),
			entry: -1, msg: []string{"not JSON: invalid character '{' after top-level value"}},
		{name: "a bad entry in a file that is not JSON further down", doc: fileWith(bad, `{"a": }`),
			entry: -1, msg: []string{"not JSON: invalid character '}' looking for beginning of value"}},
		{name: "a bad entry in a truncated file", doc: strings.TrimSuffix(fileWith(bad, okEntry), "]}}"),
			entry: -1, msg: []string{"truncated"}},
		{name: "the first bad entry", doc: fileWith(okEntry, bad, `"GET /"`), entry: 1, msg: []string{"startedDateTime is missing"}},
		{name: "a body that is not a string", doc: fileWith(okEntryWith(t, `"aGk="`, `5`)),
			entry: 0, msg: []string{"response.content.text is a JSON number, not a string"}},
		{name: "a request body that is not a string", doc: fileWith(okEntryWith(t, `"text": "hi"`, `"text": ["hi"]`)),
			entry: 0, msg: []string{"request.postData.text is a JSON array, not a string"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Read(strings.NewReader(tt.doc), "trace.har")
			if tt.msg == nil {
				require.NoError(t, err)
				assert.Len(t, got, tt.entries)
				return
			}
			var herr *Error
			require.ErrorAs(t, err, &herr)
			assert.Equal(t, tt.entry, herr.Entry, "%v", err)
			for _, part := range tt.msg {
				assert.Contains(t, err.Error(), part)
			}
		})
	}
}

func TestReadRefusesJSONNestedTooDeep(t *testing.T) {
	// json.Unmarshal takes arrays and objects 10,000 deep, counting from the document.
	nested := func(depth int) string { return strings.Repeat("[", depth) + strings.Repeat("]", depth) }
	for _, tt := range []struct {
		where string
		doc   func(value string) string
		depth int // the deepest the value may nest: 10,000 less the arrays and objects around it
	}{
		{"in an entry", func(v string) string { return fileWith(okEntryWith(t, `"time": 5`, `"time": 5, "_x": `+v)) }, 9996},
		{"in log", func(v string) string { return `{"log": {"pages": ` + v + `, "entries": []}}` }, 9998},
		{"in the document", func(v string) string { return `{"_x": ` + v + `, "log": {"entries": []}}` }, 9999},
	} {
		t.Run(tt.where, func(t *testing.T) {
			_, err := Read(strings.NewReader(tt.doc(nested(tt.depth))), "deep.har")
			require.NoError(t, err)

			_, err = Read(strings.NewReader(tt.doc(nested(tt.depth+1))), "deep.har")
			var herr *Error
			require.ErrorAs(t, err, &herr)
			assert.Equal(t, -1, herr.Entry)
			assert.Contains(t, err.Error(), "not JSON: invalid character '[' exceeded max depth")
		})
	}
	assert.Equal(t, 0, nesting([]byte(`"[{"`)))
	assert.Equal(t, 2, nesting([]byte(`: [{"a": "]\"]"}, []]`)))
}

package messagefmt_test

import (
	"bytes"
	"os"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v6"
	"github.com/stretchr/testify/require"
)

// envelopeSchemaURL is the $id of the Envelope schema in testdata/messages.schema.json, which
// bundles the schemas it refers to under $defs, each with its own $id.
const envelopeSchemaURL = "https://cucumber.io/schema/Envelope.schema.json"

// envelopeSchema compiles the official Envelope schema.
func envelopeSchema(tb testing.TB) *jsonschema.Schema {
	tb.Helper()
	f, err := os.Open("testdata/messages.schema.json")
	require.NoError(tb, err)
	defer f.Close()
	doc, err := jsonschema.UnmarshalJSON(f)
	require.NoError(tb, err)
	c := jsonschema.NewCompiler()
	require.NoError(tb, c.AddResource(envelopeSchemaURL, doc))
	s, err := c.Compile(envelopeSchemaURL)
	require.NoError(tb, err)
	return s
}

// requireValid checks every line of stream against the Envelope schema.
func requireValid(tb testing.TB, schema *jsonschema.Schema, stream []byte) {
	tb.Helper()
	for i, line := range lines(tb, stream) {
		require.NoError(tb, validate(schema, line), "line %d: %s", i+1, line)
	}
}

func validate(schema *jsonschema.Schema, line []byte) error {
	v, err := jsonschema.UnmarshalJSON(bytes.NewReader(line))
	if err != nil {
		return err
	}
	return schema.Validate(v)
}

// TestSchemaCatchesBrokenEnvelopes makes sure the schema test can fail: each line breaks one rule
// of the schema, reached through one of its cross-file references.
func TestSchemaCatchesBrokenEnvelopes(t *testing.T) {
	schema := envelopeSchema(t)
	ts := `"timestamp":{"seconds":1,"nanos":0}`
	tests := []struct{ name, line string }{
		{"unknown message", `{"testRunSkipped":{}}`},
		{"unknown status", `{"testStepFinished":{"testCaseStartedId":"a","testStepId":"b",` + ts + `,"testStepResult":{"duration":{"seconds":0,"nanos":0},"status":"BROKEN"}}}`},
		{"null comments", `{"gherkinDocument":{"uri":"a.feature","comments":null}}`},
		{"attachment without body", `{"attachment":{"contentEncoding":"BASE64","mediaType":"text/plain"}}`},
		{"match arguments of null", `{"testCase":{"id":"a","pickleId":"b","testSteps":[{"id":"c","stepMatchArgumentsLists":[{"stepMatchArguments":null}]}]}}`},
		{"run finished without success", `{"testRunFinished":{` + ts + `}}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			require.Error(t, validate(schema, []byte(tt.line)))
		})
	}
	require.NoError(t, validate(schema, []byte(`{"testRunFinished":{"success":true,`+ts+`}}`)), "the valid counterpart")
}

package openapi

import (
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/stretchr/testify/require"

	"github.com/conform-harness/conform/export"
)

// mediaTypeSpec declares the vendor's media types, and kin-openapi's own problem+json, each for
// one status of one operation, with one schema.
const mediaTypeSpec = `openapi: 3.0.3
info: {title: media types, version: "1"}
paths:
  /exportStatuses/{requestID}:
    get:
      operationId: getExportStatus
      parameters:
        - {name: requestID, in: path, required: true, schema: {type: string}}
      responses:
        "200":
          description: singular resource, the parameter in the key
          content:
            "application/vnd.oracle.resource+json; type=singular": {schema: {$ref: "#/components/schemas/Doc"}}
        "201":
          description: singular resource, no parameter in the key
          content:
            application/vnd.oracle.resource+json: {schema: {$ref: "#/components/schemas/Doc"}}
        "400":
          description: the vendor's error type
          content:
            application/vnd.oracle.adf.error+json: {schema: {$ref: "#/components/schemas/Doc"}}
        "404":
          description: a type kin-openapi registers its own decoder for
          content:
            application/problem+json: {schema: {$ref: "#/components/schemas/Doc"}}
        "409":
          description: plain JSON
          content:
            application/json: {schema: {$ref: "#/components/schemas/Doc"}}
        "410":
          description: a type someone else has a decoder for
          content:
            application/x-custom+json: {schema: {$ref: "#/components/schemas/Doc"}}
components:
  schemas:
    Doc: {type: object, required: [status], properties: {status: {type: integer}}}
`

// Vendor media types ("+json", RFC 6839) are decoded by decodeJSONBody like application/json:
// through kin-openapi's fallback for a type without a decoder of its own, by registration for one
// kin-openapi registers its own JSON decoder for (problem+json). A decoder registered by someone
// else is left alone, and its bodies still get the repeated-key search.
func TestJSONMediaTypesUseDecodeJSON(t *testing.T) {
	custom := func(r io.Reader, h http.Header, s *openapi3.SchemaRef, e openapi3filter.EncodingFn) (any, error) {
		return openapi3filter.JSONBodyDecoder(r, h, s, e)
	}
	openapi3filter.RegisterBodyDecoder("application/x-custom+json", custom)
	t.Cleanup(func() { openapi3filter.UnregisterBodyDecoder("application/x-custom+json") })
	require.True(t, sameFunc(openapi3filter.RegisteredBodyDecoder("application/problem+json"), openapi3filter.JSONBodyDecoder),
		"kin-openapi registers its own decoder for problem+json")

	v, err := New(loadSpec(t, mediaTypeSpec))
	require.NoError(t, err)
	require.Nil(t, openapi3filter.RegisteredBodyDecoder("application/vnd.oracle.adf.error+json"),
		"a type kin-openapi decodes with the application/json decoder needs no registration")
	require.True(t, sameFunc(openapi3filter.RegisteredBodyDecoder("application/problem+json"), decodeJSONBody))
	require.True(t, sameFunc(openapi3filter.RegisteredBodyDecoder("application/x-custom+json"), custom))

	path := export.Root + "/exportStatuses/1"
	tests := []struct {
		status    int
		ct        string
		byDecoder bool // decodeJSON reads the body
	}{
		{200, "application/vnd.oracle.resource+json; type=singular", true},
		{201, "application/vnd.oracle.resource+json; type=singular", true},
		{201, "Application/VND.oracle.resource+JSON", true},
		{400, "application/vnd.oracle.adf.error+json", true},
		{400, "application/vnd.oracle.adf.error+json; charset=utf-8", true},
		{404, "application/problem+json", true},
		{409, jsonCT, true},
		{410, "application/x-custom+json", false},
	}
	for _, tt := range tests {
		t.Run(tt.ct, func(t *testing.T) {
			c := exchange("GET", path, "", tt.status, tt.ct, `{"status":400}`)
			verdict, decoded := v.validate(c.req, c.reqBody, c.resp)
			require.Empty(t, verdict.Violations)
			require.Equal(t, tt.byDecoder, decoded)
			require.Equal(t, []string{tt.ct}, c.resp.Header.Values("Content-Type"))
			require.Len(t, c.resp.Header, 1, "Validate leaves the response header as it is")

			// A repeated key and a schema violation are both found, whichever decoder ran.
			c = exchange("GET", path, "", tt.status, tt.ct, `{"status":"400","status":"x"}`)
			var got []string
			for _, vi := range check(v, c) {
				got = append(got, vi.Pointer+": "+strings.SplitN(vi.Reason, ":", 2)[0])
			}
			require.Equal(t, []string{"/status: response body doesn't match schema #/components/schemas/Doc", ": duplicate key \"status\""}, got)
		})
	}
}

// The embedded spec's status document is read by decodeJSON alone: the fast path is taken.
func TestDecodeJSONSparesTheKeySearch(t *testing.T) {
	v := mustValidator(t)
	status := export.Root + "/exportStatuses/12345"
	seed := seedDoc(t)
	tests := []struct {
		name    string
		c       call
		decoded bool
	}{
		{"a status document", exchange("GET", status, "", 200, jsonCT, seed), true},
		{"a status document with a repeated key", exchange("GET", status, "", 200, jsonCT,
			strings.Replace(seed, `"completed": false`, `"completed": false, "completed": false`, 1)), false},
		{"a body that is not JSON", exchange("GET", status, "", 200, jsonCT, "{"), false},
		{"a body the spec does not describe", exchange("GET", status, "", 401, "text/html", seed), false},
		{"an error document", exchange("GET", status, "", 404, jsonCT, `{"title":"Not Found","status":404}`), true},
		{"a cancel without a body", exchange("POST", export.Root+"/custom-actions/cancel/exportRequests/1", "", 200, "", ""), false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, decoded := v.validate(tt.c.req, tt.c.reqBody, tt.c.resp)
			require.Equal(t, tt.decoded, decoded)
		})
	}
}

func TestJSONMediaTypes(t *testing.T) {
	doc := loadSpec(t, mediaTypeSpec)
	require.ElementsMatch(t, []string{"application/json", "application/vnd.oracle.resource+json", "application/vnd.oracle.adf.error+json",
		"application/problem+json", "application/x-custom+json"}, jsonMediaTypes(doc))
}

package openapi

import (
	"net/http"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/stretchr/testify/require"

	"github.com/conform-harness/conform/export"
)

// loadSpec loads a spec written in the test, without validating it: New does that.
func loadSpec(t testing.TB, yaml string) *openapi3.T {
	t.Helper()
	doc, err := openapi3.NewLoader().LoadFromData([]byte(yaml))
	require.NoError(t, err)
	return doc
}

// shapeSpec is a one-operation spec: servers is the servers section as written (or ""), and
// prefix what the path key carries before /exportStatuses.
func shapeSpec(servers, prefix string) string {
	return `openapi: 3.0.3
info: {title: shape, version: "1"}
` + servers + `paths:
  ` + prefix + `/exportStatuses/{requestID}:
    get:
      operationId: getExportStatus
      parameters:
        - {name: requestID, in: path, required: true, schema: {type: string}}
      responses:
        "200":
          description: the status
          content:
            application/json:
              schema: {type: object, required: [progress], properties: {progress: {type: string}}}
  ` + prefix + `/exportRequests:
    post:
      operationId: createExportRequest
      responses:
        "202": {description: accepted}
`
}

// A user's spec may say where the API lives in several ways; the validator routes on the path
// below the root in each.
func TestSpecShapesRouteBelowTheRoot(t *testing.T) {
	tests := []struct {
		name, servers, prefix string
	}{
		{"servers with a full URL", "servers:\n  - url: https://vendor.example.com/logisticsRestApi/data/v1\n", ""},
		{"servers with a variable host", "servers:\n  - url: https://{host}/logisticsRestApi/data/v1\n    variables:\n      host: {default: h.example}\n", ""},
		{"servers with a path", "servers:\n  - url: /logisticsRestApi/data/v1\n", ""},
		{"no servers", "", ""},
		{"paths that carry the root", "", export.Root},
		{"paths that carry the root, servers with a host only", "servers:\n  - url: https://vendor.example.com\n", export.Root},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			doc := loadSpec(t, shapeSpec(tt.servers, tt.prefix))
			serversBefore := len(doc.Servers)
			v, err := New(doc)
			require.NoError(t, err)

			for _, path := range []string{export.Root + "/exportStatuses/a%2Fb", "/gateway/x" + export.Root + "/exportStatuses/a%2Fb"} {
				c := exchange("GET", path, "", 200, jsonCT, `{"progress":"pending"}`)
				require.Equal(t, Verdict{Operation: "getExportStatus", PathParams: map[string]string{"requestID": "a/b"}},
					v.Validate(c.req, c.reqBody, c.resp), path)
			}
			c := exchange("POST", export.Root+"/exportRequests", "", 202, "", "")
			require.Equal(t, Verdict{Operation: "createExportRequest", PathParams: map[string]string{}}, v.Validate(c.req, c.reqBody, c.resp))

			got := check(v, exchange("GET", export.Root+"/exportStatuses/1", "", 200, jsonCT, `{}`))
			require.Len(t, got, 1, "%v", got)
			require.Equal(t, "getExportStatus GET /logisticsRestApi/data/v1/exportStatuses/1 → 200: response /progress: "+
				`response body doesn't match schema: property "progress" is missing`, got[0].String())

			for path, reason := range map[string]string{
				"/exportStatuses/1":                           "path is not under the API root " + export.Root,
				export.Root + export.Root + "/exportRequests": "the spec declares no operation on this path",
				export.Root + "/exportStatuses":               "the spec declares no operation on this path",
			} {
				verdict := v.Validate(exchange("POST", path, "", 404, "", "").req, nil, Response{Status: 404})
				require.Empty(t, verdict.Operation, path)
				require.Nil(t, verdict.PathParams, path)
				require.Len(t, verdict.Violations, 1, path)
				require.Equal(t, reason, verdict.Violations[0].Reason, path)
			}

			require.Len(t, doc.Servers, serversBefore, "New leaves the caller's document as it is")
			require.NotNil(t, doc.Paths.Value(tt.prefix+"/exportStatuses/{requestID}"))
		})
	}
}

func TestSpecPathServersAreIgnored(t *testing.T) {
	spec := shapeSpec("", "")
	spec += `    servers:
      - url: https://elsewhere.example/other/base
`
	doc := loadSpec(t, spec)
	v, err := New(doc)
	require.NoError(t, err)
	c := exchange("POST", export.Root+"/exportRequests", "", 202, "", "")
	require.Equal(t, "createExportRequest", v.Validate(c.req, nil, c.resp).Operation)
	require.Len(t, doc.Paths.Value("/exportRequests").Servers, 1, "New leaves the caller's document as it is")
}

func TestNewRefuses(t *testing.T) {
	clash := shapeSpec("", "") + `  ` + export.Root + `/exportRequests:
    post:
      operationId: createAgain
      responses:
        "202": {description: accepted}
`
	tests := []struct{ name, spec, err string }{
		{"a spec that does not validate", "openapi: 3.0.3\ninfo: {title: x}\npaths: {}\n", "validate spec: "},
		{"two keys for one path below the root", clash,
			"paths /exportRequests and " + export.Root + "/exportRequests are one path below the API root " + export.Root},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := New(loadSpec(t, tt.spec))
			require.ErrorContains(t, err, tt.err)
		})
	}
}

func TestNewOfTheEmbeddedSpecAnswersAsNewValidator(t *testing.T) {
	doc, err := Load()
	require.NoError(t, err)
	v, err := New(doc)
	require.NoError(t, err)
	c := exchange("GET", export.Root+"/exportStatuses/12345", "", http.StatusOK, jsonCT, seedDoc(t))
	want := Verdict{Operation: "getExportStatus", PathParams: map[string]string{"requestID": "12345"}}
	require.Equal(t, want, v.Validate(c.req, c.reqBody, c.resp))
	require.Equal(t, want, mustValidator(t).Validate(c.req, c.reqBody, c.resp))
}

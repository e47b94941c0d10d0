package openapi

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/conform-harness/conform/export"
)

const (
	vendorSpec     = "testdata/vendor-26b.json"
	useCaseOverlay = "testdata/use-case.overlay.yaml"
)

// writeFile writes content to name in a new temporary directory and returns its path.
func writeFile(t testing.TB, name, content string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	require.NoError(t, os.WriteFile(p, []byte(content), 0o600))
	return p
}

// specError returns err as a *SpecError, failing the test when it is not one.
func specError(t testing.TB, err error) *SpecError {
	t.Helper()
	var se *SpecError
	require.ErrorAs(t, err, &se)
	return se
}

func TestLoadFileReadsTheVendorSpec(t *testing.T) {
	doc, err := LoadFile(vendorSpec)
	require.NoError(t, err)
	require.True(t, doc.IsOpenAPI31OrLater(), "the vendor model is an OpenAPI 3.1 document")
	require.Equal(t, "26b", doc.Info.Version)
	require.NotNil(t, doc.Paths.Value("/exportStatuses"), "the status collection")
	require.Contains(t, doc.Components.SecuritySchemes, "oauth2ClientCredentials")
}

func TestLoadFileReadsYAMLAndOpenAPI30(t *testing.T) {
	doc, err := LoadFile(writeFile(t, "spec.yaml", shapeSpec("", "")))
	require.NoError(t, err)
	require.False(t, doc.IsOpenAPI31OrLater())
	require.Len(t, Calls(doc), 2, "create and status")
}

// A spec that does not load names the file and the line of a syntax error, or the pointer of
// a structural problem and the line where it lies.
func TestLoadFileErrors(t *testing.T) {
	tests := []struct {
		name, file, content string
		line                int
		pointer             string
		reason              string
	}{
		{"broken YAML", "spec.yaml", "openapi: 3.0.3\ninfo:\n  title: x\n  version: '1'\npaths:\n  /a:\n    get: [\n",
			8, "", "invalid YAML: did not find expected node content"},
		{"YAML indented wrongly", "spec.yaml", "openapi: 3.0.3\ninfo:\n  title: x\n   version: '1'\npaths: {}\n",
			4, "", "invalid YAML: mapping values are not allowed in this context"},
		{"broken JSON", "spec.json", "{\n \"openapi\": \"3.0.3\",\n \"info\": {\"title\": \"x\", \"version\": \"1\"},\n \"paths\": {,}\n}\n",
			4, "", "invalid JSON: invalid character ','"},
		{"an operation without responses", "spec.yaml",
			"openapi: 3.0.3\ninfo: {title: x, version: '1'}\npaths:\n  /exportStatuses/{id}:\n    get:\n      parameters: [{name: id, in: path, required: true, schema: {type: string}}]\n",
			5, "/paths/~1exportStatuses~1{id}/get/responses", "value of responses must be an object"},
		{"responses of the wrong type", "spec.yaml", "openapi: 3.0.3\ninfo: {title: x, version: '1'}\npaths:\n  /a:\n    get:\n      responses: 12\n",
			6, "/paths/~1a/get/responses", "cannot construct !!int `12`"},
		{"a schema of an unknown type", "spec.yaml", "openapi: 3.0.3\ninfo: {title: x, version: '1'}\npaths: {}\ncomponents:\n  schemas:\n    A: {type: strin}\n",
			6, "/components/schemas/A", `unsupported 'type' value "strin"`},
		{"no info version", "spec.yaml", "openapi: 3.0.3\ninfo: {title: x}\npaths: {}\n",
			2, "/info/version", "value of version must be a non-empty string"},
		{"a path parameter not declared", "spec.yaml", "openapi: 3.0.3\ninfo: {title: x, version: '1'}\npaths:\n  /a/{id}:\n    get:\n      responses: {'200': {description: ok}}\n",
			5, "/paths/~1a~1{id}/get", "must define exactly all path parameters"},
		{"not OpenAPI at all", "spec.yaml", "hello: world\n", 0, "/openapi", "value of openapi must be a non-empty string"},
		{"a reference to another file", "spec.yaml", "openapi: 3.0.3\ninfo: {title: x, version: '1'}\npaths:\n  /a:\n    get:\n      responses: {'200': {$ref: 'other.yaml#/x'}}\n",
			0, "", "disallowed external reference"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := writeFile(t, tt.file, tt.content)
			_, err := LoadFile(path)
			se := specError(t, err)
			require.Equal(t, path, se.File)
			require.Nil(t, se.Overlays)
			require.Equal(t, tt.line, se.Line, "line of %v", err)
			require.Equal(t, tt.pointer, se.Pointer, "pointer of %v", err)
			require.Contains(t, se.Err.Error(), tt.reason)
			require.NotContains(t, err.Error(), "\n")
		})
	}
}

func TestSpecErrorMessages(t *testing.T) {
	path := writeFile(t, "vendor.yaml", "openapi: 3.0.3\ninfo: {title: x, version: '1'}\npaths:\n  /exportStatuses/{id}:\n    get:\n      parameters: [{name: id, in: path, required: true, schema: {type: string}}]\n")
	_, err := LoadFile(path)
	require.EqualError(t, err, path+":5: /paths/~1exportStatuses~1{id}/get/responses: value of responses must be an object")

	path = writeFile(t, "vendor.yaml", "openapi: 3.0.3\ninfo:\n  title: x\n   version: '1'\n")
	_, err = LoadFile(path)
	require.EqualError(t, err, path+":4: invalid YAML: mapping values are not allowed in this context")

	missing := filepath.Join(t.TempDir(), "missing.yaml")
	_, err = LoadFile(missing)
	require.EqualError(t, err, missing+": no such file or directory")
	require.ErrorIs(t, err, fs.ErrNotExist)

	require.EqualError(t, &SpecError{Err: errors.New("x")}, "the embedded spec: x")
	require.EqualError(t, &SpecError{File: "v.json", Overlays: []string{"a.yaml", "b.yaml"}, Pointer: "/paths", Err: errors.New("x")},
		"v.json with overlays a.yaml, b.yaml: /paths: x")
}

func TestEffectiveOfTheEmbeddedSpec(t *testing.T) {
	doc, source, err := Effective("", nil)
	require.NoError(t, err)
	embedded, err := Load()
	require.NoError(t, err)
	require.Same(t, embedded, doc)
	require.Equal(t, Spec(), source)
}

func TestEffectiveOfAJSONSpecIsPrintedAsYAML(t *testing.T) {
	doc, source, err := Effective(vendorSpec, nil)
	require.NoError(t, err)
	require.True(t, strings.HasPrefix(string(source), "openapi: 3.1.0\ninfo:\n  title: Logistics Data Export REST API\n"), "%.200s", source)
	again, err := LoadFile(writeFile(t, "again.yaml", string(source)))
	require.NoError(t, err)
	require.Equal(t, Calls(doc), Calls(again), "the printed text is the same spec")
	require.Equal(t, doc.Paths.Len(), again.Paths.Len())
}

// A spec that does not describe the three calls is refused, naming the calls it lacks.
func TestEffectiveRefusesASpecWithoutTheCancel(t *testing.T) {
	b, err := os.ReadFile(vendorSpec)
	require.NoError(t, err)
	without := strings.Replace(string(b), `"/custom-actions/cancel/exportRequests/{id}"`, `"/custom-actions/cancel/exports/{id}"`, 1)
	require.NotEqual(t, string(b), without)
	path := writeFile(t, "vendor.json", without)

	_, err = LoadFile(path)
	require.NoError(t, err, "a valid document, which describes another cancel")
	_, _, err = Effective(path, nil)
	se := specError(t, err)
	require.Equal(t, "/paths", se.Pointer)
	require.Equal(t, 1+strings.Count(without[:strings.Index(without, `"paths"`)], "\n"), se.Line)
	var ce *CallsError
	require.ErrorAs(t, err, &ce)
	require.Equal(t, []export.Call{export.CallCancel}, ce.Missing)
	require.Contains(t, ce.Described, export.CallCreate)
	require.Contains(t, ce.Described, export.CallStatus)
	require.EqualError(t, err, path+":29: /paths: the spec describes no cancel call (POST /custom-actions/cancel/exportRequests/{id} below the API root)")
}

// New accepts what Effective returns; Effective refuses what New would.
func TestEffectiveRefusesPathsTheValidatorCannotRoute(t *testing.T) {
	spec := shapeSpec("", "") + `  /logisticsRestApi/data/v1/exportStatuses/{requestID}:
    get:
      parameters:
        - {name: requestID, in: path, required: true, schema: {type: string}}
      responses:
        "200": {description: the status}
  /custom-actions/cancel/exportRequests/{requestID}:
    post:
      parameters:
        - {name: requestID, in: path, required: true, schema: {type: string}}
      responses:
        "200": {description: cancelling}
`
	_, _, err := Effective(writeFile(t, "twice.yaml", spec), nil)
	se := specError(t, err)
	require.Equal(t, "/paths", se.Pointer)
	require.ErrorContains(t, err, "one path below the API root")
}

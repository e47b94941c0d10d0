package openapi

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/conform-harness/conform/export"
)

func TestCallsOfTheEmbeddedSpec(t *testing.T) {
	doc, err := Load()
	require.NoError(t, err)
	require.Equal(t, map[export.Call]Operation{
		export.CallCreate: {export.CallCreate, "POST", "/exportRequests", "createExportRequest"},
		export.CallStatus: {export.CallStatus, "GET", "/exportStatuses/{requestID}", "getExportStatus"},
		export.CallCancel: {export.CallCancel, "POST", "/custom-actions/cancel/exportRequests/{requestID}", "cancelExportRequest"},
	}, Calls(doc))
}

// The vendor names its operations and the id parameter otherwise, and has a status collection
// beside the status of one request: the calls are found by method and path shape.
func TestCallsOfTheVendorSpec(t *testing.T) {
	doc, err := LoadFile(vendorSpec)
	require.NoError(t, err)
	require.Equal(t, map[export.Call]Operation{
		export.CallCreate: {export.CallCreate, "POST", "/exportRequests", "create-exportRequests"},
		export.CallStatus: {export.CallStatus, "GET", "/exportStatuses/{id}", "get-exportStatuses"},
		export.CallCancel: {export.CallCancel, "POST", "/custom-actions/cancel/exportRequests/{id}", "cancel-exportRequests"},
	}, Calls(doc))
	require.Equal(t, "POST /exportRequests (create-exportRequests)", Calls(doc)[export.CallCreate].String())
}

func TestCallsByShape(t *testing.T) {
	op := func(method, path string) string {
		return "  " + path + ":\n    " + method + ":\n" +
			"      parameters: [{name: x, in: path, required: true, schema: {type: string}}]\n" +
			"      responses: {'200': {description: ok}}\n"
	}
	create := "  /exportRequests:\n    post:\n      responses: {'202': {description: ok}}\n"
	tests := []struct {
		name  string
		paths string
		want  map[export.Call]string // call → path key
	}{
		{"any parameter name", create + op("get", "/exportStatuses/{x}") + op("post", "/custom-actions/cancel/exportRequests/{x}"),
			map[export.Call]string{export.CallCreate: "/exportRequests", export.CallStatus: "/exportStatuses/{x}",
				export.CallCancel: "/custom-actions/cancel/exportRequests/{x}"}},
		{"paths that carry the root",
			"  " + export.Root + "/exportRequests:\n    post:\n      responses: {'202': {description: ok}}\n" +
				op("get", export.Root+"/exportStatuses/{x}"),
			map[export.Call]string{export.CallCreate: export.Root + "/exportRequests", export.CallStatus: export.Root + "/exportStatuses/{x}"}},
		{"a fixed id is no status call", "  /exportStatuses/latest:\n    get:\n      responses: {'200': {description: ok}}\n", nil},
		{"a deeper path is no status call", op("get", "/exportStatuses/{x}/items"), nil},
		{"a parameter inside a segment is no id", op("get", "/exportStatuses/id-{x}"), nil},
		{"the wrong method", op("get", "/custom-actions/cancel/exportRequests/{x}") + op("post", "/exportStatuses/{x}"), nil},
		{"a prefix that is not the API root", "  /v2/exportRequests:\n    post:\n      responses: {'202': {description: ok}}\n", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			doc := loadSpec(t, "openapi: 3.0.3\ninfo: {title: t, version: '1'}\npaths:\n"+tt.paths)
			got := map[export.Call]string{}
			for c, o := range Calls(doc) {
				require.Equal(t, c, o.Call)
				got[c] = o.Path
			}
			if tt.want == nil {
				tt.want = map[export.Call]string{}
			}
			require.Equal(t, tt.want, got)
		})
	}
}

func TestCallsErrorNamesEveryMissingCall(t *testing.T) {
	err := &CallsError{Missing: []export.Call{export.CallStatus, export.CallCancel}}
	require.EqualError(t, err, "the spec describes no status call (GET /exportStatuses/{id} below the API root), "+
		"no cancel call (POST /custom-actions/cancel/exportRequests/{id} below the API root)")
}

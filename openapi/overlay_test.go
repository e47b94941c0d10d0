package openapi

import (
	"os"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/conform-harness/conform/export"
)

func TestTheUseCaseOverlayAdaptsTheVendorSpec(t *testing.T) {
	doc, source, err := Effective(vendorSpec, []string{useCaseOverlay})
	require.NoError(t, err)
	require.True(t, doc.IsOpenAPI31OrLater())
	require.Len(t, Calls(doc), 3)

	cancel := doc.Paths.Value("/custom-actions/cancel/exportRequests/{id}").Post
	require.Equal(t, "cancel-exportRequests", cancel.OperationID)
	ok := cancel.Responses.Status(200)
	require.NotNil(t, ok, "the use case's 200")
	require.Equal(t, true, ok.Value.Extensions[bodyOptional])
	require.NotNil(t, cancel.Responses.Status(400), "the use case's 400")
	require.NotNil(t, cancel.Responses.Status(204), "the vendor's 204 stays")

	item := doc.Components.Schemas["exportItem"].Value
	require.Equal(t, []string{"string", "integer"}, item.Properties["itemID"].Value.Type.Slice())
	require.Len(t, item.Properties["startTime"].Value.AnyOf, 2, "removed, then written anew")

	require.True(t, strings.HasPrefix(string(source), "openapi: 3.1.0\n"), "%.100s", source)
	require.Contains(t, string(source), "x-conform-body-optional: true")
	again, err := LoadFile(writeFile(t, "effective.yaml", string(source)))
	require.NoError(t, err, "the printed text loads")
	require.Equal(t, Calls(doc), Calls(again))
}

func TestOverlaysApplyInOrder(t *testing.T) {
	describe := func(text string) string {
		return writeFile(t, "o.yaml", "overlay: 1.0.0\ninfo: {title: t, version: '1'}\nactions:\n"+
			"  - target: $.info\n    update: {description: "+text+"}\n")
	}
	one, two := describe("one"), describe("two")
	doc, _, err := Effective(vendorSpec, []string{one, two})
	require.NoError(t, err)
	require.Equal(t, "two", doc.Info.Description)
	doc, _, err = Effective(vendorSpec, []string{two, one})
	require.NoError(t, err)
	require.Equal(t, "one", doc.Info.Description)
}

func TestAnOverlayOfTheEmbeddedSpec(t *testing.T) {
	ov := writeFile(t, "no-400.yaml", "overlay: 1.0.0\ninfo: {title: t, version: '1'}\nactions:\n"+
		"  - target: $.paths['/custom-actions/cancel/exportRequests/{requestID}'].post.responses['400']\n    remove: true\n")
	doc, _, err := Effective("", []string{ov})
	require.NoError(t, err)
	require.Nil(t, doc.Paths.Value("/custom-actions/cancel/exportRequests/{requestID}").Post.Responses.Status(400))
	embedded, err := Load()
	require.NoError(t, err)
	require.NotNil(t, embedded.Paths.Value("/custom-actions/cancel/exportRequests/{requestID}").Post.Responses.Status(400),
		"the shared embedded spec is not changed")
}

// An overlay that does not load or apply names itself, and the line and pointer of the field
// at fault.
func TestOverlayErrors(t *testing.T) {
	head := "overlay: 1.0.0\ninfo: {title: t, version: '1'}\nactions:\n"
	describe := "  - target: $.info\n    update: {description: x}\n"
	tests := []struct {
		name, overlay string
		line          int
		pointer       string
		reason        string
	}{
		{"a bad JSONPath", head + describe + "  - target: $.paths[?(@.x\n    update: {a: 1}\n",
			6, "/actions/1/target", `target "$.paths[?(@.x" is not a valid JSONPath: `},
		{"another version", "overlay: 2.0.0\ninfo: {title: t, version: '1'}\nactions:\n" + describe,
			1, "/overlay", `overlay version "2.0.0" is not supported: conform applies OpenAPI Overlay 1.0`},
		{"no version", "info: {title: t, version: '1'}\nactions:\n" + describe,
			0, "/overlay", "not an OpenAPI Overlay document: the overlay field"},
		{"no info", "overlay: 1.0.0\nactions:\n" + describe, 0, "/info", "the overlay has no info"},
		{"no actions", head + "  []\n", 3, "/actions", "the overlay has no actions"},
		{"an action without a target", head + "  - update: {description: x}\n", 4, "/actions/0", "action 0 has no target"},
		{"a target that selects nothing", head + describe + "  - target: $.paths['/nope']\n    remove: true\n",
			6, "/actions/1/target", "target $.paths['/nope'] selects nothing in " + vendorSpec},
		{"an update of a scalar", head + "  - target: $.info.title\n    update: x\n",
			4, "/actions/0/target", "target $.info.title selects a scalar"},
		{"broken YAML", "overlay: 1.0.0\ninfo: {title: t, version: '1'\nactions:\n", 3, "", "invalid YAML: did not find expected ',' or '}'"},
		{"not a mapping", "just a string\n", 1, "", "not an OpenAPI Overlay document"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := writeFile(t, "overlay.yaml", tt.overlay)
			_, _, err := Effective(vendorSpec, []string{path})
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

func TestOverlayErrorMessages(t *testing.T) {
	path := writeFile(t, "adapt.yaml", "overlay: 1.1.0\ninfo: {title: t, version: '1'}\nactions:\n  - target: $.info\n    update: {description: x}\n")
	_, _, err := Effective(vendorSpec, []string{path})
	require.EqualError(t, err, path+`:1: /overlay: overlay version "1.1.0" is not supported: conform applies OpenAPI Overlay 1.0 (overlay: 1.0.0)`)

	path = writeFile(t, "adapt.yaml", "overlay: 1.0.0\ninfo: {title: t, version: '1'}\nactions:\n  - target: $.paths[?(@.x\n    update: {a: 1}\n")
	_, _, err = Effective(vendorSpec, []string{path})
	require.EqualError(t, err, path+`:4: /actions/0/target: target "$.paths[?(@.x" is not a valid JSONPath: Error at line 1, column 13: unexpected token`)
}

// A result that breaks the spec, or no longer describes the three calls, names the spec and
// the overlays, and the pointer in the result.
func TestOverlayThatBreaksTheSpec(t *testing.T) {
	head := "overlay: 1.0.0\ninfo: {title: t, version: '1'}\nactions:\n"
	breaks := writeFile(t, "breaks.yaml", head+"  - target: $.paths['/exportStatuses/{id}'].get\n    update: {responses: 3}\n")
	_, _, err := Effective(vendorSpec, []string{useCaseOverlay, breaks})
	se := specError(t, err)
	require.Equal(t, vendorSpec, se.File)
	require.Equal(t, []string{useCaseOverlay, breaks}, se.Overlays)
	require.Zero(t, se.Line)
	require.Equal(t, "/paths/~1exportStatuses~1{id}/get/responses", se.Pointer)

	removes := writeFile(t, "removes.yaml", head+"  - target: $.paths['/custom-actions/cancel/exportRequests/{id}']\n    remove: true\n")
	_, _, err = Effective(vendorSpec, []string{removes})
	require.EqualError(t, err, vendorSpec+" with overlay "+removes+
		": /paths: the spec describes no cancel call (POST /custom-actions/cancel/exportRequests/{id} below the API root)")
}

// The vendor's spec and the use case disagree on the cancel's answers and on how values are
// written; the overlay brings the use case's forms in, and keeps the vendor's.
func TestVendorExchanges(t *testing.T) {
	cancel := export.Root + "/custom-actions/cancel/exportRequests/12345"
	status := export.Root + "/exportStatuses/12345"
	vendorDoc, err := os.ReadFile("testdata/vendor-cancelling.json")
	require.NoError(t, err)
	errorDoc := `{"type":"about:blank","title":"Bad Request","status":400,"detail":"Request 12345 is in an invalid state for a cancellation request",` +
		`"o:errorCode":"EXP-0042","o:errorDetails":[{"detail":"succeeded","o:errorCode":"EXP-0042"}]}`
	tests := []struct {
		name        string
		ex          call
		vendorAlone string // the reason of the first violation with the vendor's spec alone, "" for none
		overlaid    string // the same with the use-case overlay
	}{
		{"cancel answered 204", exchange("POST", cancel, "", 204, "", ""), "", ""},
		{"cancel answered 200 without a body", exchange("POST", cancel, "", 200, "", ""), "status is not supported", ""},
		{"cancel answered 200 with the status", exchange("POST", cancel, "", 200, jsonCT, string(vendorDoc)), "status is not supported", ""},
		{"cancel answered 400", exchange("POST", cancel, "", 400, jsonCT, errorDoc), "status is not supported", ""},
		{"cancel answered 404 in the vendor's error type", exchange("POST", cancel, "", 404, "application/vnd.oracle.adf.error+json", errorDoc), "", ""},
		{"status in the vendor's forms", exchange("GET", status, "", 200, jsonCT, string(vendorDoc)), "", ""},
		{"status as the use case shows it", exchange("GET", status, "", 200, jsonCT, seedDoc(t)), "value must be a string", ""},
		{"status with a misspelt progress", exchange("GET", status, "", 200, jsonCT, strings.Replace(string(vendorDoc), `"cancelling"`, `"canceling"`, 1)),
			"value is not one of the allowed values", "value is not one of the allowed values"},
		{"the status collection", exchange("GET", export.Root+"/exportStatuses?limit=2", "", 200, jsonCT,
			`{"items":[`+string(vendorDoc)+`],"count":1,"hasMore":false,"limit":2,"offset":0}`), "", ""},
	}
	for _, overlays := range [][]string{nil, {useCaseOverlay}} {
		doc, _, err := Effective(vendorSpec, overlays)
		require.NoError(t, err)
		v, err := New(doc)
		require.NoError(t, err)
		for _, tt := range tests {
			want := tt.vendorAlone
			name := "vendor alone/" + tt.name
			if overlays != nil {
				want, name = tt.overlaid, "with the overlay/"+tt.name
			}
			t.Run(name, func(t *testing.T) {
				got := check(v, tt.ex)
				if want == "" {
					require.Empty(t, got)
					return
				}
				require.NotEmpty(t, got)
				require.Contains(t, got[0].Reason, want, "%v", got)
			})
		}
	}
}

// kin-openapi checks a 3.1 spec's schemas with its JSON Schema 2020-12 validator; the
// violations still name the field.
func TestViolationsOfAnOpenAPI31Spec(t *testing.T) {
	doc, _, err := Effective(vendorSpec, nil)
	require.NoError(t, err)
	v, err := New(doc)
	require.NoError(t, err)
	got := check(v, exchange("GET", export.Root+"/exportStatuses/12345", "", 200, jsonCT, seedDoc(t)))
	pointers := make([]string, len(got))
	for i, vi := range got {
		pointers[i] = vi.Pointer
		require.Equal(t, "get-exportStatuses", vi.Operation)
		require.NotContains(t, vi.Reason, "DisableSchemaErrorDetails")
	}
	require.Equal(t, []string{
		"/result/body/requestID",
		"/result/body/submitDate",
		"/result/body/tables/items/0/endTime",
		"/result/body/tables/items/0/itemID",
		"/result/body/tables/items/0/startTime",
		"/result/body/tables/items/1/itemID",
	}, pointers)
}

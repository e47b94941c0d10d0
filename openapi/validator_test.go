package openapi

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"testing"

	"github.com/conform-harness/conform/export"

	"github.com/stretchr/testify/require"
)

const jsonCT = "application/json; charset=utf-8"

func mustValidator(t testing.TB) *Validator {
	t.Helper()
	v, err := NewValidator()
	require.NoError(t, err)
	return v
}

func seedDoc(t testing.TB) string {
	t.Helper()
	b, err := os.ReadFile("testdata/cancelling.json")
	require.NoError(t, err)
	return string(b)
}

// call is one request and its response, as a test hands them to Validate.
type call struct {
	req     *http.Request
	reqBody []byte
	resp    Response
}

func exchange(method, path, reqBody string, status int, ct, body string) call {
	r := httptest.NewRequest(method, "http://127.0.0.1:9"+path, nil)
	if reqBody != "" {
		r.Header.Set("Content-Type", "application/json")
	}
	h := http.Header{}
	if ct != "" {
		h.Set("Content-Type", ct)
	}
	return call{req: r, reqBody: []byte(reqBody), resp: Response{Status: status, Header: h, Body: []byte(body)}}
}

// check returns the violations Validate finds in c.
func check(v *Validator, c call) []Violation {
	return v.Validate(c.req, c.reqBody, c.resp).Violations
}

func TestEmbeddedSpecIsValid(t *testing.T) {
	doc, err := Load()
	require.NoError(t, err)
	require.NoError(t, doc.Validate(context.Background()))
	require.Equal(t, "1.0.0", doc.Info.Version)
	for _, op := range []string{"createExportRequest", "getExportStatus", "cancelExportRequest"} {
		found := false
		for _, item := range doc.Paths.Map() {
			for _, o := range item.Operations() {
				if o.OperationID == op {
					found = true
					require.NotEmpty(t, o.Summary, op)
				}
			}
		}
		require.True(t, found, "operation %s", op)
	}
}

func TestSpecRejectsBrokenYAML(t *testing.T) {
	_, err := parse([]byte("openapi: 3.0.3\ninfo: {title: x}\npaths: {}\n"))
	require.Error(t, err, "a spec without info.version must not validate")
}

func TestSpecReturnsACopy(t *testing.T) {
	a := Spec()
	a[0] = 'X'
	require.NotEqual(t, a[0], Spec()[0])
}

func TestConformingExchanges(t *testing.T) {
	v := mustValidator(t)
	errDoc := `{"type":"about:blank","title":"Not Found","status":404,"detail":"export request 9 does not exist"}`
	tests := []struct {
		name string
		ex   call
	}{
		{"status of the seed example", exchange("GET", export.Root+"/exportStatuses/12345", "", 200, jsonCT, seedDoc(t))},
		{"string ids", exchange("GET", export.Root+"/exportStatuses/12345", "", 200, "application/json",
			strings.NewReplacer(`"requestID": 12345`, `"requestID": "12345"`, `"itemID": 1,`, `"itemID": "1",`).Replace(seedDoc(t)))},
		{"create", exchange("POST", export.Root+"/exportRequests", `{"tables":{"items":[{"tableName":"SHIPMENT"}]}}`, 202, jsonCT, seedDoc(t))},
		{"cancel 200 without body", exchange("POST", export.Root+"/custom-actions/cancel/exportRequests/12345", "", 200, "", "")},
		{"cancel 200 with a status document", exchange("POST", export.Root+"/custom-actions/cancel/exportRequests/12345", "", 200, jsonCT, seedDoc(t))},
		{"cancel 400", exchange("POST", export.Root+"/custom-actions/cancel/exportRequests/12345", "", 400, jsonCT,
			`{"type":"about:blank","title":"Bad Request","status":400,"detail":"invalid state for a cancellation request"}`)},
		{"cancel 404 for an odd id", exchange("POST", export.Root+"/custom-actions/cancel/exportRequests/abc%2F..", "", 404, jsonCT, errDoc)},
		{"status 404", exchange("GET", export.Root+"/exportStatuses/99999999999999999999999", "", 404, jsonCT, errDoc)},
		{"gateway prefix before the root", exchange("GET", "/gw/vendor"+export.Root+"/exportStatuses/12345", "", 200, jsonCT, seedDoc(t))},
	}
	unauthorized := exchange("GET", export.Root+"/exportStatuses/1", "", 401, "text/html", "<h1>no</h1>")
	unauthorized.resp.Header.Set("WWW-Authenticate", `Basic realm="x"`)
	tests = append(tests, struct {
		name string
		ex   call
	}{"401 with a challenge and any body", unauthorized})
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			require.Empty(t, check(v, tt.ex))
		})
	}
}

func TestViolations(t *testing.T) {
	v := mustValidator(t)
	status := export.Root + "/exportStatuses/12345"
	seed := seedDoc(t)
	tests := []struct {
		name    string
		ex      call
		where   string
		pointer string
		reason  string
	}{
		{"undeclared status", exchange("GET", status, "", 500, jsonCT, `{}`), "response", "", "status is not supported"},
		{"misspelt progress", exchange("GET", status, "", 200, jsonCT, strings.Replace(seed, `"cancelling"`, `"canceling"`, 1)),
			"response", "/progress", "value is not one of the allowed values"},
		{"wrong type", exchange("GET", status, "", 200, jsonCT, strings.Replace(seed, `"completed": false`, `"completed": "false"`, 1)),
			"response", "/completed", "value must be a boolean"},
		{"missing required field", exchange("GET", status, "", 200, jsonCT, strings.Replace(seed, `"completed": false,`, ``, 1)),
			"response", "/completed", `property "completed" is missing`},
		{"item id of a wrong type", exchange("GET", status, "", 200, jsonCT, strings.Replace(seed, `"itemID": 1,`, `"itemID": true,`, 1)),
			"response", "/result/body/tables/items/0/itemID", "doesn't match any schema"},
		{"bad checksum", exchange("GET", status, "", 200, jsonCT, strings.Replace(seed, `c9179dae8947cb56abaed4f6c2ea09b3`, `xyz`, 1)),
			"response", "/result/body/tables/items/0/parts/items/0/checksum", "regular expression"},
		{"bad date-time", exchange("GET", status, "", 200, jsonCT, strings.Replace(seed, `"2022-11-29T15:21:56Z"`, `"yesterday"`, 1)),
			"response", "/result/body/submitDate", "string doesn't match the regular expression"},
		{"wrong content type", exchange("GET", status, "", 200, "text/plain", seed), "response", "", "Content-Type"},
		{"status with no body", exchange("GET", status, "", 200, "", ""), "response", "", "Content-Type"},
		{"not JSON", exchange("GET", status, "", 200, jsonCT, "{"), "response", "", "failed to decode response body"},
		{"error without status", exchange("GET", export.Root+"/exportStatuses/1", "", 404, jsonCT, `{"title":"Not Found"}`),
			"response", "/status", `property "status" is missing`},
		{"401 without challenge", exchange("GET", status, "", 401, "", ""), "response", "", "WWW-Authenticate"},
		{"unknown path", exchange("GET", export.Root+"/nope", "", 404, jsonCT, `{}`), "request", "", "declares no operation"},
		{"wrong method", exchange("DELETE", status, "", 405, "", ""), "request", "", "declares no DELETE operation"},
		{"outside the root", exchange("GET", "/exportStatuses/1", "", 200, jsonCT, seed), "request", "", "API root"},
		{"create without tables", exchange("POST", export.Root+"/exportRequests", `{"tables":{"items":[]}}`, 400, jsonCT,
			`{"title":"Bad Request","status":400}`), "request", "/tables/items", "minimum number of items"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := check(v, tt.ex)
			require.NotEmpty(t, got)
			var hit bool
			for _, vi := range got {
				if vi.Where == tt.where && vi.Pointer == tt.pointer && strings.Contains(vi.Reason, tt.reason) {
					hit = true
				}
			}
			require.True(t, hit, "want %s %q containing %q, got %v", tt.where, tt.pointer, tt.reason, got)
		})
	}
}

func TestAllViolationsAreReported(t *testing.T) {
	v := mustValidator(t)
	body := strings.NewReplacer(`"cancelling"`, `"canceling"`, `"completed": false`, `"completed": 0`, `"recordCount": 92`, `"recordCount": "92"`).Replace(seedDoc(t))
	got := check(v, exchange("GET", export.Root+"/exportStatuses/12345", "", 200, jsonCT, body))
	var pointers []string
	for _, vi := range got {
		pointers = append(pointers, vi.Pointer)
		require.Equal(t, "getExportStatus", vi.Operation)
		require.Equal(t, 200, vi.Status)
	}
	require.ElementsMatch(t, []string{"/completed", "/progress", "/result/body/tables/items/0/parts/items/0/recordCount"}, pointers)
}

func TestViolationString(t *testing.T) {
	vi := Violation{Operation: "getExportStatus", Method: "GET", Path: "/x", Status: 200, Where: "response", Pointer: "/progress", Reason: "bad"}
	require.Equal(t, "getExportStatus GET /x → 200: response /progress: bad", vi.String())
}

func TestDuplicateKeys(t *testing.T) {
	v := mustValidator(t)
	status := export.Root + "/exportStatuses/12345"
	seed := seedDoc(t)
	set := func(pairs ...string) string { return strings.NewReplacer(pairs...).Replace(seed) }
	get := func(body string) call { return exchange("GET", status, "", 200, jsonCT, body) }
	type dup struct{ pointer, key string }
	tests := []struct {
		name   string
		ex     call
		dups   []dup    // the duplicate-key violations, in order
		others []string // for each other violation in order: part of its String, part of its Reason
	}{
		{"top level, values differ", get(`{"progress":"failed","completed":true,` + seed[1:]),
			[]dup{{"", "progress"}, {"", "completed"}}, nil},
		{"equal values", get(set(`"completed": false`, `"completed": false, "completed": false`)), []dup{{"", "completed"}}, nil},
		{"escaped forms of one key", get(set(`"progress": "cancelling"`, `"progress": "failed", "pro\u0067ress": "cancelling"`)),
			[]dup{{"", "progress"}}, nil},
		{"in result.body", get(set(`"requestID": 12345`, `"requestID": 12345, "requestID": 999`)), []dup{{"/result/body", "requestID"}}, nil},
		{"in an item", get(set(`"itemName": "SHIPMENT_REFNUM"`, `"itemName": "SHIPMENT_REFNUM", "itemName": "SHIPMENT"`)),
			[]dup{{"/result/body/tables/items/1", "itemName"}}, nil},
		{"in a part", get(set(`"recordCount": 92`, `"recordCount": 92, "recordCount": 0`)),
			[]dup{{"/result/body/tables/items/0/parts/items/0", "recordCount"}}, nil},
		{"in a start time", get(set(`"startTime": {"value": "2022-11-29T15:21:58Z"}`, `"startTime": {"value": "x", "value": "2022-11-29T15:21:58Z"}`)),
			[]dup{{"/startTime", "value"}}, nil},
		{"in an error document", exchange("GET", export.Root+"/exportStatuses/9", "", 404, jsonCT,
			`{"type":"about:blank","title":"Not Found","status":404,"status":200,"detail":"no"}`), []dup{{"", "status"}}, nil},
		{"in a cancel's error document", exchange("POST", export.Root+"/custom-actions/cancel/exportRequests/12345", "", 400, jsonCT,
			`{"title":"Bad Request","detail":"x","status":400,"detail":"y"}`), []dup{{"", "detail"}}, nil},
		{"in a create's answer", exchange("POST", export.Root+"/exportRequests", `{"tables":{"items":[{"tableName":"SHIPMENT"}]}}`, 202, jsonCT,
			set(`"offset": 0`, `"offset": 0, "offset": 0`)), []dup{{"/result/body/tables/items/0", "offset"}}, nil},
		{"the schema is still checked", get(set(`"completed": false`, `"completed": false, "completed": "false"`)),
			[]dup{{"", "completed"}}, []string{"response /completed: ", "value must be a boolean"}},
		{"a body decodeJSON leaves to kin-openapi", get(set(`"SHIPMENT_REFNUM"`, "\"SHIPMENT\xffREFNUM\"", `"offset": 0`, `"offset": 0, "offset": 1`)),
			[]dup{{"/result/body/tables/items/0", "offset"}}, nil},
		{"data after the document", get(set(`"offset": 0`, `"offset": 0, "offset": 1`) + `{"a":1,"a":2}`),
			[]dup{{"/result/body/tables/items/0", "offset"}}, nil},
		{"keys differing in case are not duplicates", get(set(`"completed": false`, `"completed": false, "Completed": true`)), nil, nil},
		{"the same key in two objects", get(seed), nil, nil},
		{"the harness's own request body is not checked", exchange("POST", export.Root+"/exportRequests",
			`{"tables":{"items":[{"tableName":"SHIPMENT","tableName":"SHIPMENT"}]}}`, 202, jsonCT, seed), nil, nil},
		{"a body that is not JSON", exchange("GET", status, "", 401, "text/html", `{"a":1,"a":2`), nil,
			[]string{"response: ", "WWW-Authenticate"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var dups []dup
			var others []Violation
			for _, vi := range check(v, tt.ex) {
				require.NotEqual(t, "request", vi.Where, vi.String())
				key, ok := strings.CutPrefix(vi.Reason, "duplicate key ")
				if !ok {
					others = append(others, vi)
					continue
				}
				key, ok = strings.CutSuffix(key, ": a JSON object must not repeat a key (readers disagree on which value counts)")
				require.True(t, ok, vi.Reason)
				require.Equal(t, tt.ex.resp.Status, vi.Status)
				dups = append(dups, dup{vi.Pointer, key})
			}
			var want []dup
			for _, d := range tt.dups {
				want = append(want, dup{d.pointer, fmt.Sprintf("%q", d.key)})
			}
			require.Equal(t, want, dups)
			require.Len(t, others, len(tt.others)/2, "other violations: %v", others)
			for i, vi := range others {
				require.Contains(t, vi.String(), tt.others[2*i])
				require.Contains(t, vi.Reason, tt.others[2*i+1])
			}
		})
	}
}

func TestDuplicateKeyViolationString(t *testing.T) {
	v := mustValidator(t)
	got := check(v, exchange("GET", export.Root+"/exportStatuses/12345", "", 200, jsonCT,
		strings.Replace(seedDoc(t), `"totalResults": 92`, `"totalResults": 92, "totalResults": 93`, 1)))
	require.Len(t, got, 1)
	require.Equal(t, `getExportStatus GET /logisticsRestApi/data/v1/exportStatuses/12345 → 200: response /result/body/tables/items/0: `+
		`duplicate key "totalResults": a JSON object must not repeat a key (readers disagree on which value counts)`, got[0].String())
}

// A redirect is an answer the spec does not declare: kin-openapi lets 301, 307 and 308 through
// unchecked, and conform follows none, so each is one violation that says where it pointed.
func TestUndeclaredRedirectsAreViolations(t *testing.T) {
	v := mustValidator(t)
	for _, status := range []int{http.StatusMovedPermanently, http.StatusFound, http.StatusSeeOther,
		http.StatusTemporaryRedirect, http.StatusPermanentRedirect} {
		t.Run(fmt.Sprint(status), func(t *testing.T) {
			ex := exchange(http.MethodPost, "/logisticsRestApi/data/v1/custom-actions/cancel/exportRequests/7", "", status, "", "")
			ex.resp.Header.Set("Location", "http://127.0.0.1:1/logisticsRestApi/data/v1/custom-actions/cancel/exportRequests/7")
			got := check(v, ex)
			require.Len(t, got, 1, "%v", got)
			require.Equal(t, "cancelExportRequest", got[0].Operation)
			require.Equal(t, "response", got[0].Where)
			require.Equal(t, fmt.Sprintf(`status %d %s is not declared for this operation: a redirect to `+
				`"http://127.0.0.1:1/logisticsRestApi/data/v1/custom-actions/cancel/exportRequests/7", which conform never follows`,
				status, http.StatusText(status)), got[0].Reason)
		})
	}
}

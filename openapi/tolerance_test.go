package openapi

import (
	"regexp"
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/stretchr/testify/require"

	"github.com/conform-harness/conform/export"
)

// The spec is strict where the use-case page speaks and tolerant where it is silent: these tests
// hold it to both, for the forms DESIGN's "contract versus representation" lists.

// TestDateTimePatternIsTheDecoders: the spec's dates and export.DateTime accept the same
// strings, because they use the same pattern.
func TestDateTimePatternIsTheDecoders(t *testing.T) {
	doc, err := Load()
	require.NoError(t, err)
	dt := doc.Components.Schemas["DateTime"]
	require.NotNil(t, dt)
	require.Equal(t, export.DateTimePattern, dt.Value.Pattern)
	require.Equal(t, export.DateTimePattern, dt.Value.Properties["value"].Value.Pattern)
	for _, p := range []string{"startTime", "links"} {
		require.Contains(t, doc.Components.Schemas["ExportStatus"].Value.Properties, p)
	}
	for _, ref := range []string{
		doc.Components.Schemas["ExportStatus"].Value.Properties["startTime"].Ref,
		doc.Components.Schemas["ExportStatus"].Value.Properties["result"].Value.Properties["body"].Value.Properties["submitDate"].Ref,
		doc.Components.Schemas["ExportItem"].Value.Properties["startTime"].Ref,
		doc.Components.Schemas["ExportItem"].Value.Properties["endTime"].Ref,
	} {
		require.Equal(t, "#/components/schemas/DateTime", ref)
	}
}

// TestEveryOptionalPropertyIsNullable: a property that a schema does not require may be null,
// at any depth of the spec's schemas, and a required one may not. A schema with a type says so
// with nullable; one of two types (a date: a string or an object) cannot, since OpenAPI 3.0
// allows nullable only beside a type, and says it in each of its anyOf: so what is checked
// of every property is that a null passes, or fails, its schema.
func TestEveryOptionalPropertyIsNullable(t *testing.T) {
	doc, err := Load()
	require.NoError(t, err)
	checked := 0
	for name, ref := range doc.Components.Schemas {
		if name == "ExportRequest" {
			continue // the harness's own request body: it sends no null
		}
		var walk func(path string, s *openapi3.Schema)
		walk = func(path string, s *openapi3.Schema) {
			for prop, p := range s.Properties {
				required := false
				for _, r := range s.Required {
					required = required || r == prop
				}
				v := p.Value
				if !required {
					require.NoError(t, v.VisitJSON(nil), "%s/%s is optional and must be nullable", path, prop)
					if v.Type != nil {
						require.True(t, v.Nullable, "%s/%s is optional and must be nullable", path, prop)
					}
					checked++
				} else {
					require.False(t, v.Nullable, "%s/%s is required and must not be nullable", path, prop)
					require.Error(t, v.VisitJSON(nil), "%s/%s is required and must not be nullable", path, prop)
				}
				if p.Ref == "" {
					walk(path+"/"+prop, v)
					if v.Items != nil && v.Items.Ref == "" {
						walk(path+"/"+prop+"/items", v.Items.Value)
					}
				}
			}
		}
		walk(name, ref.Value)
	}
	require.Greater(t, checked, 15)
}

func TestToleratedFormsConform(t *testing.T) {
	v := mustValidator(t)
	seed := seedDoc(t)
	status := export.Root + "/exportStatuses/12345"
	cancel := export.Root + "/custom-actions/cancel/exportRequests/12345"
	get := func(ct, body string) call { return exchange("GET", status, "", 200, ct, body) }
	refused := func(ct, body string) call { return exchange("POST", cancel, "", 400, ct, body) }
	set := func(pairs ...string) string { return strings.NewReplacer(pairs...).Replace(seed) }
	tests := []struct {
		name string
		ex   call
	}{
		{"dates as dateTimeType, with a timezone or not", get(jsonCT, set(
			`"startTime": {"value": "2022-11-29T15:21:58Z"}`, `"startTime": {"value": "2022-11-29T15:21:58Z", "timezone": "UTC"}`,
			`"submitDate": "2022-11-29T15:21:56Z"`, `"submitDate": {"value": "2022-11-29T15:21:56Z", "timezone": null}`,
			`"startTime": "2022-11-29T15:21:58Z"`, `"startTime": {"value": "2022-11-29T15:21:58Z"}`))},
		{"dates in the vendor's ISO 8601", get(jsonCT, set(
			`"startTime": {"value": "2022-11-29T15:21:58Z"}`, `"startTime": {"value": "2022-11-29T15:21:58.000+0000"}`,
			`"submitDate": "2022-11-29T15:21:56Z"`, `"submitDate": "2022-11-29T16:21:56.123+01"`,
			`"endTime": "2022-11-29T15:22:17Z"`, `"endTime": "2022-11-29t15:22:17.5-05:00"`))},
		{"dates without seconds, as Java writes a whole minute", get(jsonCT, set(
			`"startTime": {"value": "2022-11-29T15:21:58Z"}`, `"startTime": {"value": "2022-11-29T16:21+01:00", "timezone": "Europe/Paris"}`,
			`"submitDate": "2022-11-29T15:21:56Z"`, `"submitDate": "2022-11-29T15:21Z"`,
			`"startTime": "2022-11-29T15:21:58Z"`, `"startTime": "2022-11-29T16:21+0100"`,
			`"endTime": "2022-11-29T15:22:17Z"`, `"endTime": {"value": "2022-11-29T10:22-05"}`))},
		{"null for every optional field", get(jsonCT, set(
			`"startTime": {"value": "2022-11-29T15:21:58Z"}`, `"startTime": null`,
			`"submitDate": "2022-11-29T15:21:56Z"`, `"submitDate": null`,
			`"progress": "pending",`, `"progress": "pending", "startTime": null, "endTime": null, "totalResults": null, "offset": null, "totalRecordCount": null,`,
			`"rel": "self",`, `"rel": null, "mediaType": null,`))},
		{"null links", get(jsonCT, set(`"links": [{"rel": "self", "href": "/logisticsRestApi/data/v1/exportStatuses/12345"}]`, `"links": null`))},
		{"extra fields", get(jsonCT, set(
			`"completed": false,`, `"completed": false, "o:resourceType": "exportStatus", "hasMore": false, "limit": 25, "offset": 0, "totalResults": 1,`,
			`"tables": {"items": [`, `"tables": {"count": 2, "hasMore": false, "items": [`,
			`"rel": "self",`, `"rel": "self", "name": "exportStatuses", "kind": "item", "properties": {"changeIndicator": "x"},`))},
		{"a vendor media type with its parameter", get("application/vnd.oracle.resource+json; type=singular", seed)},
		{"any +json type", get("application/problem+json", seed)},
		{"the vendor's error type", refused("application/vnd.oracle.adf.error+json",
			`{"title":"Bad Request","status":400,"detail":"invalid state for a cancellation request"}`)},
		{"the vendor's common error shape, status as a string", refused(jsonCT,
			`{"type":"about:blank","title":"Bad Request","status":"400","instance":"/logisticsRestApi/data/v1/custom-actions/cancel/exportRequests/12345",`+
				`"o:errorCode":"EXPORT-400","o:errorPath":"/custom-actions/cancel/exportRequests/12345",`+
				`"o:errorDetails":[{"detail":"The request is not in a cancellable state","o:errorCode":"EXPORT-400","o:x":1}]}`)},
		{"an error document with nulls", refused(jsonCT, `{"type":null,"title":"Bad Request","status":400,"detail":null,"instance":null,`+
			`"o:errorCode":null,"o:errorPath":null,"o:errorDetails":null}`)},
		{"a not-found in the vendor's shape", exchange("GET", status, "", 404, "application/vnd.oracle.adf.error+json",
			`{"title":"Not Found","status":"404","o:errorDetails":[{"detail":"The export request 12345 was not found"}]}`)},
		{"an error document without title", exchange("GET", status, "", 404, jsonCT, `{"status":404,"detail":"no such request"}`)},
		{"an error document of a status alone", exchange("GET", status, "", 404, jsonCT, `{"status":"404"}`)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			require.Empty(t, check(v, tt.ex))
		})
	}
}

// TestToleranceStopsWhereTheFormIsWrong: each tolerated form has an edge, and past it the spec
// says what is wrong, where.
func TestToleranceStopsWhereTheFormIsWrong(t *testing.T) {
	v := mustValidator(t)
	seed := seedDoc(t)
	status := export.Root + "/exportStatuses/12345"
	get := func(ct, body string) call { return exchange("GET", status, "", 200, ct, body) }
	set := func(pairs ...string) string { return strings.NewReplacer(pairs...).Replace(seed) }
	notFound := func(ct, body string) call { return exchange("GET", status, "", 404, ct, body) }
	tests := []struct {
		name    string
		ex      call
		pointer string
		reason  string
	}{
		{"a date in milliseconds", get(jsonCT, set(`"submitDate": "2022-11-29T15:21:56Z"`, `"submitDate": 1669735316000`)),
			"/result/body/submitDate", `doesn't match any schema from "anyOf"`},
		{"a dateTimeType without value", get(jsonCT, set(`{"value": "2022-11-29T15:21:58Z"}`, `{"timezone": "UTC"}`)),
			"/startTime/value", `property "value" is missing`},
		{"a malformed dateTimeType value", get(jsonCT, set(`{"value": "2022-11-29T15:21:58Z"}`, `{"value": "29/11/2022 15:21"}`)),
			"/startTime/value", "string doesn't match the regular expression"},
		{"a date without an offset", get(jsonCT, set(`"endTime": "2022-11-29T15:22:17Z"`, `"endTime": "2022-11-29T15:22:17"`)),
			"/result/body/tables/items/0/endTime", "string doesn't match the regular expression"},
		{"a date without seconds and without an offset", get(jsonCT, set(`"endTime": "2022-11-29T15:22:17Z"`, `"endTime": "2022-11-29T15:22"`)),
			"/result/body/tables/items/0/endTime", "string doesn't match the regular expression"},
		{"a fraction without seconds", get(jsonCT, set(`"submitDate": "2022-11-29T15:21:56Z"`, `"submitDate": "2022-11-29T15:21.5Z"`)),
			"/result/body/submitDate", "string doesn't match the regular expression"},
		{"a dateTimeType value of hours alone", get(jsonCT, set(`{"value": "2022-11-29T15:21:58Z"}`, `{"value": "2022-11-29T15+01:00"}`)),
			"/startTime/value", "string doesn't match the regular expression"},
		{"null for a required field", get(jsonCT, set(`"completed": false`, `"completed": null`)),
			"/completed", "not nullable"},
		{"null for a required id", get(jsonCT, set(`"itemID": 1,`, `"itemID": null,`)),
			"/result/body/tables/items/0/itemID", ""},
		{"an error status that is a word", notFound(jsonCT, `{"title":"Not Found","status":"missing"}`),
			"/status", `doesn't match any schema from "anyOf"`},
		{"an application/* type that is not JSON", get("application/xml", seed),
			"", `response Content-Type "application/xml" is not JSON`},
		{"YAML, which kin-openapi would read", get("application/yaml", seed),
			"", `response Content-Type "application/yaml" is not JSON`},
		{"an error as plain text", notFound("text/plain", `{"title":"Not Found","status":404}`),
			"", "Content-Type"},
		{"a +json type that is no JSON", get("application/vnd.oracle.resource+json", "<x/>"),
			"", "failed to decode response body"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := check(v, tt.ex)
			require.NotEmpty(t, got)
			var hit bool
			for _, vi := range got {
				hit = hit || vi.Where == "response" && vi.Pointer == tt.pointer && strings.Contains(vi.Reason, tt.reason)
			}
			require.True(t, hit, "want response %q containing %q, got %v", tt.pointer, tt.reason, got)
		})
	}
}

// TestSpecAndDecoderAgreeOnDates: a date string conforms to the spec exactly when it matches
// export.DateTimePattern, and export.DateTime reads an instant from every such string that
// names one.
func TestSpecAndDecoderAgreeOnDates(t *testing.T) {
	v := mustValidator(t)
	shape := regexp.MustCompile(export.DateTimePattern)
	seed := seedDoc(t)
	for _, date := range []string{
		"2022-11-29T15:21:56Z", "2022-11-29T15:21:56.000+0000", "2022-11-29T15:21:56+00:00", "2022-11-29T15:21:56-05",
		"2022-11-29t15:21:56z", "2022-11-29T15:21:56.123456789+01:30", "2022-11-29T23:59:60Z",
		"2022-11-29T15:21Z", "2022-11-29T16:21+01:00", "2022-11-29T16:21+0100", "2022-11-29T16:21+01",
		"2022-11-29", "2022-11-29T15:21:56", "2022-11-29 15:21:56Z", "2022-11-29T15:21", "2022-11-29T15:21.5Z", "2022-11-29T15Z", "2022-13-29T15:21:56Z",
		"2022-11-29T15:21:56+2400", "2022-11-29T15:21:56+01:", "20221129T152156Z", "yesterday", "",
	} {
		t.Run(date, func(t *testing.T) {
			body := strings.Replace(seed, `"2022-11-29T15:21:56Z"`, `"`+date+`"`, 1)
			got := check(v, exchange("GET", export.Root+"/exportStatuses/12345", "", 200, jsonCT, body))
			require.Equal(t, shape.MatchString(date), len(got) == 0, "%v", got)
			at, ok := export.DateTime{Value: date}.Time()
			if ok {
				require.True(t, shape.MatchString(date))
				require.False(t, at.IsZero())
			}
		})
	}
}

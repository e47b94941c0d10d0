package openapi

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/gorillamux"
	"github.com/stretchr/testify/require"

	"github.com/conform-harness/conform/export"
	"github.com/conform-harness/conform/internal/jsonkeys"
)

// referenceValidate is what Validate must answer, computed the plain way: kin-openapi's router
// built here on the embedded spec without its servers (not the validator's normalised copy), a
// deep clone of the request, openapi3filter.ValidateResponse decoding the body with kin-openapi's
// own JSON decoder, conform's rule for application/* bodies (nonJSONBody), and every response
// body searched for repeated keys. Validate shares the request by a shallow copy, has
// decodeJSONBody registered as the decoder, and searches only the bodies decodeJSON refuses.
func referenceValidate(t testing.TB, router routers.Router, c call) Verdict {
	t.Helper()
	req, resp := c.req, c.resp
	base := Violation{Method: req.Method, Path: req.URL.EscapedPath()}
	route, params, err := referenceRoute(router, req)
	if err != nil {
		vi := base
		vi.Status = resp.Status
		vi.Where = "request"
		vi.Reason = err.Error()
		return Verdict{Violations: []Violation{vi}}
	}
	verdict := Verdict{Operation: route.Operation.OperationID, PathParams: map[string]string{}}
	for name, raw := range params {
		value, err := url.PathUnescape(raw)
		require.NoError(t, err)
		verdict.PathParams[name] = value
	}
	base.Operation = route.Operation.OperationID
	ctx := context.Background()
	reqCopy := req.Clone(ctx)
	reqCopy.Body = io.NopCloser(bytes.NewReader(c.reqBody))
	reqCopy.ContentLength = int64(len(c.reqBody))
	reqInput := &openapi3filter.RequestValidationInput{
		Request: reqCopy, PathParams: params, Route: route,
		Options: &openapi3filter.Options{MultiError: true, AuthenticationFunc: openapi3filter.NoopAuthenticationFunc, SchemaValidationOptions: schemaOptions},
	}
	var out []Violation
	withKinJSONDecoder(t, func() {
		if err := openapi3filter.ValidateRequest(ctx, reqInput); err != nil {
			out = append(out, violations(base, "request", err, nil)...)
		}
	})
	if vi, ok := undeclaredRedirect(base, route.Operation, resp); ok {
		verdict.Violations = append(out, vi)
		return verdict
	}
	respOpts := &openapi3filter.Options{MultiError: true, IncludeResponseStatus: true, SchemaValidationOptions: schemaOptions}
	if len(resp.Body) == 0 && bodyMayBeEmpty(route.Operation, resp.Status) {
		respOpts.ExcludeResponseBody = true
	}
	respInput := &openapi3filter.ResponseValidationInput{
		RequestValidationInput: reqInput, Status: resp.Status, Header: resp.Header.Clone(),
		Body: io.NopCloser(bytes.NewReader(resp.Body)), Options: respOpts,
	}
	if respInput.Header == nil {
		respInput.Header = http.Header{}
	}
	base.Status = resp.Status
	withKinJSONDecoder(t, func() {
		if err := openapi3filter.ValidateResponse(ctx, respInput); err != nil {
			out = append(out, violations(base, "response", err, nil)...)
		}
	})
	if vi, ok := nonJSONBody(base, route.Operation, resp); ok {
		out = append(out, vi) // conform's own rule, which kin-openapi has no option for
	}
	verdict.Violations = append(out, duplicateKeys(base, resp.Body)...)
	return verdict
}

// withKinJSONDecoder runs f with kin-openapi's own decoder for application/json in place of
// decodeJSONBody. The registry is global: no test of this package runs in parallel.
func withKinJSONDecoder(t testing.TB, f func()) {
	t.Helper()
	require.True(t, sameFunc(openapi3filter.RegisteredBodyDecoder("application/json"), decodeJSONBody),
		"a validator registers decodeJSONBody")
	openapi3filter.RegisterBodyDecoder("application/json", openapi3filter.JSONBodyDecoder)
	defer openapi3filter.RegisterBodyDecoder("application/json", decodeJSONBody)
	f()
}

// referenceRouter is kin-openapi's router on the embedded spec without its servers.
func referenceRouter(t testing.TB) routers.Router {
	t.Helper()
	doc, err := Load()
	require.NoError(t, err)
	bare := *doc
	bare.Servers = nil
	router, err := gorillamux.NewRouter(&bare)
	require.NoError(t, err)
	return router
}

func referenceRoute(router routers.Router, r *http.Request) (*routers.Route, map[string]string, error) {
	escaped := r.URL.EscapedPath()
	i := strings.Index(escaped, export.Root+"/")
	if i < 0 {
		return nil, nil, fmt.Errorf("path is not under the API root %s", export.Root)
	}
	rel := escaped[i+len(export.Root):]
	u := *r.URL
	u.Scheme, u.Host = "", ""
	u.RawPath = rel
	p, err := url.PathUnescape(rel)
	if err != nil {
		return nil, nil, fmt.Errorf("path %q: %w", rel, err)
	}
	u.Path = p
	route, params, err := router.FindRoute(&http.Request{Method: r.Method, URL: &u, Header: r.Header, Host: r.Host})
	switch {
	case errors.Is(err, routers.ErrMethodNotAllowed):
		return nil, nil, fmt.Errorf("the spec declares no %s operation on this path", r.Method)
	case errors.Is(err, routers.ErrPathNotFound):
		return nil, nil, fmt.Errorf("the spec declares no operation on this path")
	case err != nil:
		return nil, nil, fmt.Errorf("find operation: %w", err)
	}
	return route, params, nil
}

// rawExchange builds an exchange for a raw request target, which httptest.NewRequest would
// refuse for some of the odd paths below.
func rawExchange(method, target string, status int, ct, body string) (call, bool) {
	u, err := url.ParseRequestURI(target)
	if err != nil {
		return call{}, false
	}
	h := http.Header{}
	if ct != "" {
		h.Set("Content-Type", ct)
	}
	r := &http.Request{Method: method, URL: u, Header: http.Header{}, Host: "127.0.0.1:9"}
	return call{req: r, resp: Response{Status: status, Header: h, Body: []byte(body)}}, true
}

// TestValidateMatchesKinOpenAPIAlone checks that conform's parts (the routing on a normalised
// copy of the spec, the shallow request copy, decodeJSONBody and the key search it spares) change
// no verdict: Validate answers as referenceValidate for every combination below.
func TestValidateMatchesKinOpenAPIAlone(t *testing.T) {
	v := mustValidator(t)
	router := referenceRouter(t)
	seed := seedDoc(t)
	errDoc := `{"type":"about:blank","title":"Not Found","status":404,"detail":"no"}`
	status, cancel, create := export.Root+"/exportStatuses/12345", export.Root+"/custom-actions/cancel/exportRequests/12345", export.Root+"/exportRequests"
	paths := []string{
		status, cancel, create, export.Root + "/exportStatuses/", export.Root + "/exportStatuses/1/", export.Root + "/exportStatuses//1",
		export.Root + "/exportStatuses/a%2Fb", export.Root + "/exportStatuses/%2e%2e", export.Root + "/exportStatuses/%25zz", export.Root + "/ExportStatuses/1",
		export.Root + "/exportStatuses", export.Root + "/custom-actions/cancel/exportRequests/", export.Root + "/custom-actions/cancel/exportRequests",
		export.Root + "/exportRequests/1", "/gw" + status, export.Root, export.Root + "/", "/x/exportStatuses/1", status + "?q=1",
		export.Root + "/exportStatuses/%E2%9C%93", export.Root + "/exportStatuses/" + strings.Repeat("9", 300),
	}
	bodies := []string{
		seed, "", "{", "{}", "null", "[]", `"x"`, "12", seed + " trailing", seed + "\n", "\ufeff" + seed,
		strings.Replace(seed, `"cancelling"`, `"canc\u0065lling"`, 1),
		strings.Replace(seed, `"cancelling"`, `"cancel\ud800ling"`, 1),
		strings.Replace(seed, `"SHIPMENT"`, "\"SHIP\xffMENT\"", 1),
		strings.Replace(seed, `"recordCount": 92`, `"recordCount": 9.2e1`, 1),
		strings.Replace(seed, `"recordCount": 92`, `"recordCount": -0.5`, 1),
		strings.Replace(seed, `"recordCount": 92`, `"recordCount": 01`, 1),
		strings.Replace(seed, `"completed": false`, `"completed": false, "completed": true`, 1),
		strings.Replace(seed, `"completed": false`, `"completed": false, "completed": false`, 1),
		strings.Replace(seed, `"recordCount": 92`, `"recordCount": 92, "recordC\u006funt": "92"`, 1),
		strings.Replace(seed, `"completed": false`, "\"completed\": false, \"\xff\": 1, \"\xfe\": 2", 1),
		strings.Replace(seed, `"completed": false`, `"completed": false, "Completed": true`, 1),
		`{"progress":"failed","progress":"failed"}` + seed,
		strings.Replace(seed, `"completed": false`, `"completed": nul`, 1),
		strings.Replace(seed, `"cancelling"`, `"canceling"`, 1),
		errDoc, `{"title":"Not Found"}`, strings.Repeat("[", 10001) + strings.Repeat("]", 10001),
	}
	cts := []string{jsonCT, "application/json", "APPLICATION/JSON; charset=utf-8", "application/problem+json", "text/plain", "*/*", "",
		"application/vnd.oracle.resource+json; type=singular", "application/vnd.oracle.adf.error+json", "application/yaml", "application/xml"}
	statuses := []int{200, 202, 400, 401, 404, 500, 304, 307}
	methods := []string{"GET", "POST", "HEAD", "DELETE"}
	n := 0
	for _, p := range paths {
		for _, m := range methods {
			for _, st := range statuses {
				for _, ct := range cts {
					for _, body := range bodies {
						// Every path, method, status and type with the seed; every body with one
						// combination per operation: the product of all is needlessly long.
						if body != seed && (ct != jsonCT || m == "DELETE" || st == 304 || p == export.Root) {
							continue
						}
						ex, ok := rawExchange(m, p, st, ct, body)
						require.True(t, ok, p)
						require.Equal(t, referenceValidate(t, router, ex), v.Validate(ex.req, ex.reqBody, ex.resp), "%s %s → %d %s %.60q", m, p, st, ct, body)
						n++
					}
				}
			}
		}
	}
	require.Greater(t, n, 1000)
}

// FuzzValidate compares Validate with referenceValidate on arbitrary requests and answers.
func FuzzValidate(f *testing.F) {
	seed := seedDoc(f)
	f.Add("GET", export.Root+"/exportStatuses/12345", 200, jsonCT, seed)
	f.Add("POST", export.Root+"/custom-actions/cancel/exportRequests/1", 400, jsonCT, `{"title":"x","status":400}`)
	f.Add("POST", export.Root+"/exportRequests", 202, "application/json", seed)
	f.Add("GET", export.Root+"/exportStatuses/a%2F", 404, jsonCT, `{"status":404,"title":"\u00e9"}`)
	v := mustValidator(f)
	router := referenceRouter(f)
	f.Fuzz(func(t *testing.T, method, path string, status int, ct, body string) {
		ex, ok := rawExchange(method, path, status, ct, body)
		if !ok || !strings.HasPrefix(path, "/") {
			t.Skip("not a request target")
		}
		require.Equal(t, referenceValidate(t, router, ex), v.Validate(ex.req, ex.reqBody, ex.resp))
	})
}

// FuzzDecodeJSON checks that whatever decodeJSON decodes, encoding/json decodes to the same
// value and jsonkeys.Find finds no repeated key in, and that a document with a repeated key is
// refused, so that Validate may skip jsonkeys.Find for what decodeJSON decodes.
func FuzzDecodeJSON(f *testing.F) {
	seed := seedDoc(f)
	for _, s := range []string{
		seed, `{"a":[1,-2.5e+3,true,false,null,"\u00e9\n"]}`, `{"a":1,"a":2}`, "\"\xff\"", `[01]`, `1.`, `-`, ` {} `, `{}x`, `"\ud834\udd1e"`,
		`{"a":1,"\u0061":1}`, `{"a":1,"A":1}`, `[{"k":{"k":1}},{"k":[],"k":{}}]`, "{\"\xff\":1,\"\xfe\":1}", `{"\ud800":1,"\udfff":2}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		got, ok := decodeJSON(b)
		var want any
		dec := json.NewDecoder(bytes.NewReader(b))
		dec.UseNumber()
		err := dec.Decode(&want)
		dups, findErr := jsonkeys.Find(b)
		if !ok {
			// Left to encoding/json or to jsonkeys.Find. A single valid JSON value in valid
			// UTF-8 and too short to nest too deeply is refused only for a repeated key.
			if json.Valid(b) && utf8.Valid(b) && len(b) <= maxDepth {
				require.NoError(t, findErr)
				require.NotEmpty(t, dups, "decodeJSON refused %q, which repeats no key", b)
			}
			return
		}
		require.NoError(t, err, "decodeJSON accepted %q", b)
		require.Equal(t, want, got)
		require.True(t, json.Valid(b), "decodeJSON accepted %q, which is not one JSON value", b)
		require.NoError(t, findErr)
		require.Empty(t, dups, "decodeJSON accepted %q, which repeats a key", b)
	})
}

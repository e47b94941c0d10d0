package openapi

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"sort"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/gorillamux"

	"conform/export"
	"conform/internal/jsonkeys"
)

// bodyOptional is the spec extension that marks a response whose body may be empty: the cancel
// 200, which the vendor may answer with no body at all.
const bodyOptional = "x-conform-body-optional"

// Exchange is one HTTP request and the response it got, as the harness saw them.
type Exchange struct {
	// Request is the request as sent. Its Body is not read: pass the bytes in RequestBody.
	Request     *http.Request
	RequestBody []byte
	Status      int
	Header      http.Header
	Body        []byte
}

// Violation is one way an exchange breaks the spec.
type Violation struct {
	Operation string // the spec's operationId, or "" when no operation matched
	Method    string
	Path      string // the request path as sent
	Status    int    // the response status (0 for a request-side violation found before it)
	Where     string // "request" or "response"
	Pointer   string // JSON pointer into the body ("" when the violation is not about one field)
	Reason    string
}

// String renders the violation on one line, e.g.
// `getExportStatus GET /…/exportStatuses/1 → 200: response body /progress: value is not one of …`.
func (v Violation) String() string {
	var b strings.Builder
	if v.Operation != "" {
		b.WriteString(v.Operation)
		b.WriteByte(' ')
	}
	fmt.Fprintf(&b, "%s %s", v.Method, v.Path)
	if v.Status != 0 {
		fmt.Fprintf(&b, " → %d", v.Status)
	}
	b.WriteString(": ")
	b.WriteString(v.Where)
	if v.Pointer != "" {
		b.WriteByte(' ')
		b.WriteString(v.Pointer)
	}
	b.WriteString(": ")
	b.WriteString(v.Reason)
	return b.String()
}

// Validator checks exchanges against the embedded spec. It is safe for concurrent use.
type Validator struct {
	doc    *openapi3.T
	router routers.Router
	// paths are the spec's paths in the router's matching order, for routing without the
	// router's regular expressions; nil when some path is beyond what pathTemplate matches.
	paths []pathTemplate
}

// NewValidator returns a validator for the embedded spec. It fails only if the embedded spec
// does not load, which a test guards against.
func NewValidator() (*Validator, error) {
	doc, err := Load()
	if err != nil {
		return nil, err
	}
	return newValidator(doc)
}

func newValidator(doc *openapi3.T) (*Validator, error) {
	// The router matches servers' hosts; the harness talks to any host (the fake on 127.0.0.1, a
	// real cloud, a gateway), so route on the paths alone and find the root in Validate.
	bare := *doc
	bare.Servers = nil
	router, err := gorillamux.NewRouter(&bare)
	if err != nil {
		return nil, fmt.Errorf("build router: %w", err)
	}
	return &Validator{doc: doc, router: router, paths: compilePaths(&bare, router)}, nil
}

// Validate checks the request and the response of ex and returns every violation, or nil when
// the exchange conforms. An undeclared response status is a violation. Missing credentials on the
// request are not: the harness sends such requests on purpose to check the 401 answer. A JSON
// response body whose objects repeat a key is a violation too, one per repeated key after the
// schema's, whatever the spec says of the body: readers disagree on which value counts.
func (v *Validator) Validate(ex Exchange) []Violation {
	base := Violation{Method: ex.Request.Method, Path: ex.Request.URL.EscapedPath()}
	route, params, err := v.route(ex.Request)
	if err != nil {
		vi := base
		vi.Status = ex.Status
		vi.Where = "request"
		vi.Reason = err.Error()
		return []Violation{vi}
	}
	base.Operation = route.Operation.OperationID
	ctx := context.Background()

	// A shallow copy is enough: validation reads the request and only replaces its Body, which
	// must be the bytes sent. A deep Clone cost more than routing.
	reqCopy := *ex.Request
	reqCopy.Body = io.NopCloser(bytes.NewReader(ex.RequestBody))
	reqCopy.ContentLength = int64(len(ex.RequestBody))
	reqInput := &openapi3filter.RequestValidationInput{
		Request:    &reqCopy,
		PathParams: params,
		Route:      route,
		Options:    requestOptions,
	}
	var out []Violation
	if err := openapi3filter.ValidateRequest(ctx, reqInput); err != nil {
		out = append(out, violations(base, "request", err)...)
	}

	if v, ok := undeclaredRedirect(base, route.Operation, ex); ok {
		// kin-openapi lets 301, 304, 307 and 308 pass unchecked, whatever the spec declares;
		// conform follows no redirect, so an undeclared one is a violation, naming where it led.
		return append(out, v)
	}
	respOpts := responseOptions
	if len(ex.Body) == 0 && bodyMayBeEmpty(route.Operation, ex.Status) {
		respOpts = responseOptionsNoBody
	}
	respInput := &openapi3filter.ResponseValidationInput{
		RequestValidationInput: reqInput,
		Status:                 ex.Status,
		Header:                 ex.Header,
		Body:                   io.NopCloser(bytes.NewReader(ex.Body)),
		Options:                respOpts,
	}
	if respInput.Header == nil {
		respInput.Header = http.Header{}
	}
	base.Status = ex.Status
	decoded, err := validateResponse(ctx, respInput, route, ex.Body)
	if err != nil {
		out = append(out, violations(base, "response", err)...)
	}
	if !decoded {
		out = append(out, duplicateKeys(base, ex.Body)...)
	}
	return out
}

// duplicateKeys returns a violation for every key that an object of body repeats, at the
// pointer of that object, and nothing for a body that is not JSON: the schema check says so
// where the spec expects JSON. kin-openapi decodes with encoding/json, which keeps a repeated
// key's last value, so its checks alone pass a body that another client reads otherwise.
func duplicateKeys(base Violation, body []byte) []Violation {
	if len(body) == 0 {
		return nil
	}
	dups, err := jsonkeys.Find(body)
	if err != nil {
		return nil
	}
	var out []Violation
	for _, d := range dups {
		v := base
		v.Where = "response"
		v.Pointer = d.Object
		v.Reason = d.Reason()
		out = append(out, v)
	}
	return out
}

var schemaOptions = []openapi3.SchemaValidationOption{openapi3.DisableSchemaErrorDetails()}

// The options of every validation, made once: kin-openapi only reads them.
var (
	requestOptions = &openapi3filter.Options{
		MultiError:              true,
		AuthenticationFunc:      openapi3filter.NoopAuthenticationFunc,
		SchemaValidationOptions: schemaOptions,
	}
	responseOptions = &openapi3filter.Options{
		MultiError:              true,
		IncludeResponseStatus:   true,
		SchemaValidationOptions: schemaOptions,
	}
	// responseOptionsNoBody is for an empty body where the spec allows one.
	responseOptionsNoBody = &openapi3filter.Options{
		MultiError:              true,
		IncludeResponseStatus:   true,
		ExcludeResponseBody:     true,
		SchemaValidationOptions: schemaOptions,
	}
)

// validateResponse is openapi3filter.ValidateResponse, faster for a JSON body: ValidateResponse
// checks the status and the headers without the body, the body is decoded by decodeJSON, and
// its schema is checked as ValidateResponse checks it, with the same options and the same
// error. Anything else (no body to check, another media type, a body that decodeJSON leaves to
// encoding/json, such as one that is not JSON) goes through ValidateResponse whole, so the checks
// and their messages are kin-openapi's either way; TestFastPathMatchesKinOpenAPI compares them.
// kin-openapi's own path decodes with encoding/json, which costs as much as its schema walk.
//
// decoded is true when decodeJSON read the body, which proves that no object of it repeats a
// key; for any other body the caller must look for repeats itself.
func validateResponse(ctx context.Context, input *openapi3filter.ResponseValidationInput, route *routers.Route, body []byte) (decoded bool, err error) {
	schema := jsonBodySchema(input, route)
	if schema == nil {
		return false, openapi3filter.ValidateResponse(ctx, input)
	}
	value, ok := decodeJSON(body)
	if !ok {
		return false, openapi3filter.ValidateResponse(ctx, input)
	}
	headers := *input
	headers.Options = responseOptionsNoBody // responseOptions without the body
	if err := openapi3filter.ValidateResponse(ctx, &headers); err != nil {
		return true, err
	}
	if err := schema.Value.VisitJSON(value, visitOptions...); err != nil {
		reason := "response body doesn't match schema"
		if id := schemaIdentifier(schema); id != "" {
			reason += " " + id
		}
		return true, &openapi3filter.ResponseError{Input: input, Reason: reason, Err: err}
	}
	return true, nil
}

// visitOptions are the schema options ValidateResponse passes for responseOptions: MultiError,
// then the options' SchemaValidationOptions, then VisitAsResponse.
var visitOptions = append(append([]openapi3.SchemaValidationOption{openapi3.MultiErrors()}, schemaOptions...), openapi3.VisitAsResponse())

// jsonBodySchema returns the schema ValidateResponse would check the body of input against when
// that body would be decoded as plain JSON with responseOptions, and nil in every other case:
// those are left to ValidateResponse.
func jsonBodySchema(input *openapi3filter.ResponseValidationInput, route *routers.Route) *openapi3.SchemaRef {
	if input.Options != responseOptions || route.Spec.IsOpenAPI31OrLater() ||
		input.RequestValidationInput.Request.Method == http.MethodHead {
		return nil
	}
	switch input.Status {
	case http.StatusNotModified, http.StatusPermanentRedirect, http.StatusTemporaryRedirect, http.StatusMovedPermanently:
		return nil
	}
	responses := route.Operation.Responses
	if responses.Len() == 0 {
		return nil
	}
	ref := responses.Status(input.Status)
	if ref == nil {
		ref = responses.Default()
	}
	if ref == nil || ref.Value == nil {
		return nil
	}
	ct := input.Header.Get("Content-Type")
	mt := ref.Value.Content.Get(ct)
	if mt == nil || mt.Schema == nil || mt.Schema.Value == nil || mt.Encoding[""] != nil {
		return nil
	}
	media, _, _ := strings.Cut(ct, ";")
	if !strings.EqualFold(strings.TrimSpace(media), "application/json") {
		return nil
	}
	if s := mt.Schema.Value; s.Type.Is("string") && s.Format == "binary" {
		return nil
	}
	return mt.Schema
}

// schemaIdentifier names a schema in an error as ValidateResponse does: its $ref, else its title.
func schemaIdentifier(s *openapi3.SchemaRef) string {
	if id := strings.TrimSpace(s.Ref); id != "" {
		return id
	}
	return strings.TrimSpace(s.Value.Title)
}

// route finds the operation for r. The path must contain the API root; whatever precedes it (a
// gateway prefix) is ignored.
func (v *Validator) route(r *http.Request) (*routers.Route, map[string]string, error) {
	escaped := r.URL.EscapedPath()
	i := strings.Index(escaped, export.Root+"/")
	if i < 0 {
		return nil, nil, fmt.Errorf("path is not under the API root %s", export.Root)
	}
	rel := escaped[i+len(export.Root):]
	p, err := url.PathUnescape(rel)
	if err != nil {
		return nil, nil, fmt.Errorf("path %q: %w", rel, err)
	}
	var route *routers.Route
	var params map[string]string
	if v.paths != nil {
		route, params, err = matchPaths(v.paths, rel, r.Method)
	} else {
		u := *r.URL
		u.Scheme, u.Host = "", ""
		u.RawPath, u.Path = rel, p
		route, params, err = v.router.FindRoute(&http.Request{Method: r.Method, URL: &u, Header: r.Header, Host: r.Host})
	}
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

// undeclaredRedirect returns the violation of a redirect (a 3xx other than 304 Not Modified,
// which answers a conditional request) that op does not declare (neither the status, its range
// nor a default), with the Location it pointed to.
func undeclaredRedirect(base Violation, op *openapi3.Operation, ex Exchange) (Violation, bool) {
	if ex.Status/100 != 3 || ex.Status == http.StatusNotModified ||
		op.Responses.Status(ex.Status) != nil || op.Responses.Default() != nil {
		return Violation{}, false
	}
	base.Status = ex.Status
	base.Where = "response"
	base.Reason = fmt.Sprintf("status %d %s is not declared for this operation: a redirect to %q, which conform never follows",
		ex.Status, http.StatusText(ex.Status), ex.Header.Get("Location"))
	return base, true
}

func bodyMayBeEmpty(op *openapi3.Operation, status int) bool {
	ref := op.Responses.Status(status)
	if ref == nil || ref.Value == nil {
		return false
	}
	optional, _ := ref.Value.Extensions[bodyOptional].(bool)
	return optional
}

// violations flattens kin-openapi's error tree into one violation per leaf, sorted by pointer so
// that the same exchange always reads the same.
func violations(base Violation, where string, err error) []Violation {
	var out []Violation
	var walk func(prefix string, err error)
	walk = func(prefix string, err error) {
		if multi, ok := err.(openapi3.MultiError); ok {
			for _, e := range multi {
				walk(prefix, e)
			}
			return
		}
		v := base
		v.Where = where
		// Type switches, not errors.As: a MultiError's As answers with its first element and
		// would hide the others.
		schemaErr, isSchemaErr := err.(*openapi3.SchemaError)
		switch {
		case isSchemaErr:
			v.Pointer = pointer(schemaErr.JSONPointer())
			v.Reason = joinReason(prefix, schemaErr.Reason)
		default:
			v.Reason = joinReason(prefix, leafReason(err))
			if inner := unwrapOne(err); inner != nil {
				if m, ok := inner.(openapi3.MultiError); ok {
					for _, e := range m {
						walk(joinReason(prefix, ownReason(err)), e)
					}
					return
				}
				if schemaErr, ok := inner.(*openapi3.SchemaError); ok {
					v.Pointer = pointer(schemaErr.JSONPointer())
					v.Reason = joinReason(joinReason(prefix, ownReason(err)), schemaErr.Reason)
				}
			}
		}
		out = append(out, v)
	}
	walk("", err)
	sort.SliceStable(out, func(i, j int) bool { return out[i].Pointer < out[j].Pointer })
	return out
}

// ownReason is the reason an error states for itself, without its wrapped cause.
func ownReason(err error) string {
	switch e := err.(type) {
	case *openapi3filter.RequestError:
		r := e.Reason
		switch {
		case e.Parameter != nil:
			r = strings.TrimSpace(fmt.Sprintf("parameter %q in %s %s", e.Parameter.Name, e.Parameter.In, r))
		case e.RequestBody != nil:
			r = strings.TrimSpace("body " + r)
		}
		return r
	case *openapi3filter.ResponseError:
		return e.Reason
	}
	return err.Error()
}

func leafReason(err error) string {
	own := ownReason(err)
	if inner := unwrapOne(err); inner != nil {
		return joinReason(own, inner.Error())
	}
	return own
}

func unwrapOne(err error) error {
	switch e := err.(type) {
	case *openapi3filter.RequestError:
		return e.Err
	case *openapi3filter.ResponseError:
		return e.Err
	}
	return nil
}

func joinReason(a, b string) string {
	switch {
	case a == "":
		return b
	case b == "":
		return a
	}
	return a + ": " + b
}

func pointer(parts []string) string {
	if len(parts) == 0 {
		return ""
	}
	esc := strings.NewReplacer("~", "~0", "/", "~1")
	var b strings.Builder
	for _, p := range parts {
		b.WriteByte('/')
		b.WriteString(esc.Replace(p))
	}
	return b.String()
}

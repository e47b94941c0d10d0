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
	return &Validator{doc: doc, router: router}, nil
}

// Validate checks the request and the response of ex and returns every violation, or nil when
// the exchange conforms. An undeclared response status is a violation. Missing credentials on the
// request are not: the harness sends such requests on purpose to check the 401 answer.
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

	reqCopy := ex.Request.Clone(ctx)
	reqCopy.Body = io.NopCloser(bytes.NewReader(ex.RequestBody))
	reqCopy.ContentLength = int64(len(ex.RequestBody))
	reqInput := &openapi3filter.RequestValidationInput{
		Request:    reqCopy,
		PathParams: params,
		Route:      route,
		Options: &openapi3filter.Options{
			MultiError:              true,
			AuthenticationFunc:      openapi3filter.NoopAuthenticationFunc,
			SchemaValidationOptions: schemaOptions,
		},
	}
	var out []Violation
	if err := openapi3filter.ValidateRequest(ctx, reqInput); err != nil {
		out = append(out, violations(base, "request", err)...)
	}

	respOpts := &openapi3filter.Options{
		MultiError:              true,
		IncludeResponseStatus:   true,
		SchemaValidationOptions: schemaOptions,
	}
	if len(ex.Body) == 0 && bodyMayBeEmpty(route.Operation, ex.Status) {
		respOpts.ExcludeResponseBody = true
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
	if err := openapi3filter.ValidateResponse(ctx, respInput); err != nil {
		base.Status = ex.Status
		out = append(out, violations(base, "response", err)...)
	}
	return out
}

var schemaOptions = []openapi3.SchemaValidationOption{openapi3.DisableSchemaErrorDetails()}

// route finds the operation for r. The path must contain the API root; whatever precedes it (a
// gateway prefix) is ignored.
func (v *Validator) route(r *http.Request) (*routers.Route, map[string]string, error) {
	escaped := r.URL.EscapedPath()
	i := strings.Index(escaped, Root+"/")
	if i < 0 {
		return nil, nil, fmt.Errorf("path is not under the API root %s", Root)
	}
	rel := escaped[i+len(Root):]
	u := *r.URL
	u.Scheme, u.Host = "", ""
	u.RawPath = rel
	p, err := url.PathUnescape(rel)
	if err != nil {
		return nil, nil, fmt.Errorf("path %q: %w", rel, err)
	}
	u.Path = p
	probe := &http.Request{Method: r.Method, URL: &u, Header: r.Header, Host: r.Host}
	route, params, err := v.router.FindRoute(probe)
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

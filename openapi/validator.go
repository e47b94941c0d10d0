package openapi

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"sort"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/gorillamux"

	"github.com/conform-harness/conform/internal/jsonkeys"
	"github.com/conform-harness/conform/internal/mediatype"
)

// bodyOptional is the spec extension that marks a response whose body may be empty: the cancel
// 200, which the vendor may answer with no body at all.
const bodyOptional = "x-conform-body-optional"

// Response is the answer being validated, as the harness received it.
type Response struct {
	Status int
	Header http.Header // nil is read as no header at all
	Body   []byte
}

// Verdict is what the spec says of one exchange: the operation matched and its path
// parameters (empty when none matched), and every violation.
type Verdict struct {
	Operation  string            // the spec's operationId, "" when no operation matched
	PathParams map[string]string // e.g. {"requestID": "12345"}, unescaped; nil when no operation matched
	Violations []Violation       // nil when the exchange conforms
}

// Violation is one way an exchange breaks the spec.
type Violation struct {
	Operation string // the spec's operationId, or "" when no operation matched
	Method    string
	Path      string // the request path as sent
	Status    int    // the response status (0 for a request-side violation found before it)
	Where     string // "request" or "response"
	Pointer   string // JSON pointer into the body ("" when the violation is not about one field)
	// Reason is the rule broken and, when the violation is about one value, that value as the
	// target sent it, e.g. `value is not one of the allowed values [...] (got "procesing")`:
	// JSON, cut after 80 characters with an ellipsis, control characters escaped, so that it
	// stays one line. It is the target's data: redact it as such (see Validator.Redacting).
	Reason string
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

// OfRequestBody reports whether v is about the body of the request (it cannot be decoded, or
// breaks the schema), as opposed to its route, parameters or the answer: conform sends a body
// that is malformed on purpose to see it refused, and judges only the answer then.
func (v Violation) OfRequestBody() bool {
	return v.Where == "request" && strings.HasPrefix(v.Reason, requestBodyReason)
}

// requestBodyReason starts the reason of every violation about the request's body (ownReason).
const requestBodyReason = "body "

// Validator checks exchanges against a spec. It is safe for concurrent use.
type Validator struct {
	router routers.Router      // kin-openapi's, over the spec below the API root (see belowRoot)
	opts   *options            // options30 or options31, after the spec's version
	redact func([]byte) []byte // scrubs the values violations quote; nil: none (see Redacting)
}

// Redacting returns a validator like v, sharing its spec, whose violations quote the offending
// values after redact has scrubbed them of secrets (nil: as they are). The quote is cut to a
// line, and redact sees the value before the cut, so that a secret the target echoes in a value
// is masked whole rather than cut in two with a part left to show: the redaction every report
// applies afterwards cannot recognise a part. v is not changed.
func (v *Validator) Redacting(redact func([]byte) []byte) *Validator {
	c := *v
	c.redact = redact
	return &c
}

// NewValidator returns a validator for the embedded spec. It fails only if the embedded spec
// does not load, which a test guards against.
func NewValidator() (*Validator, error) {
	doc, err := Load()
	if err != nil {
		return nil, err
	}
	return newValidator(doc) // Load has validated it
}

// New returns a validator for doc, a document as openapi3.Loader loads it: New validates it
// first, and fails when it does not validate, when two of its paths are one path below the API
// root, or when kin-openapi's router refuses it. doc is not changed: the validator routes on a
// normalised copy (see belowRoot), so that a spec may name the root in its servers, in its
// paths or not at all. New also makes conform's JSON decoder kin-openapi's decoder of the JSON
// media types doc declares (see useDecodeJSON), for the whole process.
func New(doc *openapi3.T) (*Validator, error) {
	if err := doc.Validate(context.Background()); err != nil {
		return nil, fmt.Errorf("validate spec: %w", err)
	}
	return newValidator(doc)
}

func newValidator(doc *openapi3.T) (*Validator, error) {
	below, err := belowRoot(doc)
	if err != nil {
		return nil, err
	}
	router, err := gorillamux.NewRouter(below)
	if err != nil {
		return nil, fmt.Errorf("build router: %w", err)
	}
	useDecodeJSON(below)
	opts := options30
	if doc.IsOpenAPI31OrLater() {
		opts = options31
	}
	return &Validator{router: router, opts: opts}, nil
}

// Validate checks req, sent with the body reqBody (req.Body is not read), and the response
// resp against the spec, and returns the operation matched and every violation. An undeclared
// response status is a violation, and so is an undeclared redirect. Missing credentials on the
// request are not: the harness sends such requests on purpose to check the 401 answer. A JSON
// response body whose objects repeat a key is a violation too, one per repeated key after the
// schema's, whatever the spec says of the body: readers disagree on which value counts.
func (v *Validator) Validate(req *http.Request, reqBody []byte, resp Response) Verdict {
	verdict, _ := v.validate(req, reqBody, resp)
	return verdict
}

// validate is Validate, and says whether decodeJSON read the response body, which spares the
// look for repeated keys.
func (v *Validator) validate(req *http.Request, reqBody []byte, resp Response) (_ Verdict, decoded bool) {
	base := Violation{Method: req.Method, Path: req.URL.EscapedPath()}
	route, params, err := v.route(req)
	if err != nil {
		vi := base
		vi.Status = resp.Status
		vi.Where = "request"
		vi.Reason = err.Error()
		return Verdict{Violations: []Violation{vi}}, false
	}
	verdict := Verdict{Operation: route.Operation.OperationID, PathParams: unescaped(params)}
	base.Operation = verdict.Operation
	ctx := context.Background()

	// A shallow copy is enough: validation reads the request and only replaces its Body, which
	// must be the bytes sent. A deep Clone cost more than routing.
	reqCopy := *req
	reqCopy.Body = io.NopCloser(bytes.NewReader(reqBody))
	reqCopy.ContentLength = int64(len(reqBody))
	reqInput := &openapi3filter.RequestValidationInput{
		Request:    &reqCopy,
		PathParams: params,
		Route:      route,
		Options:    v.opts.request,
	}
	if err := openapi3filter.ValidateRequest(ctx, reqInput); err != nil {
		verdict.Violations = append(verdict.Violations, violations(base, "request", err, v.redact)...)
	}

	if vi, ok := undeclaredRedirect(base, route.Operation, resp); ok {
		// kin-openapi lets 301, 304, 307 and 308 pass unchecked, whatever the spec declares;
		// conform follows no redirect, so an undeclared one is a violation, naming where it led.
		verdict.Violations = append(verdict.Violations, vi)
		return verdict, false
	}
	opts := v.opts.response
	if len(resp.Body) == 0 && bodyMayBeEmpty(route.Operation, resp.Status) {
		opts = v.opts.responseNoBody
	}
	header, mark := markable(resp.Header)
	respInput := &openapi3filter.ResponseValidationInput{
		RequestValidationInput: reqInput,
		Status:                 resp.Status,
		Header:                 header,
		Body:                   io.NopCloser(bytes.NewReader(resp.Body)),
		Options:                opts,
	}
	base.Status = resp.Status
	if err := openapi3filter.ValidateResponse(ctx, respInput); err != nil {
		verdict.Violations = append(verdict.Violations, violations(base, "response", err, v.redact)...)
	}
	if vi, ok := nonJSONBody(base, route.Operation, resp); ok {
		verdict.Violations = append(verdict.Violations, vi)
	}
	decoded = mark[0] != ""
	if !decoded {
		verdict.Violations = append(verdict.Violations, duplicateKeys(base, resp.Body)...)
	}
	return verdict, decoded
}

// jsonRange is the media range under which a spec declares a JSON body that may come as
// application/json or as any application/*+json type (RFC 6839), with any parameters, as the
// vendor's REST stack answers (application/vnd.oracle.resource+json; type=singular). No
// media range names just those types, so the spec declares application/* and nonJSONBody holds
// it to them.
const jsonRange = "application/*"

// nonJSONBody returns the violation of a response body that kin-openapi matched to the
// content its status declares under jsonRange, and whose media type is not JSON: neither
// application/json nor a "+json" type. kin-openapi would read, say, an application/yaml body
// with its YAML decoder and let it pass. A body whose type matches no declared content at all
// (text/plain) is kin-openapi's violation already, and not repeated here.
func nonJSONBody(base Violation, op *openapi3.Operation, resp Response) (Violation, bool) {
	if len(resp.Body) == 0 {
		return Violation{}, false
	}
	ref := op.Responses.Status(resp.Status)
	if ref == nil {
		ref = op.Responses.Default()
	}
	if ref == nil || ref.Value == nil {
		return Violation{}, false
	}
	content := ref.Value.Content
	ct := resp.Header.Get("Content-Type")
	if declared := content[jsonRange]; declared == nil || content.Get(ct) != declared {
		return Violation{}, false
	}
	if mediatype.IsJSON(ct) {
		return Violation{}, false
	}
	base.Status = resp.Status
	base.Where = "response"
	base.Reason = fmt.Sprintf("response Content-Type %q is not JSON: the spec declares the body as %s, "+
		"which conform reads as application/json or an application/*+json type", ct, jsonRange)
	return base, true
}

// markable returns a copy of h, which kin-openapi may read but Validate must not change, with
// the decodedKey field added, and that field's value for decodeJSONBody to set.
func markable(h http.Header) (http.Header, []string) {
	out := make(http.Header, len(h)+1)
	for k, vs := range h {
		out[k] = vs
	}
	mark := []string{""}
	out[decodedKey] = mark
	return out, mark
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

// options are the options of every validation against one spec, made once: kin-openapi only
// reads them.
type options struct {
	request        *openapi3filter.Options
	response       *openapi3filter.Options
	responseNoBody *openapi3filter.Options // for an empty body where the spec allows one
}

func newOptions(schemaOptions ...openapi3.SchemaValidationOption) *options {
	return &options{
		request: &openapi3filter.Options{
			MultiError:              true,
			AuthenticationFunc:      openapi3filter.NoopAuthenticationFunc,
			SchemaValidationOptions: schemaOptions,
		},
		response: &openapi3filter.Options{
			MultiError:              true,
			IncludeResponseStatus:   true,
			SchemaValidationOptions: schemaOptions,
		},
		responseNoBody: &openapi3filter.Options{
			MultiError:              true,
			IncludeResponseStatus:   true,
			ExcludeResponseBody:     true,
			SchemaValidationOptions: schemaOptions,
		},
	}
}

// schemaOptions are the schema options of a 3.0 spec: one-line reasons instead of schema dumps.
var schemaOptions = []openapi3.SchemaValidationOption{openapi3.DisableSchemaErrorDetails()}

var (
	// options30 are for an OpenAPI 3.0 spec.
	options30 = newOptions(schemaOptions...)
	// options31 are for a 3.1 spec, whose schemas kin-openapi checks with its JSON Schema
	// 2020-12 validator, which refuses DisableSchemaErrorDetails: with it, every check of a
	// body or parameter would fail with ErrSchemaErrorDetailsWithJSONSchema2020.
	options31 = newOptions()
)

// undeclaredRedirect returns the violation of a redirect (a 3xx other than 304 Not Modified,
// which answers a conditional request) that op does not declare (neither the status, its range
// nor a default), with the Location it pointed to.
func undeclaredRedirect(base Violation, op *openapi3.Operation, resp Response) (Violation, bool) {
	if resp.Status/100 != 3 || resp.Status == http.StatusNotModified ||
		op.Responses.Status(resp.Status) != nil || op.Responses.Default() != nil {
		return Violation{}, false
	}
	base.Status = resp.Status
	base.Where = "response"
	base.Reason = fmt.Sprintf("status %d %s is not declared for this operation: a redirect to %q, which conform never follows",
		resp.Status, http.StatusText(resp.Status), resp.Header.Get("Location"))
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
// that the same exchange always reads the same. A leaf about one value quotes it (see
// offending), scrubbed by redact (nil: none).
func violations(base Violation, where string, err error, redact func([]byte) []byte) []Violation {
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
			v.Reason = joinReason(prefix, schemaErr.Reason) + offending(schemaErr, redact)
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
					v.Reason = joinReason(joinReason(prefix, ownReason(err)), schemaErr.Reason) + offending(schemaErr, redact)
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
			r = strings.TrimSpace(requestBodyReason + r)
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

package judge

import (
	"context"
	"net/http"
	"net/url"
	"slices"
	"time"

	"github.com/conform-harness/conform/export"
	"github.com/conform-harness/conform/internal/credentials"
	"github.com/conform-harness/conform/internal/transport"
	"github.com/conform-harness/conform/openapi"
)

// Exchange is one request and its response as a scenario saw them: what went and came back,
// the spec's verdict, and the body decoded once, by the recording transport, for everything
// downstream (the steps, the oracle, the timeline, the reports): nothing reads the body again,
// so nothing can read it differently.
type Exchange struct {
	Seq        int
	At         time.Time
	Method     string
	URL        string
	ReqHeader  http.Header
	ReqBody    []byte
	Status     int
	RespHeader http.Header
	RespBody   []byte
	Err        error // transport failure: no response

	Violations []openapi.Violation
	Operation  string            // the spec's operationId, "" when no operation matched
	PathParams map[string]string // the matched operation's path parameters, unescaped

	Call  export.Call // which call of the API this was
	Asked export.ID   // the request id the call's path names; for a create, the one its answer names

	// MalformedOnPurpose says the client sent the request's body malformed on purpose, to check
	// the answer to it: the body's violations of the spec are not the target's, and are left
	// out; the answer, the route and the parameters are judged as ever.
	MalformedOnPurpose bool

	// Doc is the answer of a status, a create or a cancel (2xx, with a body) decoded as a status
	// document by export.DecodeStatus, or nil; DocErr says why such an answer is none.
	Doc    *export.Status
	DocErr error
	// ErrorDoc is an error answer (4xx, 5xx, with a body) decoded as an error document by
	// export.DecodeError, or nil; ErrorDocErr says why such an answer is none.
	ErrorDoc    *export.Error
	ErrorDocErr error

	// Redact, when set, scrubs the exchange's evidence (its attachment, its violations, the
	// documents it carried) of the run's secrets and of the exchange's own credentials
	// (credentials.Redactor.ForExchange): a proxy's client or a recorded entry redacts its own
	// evidence only, never another exchange's. Unset, the reports' redaction applies alone.
	Redact func([]byte) []byte

	// origin is Origin's answer, taken from the request when the exchange is judged, so that
	// the many who ask (the tracker, coverage, the grouping) do not parse the URL again.
	origin string
}

// Judge returns the exchange of req (its body reqBody) answered status with header and body, at
// at, judged as the recording transport judges what it records: against the spec, and with the
// body decoded once. A recorded exchange (conform audit, conform proxy) goes through the same
// judgement as the harness's own.
func Judge(v *openapi.Validator, req *http.Request, reqBody []byte, status int, header http.Header, body []byte, at time.Time) Exchange {
	ex := Exchange{
		At:         at,
		Method:     req.Method,
		URL:        credentials.URL(req.URL.String()), // it reaches every report: no userinfo, no token
		ReqHeader:  req.Header,
		ReqBody:    reqBody,
		Status:     status,
		RespHeader: header,
		RespBody:   body,
	}
	ex.Call, ex.Asked = export.CallOf(req.Method, req.URL.EscapedPath())
	ex.Judge(v, req)
	return ex
}

// Judge validates ex, filled in with what went and came back, against the spec and decodes its
// body, once: what the function Judge does after filling it in, and what the recording transport
// does with the exchange it recorded.
func (ex *Exchange) Judge(v *openapi.Validator, req *http.Request) {
	verdict := v.Validate(req, ex.ReqBody, openapi.Response{Status: ex.Status, Header: ex.RespHeader, Body: ex.RespBody})
	ex.Violations, ex.Operation, ex.PathParams = verdict.Violations, verdict.Operation, verdict.PathParams
	if req.URL.Host != "" {
		ex.origin = transport.Origin(req.URL)
	}
	ex.MalformedOnPurpose = req.Context().Value(malformedBody{}) != nil
	if ex.MalformedOnPurpose {
		// That the body breaks the spec is the point.
		ex.Violations = slices.DeleteFunc(ex.Violations, openapi.Violation.OfRequestBody)
	}
	ex.Decode()
}

// Decode reads the response body once, as what the call answers (Judge calls it after the spec).
func (ex *Exchange) Decode() {
	if len(ex.RespBody) == 0 || ex.Call == export.NoCall {
		return
	}
	switch {
	case ex.Status/100 == 2:
		doc, err := export.DecodeStatus(ex.RespBody)
		if err != nil {
			ex.DocErr = err
			return
		}
		ex.Doc = &doc
		if ex.Call == export.CallCreate {
			ex.Asked = doc.RequestID()
		}
	case ex.Status >= 400:
		doc, err := export.DecodeError(ex.RespBody)
		if err != nil {
			ex.ErrorDocErr = err
			return
		}
		ex.ErrorDoc = &doc
	}
}

// malformedBody marks, in a request's context, a body the client made malformed on purpose.
type malformedBody struct{}

// MarkMalformed returns ctx marked: a request made with it is sent with a body malformed on
// purpose (see Exchange.MalformedOnPurpose).
func MarkMalformed(ctx context.Context) context.Context {
	return context.WithValue(ctx, malformedBody{}, true)
}

// MalformedOnPurpose returns req marked as sent with a body malformed on purpose (see
// Exchange.MalformedOnPurpose), as a recording of conform's own run says it was, for Judge.
func MalformedOnPurpose(req *http.Request) *http.Request {
	return req.WithContext(MarkMalformed(req.Context()))
}

// Origin returns the target the exchange went to, as transport.Origin writes it (scheme, host
// and port, lower case, the default port written out: "https://api.example.com:443"), or ""
// when its URL has no host. It keeps apart export requests whose ids repeat on different
// targets, and "https://h" and "https://h:443" are one target.
func (ex *Exchange) Origin() string {
	if ex.origin != "" {
		return ex.origin
	}
	u, err := url.Parse(ex.URL)
	if err != nil || u.Host == "" {
		return ""
	}
	return transport.Origin(u)
}

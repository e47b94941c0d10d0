package openapi

import (
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/conform-harness/conform/export"
)

// Operation is the operation of a spec that describes one of the API's calls.
type Operation struct {
	Call        export.Call
	Method      string // e.g. "POST"
	Path        string // the spec's path key as written, e.g. "/exportStatuses/{id}"
	OperationID string // "" when the spec gives none
}

// String renders the operation as `POST /exportRequests (createExportRequest)`.
func (o Operation) String() string {
	s := o.Method + " " + o.Path
	if o.OperationID != "" {
		s += " (" + o.OperationID + ")"
	}
	return s
}

// APICalls returns the API's three calls, in the order conform reports them: create, status, cancel.
func APICalls() []export.Call {
	return []export.Call{export.CallCreate, export.CallStatus, export.CallCancel}
}

// CallShape returns how a request of call c looks below the API root, for messages:
// "POST /exportRequests", "GET /exportStatuses/{id}",
// "POST /custom-actions/cancel/exportRequests/{id}"; "" for export.NoCall.
func CallShape(c export.Call) string {
	switch c {
	case export.CallCreate:
		return "POST /exportRequests"
	case export.CallStatus:
		return "GET /exportStatuses/{id}"
	case export.CallCancel:
		return "POST /custom-actions/cancel/exportRequests/{id}"
	}
	return ""
}

// sampleID stands for every path parameter of a path template in the sample request Calls
// asks export.CallOf about: a call's id that comes back as sampleID came from a parameter.
const sampleID = "conform-sample-id"

// Calls returns the operations of doc that describe the API's calls, by call. An operation
// describes a call when a request to its path, below the API root as the validator routes it
// (see belowRoot), with every path parameter filled in, is that call to export.CallOf, and the
// request id of a status or cancel comes from a path parameter (a path with a fixed id
// describes no call). Operation ids and parameter names do not count: a vendor's spec may name
// them as it likes. A call that no operation describes is absent from the map; of two
// operations that describe one call, the first path in sorted order counts.
func Calls(doc *openapi3.T) map[export.Call]Operation {
	out := make(map[export.Call]Operation, 3)
	if doc.Paths == nil {
		return out
	}
	items := doc.Paths.Map()
	for _, key := range slices.Sorted(maps.Keys(items)) {
		sample := export.Root + fillParams(relPath(key))
		ops := items[key].Operations()
		for _, method := range slices.Sorted(maps.Keys(ops)) {
			call, id := export.CallOf(method, sample)
			if call == export.NoCall || (call != export.CallCreate && string(id) != sampleID) {
				continue
			}
			if _, seen := out[call]; !seen {
				out[call] = Operation{Call: call, Method: method, Path: key, OperationID: ops[method].OperationID}
			}
		}
	}
	return out
}

// fillParams returns the path template with sampleID for every parameter ("{id}").
func fillParams(template string) string {
	var b strings.Builder
	for {
		open := strings.IndexByte(template, '{')
		if open < 0 {
			break
		}
		end := strings.IndexByte(template[open:], '}')
		if end < 0 {
			break
		}
		b.WriteString(template[:open])
		b.WriteString(sampleID)
		template = template[open+end+1:]
	}
	b.WriteString(template)
	return b.String()
}

// CallsError reports a spec that does not describe all three calls of the API.
type CallsError struct {
	Described map[export.Call]Operation // the calls the spec describes (see Calls)
	Missing   []export.Call             // the others, in the order create, status, cancel
}

// Error names what is missing, e.g. `the spec describes no cancel call (POST
// /custom-actions/cancel/exportRequests/{id} below the API root)`.
func (e *CallsError) Error() string {
	parts := make([]string, len(e.Missing))
	for i, c := range e.Missing {
		parts[i] = fmt.Sprintf("no %s call (%s below the API root)", c, CallShape(c))
	}
	return "the spec describes " + strings.Join(parts, ", ")
}

// requireCalls returns a *CallsError when doc does not describe all three calls.
func requireCalls(doc *openapi3.T) error {
	described := Calls(doc)
	var missing []export.Call
	for _, c := range APICalls() {
		if _, ok := described[c]; !ok {
			missing = append(missing, c)
		}
	}
	if len(missing) > 0 {
		return &CallsError{Described: described, Missing: missing}
	}
	return nil
}

package openapi

import (
	"fmt"
	"net/http"
	"slices"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/conform-harness/conform/export"
)

// AcceptCancel returns doc with every status of accepted declared as an answer of the cancel
// call: a team's contract.cancel_accepted (a tenant that answers 204 No Content) must not be
// reported as a breach of the spec by the same run that accepts it. A status the spec already
// declares keeps its declaration; one it does not gets an answer with no body (the vendor's own
// document declares the 204 so). doc is not changed: the result is a copy when anything is added,
// doc itself otherwise. It fails only if the copy cannot be made.
func AcceptCancel(doc *openapi3.T, accepted []int) (*openapi3.T, error) {
	cancel, ok := Calls(doc)[export.CallCancel]
	if !ok {
		return doc, nil // Effective refuses such a spec; nothing to accept on
	}
	var missing []int
	if op := doc.Paths.Find(cancel.Path).GetOperation(cancel.Method); op != nil {
		for _, s := range accepted {
			if op.Responses.Status(s) == nil && !slices.Contains(missing, s) {
				missing = append(missing, s)
			}
		}
	}
	if len(missing) == 0 {
		return doc, nil
	}
	b, err := doc.MarshalJSON()
	if err != nil {
		return nil, fmt.Errorf("copy the spec: %w", err)
	}
	cp, err := openapi3.NewLoader().LoadFromData(b)
	if err != nil {
		return nil, fmt.Errorf("copy the spec: %w", err)
	}
	op := cp.Paths.Find(cancel.Path).GetOperation(cancel.Method)
	for _, s := range missing {
		r := openapi3.NewResponse().WithDescription(fmt.Sprintf(
			"%d %s: the cancel of a running request was accepted, as the team's contract.cancel_accepted says", s, http.StatusText(s)))
		r.Extensions = map[string]any{bodyOptional: true}
		op.Responses.Set(fmt.Sprint(s), &openapi3.ResponseRef{Value: r})
	}
	return cp, nil
}

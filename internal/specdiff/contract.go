package specdiff

import (
	"fmt"
	"regexp"
	"slices"
	"strings"

	"github.com/oasdiff/oasdiff/checker"

	"github.com/conform-harness/conform/export"
	"github.com/conform-harness/conform/internal/mediatype"
	"github.com/conform-harness/conform/openapi"
)

// The contract conform checks, as a spec change can touch it: what each call must be able to
// answer, which answers carry the status document, and which of its fields the oracle reads.
// Everything else of a document (error documents' fields, other media types, headers, other
// paths) is representation, which conform accepts in every form: a change there breaks
// nothing conform checks.

// contractStatuses are the answers of each call that the contract (the use-case page, and a
// team's contract.cancel_accepted) expects, with what each means.
var contractStatuses = map[export.Call]map[string]string{
	export.CallCreate: {
		"202": "the create of an export request is accepted with 202",
		"400": "a malformed create is refused with 400",
		"401": "a call without credentials is refused with 401",
	},
	export.CallStatus: {
		"200": "the status document is read from its 200",
		"404": "an unknown id is answered 404",
		"401": "a call without credentials is refused with 401",
	},
	export.CallCancel: {
		"200": "the cancel of a running request is answered 200 (the request is then cancelling)",
		"204": "a tenant may answer 204 to an accepted cancel (contract.cancel_accepted)",
		"400": "the cancel of a completed request is answered 400 (an invalid state for a cancellation)",
		"404": "an unknown id is answered 404",
		"401": "a call without credentials is refused with 401",
	},
}

// statusDocuments are the answers of each call that carry the status document.
var statusDocuments = map[export.Call][]string{
	export.CallCreate: {"202"},
	export.CallStatus: {"200"},
	export.CallCancel: {"200"},
}

// contractFields are the status document's fields the oracle reads, as oasdiff writes a
// property's path (an array's elements are its "items").
var contractFields = []string{
	"progress",
	"completed",
	"result/body/requestID",
	"result/body/tables/items",
	"result/body/tables/items/items/itemID",
	"result/body/tables/items/items/progress",
	"result/body/tables/items/items/parts/items/items/checksum",
}

// progressFields are the contract's fields that hold a progress value.
var progressFields = []string{"progress", "result/body/tables/items/items/progress"}

// contractField returns the field of the contract at path, or the contract's field below it:
// a change to "result/body" touches the request id. ok is false for a field the contract does
// not read.
func contractField(path string) (field string, ok bool) {
	for _, f := range contractFields {
		if f == path || strings.HasPrefix(f, path+"/") {
			return f, true
		}
	}
	return "", false
}

// operationRemoved are oasdiff's rules for an operation or a path that is gone.
var operationRemoved = []string{
	"api-path-removed-before-sunset", "api-path-removed-with-deprecation", "api-path-removed-without-deprecation",
	"api-removed-before-sunset", "api-removed-with-deprecation", "api-removed-without-deprecation",
}

func removesOperation(id string) bool { return slices.Contains(operationRemoved, id) }

// statusRemoved are oasdiff's rules for a response that is no longer declared.
var statusRemoved = []string{"response-success-status-removed", "response-non-success-status-removed"}

// statusAdded are oasdiff's rules for a response declared anew.
var statusAdded = []string{"response-success-status-added", "response-non-success-status-added"}

// statusCode matches a response's key as oasdiff names it in a change's arguments.
var statusCode = regexp.MustCompile(`^([1-5][0-9][0-9]|[1-5]XX|default)$`)

// judge classifies oasdiff's changes against the contract.
type judge struct {
	old, new map[export.Call]openapi.Operation
	rules    map[string]checker.BackwardCompatibilityRule
}

func rulesByID() map[string]checker.BackwardCompatibilityRule {
	out := map[string]checker.BackwardCompatibilityRule{}
	for _, r := range checker.GetAllRules() {
		out[r.Id] = r
	}
	return out
}

// callOf returns the call of the operation method path, as either document describes it. A
// path matches whatever its parameters are named: oasdiff pairs "/a/{id}" with "/a/{requestID}"
// and names the pair by either.
func (j judge) callOf(method, path string) (export.Call, bool) {
	for _, calls := range []map[export.Call]openapi.Operation{j.old, j.new} {
		for c, op := range calls {
			if strings.EqualFold(op.Method, method) && unnamed(op.Path) == unnamed(path) {
				return c, true
			}
		}
	}
	return export.NoCall, false
}

var pathParam = regexp.MustCompile(`\{[^}]*\}`)

func unnamed(path string) string { return pathParam.ReplaceAllString(path, "{}") }

// classify says whether change c to call breaks the contract, and why or why not.
func (j judge) classify(call export.Call, c checker.Change) (bool, string) {
	id := c.GetId()
	rule, known := j.rules[id]
	switch {
	case removesOperation(id):
		if op, ok := j.new[call]; ok {
			return false, fmt.Sprintf("the new document still describes the %s call: %s", call, op)
		}
		return true, "conform calls it in every scenario of the contract"
	case id == "endpoint-added":
		return false, fmt.Sprintf("the new document describes the %s call here", call)
	case slices.Contains(statusRemoved, id):
		status := fmt.Sprint(first(c.GetArgs()))
		if why, ok := contractStatuses[call][status]; ok {
			return true, "the contract expects it: " + why
		}
		return false, fmt.Sprintf("the contract expects no %s from the %s call", status, call)
	case slices.Contains(statusAdded, id):
		status := fmt.Sprint(first(c.GetArgs()))
		if why, ok := contractStatuses[call][status]; ok {
			return false, "the document now declares what the contract expects: " + why
		}
		if strings.HasPrefix(status, "2") {
			why := fmt.Sprintf("the %s call may now succeed with %s, an answer the contract does not accept", call, status)
			if call == export.CallCancel {
				why += " unless the team's contract.cancel_accepted lists it"
			}
			return true, why
		}
		return false, fmt.Sprintf("an error answer that no scenario of the contract provokes from the %s call", call)
	case !known:
		if c.GetLevel() == checker.ERR {
			return true, "oasdiff rates it breaking, and conform has no finer rule for it"
		}
		return false, "oasdiff rates it harmless, and conform has no finer rule for it"
	case rule.Area == checker.AreaSecurity:
		return false, "credentials are the team's configuration (HTTP Basic or OAuth2 client credentials), not the contract: check that the team's still fit"
	case rule.Direction == checker.DirectionRequest:
		return j.request(call, c, rule)
	case rule.Direction == checker.DirectionResponse:
		return j.response(call, c, rule)
	}
	return false, "not part of the contract conform checks"
}

// request judges a change to what the call accepts: conform's own requests follow the use-case
// page, so a change that accepts less may refuse them.
func (j judge) request(call export.Call, c checker.Change, rule checker.BackwardCompatibilityRule) (bool, string) {
	switch rule.Effect {
	case checker.EffectNarrows, checker.EffectIncomparable:
		return true, fmt.Sprintf("the %s call now accepts less: conform's requests, written to the use-case page, may be refused", call)
	case checker.EffectUnknown:
		if c.GetLevel() >= checker.WARN {
			return true, fmt.Sprintf("the %s call may now accept less: conform's requests, written to the use-case page, may be refused", call)
		}
	}
	return false, "conform's requests are still accepted"
}

// response judges a change to what the call answers.
func (j judge) response(call export.Call, c checker.Change, rule checker.BackwardCompatibilityRule) (bool, string) {
	args := c.GetArgs()
	status := ""
	for i := len(args) - 1; i >= 0; i-- {
		if s, ok := args[i].(string); ok && statusCode.MatchString(s) {
			status = s
			break
		}
	}
	switch {
	case status == "":
		return false, "not part of what the contract reads of an answer"
	case !slices.Contains(statusDocuments[call], status):
		return false, fmt.Sprintf("an answer %s of the %s call: the contract checks its status code, not its body; the status document is the %s answer's",
			status, call, strings.Join(statusDocuments[call], ", "))
	case rule.Area == checker.AreaHeaders:
		return false, "the headers of the status document's answer are not part of the contract"
	}
	for _, a := range args {
		s, ok := a.(string)
		if !ok || s == status {
			continue
		}
		field, ok := contractField(s)
		switch {
		case !ok:
			continue
		case rule.Effect == checker.EffectNone:
			return false, fmt.Sprintf("the oracle reads `%s`, but the change allows and forbids no value of it", field)
		case slices.Contains(progressFields, s) && strings.Contains(c.GetId(), "enum-value"):
			if strings.HasSuffix(c.GetId(), "-added") {
				return true, fmt.Sprintf("a progress value the contract does not know (it knows %s): a status document that carries it breaks invariant 1", progressList())
			}
			return true, fmt.Sprintf("the contract's progress values (%s) must all be possible; the spec now forbids one", progressList())
		}
		return true, fmt.Sprintf("the oracle reads `%s` of the status document", field)
	}
	switch {
	case c.GetId() == "response-media-type-removed" || strings.HasPrefix(c.GetId(), "response-media-type-name-"):
		// The new media type, when the change names one, is the second argument.
		if args := c.GetArgs(); len(args) > 2 && mediatype.IsJSON(fmt.Sprint(args[1])) {
			return false, fmt.Sprintf("conform reads the status document in %s too: application/json and any application/*+json", args[1])
		}
		return true, fmt.Sprintf("conform reads the status document of the %s answer in the media types the old document declares", status)
	case rule.Effect != checker.EffectNone && strings.HasPrefix(c.GetId(), "response-body-"):
		return true, fmt.Sprintf("the status document of the %s answer itself changed", status)
	}
	return false, "not a field the contract reads (progress, completed, the request id, each item's id and progress, and its parts' checksums)"
}

func progressList() string {
	var names []string
	for _, p := range export.Progresses() {
		names = append(names, string(p))
	}
	return strings.Join(names, ", ")
}

func first(args []any) any {
	if len(args) == 0 {
		return ""
	}
	return args[0]
}

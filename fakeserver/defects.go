package fakeserver

import (
	"bytes"
	"fmt"
	"net/http"
	"regexp"
	"strconv"
	"strings"

	"github.com/conform-harness/conform/export"
)

// Defect names one way the fake can be told to break the API's contract, so that the harness
// can be shown to catch it. A correct fake injects none; see Options.Defects.
type Defect string

// The defects the fake can inject. Each is described, and given its effect, in defectDescriptions.
const (
	DefectCancelRunningWrongStatus   Defect = "cancel-running-wrong-status"
	DefectCancelRunningNoContent     Defect = "cancel-running-no-content"
	DefectCancelCompletedWrongStatus Defect = "cancel-completed-wrong-status"
	DefectCancelUnknownWrongStatus   Defect = "cancel-unknown-wrong-status"
	DefectCancelNoEffect             Defect = "cancel-no-effect"
	DefectCancelWithoutCredentials   Defect = "cancel-without-credentials"
	DefectStuckCancelling            Defect = "stuck-cancelling"
	DefectFinishedItemsChange        Defect = "finished-items-change"
	DefectPendingNotCancelled        Defect = "pending-not-cancelled"
	DefectRunningItemsInterrupted    Defect = "running-items-interrupted"
	DefectCompletedFlagWrong         Defect = "completed-flag-wrong"
	DefectProgressMisspelt           Defect = "progress-misspelt"
	DefectWrongJSONTypes             Defect = "wrong-json-types"
	DefectMissingRequiredField       Defect = "missing-required-field"
	DefectChecksumMissing            Defect = "checksum-missing"
	DefectWrongRequestID             Defect = "wrong-request-id"
	DefectWrongContentType           Defect = "wrong-content-type"
	DefectErrorWithoutMessage        Defect = "error-without-message"
	DefectInternalErrors             Defect = "internal-errors"
	DefectCancelledItemsVanish       Defect = "cancelled-items-vanish"
	DefectTableAddedAfterCancel      Defect = "table-added-after-cancel"
)

// defectDescriptions is the registry of defects (registry.go): for each, what it does, said for
// a QA reader (what the broken server does, then what a correct one does instead), and done by
// the fake. A Defect not listed here is unknown to New and ParseDefect.
//
// A defect does one of three things to the correct fake, so that a fake with defects runs the
// correct fake's path and only differs where a defect says:
//   - hooks: it sets hooks of the state machine (hooks.go), for a defect that changes what the
//     fake does with its requests;
//   - intercept: it acts before a handler runs (decorator.go), for a defect that acts on a call
//     the correct fake would refuse, or answers without looking the request up;
//   - rewrite: it rewrites the correct fake's answer (decorator.go), for a defect that only
//     garbles what the fake says.
//
// The order of the list is the order in which the rewrites of one answer apply, each to what the
// ones before it left: the cancel statuses change before error-without-message drops the
// document that says them; completed-flag-wrong reads the progress before progress-misspelt
// misspells it; missing-required-field drops the completed flag before wrong-json-types would
// quote it.
var defectDescriptions = registry[Defect]{
	{
		DefectCancelNoEffect,
		"Cancelling a running request answers 200 OK but changes nothing, so the export runs on; " +
			"a correct server marks it cancelling and later cancelled.",
		effect{hooks: func(h *hooks) { h.ignoreCancel = true }},
	},
	{
		DefectStuckCancelling,
		"A cancelled request stays cancelling forever; " +
			"a correct server settles it as cancelled (completed) soon after.",
		effect{hooks: func(h *hooks) { h.neverSettle = true }},
	},
	{
		DefectFinishedItemsChange,
		"When a cancellation settles, tables that had already succeeded get a different checksum; " +
			"a correct server keeps their progress, parts and checksums exactly as they were.",
		effect{hooks: func(h *hooks) { h.touchAtSettle = rewriteChecksum }},
	},
	{
		DefectPendingNotCancelled,
		"When a cancellation settles, tables that had not started stay pending while the request shows cancelled; " +
			"a correct server marks every pending or processing table cancelled.",
		effect{hooks: func(h *hooks) { h.spareAtSettle = isPending }},
	},
	{
		DefectRunningItemsInterrupted,
		"When a cancellation settles, tables still pending or processing end interrupted; " +
			"a correct server marks them cancelled.",
		effect{hooks: func(h *hooks) { h.interruptAtSettle = true }},
	},
	{
		DefectTableAddedAfterCancel,
		"When a cancellation settles, a table nobody asked for appears, already succeeded with a file; " +
			"a correct server lists the same tables after the cancel as before it, and only those that finished before it stay succeeded.",
		effect{hooks: func(h *hooks) { h.addAtSettle = true }},
	},
	{
		DefectCancelWithoutCredentials,
		"A cancel without credentials is answered 401 Unauthorized but cancels the request all the same; " +
			"a correct server changes nothing for a call it refuses.",
		effect{intercept: cancelWhenRefused},
	},
	{
		DefectInternalErrors,
		"An id that is not a number (or is too long to be one) answers 500 Internal Server Error; " +
			"a correct server answers 404 Not Found for any id that names no request.",
		effect{intercept: failOnTextIDs},
	},
	{
		DefectCancelRunningWrongStatus,
		"Cancelling a running request answers 202 Accepted (and does cancel it); " +
			"a correct server answers 200 OK.",
		effect{rewrite: acceptedCancelAnswers202},
	},
	{
		DefectCancelRunningNoContent,
		"Cancelling a running request answers 204 No Content (and does cancel it), as the vendor's published OpenAPI document declares; " +
			"a correct server answers 200 OK, as the use-case page says (a tenant that answers 204 says so in contract.cancel_accepted).",
		effect{rewrite: acceptedCancelAnswers204},
	},
	{
		DefectCancelCompletedWrongStatus,
		"Cancelling a request that has already completed answers 409 Conflict; " +
			"a correct server answers 400 Bad Request saying the request is in an invalid state for cancellation.",
		effect{rewrite: refusedCancelAnswers409},
	},
	{
		DefectCancelUnknownWrongStatus,
		"Cancelling an id that names no request answers 400 Bad Request; " +
			"a correct server answers 404 Not Found.",
		effect{rewrite: unknownCancelAnswers400},
	},
	{
		DefectCancelledItemsVanish,
		"When a cancellation settles, the tables it cancelled vanish from the status document, leaving only those that had finished; " +
			"a correct server keeps listing every table, the unfinished ones as cancelled.",
		effect{rewrite: cancelledItemsLeftOut},
	},
	{
		DefectCompletedFlagWrong,
		"A cancelled request shows completed false; " +
			"a correct server shows completed true exactly when the progress is succeeded, failed, cancelled or interrupted.",
		effect{rewrite: cancelledShowsNotCompleted},
	},
	{
		DefectWrongRequestID,
		"Status documents name another request id than the one asked for; " +
			"a correct server answers the status of the request in the URL.",
		effect{rewrite: statusNamesAnotherID},
	},
	{
		DefectProgressMisspelt,
		`Status documents spell the progress "cancelled" as "canceled" (request and tables); ` +
			"a correct server uses only the vendor's progress values.",
		effect{rewrite: cancelledMisspelt},
	},
	{
		DefectMissingRequiredField,
		`Status documents leave out the required field "completed"; ` +
			"a correct server always includes it.",
		effect{rewrite: completedLeftOut},
	},
	{
		DefectChecksumMissing,
		`Status documents leave out the "checksum" of every part of a finished table; ` +
			"a correct server gives each part its md5 checksum.",
		effect{rewrite: checksumsLeftOut},
	},
	{
		DefectWrongJSONTypes,
		`Status documents write numbers and "completed" as JSON strings (recordCount "92", completed "true"); ` +
			"a correct server writes JSON numbers and booleans.",
		effect{rewrite: numbersAsStrings},
	},
	{
		DefectWrongContentType,
		"Status documents are answered with Content-Type text/plain; " +
			"a correct server answers application/json.",
		effect{rewrite: statusAsPlainText},
	},
	{
		DefectErrorWithoutMessage,
		"Error answers carry only the status code, no title and no detail; " +
			"a correct server says what went wrong (for a completed request: that it is in an invalid state for cancellation).",
		effect{rewrite: errorsWithStatusOnly},
	},
}

// DefectInfo describes one defect for a listing.
type DefectInfo = Info[Defect]

// Defects returns every defect the fake can inject with its description, sorted by name.
func Defects() []DefectInfo { return defectDescriptions.list() }

// ParseDefect returns the defect called name (exactly, as Defects lists it). An unknown name is
// an error that lists the known ones.
func ParseDefect(name string) (Defect, error) { return defectDescriptions.parse(name) }

// newDefectSet returns what the defects of list add to the correct fake. It panics on an unknown
// defect (registry.add).
func newDefectSet(list []Defect) effectSet {
	var set effectSet
	defectDescriptions.add(&set, list, nil)
	return set
}

// What the defects do, one small function each, in the registry's order.

// isPending spares, as a cancellation settles, the tables that had not started.
func isPending(it *item) bool { return it.progress == export.Pending }

// lateTable is the table a settling cancellation adds when the table-added-after-cancel defect
// says so: one no request asks for, so that it is plainly new.
const lateTable = "LATE_TABLE_AFTER_CANCEL"

// rewriteChecksum gives a table that had succeeded before a cancellation settled a different
// checksum, as if its part had been written again.
func rewriteChecksum(it *item) {
	if it.progress == export.Succeeded {
		it.checksum = derivedChecksum("rewritten "+it.checksum, it.records)
	}
}

// cancelWhenRefused cancels the request a cancel refused for its credentials names, as far as
// it can, and lets the fake answer 401 all the same.
func cancelWhenRefused(s *Server, a *heldAnswer, r *http.Request) bool {
	if a.call != callRefused {
		return false
	}
	path := r.URL.EscapedPath()
	if call, id := export.CallOf(r.Method, path); call == export.CallCancel && strings.HasPrefix(path, export.Root+"/") {
		s.store.cancel(string(id)) //nolint:errcheck // the broken server cancels what it can and answers 401 all the same
	}
	return false
}

// failOnTextIDs is a server that parses every id as a number before looking it up and does not
// expect that to fail: for any other id, a status or cancel call answers an error without a
// code, so 500, and the error is logged.
func failOnTextIDs(s *Server, a *heldAnswer, r *http.Request) bool {
	if a.call != callStatus && a.call != callCancel {
		return false
	}
	if _, err := strconv.ParseInt(a.id, 10, 64); err != nil {
		s.writeError(a, r, fmt.Errorf("injected defect %s: parse request id: %w", DefectInternalErrors, err))
		return true
	}
	return false
}

// acceptedCancelAnswers202 answers an accepted cancel 202 instead of 200.
func acceptedCancelAnswers202(a *heldAnswer) {
	if a.call == callCancel && a.status == http.StatusOK {
		a.status = http.StatusAccepted
	}
}

// acceptedCancelAnswers204 answers an accepted cancel 204 instead of 200; the fake's 200 has no
// body either.
func acceptedCancelAnswers204(a *heldAnswer) {
	if a.call == callCancel && a.status == http.StatusOK {
		a.status = http.StatusNoContent
		a.body = nil
	}
}

// refusedCancelAnswers409 answers a cancel of a completed request, the only cancel the fake
// refuses with 400, with 409; the detail stays, so only the status is wrong.
func refusedCancelAnswers409(a *heldAnswer) {
	if a.call == callCancel && a.status == http.StatusBadRequest {
		a.restatus(http.StatusConflict)
	}
}

// unknownCancelAnswers400 answers a cancel of an unknown id with 400 instead of 404; the detail
// stays.
func unknownCancelAnswers400(a *heldAnswer) {
	if a.call == callCancel && a.status == http.StatusNotFound {
		a.restatus(http.StatusBadRequest)
	}
}

// cancelledItemsLeftOut leaves the cancelled tables out of the status document of a cancelled
// request, as if they had never been part of it.
func cancelledItemsLeftOut(a *heldAnswer) {
	if !a.statusDocument() || !bytes.HasPrefix(a.body, []byte(`{"progress":"cancelled"`)) {
		return
	}
	a.editJSON(func(doc *object) {
		body := statusBody(doc)
		if body == nil {
			return
		}
		tables := body.child("tables")
		if tables == nil {
			return
		}
		var kept []any
		for _, it := range tables.objects("items") {
			if p, _ := it.get("progress"); p != string(export.Cancelled) {
				kept = append(kept, it)
			}
		}
		if kept == nil {
			kept = []any{}
		}
		tables.set("items", kept)
	})
}

// cancelledShowsNotCompleted makes the status document of a cancelled request say completed
// false. The document's first key is its progress, and the first "completed" key its own.
func cancelledShowsNotCompleted(a *heldAnswer) {
	if a.statusDocument() && bytes.HasPrefix(a.body, []byte(`{"progress":"cancelled"`)) {
		a.body = bytes.Replace(a.body, []byte(`"completed":true`), []byte(`"completed":false`), 1)
	}
}

// statusNamesAnotherID makes the status document a status call answers name another request id
// than the one asked for. A create names its own request either way.
func statusNamesAnotherID(a *heldAnswer) {
	if a.call != callStatus || a.status != http.StatusOK {
		return
	}
	const key = `"requestID":`
	asked := appendID([]byte(key), a.id)
	other := appendID([]byte(key), string(otherID(a.id)))
	a.body = bytes.Replace(a.body, asked, other, 1)
}

// otherID is an id that is not id: the next number, or id with a suffix.
func otherID(id string) export.ID {
	if n, err := strconv.ParseUint(id, 10, 63); err == nil {
		return export.ID(strconv.FormatUint(n+1, 10))
	}
	return export.ID(id + "-other")
}

// cancelledMisspelt writes the progress cancelled as "canceled", for the request and its tables.
func cancelledMisspelt(a *heldAnswer) {
	if a.statusDocument() {
		a.body = bytes.ReplaceAll(a.body, []byte(`"progress":"cancelled"`), []byte(`"progress":"canceled"`))
	}
}

// The encoded forms the schema defects rewrite. A key followed by ":" can only be a key: inside
// an encoded string every quote is escaped, so these never match a table name or an id.
var (
	numberFields  = regexp.MustCompile(`"(count|recordCount|totalResults|offset|totalRecordCount)":(-?[0-9]+)`)
	completedFlag = regexp.MustCompile(`"completed":(true|false)`)
	completedKey  = regexp.MustCompile(`"completed":(?:true|false),?`)
	checksumKey   = regexp.MustCompile(`,?"checksum":"[^"]*"`)
)

// completedLeftOut drops the required "completed" from status documents.
func completedLeftOut(a *heldAnswer) {
	if a.statusDocument() {
		a.body = completedKey.ReplaceAll(a.body, nil)
	}
}

// checksumsLeftOut drops the required "checksum" of every part from status documents.
func checksumsLeftOut(a *heldAnswer) {
	if a.statusDocument() {
		a.body = checksumKey.ReplaceAll(a.body, nil)
	}
}

// numbersAsStrings writes the numbers and the completed flag of status documents as strings.
func numbersAsStrings(a *heldAnswer) {
	if a.statusDocument() {
		a.body = numberFields.ReplaceAll(a.body, []byte(`"$1":"$2"`))
		a.body = completedFlag.ReplaceAll(a.body, []byte(`"completed":"$1"`))
	}
}

// statusAsPlainText answers status documents with Content-Type text/plain.
func statusAsPlainText(a *heldAnswer) {
	if a.statusDocument() {
		a.header.Set("Content-Type", "text/plain; charset=utf-8")
	}
}

// errorsWithStatusOnly leaves nothing of an error document but its status. Every answer of 400
// or more is one.
func errorsWithStatusOnly(a *heldAnswer) {
	if a.status >= http.StatusBadRequest {
		a.body = []byte(`{"status":` + strconv.Itoa(a.status) + "}\n")
	}
}

package fakeserver

import (
	"fmt"
	"net/http"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"conform/export"
)

// Defect names one way the fake can be told to break the API's contract, so that the harness
// can be shown to catch it. A correct fake injects none; see Options.Defects.
type Defect string

// The defects the fake can inject. Each is described, for people, in defectDescriptions.
const (
	DefectCancelRunningWrongStatus   Defect = "cancel-running-wrong-status"
	DefectCancelCompletedWrongStatus Defect = "cancel-completed-wrong-status"
	DefectCancelUnknownWrongStatus   Defect = "cancel-unknown-wrong-status"
	DefectCancelNoEffect             Defect = "cancel-no-effect"
	DefectCancelWithoutCredentials   Defect = "cancel-without-credentials"
	DefectStuckCancelling            Defect = "stuck-cancelling"
	DefectFinishedItemsChange        Defect = "finished-items-change"
	DefectPendingNotCancelled        Defect = "pending-not-cancelled"
	DefectCompletedFlagWrong         Defect = "completed-flag-wrong"
	DefectProgressMisspelt           Defect = "progress-misspelt"
	DefectWrongJSONTypes             Defect = "wrong-json-types"
	DefectMissingRequiredField       Defect = "missing-required-field"
	DefectWrongRequestID             Defect = "wrong-request-id"
	DefectWrongContentType           Defect = "wrong-content-type"
	DefectErrorWithoutMessage        Defect = "error-without-message"
	DefectInternalErrors             Defect = "internal-errors"
)

// defectDescriptions says, for a QA reader, what the broken server does and what a correct one
// does instead. It is the registry: a Defect not listed here is unknown to New and ParseDefect.
var defectDescriptions = map[Defect]string{
	DefectCancelRunningWrongStatus: "Cancelling a running request answers 202 Accepted (and does cancel it); " +
		"a correct server answers 200 OK.",
	DefectCancelCompletedWrongStatus: "Cancelling a request that has already completed answers 409 Conflict; " +
		"a correct server answers 400 Bad Request saying the request is in an invalid state for cancellation.",
	DefectCancelUnknownWrongStatus: "Cancelling an id that names no request answers 400 Bad Request; " +
		"a correct server answers 404 Not Found.",
	DefectCancelNoEffect: "Cancelling a running request answers 200 OK but changes nothing, so the export runs on; " +
		"a correct server marks it cancelling and later cancelled.",
	DefectCancelWithoutCredentials: "A cancel without credentials is answered 401 Unauthorized but cancels the request all the same; " +
		"a correct server changes nothing for a call it refuses.",
	DefectStuckCancelling: "A cancelled request stays cancelling forever; " +
		"a correct server settles it as cancelled (completed) soon after.",
	DefectFinishedItemsChange: "When a cancellation settles, tables that had already succeeded get a different checksum; " +
		"a correct server keeps their progress, parts and checksums exactly as they were.",
	DefectPendingNotCancelled: "When a cancellation settles, tables that had not started stay pending while the request shows cancelled; " +
		"a correct server marks every pending or processing table cancelled.",
	DefectCompletedFlagWrong: "A cancelled request shows completed false; " +
		"a correct server shows completed true exactly when the progress is succeeded, failed, cancelled or interrupted.",
	DefectProgressMisspelt: `Status documents spell the progress "cancelled" as "canceled" (request and tables); ` +
		"a correct server uses only the vendor's progress values.",
	DefectWrongJSONTypes: `Status documents write numbers and "completed" as JSON strings (recordCount "92", completed "true"); ` +
		"a correct server writes JSON numbers and booleans.",
	DefectMissingRequiredField: `Status documents leave out the required field "completed"; ` +
		"a correct server always includes it.",
	DefectWrongRequestID: "Status documents name another request id than the one asked for; " +
		"a correct server answers the status of the request in the URL.",
	DefectWrongContentType: "Status documents are answered with Content-Type text/plain; " +
		"a correct server answers application/json.",
	DefectErrorWithoutMessage: "Error answers carry only the status code, no title and no detail; " +
		"a correct server says what went wrong (for a completed request: that it is in an invalid state for cancellation).",
	DefectInternalErrors: "An id that is not a number (or is too long to be one) answers 500 Internal Server Error; " +
		"a correct server answers 404 Not Found for any id that names no request.",
}

// DefectInfo describes one defect for a listing.
type DefectInfo struct {
	Name        Defect
	Description string
}

// Defects returns every defect the fake can inject with its description, sorted by name.
func Defects() []DefectInfo {
	out := make([]DefectInfo, 0, len(defectDescriptions))
	for name, desc := range defectDescriptions {
		out = append(out, DefectInfo{Name: name, Description: desc})
	}
	slices.SortFunc(out, func(a, b DefectInfo) int { return strings.Compare(string(a.Name), string(b.Name)) })
	return out
}

// ParseDefect returns the defect called name (exactly, as Defects lists it). An unknown name is
// an error that lists the known ones.
func ParseDefect(name string) (Defect, error) {
	d := Defect(name)
	if _, ok := defectDescriptions[d]; ok {
		return d, nil
	}
	names := make([]string, 0, len(defectDescriptions))
	for _, info := range Defects() {
		names = append(names, string(info.Name))
	}
	return "", fmt.Errorf("unknown defect %q: want one of %s", name, strings.Join(names, ", "))
}

// defectSet is the set of defects a server injects; nil injects none, and every lookup on it is
// a read of a nil map, so a correct fake pays nothing for the hooks.
type defectSet map[Defect]bool

// newDefectSet returns the set of list. It panics on an unknown defect: a Defect comes from one
// of the constants or from ParseDefect, so an unknown one is a bug in the caller, and a fake
// that silently behaved correctly would make a mutation test pass for the wrong reason.
func newDefectSet(list []Defect) defectSet {
	if len(list) == 0 {
		return nil
	}
	set := make(defectSet, len(list))
	for _, d := range list {
		if _, err := ParseDefect(string(d)); err != nil {
			panic("fakeserver.New: " + err.Error())
		}
		set[d] = true
	}
	return set
}

// on reports whether d is injected.
func (s defectSet) on(d Defect) bool { return s[d] }

// codeConflict answers 409; only DefectCancelCompletedWrongStatus produces it.
const codeConflict = "conflict"

// cancelAccepted is the status of a cancel the export accepted.
func (s defectSet) cancelAccepted() int {
	if s.on(DefectCancelRunningWrongStatus) {
		return http.StatusAccepted
	}
	return http.StatusOK
}

// cancelError is the error a refused cancel answers with: err itself, unless a defect answers
// its code with the wrong status. The message stays, so only the status is wrong.
func (s defectSet) cancelError(err error) error {
	code := ErrorCode(err)
	switch {
	case code == CodeInvalidState && s.on(DefectCancelCompletedWrongStatus):
		return &Error{Code: codeConflict, Message: err.Error()}
	case code == CodeNotFound && s.on(DefectCancelUnknownWrongStatus):
		return &Error{Code: CodeInvalidRequest, Message: err.Error()}
	}
	return err
}

// lookupFails is the error of a server that parses every id as a number before looking it up
// and does not expect that to fail: an error without a code, so it answers 500 and is logged.
// Without DefectInternalErrors, or for a decimal id that fits an int64, it is nil.
func (s defectSet) lookupFails(id string) error {
	if !s.on(DefectInternalErrors) {
		return nil
	}
	if _, err := strconv.ParseInt(id, 10, 64); err != nil {
		return fmt.Errorf("injected defect %s: parse request id: %w", DefectInternalErrors, err)
	}
	return nil
}

// cancelsWithoutCredentials reports, for a request refused for its credentials, whether the
// broken server cancels anyway, and which request. Only POST on the cancel path qualifies.
func (s defectSet) cancelsWithoutCredentials(r *http.Request) (string, bool) {
	if !s.on(DefectCancelWithoutCredentials) || r.Method != http.MethodPost {
		return "", false
	}
	id, ok := strings.CutPrefix(r.URL.Path, export.Root+"/custom-actions/cancel/exportRequests/")
	return id, ok && id != "" && !strings.Contains(id, "/")
}

// settleChanges alters the tables that had succeeded, as a cancellation settles: their part
// gets a different checksum, as if the file had been rewritten.
func (s defectSet) settleChanges(e *task) {
	if !s.on(DefectFinishedItemsChange) {
		return
	}
	for _, it := range e.items {
		if it.progress == export.Succeeded {
			it.checksum = derivedChecksum("rewritten "+it.checksum, it.records)
		}
	}
}

// misspelt is the progress value DefectProgressMisspelt writes instead of cancelled.
const misspelt export.Progress = "canceled"

// statusAnswer rewrites a status document the way the injected defects get it wrong, before it
// is encoded. asked is the id in the URL ("" for a create, which names its own).
func (s defectSet) statusAnswer(doc export.Status, asked string) export.Status {
	if s.on(DefectCompletedFlagWrong) && doc.Progress == export.Cancelled {
		doc.Completed = false
	}
	if s.on(DefectWrongRequestID) && asked != "" && doc.Result != nil {
		doc.Result.Body.RequestID = otherID(asked)
	}
	if s.on(DefectProgressMisspelt) {
		if doc.Progress == export.Cancelled {
			doc.Progress = misspelt
		}
		for i, it := range doc.Items() {
			if it.Progress == export.Cancelled {
				doc.Result.Body.Tables.Items[i].Progress = misspelt
			}
		}
	}
	return doc
}

// otherID is an id that is not id: the next number, or id with a suffix.
func otherID(id string) export.ID {
	if n, err := strconv.ParseUint(id, 10, 63); err == nil {
		return export.ID(strconv.FormatUint(n+1, 10))
	}
	return export.ID(id + "-other")
}

// The encoded forms the schema defects rewrite. A key followed by ":" can only be a key: inside
// an encoded string every quote is escaped, so these never match a table name or an id.
var (
	numberFields  = regexp.MustCompile(`"(count|recordCount|totalResults|offset|totalRecordCount)":(-?[0-9]+)`)
	completedFlag = regexp.MustCompile(`"completed":(true|false)`)
	completedKey  = regexp.MustCompile(`"completed":(?:true|false),?`)
)

// statusBody rewrites an encoded status document the way the schema defects get it wrong.
func (s defectSet) statusBody(body []byte) []byte {
	if s.on(DefectMissingRequiredField) {
		body = completedKey.ReplaceAll(body, nil)
	}
	if s.on(DefectWrongJSONTypes) {
		body = numberFields.ReplaceAll(body, []byte(`"$1":"$2"`))
		body = completedFlag.ReplaceAll(body, []byte(`"completed":"$1"`))
	}
	return body
}

// statusContentType is the Content-Type a status document is answered with.
func (s defectSet) statusContentType() string {
	if s.on(DefectWrongContentType) {
		return "text/plain; charset=utf-8"
	}
	return jsonContentType
}

// errorBody is the error document of DefectErrorWithoutMessage: the status and nothing else.
// It reports false when the defect is off.
func (s defectSet) errorBody(status int) ([]byte, bool) {
	if !s.on(DefectErrorWithoutMessage) {
		return nil, false
	}
	return []byte(`{"status":` + strconv.Itoa(status) + `}`), true
}

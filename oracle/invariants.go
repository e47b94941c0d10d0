package oracle

import "github.com/conform-harness/conform/export"

// The invariants of DESIGN §2 that the oracle checks, by number. The ninth is issue 16's: DESIGN
// §2's list assumed that the items of a request stay put.
const (
	// InvariantValidProgress: progress (of the request and of every item) is a known value and
	// completed is true exactly when the request's progress is terminal.
	InvariantValidProgress = 1
	// InvariantCompletedIsFinal: a completed request never changes again.
	InvariantCompletedIsFinal = 2
	// InvariantCancellingLeadsToCancelled: after cancelling, only cancelling or cancelled.
	InvariantCancellingLeadsToCancelled = 3
	// InvariantSettledItemIsFinal: a succeeded or failed item keeps its progress and parts.
	InvariantSettledItemIsFinal = 4
	// InvariantCancelledHasNoRunningItems: a cancelled request has no pending or processing item.
	InvariantCancelledHasNoRunningItems = 5
	// InvariantRequestIDMatches: result.body.requestID is the id that was asked for.
	InvariantRequestIDMatches = 6
	// InvariantProgressMovesForward: request and item progress only move forward.
	InvariantProgressMovesForward = 7
	// InvariantRunningItemsEndCancelled: once cancelled, every item is succeeded, failed or
	// cancelled; an item seen running while the request was cancelling ends cancelled.
	InvariantRunningItemsEndCancelled = 8
	// InvariantItemsAreKept: an item once listed is in every later document, and once the
	// request is cancelling no new item appears.
	InvariantItemsAreKept = 9
)

// Invariant is one invariant of DESIGN §2 as the oracle checks it.
type Invariant struct {
	// Number is its number in DESIGN §2, which breaches and messages cite.
	Number int
	// Name is its short name, e.g. "completed-is-final".
	Name string
	// Text says it in one sentence, for people; field names and progress values are in
	// `backquotes`, which a page may show as code.
	Text string
}

// checked is the single list: names, messages and reports all come from it. It holds what
// the oracle checks, and only that: a report that lists an invariant promises that every status
// document was checked against it.
var checked = [...]Invariant{
	{InvariantValidProgress, "valid-progress",
		"The `progress` of the request and of every item is a known value, and `completed` is true exactly when the request's progress is terminal."},
	{InvariantCompletedIsFinal, "completed-is-final",
		"A completed request never changes again: not its progress, its items, nor their parts."},
	{InvariantCancellingLeadsToCancelled, "cancelling-leads-to-cancelled",
		"Once `cancelling` is seen, the request only stays `cancelling` or becomes `cancelled`."},
	{InvariantSettledItemIsFinal, "settled-item-is-final",
		"An item once seen `succeeded` or `failed` keeps that progress, the same parts and the same checksums."},
	{InvariantCancelledHasNoRunningItems, "cancelled-has-no-running-items",
		"Once the request is `cancelled`, no item is `pending` or `processing`."},
	{InvariantRequestIDMatches, "request-id-matches",
		"`result.body.requestID` is the id that was asked for."},
	{InvariantProgressMovesForward, "progress-moves-forward",
		"The progress of the request and of each item only moves forward through the state machine."},
	{InvariantRunningItemsEndCancelled, "running-items-end-cancelled",
		"Once the request is `cancelled`, every item is `succeeded`, `failed` or `cancelled`, and an item seen `pending` or `processing` while the request was `cancelling` ends `cancelled` (not `interrupted`, not `succeeded`)."},
	{InvariantItemsAreKept, "items-are-kept",
		"An item once listed is in every later document of the request, and once the request is `cancelling` no new item appears."},
}

// Invariants returns the invariants the oracle checks, by number: 1 to 8 of DESIGN §2, and 9,
// items-are-kept. The slice is the caller's.
func Invariants() []Invariant {
	out := make([]Invariant, len(checked))
	copy(out, checked[:])
	return out
}

// InvariantName returns the short name of invariant n, or "" when the oracle checks no
// invariant n.
func InvariantName(n int) string {
	for _, inv := range checked {
		if inv.Number == n {
			return inv.Name
		}
	}
	return ""
}

// Evidence returns the numbers of the invariants, in order, that cur gave the oracle something
// to check, after earlier (the same request's documents, oldest first): a document that could
// have broken them. Every document can break 1; 6 only when the id was asked for apart from the
// document (asked: a status or a cancel names it in its path; a create's id comes from its own
// answer); 2, 3 and 4 once a completed request, a cancelling one or a settled item was seen
// before; 7 from the second document on; 5 and 8 when a cancelled request lists items, or, for
// 8, after an item was seen running while the request was cancelling; 9 once an earlier document
// listed an item, or when a document lists items after a cancelling one. Contract coverage counts
// these: an invariant with no evidence passed only because nothing tested it.
func Evidence(earlier []Observation, cur Observation, asked bool) []int {
	var h EvidenceHistory
	for _, obs := range earlier {
		h.add(obs.Doc)
	}
	return h.Evidence(cur.Doc, asked)
}

// EvidenceHistory is what Evidence needs to remember of a request's documents, a few flags
// instead of the documents, for a collector that follows many requests for a long time. Its zero
// value is a request with no document yet.
type EvidenceHistory struct {
	documents                                                                 int
	wasCompleted, wasCancelling, hadSettled, runningWhileCancelling, hadItems bool
}

// Observe returns Evidence for doc after the documents observed before it, and remembers doc.
func (h *EvidenceHistory) Observe(doc export.Status, asked bool) []int {
	out := h.Evidence(doc, asked)
	h.add(doc)
	return out
}

// Evidence is Evidence for doc after the documents observed so far.
func (h *EvidenceHistory) Evidence(doc export.Status, asked bool) []int {
	out := []int{InvariantValidProgress}
	cancelledWithItems := doc.Progress == export.Cancelled && len(doc.Items()) > 0
	if h.wasCompleted {
		out = append(out, InvariantCompletedIsFinal)
	}
	if h.wasCancelling {
		out = append(out, InvariantCancellingLeadsToCancelled)
	}
	if h.hadSettled {
		out = append(out, InvariantSettledItemIsFinal)
	}
	if cancelledWithItems {
		out = append(out, InvariantCancelledHasNoRunningItems)
	}
	if asked {
		out = append(out, InvariantRequestIDMatches)
	}
	if h.documents > 0 {
		out = append(out, InvariantProgressMovesForward)
	}
	if cancelledWithItems || h.runningWhileCancelling {
		out = append(out, InvariantRunningItemsEndCancelled)
	}
	if h.hadItems || (h.wasCancelling && len(doc.Items()) > 0) {
		out = append(out, InvariantItemsAreKept)
	}
	return out
}

func (h *EvidenceHistory) add(d export.Status) {
	h.documents++
	h.wasCompleted = h.wasCompleted || completed(d)
	h.wasCancelling = h.wasCancelling || d.Progress == export.Cancelling
	h.hadItems = h.hadItems || len(d.Items()) > 0
	for _, it := range d.Items() {
		switch it.Progress {
		case export.Succeeded, export.Failed:
			h.hadSettled = true
		case export.Pending, export.Processing:
			h.runningWhileCancelling = h.runningWhileCancelling || d.Progress == export.Cancelling
		}
	}
}

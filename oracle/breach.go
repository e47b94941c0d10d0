package oracle

import (
	"bytes"
	"encoding/json"
	"fmt"
	"sort"
	"strings"
	"time"
)

// The invariants of DESIGN §2, by number.
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
)

var invariantNames = map[int]string{
	InvariantValidProgress:              "valid-progress",
	InvariantCompletedIsFinal:           "completed-is-final",
	InvariantCancellingLeadsToCancelled: "cancelling-leads-to-cancelled",
	InvariantSettledItemIsFinal:         "settled-item-is-final",
	InvariantCancelledHasNoRunningItems: "cancelled-has-no-running-items",
	InvariantRequestIDMatches:           "request-id-matches",
	InvariantProgressMovesForward:       "progress-moves-forward",
}

// InvariantName returns the short name of invariant n (1..7), or "" for any other number.
func InvariantName(n int) string {
	return invariantNames[n]
}

// Violation is one broken invariant.
type Violation struct {
	// Invariant is the invariant's number, 1..7 as in DESIGN §2.
	Invariant int
	// Name is the invariant's short name, e.g. "completed-is-final".
	Name string
	// Message says concretely what is wrong: which field, which item, old → new value.
	Message string
	// Previous is the earlier document involved; nil for the single-document invariants 1, 5, 6.
	Previous *Observation
	// Current is the document that broke the invariant.
	Current Observation
}

// Error returns a multi-line description: the invariant and message on the first line, then
// the earlier document (if any) and the current one, each with its source, when it was seen
// and its body (the raw response when recorded, else the decoded document as compact JSON).
func (v Violation) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "invariant %d (%s) violated: %s", v.Invariant, v.Name, v.Message)
	if v.Previous != nil {
		writeObservation(&b, "previous", *v.Previous)
	}
	writeObservation(&b, "current", v.Current)
	return b.String()
}

func writeObservation(b *strings.Builder, role string, obs Observation) {
	source := obs.Source
	if source == "" {
		source = "source not recorded"
	}
	at := "time not recorded"
	if !obs.At.IsZero() {
		at = obs.At.Format(time.RFC3339Nano)
	}
	fmt.Fprintf(b, "\n%s document #%d, %s, seen %s:\n  %s", role, obs.Seq, source, at, body(obs))
}

// body renders what a person needs to see of the document: the bytes that came over the wire
// when the caller kept them (compacted if they are JSON, quoted if not), else the decoded
// document re-encoded.
func body(obs Observation) string {
	if obs.Raw != nil {
		var c bytes.Buffer
		if err := json.Compact(&c, obs.Raw); err == nil {
			return c.String()
		}
		return fmt.Sprintf("%q (not JSON)", obs.Raw)
	}
	j, err := json.Marshal(obs.Doc)
	if err != nil {
		return fmt.Sprintf("%+v", obs.Doc)
	}
	return string(j)
}

// newViolation builds a violation around documents the caller already copied: the violations
// of one check share one copy of each document, so a document with many broken items costs one
// copy, not one per violation.
func newViolation(n int, cur Observation, prev *Observation, format string, args ...any) Violation {
	return Violation{
		Invariant: n,
		Name:      InvariantName(n),
		Message:   fmt.Sprintf(format, args...),
		Previous:  prev,
		Current:   cur,
	}
}

// sortViolations orders vs by invariant number, keeping the order within one invariant, and
// turns an empty list into nil.
func sortViolations(vs []Violation) []Violation {
	if len(vs) == 0 {
		return nil
	}
	sort.SliceStable(vs, func(i, j int) bool { return vs[i].Invariant < vs[j].Invariant })
	return vs
}

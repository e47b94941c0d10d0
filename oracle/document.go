package oracle

import (
	"strings"

	"github.com/conform-harness/conform/export"
)

// CheckDocument checks the invariants that one document must satisfy on its own, whatever came
// before it: 1 (valid-progress), 5 (cancelled-has-no-running-items), 6 (request-id-matches,
// against asked, the id the harness asked for) and the half of 8 (running-items-end-cancelled)
// that one document shows: a cancelled request whose item is interrupted, unknown or cancelling.
// It returns nil when the document is fine, else the breaches in the order Observe gives them.
// Breaches carry copies of cur, shared among them.
func CheckDocument(asked export.ID, cur Observation) []Breach {
	var vs []Breach
	var copied *Observation // made on the first breach, shared by all
	add := func(n int, item string, format string, args ...any) {
		if copied == nil {
			c := cloneObservation(cur)
			copied = &c
		}
		vs = append(vs, newBreach(n, item, *copied, nil, format, args...))
	}
	d := cur.Doc
	items := d.Items()

	switch {
	case !d.Progress.Known():
		// Whether completed fits an unknown value cannot be said; the value itself is the fault.
		add(InvariantValidProgress, "", "progress %q is not a known value (known: %s)", d.Progress, knownValues())
	case d.Completed && !d.Progress.Terminal():
		add(InvariantValidProgress, "", "completed is true but progress %q is not terminal", d.Progress)
	case !d.Completed && d.Progress.Terminal():
		add(InvariantValidProgress, "", "completed is false but progress %q is terminal", d.Progress)
	}
	for j, it := range items {
		if !it.Progress.Known() {
			add(InvariantValidProgress, ItemKey(it, j), "%s progress %q is not a known value (known: %s)", itemLabel(it, j), it.Progress, knownValues())
		}
	}

	if d.Progress == export.Cancelled {
		for j, it := range items {
			switch p := it.Progress; {
			case p == export.Pending || p == export.Processing:
				add(InvariantCancelledHasNoRunningItems, ItemKey(it, j), "request is %q but %s is still %q", d.Progress, itemLabel(it, j), p)
			case p == export.Succeeded || p == export.Failed || p == export.Cancelled:
			case p.Known():
				// A value that is not known already breaks invariant 1; saying so again here
				// would name one fault twice.
				add(InvariantRunningItemsEndCancelled, ItemKey(it, j), "request is %q but %s is %q; once cancelled, every item is succeeded, failed or cancelled",
					d.Progress, itemLabel(it, j), p)
			}
		}
	}

	switch got := d.RequestID(); {
	case d.Result == nil:
		add(InvariantRequestIDMatches, "", "document has no result body, so no result.body.requestID (asked for %s)", quoteIfOdd(string(asked)))
	case got == "":
		add(InvariantRequestIDMatches, "", "result.body.requestID is missing (asked for %s)", quoteIfOdd(string(asked)))
	case got != asked:
		add(InvariantRequestIDMatches, "", "result.body.requestID is %s but %s was asked for", quoteIfOdd(string(got)), quoteIfOdd(string(asked)))
	}
	return causeFirst(vs)
}

func knownValues() string {
	names := make([]string, len(export.Progresses()))
	for i, p := range export.Progresses() {
		names[i] = string(p)
	}
	return strings.Join(names, ", ")
}

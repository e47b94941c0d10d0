package oracle

import (
	"strconv"
	"strings"

	"github.com/conform-harness/conform/export"
)

// CheckHistory checks cur against the earlier documents of the same request, oldest first:
// invariants 2 (completed-is-final), 3 (cancelling-leads-to-cancelled), 4 (settled-item-is-final),
// 7 (progress-moves-forward), the half of 8 (running-items-end-cancelled) that needs a history
// (an item seen running while the request was cancelling ends succeeded, failed or interrupted)
// and 9 (items-are-kept). Each breach names as Previous the most recent earlier
// document that established the fact broken (the last completed one, the last cancelling one,
// the last one where the item was settled, the last one with a comparable progress, the last one
// that listed the item). A backward move already reported under 2, 3 or 4 against the same
// earlier document is not reported again under 7, nor an item that 2 or 4 already reported
// missing or new again under 9. It returns nil when nothing is wrong, and always nil for an
// empty history; else the breaches in the order Observe gives them.
func CheckHistory(earlier []Observation, cur Observation) []Breach {
	if len(earlier) == 0 {
		return nil
	}
	h := history{earlier: earlier, cur: cur, curItems: cur.Doc.Items()}
	h.matches = make([][]int, len(earlier))
	h.back = make([][]int, len(earlier))
	for i, obs := range earlier {
		h.matches[i], _ = matchItems(obs.Doc.Items(), h.curItems)
		h.back[i] = make([]int, len(h.curItems))
		for j := range h.back[i] {
			h.back[i][j] = -1
		}
		for k, j := range h.matches[i] {
			if j >= 0 {
				h.back[i][j] = k
			}
		}
	}

	var vs []Breach
	final, v := h.completedIsFinal()
	vs = append(vs, v...)
	cancelling, v := h.cancellingLeadsToCancelled()
	vs = append(vs, v...)
	settled, gone, v := h.settledItemIsFinal()
	vs = append(vs, v...)
	vs = append(vs, h.progressMovesForward(final, cancelling, settled)...)
	vs = append(vs, h.runningItemsEndCancelled()...)
	vs = append(vs, h.itemsAreKept(final, gone)...)
	return causeFirst(vs)
}

// history is one CheckHistory call.
type history struct {
	earlier  []Observation
	cur      Observation
	curItems []export.Item
	// matches[i][k] is the index in curItems of item k of earlier[i], or -1 when it has none;
	// back[i][j] is the reverse: the index in earlier[i] of current item j, or -1.
	matches [][]int
	back    [][]int

	curCopy    *Observation         // shared by the breaches, made on the first
	prevCopies map[int]*Observation // by index in earlier, likewise
}

// breach reports against earlier document i, about item (ItemKey) or, when item is "", about the
// request. Each document involved is copied once per call, whatever the number of breaches
// naming it.
func (h *history) breach(n, i int, item string, format string, args ...any) Breach {
	if h.curCopy == nil {
		c := cloneObservation(h.cur)
		h.curCopy = &c
	}
	if h.prevCopies == nil {
		h.prevCopies = make(map[int]*Observation)
	}
	prev, ok := h.prevCopies[i]
	if !ok {
		c := cloneObservation(h.earlier[i])
		prev = &c
		h.prevCopies[i] = prev
	}
	return newBreach(n, item, *h.curCopy, prev, format, args...)
}

// completed reports whether a document says its request completed. Either signal counts: a
// document whose flag and progress disagree already breaks invariant 1, and whichever of the
// two the target meant, the request may not change afterwards.
func completed(d export.Status) bool {
	return d.Completed || d.Progress.Terminal()
}

// completedIsFinal checks invariant 2 against the last completed earlier document and returns
// that document's index when it reported a breach, else -1.
func (h *history) completedIsFinal() (int, []Breach) {
	i := h.last(func(obs Observation) bool { return completed(obs.Doc) })
	if i < 0 {
		return -1, nil
	}
	was, now := h.earlier[i].Doc, h.cur.Doc
	var diffs []string
	if was.Progress != now.Progress {
		diffs = append(diffs, "progress "+quote(was.Progress)+" → "+quote(now.Progress))
	}
	if was.Completed != now.Completed {
		diffs = append(diffs, "completed "+strconv.FormatBool(was.Completed)+" → "+strconv.FormatBool(now.Completed))
	}
	if was.Result != nil && now.Result == nil {
		diffs = append(diffs, "result body is missing")
	}
	wasItems := was.Items()
	for k, it := range wasItems {
		label := itemLabel(it, k)
		if j := h.matches[i][k]; j < 0 {
			diffs = append(diffs, label+" is missing")
		} else {
			diffs = append(diffs, diffItem(label, it, h.curItems[j])...)
		}
	}
	_, added := matchItems(wasItems, h.curItems)
	for _, j := range added {
		diffs = append(diffs, "new "+itemLabel(h.curItems[j], j))
	}
	if len(diffs) == 0 {
		return -1, nil
	}
	return i, []Breach{h.breach(InvariantCompletedIsFinal, i, "",
		"request was completed (progress %q) but changed: %s", was.Progress, strings.Join(diffs, "; "))}
}

// cancellingLeadsToCancelled checks invariant 3 against the last earlier cancelling document
// and returns that document's index when it reported a breach, else -1.
func (h *history) cancellingLeadsToCancelled() (int, []Breach) {
	now := h.cur.Doc.Progress
	if now == export.Cancelling || now == export.Cancelled {
		return -1, nil
	}
	i := h.last(func(obs Observation) bool { return obs.Doc.Progress == export.Cancelling })
	if i < 0 {
		return -1, nil
	}
	return i, []Breach{h.breach(InvariantCancellingLeadsToCancelled, i, "",
		"request progress was %q but is now %q; after cancelling only cancelling or cancelled may follow",
		export.Cancelling, now)}
}

// settledItemIsFinal checks invariant 4: every item that an earlier document showed succeeded
// or failed is compared with the last document that showed it so. It returns, for each current
// item it reported on, the index of that earlier document, and the keys (ItemKey) of the items
// it reported missing.
func (h *history) settledItemIsFinal() (map[int]int, map[string]bool, []Breach) {
	var vs []Breach
	reported := make(map[int]int)
	seen := make(map[int]bool)    // current items already compared
	gone := make(map[string]bool) // missing items already reported, by key
	for i := len(h.earlier) - 1; i >= 0; i-- {
		for k, it := range h.earlier[i].Doc.Items() {
			if it.Progress != export.Succeeded && it.Progress != export.Failed {
				continue
			}
			label := itemLabel(it, k)
			j := h.matches[i][k]
			if j < 0 {
				if key := ItemKey(it, k); !gone[key] {
					gone[key] = true
					vs = append(vs, h.breach(InvariantSettledItemIsFinal, i, key,
						"%s was %q but is missing from the document", label, it.Progress))
				}
				continue
			}
			if seen[j] {
				continue
			}
			seen[j] = true
			now := h.curItems[j]
			var diffs []string
			if it.Progress != now.Progress {
				diffs = append(diffs, "progress "+quote(it.Progress)+" → "+quote(now.Progress))
			}
			diffs = append(diffs, diffParts(it.Parts, now.Parts)...)
			if len(diffs) > 0 {
				reported[j] = i
				vs = append(vs, h.breach(InvariantSettledItemIsFinal, i, ItemKey(now, j),
					"%s was %q but changed: %s", label, it.Progress, strings.Join(diffs, "; ")))
			}
		}
	}
	return reported, gone, vs
}

// progressMovesForward checks invariant 7 for the request and for each current item against the
// last earlier document where it had a place in the state machine. A move already reported
// against the same document (under 2 or 3 for the request, 2 or 4 for an item) is skipped.
func (h *history) progressMovesForward(final, cancelling int, settled map[int]int) []Breach {
	var vs []Breach
	now := h.cur.Doc.Progress
	if i := h.last(func(obs Observation) bool { return ordered(obs.Doc.Progress) }); i >= 0 {
		was := h.earlier[i].Doc.Progress
		if !forward(was, now) && i != final && i != cancelling {
			vs = append(vs, h.breach(InvariantProgressMovesForward, i, "",
				"request progress went %q → %q, which is not a forward move", was, now))
		}
	}
	for j, it := range h.curItems {
		i, was := h.lastItemProgress(j)
		if i < 0 || forward(was, it.Progress) {
			continue
		}
		if r, ok := settled[j]; (ok && r == i) || i == final {
			continue
		}
		vs = append(vs, h.breach(InvariantProgressMovesForward, i, ItemKey(it, j),
			"%s progress went %q → %q, which is not a forward move", itemLabel(it, j), was, it.Progress))
	}
	return vs
}

// runningItemsEndCancelled checks the history half of invariant 8: an item that an earlier
// document showed pending or processing while the request was cancelling must end cancelled. It
// judges the item's move out of pending or processing, once: the current item has ended
// (succeeded, failed or interrupted) and the last earlier document that placed it had it still
// running. Previous is the last cancelling document that showed it running. An item that ends
// interrupted under a cancelled request is left to CheckDocument, which reports it on that
// document alone.
func (h *history) runningItemsEndCancelled() []Breach {
	var vs []Breach
	running := func(p export.Progress) bool { return p == export.Pending || p == export.Processing }
	for j, it := range h.curItems {
		now := it.Progress
		if !now.Terminal() || now == export.Cancelled {
			continue
		}
		if now == export.Interrupted && h.cur.Doc.Progress == export.Cancelled {
			continue
		}
		if i, was := h.lastItemProgress(j); i < 0 || !running(was) {
			continue
		}
		i, was := h.lastRunningWhileCancelling(j)
		if i < 0 {
			continue
		}
		vs = append(vs, h.breach(InvariantRunningItemsEndCancelled, i, ItemKey(it, j),
			"%s was %q while the request was %q but ended %q; a running item must end cancelled",
			itemLabel(it, j), was, export.Cancelling, now))
	}
	return vs
}

// itemsAreKept checks invariant 9: every item an earlier document listed is in the current one,
// and, once the request was seen cancelling, the current document lists no item that no earlier
// document listed (but for a request that had listed none: see below). A missing item is reported against the last earlier document that listed
// it, once per item (ItemKey); a new one against the last cancelling document. It leaves out
// what final (the completed document 2 reported against, or -1) and gone (the items 4 reported
// missing) already say: 2 names every item missing from or new to a completed request, 4 every
// settled item gone missing.
func (h *history) itemsAreKept(final int, gone map[string]bool) []Breach {
	var vs []Breach
	said := make(map[string]bool) // missing items reported, by key
	if final >= 0 {
		for k, it := range h.earlier[final].Doc.Items() {
			if h.matches[final][k] < 0 {
				said[ItemKey(it, k)] = true
			}
		}
	}
	for i := len(h.earlier) - 1; i >= 0; i-- {
		for k, it := range h.earlier[i].Doc.Items() {
			if h.matches[i][k] >= 0 {
				continue
			}
			key := ItemKey(it, k)
			if said[key] || gone[key] {
				continue
			}
			said[key] = true
			vs = append(vs, h.breach(InvariantItemsAreKept, i, key,
				"%s was listed (%s) but is missing from the document; an item once listed stays in every later document",
				itemLabel(it, k), quote(it.Progress)))
		}
	}
	if final >= 0 {
		return vs
	}
	i := h.last(func(obs Observation) bool { return obs.Doc.Progress == export.Cancelling })
	if i < 0 {
		return vs
	}
	listed := h.listedAny()
	for j, it := range h.curItems {
		if h.listedBefore(j) || (!listed && it.Progress == export.Cancelled) {
			// A request cancelled before it listed its tables (a request may list none while
			// pending) may list them, cancelled, when the cancellation settles: none of them ran.
			continue
		}
		vs = append(vs, h.breach(InvariantItemsAreKept, i, ItemKey(it, j),
			"%s (%s) is new, first listed after the request was %q; once a cancel is accepted no item is added",
			itemLabel(it, j), quote(it.Progress), export.Cancelling))
	}
	return vs
}

// listedAny reports whether an earlier document listed any item.
func (h *history) listedAny() bool {
	for _, obs := range h.earlier {
		if len(obs.Doc.Items()) > 0 {
			return true
		}
	}
	return false
}

// listedBefore reports whether an earlier document listed current item j.
func (h *history) listedBefore(j int) bool {
	for i := range h.earlier {
		if h.back[i][j] >= 0 {
			return true
		}
	}
	return false
}

// lastRunningWhileCancelling finds the last earlier document where the request was cancelling
// and current item j was pending or processing, and the item's progress there; -1 when none.
func (h *history) lastRunningWhileCancelling(j int) (int, export.Progress) {
	for i := len(h.earlier) - 1; i >= 0; i-- {
		if k := h.back[i][j]; k >= 0 && h.earlier[i].Doc.Progress == export.Cancelling {
			if p := h.earlier[i].Doc.Items()[k].Progress; p == export.Pending || p == export.Processing {
				return i, p
			}
		}
	}
	return -1, ""
}

// lastItemProgress finds the last earlier document where current item j appeared with a
// progress that has a place in the state machine.
func (h *history) lastItemProgress(j int) (int, export.Progress) {
	for i := len(h.earlier) - 1; i >= 0; i-- {
		if k := h.back[i][j]; k >= 0 {
			if p := h.earlier[i].Doc.Items()[k].Progress; ordered(p) {
				return i, p
			}
		}
	}
	return -1, ""
}

// last returns the index of the most recent earlier document that satisfies ok, or -1.
func (h *history) last(ok func(Observation) bool) int {
	for i := len(h.earlier) - 1; i >= 0; i-- {
		if ok(h.earlier[i]) {
			return i
		}
	}
	return -1
}

// ordered reports whether p has a place in the state machine. "unknown" and unrecognised values
// have none, so moves to or from them cannot be judged here (invariant 1 reports the latter).
func ordered(p export.Progress) bool {
	switch p {
	case export.Pending, export.Processing, export.Cancelling:
		return true
	}
	return p.Terminal()
}

// forward reports whether a move from the ordered value from to the value to is allowed:
// pending → processing → terminal, pending → terminal, pending | processing → cancelling →
// cancelled, and staying put. Nothing leaves a terminal value. A move to a value without a place
// in the state machine is not judged.
func forward(from, to export.Progress) bool {
	switch {
	case from == to:
		return true
	case from.Terminal():
		return false
	case !ordered(to):
		return true
	}
	switch from {
	case export.Pending:
		return true
	case export.Processing:
		return to != export.Pending
	case export.Cancelling:
		return to == export.Cancelled
	}
	return true
}

func quote(p export.Progress) string { return strconv.Quote(string(p)) }

package fakeserver

import (
	"time"

	"github.com/conform-harness/conform/export"
)

// hooks are the few points where the state machine lets a defect change what it does. Each is a
// decision the machine takes in one place (machine.go), named for that decision rather than for
// a defect; the registry in defects.go says which defect sets which. A correct machine has none:
// its tasks' hooks are nil, and each method below then answers the correct behaviour after one
// comparison with nil.
type hooks struct {
	// ignoreCancel makes a cancel that a running export accepts change nothing: the cancel
	// succeeds, and the export runs on as if it had never come.
	ignoreCancel bool
	// neverSettle keeps a cancelling export cancelling: its cancellation never settles, so it
	// never completes.
	neverSettle bool
	// spareAtSettle, when set, picks the unfinished items that a settling cancellation leaves
	// as they are instead of cancelling them.
	spareAtSettle func(*item) bool
	// touchAtSettle, when set, is applied to each item that had already finished when a
	// cancellation settles.
	touchAtSettle func(*item)
	// interruptAtSettle makes a settling cancellation end the unfinished items it does not spare
	// interrupted instead of cancelled.
	interruptAtSettle bool
	// addAtSettle makes a settling cancellation add a table to the export, already succeeded
	// with its part, that no earlier answer listed.
	addAtSettle bool
}

// cancelTakesEffect reports whether a cancel that a running export accepts makes it cancelling.
func (h *hooks) cancelTakesEffect() bool { return h == nil || !h.ignoreCancel }

// settles reports whether a cancelling export becomes cancelled once its CancelDelay has passed.
func (h *hooks) settles() bool { return h == nil || !h.neverSettle }

// spares reports whether a settling cancellation leaves the unfinished item it as it is.
func (h *hooks) spares(it *item) bool {
	return h != nil && h.spareAtSettle != nil && h.spareAtSettle(it)
}

// touch applies touchAtSettle, if set, to it, an item that had finished when a cancellation
// settles.
func (h *hooks) touch(it *item) {
	if h != nil && h.touchAtSettle != nil {
		h.touchAtSettle(it)
	}
}

// interrupts reports whether a settling cancellation ends the unfinished items interrupted.
func (h *hooks) interrupts() bool { return h != nil && h.interruptAtSettle }

// adds reports whether a settling cancellation adds a table.
func (h *hooks) adds() bool { return h != nil && h.addAtSettle }

// interrupt ends it, an unfinished item, interrupted at at. The item table (export.ItemMayMove)
// has no move to interrupted, and rightly: a correct fake never makes one. This sets the
// progress without the table, on purpose, because the defect exists to break the contract; it
// is the one place where the fake's items leave the table, and only a hook calls it.
func (it *item) interrupt(at time.Time) {
	if !it.start.IsZero() {
		it.end = at
	}
	it.progress = export.Interrupted
}

package fakeserver

import (
	"fmt"
	"time"

	"github.com/conform-harness/conform/export"
)

// schedule is how fast exports run: the same for every export of one server.
type schedule struct {
	startDelay    time.Duration // submit → processing
	tableDuration time.Duration // each table, one after another
	cancelDelay   time.Duration // cancelling → cancelled; always > 0 so cancelling is seen first
}

// item is the export of one table.
type item struct {
	name     string
	progress export.Progress
	start    time.Time // zero until the item starts processing
	end      time.Time // zero until the item finishes
	fails    bool      // the item ends failed instead of succeeded
	records  int64     // record count of its single part once succeeded
	checksum string    // md5 hex of that part
}

// task is one export request. It holds no clock: advance brings it to a given instant, lazily,
// by applying every transition that falls due up to then, in order. Its hooks (hooks.go) are the
// only way a defect changes what it does; nil for a correct one.
type task struct {
	id        string
	sched     schedule
	running   bool // false for a seeded export: it stays exactly as seeded until cancelled
	progress  export.Progress
	submitted time.Time
	startAt   time.Time // when a pending export starts processing (running exports only)
	started   time.Time // zero while pending
	settleAt  time.Time // when a cancelling export becomes cancelled
	items     []*item
	hooks     *hooks // where it misbehaves on purpose; nil for a correct export
}

// newTask returns a running export submitted at now, one item per table in the given order.
// Tables named in fail end failed.
func newTask(id string, tables []string, now time.Time, sched schedule, fail map[string]bool) *task {
	e := &task{
		id:        id,
		sched:     sched,
		running:   true,
		progress:  export.Pending,
		submitted: now,
		startAt:   now.Add(sched.startDelay),
	}
	for _, name := range tables {
		records := derivedRecords(name)
		e.items = append(e.items, &item{
			name:     name,
			progress: export.Pending,
			fails:    fail[name],
			records:  records,
			checksum: derivedChecksum(partName(id, name), records),
		})
	}
	return e
}

// completed reports whether the export has reached a terminal progress; it never changes again.
func (e *task) completed() bool { return e.progress.Terminal() }

// completesAt returns when the export completes if nothing but time happens to it: the instant
// it is due to for one still running, now for one that already has. It is false for one that
// never completes on its own: a seeded request stays as seeded until it is cancelled, and a
// cancellation that its hooks say never settles does not. The store keeps the answer to know,
// without looking at every request, which have completed and when the next one will.
func (e *task) completesAt(now time.Time) (time.Time, bool) {
	switch e.progress {
	case export.Pending:
		if e.running {
			return e.startAt.Add(time.Duration(len(e.items)) * e.sched.tableDuration), true
		}
	case export.Processing:
		if it := e.current(); e.running && it != nil {
			left := 1 // the current table, then the pending ones, one after another
			for _, other := range e.items {
				if other.progress == export.Pending {
					left++
				}
			}
			return it.start.Add(time.Duration(left) * e.sched.tableDuration), true
		}
	case export.Cancelling:
		if e.hooks.settles() {
			return e.settleAt, true
		}
	default:
		if e.completed() {
			return now, true
		}
	}
	return time.Time{}, false
}

// advance applies every transition due at or before now. An error means the export tried a
// transition its table forbids: a bug in the fake, not a client mistake.
func (e *task) advance(now time.Time) error {
	for {
		at, ok := e.nextEvent()
		if !ok || at.After(now) {
			return nil
		}
		if err := e.step(at); err != nil {
			return err
		}
	}
}

// nextEvent returns when the export next changes on its own, if it ever does.
func (e *task) nextEvent() (time.Time, bool) {
	switch e.progress {
	case export.Pending:
		if e.running {
			return e.startAt, true
		}
	case export.Processing:
		if it := e.current(); e.running && it != nil {
			return it.start.Add(e.sched.tableDuration), true
		}
	case export.Cancelling:
		if e.hooks.settles() {
			return e.settleAt, true
		}
	}
	return time.Time{}, false
}

// step applies the one transition that nextEvent announced for at.
func (e *task) step(at time.Time) error {
	switch e.progress {
	case export.Pending:
		if err := e.move(export.Processing); err != nil {
			return err
		}
		e.started = at
		return e.startNext(at)
	case export.Processing:
		it := e.current()
		outcome := export.Succeeded
		if it.fails {
			outcome = export.Failed
		}
		if err := it.move(outcome, at); err != nil {
			return err
		}
		return e.startNext(at)
	case export.Cancelling:
		// The cancellation settles: unfinished items are cancelled, finished ones stay as they
		// were, unless the hooks say otherwise.
		for _, it := range e.items {
			switch {
			case it.progress != export.Pending && it.progress != export.Processing:
				e.hooks.touch(it)
			case e.hooks.spares(it):
			case e.hooks.interrupts():
				it.interrupt(at) // outside the item table, on purpose: see hooks.go
			default:
				if err := it.move(export.Cancelled, at); err != nil {
					return err
				}
			}
		}
		if e.hooks.adds() {
			records := derivedRecords(lateTable)
			e.items = append(e.items, &item{name: lateTable, progress: export.Succeeded, start: at, end: at,
				records: records, checksum: derivedChecksum(partName(e.id, lateTable), records)})
		}
		return e.move(export.Cancelled)
	}
	return fmt.Errorf("export %s: no transition is due from %s", e.id, e.progress)
}

// startNext starts the first pending item at at or, when none is left, completes the export:
// failed if any item failed, succeeded otherwise.
func (e *task) startNext(at time.Time) error {
	for _, it := range e.items {
		if it.progress == export.Pending {
			return it.move(export.Processing, at)
		}
	}
	outcome := export.Succeeded
	for _, it := range e.items {
		if it.progress == export.Failed {
			outcome = export.Failed
		}
	}
	return e.move(outcome)
}

// current returns the item being processed, or nil.
func (e *task) current() *item {
	for _, it := range e.items {
		if it.progress == export.Processing {
			return it
		}
	}
	return nil
}

// cancel asks the export, brought to now, to stop. A completed export refuses with
// CodeInvalidState. An export already cancelling stays as it is: a second cancel does not
// postpone settling. Otherwise processing stops at now (no item moves on) and the export becomes
// cancelled cancelDelay later.
func (e *task) cancel(now time.Time) error {
	if err := e.advance(now); err != nil {
		return err
	}
	switch {
	case e.completed():
		return errorf(CodeInvalidState,
			"export request %s is in an invalid state for a cancellation request: it has already completed (%s)",
			e.id, e.progress)
	case e.progress == export.Cancelling, !e.hooks.cancelTakesEffect():
		return nil
	}
	if err := e.move(export.Cancelling); err != nil {
		return err
	}
	e.settleAt = now.Add(e.sched.cancelDelay)
	return nil
}

// move changes the export's progress if the request table allows it.
func (e *task) move(to export.Progress) error {
	if !export.RequestMayMove(e.progress, to) {
		return fmt.Errorf("export %s: illegal request transition %s → %s", e.id, e.progress, to)
	}
	e.progress = to
	return nil
}

// move changes the item's progress at at if the item table allows it, and records when it started
// or finished. An item cancelled before it started gets no times, as in the vendor's example.
func (it *item) move(to export.Progress, at time.Time) error {
	if !export.ItemMayMove(it.progress, to) {
		return fmt.Errorf("item %s: illegal item transition %s → %s", it.name, it.progress, to)
	}
	switch {
	case to == export.Processing:
		it.start = at
	case !it.start.IsZero():
		it.end = at
	}
	it.progress = to
	return nil
}

package steps

import (
	"slices"
	"sync"

	"github.com/conform-harness/conform/export"
)

// Ledger records the export requests a run (or one scenario) created on the target and what is
// known of each: whether it has been seen completed, or a cancel of it was accepted. It is the
// account that clean-up settles and that an interrupted run reports: an export left running on
// a real system costs its owner. It is safe for concurrent use; use NewLedger.
type Ledger struct {
	mu     sync.Mutex // guards states and order
	states map[export.ID]settlement
	order  []export.ID
}

// settlement is what is known of a created export.
type settlement int

const (
	open           settlement = iota // running, as far as anyone knows
	seenCompleted                    // a status document showed it completed, or a cancel was refused as completed
	cancelAccepted                   // a cancel of it was answered 2xx
)

// NewLedger returns an empty ledger.
func NewLedger() *Ledger { return &Ledger{states: map[export.ID]settlement{}} }

// created records that the run created id.
func (l *Ledger) created(id export.ID) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if _, ok := l.states[id]; !ok {
		l.states[id] = open
		l.order = append(l.order, id)
	}
}

// settle records what became known of id, if the run created it. A completed export stays
// completed whatever is learnt later.
func (l *Ledger) settle(id export.ID, s settlement) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if cur, ok := l.states[id]; ok && cur != seenCompleted {
		l.states[id] = s
	}
}

// Open returns, in the order they were created, the requests neither seen completed nor with
// a cancel accepted: those that may still be running because of this run.
func (l *Ledger) Open() []export.ID {
	l.mu.Lock()
	defer l.mu.Unlock()
	return slices.DeleteFunc(slices.Clone(l.order), func(id export.ID) bool { return l.states[id] != open })
}

// Created returns every request recorded, in the order they were created.
func (l *Ledger) Created() []export.ID {
	l.mu.Lock()
	defer l.mu.Unlock()
	return slices.Clone(l.order)
}

// CancelCommand is the command a person runs to cancel request id of the API at root by hand,
// with the same credentials as the run: HTTP Basic (curl asks for the password), or a Bearer
// token when bearer is set, with a placeholder for a token the person fetches: a run never
// prints one.
func CancelCommand(root string, id export.ID, bearer bool) string {
	if bearer {
		return `curl -X POST -H "Authorization: Bearer $TOKEN" '` + cancelURL(root, id) + `'`
	}
	return `curl -X POST -u "$CONFORM_USERNAME" '` + cancelURL(root, id) + `'`
}

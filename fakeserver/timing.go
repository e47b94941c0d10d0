package fakeserver

import (
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/conform-harness/conform/export"
)

// Two variants change not how an answer is written but when a state shows: a server of the
// vendor's stack may take a moment to show what it has just done. A harness must wait through
// such a moment, within the contract's bounds, and not call it a breach. Each is a rewrite of
// the correct fake's answers, like every variant, with a memory of when the moment began (on
// the fake's clock) that only the rewrite keeps; the state machine is untouched.

// timing reports whether v is a timing variant: one that changes when a state shows, not how an
// answer is written.
func (v Variant) timing() bool {
	m, ok := variantDescriptions.lookup(string(v))
	return ok && m.effect.timed != nil
}

// VariantMoment is how long the timing variants' moment lasts, on the fake's clock: short
// against the fake's durations, and against the contract's deadlines.
const VariantMoment = 250 * time.Millisecond

// momentsKept bounds the moments a timing variant remembers: past that, those that have passed
// are forgotten, so that a long-running fake does not grow.
const momentsKept = 1024

// moments remembers, per request id, when its moment began.
type moments struct {
	clock Clock
	mu    sync.Mutex // guards began
	began map[string]time.Time
}

func newMoments(c Clock) *moments { return &moments{clock: c, began: map[string]time.Time{}} }

// begin starts the moment of id now, unless it has begun before.
func (m *moments) begin(id string) {
	m.mu.Lock()
	defer m.mu.Unlock()
	now := m.clock.Now()
	if len(m.began) >= momentsKept {
		for k, at := range m.began {
			if now.Sub(at) >= VariantMoment {
				delete(m.began, k)
			}
		}
	}
	if _, ok := m.began[id]; !ok {
		m.began[id] = now
	}
}

// within reports whether the moment of id has begun and not yet passed.
func (m *moments) within(id string) bool {
	m.mu.Lock()
	defer m.mu.Unlock()
	at, ok := m.began[id]
	return ok && m.clock.Now().Sub(at) < VariantMoment
}

// visibleLater makes a request just created answer its status 404 for a moment, as an eventually
// consistent store does before the request reaches the replica that answers reads. Its cancel
// and everything else answer as usual.
func visibleLater(c Clock) rewrite {
	m := newMoments(c)
	return func(a *heldAnswer) {
		switch {
		case a.call == callCreate && a.status == http.StatusAccepted:
			if id, ok := createdID(a); ok {
				m.begin(id)
			}
		case a.call == callStatus && a.status == http.StatusOK && m.within(a.id):
			a.status = http.StatusNotFound
			a.header.Set("Content-Type", jsonContentType)
			a.body = append(errorDocument(http.StatusNotFound, "export request "+a.id+" was not found"), '\n')
		}
	}
}

// unknownAfterCancel makes a request answer its status with progress unknown for a moment after
// the first cancel of it that was accepted, while it is cancelling: the server has taken the
// cancel and not yet said what became of it. Only the first cancel begins the moment: once a
// request has been seen cancelling, it must stay so until it is cancelled (invariant 3).
func unknownAfterCancel(c Clock) rewrite {
	m := newMoments(c)
	return func(a *heldAnswer) {
		switch {
		case a.call == callCancel && a.status/100 == 2:
			m.begin(a.id)
		case a.statusDocument() && a.call == callStatus && m.within(a.id):
			a.editJSON(func(doc *object) {
				if p, _ := doc.get("progress"); p == string(export.Cancelling) {
					doc.set("progress", string(export.Unknown))
				}
			})
		}
	}
}

// createdID is the id of the request a create's answer made, from its Location.
func createdID(a *heldAnswer) (string, bool) {
	location := a.header.Get("Location")
	call, id := export.CallOf(http.MethodGet, location)
	return string(id), call == export.CallStatus && strings.HasPrefix(location, export.Root+"/")
}

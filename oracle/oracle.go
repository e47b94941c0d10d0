// Package oracle is the invariant oracle: it checks every status document the harness sees (each
// poll, not only the last) against the state machine of DESIGN §2 and reports each broken
// invariant with the documents involved and when they were seen.
//
// The oracle keeps one history per asked-for request id. A document is checked on its own
// (invariants 1, 5, 6 and part of 8, see CheckDocument) and against the earlier documents of the
// same id (invariants 2, 3, 4, 7 and the rest of 8, see CheckHistory). Invariants lists what it checks, for people and
// reports; a Breach is one broken invariant, and its Evidence is what a report shows of it.
package oracle

import (
	"bytes"
	"slices"
	"sync"
	"time"

	"github.com/conform-harness/conform/export"
)

// Observation is one status document as the harness saw it.
type Observation struct {
	// Seq orders the documents the harness saw. Observe sets it to the position in the id's
	// history (1-based) when the caller leaves it zero.
	Seq int
	// At is when the document was seen, by the harness's clock (a manual clock in bundled mode).
	At time.Time
	// Source says where the document came from, e.g. "GET /exportStatuses/12345 → 200".
	Source string
	// Doc is the decoded document.
	Doc export.Status
	// Raw is the response body as received; it may be nil. Messages show it instead of Doc when
	// set, so a person sees what was actually on the wire.
	Raw []byte
}

// Oracle checks status documents and remembers them per asked-for request id. Its zero value
// is ready to use; it is safe for concurrent use.
type Oracle struct {
	mu        sync.Mutex                  // guards histories
	histories map[export.ID][]Observation // by asked-for id, in Observe order
}

// New returns an Oracle with no history.
func New() *Oracle {
	return &Oracle{histories: make(map[export.ID][]Observation)}
}

// Observe checks obs against every invariant, given the id that was asked for and the earlier
// observations of that same id, records it and returns the breaches, the cause first: those
// about the request before those about its items, each by invariant number (a request that goes
// cancelling → succeeded comes before what became of its tables); nil when the document is
// fine. A document is recorded even when it breaks an
// invariant, so that later documents are compared with what the target really said. The
// oracle keeps its own deep copy of obs, so the caller may reuse its buffers.
func (o *Oracle) Observe(askedID export.ID, obs Observation) []Breach {
	obs = cloneObservation(obs)

	o.mu.Lock()
	defer o.mu.Unlock()
	if o.histories == nil {
		o.histories = make(map[export.ID][]Observation)
	}
	earlier := o.histories[askedID]
	if obs.Seq == 0 {
		obs.Seq = len(earlier) + 1
	}
	vs := append(CheckDocument(askedID, obs), CheckHistory(earlier, obs)...)
	o.histories[askedID] = append(earlier, obs)
	return causeFirst(vs)
}

// cloneObservation copies obs deeply: the documents the oracle keeps, and the ones its breaches
// hand out, must not change when someone else edits theirs.
func cloneObservation(obs Observation) Observation {
	obs.Raw = bytes.Clone(obs.Raw)
	obs.Doc = cloneStatus(obs.Doc)
	return obs
}

func cloneStatus(s export.Status) export.Status {
	if s.StartTime != nil {
		st := *s.StartTime
		s.StartTime = &st
	}
	s.Links = slices.Clone(s.Links) // keeps nil nil and empty empty, so messages show what was seen
	if s.Result != nil {
		r := *s.Result
		if items := r.Body.Tables.Items; items != nil {
			r.Body.Tables.Items = make([]export.Item, len(items))
			for i, it := range items {
				r.Body.Tables.Items[i] = cloneItem(it)
			}
		}
		s.Result = &r
	}
	return s
}

func cloneItem(it export.Item) export.Item {
	it.TotalResults = cloneInt(it.TotalResults)
	it.Offset = cloneInt(it.Offset)
	it.TotalRecordCount = cloneInt(it.TotalRecordCount)
	it.Parts.Items = slices.Clone(it.Parts.Items)
	return it
}

func cloneInt(p *int64) *int64 {
	if p == nil {
		return nil
	}
	v := *p
	return &v
}

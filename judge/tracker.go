package judge

import (
	"bytes"
	"fmt"
	"sync"

	"github.com/conform-harness/conform/export"
	"github.com/conform-harness/conform/internal/bounded"
	"github.com/conform-harness/conform/oracle"
)

// Tracker is the one history of each export request that some traffic is about: for each, told
// apart by a scope and its id, the oracle that judges its status documents against the earlier
// ones, its last document and what that one broke, and what contract coverage needs of it (the
// last document, for the moves to the next, and oracle.EvidenceHistory). The oracle of a run's
// scenario, conform proxy's and conform audit's (Auditor), and coverage (internal/coverage) all
// take their histories from a Tracker, so that they cannot disagree on what a request did, and
// one bound holds the memory of all of them.
//
// A document that repeats the last one of its request byte for byte has nothing new to show
// the oracle: it breaks what that one broke, and it is not added to the oracle's history again,
// so that a request polled for an hour is as cheap to follow as one polled twice.
//
// Its zero value is ready, judges, and follows every request it sees; NewTracker bounds them.
// It is safe for concurrent use. Documents of one request must come in the order they were
// seen.
type Tracker struct {
	o TrackerOptions

	mu       sync.Mutex // guards requests
	requests *bounded.Table[requestKey, *tracked]
}

// DefaultMaxFollowed is the number of export requests conform proxy follows at once unless told
// otherwise (--max-requests-followed), and its coverage with them: at a few KB each, some tens
// of MB, whatever the length of the session.
const DefaultMaxFollowed = 10_000

// requestKey tells export requests apart: by origin across targets, by scenario in a run.
type requestKey struct {
	origin string
	id     export.ID
}

// tracked is what a Tracker knows of one export request.
type tracked struct {
	oracle   *oracle.Oracle  // nil when the Tracker is Unjudged
	last     []byte          // the body of its last status document
	breaches []oracle.Breach // what that one broke
	doc      *export.Status  // that document, decoded
	evidence oracle.EvidenceHistory
}

// Seen is what the history of its request says of one status document.
type Seen struct {
	// Breaches are the invariants the document breaks, against the earlier documents of its
	// request; those of the document it repeats byte for byte, for a repeat.
	Breaches []oracle.Breach
	// First says that the document begins its request's history: the first seen of it, or the
	// first since the Tracker forgot it to stay within its bound.
	First bool
	// Previous is the request's document before this one; nil when First.
	Previous *export.Status
	// Evidence are the invariants the document gave evidence to check (oracle.Evidence), when
	// the Tracker has a watcher (coverage); nil otherwise.
	Evidence []int
}

// TrackerOptions configure a Tracker; the zero value judges and follows every request.
type TrackerOptions struct {
	// Max bounds the export requests followed at once; 0 means no bound. Beyond it, the Tracker
	// forgets one to make room: a completed one first, the one seen longest ago first, else the
	// one seen longest ago; a later document of that request is judged without its history, as
	// the first of a new one (Seen.First). Followed counts them.
	Max int
	// Watch, when set, is told every document the Tracker observes, with what its history says
	// of it (Seen.Evidence included), in the order of each request's documents: coverage counts
	// them so.
	Watch func(Exchange, Seen)
	// Unjudged leaves the oracle out, for a Tracker that only coverage reads (its traffic judged
	// elsewhere): Seen.Breaches is nil, and no request keeps more than its last document.
	Unjudged bool
}

// NewTracker returns a Tracker configured by o.
func NewTracker(o TrackerOptions) *Tracker {
	return &Tracker{o: o}
}

// Observe follows the status document of ex, if any, in the history of its request, told apart
// by scope (an origin, a scenario) and ex.Asked, and returns what that history says of it. A
// document that names no request (a create whose answer has no id) is one of the request of
// id "" in its scope. An exchange without a status document leaves every history alone and
// returns the zero Seen.
func (t *Tracker) Observe(scope string, ex Exchange) Seen {
	if ex.Doc == nil {
		return Seen{}
	}
	s := t.observe(requestKey{scope, ex.Asked}, ex)
	if t.o.Watch != nil {
		// Outside the lock: the watcher has its own, and may read the Tracker.
		t.o.Watch(ex, s)
	}
	return s
}

// observe is Observe of a status document, under the Tracker's lock.
func (t *Tracker) observe(key requestKey, ex Exchange) Seen {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.requests == nil {
		t.requests = bounded.New[requestKey, *tracked](t.o.Max)
	}
	r, ok := t.requests.Get(key)
	if !ok {
		r = &tracked{}
		if !t.o.Unjudged {
			r.oracle = oracle.New()
		}
		t.requests.Put(key, r)
	}
	s := Seen{First: !ok, Previous: r.doc}
	if r.oracle != nil && (r.last == nil || !bytes.Equal(r.last, ex.RespBody)) {
		r.breaches = r.oracle.Observe(ex.Asked, oracle.Observation{Seq: ex.Seq, At: ex.At,
			Source: fmt.Sprintf("%s %s → %d", ex.Method, ex.URL, ex.Status), Doc: *ex.Doc, Raw: ex.RespBody})
		r.last = bytes.Clone(ex.RespBody)
	}
	s.Breaches = r.breaches
	r.doc = ex.Doc
	if t.o.Watch != nil {
		s.Evidence = r.evidence.Observe(*ex.Doc, ex.Call == export.CallStatus || ex.Call == export.CallCancel)
	}
	if Completed(*ex.Doc) {
		t.requests.Done(key)
	}
	return s
}

// Followed returns how many export requests the tracker follows now, and how many it stopped
// following to stay within its bound.
func (t *Tracker) Followed() (followed, evicted int) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.requests == nil {
		return 0, 0
	}
	return t.requests.Len(), t.requests.Evicted()
}

// Completed reports whether a status document says its request completed, by its flag or its
// progress: such a request is the first a bounded Tracker stops following.
func Completed(d export.Status) bool {
	return d.Completed || d.Progress.Terminal()
}

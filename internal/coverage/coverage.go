// Package coverage measures how much of the contract some traffic exercised, for conform run,
// proxy and audit:
//
//   - which responses the spec declares for the API's three calls were seen (call × status, as
//     the spec keys them: "200", "4XX", "default");
//   - which moves of the state machines of DESIGN §2 (of the request, and of its table items)
//     the status documents showed, from one document of a request to the next;
//   - which of the oracle's invariants had evidence to check (oracle.Evidence).
//
// Coverage judges nothing: a response the spec does not declare, or a move the machine does not
// have, is already a finding of the validator or of the oracle. Coverage lists them apart, so
// that its figures add up, and counts as covered only what the contract declares. A move between
// two documents that the machine makes through states no document showed (pending → succeeded,
// when processing came and went between two polls) is a legitimate move seen with states
// skipped: it is listed apart too, with the states it went through, and covers none of the
// moves it stands for, since none of them was seen.
package coverage

import (
	"maps"
	"slices"
	"strconv"
	"strings"
	"sync"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/conform-harness/conform/export"
	"github.com/conform-harness/conform/judge"
	"github.com/conform-harness/conform/openapi"
	"github.com/conform-harness/conform/oracle"
)

// Collector gathers coverage from exchanges, from any number of goroutines. Create it with New,
// NewBounded or Following. It keeps no history of an export request of its own: what it needs
// of one (its last document, for the moves to the next, and oracle.EvidenceHistory) is the
// request's judge.Tracker's.
type Collector struct {
	ops []operation // the spec's operations of the API's calls, in the order of openapi.APICalls
	// tracker holds the histories of the export requests and feeds the collector each status
	// document (document); own says that Add hands it the exchanges, which it does not when
	// the tracker is shared with the judge of the traffic (Following).
	tracker *judge.Tracker
	own     bool

	mu         sync.Mutex
	exchanges  int
	seen       []map[string]*tally       // per operation, by declared response key
	undeclared []map[int]int             // per operation, by status it does not declare
	unmatched  int                       // answered exchanges that are none of the API's calls
	requests   int                       // histories begun: export requests seen (again, once evicted)
	documents  int                       // status documents seen
	reqMoves   map[export.Transition]int // moves of requests seen, by move
	itemMoves  map[export.Transition]int // moves of items seen, by move
	evidence   map[int]int               // documents that gave each invariant evidence, by number
}

// operation is one call as the spec declares it.
type operation struct {
	openapi.Operation
	responses []string // declared response keys, sorted: "200", "404", "4XX", "default"
}

// tally counts the exchanges answered with one declared response, and the statuses that were.
type tally struct {
	count int
	codes map[int]bool
}

// New returns a Collector of the responses spec declares for the API's calls (openapi.Calls);
// spec should be the effective spec the exchanges were judged against. A nil spec declares none.
func New(spec *openapi3.T) *Collector {
	return NewBounded(spec, 0)
}

// NewBounded is New for a collector that remembers at most max export requests at once (max < 1:
// no bound), in a judge.Tracker of its own that judges nothing (its traffic is judged
// elsewhere), with the Tracker's choice: a completed request is forgotten first, the one seen
// longest ago first, else the one seen longest ago. A later document of a forgotten request
// begins its history again: the move to it is not counted, and the request is counted again in
// Report.Requests. Followed says how many were forgotten. To keep one bounded set of requests
// for the oracle and for coverage, share one Tracker instead (Following).
func NewBounded(spec *openapi3.T, max int) *Collector {
	c := newCollector(spec)
	c.tracker, c.own = judge.NewTracker(judge.TrackerOptions{Max: max, Watch: c.document, Unjudged: true}), true
	return c
}

// Following returns a collector of the responses spec declares (see New) and a judge.Tracker
// that follows at most max export requests at once (max < 1: no bound), for the judge of the
// traffic to follow them in (judge.NewTrackingAuditor): the Tracker tells the collector each
// status document as it follows it, and the collector keeps nothing of a request besides. One
// history and one bound then hold both the oracle's memory and coverage's: they forget the same
// requests. Add counts an exchange's response; its status document counts once the Tracker has
// observed it.
func Following(spec *openapi3.T, max int) (*Collector, *judge.Tracker) {
	c := newCollector(spec)
	c.tracker = judge.NewTracker(judge.TrackerOptions{Max: max, Watch: c.document})
	return c, c.tracker
}

// newCollector returns a collector of the responses spec declares, without a tracker.
func newCollector(spec *openapi3.T) *Collector {
	c := &Collector{reqMoves: map[export.Transition]int{}, itemMoves: map[export.Transition]int{}, evidence: map[int]int{}}
	if spec == nil {
		return c
	}
	calls := openapi.Calls(spec)
	for _, call := range openapi.APICalls() {
		op, ok := calls[call]
		if !ok {
			continue
		}
		var keys []string
		if item := spec.Paths.Find(op.Path); item != nil {
			if o := item.GetOperation(op.Method); o != nil && o.Responses != nil {
				for key := range o.Responses.Map() {
					keys = append(keys, key)
				}
			}
		}
		slices.SortFunc(keys, compareKeys)
		c.ops = append(c.ops, operation{Operation: op, responses: keys})
		c.seen = append(c.seen, map[string]*tally{})
		c.undeclared = append(c.undeclared, map[int]int{})
	}
	return c
}

// compareKeys orders response keys: exact statuses, then ranges, then default.
func compareKeys(a, b string) int {
	rank := func(k string) int {
		switch {
		case k == "default":
			return 2
		case strings.HasSuffix(strings.ToUpper(k), "XX"):
			return 1
		}
		return 0
	}
	if ra, rb := rank(a), rank(b); ra != rb {
		return ra - rb
	}
	return strings.Compare(a, b)
}

// Add counts one exchange, judged (judge.Judge or a run's recording transport). scope keeps
// export requests apart whose ids may repeat (a scenario of a bundled run); a proxy or an audit
// of one target passes "". Exchanges of one request must be added in the order they were seen.
// A collector Following a shared Tracker counts the exchange's response only: its document
// comes from the Tracker, and scope is the Tracker's user's.
func (c *Collector) Add(scope string, ex judge.Exchange) {
	c.mu.Lock()
	c.exchanges++
	if ex.Status != 0 {
		c.countResponse(ex.Call, ex.Status)
	}
	c.mu.Unlock()
	if c.own && ex.Asked != "" {
		c.tracker.Observe(scope, ex) // which tells document
	}
}

// document counts one status document of an export request with what its history says of it
// (the Tracker's watcher).
func (c *Collector) document(ex judge.Exchange, s judge.Seen) {
	if ex.Asked == "" {
		return // a document of no request has no history to move in
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if s.First {
		c.requests++
	}
	c.documents++
	for _, n := range s.Evidence {
		c.evidence[n]++
	}
	if s.Previous != nil {
		moves(*s.Previous, *ex.Doc, c.reqMoves, c.itemMoves)
	}
}

// Followed returns how many export requests the collector remembers now, and how many it forgot
// to stay within its bound: its Tracker's (NewBounded, Following).
func (c *Collector) Followed() (followed, evicted int) { return c.tracker.Followed() }

// countResponse counts status against what the spec declares for call.
func (c *Collector) countResponse(call export.Call, status int) {
	i := slices.IndexFunc(c.ops, func(op operation) bool { return op.Call == call })
	if i < 0 {
		c.unmatched++
		return
	}
	key, ok := responseKey(c.ops[i].responses, status)
	if !ok {
		c.undeclared[i][status]++
		return
	}
	t := c.seen[i][key]
	if t == nil {
		t = &tally{codes: map[int]bool{}}
		c.seen[i][key] = t
	}
	t.count++
	t.codes[status] = true
}

// responseKey returns the declared response that answers status, as OpenAPI picks it: the exact
// status, else its range ("4XX"), else "default".
func responseKey(declared []string, status int) (string, bool) {
	exact := strconv.Itoa(status)
	rng := strconv.Itoa(status/100) + "XX"
	for _, want := range []string{exact, rng, "default"} {
		for _, k := range declared {
			if strings.EqualFold(k, want) {
				return k, true
			}
		}
	}
	return "", false
}

// Report is the coverage of the exchanges added so far. Its JSON form is what --coverage writes.
type Report struct {
	Exchanges int `json:"exchanges"`
	// Documents is how many status documents were seen, of Requests export requests.
	Documents int `json:"documents"`
	Requests  int `json:"requests"`
	// Responses covers the declared responses of the API's calls.
	Responses Responses `json:"responses"`
	// RequestTransitions and ItemTransitions are the moves of the two state machines, each with
	// how often a document showed it. Skipped are moves seen from one document to the next that
	// the machine makes only through states no document showed, each with those states
	// (Through): legitimate, but they cover none of the machine's moves. Unmodelled are moves
	// seen that the machine cannot make at all, directly or through other states: each is a
	// breach the oracle reported.
	RequestTransitions []Transition `json:"requestTransitions"`
	ItemTransitions    []Transition `json:"itemTransitions"`
	Skipped            []Transition `json:"skippedTransitions"`
	Unmodelled         []Transition `json:"unmodelledTransitions"`
	// Invariants lists every invariant the oracle checks, with how many documents gave evidence.
	Invariants []Invariant `json:"invariants"`
}

// Responses is the coverage of the declared responses.
type Responses struct {
	Declared int `json:"declared"`
	Seen     int `json:"seen"`
	// Share is Seen/Declared, from 0 to 1; 1 when nothing is declared.
	Share      float64     `json:"share"`
	Operations []Operation `json:"operations"`
	// Unmatched counts answered exchanges that were none of the API's calls.
	Unmatched int `json:"unmatched"`
}

// Operation is one call of the API as the spec declares it, and what of it was seen.
type Operation struct {
	Call        string     `json:"call"` // "create", "status" or "cancel"
	Method      string     `json:"method"`
	Path        string     `json:"path"`
	OperationID string     `json:"operationId,omitempty"`
	Responses   []Response `json:"responses"`
	// Undeclared are statuses answered that the operation does not declare (violations).
	Undeclared []Response `json:"undeclared,omitempty"`
}

// Response is one declared response (or undeclared status) and how often it was seen.
type Response struct {
	Status string `json:"status"` // as the spec keys it: "200", "4XX", "default"
	Seen   int    `json:"seen"`
	// Codes are the statuses seen under a range or default.
	Codes []int `json:"codes,omitempty"`
}

// Transition is one move of a state machine and how many times a document showed it.
type Transition struct {
	Of   string          `json:"of,omitempty"` // for skipped and unmodelled moves: "request" or "item"
	From export.Progress `json:"from"`
	To   export.Progress `json:"to"`
	// Through are the states, in order, that a skipped move went through unseen: the machine's
	// shortest way from From to To. Empty for any other move.
	Through []export.Progress `json:"through,omitempty"`
	Seen    int               `json:"seen"`
}

// Invariant is one invariant and how many documents gave evidence to check it.
type Invariant struct {
	Number    int    `json:"number"`
	Name      string `json:"name"`
	Documents int    `json:"documents"`
}

// Report returns the coverage of what was added so far.
func (c *Collector) Report() Report {
	c.mu.Lock()
	defer c.mu.Unlock()
	r := Report{Exchanges: c.exchanges, Requests: c.requests}

	r.Responses.Unmatched = c.unmatched
	for i, op := range c.ops {
		o := Operation{Call: op.Call.String(), Method: op.Method, Path: op.Path, OperationID: op.OperationID}
		for _, key := range op.responses {
			resp := Response{Status: key}
			if t := c.seen[i][key]; t != nil {
				resp.Seen = t.count
				if len(t.codes) > 1 || !t.codes[atoi(key)] {
					resp.Codes = slices.Sorted(maps.Keys(t.codes)) // a range's or default's
				}
				r.Responses.Seen++
			}
			r.Responses.Declared++
			o.Responses = append(o.Responses, resp)
		}
		for _, code := range slices.Sorted(maps.Keys(c.undeclared[i])) {
			o.Undeclared = append(o.Undeclared, Response{Status: strconv.Itoa(code), Seen: c.undeclared[i][code]})
		}
		r.Responses.Operations = append(r.Responses.Operations, o)
	}
	r.Responses.Share = 1
	if r.Responses.Declared > 0 {
		r.Responses.Share = float64(r.Responses.Seen) / float64(r.Responses.Declared)
	}

	r.Documents = c.documents
	reqMoves, itemMoves, evidence := c.reqMoves, c.itemMoves, c.evidence
	r.RequestTransitions = transitions(export.RequestTransitions(), reqMoves, "request", &r.Skipped, &r.Unmodelled)
	r.ItemTransitions = transitions(export.ItemTransitions(), itemMoves, "item", &r.Skipped, &r.Unmodelled)
	for _, inv := range oracle.Invariants() {
		r.Invariants = append(r.Invariants, Invariant{Number: inv.Number, Name: inv.Name, Documents: evidence[inv.Number]})
	}
	return r
}

// moves counts the moves from one document of a request to the next: of the request's
// progress, and of each item's, matched as the oracle matches them (oracle.ItemKey).
func moves(prev, cur export.Status, reqMoves, itemMoves map[export.Transition]int) {
	if prev.Progress != cur.Progress {
		reqMoves[export.Transition{From: prev.Progress, To: cur.Progress}]++
	}
	before := map[string]export.Progress{}
	for i, it := range prev.Items() {
		before[oracle.ItemKey(it, i)] = it.Progress
	}
	for i, it := range cur.Items() {
		if from, ok := before[oracle.ItemKey(it, i)]; ok && from != it.Progress {
			itemMoves[export.Transition{From: from, To: it.Progress}]++
		}
	}
}

// transitions lists the machine's moves with how often each was seen. The moves seen that the
// machine does not have, of what ("request", "item"), it appends to skipped when the machine makes
// them through other states, with those states, and to unmodelled when it cannot make them at
// all.
func transitions(machine []export.Transition, seen map[export.Transition]int, of string, skipped, unmodelled *[]Transition) []Transition {
	out := make([]Transition, 0, len(machine))
	for _, m := range machine {
		out = append(out, Transition{From: m.From, To: m.To, Seen: seen[m]})
	}
	var skips, impossible []Transition
	for m, n := range seen {
		if slices.Contains(machine, m) {
			continue
		}
		if states, ok := through(machine, m.From, m.To); ok {
			skips = append(skips, Transition{Of: of, From: m.From, To: m.To, Through: states, Seen: n})
		} else {
			impossible = append(impossible, Transition{Of: of, From: m.From, To: m.To, Seen: n})
		}
	}
	for _, ts := range [][]Transition{skips, impossible} {
		slices.SortFunc(ts, func(a, b Transition) int {
			if c := strings.Compare(string(a.From), string(b.From)); c != 0 {
				return c
			}
			return strings.Compare(string(a.To), string(b.To))
		})
	}
	*skipped = append(*skipped, skips...)
	*unmodelled = append(*unmodelled, impossible...)
	return out
}

// through returns the states the machine passes on its shortest way from one progress to
// another, in order (the first such way in the machine's order when there are several), and
// whether there is a way at all. A move the machine has directly passes through none.
func through(machine []export.Transition, from, to export.Progress) ([]export.Progress, bool) {
	cameFrom := map[export.Progress]export.Progress{}
	queue := []export.Progress{from}
	for len(queue) > 0 {
		at := queue[0]
		queue = queue[1:]
		for _, m := range machine {
			if _, known := cameFrom[m.To]; m.From != at || known || m.To == from {
				continue
			}
			cameFrom[m.To] = at
			if m.To == to {
				var states []export.Progress
				for p := at; p != from; p = cameFrom[p] {
					states = append(states, p)
				}
				slices.Reverse(states)
				return states, true
			}
			queue = append(queue, m.To)
		}
	}
	return nil, false
}

// atoi is the status a response key names, or 0 for a range or default.
func atoi(key string) int {
	n, _ := strconv.Atoi(key)
	return n
}

// Covered reports whether the share of declared responses seen is at least min (0 to 1).
func (r Report) Covered(min float64) bool { return r.Responses.Share+1e-9 >= min }

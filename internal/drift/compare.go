package drift

import (
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"
)

// Kind is a kind of drift, by which --fail-on chooses what fails.
type Kind string

// The kinds of drift.
const (
	// KindContract is a violation of the spec or a breach of an invariant that CURRENT shows
	// and BASELINE did not (a status the spec does not declare among them): what the contract
	// forbids. One that BASELINE showed and CURRENT no longer does is reported as this kind
	// too, and never fails.
	KindContract Kind = "contract"
	// KindDeadline is a timing whose p95 moved past half the contract's deadline for it.
	KindDeadline Kind = "deadline"
	KindStatus   Kind = "status"     // a status a call answered appeared or disappeared
	KindField    Kind = "field"      // a field of a document appeared or disappeared
	KindForm     Kind = "form"       // a field is written in another form (a JSON kind, a date form)
	KindMedia    Kind = "media-type" // a media type a call answered with appeared or disappeared
	KindHeader   Kind = "header"     // a response header (its name) appeared or disappeared
	KindProgress Kind = "progress"   // a progress path requests took appeared or disappeared
	KindError    Kind = "error"      // the wording or code of an error document changed
	KindTiming   Kind = "timing"     // a timing's p50 or p95 moved by more than TimingTolerance
)

// Kinds lists every kind, in the order reports show them.
func Kinds() []Kind {
	return []Kind{KindContract, KindDeadline, KindStatus, KindField, KindForm, KindMedia, KindHeader, KindProgress, KindError, KindTiming}
}

// DefaultFailOn are the kinds that fail conform diff unless --fail-on says otherwise: what the
// contract forbids, and a timing that moved past half a deadline.
func DefaultFailOn() []Kind { return []Kind{KindContract, KindDeadline} }

// TimingTolerance is how far a timing's p50 or p95 may move, as a fraction of BASELINE's,
// before it is drift (KindTiming); a move of less than minTimingMove never is.
const TimingTolerance = 0.25

const minTimingMove = 100 * time.Millisecond

// Drift is one change between the recordings.
type Drift struct {
	Kind Kind `json:"kind"`
	// Change is "appeared", "disappeared" or "changed"; for KindContract "new" or "gone".
	Change string `json:"change"`
	// Subject is what changed: a status, a field's path (with its document kind), a media
	// type, a header's name, a progress path, an error text, a violation.
	Subject string `json:"subject"`
	// Before and After say what each recording showed: a count ("×12"), forms.
	Before string `json:"before,omitempty"`
	After  string `json:"after,omitempty"`
}

// Group is the drift of one call (create, status, cancel), or of the requests' progress paths.
type Group struct {
	Name   string  `json:"name"`
	Call   string  `json:"call,omitempty"` // the call's method and path
	Drifts []Drift `json:"drifts"`
}

// Timing is one timing in both recordings.
type Timing struct {
	Name     string        `json:"name"`
	Deadline time.Duration `json:"-"`
	// DeadlineText is the contract's deadline and its key, e.g. "30s (contract.cancel_settles_within)".
	DeadlineText string `json:"deadline"`
	Before       Stats  `json:"before"`
	After        Stats  `json:"after"`
	// Drift is KindDeadline, KindTiming or "" for a timing that did not move.
	Drift Kind `json:"drift,omitempty"`
}

// Stats are the percentiles of one timing in one recording; N is 0 when it had no sample.
type Stats struct {
	N   int           `json:"n"`
	P50 time.Duration `json:"-"`
	P95 time.Duration `json:"-"`
	// P50ms and P95ms are the percentiles in milliseconds, for JSON.
	P50ms float64 `json:"p50_ms"`
	P95ms float64 `json:"p95_ms"`
}

// Side sums up one recording for a report.
type Side struct {
	File      string `json:"file"`
	Exchanges int    `json:"exchanges"`
	// Requests counts the export requests that showed a status document.
	Requests int `json:"requests"`
	// Bounded says what a bound left out, "" when nothing was.
	Bounded string `json:"bounded,omitempty"`
}

// Report is the drift between two recordings.
type Report struct {
	Baseline Side     `json:"baseline"`
	Current  Side     `json:"current"`
	Groups   []Group  `json:"groups"`
	Timings  []Timing `json:"timings"`
	// FailOn are the kinds that fail; Failing the drifts of those kinds found.
	FailOn  []Kind `json:"fail_on"`
	Failing int    `json:"failing"`
}

// Deadlines are the contract's deadlines the timings are held to (steps.Contract).
type Deadlines struct {
	CancelSettlesWithin  time.Duration
	ExportFinishesWithin time.Duration
}

// Compare returns the drift from baseline to current. failOn chooses the kinds counted in
// Report.Failing (DefaultFailOn when nil).
func Compare(baseline, current *Profile, deadlines Deadlines, failOn []Kind) Report {
	if failOn == nil {
		failOn = DefaultFailOn()
	}
	r := Report{Baseline: side(baseline), Current: side(current), FailOn: failOn}
	for _, c := range calls {
		b, cu := baseline.calls[c], current.calls[c]
		g := Group{Name: c.String(), Call: callPath[c.String()]}
		g.Drifts = append(g.Drifts, contractDrift(b.problems, cu.problems)...)
		g.Drifts = append(g.Drifts, setDrift(KindStatus, b.statuses, cu.statuses, nil)...)
		g.Drifts = append(g.Drifts, fieldDrift(b, cu)...)
		g.Drifts = append(g.Drifts, setDrift(KindMedia, b.mediaTypes, cu.mediaTypes, nil)...)
		g.Drifts = append(g.Drifts, setDrift(KindHeader, b.headers, cu.headers, nil)...)
		g.Drifts = append(g.Drifts, setDrift(KindError, b.errors, cu.errors, nil)...)
		r.Groups = append(r.Groups, g)
	}
	r.Groups = append(r.Groups, Group{Name: "requests", Drifts: setDrift(KindProgress, baseline.paths(), current.paths(), nil)})
	r.Timings = []Timing{
		timing("cancel settle time", "accepted cancel → first cancelled status", baseline.settle, current.settle,
			deadlines.CancelSettlesWithin, "contract.cancel_settles_within"),
		timing("export finish time", "create → final status, of exports not cancelled", baseline.finish, current.finish,
			deadlines.ExportFinishesWithin, "contract.export_finishes_within"),
	}
	for _, g := range r.Groups {
		for _, d := range g.Drifts {
			if d.fails(failOn) {
				r.Failing++
			}
		}
	}
	for _, t := range r.Timings {
		if t.Drift != "" && slices.Contains(failOn, t.Drift) {
			r.Failing++
		}
	}
	return r
}

// callPath is each call's method and path, as reports head its group.
var callPath = map[string]string{
	"create": "POST /exportRequests",
	"status": "GET /exportStatuses/{requestID}",
	"cancel": "POST /custom-actions/cancel/exportRequests/{requestID}",
}

// fails reports whether d is drift of a kind in failOn; a violation gone never fails.
func (d Drift) fails(failOn []Kind) bool {
	if d.Kind == KindContract && d.Change != "new" {
		return false
	}
	return slices.Contains(failOn, d.Kind)
}

// Fails reports whether d is drift of a kind the report fails on.
func (r Report) Fails(d Drift) bool { return d.fails(r.FailOn) }

// Count returns the number of drifts in the report, timings included.
func (r Report) Count() int {
	n := 0
	for _, g := range r.Groups {
		n += len(g.Drifts)
	}
	for _, t := range r.Timings {
		if t.Drift != "" {
			n++
		}
	}
	return n
}

func side(p *Profile) Side {
	s := Side{File: p.Name, Exchanges: p.Exchanges - p.Outside}
	for _, lc := range p.requests {
		if len(lc.path) > 0 {
			s.Requests++ // an id that only ever answered 404 names no request
		}
	}
	var bounded []string
	lostPaths, lostValues := 0, 0
	for _, c := range p.calls {
		lostPaths += c.lostPaths
		lostValues += c.statuses.lost + c.mediaTypes.lost + c.headers.lost + c.errors.lost + c.problems.lost
		for _, fields := range c.fields {
			for _, f := range fields {
				lostValues += f.lost
			}
		}
	}
	if lostPaths > 0 {
		bounded = append(bounded, fmt.Sprintf("%d field path(s) over %d per call", lostPaths, MaxPaths))
	}
	if lostValues > 0 {
		bounded = append(bounded, fmt.Sprintf("%d value(s) over %d per call", lostValues, MaxValues))
	}
	if p.dropped > 0 {
		bounded = append(bounded, fmt.Sprintf("%d exchange(s) of requests over %d not followed", p.dropped, MaxRequests))
	}
	if n := p.settle.lost + p.finish.lost; n > 0 {
		bounded = append(bounded, fmt.Sprintf("%d timing(s) over %d", n, MaxSamples))
	}
	s.Bounded = strings.Join(bounded, "; ")
	return s
}

// contractDrift lists the violations CURRENT shows and BASELINE did not ("new"), and those
// BASELINE showed and CURRENT no longer does ("gone").
func contractDrift(before, after counter) []Drift {
	var out []Drift
	for _, d := range setDrift(KindContract, before, after, nil) {
		d.Change = map[string]string{"appeared": "new", "disappeared": "gone"}[d.Change]
		out = append(out, d)
	}
	return out
}

// setDrift lists the values one counter has and the other has not, those that appeared first,
// each in order.
func setDrift(kind Kind, before, after counter, subject func(string) string) []Drift {
	if subject == nil {
		subject = func(s string) string { return s }
	}
	var out []Drift
	for _, v := range sortedKeys(after.n) {
		if _, ok := before.n[v]; !ok {
			out = append(out, Drift{Kind: kind, Change: "appeared", Subject: subject(v), Before: "—", After: times(after.n[v])})
		}
	}
	for _, v := range sortedKeys(before.n) {
		if _, ok := after.n[v]; !ok {
			out = append(out, Drift{Kind: kind, Change: "disappeared", Subject: subject(v), Before: times(before.n[v]), After: "—"})
		}
	}
	return out
}

// fieldDrift lists, for each kind of document a call answered with, the fields that appeared
// or disappeared and those whose forms changed. A kind of document one recording does not have
// at all is one drift, not one per field.
func fieldDrift(before, after *callProfile) []Drift {
	var out []Drift
	for _, kind := range []string{statusDocument, errorDocument} {
		nb, na := before.docs[kind], after.docs[kind]
		switch {
		case nb == 0 && na == 0:
			continue
		case nb == 0:
			out = append(out, Drift{Kind: KindField, Change: "appeared", Subject: "a " + kind, Before: "—", After: times(na)})
			continue
		case na == 0:
			out = append(out, Drift{Kind: KindField, Change: "disappeared", Subject: "every " + kind, Before: times(nb), After: "—"})
			continue
		}
		fb, fa := before.fields[kind], after.fields[kind]
		for _, path := range sortedKeys(fa) {
			if _, ok := fb[path]; !ok && !under(path, fa, fb) {
				out = append(out, Drift{Kind: KindField, Change: "appeared", Subject: kind + " " + path, Before: "—", After: forms(fa[path])})
			}
		}
		for _, path := range sortedKeys(fb) {
			if _, ok := fa[path]; !ok && !under(path, fb, fa) {
				out = append(out, Drift{Kind: KindField, Change: "disappeared", Subject: kind + " " + path, Before: forms(fb[path]), After: "—"})
			}
		}
		for _, path := range sortedKeys(fa) {
			b, ok := fb[path]
			if !ok {
				continue
			}
			if !slices.Equal(sortedKeys(b.n), sortedKeys(fa[path].n)) {
				out = append(out, Drift{Kind: KindForm, Change: "changed", Subject: kind + " " + path, Before: forms(b), After: forms(fa[path])})
			}
		}
	}
	return out
}

// under reports whether path is inside a field that has it and that the other recording does
// not have either: that field's own drift says it, not each of its children.
func under(path string, has, other map[string]counter) bool {
	for parent := path; ; {
		i := strings.LastIndex(parent, "/")
		if i <= 0 {
			return false
		}
		parent = parent[:i]
		if _, ok := other[parent]; !ok {
			if _, ok := has[parent]; ok {
				return true
			}
		}
	}
}

// forms writes the forms a field was seen in: "number", "string | null".
func forms(c counter) string {
	return strings.Join(sortedKeys(c.n), " | ")
}

func times(n int) string { return fmt.Sprintf("×%d", n) }

func sortedKeys[V any](m map[string]V) []string {
	return slices.Sorted(maps.Keys(m))
}

// timing compares one timing's samples, and says whether it moved past half its deadline or
// by more than TimingTolerance.
func timing(name, what string, before, after samples, deadline time.Duration, key string) Timing {
	t := Timing{Name: name + " (" + what + ")", Deadline: deadline, Before: stats(before.d), After: stats(after.d)}
	if deadline > 0 {
		t.DeadlineText = deadline.String() + " (" + key + ")"
	}
	moved := func(b, a time.Duration) bool {
		diff := a - b
		if diff < 0 {
			diff = -diff
		}
		return diff >= minTimingMove && float64(diff) > TimingTolerance*float64(b)
	}
	switch {
	case t.After.N == 0 || (t.Before.N == 0 && deadline <= 0):
	case deadline > 0 && t.After.P95 > deadline/2 && (t.Before.N == 0 || t.Before.P95 <= deadline/2):
		t.Drift = KindDeadline
	case t.Before.N > 0 && (moved(t.Before.P50, t.After.P50) || moved(t.Before.P95, t.After.P95)):
		t.Drift = KindTiming
	}
	return t
}

// stats returns the nearest-rank p50 and p95 of d.
func stats(d []time.Duration) Stats {
	if len(d) == 0 {
		return Stats{}
	}
	s := slices.Clone(d)
	slices.Sort(s)
	rank := func(p float64) time.Duration {
		i := int(p*float64(len(s))+0.999999) - 1
		return s[min(max(i, 0), len(s)-1)]
	}
	st := Stats{N: len(s), P50: rank(0.50), P95: rank(0.95)}
	st.P50ms = float64(st.P50) / float64(time.Millisecond)
	st.P95ms = float64(st.P95) / float64(time.Millisecond)
	return st
}

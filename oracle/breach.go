package oracle

import (
	"bytes"
	"encoding/json"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/conform-harness/conform/export"
	"github.com/conform-harness/conform/internal/evidence"
)

// Breach is one broken invariant: a status document that broke it, and the earlier one it
// broke it against. (The spec's violations are openapi.Violation; a report's view of a Breach is
// evidence.Breach, see Evidence.)
type Breach struct {
	// Invariant is the invariant's number, as in DESIGN §2 and Invariants.
	Invariant int
	// Name is the invariant's short name, e.g. "completed-is-final".
	Name string
	// Message says concretely what is wrong: which field, which item, old → new value.
	Message string
	// Item names the item the breach is about, as ItemKey names it; "" when it is about the
	// request itself (its progress, completed flag or id, or, for invariant 2, the request as a
	// whole). Breaches about the request come first: see Observe.
	Item string
	// Previous is the earlier document involved; nil for the single-document invariants 1, 5, 6.
	Previous *Observation
	// Current is the document that broke the invariant.
	Current Observation
}

// Error returns a multi-line description: the invariant and message on the first line, then
// the earlier document (if any) and the current one, each with its source, when it was seen
// and its body (the raw response when recorded, else the decoded document as compact JSON).
func (v Breach) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "invariant %d (%s) violated: %s", v.Invariant, v.Name, v.Message)
	if v.Previous != nil {
		writeObservation(&b, "previous", *v.Previous)
	}
	writeObservation(&b, "current", v.Current)
	return b.String()
}

// Evidence returns b as a report shows it (the media type evidence.BreachMediaType): request
// is the id that was asked for, which the documents are about. Each document's body is the raw
// response when it was kept, else the decoded document, pretty-printed when it is JSON and cut
// as evidence.ShowBody cuts; a raw body that is not UTF-8 is shown quoted. Previous is nil for
// the single-document invariants.
func (v Breach) Evidence(request export.ID) evidence.Breach {
	out := evidence.Breach{
		Invariant: v.Invariant,
		Name:      v.Name,
		Request:   string(request),
		Message:   v.Message,
		Current:   sighting(v.Current),
	}
	if v.Previous != nil {
		prev := sighting(*v.Previous)
		out.Previous = &prev
	}
	return out
}

func sighting(obs Observation) evidence.Sighting {
	raw := obs.Raw
	switch {
	case raw == nil:
		j, err := json.Marshal(obs.Doc)
		if err != nil {
			j = []byte(fmt.Sprintf("%+v", obs.Doc))
		}
		raw = j
	case !utf8.Valid(raw):
		raw = []byte(strconv.Quote(string(raw)) + " (not UTF-8)")
	}
	shown, _ := evidence.ShowBody(raw)
	return evidence.Sighting{Seq: obs.Seq, At: obs.At, Source: obs.Source, Body: shown}
}

func writeObservation(b *strings.Builder, role string, obs Observation) {
	source := obs.Source
	if source == "" {
		source = "source not recorded"
	}
	at := "time not recorded"
	if !obs.At.IsZero() {
		at = obs.At.Format(time.RFC3339Nano)
	}
	fmt.Fprintf(b, "\n%s document #%d, %s, seen %s:\n  %s", role, obs.Seq, source, at, body(obs))
}

// body renders what a person needs to see of the document: the bytes that came over the wire
// when the caller kept them (compacted if they are JSON, quoted if not), else the decoded
// document re-encoded.
func body(obs Observation) string {
	if obs.Raw != nil {
		var c bytes.Buffer
		if err := json.Compact(&c, obs.Raw); err == nil {
			return c.String()
		}
		return fmt.Sprintf("%q (not JSON)", obs.Raw)
	}
	j, err := json.Marshal(obs.Doc)
	if err != nil {
		return fmt.Sprintf("%+v", obs.Doc)
	}
	return string(j)
}

// newBreach builds a breach around documents the caller already copied: the breaches of one
// check share one copy of each document, so a document with many broken items costs one copy,
// not one per breach.
// item is the breach's Item: "" for one about the request.
func newBreach(n int, item string, cur Observation, prev *Observation, format string, args ...any) Breach {
	return Breach{
		Invariant: n,
		Name:      InvariantName(n),
		Message:   fmt.Sprintf(format, args...),
		Item:      item,
		Previous:  prev,
		Current:   cur,
	}
}

// causeFirst orders the breaches of one document, the cause first: those about the request
// before those about its items (a request that leaves cancelling for succeeded explains why its
// tables ended succeeded, not the other way round), each group by invariant number, keeping the
// order within one invariant. An empty list becomes nil. It is the one place that orders
// breaches: everything that shows them (step errors, the proxy's and the audit's lines, the
// reports' attachments) shows them in the order Observe returns.
func causeFirst(vs []Breach) []Breach {
	if len(vs) == 0 {
		return nil
	}
	sort.SliceStable(vs, func(i, j int) bool {
		if ri, rj := vs[i].Item == "", vs[j].Item == ""; ri != rj {
			return ri
		}
		return vs[i].Invariant < vs[j].Invariant
	})
	return vs
}

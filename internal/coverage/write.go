package coverage

import (
	"encoding/json"
	"fmt"
	"io"
	"math"
	"strings"

	"github.com/conform-harness/conform/export"
)

// Percent says a share (0 to 1) as a whole percentage, rounded down, so that 99.9% never
// shows as 100%.
func Percent(share float64) string {
	return fmt.Sprintf("%d%%", int(math.Floor(share*100+1e-9)))
}

// Headline says the coverage in one line, e.g. "7 of 12 declared responses seen (58%), 4 of 6
// request moves, 3 of 5 item moves, 6 of 8 invariants had evidence".
func (r Report) Headline() string {
	return fmt.Sprintf("%d of %d declared responses seen (%s), %d of %d request moves, %d of %d item moves, %d of %d invariants had evidence",
		r.Responses.Seen, r.Responses.Declared, Percent(r.Responses.Share),
		seenMoves(r.RequestTransitions), len(r.RequestTransitions),
		seenMoves(r.ItemTransitions), len(r.ItemTransitions),
		withEvidence(r.Invariants), len(r.Invariants))
}

func seenMoves(ts []Transition) int { return count(ts, func(t Transition) bool { return t.Seen > 0 }) }

func withEvidence(invs []Invariant) int {
	return count(invs, func(inv Invariant) bool { return inv.Documents > 0 })
}

func count[T any](xs []T, ok func(T) bool) int {
	n := 0
	for _, x := range xs {
		if ok(x) {
			n++
		}
	}
	return n
}

// WriteText writes the coverage for the console: the headline, then per call the declared
// responses (✓ seen, with a count; · not seen), the moves not covered, the moves seen with states
// skipped (legitimate, and apart from the moves the machine does not have) and the invariants not
// covered.
func (r Report) WriteText(w io.Writer) error {
	var b strings.Builder
	fmt.Fprintf(&b, "Contract coverage: %s\n", r.Headline())
	width := 0
	for _, op := range r.Responses.Operations {
		width = max(width, len(op.Method)+1+len(op.Path))
	}
	for _, op := range r.Responses.Operations {
		fmt.Fprintf(&b, "  %-6s %-*s ", op.Call, width, op.Method+" "+op.Path)
		for _, resp := range op.Responses {
			if resp.Seen > 0 {
				fmt.Fprintf(&b, " %s ✓%d", resp.Status, resp.Seen)
			} else {
				fmt.Fprintf(&b, " %s ·", resp.Status)
			}
		}
		for _, resp := range op.Undeclared {
			fmt.Fprintf(&b, "  (undeclared %s ×%d)", resp.Status, resp.Seen)
		}
		b.WriteString("\n")
	}
	if r.Responses.Unmatched > 0 {
		fmt.Fprintf(&b, "  %d answer(s) to calls that are none of the API's three\n", r.Responses.Unmatched)
	}
	writeMoves(&b, "request moves", r.RequestTransitions)
	writeMoves(&b, "item moves", r.ItemTransitions)
	if len(r.Skipped) > 0 {
		var parts []string
		for _, t := range r.Skipped {
			parts = append(parts, fmt.Sprintf("%s %s→%s (through %s, not seen) ×%d", t.Of, t.From, t.To, joinStates(t.Through), t.Seen))
		}
		fmt.Fprintf(&b, "  moves seen with states skipped between two documents: %s\n", strings.Join(parts, ", "))
	}
	if len(r.Unmodelled) > 0 {
		var parts []string
		for _, t := range r.Unmodelled {
			parts = append(parts, fmt.Sprintf("%s %s→%s ×%d", t.Of, t.From, t.To, t.Seen))
		}
		fmt.Fprintf(&b, "  moves the machine does not have: %s\n", strings.Join(parts, ", "))
	}
	var none []string
	for _, inv := range r.Invariants {
		if inv.Documents == 0 {
			none = append(none, fmt.Sprintf("%d %s", inv.Number, inv.Name))
		}
	}
	if len(none) > 0 {
		fmt.Fprintf(&b, "  invariants with no evidence to check: %s\n", strings.Join(none, ", "))
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// joinStates says the states a skipped move went through, e.g. "cancelling" or "a → b".
func joinStates(states []export.Progress) string {
	names := make([]string, len(states))
	for i, p := range states {
		names[i] = string(p)
	}
	return strings.Join(names, " → ")
}

func writeMoves(b *strings.Builder, what string, ts []Transition) {
	var not []string
	for _, t := range ts {
		if t.Seen == 0 {
			not = append(not, fmt.Sprintf("%s→%s", t.From, t.To))
		}
	}
	if len(not) > 0 {
		fmt.Fprintf(b, "  %s not seen: %s\n", what, strings.Join(not, ", "))
	}
}

// WriteJSON writes the report as an indented JSON document.
func (r Report) WriteJSON(w io.Writer) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(r)
}

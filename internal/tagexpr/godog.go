package tagexpr

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"unicode"
)

// MaxGodogTerms bounds the number of ","-separated terms Godog will produce.
// Distributing "and" over "or" can grow an expression exponentially.
const MaxGodogTerms = 256

// maxWorkTerms bounds the terms one distribution step may hold before
// duplicates and subsumed terms are removed, which bounds memory and time.
const maxWorkTerms = 16 * MaxGodogTerms

// Godog returns the equivalent filter in godog's Behat syntax, for
// godog.Options.Tags: a disjunctive normal form such as "@a && ~@b,@c".
// Within a term, tags come in order of their first appearance in e; terms come
// in the order the expansion produces them, without duplicates and without
// terms that another term already covers.
//
// An expression that matches everything gives "" (godog's "no filter"). One
// that matches nothing, such as "@a and not @a", gives "@a && ~@a", which
// godog evaluates literally and so matches no pickle.
//
// Godog returns an error when a tag name holds something godog's filter syntax
// cannot carry — whitespace, ",", "&&", a '~' right after the '@', or an '@'
// anywhere but first (godog deletes every '@' before comparing) — and when
// the filter would need more than MaxGodogTerms terms. The expansion is
// checked step by step, so an expression whose parts each expand beyond the
// limit is refused even if the whole would collapse below it.
func (e *Expr) Godog() (string, error) {
	if e == nil || e.root == nil {
		return "", nil
	}
	tags := e.root.tags()
	index := make(map[string]int, len(tags))
	for i, t := range tags {
		if err := godogSafe(t); err != nil {
			return "", fmt.Errorf("tag expression %q: %w", e.src, err)
		}
		index[t] = i
	}
	d, err := toDNF(e.root, false, index)
	if err != nil {
		return "", fmt.Errorf("tag expression %q: %w", e.src, err)
	}
	if len(d) == 0 {
		return tags[0] + " && ~" + tags[0], nil
	}
	var b strings.Builder
	for i, t := range d {
		if i > 0 {
			b.WriteByte(',')
		}
		for j, l := range t {
			if j > 0 {
				b.WriteString(" && ")
			}
			if l.negated() {
				b.WriteByte('~')
			}
			b.WriteString(tags[l.tag()])
		}
	}
	return b.String(), nil
}

// godogSafe reports why godog would misread tag, which has a leading '@'.
// See godog internal/tags/tag_filter.go: the filter is split on "," and then
// "&&", each piece is trimmed, every '@' is deleted, and a leading '~' negates.
func godogSafe(tag string) error {
	var reason string
	switch name := tag[1:]; {
	case strings.ContainsFunc(tag, unicode.IsSpace):
		reason = "whitespace"
	case strings.Contains(tag, ","):
		reason = `","`
	case strings.Contains(tag, "&&"):
		reason = `"&&"`
	case strings.HasPrefix(name, "~"):
		reason = `'~' right after '@' (it would read as "not")`
	case strings.Contains(name, "@"):
		reason = `'@' after the first character (godog deletes every '@' before comparing)`
	default:
		return nil
	}
	return fmt.Errorf("tag %q cannot be passed to godog: its filter syntax cannot carry %s", tag, reason)
}

// A literal is a tag index times two, plus one when negated, so that sorting a
// term puts a tag and its negation side by side.
type literal int

func lit(tag int, negated bool) literal {
	if negated {
		return literal(2*tag + 1)
	}
	return literal(2 * tag)
}

func (l literal) tag() int      { return int(l) / 2 }
func (l literal) negated() bool { return l%2 == 1 }

// A term is a conjunction of literals, sorted and without duplicates.
type term []literal

// A dnf is a disjunction of terms. An empty dnf matches nothing; no dnf built
// here holds an empty term, since only the empty expression matches everything.
type dnf []term

// toDNF pushes negations down to the tags (negation normal form) while
// distributing "and" over "or".
func toDNF(n *node, negated bool, index map[string]int) (dnf, error) {
	switch n.op {
	case opTag:
		return dnf{term{lit(index[n.tag], negated)}}, nil
	case opNot:
		return toDNF(n.x, !negated, index)
	}
	x, err := toDNF(n.x, negated, index)
	if err != nil {
		return nil, err
	}
	y, err := toDNF(n.y, negated, index)
	if err != nil {
		return nil, err
	}
	// De Morgan: under negation "and" becomes "or" and vice versa.
	if (n.op == opAnd) != negated {
		return product(x, y)
	}
	return simplify(append(slices.Clip(x), y...))
}

// product distributes: (x1 or x2) and (y1 or y2) = x1y1 or x1y2 or x2y1 or x2y2.
func product(x, y dnf) (dnf, error) {
	var out dnf
	seen := map[string]bool{}
	for _, a := range x {
		for _, b := range y {
			t, ok := conjoin(a, b)
			if !ok {
				continue // contradictory: it matches nothing
			}
			if k := t.key(); !seen[k] {
				seen[k] = true
				out = append(out, t)
			}
			if len(out) > maxWorkTerms {
				return nil, tooManyTerms(maxWorkTerms)
			}
		}
	}
	return simplify(out)
}

// conjoin merges two sorted terms; ok is false when the result holds a tag
// and its negation.
func conjoin(a, b term) (t term, ok bool) {
	t = make(term, 0, len(a)+len(b))
	i, j := 0, 0
	for i < len(a) || j < len(b) {
		var l literal
		switch {
		case j == len(b) || i < len(a) && a[i] < b[j]:
			l, i = a[i], i+1
		case i == len(a) || b[j] < a[i]:
			l, j = b[j], j+1
		default:
			l, i, j = a[i], i+1, j+1
		}
		if n := len(t); n > 0 && t[n-1].tag() == l.tag() {
			return nil, false // same tag twice after dedup: one is negated
		}
		t = append(t, l)
	}
	return t, true
}

// simplify removes duplicate terms and every term that contains another
// (a or (a and b) = a), keeping the first of equal terms, and fails when more
// than MaxGodogTerms remain.
func simplify(d dnf) (dnf, error) {
	var out dnf
	for i, t := range d {
		covered := false
		for j, u := range d {
			if i != j && u.within(t) && (len(u) < len(t) || j < i) {
				covered = true
				break
			}
		}
		if !covered {
			out = append(out, t)
		}
	}
	if len(out) > MaxGodogTerms {
		return nil, tooManyTerms(MaxGodogTerms)
	}
	return out, nil
}

// within reports whether every literal of u is in t; both are sorted.
func (u term) within(t term) bool {
	if len(u) > len(t) {
		return false
	}
	i := 0
	for _, l := range t {
		if i < len(u) && u[i] == l {
			i++
		}
	}
	return i == len(u)
}

func (t term) key() string {
	b := make([]byte, 0, 4*len(t))
	for _, l := range t {
		b = strconv.AppendInt(b, int64(l), 10)
		b = append(b, ' ')
	}
	return string(b)
}

func tooManyTerms(limit int) error {
	return fmt.Errorf("godog's filter syntax has no parentheses, and this expression expands to more than %d \",\"-separated terms; simplify it", limit)
}

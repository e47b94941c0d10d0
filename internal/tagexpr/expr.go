// Package tagexpr parses Cucumber tag expressions ("@fast", "not @slow",
// "not (@a or @b) and @c") and translates them into the Behat-style filter that
// godog v0.16.0 understands, because godog's Options.Tags takes no other syntax
// and the official Go tag-expressions module is not available to this build.
//
// The grammar is the official one: "not" binds tightest, then "and", then "or";
// "and" and "or" are left-associative; parentheses group; a backslash escapes
// "(", ")", "\" or whitespace inside a tag name. Tags start with '@'.
package tagexpr

import (
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Expr is a parsed Cucumber tag expression. The zero Expr, like the one Parse
// returns for an empty string, matches every pickle.
type Expr struct {
	src  string // as given to Parse, for error messages
	root *node  // nil matches everything
}

type op int

const (
	opTag op = iota
	opNot
	opAnd
	opOr
)

// node is one AST node: a tag, or an operator over x (and y for the binary ones).
type node struct {
	op    op
	tag   string // opTag only: the unescaped name, leading '@' included
	x, y  *node
	depth int // height of the subtree, bounded by maxDepth so recursion stays shallow
}

// Match reports whether a pickle with the given tags (leading '@' included, as
// godog and Gherkin spell them) satisfies e. Tags are compared exactly.
func (e *Expr) Match(tags []string) bool {
	if e == nil || e.root == nil {
		return true
	}
	return e.root.match(tags)
}

func (n *node) match(tags []string) bool {
	switch n.op {
	case opTag:
		return slices.Contains(tags, n.tag)
	case opNot:
		return !n.x.match(tags)
	case opAnd:
		return n.x.match(tags) && n.y.match(tags)
	default:
		return n.x.match(tags) || n.y.match(tags)
	}
}

// String returns e in the canonical, fully parenthesised form of the official
// Cucumber libraries, e.g. "( @a and not ( @b ) )" or "not ( @a or @b )", with tag names escaped so
// the result parses back to the same expression. An expression that matches
// everything prints as "".
func (e *Expr) String() string {
	if e == nil || e.root == nil {
		return ""
	}
	var b strings.Builder
	e.root.write(&b)
	return b.String()
}

func (n *node) write(b *strings.Builder) {
	switch n.op {
	case opTag:
		writeEscaped(b, n.tag)
	case opNot:
		// A binary operand brings its own parentheses, as in the official libraries.
		if n.x.op == opAnd || n.x.op == opOr {
			b.WriteString("not ")
			n.x.write(b)
			return
		}
		b.WriteString("not ( ")
		n.x.write(b)
		b.WriteString(" )")
	default:
		b.WriteString("( ")
		n.x.write(b)
		if n.op == opAnd {
			b.WriteString(" and ")
		} else {
			b.WriteString(" or ")
		}
		n.y.write(b)
		b.WriteString(" )")
	}
}

// writeEscaped writes a tag name with a backslash before every character the
// tokenizer would otherwise take as syntax. It copies bytes rather than runes
// so that names holding invalid UTF-8 survive a round trip unchanged.
func writeEscaped(b *strings.Builder, tag string) {
	for i := 0; i < len(tag); {
		r, size := utf8.DecodeRuneInString(tag[i:])
		if needsEscape(r) {
			b.WriteByte('\\')
		}
		b.WriteString(tag[i : i+size])
		i += size
	}
}

func needsEscape(r rune) bool {
	return r == '\\' || r == '(' || r == ')' || unicode.IsSpace(r)
}

// tags returns the distinct tag names of the expression in order of first appearance.
func (n *node) tags() []string {
	var out []string
	seen := map[string]bool{}
	var walk func(*node)
	walk = func(n *node) {
		if n.op == opTag {
			if !seen[n.tag] {
				seen[n.tag] = true
				out = append(out, n.tag)
			}
			return
		}
		walk(n.x)
		if n.y != nil {
			walk(n.y)
		}
	}
	walk(n)
	return out
}

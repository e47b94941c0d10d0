package tagexpr

import (
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"
)

// SyntaxError is the error Parse returns for a malformed tag expression.
type SyntaxError struct {
	Expr   string // the expression as given to Parse
	Column int    // 1-based column, in characters, of the token at fault
	Reason string // what is wrong there; it names the token and the column
}

// Error returns `tag expression "EXPR": REASON`.
func (e *SyntaxError) Error() string {
	return fmt.Sprintf("tag expression %q: %s", e.Expr, e.Reason)
}

func syntaxErrorf(expr string, col int, format string, args ...any) *SyntaxError {
	return &SyntaxError{Expr: expr, Column: col, Reason: fmt.Sprintf(format, args...)}
}

// behatMarkers are the pieces of godog's own filter syntax. None of them can
// appear in a Cucumber expression that godog could run: Godog refuses tag
// names holding them, so reading them as part of a tag would only turn a
// mistaken filter into one that silently matches nothing.
var behatMarkers = []string{"&&", "~@", ","}

// behatError returns nil unless s contains Behat syntax. It then suggests the
// Cucumber equivalent when s is a plain Behat filter, and otherwise names the
// Cucumber operators.
func behatError(s string) error {
	at := -1
	marker := ""
	for _, m := range behatMarkers {
		if i := strings.Index(s, m); i >= 0 && (at < 0 || i < at) {
			at, marker = i, m
		}
	}
	if at < 0 {
		return nil
	}
	col := utf8.RuneCountInString(s[:at]) + 1
	head := fmt.Sprintf("%q at column %d is godog's Behat syntax; conform takes Cucumber tag expressions", marker, col)
	if cucumber, ok := fromBehat(s); ok {
		return syntaxErrorf(s, col, "%s: use %q instead of %q", head, cucumber, s)
	}
	return syntaxErrorf(s, col, "%s: combine tags with \"and\", \"or\", \"not\" and parentheses, e.g. %q", head, "@a and not (@b or @c)")
}

// fromBehat translates a plain Behat filter ("@a && ~@b,@c") into Cucumber
// syntax ("@a and not @b or @c"). It gives up (false) on anything but simple
// tags, leaving the caller to explain the syntax in general terms.
func fromBehat(s string) (string, bool) {
	var terms []string
	for _, term := range strings.Split(s, ",") {
		var lits []string
		for _, lit := range strings.Split(term, "&&") {
			lit = strings.TrimSpace(lit)
			tag, negated := strings.CutPrefix(lit, "~")
			if !plainTag(tag) {
				return "", false
			}
			if negated {
				tag = "not " + tag
			}
			lits = append(lits, tag)
		}
		// "and" binds tighter than "or", so no parentheses are needed.
		terms = append(terms, strings.Join(lits, " and "))
	}
	return strings.Join(terms, " or "), true
}

func plainTag(s string) bool {
	name, ok := strings.CutPrefix(s, "@")
	return ok && name != "" && !strings.ContainsFunc(name, func(r rune) bool {
		return needsEscape(r) || strings.ContainsRune("@~,&", r) || unicode.IsControl(r)
	})
}

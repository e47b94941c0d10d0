package tagexpr

import (
	"fmt"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestParseString(t *testing.T) {
	tests := []struct {
		name, expr, want string
	}{
		// testdata/parsing.yml of github.com/cucumber/tag-expressions.
		{"official and", "@a and @b", "( @a and @b )"},
		{"official or", "@a or @b", "( @a or @b )"},
		{"official not", "not @a", "not ( @a )"},
		{"official and chain", "@a and @b and @c", "( ( @a and @b ) and @c )"},
		{"official groups", "( @a and @b ) or ( @c and @d )", "( ( @a and @b ) or ( @c and @d ) )"},
		{"official precedence", "not @a or @b and not @c or not @d or @e and @f",
			"( ( ( not ( @a ) or ( @b and not ( @c ) ) ) or not ( @d ) ) or ( @e and @f ) )"},
		{"official escaped parens", `not @a\(\) or @b and not @c or not @d or @e and @f`,
			`( ( ( not ( @a\(\) ) or ( @b and not ( @c ) ) ) or not ( @d ) ) or ( @e and @f ) )`},
		{"official not and", "not (@a and @b)", "not ( @a and @b )"},
		{"official not or", "not (@a or @b)", "not ( @a or @b )"},
		{"official mixed", "not (@a and @b) and @c or not (@d or @f)", "( ( not ( @a and @b ) and @c ) or not ( @d or @f ) )"},
		{"official trailing backslash", `@a\\ and @b`, `( @a\\ and @b )`},
		{"official leading backslash", `@\\a and @b`, `( @\\a and @b )`},
		{"official backslash last", `@a and @b\\`, `( @a and @b\\ )`},
		{"official two backslashes", `( @a and @b\\\\)`, `( @a and @b\\\\ )`},
		{"official backslash and paren", `@a\\\( and @b\\\)`, `( @a\\\( and @b\\\) )`},
		{"official backslash in parens", `(@a and @\\b)`, `( @a and @\\b )`},
		{"official or without space", "@x or(@y) ", "( @x or @y )"},
		{"official escaped parens without space", `@x\(1\) or(@y\(2\))`, `( @x\(1\) or @y\(2\) )`},
		{"official backslashes", `@\\x or @y\\ or @z\\`, `( ( @\\x or @y\\ ) or @z\\ )`},
		{"official backslash before paren", `@x\\ or(@y\\\)) or(@z\\)`, `( ( @x\\ or @y\\\) ) or @z\\ )`},
		{"official escaped space", `@x\  or @y`, `( @x\  or @y )`},

		{"empty", "", ""},
		{"blank", " \t\n ", ""},
		{"single tag", "@fast", "@fast"},
		{"redundant parens", "((@a))", "@a"},
		{"not binds tighter than and", "not @a and @b", "( not ( @a ) and @b )"},
		{"not binds tighter than or", "not @a or @b", "( not ( @a ) or @b )"},
		{"and binds tighter than or on the right", "@a or @b and @c", "( @a or ( @b and @c ) )"},
		{"and binds tighter than or on the left", "@a and @b or @c", "( ( @a and @b ) or @c )"},
		{"or is left-associative", "@a or @b or @c", "( ( @a or @b ) or @c )"},
		{"parens override associativity", "@a or (@b or @c)", "( @a or ( @b or @c ) )"},
		{"parens override precedence", "(@a or @b) and @c", "( ( @a or @b ) and @c )"},
		{"not not", "not not @a", "not ( not ( @a ) )"},
		{"not of group", "not (@a or @b) and @c", "( not ( @a or @b ) and @c )"},
		{"not without space", "not(@a)", "not ( @a )"},
		{"keywords inside tags", "@and or @not", "( @and or @not )"},
		{"escaped tab", "@a\\\tb", "@a\\\tb"},
		{"unicode", "@ünï and @日本", "( @ünï and @日本 )"},
		{"tilde inside", "@a~b", "@a~b"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e, err := Parse(tt.expr)
			require.NoError(t, err)
			require.Equal(t, tt.want, e.String())

			again, err := Parse(e.String())
			require.NoError(t, err, "String must parse again")
			require.Equal(t, tt.want, again.String())
		})
	}
}

func TestParseEscapes(t *testing.T) {
	tests := []struct {
		name, expr string
		tags       []string // the one tag the expression names
	}{
		{"parens", `@x\(1\)`, []string{"@x(1)"}},
		{"backslash", `@a\\b`, []string{`@a\b`}},
		{"backslash before paren", `@y\\\)`, []string{`@y\)`}},
		{"space", `@a\ b`, []string{"@a b"}},
		{"escape opens the word", `@\(`, []string{"@("}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e, err := Parse(tt.expr)
			require.NoError(t, err)
			require.Equal(t, tt.tags, e.root.tags())
			require.True(t, e.Match(tt.tags))
		})
	}
}

func TestParseErrors(t *testing.T) {
	tests := []struct {
		name, expr string
		column     int
		reason     string
	}{
		{"and without right operand", "@a and", 4, `"and" at column 4 needs a right-hand operand`},
		{"or without right operand", "@a or ", 4, `"or" at column 4 needs a right-hand operand`},
		{"operator instead of operand", "@a and or", 4, `"and" at column 4 needs a right-hand operand`},
		{"operator before close", "(@a or)", 5, `"or" at column 5 needs a right-hand operand`},
		{"and without left operand", "and @a", 1, `"and" at column 1 needs a left-hand operand`},
		{"or or", "or or", 1, `"or" at column 1 needs a left-hand operand`},
		{"left operand missing in parens", "@a and (or @b)", 9, `"or" at column 9 needs a left-hand operand`},
		{"not alone", "not", 1, `"not" at column 1 needs an operand`},
		{"not at the end", "@a and not", 8, `"not" at column 8 needs an operand`},
		{"not before operator", "not and @a", 1, `"not" at column 1 needs an operand`},
		{"not before close", "(not )", 2, `"not" at column 2 needs an operand`},
		{"open alone", "(", 1, `"(" at column 1 is never closed`},
		{"open unclosed", "(@a", 1, `"(" at column 1 is never closed`},
		{"outer open unclosed", "( ( @a and @b )", 1, `"(" at column 1 is never closed`},
		{"close unmatched", "@a)", 3, `")" at column 3 has no matching "("`},
		{"close after group", "( @a and @b ) )", 15, `")" at column 15 has no matching "("`},
		{"close alone", ")", 1, `")" at column 1 has no matching "("`},
		{"empty parens", "@a and ( )", 8, `"()" at column 8 is empty: parentheses need an expression inside`},
		{"two tags", "@a @b", 4, `"@b" at column 4 follows an operand without an operator: join them with "and" or "or"`},
		{"two tags then or", "@a @b or", 4, `"@b" at column 4 follows an operand without an operator: join them with "and" or "or"`},
		{"not after operand", "@a and (@b not)", 12, `"not" at column 12 follows an operand without an operator: join them with "and" or "or"`},
		{"open after operand", "@a (@b)", 4, `"(" at column 4 follows an operand without an operator: join them with "and" or "or"`},
		{"escaped space joins words", `@x\ or @y`, 8, `"@y" at column 8 follows an operand without an operator: join them with "and" or "or"`},
		{"no at", "fast", 1, `"fast" at column 1 is not a tag: tags start with '@'`},
		{"no at later", "@a or b", 7, `"b" at column 7 is not a tag: tags start with '@'`},
		{"escaped word", `\(@a`, 1, `"\\(@a" at column 1 is not a tag: tags start with '@'`},
		{"upper-case and", "@a AND @b", 4, `"AND" at column 4 is not an operator: operators are lowercase, write "and"`},
		{"capitalised not", "Not @a", 1, `"Not" at column 1 is not an operator: operators are lowercase, write "not"`},
		{"bare at", "@a or @", 7, `"@" at column 7 is not a tag: it needs a name after '@'`},
		{"trailing backslash", `@a\`, 3, `"\\" at column 3 escapes nothing: it ends the expression`},
		{"illegal escape", `@x or @\y or @z`, 8, `"\\y" at column 8 is not a valid escape: only "(", ")", "\\" and whitespace can be escaped`},
		{"columns count characters", "@ü and", 4, `"and" at column 4 needs a right-hand operand`},
		{"too many open", strings.Repeat("(", maxNest+1) + "@a" + strings.Repeat(")", maxNest+1), maxNest + 1,
			`"(" at column 1001 nests too deeply: more than 1000 "(" and "not" are open`},
		{"too many not", strings.Repeat("not ", maxNest+1) + "@a", 4*maxNest + 1,
			`"not" at column 4001 nests too deeply: more than 1000 "(" and "not" are open`},
		{"too long a chain", "@a" + strings.Repeat(" and @a", maxDepth), 7*maxDepth - 3,
			`"and" at column 3497 nests the expression more than 500 levels deep`},

		// godog's Behat syntax.
		{"behat and not", "@a && ~@b", 4, `"&&" at column 4 is godog's Behat syntax; conform takes Cucumber tag expressions: use "@a and not @b" instead of "@a && ~@b"`},
		{"behat or", "@a,@b", 3, `"," at column 3 is godog's Behat syntax; conform takes Cucumber tag expressions: use "@a or @b" instead of "@a,@b"`},
		{"behat not", "~@wip", 1, `"~@" at column 1 is godog's Behat syntax; conform takes Cucumber tag expressions: use "not @wip" instead of "~@wip"`},
		{"behat dnf", "@a && ~@b,@c", 4, `"&&" at column 4 is godog's Behat syntax; conform takes Cucumber tag expressions: use "@a and not @b or @c" instead of "@a && ~@b,@c"`},
		{"behat without spaces", "@a&&@b", 3, `"&&" at column 3 is godog's Behat syntax; conform takes Cucumber tag expressions: use "@a and @b" instead of "@a&&@b"`},
		{"behat mixed with cucumber", "@a && not @b", 4, `"&&" at column 4 is godog's Behat syntax; conform takes Cucumber tag expressions: combine tags with "and", "or", "not" and parentheses, e.g. "@a and not (@b or @c)"`},
		{"comma in parens", "(@a ,@b)", 5, `"," at column 5 is godog's Behat syntax; conform takes Cucumber tag expressions: combine tags with "and", "or", "not" and parentheses, e.g. "@a and not (@b or @c)"`},
		{"empty behat term", "@a,,@b", 3, `"," at column 3 is godog's Behat syntax; conform takes Cucumber tag expressions: combine tags with "and", "or", "not" and parentheses, e.g. "@a and not (@b or @c)"`},
		{"behat tag without at", "a && b", 3, `"&&" at column 3 is godog's Behat syntax; conform takes Cucumber tag expressions: combine tags with "and", "or", "not" and parentheses, e.g. "@a and not (@b or @c)"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e, err := Parse(tt.expr)
			require.Nil(t, e)
			var se *SyntaxError
			require.ErrorAs(t, err, &se)
			require.Equal(t, tt.expr, se.Expr)
			require.Equal(t, tt.column, se.Column)
			require.Equal(t, tt.reason, se.Reason)
			require.EqualError(t, err, fmt.Sprintf("tag expression %q: %s", tt.expr, tt.reason))
		})
	}
}

// TestParseDeepestAccepted checks that the nesting limits leave room for
// String's output, which spends two nesting levels on every "not (".
func TestParseDeepestAccepted(t *testing.T) {
	for name, expr := range map[string]string{
		"not chain": strings.Repeat("not ", maxDepth-1) + "@a",
		"and chain": "@a" + strings.Repeat(" and @a", maxDepth-1),
		"parens":    strings.Repeat("(", maxNest) + "@a" + strings.Repeat(")", maxNest),
	} {
		t.Run(name, func(t *testing.T) {
			e, err := Parse(expr)
			require.NoError(t, err)
			again, err := Parse(e.String())
			require.NoError(t, err)
			require.Equal(t, e.String(), again.String())
		})
	}
}

// TestBehatSuggestion checks that the suggested Cucumber expression selects
// what godog would have selected with the Behat filter as given.
func TestBehatSuggestion(t *testing.T) {
	for _, behat := range []string{"@a && ~@b", "@a,@b", "~@a", "@a && ~@b,@c", "~@a && ~@b,@c && @d,~@c", " @a , @b&&@c "} {
		t.Run(behat, func(t *testing.T) {
			cucumber, ok := fromBehat(behat)
			require.True(t, ok)
			e, err := Parse(cucumber)
			require.NoError(t, err)
			for _, tags := range subsets("@a", "@b", "@c", "@d") {
				require.Equal(t, godogMatch(behat, tags), e.Match(tags), "tags %v, suggestion %q", tags, cucumber)
			}
		})
	}
}

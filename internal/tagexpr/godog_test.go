package tagexpr

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// godogMatch is a faithful copy of godog's tag filter:
// ApplyTagFilter's "" shortcut, match, matchAnd and contains in
// github.com/cucumber/godog@v0.16.0/internal/tags/tag_filter.go, with the
// pickle's tag names as strings instead of []*messages.PickleTag. Even its
// quirks are kept (every '@' deleted; tag[0] on an empty piece panics), since
// they are what Godog's output must survive.
func godogMatch(filters string, tags []string) bool {
	if filters == "" {
		return true
	}
	ok := false
	for _, filter := range strings.Split(filters, ",") {
		ok = godogMatchAnd(filter, tags) || ok
	}
	return ok
}

func godogMatchAnd(filter string, tags []string) bool {
	and := len(filter) > 0
	for _, tag := range strings.Split(filter, "&&") {
		tag = strings.TrimSpace(tag)
		tag = strings.Replace(tag, "@", "", -1)
		if tag[0] == '~' {
			tag = tag[1:]
			and = !godogContains(tags, tag) && and
		} else {
			and = godogContains(tags, tag) && and
		}
	}
	return and
}

func godogContains(tags []string, tag string) bool {
	for _, t := range tags {
		tagName := strings.Replace(t, "@", "", -1)

		if tagName == tag {
			return true
		}
	}

	return false
}

func TestGodog(t *testing.T) {
	tests := []struct {
		expr, want string
	}{
		{"", ""},
		{"   ", ""},
		{"@a", "@a"},
		{"not @a", "~@a"},
		{"@a and not @b", "@a && ~@b"},
		{"@a and not @b or @c", "@a && ~@b,@c"},
		{"@a or @b", "@a,@b"},
		{"not (@a or @b) and @c", "~@a && ~@b && @c"},
		{"not (@a and @b)", "~@a,~@b"},
		{"(@a or @b) and (@c or @d)", "@a && @c,@a && @d,@b && @c,@b && @d"},
		{"not not @a", "@a"},
		// Literals follow the tags' first appearance, whatever the operand order.
		{"@b and @a", "@b && @a"},
		{"@b or @a and not @b", "@b,~@b && @a"},
		{"@a and (@c and @b)", "@a && @c && @b"},
		// Duplicates go, and so do terms another term covers.
		{"@a and @a", "@a"},
		{"@a or @a", "@a"},
		{"@a or @a and @b", "@a"},
		{"@a and @b or @a", "@a"},
		{"(@a or @b) and (@b or @a)", "@a,@b"},
		// Contradictions go; when nothing is left, a term no pickle satisfies.
		{"(@a or @b) and not @a", "~@a && @b"},
		{"@a and not @a", "@a && ~@a"},
		{"@b and not (@a or not @a)", "@b && ~@b"},
		// A tautology stays a filter; godog reads it as matching everything.
		{"@a or not @a", "@a,~@a"},
		{`@x\(1\) or @y\\`, `@x(1),@y\`},
	}
	for _, tt := range tests {
		t.Run(tt.expr, func(t *testing.T) {
			e, err := Parse(tt.expr)
			require.NoError(t, err)
			got, err := e.Godog()
			require.NoError(t, err)
			require.Equal(t, tt.want, got)
		})
	}
}

func TestGodogMatchesNothing(t *testing.T) {
	for _, expr := range []string{"@a and not @a", "not (@a or not @a)", "@b and @c and not @c", "(@a and not @a) or (@b and not @b)"} {
		t.Run(expr, func(t *testing.T) {
			e, err := Parse(expr)
			require.NoError(t, err)
			filter, err := e.Godog()
			require.NoError(t, err)
			require.NotEmpty(t, filter, "\"\" would match every pickle")
			for _, tags := range subsets("@a", "@b", "@c", "@d") {
				require.False(t, e.Match(tags))
				require.False(t, godogMatch(filter, tags), "filter %q, tags %v", filter, tags)
			}
		})
	}
}

func TestGodogErrors(t *testing.T) {
	tests := []struct {
		name, expr, want string
	}{
		{"tilde after at", "@a or @~b",
			`tag expression "@a or @~b": tag "@~b" cannot be passed to godog: its filter syntax cannot carry '~' right after '@' (it would read as "not")`},
		{"escaped space", `@a\ b`,
			`tag expression "@a\\ b": tag "@a b" cannot be passed to godog: its filter syntax cannot carry whitespace`},
		{"at inside", "@a@b",
			`tag expression "@a@b": tag "@a@b" cannot be passed to godog: its filter syntax cannot carry '@' after the first character (godog deletes every '@' before comparing)`},
		{"double at", "not @@a",
			`tag expression "not @@a": tag "@@a" cannot be passed to godog: its filter syntax cannot carry '@' after the first character (godog deletes every '@' before comparing)`},
		{"too many terms", distributed(9),
			fmt.Sprintf("tag expression %q: godog's filter syntax has no parentheses, and this expression expands to more than 256 \",\"-separated terms; simplify it", distributed(9))},
		{"too much work", wideProduct(65, 64),
			fmt.Sprintf("tag expression %q: godog's filter syntax has no parentheses, and this expression expands to more than 4096 \",\"-separated terms; simplify it", wideProduct(65, 64))},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e, err := Parse(tt.expr)
			require.NoError(t, err)
			got, err := e.Godog()
			require.EqualError(t, err, tt.want)
			require.Empty(t, got)
		})
	}
}

// TestGodogSafe covers what Parse already refuses as Behat syntax, so that
// Godog stays safe on its own.
func TestGodogSafe(t *testing.T) {
	for tag, want := range map[string]string{
		"@a,b":  `tag "@a,b" cannot be passed to godog: its filter syntax cannot carry ","`,
		"@a&&b": `tag "@a&&b" cannot be passed to godog: its filter syntax cannot carry "&&"`,
		"@a\tb": `tag "@a\tb" cannot be passed to godog: its filter syntax cannot carry whitespace`,
	} {
		t.Run(tag, func(t *testing.T) {
			require.EqualError(t, godogSafe(tag), want)
		})
	}
	for _, tag := range []string{"@a", "@a~", "@x(1)", `@\`, "@a&b", "@日本"} {
		require.NoError(t, godogSafe(tag), tag)
	}
}

func TestGodogTermLimit(t *testing.T) {
	e, err := Parse(distributed(8))
	require.NoError(t, err)
	got, err := e.Godog()
	require.NoError(t, err)
	terms := strings.Split(got, ",")
	require.Len(t, terms, MaxGodogTerms)
	require.Equal(t, "@x1 && @x2 && @x3 && @x4 && @x5 && @x6 && @x7 && @x8", terms[0])
	require.Equal(t, "@y1 && @y2 && @y3 && @y4 && @y5 && @y6 && @y7 && @y8", terms[len(terms)-1])
}

// distributed returns "(@x1 or @y1) and ... and (@xn or @yn)", whose DNF has 2^n terms.
func distributed(n int) string {
	parts := make([]string, n)
	for i := range parts {
		parts[i] = fmt.Sprintf("(@x%d or @y%d)", i+1, i+1)
	}
	return strings.Join(parts, " and ")
}

// wideProduct returns "(@x1 or ... or @xm) and (@y1 or ... or @yn)", whose DNF has m·n terms.
func wideProduct(m, n int) string {
	var xs, ys []string
	for i := range m {
		xs = append(xs, fmt.Sprintf("@x%d", i+1))
	}
	for i := range n {
		ys = append(ys, fmt.Sprintf("@y%d", i+1))
	}
	return "(" + strings.Join(xs, " or ") + ") and (" + strings.Join(ys, " or ") + ")"
}

// TestGodogEquivalence is the property Godog exists for: on every pickle,
// godog's own evaluation of Godog's filter agrees with Match. The random
// expressions also check Parse against an evaluator built alongside the text,
// so precedence and associativity are checked independently of the parser.
func TestGodogEquivalence(t *testing.T) {
	tags := []string{"@a", "@b", "@c", "@d"}
	handPicked := []string{
		"", "@a", "not @a", "@a and @b", "@a or @b", "not (@a or @b) and @c",
		"not @a or @b and not @c or not @d or @a and @b",
		"not (@a and @b) and @c or not (@d or @a)",
		"(@a or @b) and (@c or @d) and not (@a and @d)",
		"not ((@a or not @b) and (not @c or @d))",
		"@a and not @a", "@a or not @a", "not not not @a",
		"(@a and @b) or (@a and @b and @c) or (not @a and not @b)",
		"@a and (@b or (@c and (@d or not @a)))",
	}
	for _, expr := range handPicked {
		t.Run(expr, func(t *testing.T) {
			checkGodogEquivalent(t, expr, tags)
		})
	}

	r := rand.New(rand.NewPCG(20240601, 1))
	for i := range 3000 {
		g := randomExpr(r, 4, tags)
		t.Run(fmt.Sprintf("random %d", i), func(t *testing.T) {
			e := checkGodogEquivalent(t, g.text, tags)
			for _, pickle := range subsets(tags...) {
				require.Equal(t, g.eval(pickle), e.Match(pickle), "%q on %v", g.text, pickle)
			}
		})
	}
}

func checkGodogEquivalent(tb testing.TB, expr string, tags []string) *Expr {
	tb.Helper()
	e, err := Parse(expr)
	require.NoError(tb, err)
	filter, err := e.Godog()
	require.NoError(tb, err)
	if strings.TrimSpace(expr) == "" {
		require.Equal(tb, "", filter)
	}
	for _, pickle := range subsets(tags...) {
		require.Equal(tb, e.Match(pickle), godogMatch(filter, pickle), "%q as godog filter %q on %v", expr, filter, pickle)
	}
	return e
}

// generated is a random expression's text together with its meaning, built
// from the generator's own tree rather than by parsing the text.
type generated struct {
	text string
	prec int // 1 or, 2 and, 3 not, 4 tag or parenthesised
	eval func(tags []string) bool
}

func randomExpr(r *rand.Rand, depth int, tags []string) generated {
	var g generated
	if depth == 0 || r.IntN(5) == 0 {
		tag := tags[r.IntN(len(tags))]
		g = generated{tag, 4, func(ts []string) bool { return slices.Contains(ts, tag) }}
	} else {
		switch r.IntN(3) {
		case 0:
			x := randomExpr(r, depth-1, tags)
			g = generated{"not " + group(x, x.prec < 3), 3, func(ts []string) bool { return !x.eval(ts) }}
		case 1:
			x, y := randomExpr(r, depth-1, tags), randomExpr(r, depth-1, tags)
			// Left-associative: a right operand of equal precedence needs parentheses.
			g = generated{group(x, x.prec < 2) + " and " + group(y, y.prec <= 2), 2,
				func(ts []string) bool { return x.eval(ts) && y.eval(ts) }}
		default:
			x, y := randomExpr(r, depth-1, tags), randomExpr(r, depth-1, tags)
			g = generated{group(x, x.prec < 1) + " or " + group(y, y.prec <= 1), 1,
				func(ts []string) bool { return x.eval(ts) || y.eval(ts) }}
		}
	}
	if r.IntN(8) == 0 { // parentheses that change nothing, spaced or not
		if r.IntN(2) == 0 {
			g.text = "(" + g.text + ")"
		} else {
			g.text = "( " + g.text + " )"
		}
		g.prec = 4
	}
	return g
}

func group(g generated, need bool) string {
	if need {
		return "(" + g.text + ")"
	}
	return g.text
}

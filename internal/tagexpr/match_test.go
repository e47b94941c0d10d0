package tagexpr

import (
	"testing"

	"github.com/stretchr/testify/require"
)

func TestMatchTruthTables(t *testing.T) {
	// want has one character per subset of {@a, @b, @c}, in the order
	// {}, {a}, {b}, {a,b}, {c}, {a,c}, {b,c}, {a,b,c}: subset i holds @a when
	// bit 0 of i is set, @b for bit 1, @c for bit 2.
	tests := []struct {
		expr, want string
	}{
		{"", "11111111"},
		{"@a", "01010101"},
		{"not @a", "10101010"},
		{"not not @a", "01010101"},
		{"@a and @b", "00010001"},
		{"@a or @b", "01110111"},
		{"@a and not @b", "01000100"},
		{"not @a and @b", "00100010"},
		{"not (@a and @b)", "11101110"},
		{"not (@a or @b)", "10001000"},
		{"@a or @b and @c", "01010111"},
		{"(@a or @b) and @c", "00000111"},
		{"@a and @b or @c", "00011111"},
		{"@a and (@b or @c)", "00010101"},
		{"not @a or @b", "10111011"},
		{"not (@a or @b) and @c", "00001000"},
		{"@a and not @a", "00000000"},
		{"@a or not @a", "11111111"},
		{"@d", "00000000"},
		{"not @d", "11111111"},
	}
	for _, tt := range tests {
		t.Run(tt.expr, func(t *testing.T) {
			e, err := Parse(tt.expr)
			require.NoError(t, err)
			got := make([]byte, 0, 8)
			for _, tags := range subsets("@a", "@b", "@c") {
				got = append(got, map[bool]byte{false: '0', true: '1'}[e.Match(tags)])
			}
			require.Equal(t, tt.want, string(got))
		})
	}
}

// TestMatchOfficial holds testdata/evaluations.yml of
// github.com/cucumber/tag-expressions.
func TestMatchOfficial(t *testing.T) {
	tests := []struct {
		expr string
		tags []string
		want bool
	}{
		{"not @x", []string{"@x"}, false},
		{"not @x", []string{"@y"}, true},
		{"@x and @y", []string{"@x", "@y"}, true},
		{"@x and @y", []string{"@x"}, false},
		{"@x and @y", []string{"@y"}, false},
		{"@x or @y", nil, false},
		{"@x or @y", []string{"@x", "@y"}, true},
		{"@x or @y", []string{"@x"}, true},
		{"@x or @y", []string{"@y"}, true},
		{`@x\(1\) or @y\(2\)`, []string{"@x(1)"}, true},
		{`@x\(1\) or @y\(2\)`, []string{"@y(2)"}, true},
		{`@x\\ or @y\\\) or @z\\`, []string{`@x\`}, true},
		{`@x\\ or @y\\\) or @z\\`, []string{`@y\)`}, true},
		{`@x\\ or @y\\\) or @z\\`, []string{`@z\`}, true},
		{`@x\\ or @y\\\) or @z\\`, []string{"@x"}, false},
		{`@x\\ or @y\\\) or @z\\`, []string{"@y)"}, false},
		{`@x\\ or @y\\\) or @z\\`, []string{"@z"}, false},
		{`@\\x or @y\\ or @z\\`, []string{`@\x`}, true},
		{`@\\x or @y\\ or @z\\`, []string{`@y\`}, true},
		{`@\\x or @y\\ or @z\\`, []string{`@z\`}, true},
		{`@\\x or @y\\ or @z\\`, []string{"@x"}, false},
		{`@\\x or @y\\ or @z\\`, []string{"@y"}, false},
		{`@\\x or @y\\ or @z\\`, []string{"@z"}, false},
		// Tags compare exactly: no case folding, and the '@' counts.
		{"@x", []string{"@X"}, false},
		{"@x", []string{"x"}, false},
	}
	for _, tt := range tests {
		t.Run(tt.expr, func(t *testing.T) {
			e, err := Parse(tt.expr)
			require.NoError(t, err)
			require.Equal(t, tt.want, e.Match(tt.tags), "tags %q", tt.tags)
		})
	}
}

func TestZeroExprMatchesEverything(t *testing.T) {
	var e Expr
	require.True(t, e.Match(nil))
	require.True(t, e.Match([]string{"@a"}))
	require.Equal(t, "", e.String())
	g, err := e.Godog()
	require.NoError(t, err)
	require.Equal(t, "", g)
}

// subsets returns every subset of tags, subset i holding tags[j] when bit j of
// i is set.
func subsets(tags ...string) [][]string {
	out := make([][]string, 0, 1<<len(tags))
	for i := range 1 << len(tags) {
		var s []string
		for j, tag := range tags {
			if i&(1<<j) != 0 {
				s = append(s, tag)
			}
		}
		out = append(out, s)
	}
	return out
}

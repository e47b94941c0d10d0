package tagexpr

import (
	"errors"
	"slices"
	"testing"
	"unicode/utf8"
)

// FuzzParse checks that Parse never panics, that every error is a positioned
// *SyntaxError, that String parses back to an expression that prints the same
// and matches the same, and that Godog's filter, when there is one, selects
// under godog's rules exactly what Match selects.
//
//	go test -run='^$' -fuzz=FuzzParse -fuzztime=20s ./internal/tagexpr/
func FuzzParse(f *testing.F) {
	for _, seed := range []string{
		"", "@a", "not @a", "@a and @b or @c", "not (@a or @b) and @c",
		`@x\(1\) or @y\\`, `@a\ b`, "@a and", "(@a", "@a)", "()", "@a && ~@b,@c",
		"@a AND @b", "@~a", "@a@b", "not not (@a and not @a)", "@ü\\\t and @\xff",
	} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, s string) {
		e, err := Parse(s)
		if err != nil {
			var se *SyntaxError
			if !errors.As(err, &se) {
				t.Fatalf("Parse(%q) error %v is not a *SyntaxError", s, err)
			}
			if se.Column < 1 || se.Column > utf8.RuneCountInString(s)+1 {
				t.Fatalf("Parse(%q) error column %d is outside the expression: %v", s, se.Column, err)
			}
			return
		}
		again, err := Parse(e.String())
		if err != nil {
			t.Fatalf("Parse(%q).String() = %q does not parse: %v", s, e.String(), err)
		}
		if again.String() != e.String() {
			t.Fatalf("String is not stable: %q gives %q, which gives %q", s, e.String(), again.String())
		}

		// Pickle tags: the expression's own first four, padded with tags it may not name.
		var tags []string
		if e.root != nil {
			tags = e.root.tags()
		}
		for _, pad := range []string{"@a", "@b", "@c", "@d"} {
			if len(tags) < 4 && !slices.Contains(tags, pad) {
				tags = append(tags, pad)
			}
		}
		tags = tags[:4]
		filter, godogErr := e.Godog()
		for _, pickle := range subsets(tags...) {
			want := e.Match(pickle)
			if got := again.Match(pickle); got != want {
				t.Fatalf("%q matches %v: %v, but its String %q: %v", s, pickle, want, e.String(), got)
			}
			if godogErr == nil {
				if got := godogMatch(filter, pickle); got != want {
					t.Fatalf("%q matches %v: %v, but godog filter %q: %v", s, pickle, want, filter, got)
				}
			}
		}
	})
}

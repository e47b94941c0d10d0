package steps

import (
	"fmt"
	"reflect"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/cucumber/godog"

	"github.com/conform-harness/conform/internal/similar"
)

// Definition describes one step the harness understands, for people writing their own
// scenarios: its pattern (as registered with godog), what it does, and an example.
type Definition struct {
	Kind    string // Given, When or Then: the keyword it reads best with
	Pattern string
	Does    string
	Example string
}

// catalog describes every step define defines, in its order, and tableSteps are the patterns
// of those that take a data table, each with the check of its shape: both read from define, the
// one table of the steps.
var catalog, tableSteps = collect()

// stepper registers a step's pattern and function: godog's ScenarioContext, or a catalogue.
type stepper interface {
	Step(expr, stepFunc any)
}

// catalogue collects what define says of each step: as a stepper, which steps take a data table
// (those whose function does: godog hands it the table); through given, when and then, each
// step's description, which they return the pattern with. A nil catalogue collects nothing.
type catalogue struct {
	defs   []Definition
	tables map[string]func(*godog.Table) error
}

func collect() ([]Definition, map[string]func(*godog.Table) error) {
	c := &catalogue{tables: map[string]func(*godog.Table) error{}}
	(&World{}).define(c, c)
	return c.defs, c.tables
}

// register registers every step with godog.
func (w *World) register(sc *godog.ScenarioContext) { w.define(sc, nil) }

func (c *catalogue) given(pattern, does, example string) string {
	return c.add("Given", pattern, does, example)
}

func (c *catalogue) when(pattern, does, example string) string {
	return c.add("When", pattern, does, example)
}

func (c *catalogue) then(pattern, does, example string) string {
	return c.add("Then", pattern, does, example)
}

func (c *catalogue) add(kind, pattern, does, example string) string {
	if c != nil {
		c.defs = append(c.defs, Definition{Kind: kind, Pattern: pattern, Does: does, Example: example})
	}
	return pattern
}

// Step notes whether the step of pattern expr takes a data table.
func (c *catalogue) Step(expr, stepFunc any) {
	t := reflect.TypeOf(stepFunc)
	if t.NumIn() > 0 && t.In(t.NumIn()-1) == reflect.TypeFor[*godog.Table]() {
		c.tables[expr.(string)] = checkTables
	}
}

// Definitions returns every step the harness understands, in the order it registers them. The
// slice is the caller's.
func Definitions() []Definition { return slices.Clone(catalog) }

// compiled are the catalog's patterns, compiled once.
var compiled = func() []*regexp.Regexp {
	out := make([]*regexp.Regexp, len(catalog))
	for i, d := range catalog {
		out[i] = regexp.MustCompile(d.Pattern)
	}
	return out
}()

// Known reports whether a step text matches a step the harness understands.
func Known(text string) bool {
	return slices.ContainsFunc(compiled, func(re *regexp.Regexp) bool { return re.MatchString(text) })
}

// Closest returns the examples of up to n steps the harness understands whose text is closest to
// text, closest first: what an undefined step probably meant.
func Closest(text string, n int) []string {
	type scored struct {
		example string
		score   int
	}
	var all []scored
	for _, d := range catalog {
		example, _, _ := strings.Cut(d.Example, "\n")
		// Counted in words: robust to a changed id or quoted value, sensitive to a changed phrase.
		all = append(all, scored{example, similar.Distance(strings.Fields(strings.ToLower(text)), strings.Fields(strings.ToLower(example)))})
	}
	sort.SliceStable(all, func(i, j int) bool { return all[i].score < all[j].score })
	var out []string
	for _, s := range all[:min(n, len(all))] {
		out = append(out, s.example)
	}
	return out
}

func checkTables(t *godog.Table) error {
	_, err := tableRows(t)
	return err
}

// Check says what is wrong with a step of a feature, before anything runs: nil when exactly one
// step the harness understands matches text, with the argument that step takes (table, the
// step's data table, or nil; docString, whether the step has a doc string). The error names
// the closest steps of an undefined one, and the mistake in a data table of the wrong shape.
// Such a mistake is the feature's, never the target's.
func Check(text string, table *godog.Table, docString bool) error {
	var matched []Definition
	for i, re := range compiled {
		if re.MatchString(text) {
			matched = append(matched, catalog[i])
		}
	}
	switch len(matched) {
	case 0:
		return fmt.Errorf("undefined step %q; the closest steps conform knows: %s", text, quoted(Closest(text, 3)))
	case 1:
	default:
		patterns := make([]string, len(matched))
		for i, d := range matched {
			patterns[i] = d.Pattern
		}
		return fmt.Errorf("step %q is ambiguous: it matches %s", text, quoted(patterns))
	}
	check, takesTable := tableSteps[matched[0].Pattern]
	switch {
	case docString:
		return fmt.Errorf("step %q takes no doc string", text)
	case takesTable && table == nil:
		return fmt.Errorf("step %q needs a data table (columns: %s)", text, strings.Join(tableColumns, ", "))
	case !takesTable && table != nil:
		return fmt.Errorf("step %q takes no data table", text)
	case takesTable:
		if err := check(table); err != nil {
			return fmt.Errorf("step %q: %w", text, err)
		}
	}
	return nil
}

// quoted quotes each string and joins them with "; ".
func quoted(list []string) string {
	q := make([]string, len(list))
	for i, s := range list {
		q[i] = strconv.Quote(s)
	}
	return strings.Join(q, "; ")
}

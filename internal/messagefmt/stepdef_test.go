package messagefmt

import (
	"os"
	"regexp"
	"strings"
	"testing"

	"github.com/cucumber/godog"
	messages "github.com/cucumber/messages/go/v34"
	"github.com/stretchr/testify/require"
)

func TestMatchArguments(t *testing.T) {
	tests := []struct {
		name, pattern, text string
		want                []*groupMsg
	}{
		{"no groups", `^a step$`, "a step", nil},
		{"groups in order, one at the start", `^(\d+) items cost (\d+)$`, "3 items cost 12",
			[]*groupMsg{{Start: 0, Value: "3"}, {Start: 13, Value: "12"}}},
		{"a group that took no part", `^(\d+) items(?: in (red))?$`, "3 items",
			[]*groupMsg{{Value: "3"}}},
		{"a group that matched nothing", `^named "([^"]*)" at (\d+)$`, `named "" at 5`,
			[]*groupMsg{{Start: 12, Value: "5"}}},
		{"nested groups as children", `^the answer is ((\d+) (OK|Accepted))$`, "the answer is 200 OK",
			[]*groupMsg{{Start: 14, Value: "200 OK", Children: []*groupMsg{{Start: 14, Value: "200"}, {Start: 18, Value: "OK"}}}}},
		{"no match", `^other$`, "a step", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := matchArguments(&godog.StepDefinition{Expr: regexp.MustCompile(tt.pattern)}, tt.text)
			require.NotNil(t, got.StepMatchArguments, "the schema wants an array, never null")
			var groups []*groupMsg
			for _, a := range got.StepMatchArguments {
				groups = append(groups, a.Group)
			}
			require.Equal(t, tt.want, groups)
		})
	}
}

type world struct{}

func (*world) method() error { return nil }

func plainStep() error { return nil }

func TestSourceReference(t *testing.T) {
	src, err := os.ReadFile("stepdef_test.go")
	require.NoError(t, err)
	before, _, found := strings.Cut(string(src), "\nfunc plainStep()")
	require.True(t, found)
	ref := sourceReference(handlerFunc(plainStep))
	require.Regexp(t, `internal/messagefmt/stepdef_test\.go$`, ref.Uri)
	require.Equal(t, &messages.Location{Line: int64(strings.Count(before, "\n") + 2)}, ref.Location)

	w := &world{}
	require.Equal(t, &messages.SourceReference{}, sourceReference(handlerFunc(w.method)),
		"a method value's wrapper has no source location")
	require.Equal(t, &messages.SourceReference{}, sourceReference(handlerFunc("not a func")))
}

func TestStepDefinitionsAreWrittenOnce(t *testing.T) {
	f := New("suite", nopWriter{}).(*Formatter)
	re := regexp.MustCompile(`^a step$`)
	a1 := f.stepDefinitionID(&godog.StepDefinition{Expr: re, Handler: plainStep})
	a2 := f.stepDefinitionID(&godog.StepDefinition{Expr: regexp.MustCompile(`^a step$`), Handler: plainStep})
	w1, w2 := &world{}, &world{}
	b1 := f.stepDefinitionID(&godog.StepDefinition{Expr: re, Handler: w1.method})
	b2 := f.stepDefinitionID(&godog.StepDefinition{Expr: re, Handler: w2.method})
	c := f.stepDefinitionID(&godog.StepDefinition{Expr: regexp.MustCompile(`^another step$`), Handler: plainStep})

	require.Equal(t, a1, a2, "the same pattern and function")
	require.Equal(t, b1, b2, "the same method of two scenarios' state")
	require.NotEqual(t, a1, b1, "another handler")
	require.NotEqual(t, a1, c, "another pattern")
	require.Len(t, f.stepDefs, 3)
}

type nopWriter struct{}

func (nopWriter) Write(p []byte) (int, error) { return len(p), nil }

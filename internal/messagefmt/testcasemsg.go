package messagefmt

import (
	"fmt"

	messages "github.com/cucumber/messages/go/v34"
)

// The testCase message is the one message the formatter does not write with the Go types of
// github.com/cucumber/messages: their fields are omitempty where Cucumber's own implementations
// write a value, and the HTML formatter depends on two of them.
//   - A step no definition matched has "stepDefinitionIds": [] (the Go type leaves the field out).
//   - An argument at the start of the step text has "start": 0 (the Go type leaves it out, and
//     the HTML formatter then shows the whole step text before the argument).
//
// These types write the same JSON as messages.TestCase otherwise, field for field; the schema
// and golden tests read it back.

// envelope returns e, which write takes, as an Envelope of the Go types.
func envelope(e any) *messages.Envelope {
	switch e := e.(type) {
	case *messages.Envelope:
		return e
	case testCaseEnvelope:
		return &messages.Envelope{TestCase: e.TestCase.message()}
	}
	panic(fmt.Sprintf("messagefmt: %T is not an envelope", e))
}

// message returns tc as a messages.TestCase.
func (tc *testCaseMsg) message() *messages.TestCase {
	out := &messages.TestCase{Id: tc.ID, PickleId: tc.PickleID, TestRunStartedId: tc.TestRunStartedID}
	for _, st := range tc.TestSteps {
		step := &messages.TestStep{Id: st.ID, PickleStepId: st.PickleStepID, StepDefinitionIds: st.StepDefinitionIDs}
		for _, l := range st.StepMatchArgumentsLists {
			list := &messages.StepMatchArgumentsList{}
			for _, a := range l.StepMatchArguments {
				list.StepMatchArguments = append(list.StepMatchArguments, &messages.StepMatchArgument{Group: a.Group.message()})
			}
			step.StepMatchArgumentsLists = append(step.StepMatchArgumentsLists, list)
		}
		out.TestSteps = append(out.TestSteps, step)
	}
	return out
}

// message returns g as a messages.Group.
func (g *groupMsg) message() *messages.Group {
	if g == nil {
		return nil
	}
	out := &messages.Group{Start: g.Start, Value: g.Value}
	for _, c := range g.Children {
		out.Children = append(out.Children, c.message())
	}
	return out
}

// testCaseEnvelope is an Envelope holding a testCase.
type testCaseEnvelope struct {
	TestCase *testCaseMsg `json:"testCase"`
}

// testCaseMsg is messages.TestCase.
type testCaseMsg struct {
	ID               string         `json:"id"`
	PickleID         string         `json:"pickleId"`
	TestSteps        []*testStepMsg `json:"testSteps"`
	TestRunStartedID string         `json:"testRunStartedId,omitempty"`
}

// testStepMsg is messages.TestStep, for a pickle step (godog reports no hooks).
type testStepMsg struct {
	ID                      string              `json:"id"`
	PickleStepID            string              `json:"pickleStepId"`
	StepDefinitionIDs       []string            `json:"stepDefinitionIds"`
	StepMatchArgumentsLists []*argumentsListMsg `json:"stepMatchArgumentsLists,omitempty"`
}

// argumentsListMsg is messages.StepMatchArgumentsList.
type argumentsListMsg struct {
	StepMatchArguments []*argumentMsg `json:"stepMatchArguments"`
}

// argumentMsg is messages.StepMatchArgument.
type argumentMsg struct {
	Group *groupMsg `json:"group"`
}

// groupMsg is messages.Group.
type groupMsg struct {
	Children []*groupMsg `json:"children,omitempty"`
	Start    int64       `json:"start"`
	Value    string      `json:"value"`
}

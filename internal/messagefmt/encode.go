package messagefmt

import (
	"encoding/json"
	"io"

	"github.com/cucumber/godog"
	messages "github.com/cucumber/messages/go/v34"
)

// Encode writes e to w as one line of NDJSON, as the formatter writes it: a testCase with the
// fields Cucumber's HTML formatter depends on (see testCaseMsg), bodies with their HTML
// characters as they are. For envelopes made without godog (conform audit's and conform
// proxy's reports of recorded traffic).
func Encode(w io.Writer, e *messages.Envelope) error {
	var v any = e
	if e.TestCase != nil {
		v = testCaseEnvelope{TestCase: testCaseMessage(e.TestCase)}
	}
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false) // keep bodies readable, and findable by a text redactor
	return enc.Encode(v)
}

// testCaseMessage returns tc as the formatter writes it.
func testCaseMessage(tc *messages.TestCase) *testCaseMsg {
	out := &testCaseMsg{ID: tc.Id, PickleID: tc.PickleId, TestRunStartedID: tc.TestRunStartedId}
	for _, st := range tc.TestSteps {
		step := &testStepMsg{ID: st.Id, PickleStepID: st.PickleStepId, StepDefinitionIDs: append([]string{}, st.StepDefinitionIds...)}
		for _, l := range st.StepMatchArgumentsLists {
			list := &argumentsListMsg{StepMatchArguments: []*argumentMsg{}}
			for _, a := range l.StepMatchArguments {
				list.StepMatchArguments = append(list.StepMatchArguments, &argumentMsg{Group: groupMessage(a.Group)})
			}
			step.StepMatchArgumentsLists = append(step.StepMatchArgumentsLists, list)
		}
		out.TestSteps = append(out.TestSteps, step)
	}
	return out
}

// groupMessage returns g as the formatter writes it.
func groupMessage(g *messages.Group) *groupMsg {
	if g == nil {
		return nil
	}
	out := &groupMsg{Start: g.Start, Value: g.Value}
	for _, c := range g.Children {
		out.Children = append(out.Children, groupMessage(c))
	}
	return out
}

// Meta is the meta message the formatter writes first.
func Meta() *messages.Meta { return meta() }

// Attachment is the attachment message the formatter writes for an attachment of body, called
// fileName, of mediaType, to the test step testStepID of the test case testCaseStartedID.
func Attachment(body []byte, fileName, mediaType, testCaseStartedID, testStepID string) *messages.Attachment {
	return attachment(godog.Attachment{Body: body, FileName: fileName, MediaType: mediaType}, testCaseStartedID, testStepID)
}

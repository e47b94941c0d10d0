package messagefmt

import (
	"fmt"
	"time"

	"github.com/cucumber/godog"
	messages "github.com/cucumber/messages/go/v34"
)

// testCase is what the formatter knows of one running pickle until it writes it.
type testCase struct {
	id        string
	startedID string // the testCaseStarted id
	pickle    *messages.Pickle
	startedAt time.Time
	order     []*testStep          // in pickle step order
	steps     map[string]*testStep // by pickle step id
}

// testStep is one step of a test case.
type testStep struct {
	id          string
	pickleStep  *messages.PickleStep
	def         *godog.StepDefinition // nil while unmatched
	done        bool                  // godog reported a result
	status      messages.TestStepResultStatus
	err         error
	finishedAt  time.Time
	attachments []godog.Attachment
}

// newTestCase returns the open test case of pickle, with an id for it and for each step.
func (f *Formatter) newTestCase(pickle *messages.Pickle, startedAt time.Time) *testCase {
	tc := &testCase{
		id:        f.newID(),
		startedID: f.newID(),
		pickle:    pickle,
		startedAt: startedAt,
		steps:     make(map[string]*testStep, len(pickle.Steps)),
	}
	for _, ps := range pickle.Steps {
		s := &testStep{id: f.newID(), pickleStep: ps}
		tc.order = append(tc.order, s)
		tc.steps[ps.Id] = s
	}
	return tc
}

// finish writes tc, closes it, and writes the step definitions it is the first to use before it.
// A step godog never reported a result for was not run: it is written as skipped.
func (f *Formatter) finish(tc *testCase) {
	delete(f.testCases, tc.pickle.Id)
	for i, id := range f.started {
		if id == tc.pickle.Id {
			f.started = append(f.started[:i], f.started[i+1:]...)
			break
		}
	}

	steps := make([]*testStepMsg, 0, len(tc.order))
	for _, s := range tc.order {
		ts := &testStepMsg{ID: s.id, PickleStepID: s.pickleStep.Id, StepDefinitionIDs: []string{}}
		if s.def != nil {
			ts.StepDefinitionIDs = []string{f.stepDefinitionID(s.def)}
			ts.StepMatchArgumentsLists = []*argumentsListMsg{matchArguments(s.def, s.pickleStep.Text)}
		}
		steps = append(steps, ts)
	}
	f.write(testCaseEnvelope{TestCase: &testCaseMsg{
		ID:               tc.id,
		PickleID:         tc.pickle.Id,
		TestSteps:        steps,
		TestRunStartedID: f.runID,
	}})
	f.write(&messages.Envelope{TestCaseStarted: &messages.TestCaseStarted{
		Id:         tc.startedID,
		TestCaseId: tc.id,
		Timestamp:  timestamp(tc.startedAt),
	}})

	// godog times the end of each step; a step starts when the one before it ended.
	at := tc.startedAt
	for _, s := range tc.order {
		end := at // a step godog reported nothing for took no time
		if s.done {
			end = later(at, s.finishedAt) // never before its start, should the clock go back
		} else {
			s.status = messages.TestStepResultStatus_SKIPPED
		}
		f.write(&messages.Envelope{TestStepStarted: &messages.TestStepStarted{
			TestCaseStartedId: tc.startedID,
			TestStepId:        s.id,
			Timestamp:         timestamp(at),
		}})
		for _, a := range s.attachments {
			f.write(&messages.Envelope{Attachment: attachment(a, tc.startedID, s.id)})
		}
		f.write(&messages.Envelope{TestStepFinished: &messages.TestStepFinished{
			TestCaseStartedId: tc.startedID,
			TestStepId:        s.id,
			TestStepResult:    stepResult(s, end.Sub(at)),
			Timestamp:         timestamp(end),
		}})
		at = end
	}
	f.write(&messages.Envelope{TestCaseFinished: &messages.TestCaseFinished{
		TestCaseStartedId: tc.startedID,
		Timestamp:         timestamp(at),
	}})
}

// stepResult is the testStepResult of s, which took d.
func stepResult(s *testStep, d time.Duration) *messages.TestStepResult {
	r := &messages.TestStepResult{Duration: duration(d), Status: s.status}
	if s.err == nil {
		return r
	}
	r.Message = s.err.Error()
	// godog's error for a panic carries the stack in its %+v form. Only then is an exception
	// worth writing: the HTML formatter shows its stack trace, or else its type before the
	// message, and the Go type of a plain error ("*errors.errorString") says nothing.
	if full := fmt.Sprintf("%+v", s.err); full != r.Message {
		r.Exception = &messages.Exception{Type: fmt.Sprintf("%T", s.err), Message: r.Message, StackTrace: full}
	}
	return r
}

// later returns the later of a and b.
func later(a, b time.Time) time.Time {
	if b.After(a) {
		return b
	}
	return a
}

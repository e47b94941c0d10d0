package messagefmt_test

import (
	"encoding/json"
	"fmt"
	"slices"
	"testing"
	"time"

	cmessages "github.com/cucumber/messages/go/v34"
	"github.com/stretchr/testify/require"
)

// stepOutcome is what a report says of one test step.
type stepOutcome struct {
	Text        string
	Status      cmessages.TestStepResultStatus
	Attachments []string // media types, in order
}

// runReport is what a stream says of a run, once its integrity is checked.
type runReport struct {
	Success  bool
	Outcomes map[string][]stepOutcome // by "uri:line pickle name"
}

// checkIntegrity checks that envs form a complete, consistent run: every id is defined once
// before anything refers to it, every test case and test step that starts finishes, in order,
// and there is one test case per pickle. It returns what the run found.
func checkIntegrity(tb testing.TB, envs []*cmessages.Envelope) runReport {
	tb.Helper()
	require.NotEmpty(tb, envs)
	require.NotNil(tb, envs[0].Meta, "the first message is meta")
	require.NotNil(tb, envs[len(envs)-1].TestRunFinished, "the last message is testRunFinished")

	ids := map[string]string{} // every id defined, and what it names
	define := func(kind, id string) {
		tb.Helper()
		require.NotEmpty(tb, id, "a %s without id", kind)
		prev, dup := ids[id]
		require.False(tb, dup, "id %q names a %s and a %s", id, prev, kind)
		ids[id] = kind
	}
	requireID := func(kind, id, where string) {
		tb.Helper()
		require.Equal(tb, kind, ids[id], "%s refers to %s %q, which is not defined before it", where, kind, id)
	}

	type runningCase struct {
		tc      *cmessages.TestCase
		next    int // index of the next test step to start
		running *cmessages.TestStepStarted
		lastEnd time.Time
		// media types of the running step's attachments
		attachments []string
	}
	var (
		runID         string
		docs          = map[string]map[string]bool{} // AST node ids by URI
		sources       = map[string]bool{}
		pickles       = map[string]*cmessages.Pickle{}
		testCases     = map[string]*cmessages.TestCase{}
		casesByPickle = map[string]bool{}
		open          = map[string]*runningCase{} // by testCaseStarted id
		finishedCases int
		stepsStarted  int
		statuses      []cmessages.TestStepResultStatus
		report        = runReport{Outcomes: map[string][]stepOutcome{}}
		metas         int
	)
	for i, e := range envs {
		where := fmt.Sprintf("line %d", i+1)
		switch {
		case e.Meta != nil:
			metas++
		case e.Source != nil:
			require.False(tb, sources[e.Source.Uri], "%s: second source for %s", where, e.Source.Uri)
			sources[e.Source.Uri] = true
		case e.GherkinDocument != nil:
			d := e.GherkinDocument
			require.True(tb, sources[d.Uri], "%s: gherkinDocument %s before its source", where, d.Uri)
			docs[d.Uri] = map[string]bool{}
			for _, id := range astIDs(tb, d) {
				define("AST node", id)
				docs[d.Uri][id] = true
			}
		case e.Pickle != nil:
			p := e.Pickle
			define("pickle", p.Id)
			ast := docs[p.Uri]
			require.NotNil(tb, ast, "%s: pickle %s of %s, which has no gherkinDocument", where, p.Id, p.Uri)
			requireAll(tb, ast, p.AstNodeIds, where)
			for _, tag := range p.Tags {
				requireAll(tb, ast, []string{tag.AstNodeId}, where)
			}
			for _, s := range p.Steps {
				define("pickle step", s.Id)
				requireAll(tb, ast, s.AstNodeIds, where)
			}
			pickles[p.Id] = p
		case e.StepDefinition != nil:
			define("step definition", e.StepDefinition.Id)
		case e.TestRunStarted != nil:
			require.Empty(tb, runID, "%s: a second testRunStarted", where)
			define("test run", e.TestRunStarted.Id)
			runID = e.TestRunStarted.Id
		case e.TestCase != nil:
			tc := e.TestCase
			define("test case", tc.Id)
			requireID("test run", tc.TestRunStartedId, where)
			requireID("pickle", tc.PickleId, where)
			require.False(tb, casesByPickle[tc.PickleId], "%s: a second test case for pickle %s", where, tc.PickleId)
			casesByPickle[tc.PickleId] = true
			p := pickles[tc.PickleId]
			require.Len(tb, tc.TestSteps, len(p.Steps), "%s: one test step per pickle step", where)
			for j, ts := range tc.TestSteps {
				define("test step", ts.Id)
				require.Equal(tb, p.Steps[j].Id, ts.PickleStepId, "%s: test step %d is not pickle step %d", where, j, j)
				for _, sd := range ts.StepDefinitionIds {
					requireID("step definition", sd, where)
				}
				if ts.StepMatchArgumentsLists != nil {
					require.Len(tb, ts.StepMatchArgumentsLists, len(ts.StepDefinitionIds), "%s: one argument list per step definition", where)
				}
			}
			testCases[tc.Id] = tc
		case e.TestCaseStarted != nil:
			s := e.TestCaseStarted
			define("test case started", s.Id)
			requireID("test case", s.TestCaseId, where)
			tc := testCases[s.TestCaseId]
			delete(testCases, s.TestCaseId) // no attempt but the first
			open[s.Id] = &runningCase{tc: tc, lastEnd: toTime(s.Timestamp)}
			report.Outcomes[outcomeKey(pickles[tc.PickleId])] = nil
		case e.TestStepStarted != nil:
			s := e.TestStepStarted
			rc := open[s.TestCaseStartedId]
			require.NotNil(tb, rc, "%s: testStepStarted in test case %q, which is not running", where, s.TestCaseStartedId)
			require.Nil(tb, rc.running, "%s: a test step starts before the one before it finished", where)
			require.Less(tb, rc.next, len(rc.tc.TestSteps), "%s: more test steps started than the test case has", where)
			require.Equal(tb, rc.tc.TestSteps[rc.next].Id, s.TestStepId, "%s: test steps start out of order", where)
			require.False(tb, toTime(s.Timestamp).Before(rc.lastEnd), "%s: a test step starts before the one before it finished", where)
			rc.running = s
			stepsStarted++
		case e.Attachment != nil:
			a := e.Attachment
			rc := open[a.TestCaseStartedId]
			require.NotNil(tb, rc, "%s: attachment to test case %q, which is not running", where, a.TestCaseStartedId)
			require.NotNil(tb, rc.running, "%s: attachment outside a test step", where)
			require.Equal(tb, rc.running.TestStepId, a.TestStepId, "%s: attachment to a test step that is not running", where)
			rc.attachments = append(rc.attachments, a.MediaType)
		case e.TestStepFinished != nil:
			f := e.TestStepFinished
			rc := open[f.TestCaseStartedId]
			require.NotNil(tb, rc, "%s: testStepFinished in test case %q, which is not running", where, f.TestCaseStartedId)
			require.NotNil(tb, rc.running, "%s: testStepFinished of a step that did not start", where)
			require.Equal(tb, rc.running.TestStepId, f.TestStepId, "%s: a different test step finishes than started", where)
			start, end := toTime(rc.running.Timestamp), toTime(f.Timestamp)
			require.False(tb, end.Before(start), "%s: a test step finishes before it starts", where)
			require.Equal(tb, end.Sub(start), cmessages.DurationToGoDuration(*f.TestStepResult.Duration), "%s: duration is not finish minus start", where)
			statuses = append(statuses, f.TestStepResult.Status)
			pickle := pickles[rc.tc.PickleId]
			key := outcomeKey(pickle)
			report.Outcomes[key] = append(report.Outcomes[key], stepOutcome{
				Text:        pickle.Steps[rc.next].Text,
				Status:      f.TestStepResult.Status,
				Attachments: rc.attachments,
			})
			rc.attachments = nil
			rc.running = nil
			rc.next++
			rc.lastEnd = end
		case e.TestCaseFinished != nil:
			f := e.TestCaseFinished
			rc := open[f.TestCaseStartedId]
			require.NotNil(tb, rc, "%s: testCaseFinished of test case %q, which is not running", where, f.TestCaseStartedId)
			require.Nil(tb, rc.running, "%s: a test case finishes during a test step", where)
			require.Equal(tb, len(rc.tc.TestSteps), rc.next, "%s: a test case finishes before all its steps ran", where)
			require.False(tb, toTime(f.Timestamp).Before(rc.lastEnd), "%s: a test case finishes before its last step", where)
			delete(open, f.TestCaseStartedId)
			finishedCases++
		case e.TestRunFinished != nil:
			f := e.TestRunFinished
			require.Equal(tb, runID, f.TestRunStartedId, "%s: testRunFinished of another run", where)
			require.Empty(tb, open, "%s: the run finishes with test cases still running", where)
			report.Success = f.Success
		default:
			tb.Fatalf("%s: a message the formatter does not write", where)
		}
	}
	require.Equal(tb, 1, metas, "one meta")
	require.NotEmpty(tb, pickles, "the run has pickles")
	require.Empty(tb, testCases, "every test case starts")
	require.Len(tb, casesByPickle, len(pickles), "one test case per pickle")
	require.Equal(tb, len(pickles), finishedCases, "every pickle's test case finishes")
	require.Len(tb, statuses, stepsStarted)
	wantSuccess := !slices.ContainsFunc(statuses, func(s cmessages.TestStepResultStatus) bool {
		return s != cmessages.TestStepResultStatus_PASSED && s != cmessages.TestStepResultStatus_SKIPPED
	})
	require.Equal(tb, wantSuccess, report.Success, "testRunFinished.success against the step results")
	return report
}

// outcomeKey names a pickle in a runReport.
func outcomeKey(p *cmessages.Pickle) string {
	return fmt.Sprintf("%s:%d %s", p.Uri, p.Location.Line, p.Name)
}

// astIDs returns the id of every node of doc.
func astIDs(tb testing.TB, doc *cmessages.GherkinDocument) []string {
	tb.Helper()
	b, err := json.Marshal(doc)
	require.NoError(tb, err)
	var tree any
	require.NoError(tb, json.Unmarshal(b, &tree))
	var ids []string
	var walk func(any)
	walk = func(v any) {
		switch v := v.(type) {
		case map[string]any:
			if id, ok := v["id"].(string); ok {
				ids = append(ids, id)
			}
			for _, c := range v {
				walk(c)
			}
		case []any:
			for _, c := range v {
				walk(c)
			}
		}
	}
	walk(tree)
	return ids
}

// requireAll checks that every id is in known.
func requireAll(tb testing.TB, known map[string]bool, ids []string, where string) {
	tb.Helper()
	require.NotEmpty(tb, ids, "%s: no AST node ids", where)
	for _, id := range ids {
		require.True(tb, known[id], "%s: AST node %q is not in the pickle's document", where, id)
	}
}

func toTime(ts *cmessages.Timestamp) time.Time {
	return cmessages.TimestampToGoTime(*ts)
}

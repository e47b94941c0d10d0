package steps

import "github.com/cucumber/godog"

// register lists every step of the features in one place. Patterns are anchored and their
// choices closed, so a typo in a feature is an undefined step, not a silent match.
func (w *World) register(sc *godog.ScenarioContext) {
	// Preconditions.
	sc.Step(`^I am an authorised integration user$`, w.step(w.authorisedUser))
	sc.Step(`^an export request that is still running$`, w.step(w.aRunningRequest))
	sc.Step(`^an export request that is still running, with at least one table finished$`, w.step(w.aRunningRequestWithAFinishedTable))
	sc.Step(`^an export request that has completed with progress "(succeeded|failed|cancelled)"$`, w.stepS(w.aCompletedRequest))
	sc.Step(`^an export request that is being cancelled$`, w.step(w.aRequestBeingCancelled))
	sc.Step(`^no export request has the id "([^"]*)"$`, w.stepS(w.noRequestHasID))
	sc.Step(`^export request (\d+) is running with these tables:$`, w.stepST(w.requestRunningWithTables))

	// Actions.
	sc.Step(`^I submit an export request$`, w.step(w.submitExport))
	sc.Step(`^I submit an export request whose body is not valid JSON$`, w.step(w.submitMalformedExport))
	sc.Step(`^I submit an export request without credentials$`, w.step(w.submitWithoutCredentials))
	sc.Step(`^I cancel the export request(?: again)?$`, w.step(w.cancelTheRequest))
	sc.Step(`^I cancel the export request without credentials$`, w.step(w.cancelWithoutCredentials))
	sc.Step(`^I cancel export request "([^"]*)"$`, w.stepS(w.cancelByID))
	sc.Step(`^I check the status of export request "([^"]*)"$`, w.stepS(w.statusByID))
	sc.Step(`^I check the status of the export request without credentials$`, w.step(w.statusWithoutCredentials))

	// Outcomes.
	sc.Step(`^the answer is (200 OK|202 Accepted|400 Bad Request|401 Unauthorized|404 Not Found)$`, w.stepS(w.theAnswerIs))
	sc.Step(`^the answer is the status document of a new request$`, w.step(w.answerIsNewRequest))
	sc.Step(`^the error message says the request is in an invalid state for cancellation$`, w.step(w.errorSaysInvalidState))
	sc.Step(`^the error message says the request does not exist$`, w.step(w.errorSaysNotFound))
	sc.Step(`^the answer asks for credentials$`, w.step(w.answerAsksForCredentials))
	sc.Step(`^the request is marked as cancelling$`, w.step(w.requestIsMarkedCancelling))
	sc.Step(`^the request shows progress "(pending|processing|cancelling|cancelled|succeeded|failed)"$`, w.stepS(w.requestShowsProgress))
	sc.Step(`^the request still shows progress "(succeeded|failed|cancelled)"$`, w.stepS(w.requestShowsCompletedProgress))
	sc.Step(`^eventually, within (\d+) seconds, the request (is cancelled|has succeeded)$`, w.stepIS(w.eventuallyRequestIs))
	sc.Step(`^eventually the request (is cancelled|has succeeded)$`, w.stepS(w.eventuallyWithinContract))
	sc.Step(`^the cancel is accepted$`, w.stepC(w.cancelIsAccepted))
	sc.Step(`^the request is completed$`, w.step(w.requestIsCompleted))
	sc.Step(`^the request has not been cancelled$`, w.step(w.requestNotCancelled))
	sc.Step(`^its tables show:$`, w.stepT(w.tablesShow))
	sc.Step(`^every table that had finished before the cancellation kept its progress, parts and checksums$`, w.step(w.finishedTablesKept))
	sc.Step(`^no table is still pending or processing$`, w.step(w.noTableStillRunning))
	sc.Step(`^every table has succeeded with its parts, record counts and checksums$`, w.step(w.everyTableSucceededWithParts))
}

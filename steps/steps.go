package steps

// define is every step conform understands, one to a line: its anchored pattern with closed
// choices (a typo in a feature is an undefined step, not a silent match), registered with its
// function (sc); its description and example (c), for conform steps, Check and suggestions. godog
// shows a step's line here as its location. c is nil when only registering.
func (w *World) define(sc stepper, c *catalogue) {
	// Preconditions.
	sc.Step(c.given(`^I am an authorised integration user$`, "Checks that the run has credentials for the target.", "I am an authorised integration user"), w.step(w.authorisedUser))
	sc.Step(c.given(`^an export request that is still running$`, "Makes an export request that is pending or processing (live: submits the running export and waits for it).", "an export request that is still running"), w.step(w.aRunningRequest))
	sc.Step(c.given(`^an export request that is still running, with at least one table finished$`, "Makes a running export request of which at least one table has succeeded or failed.", "an export request that is still running, with at least one table finished"), w.step(w.aRunningRequestWithAFinishedTable))
	sc.Step(c.given(`^an export request that has completed with progress "(succeeded|failed|cancelled)"$`, "Makes an export request that has completed the way named (failed: the bundled fake only).", `an export request that has completed with progress "succeeded"`), w.stepS(w.aCompletedRequest))
	sc.Step(c.given(`^an export request that is being cancelled$`, "Makes a running export request, cancels it and checks that it shows cancelling.", "an export request that is being cancelled"), w.step(w.aRequestBeingCancelled))
	sc.Step(c.given(`^no export request has the id "([^"]*)"$`, "Checks that the id names no export request (its status answers 404); only then may it be cancelled.", `no export request has the id "987654321987"`), w.stepS(w.noRequestHasID))
	sc.Step(c.given(`^export request (\d+) is running with these tables:$`, "Puts exactly this request into the bundled fake (tables, progress, records, checksums); the bundled fake only.", "export request 12345 is running with these tables:\n  | table | progress | records | checksum |"), w.stepST(w.requestRunningWithTables))

	// Actions.
	sc.Step(c.when(`^I submit an export request$`, "Submits the quick export (POST /exportRequests, Prefer: respond-async).", "I submit an export request"), w.step(w.submitExport))
	sc.Step(c.when(`^I submit an export request whose body is not valid JSON$`, "Submits a body cut off before its end; the spec then judges the answer only. A request the target accepts all the same is cancelled at the end.", "I submit an export request whose body is not valid JSON"), w.step(w.submitMalformedExport))
	sc.Step(c.when(`^I submit an export request without credentials$`, "Submits the quick export without credentials. A request the target accepts all the same is cancelled at the end.", "I submit an export request without credentials"), w.step(w.submitWithoutCredentials))
	sc.Step(c.when(`^I cancel the export request(?: again)?$`, "Sends the cancel of the scenario's request, after noting which tables had finished. Cancelling again a request seen cancelling, it makes no other call first; one that settled meanwhile skips the scenario.", "I cancel the export request"), w.step(w.cancelTheRequest))
	sc.Step(c.when(`^I cancel the export request without credentials$`, "Sends the cancel of the scenario's request without credentials.", "I cancel the export request without credentials"), w.step(w.cancelWithoutCredentials))
	sc.Step(c.when(`^I cancel export request "([^"]*)"$`, "Sends the cancel of the id named (the guard allows it only for a request the scenario made, or an id just seen unknown).", `I cancel export request "987654321987"`), w.stepS(w.cancelByID))
	sc.Step(c.when(`^I check the status of export request "([^"]*)"$`, "Asks for the status of the id named.", `I check the status of export request "987654321987"`), w.stepS(w.statusByID))
	sc.Step(c.when(`^I check the status of the export request without credentials$`, "Asks for the status of the scenario's request without credentials.", "I check the status of the export request without credentials"), w.step(w.statusWithoutCredentials))

	// Outcomes.
	sc.Step(c.then(`^the answer is (200 OK|202 Accepted|400 Bad Request|401 Unauthorized|404 Not Found)$`, "Checks the status of the last answer.", "the answer is 404 Not Found"), w.stepS(w.theAnswerIs))
	sc.Step(c.then(`^the answer is the status document of a new request$`, "Checks that the last answer names a new request that is pending or processing.", "the answer is the status document of a new request"), w.step(w.answerIsNewRequest))
	sc.Step(c.then(`^the error message says the request is in an invalid state for cancellation$`, "Looks for the invalid-state message in any text of the error document.", "the error message says the request is in an invalid state for cancellation"), w.step(w.errorSaysInvalidState))
	sc.Step(c.then(`^the error message says the request does not exist$`, "Looks for a not-found message in any text of the error document.", "the error message says the request does not exist"), w.step(w.errorSaysNotFound))
	sc.Step(c.then(`^the answer asks for credentials$`, "Checks that the last answer carries a WWW-Authenticate challenge.", "the answer asks for credentials"), w.step(w.answerAsksForCredentials))
	sc.Step(c.then(`^the request is marked as cancelling$`, "Checks that the request shows cancelling (or, on a fast target, already cancelled), after waiting through a moment of unknown (within contract.cancel_settles_within).", "the request is marked as cancelling"), w.step(w.requestIsMarkedCancelling))
	sc.Step(c.then(`^the request shows progress "(pending|processing|cancelling|cancelled|succeeded|failed)"$`, "Checks the request's progress now.", `the request shows progress "cancelling"`), w.stepS(w.requestShowsProgress))
	sc.Step(c.then(`^the request still shows progress "(succeeded|failed|cancelled)"$`, "Checks that a completed request still shows its outcome and is completed.", `the request still shows progress "succeeded"`), w.stepS(w.requestShowsCompletedProgress))
	sc.Step(c.then(`^eventually, within (\d+) seconds, the request (is cancelled|has succeeded)$`, "Polls until the request is cancelled or has succeeded, within the seconds named.", "eventually, within 30 seconds, the request is cancelled"), w.stepIS(w.eventuallyRequestIs))
	sc.Step(c.then(`^eventually the request (is cancelled|has succeeded)$`, "Polls until the request is cancelled or has succeeded, within the contract's deadline (contract.cancel_settles_within or contract.export_finishes_within).", "eventually the request is cancelled"), w.stepS(w.eventuallyWithinContract))
	sc.Step(c.then(`^the cancel is accepted$`, "Checks that the last answer, to a cancel of a running request, is a status contract.cancel_accepted names (200 by default).", "the cancel is accepted"), w.stepC(w.cancelIsAccepted))
	sc.Step(c.then(`^the request is completed$`, "Checks that the request shows completed true.", "the request is completed"), w.step(w.requestIsCompleted))
	sc.Step(c.then(`^the request has not been cancelled$`, "Checks that the request is neither cancelling nor cancelled.", "the request has not been cancelled"), w.step(w.requestNotCancelled))
	sc.Step(c.then(`^its tables show:$`, "Checks the request's tables against a data table (table, progress, records, checksum).", "its tables show:\n  | table | progress |"), w.stepT(w.tablesShow))
	sc.Step(c.then(`^every table that had finished before the cancellation kept its progress, parts and checksums$`, "Compares the tables that had finished before the cancel with what they show now.", "every table that had finished before the cancellation kept its progress, parts and checksums"), w.step(w.finishedTablesKept))
	sc.Step(c.then(`^no table is still pending or processing$`, "Checks that no table of the request is pending or processing.", "no table is still pending or processing"), w.step(w.noTableStillRunning))
	sc.Step(c.then(`^every table has succeeded with its parts, record counts and checksums$`, "Checks that every table succeeded, with consistent parts, record counts and checksums.", "every table has succeeded with its parts, record counts and checksums"), w.step(w.everyTableSucceededWithParts))
}

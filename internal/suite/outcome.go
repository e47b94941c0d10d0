package suite

import "slices"

// The statuses of steps and scenarios, as godog names them in its reports.
const (
	statusPassed    = "passed"
	statusFailed    = "failed"
	statusSkipped   = "skipped"
	statusUndefined = "undefined"
	statusPending   = "pending"
	statusAmbiguous = "ambiguous"
)

// outcomeOrder ranks the statuses of a scenario's steps: the scenario's outcome is the first of
// these that one of its steps has. A failure outranks everything; a step godog could not run
// (undefined, pending, ambiguous) outranks a skip; a scenario with a skipped step and nothing
// worse was skipped (a precondition not reached, an interrupted run), not passed.
var outcomeOrder = []string{statusFailed, statusAmbiguous, statusUndefined, statusPending, statusSkipped, statusPassed}

// outcome is the outcome of a scenario whose steps ended with statuses, in any order: every
// report of a run (the console's summary, JUnit) counts a scenario by it. A scenario without
// steps is undefined, as godog's console says.
func outcome(statuses []string) string {
	for _, s := range outcomeOrder {
		if slices.Contains(statuses, s) {
			return s
		}
	}
	return statusUndefined
}

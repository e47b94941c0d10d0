package steps

import (
	"fmt"
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

// catalog describes every step register registers, in its order. TestCatalogIsWhatIsRegistered
// keeps the two in step.
var catalog = []Definition{
	{"Given", `^I am an authorised integration user$`, "Checks that the run has credentials for the target.", "I am an authorised integration user"},
	{"Given", `^an export request that is still running$`, "Makes an export request that is pending or processing (live: submits the running export and waits for it).", "an export request that is still running"},
	{"Given", `^an export request that is still running, with at least one table finished$`, "Makes a running export request of which at least one table has succeeded or failed.", "an export request that is still running, with at least one table finished"},
	{"Given", `^an export request that has completed with progress "(succeeded|failed|cancelled)"$`, "Makes an export request that has completed the way named (failed: the bundled fake only).", `an export request that has completed with progress "succeeded"`},
	{"Given", `^an export request that is being cancelled$`, "Makes a running export request, cancels it and checks that it shows cancelling.", "an export request that is being cancelled"},
	{"Given", `^no export request has the id "([^"]*)"$`, "Checks that the id names no export request (its status answers 404); only then may it be cancelled.", `no export request has the id "987654321987"`},
	{"Given", `^export request (\d+) is running with these tables:$`, "Puts exactly this request into the bundled fake (tables, progress, records, checksums); the bundled fake only.", "export request 12345 is running with these tables:\n  | table | progress | records | checksum |"},
	{"When", `^I submit an export request$`, "Submits the quick export (POST /exportRequests, Prefer: respond-async).", "I submit an export request"},
	{"When", `^I submit an export request whose body is not valid JSON$`, "Submits a body cut off before its end; the spec then judges the answer only. A request the target accepts all the same is cancelled at the end.", "I submit an export request whose body is not valid JSON"},
	{"When", `^I submit an export request without credentials$`, "Submits the quick export without credentials. A request the target accepts all the same is cancelled at the end.", "I submit an export request without credentials"},
	{"When", `^I cancel the export request(?: again)?$`, "Sends the cancel of the scenario's request, after noting which tables had finished. Cancelling again a request seen cancelling, it makes no other call first; one that settled meanwhile skips the scenario.", "I cancel the export request"},
	{"When", `^I cancel the export request without credentials$`, "Sends the cancel of the scenario's request without credentials.", "I cancel the export request without credentials"},
	{"When", `^I cancel export request "([^"]*)"$`, "Sends the cancel of the id named (the guard allows it only for a request the scenario made, or an id just seen unknown).", `I cancel export request "987654321987"`},
	{"When", `^I check the status of export request "([^"]*)"$`, "Asks for the status of the id named.", `I check the status of export request "987654321987"`},
	{"When", `^I check the status of the export request without credentials$`, "Asks for the status of the scenario's request without credentials.", "I check the status of the export request without credentials"},
	{"Then", `^the answer is (200 OK|202 Accepted|400 Bad Request|401 Unauthorized|404 Not Found)$`, "Checks the status of the last answer.", "the answer is 404 Not Found"},
	{"Then", `^the answer is the status document of a new request$`, "Checks that the last answer names a new request that is pending or processing.", "the answer is the status document of a new request"},
	{"Then", `^the error message says the request is in an invalid state for cancellation$`, "Looks for the invalid-state message in any text of the error document.", "the error message says the request is in an invalid state for cancellation"},
	{"Then", `^the error message says the request does not exist$`, "Looks for a not-found message in any text of the error document.", "the error message says the request does not exist"},
	{"Then", `^the answer asks for credentials$`, "Checks that the last answer carries a WWW-Authenticate challenge.", "the answer asks for credentials"},
	{"Then", `^the request is marked as cancelling$`, "Checks that the request shows cancelling (or, on a fast target, already cancelled), after waiting through a moment of unknown (within contract.cancel_settles_within).", "the request is marked as cancelling"},
	{"Then", `^the request shows progress "(pending|processing|cancelling|cancelled|succeeded|failed)"$`, "Checks the request's progress now.", `the request shows progress "cancelling"`},
	{"Then", `^the request still shows progress "(succeeded|failed|cancelled)"$`, "Checks that a completed request still shows its outcome and is completed.", `the request still shows progress "succeeded"`},
	{"Then", `^eventually, within (\d+) seconds, the request (is cancelled|has succeeded)$`, "Polls until the request is cancelled or has succeeded, within the seconds named.", "eventually, within 30 seconds, the request is cancelled"},
	{"Then", `^eventually the request (is cancelled|has succeeded)$`, "Polls until the request is cancelled or has succeeded, within the contract's deadline (contract.cancel_settles_within or contract.export_finishes_within).", "eventually the request is cancelled"},
	{"Then", `^the cancel is accepted$`, "Checks that the last answer, to a cancel of a running request, is a status contract.cancel_accepted names (200 by default).", "the cancel is accepted"},
	{"Then", `^the request is completed$`, "Checks that the request shows completed true.", "the request is completed"},
	{"Then", `^the request has not been cancelled$`, "Checks that the request is neither cancelling nor cancelled.", "the request has not been cancelled"},
	{"Then", `^its tables show:$`, "Checks the request's tables against a data table (table, progress, records, checksum).", "its tables show:\n  | table | progress |"},
	{"Then", `^every table that had finished before the cancellation kept its progress, parts and checksums$`, "Compares the tables that had finished before the cancel with what they show now.", "every table that had finished before the cancellation kept its progress, parts and checksums"},
	{"Then", `^no table is still pending or processing$`, "Checks that no table of the request is pending or processing.", "no table is still pending or processing"},
	{"Then", `^every table has succeeded with its parts, record counts and checksums$`, "Checks that every table succeeded, with consistent parts, record counts and checksums.", "every table has succeeded with its parts, record counts and checksums"},
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

// tableSteps are the patterns of the steps that take a data table, each with the check of its
// shape.
var tableSteps = map[string]func(*godog.Table) error{
	`^export request (\d+) is running with these tables:$`: checkTables,
	`^its tables show:$`: checkTables,
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

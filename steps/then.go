package steps

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/cucumber/godog"

	"github.com/conform-harness/conform/export"
)

func (w *World) lastResponse() (*Response, error) {
	if w.last == nil {
		return nil, errors.New("no answer yet: an earlier step must call the API")
	}
	return w.last, nil
}

func (w *World) theAnswerIs(_ context.Context, want string) error {
	resp, err := w.lastResponse()
	if err != nil {
		return err
	}
	code, _ := strconv.Atoi(want[:3])
	if resp.Status != code {
		return fmt.Errorf("want %s, got:\n%s", want, resp.Describe())
	}
	return nil
}

func (w *World) answerIsNewRequest(context.Context) error {
	resp, err := w.lastResponse()
	if err != nil {
		return err
	}
	doc, err := resp.StatusDocument()
	if err != nil {
		return err
	}
	if doc.RequestID() == "" {
		return fmt.Errorf("the answer names no request id:\n%s", resp.Describe())
	}
	if doc.Completed || doc.Progress == export.Cancelling || doc.Progress == export.Cancelled {
		return fmt.Errorf("a new request should be pending or processing, got %q:\n%s", doc.Progress, resp.Describe())
	}
	return nil
}

// What an error document must say is matched loosely, in any string of it (title, detail, a
// detail of o:errorDetails, an extension of the server's own, at any depth): the use-case page
// gives the meaning of its messages, not their words, and the vendor's REST stack often puts
// the message only in o:errorDetails. Each table below lists the wordings of one meaning, as
// regular expressions matched without regard to case, a space standing for any run of white
// space. A wording must be narrow enough that no other error of the API says it: the tests hold
// each table to its examples and to the other errors' messages (not found, unauthorized, a bad
// request body, too many requests).

// invalidStateWordings say that a request cannot be cancelled because of its state.
var invalidStateWordings = []string{
	`invalid state`,                         // the use-case page: "in an invalid state for a cancellation request"
	`wrong state`,                           // "the request is in the wrong state"
	`not in an? (valid|cancell?able) state`, // "is not in a valid state", "not in a cancellable state"
	`(cannot|can not|can't|could not|may not) be cancell?ed`, // "the request cannot be cancelled"
	`(is|are) not cancell?able`,                              // "the request is not cancellable"
	`no longer cancell?able`,                                 // "the request is no longer cancellable"
	`(has|have|had|was|were|is) already (completed|finished|ended|succeeded|failed|been cancell?ed|cancell?ed)`, // "has already completed"
}

// notFoundWordings say that no request has the id asked for.
var notFoundWordings = []string{
	`not found`,                        // "Not Found", "the request was not found"
	`could not be found`,               // "could not be found"
	`(does not|doesn't|did not) exist`, // "export request 99999 does not exist"
	`no such (export )?(request|resource|id)`,
	`no (export )?request (was |is )?found`,
	`unknown (export )?(request|id|resource)`,
	`(request )?id is not valid`, // the use-case page: "if the request ID is not valid"
	`invalid (export )?request id`,
}

// wordings compiles a table of wordings into one case-insensitive expression.
func wordings(table []string) *regexp.Regexp {
	alts := make([]string, len(table))
	for i, w := range table {
		alts[i] = `(` + strings.ReplaceAll(w, " ", `\s+`) + `)`
	}
	return regexp.MustCompile(`(?i)\b(` + strings.Join(alts, "|") + `)\b`)
}

var (
	invalidState = wordings(invalidStateWordings)
	notFound     = wordings(notFoundWordings)
)

func (w *World) errorSaysInvalidState(context.Context) error {
	return w.errorSays(invalidState, "that the request is in an invalid state for cancellation")
}

func (w *World) errorSaysNotFound(context.Context) error {
	return w.errorSays(notFound, "that the request does not exist")
}

// errorSays requires one string of the error document the recording transport decoded to say
// what re matches.
func (w *World) errorSays(re *regexp.Regexp, what string) error {
	resp, err := w.lastResponse()
	if err != nil {
		return err
	}
	doc, err := resp.ErrorDocument()
	if err != nil {
		return err
	}
	said := doc.Strings()
	for _, s := range said {
		if re.MatchString(s) {
			return nil
		}
	}
	if len(said) == 0 {
		return fmt.Errorf("the error message should say %s; the error document says nothing:\n%s", what, resp.Describe())
	}
	return fmt.Errorf("the error message should say %s; none of the error document's strings does (%q):\n%s", what, said, resp.Describe())
}

func (w *World) answerAsksForCredentials(context.Context) error {
	resp, err := w.lastResponse()
	if err != nil {
		return err
	}
	if strings.TrimSpace(resp.Header.Get("WWW-Authenticate")) == "" {
		return fmt.Errorf("a 401 must carry a WWW-Authenticate challenge; got:\n%s", resp.Describe())
	}
	return nil
}

// requestIsMarkedCancelling accepts cancelling, or cancelled on a server that settles before
// the next poll. It waits through unknown for a moment (awaitCancelling): a server may not yet
// say what a request it is cancelling is doing.
func (w *World) requestIsMarkedCancelling(ctx context.Context) error {
	doc, resp, err := w.awaitCancelling(ctx)
	if err != nil {
		return err
	}
	if doc.Progress != export.Cancelling && doc.Progress != export.Cancelled {
		return fmt.Errorf("right after the cancel the request should be cancelling (or already cancelled), got %q:\n%s", doc.Progress, resp.Describe())
	}
	return nil
}

func (w *World) requestShowsProgress(ctx context.Context, want string) error {
	status := w.status
	if export.Progress(want) == export.Cancelling {
		status = w.awaitCancelling // as "the request is marked as cancelling" does
	}
	doc, resp, err := status(ctx)
	if err != nil {
		return err
	}
	if doc.Progress != export.Progress(want) {
		return fmt.Errorf("want progress %q, got %q:\n%s", want, doc.Progress, resp.Describe())
	}
	return nil
}

func (w *World) requestShowsCompletedProgress(ctx context.Context, want string) error {
	if err := w.requestShowsProgress(ctx, want); err != nil {
		return err
	}
	return w.requestIsCompleted(ctx)
}

// eventuallyRequestIs waits the seconds a feature names for the request to be cancelled or to
// have succeeded: for a team's own features; conform's say "eventually" and mean the contract's
// deadline (eventuallyWithinContract).
func (w *World) eventuallyRequestIs(ctx context.Context, seconds int, phrase string) error {
	want := export.Progress(strings.Fields(phrase)[1])
	return w.awaitProgress(ctx, want, time.Duration(seconds)*time.Second, "")
}

func (w *World) requestIsCompleted(ctx context.Context) error {
	doc, resp, err := w.status(ctx)
	if err != nil {
		return err
	}
	if !doc.Completed {
		return fmt.Errorf("want completed true, got:\n%s", resp.Describe())
	}
	return nil
}

func (w *World) requestNotCancelled(ctx context.Context) error {
	doc, resp, err := w.status(ctx)
	if err != nil {
		return err
	}
	if doc.Progress == export.Cancelling || doc.Progress == export.Cancelled {
		return fmt.Errorf("a cancel without credentials must have no effect, but the request shows %q:\n%s", doc.Progress, resp.Describe())
	}
	return nil
}

func (w *World) tablesShow(ctx context.Context, table *godog.Table) error {
	rows, err := tableRows(table)
	if err != nil {
		return err
	}
	doc, resp, err := w.status(ctx)
	if err != nil {
		return err
	}
	var problems []string
	for _, r := range rows {
		it, ok := doc.Item(r.name)
		if !ok {
			problems = append(problems, fmt.Sprintf("table %s is missing", r.name))
			continue
		}
		if it.Progress != r.progress {
			problems = append(problems, fmt.Sprintf("table %s: want progress %q, got %q", r.name, r.progress, it.Progress))
		}
		if r.records != 0 || r.checksum != "" {
			if len(it.Parts.Items) != 1 {
				problems = append(problems, fmt.Sprintf("table %s: want one part, got %d", r.name, len(it.Parts.Items)))
				continue
			}
			p := it.Parts.Items[0]
			if r.records != 0 && p.RecordCount != r.records {
				problems = append(problems, fmt.Sprintf("table %s: want %d records, got %d", r.name, r.records, p.RecordCount))
			}
			if r.checksum != "" && p.Checksum != r.checksum {
				problems = append(problems, fmt.Sprintf("table %s: want checksum %s, got %s", r.name, r.checksum, p.Checksum))
			}
		}
	}
	if len(problems) > 0 {
		return fmt.Errorf("%s\n%s", strings.Join(problems, "\n"), resp.Describe())
	}
	return nil
}

func (w *World) finishedTablesKept(ctx context.Context) error {
	if w.beforeItems == nil {
		return errors.New("no cancel was sent: an earlier step must cancel the request")
	}
	if len(w.beforeItems) == 0 {
		return errors.New("no table had finished before the cancellation, so there is nothing to compare; the precondition should have made one finish")
	}
	doc, resp, err := w.status(ctx)
	if err != nil {
		return err
	}
	var problems []string
	for name, before := range w.beforeItems {
		now, ok := doc.Item(name)
		switch {
		case !ok:
			problems = append(problems, fmt.Sprintf("table %s, %s before the cancellation, is gone", name, before.Progress))
		case now.Progress != before.Progress:
			problems = append(problems, fmt.Sprintf("table %s was %s before the cancellation and is now %s", name, before.Progress, now.Progress))
		case !sameParts(before.Parts, now.Parts):
			problems = append(problems, fmt.Sprintf("table %s changed its parts: before %+v, now %+v", name, before.Parts, now.Parts))
		}
	}
	if len(problems) > 0 {
		return fmt.Errorf("%s\n%s", strings.Join(problems, "\n"), resp.Describe())
	}
	return nil
}

func sameParts(a, b export.Parts) bool {
	if a.Count != b.Count || len(a.Items) != len(b.Items) {
		return false
	}
	for i := range a.Items {
		if a.Items[i] != b.Items[i] {
			return false
		}
	}
	return true
}

func (w *World) noTableStillRunning(ctx context.Context) error {
	doc, resp, err := w.status(ctx)
	if err != nil {
		return err
	}
	for _, it := range doc.Items() {
		if it.Progress == export.Pending || it.Progress == export.Processing {
			return fmt.Errorf("table %s is still %s:\n%s", it.ItemName, it.Progress, resp.Describe())
		}
	}
	return nil
}

func (w *World) everyTableSucceededWithParts(ctx context.Context) error {
	doc, resp, err := w.status(ctx)
	if err != nil {
		return err
	}
	if len(doc.Items()) == 0 {
		return fmt.Errorf("the request lists no tables:\n%s", resp.Describe())
	}
	for _, it := range doc.Items() {
		if it.Progress != export.Succeeded {
			return fmt.Errorf("table %s is %s, want succeeded:\n%s", it.ItemName, it.Progress, resp.Describe())
		}
		if it.Parts.Count != len(it.Parts.Items) || it.Parts.Count == 0 {
			return fmt.Errorf("table %s: parts count %d but %d parts listed:\n%s", it.ItemName, it.Parts.Count, len(it.Parts.Items), resp.Describe())
		}
		var sum int64
		for _, p := range it.Parts.Items {
			if p.Checksum == "" {
				return fmt.Errorf("table %s: part %s has no checksum", it.ItemName, p.PartName)
			}
			sum += p.RecordCount
		}
		if it.TotalRecordCount != nil && *it.TotalRecordCount != sum {
			return fmt.Errorf("table %s: totalRecordCount %d but its parts hold %d records", it.ItemName, *it.TotalRecordCount, sum)
		}
	}
	return nil
}

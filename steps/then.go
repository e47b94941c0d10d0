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

	"conform/export"
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

// invalidState matches the vendor's message that a request is in an invalid state for a
// cancellation, in the wordings a server may reasonably use.
var invalidState = regexp.MustCompile(`(?i)(invalid|not (in )?a valid|wrong)\s+state`)

func (w *World) errorSaysInvalidState(context.Context) error {
	return w.errorSays(invalidState, "that the request is in an invalid state for cancellation")
}

var notFound = regexp.MustCompile(`(?i)not\s+(be\s+)?found|does\s+not\s+exist|unknown|no\s+such`)

func (w *World) errorSaysNotFound(context.Context) error {
	return w.errorSays(notFound, "that the request does not exist")
}

func (w *World) errorSays(re *regexp.Regexp, what string) error {
	resp, err := w.lastResponse()
	if err != nil {
		return err
	}
	doc, err := resp.ErrorDocument()
	if err != nil {
		return err
	}
	if !re.MatchString(doc.Detail) && !re.MatchString(doc.Title) {
		return fmt.Errorf("the error message should say %s; got title %q, detail %q", what, doc.Title, doc.Detail)
	}
	return nil
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
// the next poll.
func (w *World) requestIsMarkedCancelling(ctx context.Context) error {
	doc, resp, err := w.status(ctx)
	if err != nil {
		return err
	}
	if doc.Progress != export.Cancelling && doc.Progress != export.Cancelled {
		return fmt.Errorf("right after the cancel the request should be cancelling (or already cancelled), got %q:\n%s", doc.Progress, resp.Describe())
	}
	return nil
}

func (w *World) requestShowsProgress(ctx context.Context, want string) error {
	doc, resp, err := w.status(ctx)
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

package steps

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/cucumber/godog"

	"github.com/conform-harness/conform/export"
)

func (w *World) authorisedUser(context.Context) error {
	if w.target.Auth == nil {
		return errors.New("no credentials are configured for the target: set them as the README describes")
	}
	return nil
}

func (w *World) aRunningRequest(ctx context.Context) error {
	id, err := w.target.Arranger.Running(ctx, w.client)
	if err != nil {
		return fmt.Errorf("arrange a running export request: %w", err)
	}
	return w.adopt(ctx, id, isRunning, "still running", true)
}

func (w *World) aRunningRequestWithAFinishedTable(ctx context.Context) error {
	id, err := w.target.Arranger.RunningWithFinishedTable(ctx, w.client)
	if err != nil {
		return fmt.Errorf("arrange a running export request with a finished table: %w", err)
	}
	return w.adopt(ctx, id, func(d export.Status) bool { return isRunning(d) && len(finishedItems(d)) > 0 },
		"still running with at least one table finished", true)
}

func (w *World) aCompletedRequest(ctx context.Context, outcome string) error {
	id, err := w.target.Arranger.Completed(ctx, w.client, export.Progress(outcome))
	if err != nil {
		return fmt.Errorf("arrange an export request completed as %s: %w", outcome, err)
	}
	return w.adopt(ctx, id, func(d export.Status) bool { return d.Progress == export.Progress(outcome) }, outcome, false)
}

func (w *World) aRequestBeingCancelled(ctx context.Context) error {
	id, err := w.target.Arranger.Running(ctx, w.client)
	if err != nil {
		return fmt.Errorf("arrange a running export request: %w", err)
	}
	doc, err := w.adoptDoc(ctx, id, isRunning, "still running", true)
	if err != nil {
		return err
	}
	// What had finished before the cancel is what a later step compares with; noted now, from
	// the document just seen, so that a second cancel needs no status call of its own, which
	// could let the cancellation settle before it goes out.
	w.beforeItems = finishedItems(doc)
	resp, err := w.client.Cancel(ctx, w.requestID)
	if err != nil {
		return err
	}
	if !w.cfg.Contract.cancelAccepted(resp.Status) {
		if completedMeanwhile(ctx, w.client, w.requestID, resp) {
			return &PreconditionError{
				Want: "an export request that is being cancelled",
				Got:  fmt.Sprintf("request %s completed before its cancel went out (the cancel answered %d)", w.requestID, resp.Status),
			}
		}
		return fmt.Errorf("the cancel that should start the cancellation was not accepted (%s):\n%s", statuses(w.cfg.Contract.CancelAccepted), resp.Describe())
	}
	doc, _, err = w.awaitCancelling(ctx)
	if err != nil {
		return err
	}
	switch doc.Progress {
	case export.Cancelling:
		w.cancellingSeen = true
		return nil
	case export.Cancelled:
		return &PreconditionError{
			Want: "an export request that is being cancelled (cancelling), to cancel it again",
			Got: fmt.Sprintf("request %s was already cancelled when first polled after the cancel: "+
				"this target settles a cancellation before it can be seen cancelling", w.requestID),
			Advice: adviceSlowCancel,
		}
	default:
		return fmt.Errorf("request %s shows %q right after a cancel that answered %d; want cancelling", w.requestID, doc.Progress, resp.Status)
	}
}

// adviceSlowCancel is the advice of a scenario that needs a cancellation slow enough to be
// seen, and cancelled again, while it is under way.
const adviceSlowCancel = "--tags 'not @needs-slow-cancel' leaves this scenario out"

// momentPolls is how many polls awaitCancelling makes in one poll interval.
const momentPolls = 4

// awaitCancelling polls the scenario's request right after a cancel was accepted, until it
// shows something other than unknown: a server may not say for a moment what a request it is
// cancelling is doing. It waits through unknown (not completed) only, never through pending,
// processing or succeeded, and for at most contract.cancel_settles_within. The caller judges
// the document it returns.
func (w *World) awaitCancelling(ctx context.Context) (export.Status, *Response, error) {
	var (
		doc  export.Status
		resp *Response
		seen progressLog
	)
	within := w.cfg.Contract.CancelSettlesWithin
	what := fmt.Sprintf("export request %s showing cancelling after its cancel was accepted (contract.cancel_settles_within is %s)", w.requestID, within)
	// A moment of unknown is short, and the cancelling it hides may be short too: poll it more
	// often than a wait for a cancellation to settle.
	interval := max(w.cfg.PollInterval/momentPolls, time.Millisecond)
	err := eventually(ctx, w.target, within, interval, what, func() (bool, string, error) {
		d, r, err := w.status(ctx)
		if err != nil {
			return false, "", err
		}
		doc, resp = d, r
		seen.add(d.Progress)
		if d.Progress == export.Unknown && !d.Completed {
			return false, fmt.Sprintf("%q; all polls saw %s", d.Progress, seen), nil
		}
		return true, "", nil
	})
	return doc, resp, err
}

func (w *World) noRequestHasID(ctx context.Context, id string) error {
	resp, err := w.client.Status(ctx, export.ID(id))
	if err != nil {
		return err
	}
	switch resp.Status {
	case http.StatusNotFound:
	case http.StatusOK:
		// Only a status document of that very request shows that the target has one; any
		// other 200 (say, "{}") is an answer for an id no request has, which the contract
		// says is 404, whatever the spec then says of its body.
		if doc, err := resp.StatusDocument(); err != nil || doc.RequestID() != export.ID(id) {
			text := fmt.Sprintf("%s %s → 200: export request %q: an id no request has answered 200; the contract says 404 (the answer is no status document of that request)",
				resp.Method, resp.URL, id)
			w.addCause(text, resp.ex.At)
			return nil
		}
		return &PreconditionError{
			Want: fmt.Sprintf("no export request with the id %q", id),
			Got:  "this target has one (its status answered 200 OK)",
		}
	default:
		return fmt.Errorf("the id %q should name no export request, but its status answered:\n%s", id, resp.Describe())
	}
	w.requestID = export.ID(id)
	return nil
}

func (w *World) requestRunningWithTables(ctx context.Context, id string, table *godog.Table) error {
	rows, err := tableRows(table)
	if err != nil {
		return err
	}
	seeder, ok := w.target.Arranger.(Seeder)
	if !ok {
		return fmt.Errorf("arrange export request %s: %w", id, ErrFakeOnly)
	}
	seed := SeededRequest{ID: id, Progress: export.Processing}
	for _, r := range rows {
		seed.Tables = append(seed.Tables, SeededTable{Name: r.name, Progress: r.progress, Records: r.records, Checksum: r.checksum})
	}
	got, err := seeder.Seed(ctx, w.client, seed)
	if err != nil {
		return fmt.Errorf("arrange export request %s: %w", id, err)
	}
	return w.adopt(ctx, got, isRunning, "still running", false)
}

// adopt makes id the scenario's export request and checks, through the API, that it is in the
// state the step promised. A request the arranger saw running a moment ago (mayRunOn) may have
// completed since: the target could not be held in that state, a *PreconditionError. Any other
// mismatch fails the step.
func (w *World) adopt(ctx context.Context, id export.ID, ok func(export.Status) bool, want string, mayRunOn bool) error {
	_, err := w.adoptDoc(ctx, id, ok, want, mayRunOn)
	return err
}

// adoptDoc is adopt that also returns the document it checked.
func (w *World) adoptDoc(ctx context.Context, id export.ID, ok func(export.Status) bool, want string, mayRunOn bool) (export.Status, error) {
	w.requestID = id
	doc, resp, err := w.status(ctx)
	if err != nil {
		return doc, err
	}
	switch {
	case ok(doc):
		w.seenRunning = mayRunOn
	case mayRunOn && hasCompleted(doc):
		return doc, &PreconditionError{
			Want: fmt.Sprintf("export request %s %s", id, want),
			Got:  fmt.Sprintf("it had completed as %q by the time it was checked again", doc.Progress),
		}
	default:
		return doc, fmt.Errorf("export request %s should be %s, but its status is:\n%s", id, want, resp.Describe())
	}
	return doc, nil
}

// status fetches the scenario's request's status document and requires a 200.
func (w *World) status(ctx context.Context) (export.Status, *Response, error) {
	return w.statusOf(ctx, w.requestID)
}

// statusOf fetches the status document of id and requires a 200.
func (w *World) statusOf(ctx context.Context, id export.ID) (export.Status, *Response, error) {
	resp, err := w.client.Status(ctx, id)
	if err != nil {
		return export.Status{}, nil, err
	}
	if resp.Status != http.StatusOK {
		return export.Status{}, resp, w.client.notOK(id, resp)
	}
	doc, err := resp.StatusDocument()
	return doc, resp, err
}

func isRunning(d export.Status) bool {
	return !d.Completed && (d.Progress == export.Pending || d.Progress == export.Processing)
}

// finishedItems returns the items of d that have succeeded or failed, by name.
func finishedItems(d export.Status) map[string]export.Item {
	out := map[string]export.Item{}
	for _, it := range d.Items() {
		if it.Progress == export.Succeeded || it.Progress == export.Failed {
			out[it.ItemName] = it
		}
	}
	return out
}

package steps

import (
	"context"
	"fmt"
	"net/http"
	"slices"
	"time"

	"github.com/cucumber/godog"

	"github.com/conform-harness/conform/export"
)

// The contract's deadlines when a team names none: the time a cancellation may take to settle,
// an export to finish, and a request just created to answer its status. A step or a
// precondition that waits for any of them waits this long.
const (
	DefaultCancelSettlesWithin  = 30 * time.Second
	DefaultExportFinishesWithin = 2 * time.Minute
	DefaultVisibleWithin        = 5 * time.Second
)

// Contract is the choices a team may make differently from the use-case page, which the zero
// value keeps: which statuses mean that the cancel of a running request was accepted, and how
// long a cancellation may take to settle and an export to finish.
type Contract struct {
	// CancelAccepted are the statuses meaning "the cancel of a running request was accepted";
	// nil means 200 only, as the use-case page says (the vendor's OpenAPI document says 204).
	CancelAccepted []int
	// CancelSettlesWithin bounds cancelling → cancelled; 0 means DefaultCancelSettlesWithin.
	CancelSettlesWithin time.Duration
	// ExportFinishesWithin bounds an export's run, and the wait for any state short of a
	// cancellation that a scenario needs; 0 means DefaultExportFinishesWithin.
	ExportFinishesWithin time.Duration
	// VisibleWithin bounds how long a request the run created (its create answered 202) may
	// answer 404 before its status is first seen: an eventually consistent store may not show
	// it at once. 0 means DefaultVisibleWithin. Once it has answered 200, a 404 is a breach.
	VisibleWithin time.Duration
}

// WithDefaults returns c with every zero field set to the use-case page's value: the one place
// the defaults are filled in. It is applied at the edge where a team's choices become a run's
// options (conform run's flags take their defaults from it, conform.Run applies it), and by
// the two entries a caller may reach without that edge: the runner (internal/suite) and
// LiveTarget. Below them (the steps, Deadlines) the contract is taken as complete.
func (c Contract) WithDefaults() Contract {
	if len(c.CancelAccepted) == 0 {
		c.CancelAccepted = []int{http.StatusOK}
	}
	if c.CancelSettlesWithin <= 0 {
		c.CancelSettlesWithin = DefaultCancelSettlesWithin
	}
	if c.ExportFinishesWithin <= 0 {
		c.ExportFinishesWithin = DefaultExportFinishesWithin
	}
	if c.VisibleWithin <= 0 {
		c.VisibleWithin = DefaultVisibleWithin
	}
	return c
}

// cancelAccepted reports whether status means that the cancel of a running request was accepted.
func (c Contract) cancelAccepted(status int) bool { return slices.Contains(c.CancelAccepted, status) }

// Deadlines says the deadlines of c, a complete contract (WithDefaults), for reports: "a
// cancellation settles within 30s, an export finishes within 2m0s, a request is visible within
// 5s of its create".
func (c Contract) Deadlines() string {
	return fmt.Sprintf("a cancellation settles within %s (contract.cancel_settles_within), an export finishes within %s (contract.export_finishes_within), "+
		"a created request answers its status within %s (contract.visible_within)",
		c.CancelSettlesWithin, c.ExportFinishesWithin, c.VisibleWithin)
}

// noteMediaType is the media type of a note a step attaches for people to read beside it.
const noteMediaType = "text/plain"

// cancelIsAccepted checks that the last answer, to a cancel of a running request, is one of the
// statuses the contract accepts. A status accepted only through the contract (a 204 where the
// use-case page says 200) is noted beside the step, so every report says so.
func (w *World) cancelIsAccepted(ctx context.Context) (context.Context, error) {
	resp, err := w.lastResponse()
	if err != nil {
		return ctx, err
	}
	c := w.cfg.Contract
	if !c.cancelAccepted(resp.Status) {
		return ctx, fmt.Errorf("want the cancel accepted (%s), got:\n%s", statuses(c.CancelAccepted), resp.Describe())
	}
	if resp.Status != http.StatusOK {
		note := fmt.Sprintf("%d %s, accepted by contract.cancel_accepted", resp.Status, http.StatusText(resp.Status))
		w.note(note)
		ctx = godog.Attach(ctx, godog.Attachment{Body: []byte(note), FileName: "note.txt", MediaType: noteMediaType})
	}
	return ctx, nil
}

// statuses renders a list of statuses for a message: "200 OK or 204 No Content".
func statuses(list []int) string {
	var out string
	for i, s := range list {
		if i > 0 {
			out += " or "
		}
		out += fmt.Sprintf("%d %s", s, http.StatusText(s))
	}
	return out
}

// eventuallyWithinContract waits, within the contract's deadline, for the scenario's request to
// be cancelled or to have succeeded.
func (w *World) eventuallyWithinContract(ctx context.Context, phrase string) error {
	want := export.Cancelled
	within, key := w.cfg.Contract.CancelSettlesWithin, "contract.cancel_settles_within"
	if phrase == "has succeeded" {
		want, within, key = export.Succeeded, w.cfg.Contract.ExportFinishesWithin, "contract.export_finishes_within"
	}
	return w.awaitProgress(ctx, want, within, key)
}

// awaitProgress polls the scenario's request until it shows want, for at most within on the
// target's clock; key names the contract's setting that gave within, for the message ("" when
// the feature named it).
func (w *World) awaitProgress(ctx context.Context, want export.Progress, within time.Duration, key string) error {
	what := fmt.Sprintf("export request %s becoming %s", w.requestID, want)
	if key != "" {
		what += fmt.Sprintf(" (%s is %s)", key, within)
	}
	return eventually(ctx, w.target, within, w.cfg.PollInterval, what,
		func() (bool, string, error) {
			doc, resp, err := w.status(ctx)
			if err != nil {
				return false, "", err
			}
			if doc.Progress == want {
				return true, "", nil
			}
			if doc.Completed {
				return false, "", fmt.Errorf("export request %s completed as %q, want %q:\n%s", w.requestID, doc.Progress, want, resp.Describe())
			}
			return false, fmt.Sprintf("progress %q", doc.Progress), nil
		})
}

// attachNotes attaches, beside the step that just ran, each note its client calls made for
// people (a request that was not visible at once after its create), and hands it to the run.
func (w *World) attachNotes(ctx context.Context) context.Context {
	if w.client == nil {
		return ctx
	}
	for _, note := range w.client.takeNotes() {
		w.note(note)
		body := []byte(note)
		if w.cfg.Redact != nil {
			body = w.cfg.Redact(body)
		}
		ctx = godog.Attach(ctx, godog.Attachment{Body: body, FileName: "note.txt", MediaType: noteMediaType})
	}
	return ctx
}

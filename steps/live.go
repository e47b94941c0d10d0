package steps

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/conform-harness/conform/export"
)

// defaultRunningExport is the export the live arranger submits when a step needs a request that
// is still running: several tables, so that it runs long enough to be cancelled, and so that
// one table can finish while the others still run.
const defaultRunningExport = `{"tables":{"items":[` +
	`{"tableName":"SHIPMENT"},{"tableName":"SHIPMENT_REFNUM"},{"tableName":"ORDER_RELEASE"},` +
	`{"tableName":"ORDER_RELEASE_REFNUM"},{"tableName":"SHIPMENT_STOP"},{"tableName":"LOCATION"}]}}`

// DefaultRunningExport returns the body of the export submitted for "a request that is still
// running" when the target names none: six tables. The slice is the caller's.
func DefaultRunningExport() []byte { return []byte(defaultRunningExport) }

// LiveConfig describes a real endpoint and how to arrange preconditions on it.
type LiveConfig struct {
	Root      string            // API root URL
	Transport http.RoundTripper // TLS, proxy, timeouts and retries
	Auth      func(*http.Request) error
	// Bearer: Auth adds a Bearer token (OAuth2), not HTTP Basic; the hint to cancel a request
	// by hand gives the matching command.
	Bearer bool
	// RunningExport is submitted for "a request that is still running"; nil means
	// DefaultRunningExport.
	RunningExport []byte
	// QuickExport is submitted for "a request that has succeeded" and by "I submit an export
	// request"; nil means DefaultQuickExport.
	QuickExport []byte
	// Contract gives the arranger its deadlines, the same as the features' assertions: a
	// precondition waits for a cancellation to settle within Contract.CancelSettlesWithin, and
	// for any other state (running with a finished table, succeeded) within
	// Contract.ExportFinishesWithin; and the statuses that accept a cancel.
	Contract Contract
	// PollInterval is the pause between two polls of the arranger; 0 means 2 seconds.
	PollInterval time.Duration
	// Waiter pauses between polls; nil means RealWaiter.
	Waiter Waiter
}

// LiveTarget returns a target factory for a real endpoint. Its arranger uses only the public API.
func LiveTarget(cfg LiveConfig) func(context.Context) (*Target, error) {
	if cfg.RunningExport == nil {
		cfg.RunningExport = DefaultRunningExport()
	}
	if cfg.QuickExport == nil {
		cfg.QuickExport = DefaultQuickExport()
	}
	// A live target is built before the run and outside it (by the command, or by a test), so
	// it fills a contract's unset choices itself; a complete one, as the edge gives, is kept.
	cfg.Contract = cfg.Contract.WithDefaults()
	if cfg.PollInterval <= 0 {
		cfg.PollInterval = 2 * time.Second
	}
	if cfg.Waiter == nil {
		cfg.Waiter = RealWaiter{}
	}
	return func(context.Context) (*Target, error) {
		t := &Target{
			Root:        cfg.Root,
			Transport:   cfg.Transport,
			Auth:        cfg.Auth,
			Bearer:      cfg.Bearer,
			Waiter:      cfg.Waiter,
			Now:         time.Now,
			QuickExport: cfg.QuickExport,
		}
		t.Arranger = &liveArranger{cfg: cfg, target: t}
		return t, nil
	}
}

// liveArranger submits its own export requests and polls until the state a step needs is seen.
type liveArranger struct {
	cfg    LiveConfig
	target *Target
}

const adviceRunning = "give an export that runs longer (more or larger tables) with --running-export FILE"

// Each wait of the arranger goes on through any progress that has not completed (unknown,
// pending, processing, cancelling): a target may well answer unknown for a moment after a
// create. It gives up only when the request completes without the wanted state having been
// seen, or when its deadline passes.

func (a *liveArranger) Running(ctx context.Context, c *Client) (export.ID, error) {
	return a.createAndAwait(ctx, c, a.cfg.RunningExport, "a running export request (pending or processing)", adviceRunning,
		func(d export.Status) (bool, bool) { return isRunning(d), hasCompleted(d) })
}

func (a *liveArranger) RunningWithFinishedTable(ctx context.Context, c *Client) (export.ID, error) {
	return a.createAndAwait(ctx, c, a.cfg.RunningExport, "a running export request with at least one table finished",
		"give an export with more tables, whose first table finishes well before the last, with --running-export FILE",
		func(d export.Status) (bool, bool) {
			return isRunning(d) && len(finishedItems(d)) > 0, hasCompleted(d)
		})
}

func (a *liveArranger) Completed(ctx context.Context, c *Client, outcome export.Progress) (export.ID, error) {
	switch outcome {
	case export.Succeeded:
		return a.createAndAwait(ctx, c, a.cfg.QuickExport, "an export request that has succeeded",
			"give an export that succeeds on this target with --quick-export FILE",
			func(d export.Status) (bool, bool) { return d.Progress == export.Succeeded, d.Completed })
	case export.Cancelled:
		id, err := a.Running(ctx, c)
		if err != nil {
			return "", err
		}
		resp, err := c.Cancel(ctx, id)
		if err != nil {
			return "", err
		}
		if !a.cfg.Contract.cancelAccepted(resp.Status) {
			if completedMeanwhile(ctx, c, id, resp) {
				return "", &PreconditionError{
					Want:   "a cancelled export request",
					Got:    fmt.Sprintf("request %s completed before its cancel went out (the cancel answered %d)", id, resp.Status),
					Advice: adviceRunning,
				}
			}
			return "", fmt.Errorf("the cancel of running request %s was not accepted (%s):\n%s", id, statuses(a.cfg.Contract.CancelAccepted), resp.Describe())
		}
		err = a.await(ctx, c, id, a.cfg.Contract.CancelSettlesWithin, "a cancelled export request",
			fmt.Sprintf("a cancellation must settle within %s (contract.cancel_settles_within)", a.cfg.Contract.CancelSettlesWithin),
			func(d export.Status) (bool, bool) { return d.Progress == export.Cancelled, hasCompleted(d) })
		var pe *PreconditionError
		if errors.As(err, &pe) {
			// A request whose cancel was accepted must end cancelled: ending any other way
			// breaks the contract, and is no state the target merely could not be brought to.
			return id, fmt.Errorf("the cancel of request %s was accepted (%d), yet %s", id, resp.Status, pe.Got)
		}
		return id, err
	default:
		return "", fmt.Errorf("a request completed as %q: %w", outcome, ErrFakeOnly)
	}
}

// createAndAwait submits body and polls the new request until ready says it is in the wanted
// state, or hopeless says it never will be.
func (a *liveArranger) createAndAwait(ctx context.Context, c *Client, body []byte, want, advice string,
	check func(export.Status) (ready, hopeless bool)) (export.ID, error) {
	resp, err := c.CreateRaw(ctx, body)
	if err != nil {
		return "", err
	}
	if resp.Status != http.StatusAccepted {
		return "", fmt.Errorf("submitting an export for %s: want 202 Accepted, got:\n%s", want, resp.Describe())
	}
	doc, err := resp.StatusDocument()
	if err != nil {
		return "", err
	}
	id := doc.RequestID()
	if id == "" {
		return "", fmt.Errorf("submitting an export for %s: the answer names no request id:\n%s", want, resp.Describe())
	}
	return id, a.await(ctx, c, id, a.cfg.Contract.ExportFinishesWithin, want, advice, check)
}

// await polls request id until check says it is ready, for at most within. When check says it
// is hopeless (it completed without the wanted state having been seen) the target could not be
// brought to it: a *PreconditionError that says what was seen, every progress in order. Every
// other progress is waited through.
func (a *liveArranger) await(ctx context.Context, c *Client, id export.ID, within time.Duration, want, advice string,
	check func(export.Status) (ready, hopeless bool)) error {
	var seen progressLog
	return eventually(ctx, a.target, within, a.cfg.PollInterval, fmt.Sprintf("request %s becoming %s", id, want),
		func() (bool, string, error) {
			resp, err := c.Status(ctx, id)
			if err != nil {
				return false, "", err
			}
			if resp.Status != http.StatusOK {
				return false, "", c.notOK(id, resp)
			}
			doc, err := resp.StatusDocument()
			if err != nil {
				return false, "", err
			}
			seen.add(doc.Progress)
			ready, hopeless := check(doc)
			switch {
			case ready:
				return true, "", nil
			case hopeless:
				return false, "", &PreconditionError{
					Want:   want,
					Got:    fmt.Sprintf("request %s completed as %q before that was seen (saw %s)", id, doc.Progress, seen),
					Advice: advice,
				}
			}
			return false, fmt.Sprintf("%q; all polls saw %s", doc.Progress, seen), nil
		})
}

// completedMeanwhile reports, after the cancel of request id answered resp, which did not accept
// it, whether that is because the request has completed since it was last seen running: a
// 400 (invalid state) is the page's answer for that, and the status must agree.
func completedMeanwhile(ctx context.Context, c *Client, id export.ID, resp *Response) bool {
	if resp.Status != http.StatusBadRequest {
		return false
	}
	st, err := c.Status(ctx, id)
	if err != nil || st.Status != http.StatusOK {
		return false
	}
	doc, err := st.StatusDocument()
	return err == nil && hasCompleted(doc)
}

// hasCompleted reports whether a document says its request completed, by either signal: a
// document whose flag and progress disagree already breaks an invariant, and whichever the
// target meant, the request will not run again.
func hasCompleted(d export.Status) bool { return d.Completed || d.Progress.Terminal() }

// progressLog is the progress values a wait saw, in order, each run of the same value counted:
// "unknown ×3, pending ×2, then succeeded".
type progressLog struct{ runs []progressRun }

type progressRun struct {
	progress export.Progress
	n        int
}

func (l *progressLog) add(p export.Progress) {
	if k := len(l.runs); k > 0 && l.runs[k-1].progress == p {
		l.runs[k-1].n++
		return
	}
	l.runs = append(l.runs, progressRun{progress: p, n: 1})
}

func (l progressLog) String() string {
	if len(l.runs) == 0 {
		return "nothing"
	}
	parts := make([]string, len(l.runs))
	for i, r := range l.runs {
		v := string(r.progress)
		if !r.progress.Known() {
			v = strconv.Quote(v) // what the target sent, "" and odd values included
		}
		if r.n > 1 {
			v += fmt.Sprintf(" ×%d", r.n)
		}
		parts[i] = v
	}
	if len(parts) == 1 {
		return parts[0]
	}
	return strings.Join(parts[:len(parts)-1], ", ") + ", then " + parts[len(parts)-1]
}

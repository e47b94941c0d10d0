package steps

import (
	"context"
	"fmt"
	"net/http"

	"github.com/conform-harness/conform/export"
)

func (w *World) submitExport(ctx context.Context) error {
	body := w.target.QuickExport
	if body == nil {
		body = DefaultQuickExport()
	}
	resp, err := w.client.CreateRaw(ctx, body)
	if err != nil {
		return err
	}
	w.last = resp
	if resp.Status == http.StatusAccepted {
		if doc, err := resp.StatusDocument(); err == nil && doc.RequestID() != "" {
			w.requestID = doc.RequestID()
		}
	}
	return nil
}

// cancelTheRequest cancels the scenario's request. It first notes which tables have finished,
// so that a later step can check that they kept their results.
func (w *World) cancelTheRequest(ctx context.Context) error {
	if w.requestID == "" {
		return fmt.Errorf("no export request to cancel: an earlier step must name one")
	}
	if w.beforeItems == nil {
		if err := w.noteFinishedTables(ctx); err != nil {
			return err
		}
	}
	resp, err := w.client.Cancel(ctx, w.requestID)
	if err != nil {
		return err
	}
	w.last = resp
	if (w.seenRunning || w.cancellingSeen) && !w.cfg.Contract.cancelAccepted(resp.Status) && completedMeanwhile(ctx, w.client, w.requestID, resp) {
		// The target was too fast for the scenario: the export finished, or the cancellation
		// this cancel was to join settled, before the cancel went out, as when a cancellation
		// settles before it can be seen cancelling. A request that ended otherwise than it
		// may (cancelling, then succeeded) breaks an invariant, which the oracle reports, and
		// then the step fails instead.
		if w.cancellingSeen {
			return &PreconditionError{
				Want: "an export request still being cancelled (cancelling), to cancel it again",
				Got: fmt.Sprintf("request %s, seen cancelling, had its cancellation settle before the second cancel went out "+
					"(the cancel answered %d and its status then showed it completed)", w.requestID, resp.Status),
				Advice: adviceSlowCancel,
			}
		}
		return &PreconditionError{
			Want: "an export request still running, to cancel it",
			Got: fmt.Sprintf("request %s, seen running, completed before its cancel went out "+
				"(the cancel answered %d and its status then showed it completed)", w.requestID, resp.Status),
			Advice: adviceRunning,
		}
	}
	return nil
}

// malformedExport is the body of "an export request whose body is not valid JSON": the quick
// export's, cut off before its end, as a client that lost its connection would send it.
const malformedExport = `{"tables": {"items": [{"tableName": "SHIPMENT"}`

func (w *World) submitMalformedExport(ctx context.Context) error {
	resp, err := w.client.CreateRaw(ctx, []byte(malformedExport), callOptions{malformed: true})
	if err != nil {
		return err
	}
	w.last = resp
	return nil
}

func (w *World) submitWithoutCredentials(ctx context.Context) error {
	body := w.target.QuickExport
	if body == nil {
		body = DefaultQuickExport()
	}
	resp, err := w.client.CreateRaw(ctx, body, callOptions{anonymous: true})
	if err != nil {
		return err
	}
	w.last = resp
	return nil
}

func (w *World) cancelWithoutCredentials(ctx context.Context) error {
	resp, err := w.client.Cancel(ctx, w.requestID, callOptions{anonymous: true})
	if err != nil {
		return err
	}
	w.last = resp
	return nil
}

func (w *World) cancelByID(ctx context.Context, id string) error {
	w.requestID = export.ID(id)
	return w.cancelTheRequest(ctx)
}

func (w *World) statusByID(ctx context.Context, id string) error {
	w.requestID = export.ID(id)
	resp, err := w.client.Status(ctx, w.requestID)
	if err != nil {
		return err
	}
	w.last = resp
	return nil
}

func (w *World) statusWithoutCredentials(ctx context.Context) error {
	resp, err := w.client.Status(ctx, w.requestID, callOptions{anonymous: true})
	if err != nil {
		return err
	}
	w.last = resp
	return nil
}

// noteFinishedTables remembers which tables had finished before the cancel went out. A request
// whose status cannot be read (an unknown id) simply has none.
func (w *World) noteFinishedTables(ctx context.Context) error {
	resp, err := w.client.Status(ctx, w.requestID)
	if err != nil {
		return err
	}
	w.beforeItems = map[string]export.Item{}
	if resp.Status != http.StatusOK {
		return nil
	}
	doc, err := resp.StatusDocument()
	if err != nil {
		return err
	}
	w.beforeItems = finishedItems(doc)
	return nil
}

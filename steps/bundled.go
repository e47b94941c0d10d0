package steps

import (
	"context"
	"fmt"
	"net/http"
	"time"

	"conform/export"
	"conform/fakeserver"
)

// BundledEpoch is the manual clock's start in bundled runs: the vendor's example day, so that
// times in reports are stable from run to run.
var BundledEpoch = time.Date(2022, 11, 29, 15, 21, 56, 0, time.UTC)

// bundledUser and bundledPassword are the credentials of the in-process fake: nothing secret.
const (
	bundledUser     = "conform"
	bundledPassword = "conform"
)

// BundledTarget returns a target factory that gives every scenario its own in-process fake
// with a manual clock: no socket, no sleeping, and scenarios cannot disturb each other.
func BundledTarget(opts fakeserver.Options) func(context.Context) (*Target, error) {
	return func(context.Context) (*Target, error) {
		clock := fakeserver.NewManualClock(BundledEpoch)
		o := opts
		o.Clock = clock
		o.Username, o.Password = bundledUser, bundledPassword
		srv := fakeserver.New(o)
		return &Target{
			Root:      "http://bundled-fake" + export.Root,
			Transport: handlerTransport{h: srv},
			Auth:      func(r *http.Request) error { r.SetBasicAuth(bundledUser, bundledPassword); return nil },
			Arranger:  bundledArranger{srv: srv},
			Waiter:    clockWaiter{clock: clock},
			Now:       clock.Now,
		}, nil
	}
}

// clockWaiter "waits" by moving the fake's manual clock on.
type clockWaiter struct{ clock *fakeserver.ManualClock }

func (w clockWaiter) Wait(ctx context.Context, d time.Duration) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	w.clock.Advance(d)
	return nil
}

// bundledArranger puts requests into the fake in exactly the state a step asks for.
type bundledArranger struct{ srv *fakeserver.Server }

func (a bundledArranger) Running(_ context.Context, c *Client) (export.ID, error) {
	return a.put(c, fakeserver.Seed{Progress: export.Processing, Tables: []fakeserver.TableSeed{
		{Name: "SHIPMENT", Progress: export.Processing},
		{Name: "SHIPMENT_REFNUM", Progress: export.Pending},
	}})
}

func (a bundledArranger) RunningWithFinishedTable(_ context.Context, c *Client) (export.ID, error) {
	return a.put(c, fakeserver.Seed{Progress: export.Processing, Tables: []fakeserver.TableSeed{
		{Name: "SHIPMENT", Progress: export.Succeeded},
		{Name: "ORDER_RELEASE", Progress: export.Processing},
		{Name: "SHIPMENT_REFNUM", Progress: export.Pending},
	}})
}

func (a bundledArranger) Completed(_ context.Context, c *Client, outcome export.Progress) (export.ID, error) {
	var second export.Progress
	switch outcome {
	case export.Succeeded:
		second = export.Succeeded
	case export.Failed:
		second = export.Failed
	case export.Cancelled:
		second = export.Cancelled
	default:
		return "", fmt.Errorf("cannot arrange a request completed as %q", outcome)
	}
	return a.put(c, fakeserver.Seed{Progress: outcome, Tables: []fakeserver.TableSeed{
		{Name: "SHIPMENT", Progress: export.Succeeded},
		{Name: "SHIPMENT_REFNUM", Progress: second},
	}})
}

func (a bundledArranger) Seed(_ context.Context, c *Client, seed fakeserver.Seed) (export.ID, error) {
	return a.put(c, seed)
}

// put stores seed in the fake and tells the client it may cancel it: the scenario made it.
func (a bundledArranger) put(c *Client, seed fakeserver.Seed) (export.ID, error) {
	id, err := a.srv.Put(seed)
	if err != nil {
		return "", err
	}
	c.own(id)
	return id, nil
}

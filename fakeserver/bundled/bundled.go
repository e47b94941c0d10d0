// Package bundled is the in-process target of a run against the bundled fake: every scenario
// gets its own fake with a manual clock, an arranger that puts requests into it in exactly the
// state a step asks for, and a waiter that moves the clock instead of sleeping. It is the one
// place where the steps meet the fake: the steps speak only HTTP and know nothing of it.
package bundled

import (
	"context"
	"fmt"
	"net/http"
	"sync/atomic"
	"time"

	"github.com/conform-harness/conform/export"
	"github.com/conform-harness/conform/fakeserver"
	"github.com/conform-harness/conform/internal/transport"
	"github.com/conform-harness/conform/steps"
)

// Epoch is the manual clock's start: the vendor's example day, so that times in reports are the
// same from run to run.
func Epoch() time.Time { return time.Date(2022, 11, 29, 15, 21, 56, 0, time.UTC) }

// The credentials of the in-process fake: nothing secret.
const (
	user     = "conform"
	password = "conform"
)

// Host is the domain of the bundled target's URLs; nothing resolves it, no socket is opened.
// Each scenario's fake has a host of its own below it, "scenario-3.bundled-fake", so that what
// keeps exchanges apart by origin (a HAR file's audit) keeps apart the scenarios' fakes, where
// request ids repeat.
const Host = "bundled-fake"

// Target returns a target factory that gives every scenario its own in-process fake, configured
// by opts (its clock and credentials are the target's own), with a manual clock: no socket, no
// sleeping, and scenarios cannot disturb each other.
func Target(opts fakeserver.Options) func(context.Context) (*steps.Target, error) {
	var scenarios atomic.Int64
	return func(context.Context) (*steps.Target, error) {
		n := scenarios.Add(1)
		clock := fakeserver.NewManualClock(Epoch())
		o := opts
		o.Clock = clock
		o.Username, o.Password = user, password
		srv := fakeserver.New(o)
		return &steps.Target{
			Root:      fmt.Sprintf("http://scenario-%d.%s%s", n, Host, export.Root),
			Transport: transport.InProcess(srv),
			Auth:      func(r *http.Request) error { r.SetBasicAuth(user, password); return nil },
			Arranger:  arranger{srv: srv},
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

// arranger puts requests into the fake in exactly the state a step asks for. It is a
// steps.Seeder: it can also put a request with a given id, tables, record counts and checksums.
type arranger struct{ srv *fakeserver.Server }

var _ steps.Seeder = arranger{}

func (a arranger) Running(_ context.Context, c *steps.Client) (export.ID, error) {
	return a.put(c, fakeserver.Seed{Progress: export.Processing, Tables: []fakeserver.TableSeed{
		{Name: "SHIPMENT", Progress: export.Processing},
		{Name: "SHIPMENT_REFNUM", Progress: export.Pending},
	}})
}

func (a arranger) RunningWithFinishedTable(_ context.Context, c *steps.Client) (export.ID, error) {
	return a.put(c, fakeserver.Seed{Progress: export.Processing, Tables: []fakeserver.TableSeed{
		{Name: "SHIPMENT", Progress: export.Succeeded},
		{Name: "ORDER_RELEASE", Progress: export.Processing},
		{Name: "SHIPMENT_REFNUM", Progress: export.Pending},
	}})
}

func (a arranger) Completed(_ context.Context, c *steps.Client, outcome export.Progress) (export.ID, error) {
	switch outcome {
	case export.Succeeded, export.Failed, export.Cancelled:
	default:
		return "", fmt.Errorf("cannot arrange a request completed as %q", outcome)
	}
	return a.put(c, fakeserver.Seed{Progress: outcome, Tables: []fakeserver.TableSeed{
		{Name: "SHIPMENT", Progress: export.Succeeded},
		{Name: "SHIPMENT_REFNUM", Progress: outcome},
	}})
}

func (a arranger) Seed(_ context.Context, c *steps.Client, r steps.SeededRequest) (export.ID, error) {
	seed := fakeserver.Seed{ID: r.ID, Progress: r.Progress}
	for _, t := range r.Tables {
		seed.Tables = append(seed.Tables, fakeserver.TableSeed{Name: t.Name, Progress: t.Progress, Records: t.Records, Checksum: t.Checksum})
	}
	return a.put(c, seed)
}

// put stores seed in the fake and tells the client it may cancel it: the scenario made it.
func (a arranger) put(c *steps.Client, seed fakeserver.Seed) (export.ID, error) {
	id, err := a.srv.Put(seed)
	if err != nil {
		return "", err
	}
	c.Own(id)
	return id, nil
}

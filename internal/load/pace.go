package load

import (
	"context"
	"math"
	"sync"
	"time"

	"github.com/conform-harness/conform/internal/transport"
)

// pacer spaces the starts of requests, across every worker, at least interval apart. It never
// lets requests through in a burst to catch up: when the workers fall behind the schedule, the
// schedule restarts from now. An interval of 0 does not limit.
//
// A wait takes the next slot of the schedule, then sleeps until it. A wait that its context cuts
// short gives its slot back when no later slot is still held, so that when a load is
// interrupted, the slots its workers will never use do not delay the clean-up: with 64 workers
// at 1/s they held the next minute.
type pacer struct {
	interval time.Duration
	now      func() time.Time
	sleep    func(ctx context.Context, d time.Duration) error

	mu    sync.Mutex     // guards next and freed
	next  time.Time      // the earliest start of the next request
	freed map[int64]bool // slots (UnixNano) given back while a later one was still held
}

// The spacing of starts at MaxRate and at MinRate: the finest and the widest interval a pacer
// keeps.
const (
	minInterval = time.Second / MaxRate                         // 1µs
	maxInterval = time.Duration(float64(time.Second) / MinRate) // 100s
)

// newPacer returns a pacer for rate requests per second; 0 means no limit. Config.check accepts
// only 0 and rates from MinRate to MaxRate, but the pacer does not rely on it: any other rate
// still limits, because an interval computed naively could round to 0 (a rate above 1e9) or
// overflow time.Duration (a rate below about 3.4e-9/s, such as 1e-12 or 1e-300), and either
// would silently remove the limit.
func newPacer(rate float64) *pacer {
	p := &pacer{now: time.Now, sleep: transport.Sleep}
	if rate != 0 {
		p.interval = paceInterval(rate)
	}
	return p
}

// paceInterval is the spacing of starts at rate requests per second, held between minInterval
// and maxInterval, so that it is always positive. A rate that is not a positive number (NaN, or
// below 0) gets the widest interval: the safe side of a value that makes no sense.
func paceInterval(rate float64) time.Duration {
	if math.IsNaN(rate) || rate < 0 {
		return maxInterval
	}
	ns := float64(time.Second) / rate // +Inf for a rate so small it underflows; 0 for +Inf
	switch {
	case ns >= float64(maxInterval):
		return maxInterval
	case ns <= float64(minInterval):
		return minInterval
	}
	return time.Duration(ns)
}

// wait returns true when the caller may start its request, after pausing as the rate needs. It
// returns false, at once, when the request's start would come at or after deadline, and false
// with ctx's error when ctx ends first.
func (p *pacer) wait(ctx context.Context, deadline time.Time) (bool, error) {
	if err := ctx.Err(); err != nil {
		return false, err
	}
	if p.interval <= 0 {
		return p.now().Before(deadline), nil
	}
	p.mu.Lock()
	now := p.now()
	if p.next.Before(now) {
		p.next = now
		clear(p.freed) // every slot is past: none is held
	}
	at := p.next
	if !at.Before(deadline) {
		p.mu.Unlock()
		return false, nil
	}
	p.next = at.Add(p.interval)
	p.mu.Unlock()
	if d := at.Sub(now); d > 0 {
		if err := p.sleep(ctx, d); err != nil {
			p.giveBack(at)
			return false, err
		}
	}
	return true, nil
}

// giveBack returns the slot at, which a wait cut short will not use. The schedule moves back
// over it, and over the slots given back before it, until it meets a slot still held: a request
// is never started less than interval after one that may start.
func (p *pacer) giveBack(at time.Time) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.freed == nil {
		p.freed = map[int64]bool{}
	}
	p.freed[at.UnixNano()] = true
	for {
		last := p.next.Add(-p.interval).UnixNano()
		if !p.freed[last] {
			return
		}
		delete(p.freed, last)
		p.next = p.next.Add(-p.interval)
	}
}

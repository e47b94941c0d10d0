package load

import (
	"context"
	"sync"
	"time"

	"conform/internal/transport"
)

// pacer spaces the starts of requests, across every worker, at least interval apart. It never
// lets requests through in a burst to catch up: when the workers fall behind the schedule, the
// schedule restarts from now. An interval of 0 does not limit.
type pacer struct {
	interval time.Duration
	now      func() time.Time
	sleep    func(ctx context.Context, d time.Duration) error

	mu   sync.Mutex // guards next
	next time.Time  // the earliest start of the next request
}

// newPacer returns a pacer for rate requests per second; 0 means no limit.
func newPacer(rate float64) *pacer {
	p := &pacer{now: time.Now, sleep: transport.Sleep}
	if rate > 0 {
		p.interval = time.Duration(float64(time.Second) / rate)
	}
	return p
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
			return false, err
		}
	}
	return true, nil
}

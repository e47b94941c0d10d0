package fakeserver

import (
	"fmt"
	"math"
	"strconv"
	"time"
)

// A store holds at most limits.requests requests and limits.tables tables, so that no client
// can exhaust the server by creating requests. When a new request would not fit, the store
// evicts completed requests, the one that completed longest ago first: a completed request never
// changes again, and the one completed longest ago is the one its client has had the longest to
// read. Only when every request left is still running does the store refuse, with
// CodeTooManyRequests and a Retry-After of when the next one completes.
//
// Requests complete lazily, on the clock, so the store keeps, for each request that will
// complete on its own, when it does (export.completesAt): a heap, earliest first. The requests
// due by now are the ones that have completed; the earliest still to come tells the Retry-After.
// A cancel adds the new instant and leaves the old one, so the heap may hold stale entries;
// eviction checks each request it pops and passes over one that is gone or still running.

// limits are how much a store holds at most; see Options.
type limits struct {
	perRequest int // tables one request may name
	requests   int // stored requests, created or put
	tables     int // their tables, together
}

// completion says when a stored request completes, or completed.
type completion struct {
	at  int64 // Unix nanoseconds
	key int64 // the request: its numeric id, or a key in textIDs
}

// completions is a min-heap of completions, earliest first; a tie goes to the lower key, which
// for two created requests is the older. It is written out rather than built on container/heap,
// whose interface would allocate on every push.
type completions []completion

func (h completions) less(i, j int) bool {
	if h[i].at != h[j].at {
		return h[i].at < h[j].at
	}
	return h[i].key < h[j].key
}

func (h *completions) push(c completion) {
	*h = append(*h, c)
	q := *h
	for i := len(q) - 1; i > 0; {
		parent := (i - 1) / 2
		if !q.less(i, parent) {
			break
		}
		q[i], q[parent] = q[parent], q[i]
		i = parent
	}
}

func (h *completions) pop() completion {
	q := *h
	top := q[0]
	last := len(q) - 1
	q[0] = q[last]
	q = q[:last]
	for i := 0; ; {
		least, l, r := i, 2*i+1, 2*i+2
		if l < len(q) && q.less(l, least) {
			least = l
		}
		if r < len(q) && q.less(r, least) {
			least = r
		}
		if least == i {
			break
		}
		q[i], q[least] = q[least], q[i]
		i = least
	}
	*h = q
	return top
}

// firstTextKey is the key of the first stored request whose id is not a number. Such keys count
// up from the bottom of int64, so that they never meet a numeric id and sort in the order the
// requests were put.
const firstTextKey = math.MinInt64

// keyLocked returns the key of request id in the heap of completions.
func (s *store) keyLocked(id string) int64 {
	if n, ok := numericID(id); ok {
		return n
	}
	if k, ok := s.textKeys[id]; ok {
		return k
	}
	if s.textKeys == nil {
		s.textKeys, s.textIDs, s.nextTextKey = map[string]int64{}, map[int64]string{}, firstTextKey
	}
	k := s.nextTextKey
	s.nextTextKey++
	s.textKeys[id], s.textIDs[k] = k, id
	return k
}

// heldLocked counts e, just stored, against the limits and notes when it completes.
func (s *store) heldLocked(e *task, now time.Time) {
	s.requests++
	s.tables += len(e.items)
	s.dueLocked(e, now)
}

// dueLocked notes when e completes, if it does on its own.
func (s *store) dueLocked(e *task, now time.Time) {
	if at, ok := e.completesAt(now); ok {
		s.due.push(completion{at: at.UnixNano(), key: s.keyLocked(e.id)})
	}
}

// makeRoomLocked makes room for one more request of n tables: it evicts completed requests, the
// one that completed longest ago first, until the new one fits. When it cannot, because every
// request left is still running, it returns a CodeTooManyRequests error whose RetryAfter is
// when the next of them completes. Completed requests it evicted before finding that stay
// evicted: the next create would have evicted them all the same.
func (s *store) makeRoomLocked(now time.Time, n int) error {
	for s.requests+1 > s.limits.requests || s.tables+n > s.limits.tables {
		if !s.evictOneLocked(now) {
			return s.fullLocked(now, n)
		}
	}
	return nil
}

// evictOneLocked evicts the request that completed longest ago, and reports false when none
// has completed.
func (s *store) evictOneLocked(now time.Time) bool {
	for len(s.due) > 0 && s.due[0].at <= now.UnixNano() {
		if s.evictLocked(s.due.pop().key, now) {
			return true
		}
	}
	return false
}

// evictLocked forgets the request with key k if it is still stored and has completed by now,
// and reports whether it did.
func (s *store) evictLocked(k int64, now time.Time) bool {
	var e *task
	if k >= 0 {
		var buf [20]byte
		e = s.exports[string(strconv.AppendInt(buf[:0], k, 10))] // converted without allocating
		if e == nil {
			tables, ok := s.done.remove(k)
			if ok {
				s.requests--
				s.tables -= tables
			}
			return ok
		}
	} else if id, ok := s.textIDs[k]; ok {
		e = s.exports[id]
	}
	if e == nil || e.advance(now) != nil || !e.completed() {
		return false // gone already, or the heap held a stale instant of one still running
	}
	if e.running { // created: its names hold references
		for _, it := range e.items {
			s.done.release(s.done.nameIdx[it.name])
		}
	}
	delete(s.exports, e.id)
	if k < 0 {
		delete(s.textKeys, e.id)
		delete(s.textIDs, k)
	}
	s.requests--
	s.tables -= len(e.items)
	return true
}

// fullLocked is the error of a create of n tables that does not fit among running requests.
func (s *store) fullLocked(now time.Time, n int) error {
	// The soonest a request completes. With none due, only a cancel can make room.
	wait := s.sched.cancelDelay
	if len(s.due) > 0 {
		wait = time.Duration(s.due[0].at - now.UnixNano())
	}
	wait = max(time.Second, (wait + time.Second - 1).Truncate(time.Second))
	secs := int64(wait / time.Second)
	if s.requests+1 > s.limits.requests {
		return &Error{Code: CodeTooManyRequests, RetryAfter: wait, Message: fmt.Sprintf(
			"the server holds %d export requests, as many as it keeps, and every one is still running: try again in %d s, or cancel one",
			s.requests, secs)}
	}
	return &Error{Code: CodeTooManyRequests, RetryAfter: wait, Message: fmt.Sprintf(
		"the server holds export requests of %d tables, and with the %d this one names that is more than the %d it keeps; every request it holds is still running: try again in %d s, or cancel one",
		s.tables, n, s.limits.tables, secs)}
}

package fakeserver

import (
	"maps"
	"slices"
	"strconv"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/conform-harness/conform/export"
)

// firstID is the first request id a server hands out; ids count up from it.
const firstID = 1000

// store holds every export request of one server: it creates, seeds (seed.go), cancels and
// evicts them (evict.go), compacts those that completed (compact.go), and encodes their status
// documents (encode.go) into the caller's buffer. Each method reads the clock once, under the
// lock, so the exports see time pass in the same order as the calls that touch them.
type store struct {
	clock Clock
	sched schedule
	fail  map[string]bool // table names whose items end failed
	hooks *hooks          // given to every export, created or put; nil for a correct fake

	limits limits // how much it holds at most (see evict.go); set before use

	mu      sync.Mutex // guards everything below and every export it holds
	exports map[string]*task
	done    compactStore // completed exports, compacted (see compact.go)
	nextID  int64
	// requests and tables are what the store holds, created or put, against its limits; due
	// says when each of those requests completes (see evict.go), under a key that is its numeric
	// id or, for another id, one of textKeys.
	requests, tables int
	due              completions
	textKeys         map[string]int64
	textIDs          map[int64]string
	nextTextKey      int64
}

// newStore returns an empty store with the default limits.
func newStore(clock Clock, sched schedule, fail map[string]bool) *store {
	return &store{clock: clock, sched: sched, fail: fail, exports: map[string]*task{}, nextID: firstID,
		limits: limits{perRequest: DefaultMaxTables, requests: DefaultMaxRequests, tables: DefaultMaxStoredTables}}
}

// appendCreate submits an export of tables, appends its status document as of now, encoded, to
// b, and returns its id with it.
func (s *store) appendCreate(b []byte, tables []string) (string, []byte, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	e, err := s.createLocked(tables)
	if err != nil {
		return "", b, err
	}
	return e.id, appendStatus(b, e), nil
}

// createLocked stores a new export of tables, brought to now, and compacts a few older ones
// that have completed since anyone last asked for them. When the store is full it first evicts
// completed requests, and refuses with CodeTooManyRequests when it cannot (see makeRoomLocked).
func (s *store) createLocked(tables []string) (*task, error) {
	now := s.clock.Now()
	if err := s.makeRoomLocked(now, len(tables)); err != nil {
		return nil, err
	}
	// A load names the same few tables again and again: keep each name once.
	names := make([]string, len(tables))
	for i, name := range tables {
		names[i] = s.done.names[s.done.intern(name)]
	}
	e := newTask(s.newIDLocked(), names, now, s.sched, s.fail)
	e.hooks = s.hooks
	s.exports[e.id] = e
	s.heldLocked(e, now)
	if err := e.advance(now); err != nil {
		return nil, err
	}
	if n, ok := numericID(e.id); ok && e.hooks == nil {
		s.done.queue(n)
		s.sweepLocked(now)
	}
	return e, nil
}

// sweepLocked looks at the oldest created exports that are not compacted yet, brings each to
// now and compacts it if it has completed; one still running goes to the back of the queue.
// Bringing an export to now early changes nothing it will show: advance only applies what
// falls due by then.
func (s *store) sweepLocked(now time.Time) {
	for range sweepPerCreate {
		n, ok := s.done.next()
		if !ok {
			return
		}
		e, live := s.exports[strconv.FormatInt(n, 10)]
		if !live {
			continue // compacted when someone asked for it
		}
		if e.advance(now) != nil {
			continue // a bug in the fake; the request answers it when asked for
		}
		if !s.compactLocked(e) {
			s.done.queue(n)
		}
	}
}

// compactLocked moves e, a stored export, to the compact form if it can be kept there.
func (s *store) compactLocked(e *task) bool {
	n, ok := compactable(e)
	if ok {
		s.done.compact(n, e)
		delete(s.exports, e.id)
	}
	return ok
}

// status returns the status document of request id as of now, typed, or a CodeNotFound error:
// what Server.Status gives the harness. The HTTP answers encode it with appendStatus instead.
func (s *store) status(id string) (export.Status, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	e, err := s.currentLocked(id)
	if err != nil {
		return export.Status{}, err
	}
	return e.document(), nil
}

// appendStatus appends the status document of request id as of now to b, encoded, or returns a
// CodeNotFound error. It builds no document, so a poll allocates nothing here.
func (s *store) appendStatus(b []byte, id string) ([]byte, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	e, err := s.currentLocked(id)
	if err != nil {
		return b, err
	}
	return appendStatus(b, e), nil
}

// currentLocked returns request id brought to now, compacting it if it has completed. A
// compacted export is returned expanded into a scratch export: read it before the lock is let go.
func (s *store) currentLocked(id string) (*task, error) {
	e, live, err := s.lookupLocked(id)
	if err != nil || !live {
		return e, err
	}
	if err := e.advance(s.clock.Now()); err != nil {
		return nil, err
	}
	s.compactLocked(e)
	return e, nil
}

// cancel cancels request id now: CodeNotFound for an unknown id, CodeInvalidState once it has
// completed.
func (s *store) cancel(id string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	e, live, err := s.lookupLocked(id)
	if err != nil {
		return err
	}
	now := s.clock.Now()
	settle := e.settleAt
	err = e.cancel(now)
	if live {
		if !e.settleAt.Equal(settle) { // this cancel started the cancellation: it completes sooner or later than planned
			s.dueLocked(e, now)
		}
		s.compactLocked(e)
	}
	return err
}

// ids returns the ids of every request, sorted.
func (s *store) ids() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Sorted(slices.Values(s.done.ids(slices.Collect(maps.Keys(s.exports)))))
}

// lookupLocked returns request id, or a CodeNotFound error. live is false for a compacted
// export, returned expanded into the scratch export: it has completed, so nothing changes it.
func (s *store) lookupLocked(id string) (e *task, live bool, err error) {
	if e, ok := s.exports[id]; ok {
		return e, true, nil
	}
	if e, ok := s.done.lookup(id, s.sched, &s.done.scratch); ok {
		return e, false, nil
	}
	return nil, false, errorf(CodeNotFound, "export request %s does not exist", shorten(id))
}

// takenLocked reports whether a request has id.
func (s *store) takenLocked(id string) bool {
	_, live := s.exports[id]
	return live || s.done.has(id)
}

// newIDLocked returns the next free numeric id; seeds may have taken some.
func (s *store) newIDLocked() string {
	for {
		id := strconv.FormatInt(s.nextID, 10)
		s.nextID++
		if !s.takenLocked(id) {
			return id
		}
	}
}

// shorten quotes an id for a message, cut to a readable length: ids come from clients, and a
// 500-character id would swamp the message.
func shorten(id string) string {
	const limit = 40
	if utf8.RuneCountInString(id) <= limit {
		return strconv.Quote(id)
	}
	r := []rune(id)
	return strconv.Quote(string(r[:limit])) + "…"
}

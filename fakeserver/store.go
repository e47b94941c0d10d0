package fakeserver

import (
	"maps"
	"slices"
	"strconv"
	"sync"
	"unicode/utf8"

	"conform/internal/statusdoc"
)

// firstID is the first request id a server hands out; ids count up from it.
const firstID = 1000

// store holds every export request of one server. Each method reads the clock once, under the
// lock, so the exports see time pass in the same order as the calls that touch them.
type store struct {
	clock   Clock
	sched   schedule
	fail    map[string]bool // table names whose items end failed
	defects defectSet       // given to every export, created or put

	mu      sync.Mutex // guards exports, nextID and every export they hold
	exports map[string]*export
	nextID  int64
}

func newStore(clock Clock, sched schedule, fail map[string]bool) *store {
	return &store{clock: clock, sched: sched, fail: fail, exports: map[string]*export{}, nextID: firstID}
}

// create submits an export of tables and returns its status document as of now.
func (s *store) create(tables []string) (statusdoc.Status, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.clock.Now()
	e := newExport(s.newIDLocked(), tables, now, s.sched, s.fail)
	e.defects = s.defects
	s.exports[e.id] = e
	if err := e.advance(now); err != nil {
		return statusdoc.Status{}, err
	}
	return e.document(), nil
}

// status returns the status document of request id as of now, or a CodeNotFound error.
func (s *store) status(id string) (statusdoc.Status, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	e, err := s.lookupLocked(id)
	if err != nil {
		return statusdoc.Status{}, err
	}
	if err := e.advance(s.clock.Now()); err != nil {
		return statusdoc.Status{}, err
	}
	return e.document(), nil
}

// cancel cancels request id now: CodeNotFound for an unknown id, CodeInvalidState once it has
// completed.
func (s *store) cancel(id string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	e, err := s.lookupLocked(id)
	if err != nil {
		return err
	}
	return e.cancel(s.clock.Now())
}

// ids returns the ids of every request, sorted.
func (s *store) ids() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Sorted(maps.Keys(s.exports))
}

func (s *store) lookupLocked(id string) (*export, error) {
	e, ok := s.exports[id]
	if !ok {
		return nil, errorf(CodeNotFound, "export request %s does not exist", shorten(id))
	}
	return e, nil
}

// newIDLocked returns the next free numeric id; seeds may have taken some.
func (s *store) newIDLocked() string {
	for {
		id := strconv.FormatInt(s.nextID, 10)
		s.nextID++
		if _, taken := s.exports[id]; !taken {
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

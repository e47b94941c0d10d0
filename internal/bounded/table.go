// Package bounded provides Table, a map of at most a given number of entries that evicts, when
// full, the entries marked done before the others, each group least recently used first: what
// conform proxy needs to follow export requests for days in bounded memory.
package bounded

import "container/list"

// Table maps keys to values and holds at most Max of them. Put of a new key into a full table
// first evicts an entry: the least recently used of those marked done (Done), else the least
// recently used of all. Evicted counts them. Its zero value is unbounded and not ready: create
// it with New. It is not safe for concurrent use; its owner's lock guards it.
type Table[K comparable, V any] struct {
	max     int
	entries map[K]*list.Element
	open    list.List // entries not done, least recently used at the front
	done    list.List // entries done, least recently used at the front
	evicted int
}

// entry is one key and its value, on one of the two lists.
type entry[K comparable, V any] struct {
	key  K
	val  V
	done bool
}

// New returns an empty table of at most max entries; max < 1 means no bound.
func New[K comparable, V any](max int) *Table[K, V] {
	return &Table[K, V]{max: max, entries: map[K]*list.Element{}}
}

// Get returns the value of k, and makes it the most recently used of its group.
func (t *Table[K, V]) Get(k K) (V, bool) {
	e, ok := t.entries[k]
	if !ok {
		var zero V
		return zero, false
	}
	t.list(e).MoveToBack(e)
	return e.Value.(*entry[K, V]).val, true
}

// Put sets the value of k, the most recently used of its group; a new key into a full table
// first evicts one entry (see Table).
func (t *Table[K, V]) Put(k K, v V) {
	if e, ok := t.entries[k]; ok {
		e.Value.(*entry[K, V]).val = v
		t.list(e).MoveToBack(e)
		return
	}
	if t.max > 0 && len(t.entries) >= t.max {
		t.evict()
	}
	t.entries[k] = t.open.PushBack(&entry[K, V]{key: k, val: v})
}

// Done marks k done (an export request that completed): it is evicted before any entry that is
// not. A key not in the table is left alone.
func (t *Table[K, V]) Done(k K) {
	e, ok := t.entries[k]
	if !ok {
		return
	}
	en := e.Value.(*entry[K, V])
	if en.done {
		t.done.MoveToBack(e)
		return
	}
	t.open.Remove(e)
	en.done = true
	t.entries[k] = t.done.PushBack(en)
}

// Len returns how many entries the table holds.
func (t *Table[K, V]) Len() int { return len(t.entries) }

// Evicted returns how many entries were evicted to make room.
func (t *Table[K, V]) Evicted() int { return t.evicted }

// Max returns the table's bound; 0 means none.
func (t *Table[K, V]) Max() int { return max(t.max, 0) }

// evict removes the least recently used done entry, else the least recently used one.
func (t *Table[K, V]) evict() {
	l := &t.done
	if l.Len() == 0 {
		l = &t.open
	}
	e := l.Front()
	if e == nil {
		return
	}
	l.Remove(e)
	delete(t.entries, e.Value.(*entry[K, V]).key)
	t.evicted++
}

// list returns the list e is on.
func (t *Table[K, V]) list(e *list.Element) *list.List {
	if e.Value.(*entry[K, V]).done {
		return &t.done
	}
	return &t.open
}

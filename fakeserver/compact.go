package fakeserver

import (
	"encoding/binary"
	"encoding/hex"
	"math"
	"slices"
	"strconv"
	"time"

	"github.com/conform-harness/conform/export"
)

// A completed export never changes again, and of its state only what its status document shows
// still counts. The store keeps such exports in a compact form: a record of a few dozen bytes
// per table in a pointer-free arena, found through a map from numeric id to record. Holding a
// hundred thousand requests then costs little memory and, above all, nothing for the garbage
// collector to trace, so answering a poll costs the same with a thousand requests stored as
// with a hundred thousand.
//
// Only exports a client created are compacted, and only when their state machine has no hooks
// (hooks.go): their ids are numbers, their checksums are derived (lowercase md5 hex), and a record
// has no room for hooks. Seeded exports, and every export of a fake with a defect that changes the
// state machine, keep their full form; a fake whose defects only garble its answers compacts as a
// correct one does, since its decorator rewrites answers and never sees the store.

// Record layout, little-endian: progress (1 byte), submitted and started (Unix seconds, 8 bytes
// each, noTime for a zero time), the number of items (4 bytes), then per item: its name's index
// in the store's names (4), progress (1), start and end (8 each), records (8), checksum (16).
const (
	recordHeader = 1 + 8 + 8 + 4
	recordItem   = 4 + 1 + 8 + 8 + 8 + 16
	arenaChunk   = 1 << 20 // bytes per arena chunk, unless one record needs more
	noTime       = math.MinInt64
	// sweepPerCreate is how many of the oldest created exports each create looks at, to compact
	// those that completed without anyone asking for them since.
	sweepPerCreate = 2
)

// recordRef locates a record: arena chunk in the high 32 bits, offset in the low 32.
type recordRef uint64

// compactStore is the compact form of completed exports. Its methods are called with the
// store's mu held.
type compactStore struct {
	records map[int64]recordRef // by numeric id
	// arena holds the records in chunks. A chunk does not move while it is written to; an evicted
	// record leaves dead bytes behind, and once they outweigh the live ones the live records are
	// copied into fresh chunks (see remove), so the arena stays within about twice what it holds
	// (or a chunk, when it holds little).
	arena      [][]byte
	live, dead int // bytes of records in the arena, kept and evicted
	// names are the table names of created exports, interned: a load sends the same few again
	// and again. refs counts the created exports, running or compacted, that name each; a name
	// no export names any more is forgotten and its index reused (free), so that names sent
	// once do not pile up as requests are evicted.
	names   []string
	refs    []uint32
	free    []uint32
	nameIdx map[string]uint32
	// created queues the ids of exports created on a correct fake, oldest first, until they are
	// compacted; head is where the queue starts in it.
	created []int64
	head    int
	scratch task // what lookups of compacted exports expand into, reused under mu
}

// progressByCode are the progress values a record's code stands for, and progressCodes their
// codes.
var (
	progressByCode = export.Progresses()
	progressCodes  = func() map[export.Progress]byte {
		m := map[export.Progress]byte{}
		for i, p := range progressByCode {
			m[p] = byte(i)
		}
		return m
	}()
)

// compactable reports whether e can be kept in compact form, and its numeric id.
func compactable(e *task) (int64, bool) {
	if !e.running || e.hooks != nil || !e.completed() {
		return 0, false
	}
	n, ok := numericID(e.id)
	if !ok {
		return 0, false
	}
	for _, it := range e.items {
		if len(it.checksum) != 2*16 || hex.EncodeToString(mustHex(it.checksum)) != it.checksum {
			return 0, false // not the lowercase hex a record gives back
		}
	}
	return n, true
}

func mustHex(s string) []byte {
	b, _ := hex.DecodeString(s)
	return b
}

// numericID returns the number id is the canonical decimal form of, if it is one: digits only,
// no sign, no leading zero, within int64.
func numericID(id string) (int64, bool) {
	if len(id) == 0 || (id[0] == '0' && len(id) > 1) {
		return 0, false
	}
	for i := 0; i < len(id); i++ {
		if id[i] < '0' || id[i] > '9' {
			return 0, false
		}
	}
	n, err := strconv.ParseInt(id, 10, 64)
	return n, err == nil
}

// compact stores e, which compactable accepted as n, as a record. Its names hold the references
// the export took when it was created.
func (c *compactStore) compact(n int64, e *task) {
	size := recordHeader + recordItem*len(e.items)
	ref := c.reserve(size)
	chunk := len(c.arena) - 1
	b := c.arena[chunk]
	b = append(b, progressCodes[e.progress])
	b = binary.LittleEndian.AppendUint64(b, uint64(unixSeconds(e.submitted)))
	b = binary.LittleEndian.AppendUint64(b, uint64(unixSeconds(e.started)))
	b = binary.LittleEndian.AppendUint32(b, uint32(len(e.items)))
	for _, it := range e.items {
		b = binary.LittleEndian.AppendUint32(b, c.nameIdx[it.name])
		b = append(b, progressCodes[it.progress])
		b = binary.LittleEndian.AppendUint64(b, uint64(unixSeconds(it.start)))
		b = binary.LittleEndian.AppendUint64(b, uint64(unixSeconds(it.end)))
		b = binary.LittleEndian.AppendUint64(b, uint64(it.records))
		b = append(b, mustHex(it.checksum)...)
	}
	c.arena[chunk] = b
	c.live += size
	if c.records == nil {
		c.records = map[int64]recordRef{}
	}
	c.records[n] = ref
}

// reserve makes room for a record of size bytes at the end of the last chunk, starting a new
// chunk when it has too little left, and returns where the record goes.
func (c *compactStore) reserve(size int) recordRef {
	if len(c.arena) == 0 || cap(c.arena[len(c.arena)-1])-len(c.arena[len(c.arena)-1]) < size {
		c.arena = append(c.arena, make([]byte, 0, max(arenaChunk, size)))
	}
	chunk := len(c.arena) - 1
	return recordRef(uint64(chunk)<<32 | uint64(len(c.arena[chunk])))
}

// recordAt returns the bytes of the record at ref in arena, and how many tables it holds.
func recordAt(arena [][]byte, ref recordRef) ([]byte, int) {
	b := arena[ref>>32][uint32(ref):]
	count := int(binary.LittleEndian.Uint32(b[17:]))
	return b[:recordHeader+recordItem*count], count
}

// remove forgets the compacted export n, giving back its names, and reports how many tables it
// held; false when there is no such export. Once evicted records outweigh the kept ones (and
// make up a chunk at least), the kept ones are copied into fresh chunks: each byte is copied at
// most once per byte evicted since the last copy, so eviction stays cheap on average.
func (c *compactStore) remove(n int64) (int, bool) {
	ref, ok := c.records[n]
	if !ok {
		return 0, false
	}
	b, count := recordAt(c.arena, ref)
	for i := range count {
		c.release(binary.LittleEndian.Uint32(b[recordHeader+recordItem*i:]))
	}
	delete(c.records, n)
	c.live -= len(b)
	c.dead += len(b)
	if c.dead >= arenaChunk && c.dead > c.live {
		c.repack()
	}
	return count, true
}

// repack copies every kept record into fresh chunks and lets the old ones go.
func (c *compactStore) repack() {
	old := c.arena
	c.arena, c.dead = nil, 0
	for n, ref := range c.records {
		b, _ := recordAt(old, ref)
		to := c.reserve(len(b))
		chunk := len(c.arena) - 1
		c.arena[chunk] = append(c.arena[chunk], b...)
		c.records[n] = to
	}
}

// intern returns the index of name among the names, taking a reference to it: a created export
// takes one per table and gives it back with release when it is evicted.
func (c *compactStore) intern(name string) uint32 {
	if i, ok := c.nameIdx[name]; ok {
		c.refs[i]++
		return i
	}
	if c.nameIdx == nil {
		c.nameIdx = map[string]uint32{}
	}
	var i uint32
	if k := len(c.free); k > 0 {
		i, c.free = c.free[k-1], c.free[:k-1]
		c.names[i], c.refs[i] = name, 1
	} else {
		i = uint32(len(c.names))
		c.names = append(c.names, name)
		c.refs = append(c.refs, 1)
	}
	c.nameIdx[name] = i
	return i
}

// release gives back a reference to name i and forgets the name when it was the last.
func (c *compactStore) release(i uint32) {
	if c.refs[i]--; c.refs[i] > 0 {
		return
	}
	delete(c.nameIdx, c.names[i])
	c.names[i] = ""
	c.free = append(c.free, i)
}

// lookup returns the compacted export id names, expanded into into; false when there is none.
// The expanded export shows the same document as the export it was made from, and, being
// completed, refuses a cancel with the same error.
func (c *compactStore) lookup(id string, sched schedule, into *task) (*task, bool) {
	n, ok := numericID(id)
	if !ok {
		return nil, false
	}
	ref, ok := c.records[n]
	if !ok {
		return nil, false
	}
	b := c.arena[ref>>32][uint32(ref):]
	items := into.items[:cap(into.items)] // the scratch's items, allocated once and reused
	*into = task{id: id, sched: sched, running: true}
	into.progress = progressByCode[b[0]]
	into.submitted = fromUnixSeconds(int64(binary.LittleEndian.Uint64(b[1:])))
	into.started = fromUnixSeconds(int64(binary.LittleEndian.Uint64(b[9:])))
	count := int(binary.LittleEndian.Uint32(b[17:]))
	b = b[recordHeader:]
	for i := range count {
		if i == len(items) {
			items = append(items, nil)
			items = items[:cap(items)]
		}
		if items[i] == nil {
			items[i] = &item{}
		}
		it := items[i]
		*it = item{
			name:     c.names[binary.LittleEndian.Uint32(b)],
			progress: progressByCode[b[4]],
			start:    fromUnixSeconds(int64(binary.LittleEndian.Uint64(b[5:]))),
			end:      fromUnixSeconds(int64(binary.LittleEndian.Uint64(b[13:]))),
			records:  int64(binary.LittleEndian.Uint64(b[21:])),
		}
		if it.progress == export.Succeeded { // only a succeeded item shows its checksum
			var sum [2 * 16]byte
			hex.Encode(sum[:], b[29:45])
			it.checksum = string(sum[:])
		}
		b = b[recordItem:]
	}
	into.items = items[:count]
	return into, true
}

// has reports whether id names a compacted export.
func (c *compactStore) has(id string) bool {
	n, ok := numericID(id)
	if !ok {
		return false
	}
	_, ok = c.records[n]
	return ok
}

// ids appends the ids of every compacted export to out.
func (c *compactStore) ids(out []string) []string {
	for n := range c.records {
		out = append(out, strconv.FormatInt(n, 10))
	}
	return out
}

// unixSeconds is t to the second, as its status document shows it, or noTime for a zero time.
func unixSeconds(t time.Time) int64 {
	if t.IsZero() {
		return noTime
	}
	return t.Unix()
}

func fromUnixSeconds(s int64) time.Time {
	if s == noTime {
		return time.Time{}
	}
	return time.Unix(s, 0).UTC()
}

// queue remembers a created export for the sweep.
func (c *compactStore) queue(n int64) {
	if c.head > len(c.created)/2 && c.head > 1024 {
		c.created = slices.Delete(c.created, 0, c.head)
		c.head = 0
	}
	c.created = append(c.created, n)
}

// next takes the oldest queued id, if there is one.
func (c *compactStore) next() (int64, bool) {
	if c.head == len(c.created) {
		return 0, false
	}
	n := c.created[c.head]
	c.head++
	return n, true
}

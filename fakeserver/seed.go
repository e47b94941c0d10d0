package fakeserver

import (
	"encoding/hex"
	"slices"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/conform-harness/conform/export"
)

// TableSeed is one table of a Seed.
type TableSeed struct {
	// Name is the table's name; required and unique within the seed.
	Name string
	// Progress is pending, processing, succeeded or failed; cancelled only when the request is
	// cancelled.
	Progress export.Progress
	// Records is the record count of the single part of a succeeded table; 0 derives one from
	// the name. Only a succeeded table may set it.
	Records int64
	// Checksum is the md5 hex of that part; "" derives one. Only a succeeded table may set it.
	Checksum string
}

// Seed describes an export request to put into the fake exactly as it should be found.
type Seed struct {
	// ID is the request id; "" takes the next generated numeric id. It must not be taken and
	// must fit in a URL path segment: no "/", spaces or control characters, at most 200 bytes.
	ID string
	// Progress is pending, processing, cancelling, succeeded, failed or cancelled.
	Progress export.Progress
	// Tables lists the request's tables in processing order. Empty means the vendor example's
	// two tables, SHIPMENT and SHIPMENT_REFNUM, in a state consistent with Progress.
	Tables []TableSeed
}

// seedRule says which table progresses a request with some progress may hold.
type seedRule struct {
	tables []export.Progress
	why    string
}

var seedRules = map[export.Progress]seedRule{
	export.Pending: {
		[]export.Progress{export.Pending},
		"a pending request has only pending tables"},
	export.Processing: {
		[]export.Progress{export.Succeeded, export.Failed, export.Processing, export.Pending},
		"a processing request has no cancelled tables"},
	export.Cancelling: {
		[]export.Progress{export.Succeeded, export.Failed, export.Processing, export.Pending},
		"a cancelling request has no cancelled tables until the cancellation settles"},
	export.Succeeded: {
		[]export.Progress{export.Succeeded},
		"a succeeded request has only succeeded tables"},
	export.Failed: {
		[]export.Progress{export.Succeeded, export.Failed},
		"a failed request has only finished tables"},
	export.Cancelled: {
		[]export.Progress{export.Succeeded, export.Failed, export.Cancelled},
		"a cancelled request has only finished or cancelled tables"},
}

// stage orders table progresses the way tables are processed, one after another: finished tables
// first, then at most one processing table, then those still waiting (or cancelled while waiting).
func stage(p export.Progress) int {
	switch p {
	case export.Succeeded, export.Failed:
		return 0
	case export.Processing:
		return 1
	}
	return 2
}

// defaultSeedTables returns the vendor example's tables in a state consistent with p; a
// succeeded SHIPMENT carries the example's count and checksum.
func defaultSeedTables(p export.Progress) []TableSeed {
	first, second := export.Succeeded, export.Pending
	switch p {
	case export.Pending:
		first = export.Pending
	case export.Succeeded, export.Failed, export.Cancelled:
		second = p
	}
	shipment := TableSeed{Name: "SHIPMENT", Progress: first}
	if first == export.Succeeded {
		shipment.Records, shipment.Checksum = 92, "c9179dae8947cb56abaed4f6c2ea09b3"
	}
	return []TableSeed{shipment, {Name: "SHIPMENT_REFNUM", Progress: second}}
}

// validateSeed reports the first way the seed's tables contradict its progress, or nil.
func validateSeed(progress export.Progress, tables []TableSeed) error {
	rule, ok := seedRules[progress]
	if !ok {
		return errorf(CodeInvalidSeed, "seed progress %q: want pending, processing, cancelling, succeeded, failed or cancelled", progress)
	}
	seen := map[string]bool{}
	processing, open, failed, cancelled := 0, 0, 0, 0
	for i, t := range tables {
		switch {
		case strings.TrimSpace(t.Name) == "":
			return errorf(CodeInvalidSeed, "seed table %d has no name", i+1)
		case seen[t.Name]:
			return errorf(CodeInvalidSeed, "seed table %q appears twice", t.Name)
		case !slices.Contains(rule.tables, t.Progress):
			return errorf(CodeInvalidSeed, "seed request is %s but table %s is %q: %s", progress, t.Name, t.Progress, rule.why)
		case i > 0 && stage(t.Progress) < stage(tables[i-1].Progress):
			return errorf(CodeInvalidSeed, "seed table %s is %s after table %s is %s: tables are processed one after another, in order",
				t.Name, t.Progress, tables[i-1].Name, tables[i-1].Progress)
		case len(t.Name) > MaxTableNameBytes:
			return errorf(CodeInvalidSeed, "seed table name %s is %d bytes long, more than the %d a table name may have", shorten(t.Name), len(t.Name), MaxTableNameBytes)
		case t.Records < 0:
			return errorf(CodeInvalidSeed, "seed table %s has a negative record count %d", t.Name, t.Records)
		case t.Progress != export.Succeeded && (t.Records != 0 || t.Checksum != ""):
			return errorf(CodeInvalidSeed, "seed table %s is %s: only a succeeded table has a record count and a checksum", t.Name, t.Progress)
		case t.Checksum != "" && !isMD5Hex(t.Checksum):
			return errorf(CodeInvalidSeed, "seed table %s: checksum %q is not 32 hex digits (an md5)", t.Name, t.Checksum)
		}
		seen[t.Name] = true
		switch t.Progress {
		case export.Processing:
			processing++
			open++
		case export.Pending:
			open++
		case export.Failed:
			failed++
		case export.Cancelled:
			cancelled++
		}
	}
	switch {
	case processing > 1:
		return errorf(CodeInvalidSeed, "seed has %d processing tables: tables are processed one at a time", processing)
	case (progress == export.Processing || progress == export.Cancelling) && open == 0:
		return errorf(CodeInvalidSeed, "seed request is %s but every table has finished: such a request has completed", progress)
	case progress == export.Failed && failed == 0:
		return errorf(CodeInvalidSeed, "seed request is failed but no table failed: a request fails only when a table fails")
	case progress == export.Cancelled && cancelled == 0:
		return errorf(CodeInvalidSeed, "seed request is cancelled but no table is cancelled: a request whose tables all finished completes before a cancellation can settle")
	}
	return nil
}

func isMD5Hex(s string) bool {
	_, err := hex.DecodeString(s)
	return err == nil && len(s) == 32
}

// validSeedID reports whether id can name a request in a URL path segment.
func validSeedID(id string) bool {
	if len(id) > 200 || !utf8.ValidString(id) || strings.Contains(id, "/") {
		return false
	}
	return !strings.ContainsFunc(id, func(r rune) bool { return unicode.IsSpace(r) || unicode.IsControl(r) })
}

// put stores the export the seed describes, as of now. Times are made up to be consistent and
// never in the future: the finished tables ran one after another up to now, a processing table
// started now. The export stays exactly as seeded until it is cancelled.
func (s *store) put(seed Seed) (export.ID, error) {
	tables := seed.Tables
	if len(tables) == 0 {
		tables = defaultSeedTables(seed.Progress)
	}
	if err := validateSeed(seed.Progress, tables); err != nil {
		return "", err
	}
	if seed.ID != "" && !validSeedID(seed.ID) {
		return "", errorf(CodeInvalidSeed, "seed id %s cannot name a request in a URL path: use at most 200 bytes, no \"/\", spaces or control characters", shorten(seed.ID))
	}
	if len(tables) > s.limits.perRequest {
		return "", errorf(CodeInvalidSeed, "seed names %d tables, more than the %d one export request may name", len(tables), s.limits.perRequest)
	}

	s.mu.Lock()
	defer s.mu.Unlock()
	id := seed.ID
	if id != "" && s.takenLocked(id) {
		return "", errorf(CodeInvalidSeed, "seed id %s is already taken", shorten(id))
	}
	now := s.clock.Now()
	if err := s.makeRoomLocked(now, len(tables)); err != nil {
		return "", err
	}
	if id == "" {
		id = s.newIDLocked()
	}
	e := &task{id: id, sched: s.sched, progress: seed.Progress, submitted: now, hooks: s.hooks}
	finished := 0
	for _, t := range tables {
		if stage(t.Progress) == 0 {
			finished++
		}
	}
	if seed.Progress != export.Pending {
		e.started = now.Add(-time.Duration(finished) * s.sched.tableDuration)
		e.submitted = e.started.Add(-s.sched.startDelay)
	}
	if seed.Progress == export.Cancelling {
		e.settleAt = now.Add(s.sched.cancelDelay)
	}
	for i, t := range tables {
		it := &item{name: t.Name, progress: t.Progress, records: t.Records, checksum: t.Checksum, fails: t.Progress == export.Failed}
		if it.records == 0 {
			it.records = derivedRecords(t.Name)
		}
		if it.checksum == "" {
			it.checksum = derivedChecksum(partName(id, t.Name), it.records)
		}
		switch stage(t.Progress) {
		case 0:
			it.start = e.started.Add(time.Duration(i) * s.sched.tableDuration)
			it.end = it.start.Add(s.sched.tableDuration)
		case 1:
			it.start = now
		}
		e.items = append(e.items, it)
	}
	s.exports[id] = e
	s.heldLocked(e, now)
	return export.ID(id), nil
}

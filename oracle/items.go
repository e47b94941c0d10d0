package oracle

import (
	"fmt"
	"strconv"

	"github.com/conform-harness/conform/export"
)

// Items are identified by itemID; an item without one is identified by itemName, and one with
// neither by its position. A later document that drops an item's id still matches it by name,
// so that a vendor that sends the id only sometimes is not reported as losing items.

// ItemKey identifies an item across the documents of one request: by itemID, else by itemName,
// else by its position (index). Everything that follows an item from document to document (the
// oracle, contract coverage) uses it, so that they agree on which item is which.
func ItemKey(it export.Item, index int) string {
	switch {
	case it.ItemID != "":
		return "id:" + string(it.ItemID)
	case it.ItemName != "":
		return "name:" + it.ItemName
	}
	return "index:" + strconv.Itoa(index)
}

// itemLabel names an item in messages, e.g. `item 1 (SHIPMENT)`.
func itemLabel(it export.Item, index int) string {
	switch {
	case it.ItemID != "" && it.ItemName != "":
		return fmt.Sprintf("item %s (%s)", quoteIfOdd(string(it.ItemID)), quoteIfOdd(it.ItemName))
	case it.ItemID != "":
		return "item " + quoteIfOdd(string(it.ItemID))
	case it.ItemName != "":
		return "item " + strconv.Quote(it.ItemName)
	}
	return fmt.Sprintf("item #%d (no itemID or itemName)", index+1)
}

// quoteIfOdd leaves plain identifiers as they are and quotes anything else, so that a message
// stays on one line and shows exactly what the document held.
func quoteIfOdd(s string) string {
	if s == "" {
		return `""`
	}
	for _, r := range s {
		plain := r == '_' || r == '-' || r == '.' ||
			(r >= '0' && r <= '9') || (r >= 'a' && r <= 'z') || (r >= 'A' && r <= 'Z')
		if !plain {
			return strconv.Quote(s)
		}
	}
	return s
}

// matchItems pairs the items of an earlier document with those of a later one. It returns, for
// each earlier item, the index of its later counterpart or -1, and the later items that no
// earlier item matched. Each later item matches at most one earlier item, so duplicates count;
// among equals the first unused one is taken, so the result does not depend on map order.
func matchItems(earlier, later []export.Item) (match []int, unmatched []int) {
	used := make([]bool, len(later))
	byID := make(map[export.ID]*queue)
	byName := make(map[string]*queue)     // every named later item
	byNameNoID := make(map[string]*queue) // named later items without an id
	anonymous := &queue{}
	for j, it := range later {
		switch {
		case it.ItemID != "":
			enqueue(byID, it.ItemID, j)
		case it.ItemName == "":
			anonymous.push(j)
		}
		if it.ItemName != "" {
			enqueue(byName, it.ItemName, j)
			if it.ItemID == "" {
				enqueue(byNameNoID, it.ItemName, j)
			}
		}
	}

	match = make([]int, len(earlier))
	for i := range match {
		match[i] = -1
	}
	// By id first, so that a name shared by two items cannot steal an id match.
	for i, e := range earlier {
		if e.ItemID != "" {
			match[i] = byID[e.ItemID].take(used)
		}
	}
	for i, e := range earlier {
		switch {
		case match[i] >= 0 || e.ItemName == "":
		case e.ItemID != "":
			// An item that had an id matches by name only a later item that has none.
			match[i] = byNameNoID[e.ItemName].take(used)
		default:
			match[i] = byName[e.ItemName].take(used)
		}
	}
	for i, e := range earlier {
		if e.ItemID == "" && e.ItemName == "" {
			match[i] = anonymous.take(used)
		}
	}
	for j := range later {
		if !used[j] {
			unmatched = append(unmatched, j)
		}
	}
	return match, unmatched
}

// queue holds the indexes of later items that share a key, in document order.
type queue struct{ next []int }

func (q *queue) push(j int) { q.next = append(q.next, j) }

// take returns the first index not yet used and marks it used, or -1. A nil queue is empty.
func (q *queue) take(used []bool) int {
	if q == nil {
		return -1
	}
	for len(q.next) > 0 {
		j := q.next[0]
		q.next = q.next[1:]
		if !used[j] {
			used[j] = true
			return j
		}
	}
	return -1
}

func enqueue[K comparable](m map[K]*queue, k K, j int) {
	q := m[k]
	if q == nil {
		q = &queue{}
		m[k] = q
	}
	q.push(j)
}

// diffParts lists how the parts of an item changed: the count, parts that went missing or
// appeared, and each kept part's recordCount and checksum. Parts are matched by partName.
func diffParts(before, after export.Parts) []string {
	var diffs []string
	if before.Count != after.Count {
		diffs = append(diffs, fmt.Sprintf("parts.count %d → %d", before.Count, after.Count))
	}
	used := make([]bool, len(after.Items))
	byName := make(map[string]*queue)
	for k, ap := range after.Items {
		enqueue(byName, ap.PartName, k)
	}
	for _, bp := range before.Items {
		j := byName[bp.PartName].take(used)
		name := strconv.Quote(bp.PartName)
		if j < 0 {
			diffs = append(diffs, fmt.Sprintf("part %s is missing", name))
			continue
		}
		ap := after.Items[j]
		if bp.RecordCount != ap.RecordCount {
			diffs = append(diffs, fmt.Sprintf("part %s recordCount %d → %d", name, bp.RecordCount, ap.RecordCount))
		}
		if bp.Checksum != ap.Checksum {
			diffs = append(diffs, fmt.Sprintf("part %s checksum %q → %q", name, bp.Checksum, ap.Checksum))
		}
	}
	for k, ap := range after.Items {
		if !used[k] {
			diffs = append(diffs, fmt.Sprintf("new part %q", ap.PartName))
		}
	}
	return diffs
}

// diffItem lists every change of an item that a completed request must not show: progress,
// record counts and parts.
func diffItem(label string, before, after export.Item) []string {
	var diffs []string
	if before.Progress != after.Progress {
		diffs = append(diffs, fmt.Sprintf("%s progress %q → %q", label, before.Progress, after.Progress))
	}
	if !sameCount(before.TotalRecordCount, after.TotalRecordCount) {
		diffs = append(diffs, fmt.Sprintf("%s totalRecordCount %s → %s", label, count(before.TotalRecordCount), count(after.TotalRecordCount)))
	}
	if !sameCount(before.TotalResults, after.TotalResults) {
		diffs = append(diffs, fmt.Sprintf("%s totalResults %s → %s", label, count(before.TotalResults), count(after.TotalResults)))
	}
	for _, d := range diffParts(before.Parts, after.Parts) {
		diffs = append(diffs, label+" "+d)
	}
	return diffs
}

func sameCount(a, b *int64) bool {
	if a == nil || b == nil {
		return a == b
	}
	return *a == *b
}

func count(p *int64) string {
	if p == nil {
		return "absent"
	}
	return strconv.FormatInt(*p, 10)
}

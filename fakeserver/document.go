package fakeserver

import (
	"crypto/md5"
	"encoding/hex"
	"fmt"
	"hash/fnv"
	"strconv"
	"time"

	"github.com/conform-harness/conform/export"
)

// statusPath is the path of the status document of request id, used in links and Location. The
// fake's ids are never empty and at most 200 bytes (validSeedID), so export.PathOf cannot fail
// for one; if it did, a bug let such an id in.
func statusPath(id string) string {
	p, err := export.PathOf(export.Root, export.CallStatus, export.ID(id))
	if err != nil {
		panic("fakeserver: " + err.Error())
	}
	return p
}

// wireTime formats t as the vendor does: RFC 3339 in UTC with whole seconds.
func wireTime(t time.Time) string {
	return t.UTC().Truncate(time.Second).Format(time.RFC3339)
}

// partName names the single part an item produces, in the vendor's pattern.
func partName(requestID, table string) string {
	return fmt.Sprintf("DATA_%s_%s_1_1.csv", requestID, table)
}

// derivedRecords is the record count of a table when nobody chose one: stable for a name, so
// runs are repeatable, and between 1 and 1000.
func derivedRecords(table string) int64 {
	h := fnv.New32a()
	h.Write([]byte(table))
	return int64(h.Sum32()%1000) + 1
}

// derivedChecksum stands in for the md5 of a part's content, which the fake never writes.
func derivedChecksum(part string, records int64) string {
	sum := md5.Sum([]byte(part + "\n" + strconv.FormatInt(records, 10)))
	return hex.EncodeToString(sum[:])
}

// document renders the export as its status document, typed, for Server.Status. It shares no
// memory with the export. HTTP answers never go through it: they are encoded by appendStatus,
// which the tests hold to json.Marshal of this document byte for byte.
func (e *task) document() export.Status {
	doc := export.Status{
		Progress:  e.progress,
		Completed: e.completed(),
		Result: &export.Result{Body: export.Body{
			RequestID:  export.ID(e.id),
			SubmitDate: export.DateTime{Value: wireTime(e.submitted)},
			Tables:     export.Tables{Items: make([]export.Item, 0, len(e.items))},
		}},
		Links: []export.Link{{Rel: "self", Href: statusPath(e.id)}},
	}
	if !e.started.IsZero() {
		doc.StartTime = &export.DateTime{Value: wireTime(e.started), Wrapped: true} // as the use-case page writes it
	}
	for i, it := range e.items {
		doc.Result.Body.Tables.Items = append(doc.Result.Body.Tables.Items, it.document(e.id, i+1))
	}
	return doc
}

// document renders the item with the given 1-based id. Only a succeeded item has counts and a
// part; every other item has an empty part list, never null.
func (it *item) document(requestID string, id int) export.Item {
	d := export.Item{
		ItemID:   export.ID(strconv.Itoa(id)),
		ItemName: it.name,
		Progress: it.progress,
		Parts:    export.Parts{Count: 0, Items: []export.Part{}},
	}
	if !it.start.IsZero() {
		d.StartTime = export.DateTime{Value: wireTime(it.start)}
	}
	if !it.end.IsZero() {
		d.EndTime = export.DateTime{Value: wireTime(it.end)}
	}
	if it.progress == export.Succeeded {
		results, offset, total := it.records, int64(0), it.records
		d.TotalResults, d.Offset, d.TotalRecordCount = &results, &offset, &total
		d.Parts = export.Parts{Count: 1, Items: []export.Part{{
			PartName:    partName(requestID, it.name),
			RecordCount: it.records,
			Checksum:    it.checksum,
		}}}
	}
	return d
}

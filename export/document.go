// Package export is the export-request API's domain: the status document, its items and parts,
// progress values, ids, the error document and the create body; the state machine of DESIGN §2
// (machine.go); and the one strict decoder of a status document (decode.go). The fake encodes
// these types; the steps, the oracle, the load and the reports decode with this package alone,
// so every part of the harness reads one body the same way.
//
// Where the use-case page is silent the documents are tolerant: dates decode from a string or a
// dateTimeType object and keep their text (DateTime), ids from a number or a string (ID), an
// optional field may be null, and unknown fields pass. A malformed date still decodes: the
// harness must be able to report on such a document, and the spec validator says what is wrong
// with it.
package export

import (
	"bytes"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
)

// Root is the path under which the vendor serves every call of the API, on its cloud as in
// the bundled fake.
const Root = "/logisticsRestApi/data/v1"

// Progress is the progress value of a request or an item, as the vendor spells it.
type Progress string

// The vendor's progress values.
const (
	Pending     Progress = "pending"
	Processing  Progress = "processing"
	Succeeded   Progress = "succeeded"
	Failed      Progress = "failed"
	Interrupted Progress = "interrupted"
	Cancelling  Progress = "cancelling"
	Cancelled   Progress = "cancelled"
	Unknown     Progress = "unknown"
)

// progresses are the vendor's progress values, in its order.
var progresses = [...]Progress{Pending, Processing, Succeeded, Failed, Interrupted, Cancelling, Cancelled, Unknown}

// Progresses returns every known progress value in the vendor's order. The slice is the
// caller's.
func Progresses() []Progress { return slices.Clone(progresses[:]) }

// Known reports whether p is one of the vendor's progress values.
func (p Progress) Known() bool { return slices.Contains(progresses[:], p) }

// Terminal reports whether a request with this progress has completed: succeeded, failed,
// cancelled or interrupted. A completed request never changes again.
func (p Progress) Terminal() bool {
	switch p {
	case Succeeded, Failed, Cancelled, Interrupted:
		return true
	}
	return false
}

// ID is a request or item id. The vendor's example shows numbers, its schema says string; ID
// decodes either and compares by its decimal or string text. It encodes as a JSON number when
// the text is a plain non-negative integer, as the vendor's example does, and as a string
// otherwise.
type ID string

// UnmarshalJSON accepts a JSON number or a JSON string.
func (id *ID) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	if len(b) > 0 && b[0] == '"' {
		var s string
		if err := json.Unmarshal(b, &s); err != nil {
			return err
		}
		*id = ID(s)
		return nil
	}
	var n json.Number
	if err := json.Unmarshal(b, &n); err != nil {
		return fmt.Errorf("id must be a number or a string, got %s", b)
	}
	*id = ID(n.String())
	return nil
}

// MarshalJSON writes a plain integer id as a number and anything else as a string.
func (id ID) MarshalJSON() ([]byte, error) {
	if _, err := strconv.ParseUint(string(id), 10, 63); err == nil && (len(id) == 1 || id[0] != '0') {
		return []byte(id), nil
	}
	return json.Marshal(string(id))
}

// Status is the status document answered by GET /exportStatuses/{id} and by a create. The
// use-case page writes its startTime as a dateTimeType, {"value": …}; nil when it is left out
// or null.
type Status struct {
	Progress  Progress  `json:"progress"`
	StartTime *DateTime `json:"startTime,omitempty"`
	Completed bool      `json:"completed"`
	Result    *Result   `json:"result,omitempty"`
	Links     []Link    `json:"links,omitempty"`
}

// Result wraps the body of a status document.
type Result struct {
	Body Body `json:"body"`
}

// Body names the request and lists its table items.
type Body struct {
	RequestID  ID       `json:"requestID"`
	SubmitDate DateTime `json:"submitDate,omitzero"`
	Tables     Tables   `json:"tables"`
}

// Tables holds the items of a request, one per exported table.
type Tables struct {
	Items []Item `json:"items"`
}

// Item is the export of one table.
type Item struct {
	ItemID           ID       `json:"itemID"`
	ItemName         string   `json:"itemName"`
	StartTime        DateTime `json:"startTime,omitzero"`
	EndTime          DateTime `json:"endTime,omitzero"`
	Progress         Progress `json:"progress"`
	TotalResults     *int64   `json:"totalResults,omitempty"`
	Offset           *int64   `json:"offset,omitempty"`
	TotalRecordCount *int64   `json:"totalRecordCount,omitempty"`
	Parts            Parts    `json:"parts"`
}

// Parts lists the files an item produced.
type Parts struct {
	Count int    `json:"count"`
	Items []Part `json:"items"`
}

// Part is one produced file with its record count and md5 checksum.
type Part struct {
	PartName    string `json:"partName"`
	RecordCount int64  `json:"recordCount"`
	Checksum    string `json:"checksum"`
}

// Link is a hypermedia link of a status document.
type Link struct {
	Rel       string `json:"rel"`
	Href      string `json:"href"`
	MediaType string `json:"mediaType,omitempty"`
}

// RequestID returns the id the document names, or "" when it has no result body.
func (s *Status) RequestID() ID {
	if s.Result == nil {
		return ""
	}
	return s.Result.Body.RequestID
}

// Items returns the document's items, or nil when it has no result body.
func (s *Status) Items() []Item {
	if s.Result == nil {
		return nil
	}
	return s.Result.Body.Tables.Items
}

// Item returns the item with the given name, if there is one.
func (s *Status) Item(name string) (Item, bool) {
	for _, it := range s.Items() {
		if it.ItemName == name {
			return it, true
		}
	}
	return Item{}, false
}

// CreateRequest is the body of POST /exportRequests. Only the table names matter to the
// harness; the vendor accepts more (filters, fields), which the spec allows.
type CreateRequest struct {
	Tables CreateTables `json:"tables"`
}

// CreateTables lists the tables to export.
type CreateTables struct {
	Items []CreateTable `json:"items"`
}

// CreateTable names one table to export.
type CreateTable struct {
	TableName string `json:"tableName"`
}
